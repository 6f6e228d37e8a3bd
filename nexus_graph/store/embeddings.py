"""Embeddings in Neo4j: ``(:Company)-[:HAS_EMBEDDING]->(:Embedding {companyId, date, modelVersion,
vector, drift, lookAhead})``, unique per (company, date, model version), plus the latest vector
copied onto ``(:Company)`` behind the ``company_embedding`` vector index.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nexus_graph.schema import embedding_columns
from nexus_graph.store.protocol import Store


def _rows(company_ids: list[str], vectors: np.ndarray, drift: np.ndarray) -> list[dict]:
    return [
        {"company_id": cid, "vector": [float(v) for v in vec],
         "drift": None if not np.isfinite(d) else float(d)}
        for cid, vec, d in zip(company_ids, np.asarray(vectors, dtype=np.float64), drift, strict=True)
    ]


def write_snapshot_embeddings(store: Store, date: pd.Timestamp, model_version: str, company_ids: list[str],
                              vectors: np.ndarray, drift: np.ndarray, look_ahead: bool = False) -> int:
    """Upsert one snapshot's embeddings in ONE transaction: the month is there whole, or not at all."""
    rows = _rows(company_ids, vectors, drift)
    store.transaction(lambda tx: tx.run("embeddings/upsert", rows=rows, date=pd.Timestamp(date),
                                        model_version=model_version, look_ahead=look_ahead))
    return len(rows)


def set_latest(store: Store, date: pd.Timestamp, model_version: str, company_ids: list[str],
               vectors: np.ndarray, drift: np.ndarray) -> int:
    """Copy the latest embedding, drift and date onto each ``(:Company)``."""
    rows = _rows(company_ids, vectors, drift)
    store.transaction(lambda tx: tx.run("embeddings/set_latest", rows=rows, date=pd.Timestamp(date),
                                        model_version=model_version))
    return len(rows)


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
