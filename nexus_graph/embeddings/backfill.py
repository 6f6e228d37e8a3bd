"""The embed loop and the backfill's date rule. Pure: graph tables and an embedding function in, arrays out.

:func:`snapshot_embeddings` is the one loop that embeds month-end snapshots (the backfill and the
drift-versus-seed-noise check both use it); :func:`backfill_dates` is the no-look-ahead rule: a
model trained on the graph known at its as-of date ``T`` only embeds snapshots dated ``>= T``,
unless look-ahead is chosen explicitly. Writing the embeddings back is the pipeline's business
(:mod:`nexus_graph.pipeline.backfill`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
from torch_geometric.data import HeteroData

from nexus_graph.embeddings.panel import latest_drift
from nexus_graph.snapshot.hetero import build_snapshot
from nexus_graph.snapshot.tables import GraphTables

EmbedFn = Callable[[HeteroData], np.ndarray]  # snapshot -> company embeddings [num_companies, dim]


def backfill_dates(dates: Sequence[pd.Timestamp], model_as_of: pd.Timestamp,
                   allow_look_ahead: bool) -> tuple[list[pd.Timestamp], list[pd.Timestamp]]:
    """Split dates into (to embed, refused because they precede the model's as-of date)."""
    dates = sorted(pd.Timestamp(d) for d in dates)
    if allow_look_ahead:
        return dates, []
    return [d for d in dates if d >= model_as_of], [d for d in dates if d < model_as_of]


def snapshot_embeddings(tables: GraphTables, dates: Iterable[pd.Timestamp], embed: EmbedFn,
                        as_of: Mapping[pd.Timestamp, pd.Timestamp] | None = None,
                        snapshot: Callable[[pd.Timestamp], HeteroData] | None = None,
                        ) -> Iterator[tuple[pd.Timestamp, list[str], np.ndarray]]:
    """``(date, company ids, vectors)`` per date: the companies present at that date, float64 ``[N, D]``.

    Every snapshot shares the node index of ``tables``; ``embed`` returns one row per company of it.
    ``as_of`` maps a date to the day its snapshot is taken as of (the entry close of a month-end,
    :func:`nexus_graph.evaluation.returns.entry_days`); the result stays keyed by ``date``.
    ``snapshot`` builds the snapshot of a day (default: :func:`build_snapshot` on ``tables``), e.g.
    a :class:`~nexus_graph.snapshot.hetero.SnapshotCache` shared by two passes over the same months.
    """
    build = snapshot or (lambda day: build_snapshot(tables, day))
    for date in dates:
        data = build(pd.Timestamp((as_of or {}).get(pd.Timestamp(date), date)))
        vectors = np.asarray(embed(data), dtype=np.float64)
        present = data["company"].present.numpy()
        ids = [cid for cid, p in zip(data["company"].node_id, present, strict=True) if p]
        yield pd.Timestamp(date), ids, vectors[present]


def month_drift(previous: Mapping[str, np.ndarray], ids: Sequence[str], vectors: np.ndarray,
                previous_date: pd.Timestamp | None = None, date: pd.Timestamp | None = None) -> np.ndarray:
    """Drift of each company's vector against its vector of the previous month (NaN where it had none).

    With both dates given, ``previous`` from a snapshot that is not in the calendar month before
    ``date`` (a month missing between them) gives NaN everywhere: the one drift definition of
    :mod:`nexus_graph.embeddings.panel` (never a two-month change).
    """
    dim = vectors.shape[1]
    prev = np.array([previous.get(cid, np.full(dim, np.nan)) for cid in ids]).reshape(len(ids), dim)
    drift = latest_drift(prev, vectors, previous_date=previous_date, date=date)
    drift[np.isnan(prev).any(axis=1)] = np.nan
    return drift
