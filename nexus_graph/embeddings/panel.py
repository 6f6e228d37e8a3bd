"""Embedding panels and the drift factor. Pure: frames in, frames out.

Embedding panel contract: a DataFrame indexed by ``(date, company_id)`` (date = month-end snapshot
date, ``datetime64``), one float column per dimension named ``e0 .. e{D-1}``, for ONE model version.

``graph_gnn_embedding_drift`` at date t for company i is ``1 - cos(e_i(t), e_i(t-1))`` where t-1 is
the snapshot of the *previous calendar month*, from the same model version (a frozen encoder, so the
vectors live in one space and need no alignment). It is a one-month change or nothing: where the
company has no embedding in the previous calendar month (a gap in its history, or a month missing
from the backfill), its drift is NaN, never a two- or three-month change that would rank as a
bigger move. The stored ``Embedding.drift`` (the backfill, :func:`latest_drift`) and the factor
panel (:func:`embedding_drift`) follow this one definition; months are compared with
:func:`consecutive_months`, so a snapshot dated on the last trading day of a month counts as that
month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nexus_graph.schema import embedding_columns

DRIFT_FACTOR = "graph_gnn_embedding_drift"
# 1 - cos of two identical vectors is not exactly 0 in floats: it lands anywhere in about +-D * 1e-16.
# Left as is, companies whose embedding did not move get distinct noise values, and a rank IC then
# sorts rounding noise -- which is not random: identical vectors give identical noise, so the ranks
# follow the embedding's clusters (segments) and the IC picks up segment returns. On the real-data
# run (docs/real-data.md) that alone turned a NULL factor into a CANDIDATE. A drift below this
# tolerance (a relative vector change below ~1e-6, under float32 embedding resolution) is exactly 0.
DRIFT_TOLERANCE = 1e-12


def panel_from_arrays(date: pd.Timestamp, company_ids: list[str], vectors: np.ndarray) -> pd.DataFrame:
    """One snapshot's embeddings as a panel slice."""
    index = pd.MultiIndex.from_arrays([[pd.Timestamp(date)] * len(company_ids), list(company_ids)],
                                      names=["date", "company_id"])
    return pd.DataFrame(np.asarray(vectors, dtype=np.float64), index=index,
                        columns=embedding_columns(np.asarray(vectors).shape[1]))


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two [N, D] arrays (0 where a row is all zeros)."""
    num = np.einsum("ij,ij->i", a, b)
    den = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def consecutive_months(previous: pd.DatetimeIndex | pd.Series | np.ndarray,
                       current: pd.DatetimeIndex | pd.Series | np.ndarray) -> np.ndarray:
    """True where ``previous`` falls in the calendar month just before ``current`` (element-wise)."""
    before = pd.DatetimeIndex(pd.to_datetime(np.asarray(previous)))
    after = pd.DatetimeIndex(pd.to_datetime(np.asarray(current)))
    months = (after.year - before.year) * 12 + (after.month - before.month)
    return np.asarray(months == 1, dtype=bool)


def embedding_drift(panel: pd.DataFrame) -> pd.Series:
    """``1 - cos(e_t, e_{t-1})`` per (date, company_id), t-1 the previous calendar month.

    Values within :data:`DRIFT_TOLERANCE` of 0 are exactly 0 (unchanged vectors tie, see there).

    Returns a Series named :data:`DRIFT_FACTOR` indexed like ``panel`` minus the rows without an
    embedding of the same company in the previous calendar month (its first row, and after a gap).
    """
    panel = panel.sort_index()
    values = panel.to_numpy(dtype=np.float64)
    companies = panel.index.get_level_values("company_id").to_numpy()
    order = np.lexsort((panel.index.get_level_values("date").to_numpy(), companies))
    sorted_vals, sorted_companies = values[order], companies[order]
    sorted_dates = panel.index.get_level_values("date").to_numpy()[order]
    same = np.r_[False, (sorted_companies[1:] == sorted_companies[:-1])
                 & consecutive_months(sorted_dates[:-1], sorted_dates[1:])]
    drift = np.full(len(values), np.nan)
    drift[1:] = _snap(1.0 - cosine(sorted_vals[1:], sorted_vals[:-1]))
    drift[~same] = np.nan
    out = pd.Series(np.empty(len(values)), index=panel.index, name=DRIFT_FACTOR)
    out.iloc[order] = drift
    return out.dropna().sort_index()


def latest_drift(previous: np.ndarray | None, current: np.ndarray,
                 previous_date: pd.Timestamp | None = None, date: pd.Timestamp | None = None) -> np.ndarray:
    """Drift of one snapshot against the previous one (NaN where there is no previous vector).

    ``previous`` rows that are NaN (the company was absent) give NaN. With both dates given, a
    previous snapshot that is not in the calendar month before ``date`` (a month missing between
    them) gives NaN everywhere, as :func:`embedding_drift` does.
    """
    if previous is None:
        return np.full(len(current), np.nan)
    if previous_date is not None and date is not None and not consecutive_months([previous_date], [date])[0]:
        return np.full(len(current), np.nan)
    drift = _snap(1.0 - cosine(current, np.nan_to_num(previous)))
    return np.where(np.isnan(previous).any(axis=1), np.nan, drift)


def _snap(drift: np.ndarray) -> np.ndarray:
    """Rounding noise around 0 (either sign) set to exactly 0; real drifts unchanged."""
    return np.where(np.abs(drift) < DRIFT_TOLERANCE, 0.0, drift)
