"""Reads run as reads and writes as writes, so a ``neo4j://`` URI to a cluster routes each where it belongs.

Three guards, no server needed: the classification of every catalogued statement; a recording driver
showing which driver call (routing, access mode, database) each :class:`Store` method makes; and a
scan of the package for every call site naming a statement, checking that what is read is read-only
and what is written writes.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

import pytest
from neo4j import RoutingControl

from nexus_graph.errors import NexusError
from nexus_graph.settings import Neo4jSettings
from nexus_graph.store import Store, catalog

SETTINGS = Neo4jSettings("neo4j://cluster.example:7687", "neo4j", "secret-not-shown", "graphs", local=False)
PACKAGE = Path(__file__).resolve().parents[2] / "nexus_graph"
READ_METHODS = {"records", "frame"}
WRITE_METHODS = {"write", "write_batches"}


@pytest.mark.parametrize(("text", "writes"), [
    ("MATCH (c:Company) RETURN c.id AS id", False),
    ("MATCH (c:Company {id: 'CREATE'}) RETURN c.createdAt AS created_at, c.offset AS offset_", False),
    ("CALL db.index.vector.queryNodes('company_embedding', 5, $v) YIELD node RETURN node", False),
    ("UNWIND $rows AS r MERGE (c:Company {id: r.id}) SET c.name = r.name", True),
    ("MATCH (e:Embedding) WITH e LIMIT $limit DETACH DELETE e RETURN count(*) AS deleted", True),
    ("CREATE CONSTRAINT company_id IF NOT EXISTS FOR (c:Company) REQUIRE c.id IS UNIQUE", True),
    ("MATCH (c:Company) CALL db.create.setNodeVectorProperty(c, 'embedding', $v)", True),
    ("CALL db.awaitIndexes(300)", True),
])
def test_write_clauses_are_recognised(text: str, writes: bool) -> None:
    assert catalog.cypher_writes(text) is writes


def test_every_catalogued_statement_is_classified_as_its_folder_says() -> None:
    for name in catalog.names():
        folder, file = name.split("/")
        if folder in ("schema",) or file.startswith(("upsert", "merge", "wipe", "mark_", "prune", "record_")) \
                or file.endswith(("_create", "_update", "_merge")):
            assert catalog.writes(name), name
        if folder in ("browser", "read", "snapshot", "graph") or file.endswith(("_present", "_count", "_counts")):
            assert not catalog.writes(name), name


class _Recorder:
    """A driver that records each call's kind, routing and database; reads answer one row."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, Any]] = []
        self.bookmark_managers: set[int] = set()

    def execute_query(self, query: str, parameters: dict, database_: str, routing_: RoutingControl,
                      bookmark_manager_: Any) -> Any:
        self.calls.append(("execute_query", routing_, database_))
        self.bookmark_managers.add(id(bookmark_manager_))
        return [{"ok": 1}], None, None

    def session(self, database: str, bookmark_manager: Any) -> _Recorder:
        self.calls.append(("session", None, database))
        self.bookmark_managers.add(id(bookmark_manager))
        return self

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def execute_read(self, work: Any) -> Any:
        self.calls.append(("execute_read", None, None))
        return work(_Tx())

    def execute_write(self, work: Any) -> Any:
        self.calls.append(("execute_write", None, None))
        return work(_Tx())

    def last_bookmarks(self) -> Any:
        return type("Bookmarks", (), {"raw_values": frozenset({"bm"})})()


class _Tx:
    def run(self, query: str, parameters: dict) -> list:
        return []


def test_store_methods_route_reads_to_readers_and_writes_to_the_leader() -> None:
    driver = _Recorder()
    store = Store(driver, SETTINGS)  # type: ignore[arg-type]
    store.records("read/latest")
    store.frame("models/model_versions")
    assert driver.calls == [("execute_query", RoutingControl.READ, "graphs")] * 2
    driver.calls.clear()
    store.read_transaction(lambda tx: tx.run("graph/dump_nodes"))
    assert driver.calls == [("session", None, "graphs"), ("execute_read", None, None)]
    driver.calls.clear()
    store.write("models/merge_model_version", version="v", props={})
    assert driver.calls == [("session", None, "graphs"), ("execute_write", None, None)]
    assert len(driver.bookmark_managers) == 1  # reads wait for this store's writes (causal consistency)


def test_a_read_refuses_a_writing_statement_before_sending_it() -> None:
    driver = _Recorder()
    store = Store(driver, SETTINGS)  # type: ignore[arg-type]
    expected = "Statement 'embeddings/upsert' writes, but it was run as a read"
    with pytest.raises(NexusError, match=expected):
        store.records("embeddings/upsert")
    assert driver.calls == []
    with pytest.raises(NexusError, match=r"run it with Store\.write or inside Store\.transaction"):
        store.read_transaction(lambda tx: tx.run("embeddings/upsert"))
    assert ("execute_write", None, None) not in driver.calls


def test_the_database_name_comes_from_neo4j_database() -> None:
    env = {"NEO4J_URI": "neo4j+s://abc.databases.neo4j.io", "NEO4J_USERNAME": "analyst", "NEO4J_PASSWORD": "pw",
           "NEO4J_DATABASE": "graphs"}
    settings = Neo4jSettings.from_env(env)
    assert (settings.uri, settings.username, settings.database, settings.local) == (
        "neo4j+s://abc.databases.neo4j.io", "analyst", "graphs", False)
    assert Neo4jSettings.from_env({"NEO4J_URI": "neo4j://h:7687", "NEO4J_PASSWORD": "pw"}).database == "neo4j"


def _statement_names(node: ast.expr, module: Any) -> list[str]:
    """The statement names a call's first argument can be: a literal, or a lookup in a module-level dict."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    keys: list[ast.expr] = []
    while isinstance(node, ast.Subscript):
        keys.insert(0, node.slice)
        node = node.value
    if not (isinstance(node, ast.Name) and isinstance(getattr(module, node.id, None), dict)):
        return []
    values: list[Any] = [getattr(module, node.id)]
    for key in keys:
        if isinstance(key, ast.Constant):
            values = [v[key.value] for v in values]
        else:
            values = [item for v in values for item in v.values()]
    return [v for v in values if isinstance(v, str)]


def test_every_call_site_reads_read_only_statements_and_writes_writing_ones() -> None:
    seen = {"read": 0, "write": 0}
    for path in sorted(PACKAGE.rglob("*.py")):
        module_name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and n.func.attr in READ_METHODS | WRITE_METHODS and n.args]
        if not calls:
            continue
        module = importlib.import_module(module_name)
        for call in calls:
            for name in _statement_names(call.args[0], module):
                if "/" not in name or name not in catalog.names():
                    continue
                where = f"{path.relative_to(PACKAGE.parent)}:{call.lineno} {call.func.attr}({name!r})"
                if call.func.attr in READ_METHODS:
                    seen["read"] += 1
                    assert not catalog.writes(name), f"{where}: a read runs a writing statement"
                else:
                    seen["write"] += 1
                    assert catalog.writes(name), f"{where}: a write transaction runs a read-only statement " \
                                                 "(it would go to the cluster leader); use Store.records"
    assert seen["read"] >= 30 and seen["write"] >= 5, seen  # the scan finds the call sites
