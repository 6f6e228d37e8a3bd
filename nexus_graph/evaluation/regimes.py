"""Regime and sub-window splits of an IC series: does the effect live in one half, or one market?

Computed only when some horizon's |t| exceeds :data:`SPLIT_TRIGGER` (below that there is nothing to
localise). Two splits: first vs second half of the snapshot dates, and up vs down market months,
where a month is "up" when the equal-weighted universe return over the 21 trading days after the
snapshot (the first month of every forward window) is positive. The robust t is given for the two
halves (contiguous sub-series); for the market split the dates are not contiguous, so only the plain
t is meaningful and the robust t is left empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nexus_graph.evaluation import stats

SPLIT_TRIGGER = 1.5
MARKET_HORIZON = 21


def market_months(returns: pd.Series) -> pd.Series:
    """Equal-weighted mean of a forward-return column per snapshot date (index ``date``)."""
    return returns.groupby(level="date").mean().rename("market")


def _part(ic: pd.Series, horizon: int, robust: bool) -> dict[str, float | int]:
    x = ic.dropna().to_numpy(dtype=float)
    n = len(x)
    row: dict[str, float | int] = {"n": n, "mean_ic": np.nan, "t": np.nan, "robust_t": np.nan}
    if n >= stats.MIN_DATES:
        row["mean_ic"] = float(x.mean())
        row["t"] = float(stats.t_statistic(x)[0])
        if robust:
            row["robust_t"] = float(stats.ewc_t(x, stats.ewc_dof(n, stats.overlap_periods(horizon)))[0])
    return row


def regime_splits(ic: pd.DataFrame, market: pd.Series) -> pd.DataFrame:
    """IC statistics per split, part and horizon.

    Parameters
    ----------
    ic
        (date x horizon) IC frame.
    market
        Equal-weighted universe forward return per date (:func:`market_months`); dates without it
        are left out of the market split.

    Returns
    -------
    pd.DataFrame
        Columns ``split`` (``half`` | ``market``), ``part`` (``first``, ``second`` | ``up``,
        ``down``), ``horizon``, ``n``, ``mean_ic``, ``t``, ``robust_t``.
    """
    dates = ic.index.sort_values()
    middle = dates[len(dates) // 2] if len(dates) else None
    aligned_market = market.reindex(dates)
    parts = {
        ("half", "first"): dates < middle if middle is not None else np.zeros(0, bool),
        ("half", "second"): dates >= middle if middle is not None else np.zeros(0, bool),
        ("market", "up"): (aligned_market > 0).to_numpy(),
        ("market", "down"): (aligned_market <= 0).to_numpy(),
    }
    rows = []
    for (split, part), mask in parts.items():
        for h in ic.columns:
            rows.append({"split": split, "part": part, "horizon": int(h),
                         **_part(ic.loc[dates[mask], h], int(h), robust=split == "half")})
    return pd.DataFrame(rows, columns=["split", "part", "horizon", "n", "mean_ic", "t", "robust_t"])


def splits_wanted(table: pd.DataFrame) -> bool:
    """True when some horizon's |t| exceeds :data:`SPLIT_TRIGGER`."""
    return bool((table["t"].abs() > SPLIT_TRIGGER).any())
