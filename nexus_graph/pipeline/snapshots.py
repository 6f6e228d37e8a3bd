"""Step ``snapshots``: point-in-time graphs read from the store, the centrality history and its factors."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.evaluation.returns import entry_days
from nexus_graph.snapshot.centrality import centrality_change_panels, centrality_history
from nexus_graph.snapshot.hetero import build_snapshot, snapshot_counts
from nexus_graph.snapshot.tables import GraphTables, tables_known_by
from nexus_graph.sources.prices import load_prices
from nexus_graph.store.factors import write_factor_panels
from nexus_graph.store.protocol import Store
from nexus_graph.store.snapshots import read_centralities, read_edges_as_of, read_graph_frames, write_centralities


def read_graph_tables(store: Store, known_until: pd.Timestamp | None = None,
                      graph: GraphTables | None = None) -> GraphTables:
    """Every node and every relationship interval known by ``known_until`` (None = all), in one read.

    ``graph``: the whole graph, already read once by the caller (a run whose steps do not change
    nodes or intervals, like the demo after its load); it is sliced to ``known_until`` in memory
    (:func:`~nexus_graph.snapshot.tables.tables_known_by`, equal to the read) instead of read again.
    """
    if graph is not None:
        return tables_known_by(graph, known_until)
    nodes, edges = read_graph_frames(store, known_until=known_until)
    return GraphTables(nodes=nodes, edges=edges)


@dataclass
class SnapshotResult:
    """One point-in-time graph and its counts."""

    data: HeteroData = field(repr=False)
    counts: dict[str, dict[str, int]]

    def summary(self) -> dict[str, Any]:
        return {"as_of": self.data.as_of, **self.counts}


def snapshot_step(store: Store, as_of: pd.Timestamp, via: str = "bulk") -> SnapshotResult:
    """The graph valid and known at ``as_of``: one bulk read sliced in memory, or (``via="cypher"``) the
    edges evaluated by the as-of statements."""
    if via not in ("bulk", "cypher"):
        raise NexusError(f"--via must be 'bulk' or 'cypher' (got {via!r}).")
    tables = read_graph_tables(store, known_until=as_of)
    edges = read_edges_as_of(store, as_of) if via == "cypher" else None
    if all(len(frame) == 0 for frame in tables.nodes.values()):
        raise NexusError("The database holds no graph yet. Load a dataset first: `nexus-graph load DATA_DIR`.")
    data = build_snapshot(tables, as_of, edges=edges)
    data.validate(raise_on_error=True)
    return SnapshotResult(data, snapshot_counts(data))


@dataclass
class CentralityResult:
    snapshots: int
    rows: int
    seconds: float
    factors: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict:
        return {"snapshots": self.snapshots, "rows": self.rows, "seconds": round(self.seconds, 3),
                "factors": self.factors}


def snapshot_days_of(dates: Sequence[pd.Timestamp], prices: pd.DataFrame | None = None
                     ) -> dict[pd.Timestamp, pd.Timestamp] | None:
    """Month-end -> its entry close (the last trading day on or before it), from the loaded prices.

    Issue #17, defect 6: a trade decided at a month-end enters at that close, so the snapshot it
    uses is taken as of that day, not the calendar month-end (a Saturday disclosure is after the
    price). None when no prices are loaded (the snapshots stay at the calendar month-ends); a
    month-end before every price keeps its own date.
    """
    if prices is None:
        try:
            prices = load_prices()
        except NexusError:
            return None
    entry = entry_days(dates, pd.to_datetime(prices["date"]).unique())
    return {pd.Timestamp(d): (pd.Timestamp(e) if pd.notna(e) else pd.Timestamp(d)) for d, e in entry.items()}


def compute_centralities(store: Store, dates: list[pd.Timestamp],
                         on_date: Callable[[pd.Timestamp], None] | None = None,
                         prices: pd.DataFrame | None = None, graph: GraphTables | None = None) -> CentralityResult:
    """Centrality history for ``dates``, written back keyed by (company, date).

    Each date's graph is taken as of its entry close (:func:`snapshot_days_of`, from ``prices`` or
    the loaded prices; the calendar date when there are none), like the embeddings. All dates come
    from one bulk read of the intervals (or ``graph``, see :func:`read_graph_tables`), sliced in memory.
    """
    started = time.perf_counter()
    tables = read_graph_tables(store, known_until=max(dates), graph=graph)
    days = snapshot_days_of(dates, prices) or {}
    month_end = {days.get(pd.Timestamp(d), pd.Timestamp(d)): pd.Timestamp(d) for d in dates}
    frame = centrality_history(tables, list(month_end), on_date=on_date)
    frame["date"] = pd.to_datetime(frame["date"]).map(month_end)
    rows = write_centralities(store, frame)
    return CentralityResult(len(dates), rows, time.perf_counter() - started)


def write_centrality_factors(store: Store) -> dict[str, int]:
    """Month-over-month centrality changes written as factors (no model version)."""
    history = read_centralities(store)
    if history.empty:
        raise NexusError("No centrality history in Neo4j yet: run `nexus-graph centralities` first.")
    return write_factor_panels(store, centrality_change_panels(history), None)


def centralities_step(store: Store, dates: list[pd.Timestamp], *, factors: bool = True,
                      on_date: Callable[[pd.Timestamp], None] | None = None,
                      graph: GraphTables | None = None) -> CentralityResult:
    """Centralities for every date, written back; with ``factors`` their month-over-month changes too."""
    if not dates:
        raise NexusError("No month-end in the requested range: --start must be on or before the last month-end.")
    result = compute_centralities(store, dates, on_date=on_date, graph=graph)
    result.factors = write_centrality_factors(store) if factors else {}
    return result
