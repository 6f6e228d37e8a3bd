"""Step ``backfill``: one embedding per company per month-end snapshot, written back to Neo4j, and the drift.

Rules this step enforces:

- **No look-ahead by default** (:func:`~nexus_graph.embeddings.backfill.backfill_dates`). A model
  trained on the graph known at its as-of date ``T`` only embeds snapshots dated ``>= T``. Embedding
  earlier snapshots with it is an explicit, labelled choice (``allow_look_ahead=True``; such rows
  carry ``lookAhead: true``).
- **One transaction per snapshot**, so no half-written month is ever visible; a date counts as done
  when its stored rows equal the companies present at that date. Every month is embedded first, then
  written newest first (the companies' latest embedding moves once, not once per month).
- **Resumable and idempotent**: done dates are skipped (the embeddings are still computed, in eval
  mode, so the drift of the next date is exact); re-running writes nothing new.
- **Counted from the graph**: the run ends with a reconciliation of the requested dates against the
  rows stored (:mod:`nexus_graph.store.reconcile`); a short date is written again, and one still
  short is an error naming it. ``rows_stored``/``snapshots_stored`` are read back, not sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nexus_graph.as_of import month_ends
from nexus_graph.embeddings.backfill import EmbedFn, backfill_dates, month_drift, snapshot_embeddings
from nexus_graph.embeddings.panel import DRIFT_FACTOR, embedding_drift, panel_from_arrays
from nexus_graph.errors import NexusError
from nexus_graph.pipeline.snapshots import read_graph_tables, snapshot_days_of
from nexus_graph.snapshot.hetero import SnapshotCache
from nexus_graph.snapshot.tables import GraphTables
from nexus_graph.store.embeddings import (
    LatestState,
    derive_latest,
    embedded_dates,
    latest_state,
    write_snapshot_embeddings,
)
from nexus_graph.store.factors import write_factor_panel
from nexus_graph.store.protocol import Store
from nexus_graph.store.reconcile import reconcile


@dataclass
class BackfillResult:
    """What a backfill did."""

    model_version: str
    dim: int = 0
    snapshots: int = 0
    snapshots_written: int = 0
    rows_written: int = 0
    rows_total: int = 0
    rows_stored: int = 0  # read back from the graph after the reconciliation
    snapshots_stored: int = 0
    skipped_before_model: list[str] = field(default_factory=list)
    seconds: float = 0.0
    panel: pd.DataFrame | None = None

    def summary(self) -> dict:
        return {
            "model_version": self.model_version, "dim": self.dim, "snapshots": self.snapshots,
            "snapshots_written": self.snapshots_written, "rows_written": self.rows_written,
            "rows_total": self.rows_total, "rows_stored": self.rows_stored,
            "snapshots_stored": self.snapshots_stored, "skipped_before_model": self.skipped_before_model,
            "seconds": round(self.seconds, 3),
        }


def model_embedder(net: object, device: str = "cpu") -> EmbedFn:
    """Snapshot -> company embeddings of a trained model (eval mode), as numpy."""
    from nexus_graph.model import train

    def embed(data) -> np.ndarray:
        return train.embed(net, data, device=device)["company"].detach().cpu().numpy()

    return embed


def run_backfill(
    store: Store,
    tables: GraphTables,
    dates: Sequence[pd.Timestamp],
    embed: EmbedFn,
    model_version: str,
    model_as_of: pd.Timestamp,
    allow_look_ahead: bool = False,
    on_date: Callable[[pd.Timestamp, bool], None] | None = None,
    snapshot_days: Mapping[pd.Timestamp, pd.Timestamp] | None = None,
    snapshots: SnapshotCache | None = None,
    on_embedded: Callable[[pd.Timestamp], None] | None = None,
) -> BackfillResult:
    """Embed every date, write missing ones (one transaction each, which also derives the latest on companies).

    Parameters
    ----------
    tables : GraphTables
        All nodes and intervals known by the last date (the node index of every snapshot).
    embed : callable
        Snapshot -> company embedding matrix (rows in the snapshot's company order).
    on_date : callable, optional
        Called after each date's write (or skip) with (date, written); dates come newest first.
    on_embedded : callable, optional
        Called after each date is embedded (oldest first, before any write), e.g. for a progress bar.
    snapshot_days : mapping, optional
        Month-end -> the day its snapshot is taken as of: the entry close (:func:`snapshot_days_of`),
        so nothing disclosed after the price a trade enters at is embedded. Rows stay keyed by the
        month-end. The refusal rule compares month-ends with the model's as-of date, as requested
        dates always were; a row whose snapshot day precedes it (the model's own month-end falling
        on a holiday: 2021-05-31 is embedded as of 2021-05-28) is embedded and labelled lookAhead.
        Only the drift of the month after uses it, at a date when the model already existed.
    snapshots : SnapshotCache, optional
        Builds (and keeps) the snapshot of each day, for a caller that embeds the same days again.
    """
    started = time.perf_counter()
    result = BackfillResult(model_version=model_version)
    day = {pd.Timestamp(d): pd.Timestamp((snapshot_days or {}).get(pd.Timestamp(d), d)) for d in dates}
    todo, refused = backfill_dates(dates, pd.Timestamp(model_as_of), allow_look_ahead)
    result.skipped_before_model = [d.strftime("%Y-%m-%d") for d in refused]
    if not todo:
        raise NexusError(
            f"Model {model_version} was trained on data known at {pd.Timestamp(model_as_of):%Y-%m-%d}; every "
            "requested date is earlier, so embedding them would look ahead. Train a model at or before the "
            "first date (e.g. `nexus-graph train --asof <first date>`), or pass --allow-look-ahead to "
            "embed them anyway (rows are labelled lookAhead)."
        )
    done = embedded_dates(store, model_version)
    previous: dict[str, np.ndarray] = {}
    previous_date: pd.Timestamp | None = None
    slices = []
    months: dict[pd.Timestamp, tuple[list[str], np.ndarray, np.ndarray]] = {}

    def write_month(date: pd.Timestamp, fresh: bool = False) -> int:
        ids, vectors, drift = months[date]
        return write_snapshot_embeddings(store, date, model_version, ids, vectors, drift,
                                         look_ahead=day[date] < pd.Timestamp(model_as_of), fresh=fresh)

    for date, ids, vectors in snapshot_embeddings(tables, todo, embed, as_of=day, snapshot=snapshots):
        months[date] = (ids, vectors, month_drift(previous, ids, vectors, previous_date=previous_date, date=date))
        result.rows_total += len(ids)
        result.snapshots += 1
        result.dim = vectors.shape[1]
        previous, previous_date = dict(zip(ids, vectors, strict=True)), date
        slices.append(panel_from_arrays(date, ids, vectors))
        if on_embedded:
            on_embedded(date)
    # newest month first: its transaction moves the companies' latest embedding once, and every older
    # month's finds it in place (a latest that moved forward month by month would rewrite every company's
    # vector, and its vector-index entry, in every transaction)
    for date in sorted(months, reverse=True):
        write = done.get(date, 0) != len(months[date][0])
        if write:
            result.rows_written += write_month(date, fresh=date not in done)  # a new month: created
            result.snapshots_written += 1
        if on_date:
            on_date(date, write)
    stored = reconcile(f"Embeddings of model {model_version}", {d: len(m[0]) for d, m in months.items()},
                       lambda: embedded_dates(store, model_version), write_month)
    result.rows_stored, result.snapshots_stored = sum(stored.values()), len(stored)
    result.rows_written = sum(n - min(done.get(d, 0), n) for d, n in stored.items())
    derive_latest(store)  # each month's transaction derived it already; this covers a run that wrote nothing
    result.panel = pd.concat(slices).sort_index()
    result.seconds = time.perf_counter() - started
    return result


def backfill(
    store: Store,
    models_dir: Path,
    model: str | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    allow_look_ahead: bool = False,
    device: str = "cpu",
    on_date: Callable[[pd.Timestamp, bool], None] | None = None,
    graph: GraphTables | None = None,
    snapshots: SnapshotCache | None = None,
    on_embedded: Callable[[pd.Timestamp], None] | None = None,
) -> BackfillResult:
    """Embed every month-end in [start, end] with a trained model and write embeddings + drift back.

    ``graph`` (the whole graph, read once by the caller) and ``snapshots`` (a cache of its snapshots)
    spare a run that already holds them the bulk read and the slicing; the result is the same.
    """
    from nexus_graph.model import checkpoint

    net, meta = checkpoint.load_checkpoint(models_dir, model)
    version, model_as_of = meta["version"], pd.Timestamp(meta["as_of"])
    dates = month_ends(start, end)
    if not dates:
        raise NexusError(f"No month-end between {start:%Y-%m-%d} and {end:%Y-%m-%d}.")
    tables = read_graph_tables(store, known_until=dates[-1], graph=graph)
    days = snapshot_days_of(dates)
    result = run_backfill(store, tables, dates, model_embedder(net, device), version, model_as_of,
                          allow_look_ahead=allow_look_ahead, on_date=on_date, snapshot_days=days,
                          snapshots=snapshots, on_embedded=on_embedded)
    write_drift_factor(store, result.panel, version, model_as_of, days)
    return result


def write_drift_factor(store: Store, panel: pd.DataFrame, model_version: str, model_as_of: pd.Timestamp,
                       snapshot_days: Mapping[pd.Timestamp, pd.Timestamp] | None = None) -> int:
    """Write the drift factor of a backfilled embedding panel; returns the rows stored.

    Its values on dates whose snapshot precedes the model's as-of date (a look-ahead backfill) are
    stored with ``lookAhead: true``, like the embeddings they come from, so evaluate and paper-trade
    see it.
    """
    drift = embedding_drift(panel)
    days = snapshot_days or {}
    ahead = [d for d in drift.index.get_level_values("date").unique()
             if pd.Timestamp(days.get(d, d)) < pd.Timestamp(model_as_of)]
    return write_factor_panel(store, drift, DRIFT_FACTOR, model_version, look_ahead_dates=ahead)


def latest_embeddings(store: Store, repair: bool = False) -> LatestState:
    """What the companies' latest-embedding properties hold (``repair``: derive them again first)."""
    return derive_latest(store) if repair else latest_state(store)
