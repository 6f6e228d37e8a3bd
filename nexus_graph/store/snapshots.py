"""Reads for point-in-time snapshots, and the centrality history write-back.

Two read paths give identical snapshots (a test proves it):

- :func:`read_graph_frames` -- one bulk read of every node and every interval known by a date,
  the intervals as text rows, one record per source node (:mod:`nexus_graph.store.packed`), so the
  server never collects every interval at once; the pipeline wraps it as
  :class:`~nexus_graph.snapshot.tables.GraphTables`, and :func:`~nexus_graph.snapshot.hetero.build_snapshot`
  slices it in memory for each month-end;
- :func:`read_edges_as_of` -- the point-in-time rule evaluated by Cypher for one date
  (``cypher/snapshot/as_of_*``), handy for a single snapshot and as the reference.

Statements are chosen from the closed dictionaries below, keyed by the table names of
:mod:`nexus_graph.schema`; frames take their columns from :func:`nexus_graph.schema.node_columns`
and :func:`nexus_graph.schema.edge_columns`.
"""

from __future__ import annotations

import pandas as pd

from nexus_graph import schema
from nexus_graph.store.fresh import create_or_merge
from nexus_graph.store.neo4j_store import rows_from_frame
from nexus_graph.store.packed import packed_frame, parse_dates, text_rows_frame
from nexus_graph.store.protocol import Store, Tx
from nexus_graph.store.reconcile import reconcile

NODE_STATEMENTS = {"companies": "snapshot/nodes_company", "funds": "snapshot/nodes_fund",
                   "directors": "snapshot/nodes_director"}
INTERVAL_STATEMENTS = {"supply": "snapshot/intervals_supplies", "ownership": "snapshot/intervals_owns",
                       "board": "snapshot/intervals_sits_on"}
AS_OF_STATEMENTS = {"supply": "snapshot/as_of_supplies", "ownership": "snapshot/as_of_owns",
                    "board": "snapshot/as_of_sits_on"}
CENTRALITY_COLUMNS = ["date", "company_id", "supplies_out", "supplies_in", "owners", "board_seats", "pagerank",
                      "board_interlocks"]  # the packed order of centrality/history
COUNT_AS_OF_STATEMENTS = {"supply": "snapshot/count_as_of_supplies", "ownership": "snapshot/count_as_of_owns",
                          "board": "snapshot/count_as_of_sits_on"}

NodeFrames = dict[str, pd.DataFrame]
EdgeFrames = dict[tuple[str, str, str], pd.DataFrame]


def read_graph_frames(store: Store, known_until: pd.Timestamp | None = None) -> tuple[NodeFrames, EdgeFrames]:
    """Every node and every relationship interval known by ``known_until`` (None = all), in one read.

    Returns ``(nodes, edges)`` keyed by PyG node / edge type, in the frame contract of
    :mod:`nexus_graph.snapshot.tables`.
    """
    def work(tx: Tx) -> tuple[NodeFrames, EdgeFrames]:  # one read transaction: a consistent view
        nodes = {spec.pyg: _frame(tx.run(NODE_STATEMENTS[spec.table]), schema.node_columns(spec.pyg))
                 for spec in schema.NODE_SPECS}
        edges = {spec.pyg: _frame(text_rows_frame(tx.run(INTERVAL_STATEMENTS[spec.table], known_until=known_until),
                                                  schema.edge_columns(spec.pyg), spec.numeric, spec.text),
                                  schema.edge_columns(spec.pyg))
                 for spec in schema.REL_SPECS}
        return nodes, edges

    return store.read_transaction(work)


def read_edges_as_of(store: Store, as_of: pd.Timestamp) -> EdgeFrames:
    """Relationships visible at ``as_of`` per PyG edge type, evaluated in Cypher."""
    return {
        spec.pyg: store.frame(AS_OF_STATEMENTS[spec.table], columns=schema.edge_columns(spec.pyg), as_of=as_of)
        for spec in schema.REL_SPECS
    }


def count_edges_as_of(store: Store, as_of: pd.Timestamp) -> dict[str, int]:
    """Direct Cypher ``count()`` of the relationships visible at ``as_of``, per Neo4j type."""
    return {
        spec.rel_type: store.records(COUNT_AS_OF_STATEMENTS[spec.table], as_of=as_of)[0]["n"]
        for spec in schema.REL_SPECS
    }


def write_centralities(store: Store, frame: pd.DataFrame) -> int:
    """Upsert centrality rows keyed by (company, date); one transaction per snapshot date.

    ``frame`` has the columns of :func:`nexus_graph.snapshot.centrality.centrality_history`. Ends with
    a reconciliation: the returned count is the rows the graph holds for those dates, read back.
    A date that held no row is created rather than merged (:mod:`nexus_graph.store.fresh`).
    """
    by_date = {pd.Timestamp(date): rows_from_frame(group) for date, group in frame.groupby("date", sort=True)}
    held = centrality_date_counts(store)

    def write_date(date: pd.Timestamp, fresh: bool = False) -> None:  # fresh: the date held no row when we looked
        create_or_merge(store, lambda tx, create: tx.run("centrality/create" if create else "centrality/upsert",
                                                         rows=by_date[date]), fresh)

    for date in by_date:
        write_date(date, fresh=date not in held)
    stored = reconcile("Centralities", {d: len(rows) for d, rows in by_date.items()},
                       lambda: centrality_date_counts(store), write_date)
    return sum(stored.values())


def centrality_date_counts(store: Store) -> dict[pd.Timestamp, int]:
    """Centrality rows stored per snapshot date."""
    return {pd.Timestamp(r["date"]): int(r["rows"]) for r in store.records("centrality/date_counts")}


def read_centralities(store: Store, company_id: str | None = None) -> pd.DataFrame:
    """Centrality history (all companies, or one), sorted by (date, company_id)."""
    return packed_frame(store, "centrality/history", CENTRALITY_COLUMNS, dates=["date"], company_id=company_id)


def _frame(rows: list[dict] | list[list] | pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rows (dicts, lists in ``columns`` order, or a frame) as a frame; interval and listing dates as ``datetime64``."""
    frame = pd.DataFrame(rows, columns=columns)
    for column in columns:
        if column in schema.INTERVAL_COLUMNS or column in ("listed_from", "listed_to"):
            frame[column] = parse_dates(frame[column])
    return frame
