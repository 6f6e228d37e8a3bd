"""Reads for point-in-time snapshots, and the centrality history write-back.

Two read paths give identical snapshots (a test proves it):

- :func:`read_graph_tables` -- one bulk read of every node and every interval known by a date;
  :mod:`nexus_graph.snapshot.series` then slices it in memory for each month-end (fast for many
  snapshots);
- :func:`read_edges_as_of` -- the point-in-time rule evaluated by Cypher for one date
  (``cypher/snapshot/as_of_*``), handy for a single snapshot and as the reference.
"""

from __future__ import annotations

import pandas as pd

from nexus_graph import schema
from nexus_graph.snapshot.tables import GraphTables, edge_columns, node_columns
from nexus_graph.store.neo4j_store import Store, rows_from_frame
from nexus_graph.store.reconcile import reconcile


def _rel_name(spec: schema.RelSpec) -> str:
    return spec.pyg[1]  # "supplies", "owns", "sits_on": fixed names from schema.py


def read_nodes(store: Store) -> dict[str, pd.DataFrame]:
    """Node tables keyed by PyG node type, sorted by ``node_id``."""
    return {
        spec.pyg: store.frame(f"snapshot/nodes_{spec.pyg}", columns=node_columns(spec.pyg))
        for spec in schema.NODE_SPECS
    }


def read_graph_tables(store: Store, known_until: pd.Timestamp | None = None) -> GraphTables:
    """Every node and every relationship interval known by ``known_until`` (None = all), in one read."""
    def work(tx):  # one read transaction: a consistent view of the whole graph
        nodes = {}
        for spec in schema.NODE_SPECS:
            cols = node_columns(spec.pyg)
            nodes[spec.pyg] = _frame(tx.run(f"snapshot/nodes_{spec.pyg}"), cols)
        edges = {}
        for spec in schema.REL_SPECS:
            rows = tx.run(f"snapshot/intervals_{_rel_name(spec)}", known_until=known_until)
            edges[spec.pyg] = _frame(rows, edge_columns(spec.pyg))
        return GraphTables(nodes=nodes, edges=edges)

    return store.read_transaction(work)


def read_edges_as_of(store: Store, as_of: pd.Timestamp) -> dict[tuple[str, str, str], pd.DataFrame]:
    """Relationships visible at ``as_of`` per PyG edge type, evaluated in Cypher."""
    return {
        spec.pyg: store.frame(f"snapshot/as_of_{_rel_name(spec)}", columns=edge_columns(spec.pyg), as_of=as_of)
        for spec in schema.REL_SPECS
    }


def count_edges_as_of(store: Store, as_of: pd.Timestamp) -> dict[str, int]:
    """Direct Cypher ``count()`` of the relationships visible at ``as_of``, per Neo4j type."""
    return {
        spec.rel_type: store.records(f"snapshot/count_as_of_{_rel_name(spec)}", as_of=as_of)[0]["n"]
        for spec in schema.REL_SPECS
    }


def write_centralities(store: Store, frame: pd.DataFrame) -> int:
    """Upsert centrality rows keyed by (company, date); one transaction per snapshot date.

    ``frame`` has the columns of :func:`nexus_graph.snapshot.centrality.centrality_history`. Ends with
    a reconciliation: the returned count is the rows the graph holds for those dates, read back.
    """
    by_date = {pd.Timestamp(date): rows_from_frame(group) for date, group in frame.groupby("date", sort=True)}

    def write_date(date: pd.Timestamp) -> None:
        store.transaction(lambda tx: tx.run("centrality/upsert", rows=by_date[date]))

    for date in by_date:
        write_date(date)
    stored = reconcile("Centralities", {d: len(rows) for d, rows in by_date.items()},
                       lambda: centrality_date_counts(store), write_date)
    return sum(stored.values())


def centrality_date_counts(store: Store) -> dict[pd.Timestamp, int]:
    """Centrality rows stored per snapshot date."""
    return {pd.Timestamp(r["date"]): int(r["rows"]) for r in store.records("centrality/date_counts")}


def read_centralities(store: Store, company_id: str | None = None) -> pd.DataFrame:
    """Centrality history (all companies, or one), sorted by (date, company_id)."""
    return store.frame("centrality/history", company_id=company_id)


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for column in columns:
        if column in schema.INTERVAL_COLUMNS or column in ("listed_from", "listed_to"):
            frame[column] = pd.to_datetime(frame[column])
    return frame
