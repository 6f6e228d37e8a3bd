"""Walk-forward training: one model per period, each trained only on what was known at its start.

``walk_forward_periods(start, end, "QUARTERLY")`` lists the as-of dates (period boundaries): the last
boundary on or before ``start``, then every boundary up to ``end``. The model of as-of date ``a`` is
trained with a time-forward split on the snapshots at ``a - gap`` and ``a`` -- nothing after ``a`` --
and embeds the snapshots dated in ``[a, next boundary)`` (:func:`model_for_date`). So an embedding of
any month comes from a model that never saw a later relationship.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pandas as pd
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.model.splits import time_forward_split
from nexus_graph.model.train import TrainConfig, TrainResult, train_link_predictor

FREQUENCIES = {"MONTHLY": "ME", "QUARTERLY": "QE", "SEMIANNUAL": "6ME", "YEARLY": "YE", "ANNUAL": "YE"}
DEFAULT_GAP_MONTHS = 3


def walk_forward_periods(start: str | pd.Timestamp, end: str | pd.Timestamp, freq: str = "QUARTERLY"
                         ) -> list[pd.Timestamp]:
    """Period boundaries (calendar month/quarter/year ends) covering ``[start, end]``.

    The first boundary is the last one on or before ``start``, so every date in ``[start, end]`` has
    a model trained on or before it; the rest are the boundaries up to ``end`` inclusive.
    """
    key = freq.upper()
    if key not in FREQUENCIES:
        raise NexusError(f"Unknown walk-forward frequency {freq!r}; expected one of {sorted(FREQUENCIES)}.")
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end < start:
        raise NexusError(f"Walk-forward end {end.date()} is before its start {start.date()}.")
    offset = pd.tseries.frequencies.to_offset(FREQUENCIES[key])
    first = start if offset.is_on_offset(start) else offset.rollback(start)
    return list(pd.date_range(first, end, freq=offset))


def model_for_date(periods: list[pd.Timestamp], date: str | pd.Timestamp) -> pd.Timestamp:
    """The latest period as-of date on or before ``date`` (the model allowed to embed that date)."""
    date = pd.Timestamp(date)
    usable = [p for p in periods if p <= date]
    if not usable:
        raise NexusError(f"No walk-forward model covers {date.date()}: the first period starts {periods[0].date()}.")
    return usable[-1]


def train_date(asof: str | pd.Timestamp, gap_months: int = DEFAULT_GAP_MONTHS) -> pd.Timestamp:
    """The date of the training snapshot for as-of date ``asof``: ``asof - gap``, the one rule of the project.

    A month-end as-of date gives the month-end ``gap_months`` earlier (2023-06-30 - 3 months =
    2023-03-31, not 2023-03-30: snapshots are month-ends); any other date steps back by calendar
    months (2023-06-15 -> 2023-03-15).
    """
    asof = pd.Timestamp(asof)
    if asof.is_month_end:
        return asof - pd.offsets.MonthEnd(gap_months)
    return asof - pd.DateOffset(months=gap_months)


@dataclass
class WalkForwardModel:
    """One period's model: its as-of date, the training snapshot date and the training result."""

    asof: pd.Timestamp
    train_date: pd.Timestamp
    result: TrainResult
    train_graph: HeteroData


def train_walk_forward(
    periods: list[pd.Timestamp],
    snapshot_at: Callable[[pd.Timestamp], HeteroData],
    config: TrainConfig | None = None,
    gap_months: int = DEFAULT_GAP_MONTHS,
    device: str = "auto",
) -> Iterator[WalkForwardModel]:
    """Train one model per as-of date, lazily (the caller saves/promotes each as it arrives).

    Parameters
    ----------
    periods
        As-of dates, e.g. from :func:`walk_forward_periods`.
    snapshot_at
        Returns the point-in-time snapshot (model input contract) for a date; it is only ever asked
        for ``asof - gap`` and ``asof`` of the period being trained.
    config
        Training configuration, shared by every period (same seed).
    gap_months
        Months between the training snapshot and the validation snapshot of each period
        (:func:`train_date`).
    """
    config = config or TrainConfig()
    for asof in periods:
        when = train_date(asof, gap_months)
        train_graph, later_graph = snapshot_at(when), snapshot_at(pd.Timestamp(asof))
        split = time_forward_split(train_graph, later_graph, neg_ratio=1.0, seed=config.seed)
        split.info.update({"train_date": f"{when:%Y-%m-%d}", "asof": f"{pd.Timestamp(asof):%Y-%m-%d}"})
        result = train_link_predictor(train_graph, split, config, device=device)
        yield WalkForwardModel(pd.Timestamp(asof), when, result, train_graph)
