"""Many snapshots from one bulk read: slice the interval tables in memory per month-end."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pandas as pd
from torch_geometric.data import HeteroData

from nexus_graph.snapshot.hetero import build_snapshot
from nexus_graph.snapshot.tables import GraphTables


def snapshot_series(
    tables: GraphTables,
    dates: Iterable[pd.Timestamp],
    on_snapshot: Callable[[pd.Timestamp], None] | None = None,
) -> Iterator[tuple[pd.Timestamp, HeteroData]]:
    """``(date, HeteroData)`` for each date, all sharing the node index of ``tables``."""
    for date in dates:
        data = build_snapshot(tables, date)
        if on_snapshot:
            on_snapshot(date)
        yield pd.Timestamp(date), data
