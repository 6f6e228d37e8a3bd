"""Embedding backfill: one embedding per company per month-end snapshot, written back to Neo4j.

Rules this module enforces:

- **No look-ahead by default.** A model trained on the graph known at its as-of date ``T`` only
  embeds snapshots dated ``>= T``. Embedding earlier snapshots with it is an explicit, labelled
  choice (``allow_look_ahead=True``; such rows carry ``lookAhead: true``).
- **One transaction per snapshot**, so no half-written month is ever visible; a date counts as done
  when its stored rows equal the companies present at that date.
- **Resumable and idempotent**: done dates are skipped (the embeddings are still computed, in eval
  mode, so the drift of the next date is exact); re-running writes nothing new.
- **Counted from the graph**: the run ends with a reconciliation of the requested dates against the
  rows stored (:mod:`nexus_graph.store.reconcile`); a short date is written again, and one still
  short is an error naming it. ``rows_stored``/``snapshots_stored`` are read back, not sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from torch_geometric.data import HeteroData

from nexus_graph.embeddings.panel import latest_drift, panel_from_arrays
from nexus_graph.errors import NexusError
from nexus_graph.snapshot.hetero import build_snapshot
from nexus_graph.snapshot.tables import GraphTables
from nexus_graph.store.embeddings import embedded_dates, set_latest, write_snapshot_embeddings
from nexus_graph.store.neo4j_store import Store
from nexus_graph.store.reconcile import reconcile

EmbedFn = Callable[[HeteroData], np.ndarray]  # snapshot -> company embeddings [num_companies, dim]


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


def backfill_dates(dates: Sequence[pd.Timestamp], model_as_of: pd.Timestamp,
                   allow_look_ahead: bool) -> tuple[list[pd.Timestamp], list[pd.Timestamp]]:
    """Split dates into (to embed, refused because they precede the model's as-of date)."""
    dates = sorted(pd.Timestamp(d) for d in dates)
    if allow_look_ahead:
        return dates, []
    return [d for d in dates if d >= model_as_of], [d for d in dates if d < model_as_of]


def run_backfill(
    store: Store,
    tables: GraphTables,
    dates: Sequence[pd.Timestamp],
    embed: EmbedFn,
    model_version: str,
    model_as_of: pd.Timestamp,
    allow_look_ahead: bool = False,
    on_date: Callable[[pd.Timestamp, bool], None] | None = None,
) -> BackfillResult:
    """Embed every date, write missing ones (one transaction each), set the latest on companies.

    Parameters
    ----------
    tables : GraphTables
        All nodes and intervals known by the last date (the node index of every snapshot).
    embed : callable
        Snapshot -> company embedding matrix (rows in the snapshot's company order).
    on_date : callable, optional
        Called after each date with (date, written).
    """
    started = time.perf_counter()
    result = BackfillResult(model_version=model_version)
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
    slices = []
    last = None
    months: dict[pd.Timestamp, tuple[list[str], np.ndarray, np.ndarray]] = {}

    def write_month(date: pd.Timestamp) -> int:
        ids, vectors, drift = months[date]
        return write_snapshot_embeddings(store, date, model_version, ids, vectors, drift,
                                         look_ahead=date < pd.Timestamp(model_as_of))

    for date in todo:
        data = build_snapshot(tables, date)
        vectors_all = np.asarray(embed(data), dtype=np.float64)
        present = data["company"].present.numpy()
        ids = [cid for cid, p in zip(data["company"].node_id, present, strict=True) if p]
        vectors = vectors_all[present]
        prev = np.array([previous.get(cid, np.full(vectors.shape[1], np.nan)) for cid in ids]).reshape(
            len(ids), vectors.shape[1])
        drift = latest_drift(prev, vectors)
        drift[np.isnan(prev).any(axis=1)] = np.nan
        months[date] = (ids, vectors, drift)
        write = done.get(date, 0) != len(ids)
        if write:
            result.rows_written += write_month(date)
            result.snapshots_written += 1
        result.rows_total += len(ids)
        result.snapshots += 1
        result.dim = vectors.shape[1]
        previous = dict(zip(ids, vectors, strict=True))
        slices.append(panel_from_arrays(date, ids, vectors))
        last = (date, ids, vectors, drift)
        if on_date:
            on_date(date, write)
    stored = reconcile(f"Embeddings of model {model_version}", {d: len(m[0]) for d, m in months.items()},
                       lambda: embedded_dates(store, model_version), write_month)
    result.rows_stored, result.snapshots_stored = sum(stored.values()), len(stored)
    result.rows_written = sum(n - min(done.get(d, 0), n) for d, n in stored.items())
    if last is not None:
        set_latest(store, last[0], model_version, last[1], last[2], last[3])
    result.panel = pd.concat(slices).sort_index()
    result.seconds = time.perf_counter() - started
    return result
