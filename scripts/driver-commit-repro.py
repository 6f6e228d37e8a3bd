"""Minimal reproduction for the Neo4j Python driver: a COMMIT after a server restart "succeeds" with no bookmark.

Standalone (needs only ``pip install neo4j``), ready to send to the driver's maintainers. It opens a
managed write transaction, runs one MERGE and consumes its result, then -- still inside the
transaction function, before the driver sends COMMIT -- runs RESTART_COMMAND (which must stop and
start the server). The server rolls the open transaction back on shutdown. On return the driver
sends COMMIT on the old connection.

Observed with neo4j 6.4.1 against Neo4j 5.26.30: ``execute_write`` returns normally, no exception,
``session.last_bookmarks()`` is empty, and the graph holds none of the 100 nodes. Expected: an
exception (``IncompleteCommit`` / ``ServiceUnavailable``) or a retry, never a silent success.

Usage::

    NEO4J_URI=bolt://127.0.0.1:7687 NEO4J_PASSWORD=... \\
    RESTART_COMMAND="nexus-graph neo4j stop && nexus-graph neo4j start" python scripts/driver-commit-repro.py
"""

from __future__ import annotations

import os
import subprocess

import neo4j
from neo4j import GraphDatabase


def main() -> None:
    uri = os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687")
    auth = (os.environ.get("NEO4J_USERNAME", "neo4j"), os.environ["NEO4J_PASSWORD"])
    restart = os.environ["RESTART_COMMAND"]
    driver = GraphDatabase.driver(uri, auth=auth)
    driver.execute_query("MATCH (n:ReproNode) DETACH DELETE n")
    attempts: list[int] = []

    def work(tx: neo4j.ManagedTransaction) -> None:
        attempts.append(1)
        tx.run("UNWIND range(1, 100) AS i MERGE (:ReproNode {i: i})").consume()
        if len(attempts) == 1:  # results consumed, transaction open: restart the server now
            subprocess.run(restart, shell=True, check=True, capture_output=True)

    with driver.session() as session:
        try:
            session.execute_write(work)
            outcome = "returned normally"
        except Exception as exc:  # any exception is the expected, correct outcome
            outcome = f"raised {type(exc).__name__}: {exc}"
        bookmarks = session.last_bookmarks().raw_values
    stored = driver.execute_query("MATCH (n:ReproNode) RETURN count(n) AS n").records[0]["n"]
    driver.execute_query("MATCH (n:ReproNode) DETACH DELETE n")
    driver.close()
    print(f"neo4j driver {neo4j.__version__}: execute_write {outcome}; attempts {len(attempts)}; "
          f"bookmarks {sorted(bookmarks)}; ReproNode in the graph: {stored} of 100")


if __name__ == "__main__":
    main()
