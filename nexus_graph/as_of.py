"""The point-in-time rule, written once (``spec/dataset.md``; the Cypher twin is in cypher/snapshot/).

A relationship interval is visible at date ``t`` (inclusive) iff::

    known_from <= t  and  valid_from <= t  and  not (valid_to <= t and end_known_from <= t)

so an interval that has ended, but whose end is not public yet, still counts as live -- exactly
what an investor at ``t`` believed. Blank ``end_known_from`` means ``valid_to``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nexus_graph import schema


def _started_and_ended(frame: pd.DataFrame, as_of: pd.Timestamp | str) -> tuple[np.ndarray, np.ndarray]:
    """Per interval row at ``as_of``: (started and known, ended with the end public), as boolean masks."""
    t = np.datetime64(pd.Timestamp(as_of), "ns")
    valid_from = frame[schema.VALID_FROM].to_numpy("datetime64[ns]")
    known_from = frame[schema.KNOWN_FROM].to_numpy("datetime64[ns]")
    valid_to = frame[schema.VALID_TO].to_numpy("datetime64[ns]")
    end_known = frame[schema.END_KNOWN_FROM].to_numpy("datetime64[ns]")
    end_known = np.where(np.isnat(end_known), valid_to, end_known)
    known_from = np.where(np.isnat(known_from), valid_from, known_from)
    started = (known_from <= t) & (valid_from <= t)
    ended_and_known = (~np.isnat(valid_to)) & (valid_to <= t) & (end_known <= t)
    return started, ended_and_known


def visible_mask(frame: pd.DataFrame, as_of: pd.Timestamp | str) -> np.ndarray:
    """Boolean mask of the interval rows of ``frame`` visible at ``as_of``.

    ``frame`` has the four interval columns as ``datetime64`` (NaT = open / blank).
    """
    started, ended_and_known = _started_and_ended(frame, as_of)
    return started & ~ended_and_known


def ended_mask(frame: pd.DataFrame, as_of: pd.Timestamp | str) -> np.ndarray:
    """Boolean mask of the interval rows of ``frame`` that had ENDED by ``as_of``, the end public by then.

    The rows an investor at ``as_of`` knew as past relationships: ``known_from`` (blank = ``valid_from``)
    ``<= t``, ``valid_from <= t``, ``valid_to <= t`` and ``end_known_from`` (blank = ``valid_to``)
    ``<= t``. Disjoint from :func:`visible_mask`; an interval whose end is not public yet is visible
    (live), never past.
    """
    started, ended_and_known = _started_and_ended(frame, as_of)
    return started & ended_and_known


def edges_as_of(frame: pd.DataFrame, as_of: pd.Timestamp | str) -> pd.DataFrame:
    """The rows of a relationship frame visible at ``as_of`` (same columns, original index)."""
    return frame.loc[visible_mask(frame, as_of)]


def listed_mask(companies: pd.DataFrame, as_of: pd.Timestamp | str) -> np.ndarray:
    """Companies in the graph at ``as_of``: ``listed_from`` blank or <= t, ``listed_to`` blank or > t."""
    t = pd.Timestamp(as_of)
    listed_from = pd.to_datetime(companies.get("listed_from", pd.Series(pd.NaT, index=companies.index)))
    listed_to = pd.to_datetime(companies.get("listed_to", pd.Series(pd.NaT, index=companies.index)))
    return ((listed_from.isna() | (listed_from <= t)) & (listed_to.isna() | (listed_to > t))).to_numpy()


def month_ends(start: str | pd.Timestamp, end: str | pd.Timestamp) -> list[pd.Timestamp]:
    """Calendar month-ends from ``start`` to ``end`` inclusive (snapshot dates)."""
    return list(pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="ME"))
