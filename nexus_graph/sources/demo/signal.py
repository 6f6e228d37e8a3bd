"""The quantity the demo's planted signal is built on: relationship changes that became known per month."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from nexus_graph import schema
from nexus_graph.as_of import listed_mask
from nexus_graph.sources.tables import Dataset

Z_CLIP = 3.0


def relationship_changes(dataset: Dataset, dates: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """Count, per month-end and equity, the relationship starts and ends that became known that month.

    Parameters
    ----------
    dataset
        Canonical frames (``tables.py`` contract).
    dates
        Calendar month-ends ``M``; the window of ``M`` is the calendar month ending at ``M``.

    Returns
    -------
    pandas.DataFrame
        Index ``date`` (the month-ends), one column per ``equity`` ``company_id``, integer counts of
        interval rows touching the company (either end of a supply link, the company side of an
        ownership or board row) whose ``known_from`` -- plus, separately, whose ``end_known_from``
        -- falls in ``(previous month-end, M]``.
    """
    events = []
    for spec in schema.REL_SPECS:
        frame = dataset.relationships(spec)
        columns = [col for col, table in ((spec.source_column, spec.source), (spec.target_column, spec.target))
                   if table == schema.COMPANIES.table]
        for column in columns:
            for when in (schema.KNOWN_FROM, schema.END_KNOWN_FROM):
                events.append(pd.DataFrame({"company_id": frame[column].to_numpy(object),
                                            "date": frame[when].to_numpy("datetime64[ns]")}))
    ev = pd.concat(events, ignore_index=True).dropna(subset=["date"])
    ev["month"] = ev["date"] + pd.offsets.MonthEnd(0)
    counts = ev.groupby(["month", "company_id"]).size().unstack(fill_value=0)
    equities = dataset.companies.loc[dataset.companies["kind"] == "equity", "company_id"].to_numpy(object)
    index = pd.DatetimeIndex(pd.to_datetime(list(dates)), name="date")
    return counts.reindex(index=index, columns=equities, fill_value=0).astype(np.int64)


def change_scores(counts: pd.DataFrame, companies: pd.DataFrame) -> pd.DataFrame:
    """Cross-sectional z-score of ``log1p(count)`` over the equities listed at each month-end.

    Same shape as ``counts``; NaN where the company is not listed (or no dispersion that month);
    clipped to +-``Z_CLIP`` so that one violent month cannot dominate a price path.
    """
    by_id = companies.set_index("company_id").loc[counts.columns].reset_index()
    x = np.log1p(counts.to_numpy(float))
    for row, month_end in enumerate(counts.index):
        x[row, ~listed_mask(by_id, month_end)] = np.nan
    mean = np.nanmean(x, axis=1, keepdims=True)
    std = np.nanstd(x, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(std > 0, (x - mean) / std, np.nan)
    return pd.DataFrame(np.clip(z, -Z_CLIP, Z_CLIP), index=counts.index, columns=counts.columns)
