"""Embeddings in Neo4j: ``(:Company)-[:HAS_EMBEDDING]->(:Embedding {companyId, date, modelVersion,
vector, drift, lookAhead})``, unique per (company, date, model version), plus the latest embedding on
``(:Company)`` behind the ``company_embedding`` vector index.

The latest properties (``embedding``, ``embeddingDrift``, ``embeddingDate``, ``modelVersion``) follow
one contract: each company's embedding at the latest embedded month-end of the current (promoted)
model, all companies on one date and one model. They are derived from the stored embedding nodes by
one statement (``embeddings/derive_latest``), run in the same transaction as every month a backfill
writes and after every promotion, so any order of runs ends in the same state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.schema import embedding_columns
from nexus_graph.store.fresh import create_or_merge
from nexus_graph.store.protocol import Store, Tx


def _rows(company_ids: list[str], vectors: np.ndarray, drift: np.ndarray) -> list[dict]:
    """One row per company: its vector as a float64 array (the store sends it as a list), drift or None."""
    vectors = np.asarray(vectors, dtype=np.float64)
    if not np.isfinite(vectors).all():
        bad = [cid for cid, ok in zip(company_ids, np.isfinite(vectors).all(axis=1), strict=True) if not ok]
        raise NexusError(f"{len(bad)} embedding vector(s) hold NaN or infinity (e.g. {bad[:3]}); nothing was "
                         "written. The model's weights are broken: retrain it.")
    return [{"company_id": cid, "vector": vec, "drift": None if not np.isfinite(d) else float(d)}
            for cid, vec, d in zip(company_ids, vectors, drift, strict=True)]


def write_snapshot_embeddings(store: Store, date: pd.Timestamp, model_version: str, company_ids: list[str],
                              vectors: np.ndarray, drift: np.ndarray, look_ahead: bool = False,
                              fresh: bool = False) -> int:
    """Upsert one snapshot's embeddings in ONE transaction: the month is there whole, or not at all.

    The same transaction derives the companies' latest properties (``embeddings/derive_latest``) unless
    the model already holds a newer month, which this one cannot displace. ``fresh``: the model held
    no row of this month when the caller looked, so the rows are created rather than merged
    (:func:`~nexus_graph.store.fresh.create_or_merge`; merged after all if another writer got there first).
    """
    rows = _rows(company_ids, vectors, drift)

    def work(tx: Tx, create: bool) -> None:  # the month and the latest properties derived from it commit together
        newest = next((row["date"] for row in tx.run("embeddings/newest_date", model_version=model_version)), None)
        tx.run("embeddings/create" if create else "embeddings/upsert", rows=rows, date=pd.Timestamp(date),
               model_version=model_version, look_ahead=look_ahead)
        # The latest properties come from the newest month of a model only, so a month older than one this
        # model already holds cannot move them, and its transaction skips the derivation (which reads every
        # stored embedding: 0.4 s a month at x20). A backfill writes newest first, so it derives once.
        if newest is None or pd.Timestamp(date) >= pd.Timestamp(newest):
            tx.run("embeddings/derive_latest")

    create_or_merge(store, work, fresh)
    return len(rows)


@dataclass(frozen=True)
class LatestState:
    """What the companies' latest-embedding properties hold, and whether that is the current model."""

    current_model: str | None
    model_version: str | None
    date: pd.Timestamp | None
    companies: int

    @property
    def stale(self) -> bool:
        """True when the properties are not the current model's (it has no embedding yet)."""
        return self.current_model is not None and self.model_version != self.current_model

    def note(self) -> str | None:
        """A sentence for commands that read the properties, when they are not the current model's."""
        if self.model_version is None:
            return "No company carries a latest embedding yet: run `nexus-graph backfill`."
        if self.stale:
            return (f"The latest embeddings on the companies are model {self.model_version}'s at "
                    f"{self.date:%Y-%m-%d}: the current model {self.current_model} has no embeddings yet "
                    "(run `nexus-graph backfill`).")
        return None

    def summary(self) -> dict:
        return {"current_model": self.current_model, "model_version": self.model_version,
                "date": None if self.date is None else f"{self.date:%Y-%m-%d}", "companies": self.companies,
                "stale": self.stale}


def derive_latest(store: Store) -> LatestState:
    """Recompute the latest properties from the stored embeddings (one transaction); the state after it."""
    row = store.transaction(lambda tx: tx.run("embeddings/derive_latest"))[0]
    return LatestState(row["current_model"], row["model_version"],
                       None if row["date"] is None else pd.Timestamp(row["date"]), int(row["companies"]))


def latest_state(store: Store) -> LatestState:
    """What the latest properties hold now (read only).

    Raises when they break the contract (several dates or models), which only a write from outside
    nexus-graph can cause; ``derive_latest`` repairs it.
    """
    row = store.records("embeddings/latest_state")[0]
    if len(row["models"]) > 1 or len(row["dates"]) > 1:
        raise NexusError(f"The companies' latest embeddings mix models {row['models']} and dates "
                         f"{[str(d) for d in row['dates']]}; run `nexus-graph db status --repair` to derive "
                         "them again.")
    model = row["models"][0] if row["models"] else None
    date = pd.Timestamp(str(row["dates"][0])) if row["dates"] else None
    return LatestState(row["current_model"], model, date, int(row["companies"]))


def embedded_dates(store: Store, model_version: str) -> dict[pd.Timestamp, int]:
    """Snapshot date -> rows already stored for ``model_version``."""
    return {pd.Timestamp(r["date"]): r["rows"] for r in store.records("embeddings/dates", model_version=model_version)}


def read_embedding_panel(store: Store, model_version: str, start: pd.Timestamp | None = None,
                         end: pd.Timestamp | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """The embedding panel (contract: :mod:`nexus_graph.embeddings.panel`) and the stored drift Series."""
    rows = store.records("embeddings/panel", model_version=model_version, start=start, end=end)
    if not rows:
        index = pd.MultiIndex.from_arrays([pd.DatetimeIndex([]), []], names=["date", "company_id"])
        return pd.DataFrame(index=index), pd.Series(index=index, dtype=float, name="drift")
    index = pd.MultiIndex.from_arrays(
        [pd.to_datetime([r["date"] for r in rows]), [r["company_id"] for r in rows]], names=["date", "company_id"]
    )
    vectors = np.array([r["vector"] for r in rows], dtype=np.float64)
    panel = pd.DataFrame(vectors, index=index, columns=embedding_columns(vectors.shape[1]))
    drift = pd.Series([np.nan if r["drift"] is None else r["drift"] for r in rows], index=index, name="drift")
    return panel, drift


def nearest_peers(store: Store, company_id: str, k: int = 10) -> pd.DataFrame:
    """The ``k`` nearest companies by the latest embedding (Neo4j vector index)."""
    return store.frame("embeddings/nearest", columns=["company_id", "name", "segment", "score"],
                       company_id=company_id, k=k)
