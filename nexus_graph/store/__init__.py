"""The store layer: the only package that imports the ``neo4j`` driver."""

from nexus_graph.store.neo4j_store import Store, Tx, rows_from_frame

__all__ = ["Store", "Tx", "rows_from_frame"]
