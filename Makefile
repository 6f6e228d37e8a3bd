# nexus-graph: two commands do everything on a fresh machine of ours.
#   make demo   the main job (sets up, starts the local Neo4j unless NEO4J_URI is set, runs the pipeline)
#   make test   the whole test suite, Neo4j integration tests included
SHELL := /bin/bash
PY := .venv/bin/python
NG := .venv/bin/nexus-graph
PYTEST_ARGS ?=

.PHONY: setup neo4j neo4j-stop test lint demo bench soak

setup:            ## virtualenv (deps cached under ~/.cache/nexus-graph), Java 17 and Maven if missing
	@bash scripts/bootstrap.sh >/dev/null

neo4j: setup      ## install and start the local Neo4j 5.26 (skipped when NEO4J_URI is set)
	@if [ -z "$$NEO4J_URI" ]; then $(NG) neo4j start; else echo "Using NEO4J_URI=$$NEO4J_URI"; fi
	@$(NG) db init

neo4j-stop: setup
	@$(NG) neo4j stop

lint: setup
	$(PY) -m ruff check nexus_graph tests benchmarks scripts

test: neo4j lint  ## ruff + the whole pytest suite against the real Neo4j
	NEXUS_GRAPH_REQUIRE_NEO4J=1 $(PY) -m pytest -ra $(PYTEST_ARGS)

soak: neo4j       ## restart Neo4j inside a backfill's write transaction SOAK_RUNS times (default 20); months lost
	NEXUS_GRAPH_REQUIRE_NEO4J=1 SOAK_RUNS=$${SOAK_RUNS:-20} $(PY) -m pytest -q -s -m soak \
	  --timeout $$(( $${SOAK_RUNS:-20} * 300 + 600 )) tests/integration/test_reliability.py

demo: neo4j       ## the whole pipeline on the embedded demo dataset
	$(NG) demo

bench: neo4j      ## benchmark table (see benchmarks/README.md)
	$(PY) -m benchmarks
