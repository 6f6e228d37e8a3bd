"""Regime and sub-window splits of an IC series: does the effect live in one half, or one market?

Computed only when some horizon's overlap-robust |t| exceeds :data:`SPLIT_TRIGGER` (below that there
is nothing to localise; the plain t over-states persistent factors, see ``stats.py``). Two splits:
first vs second half of the snapshot dates, and up vs down markets, where a snapshot is "up" when
the equal-weighted universe return over the 21 trading days *up to* the snapshot's close is positive
-- a regime known at t. (Splitting on the return *after* t, the first month of every forward window,
would sort dates by the outcome being predicted.) Both splits give the robust (EWC) t of each part,
the part's ICs taken in date order; for the market split the parts interleave, so their ICs overlap
less than the full series' and the EWC t with the full series' overlap k is, if anything, cautious.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nexus_graph.evaluation import stats

SPLIT_TRIGGER = 1.5
MARKET_HORIZON = 21


def market_months(returns: pd.Series) -> pd.Series:
    """Equal-weighted mean of a return column per snapshot date (index ``date``), named ``market``.

    Pass the trailing returns of :func:`nexus_graph.evaluation.returns.trailing_returns` (window
    :data:`MARKET_HORIZON`): the market regime must be known at the snapshot date.
    """
    return returns.groupby(level="date").mean().rename("market")


def _part(ic: pd.Series, horizon: int) -> dict[str, float | int]:
    """n, mean IC, plain t and robust t of one part's ICs (in date order)."""
    x = ic.dropna().sort_index().to_numpy(dtype=float)
    n = len(x)
    row: dict[str, float | int] = {"n": n, "mean_ic": np.nan, "t": np.nan, "robust_t": np.nan}
    if n >= stats.MIN_DATES:
        row["mean_ic"] = float(x.mean())
        row["t"] = float(stats.t_statistic(x)[0])
        row["robust_t"] = float(stats.ewc_t(x, stats.ewc_dof(n, stats.overlap_periods(horizon)))[0])
    return row


def regime_splits(ic: pd.DataFrame, market: pd.Series) -> pd.DataFrame:
    """IC statistics per split, part and horizon.

    Parameters
    ----------
    ic
        (date x horizon) IC frame.
    market
        Equal-weighted universe return over the 21 trading days up to each date (known at t;
        :func:`market_months` of the trailing returns); dates without it are left out of the market split.

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
                         **_part(ic.loc[dates[mask], h], int(h))})
    return pd.DataFrame(rows, columns=["split", "part", "horizon", "n", "mean_ic", "t", "robust_t"])


def splits_wanted(table: pd.DataFrame) -> bool:
    """True when some horizon's overlap-robust |t| exceeds :data:`SPLIT_TRIGGER`."""
    return bool((table["robust_t"].abs() > SPLIT_TRIGGER).any())
