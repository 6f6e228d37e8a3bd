"""Schema set-up: constraints and indexes from ``cypher/schema/``, applied idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from nexus_graph.store.catalog import names
from nexus_graph.store.protocol import Store


@dataclass(frozen=True)
class SchemaReport:
    """What ``db init`` did: statements run, objects before and after."""

    statements: list[str]
    created: list[str]
    indexes: list[dict]
    constraints: list[dict]

    def summary(self) -> dict:
        return {"statements": len(self.statements), "created": self.created, "indexes": len(self.indexes),
                "constraints": len(self.constraints)}


def schema_objects(store: Store) -> tuple[list[dict], list[dict]]:
    """Every index and constraint, sorted by name."""
    return store.records("admin/schema_indexes"), store.records("admin/schema_constraints")


def init_schema(store: Store) -> SchemaReport:
    """Apply every ``schema/*`` statement (all ``IF NOT EXISTS``) and wait for the indexes."""
    before = {row["name"] for row in schema_objects(store)[0]}
    statements = names("schema")
    for name in statements:
        store.write(name)
    store.write("admin/await_indexes")
    indexes, constraints = schema_objects(store)
    created = sorted({row["name"] for row in indexes} - before)
    return SchemaReport(statements, created, indexes, constraints)


def wipe(store: Store, batch: int = 20_000, keep_registry: bool = False) -> int:
    """Delete every node and relationship, in batches (schema is kept); returns nodes deleted.

    ``keep_registry=True`` deletes the graph data only and keeps the signal registry and the model
    versions (``Signal``, ``SignalTest``, ``StatusChange``, ``ModelVersion``, ``PaperTradeRun`` and their links), so a
    reload does not forget how many tests were ever made.
    """
    relationships, nodes = (("admin/wipe_data_relationships_batch", "admin/wipe_data_batch") if keep_registry
                            else ("admin/wipe_relationships_batch", "admin/wipe_batch"))
    # relationships first, in batches: DETACH DELETE of a node batch would otherwise take all their
    # relationships into one transaction and exceed the server's transaction memory on a dense graph
    while store.write(relationships, limit=batch)[0]["deleted"]:
        pass
    total = 0
    while deleted := store.write(nodes, limit=batch)[0]["deleted"]:
        total += deleted
    return total
