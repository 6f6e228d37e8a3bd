"""Shared fixtures.

Integration tests use the real Neo4j server named by NEO4J_URI or the local one that `make test`
starts. When it is unreachable they fail under CI (CI=true) or when NEXUS_GRAPH_REQUIRE_NEO4J=1
(as `make test` sets), and are skipped only in an ad-hoc local run of a single test file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from nexus_graph.errors import NexusError
from nexus_graph.store import Store
from nexus_graph.store.admin import init_schema, wipe


@pytest.fixture(scope="session", autouse=True)
def _own_side_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point the columnar side store (prices) at an empty folder for the whole run.

    Without this, a test that backfills or evaluates in-process would read the checkout's own
    ``.nexus-data/prices.parquet`` left by `make demo`, and its results would depend on it. A test
    that needs prices saves them itself (into its own ``NEXUS_GRAPH_DATA_HOME``).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEXUS_GRAPH_DATA_HOME", str(tmp_path_factory.mktemp("side-store")))
        yield


def _neo4j_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("NEXUS_GRAPH_REQUIRE_NEO4J") == "1"


@pytest.fixture(scope="session")
def neo4j_session() -> Iterator[Store]:
    """One connection for the whole run, schema applied once."""
    try:
        store = Store.connect()
    except NexusError as exc:
        if _neo4j_required():
            pytest.fail(f"Neo4j is required for this run but unreachable: {exc}", pytrace=False)
        pytest.skip(f"Neo4j unreachable (run `make test` to start it): {exc}")
    init_schema(store)
    yield store
    store.close()


@pytest.fixture()
def store(neo4j_session: Store) -> Store:
    """The real store, emptied before the test (schema kept)."""
    wipe(neo4j_session)
    return neo4j_session


_DEMO: dict[str, object] = {}


def _graph_signature(store: Store) -> tuple:
    return (tuple((r["label"], r["count"]) for r in store.records("graph/node_counts")),
            tuple((r["type"], r["count"]) for r in store.records("graph/relationship_counts")))


@pytest.fixture(scope="module")
def demo_graph(neo4j_session: Store, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo graph with everything written back: one ``nexus-graph demo --json`` run (its summary).

    Run once per session and again only when a test module in between changed the graph.
    """
    if _DEMO and _graph_signature(neo4j_session) == _DEMO["signature"]:
        return _DEMO["summary"]  # type: ignore[return-value]
    import json
    import subprocess
    import sys

    work = tmp_path_factory.mktemp("demo-graph")
    env = {**os.environ, "NEXUS_GRAPH_MODELS": str(work / "models"), "NEXUS_GRAPH_DATA_HOME": str(work / "side")}
    out = subprocess.run([sys.executable, "-m", "nexus_graph", "demo", "--json", "--run-dir", str(work / "run")],
                         capture_output=True, text=True, env=env, check=False, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    _DEMO.update(summary=json.loads(out.stdout), signature=_graph_signature(neo4j_session))
    return _DEMO["summary"]  # type: ignore[return-value]
