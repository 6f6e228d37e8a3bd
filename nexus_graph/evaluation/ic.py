"""Cross-sectional Spearman information coefficient per snapshot date and horizon.

The IC on date ``t`` at horizon ``h`` is the Spearman rank correlation, across the companies that
have both a factor value and a forward return (and belong to the universe), between the factor on
``t`` and the return from ``t`` at ``h`` -- the same number as alphalens'
``factor_information_coefficient`` (tied values get average ranks, as in ``scipy.stats.spearmanr``).
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from nexus_graph.errors import NexusError

MIN_NAMES = 3  # a correlation of fewer than three pairs carries no information


def aligned(
    factor: pd.Series, returns: pd.DataFrame, universe: Collection[str] | None = None
) -> pd.DataFrame:
    """Factor and forward returns side by side on their common ``(date, company_id)`` rows.

    Columns: ``factor`` then one column per horizon. Rows outside ``universe`` (when given) dropped.
    """
    for name, frame in (("factor", factor), ("returns", returns)):
        if list(frame.index.names) != ["date", "company_id"]:
            raise NexusError(
                f"The {name} frame must be indexed by (date, company_id) (got index names "
                f"{list(frame.index.names)}); see the frame contract in nexus_graph.evaluation."
            )
    joined = returns.join(factor.rename("factor").astype(float), how="inner")
    joined = joined[["factor", *returns.columns]]
    if universe is not None:
        joined = joined.loc[joined.index.get_level_values("company_id").isin(list(universe))]
    return joined.sort_index()


def _per_date_rank_corr(frame: pd.DataFrame, horizon: object) -> tuple[pd.Series, pd.Series]:
    """Spearman correlation of ``factor`` with column ``horizon`` per date, and the pair count."""
    pair = frame[["factor", horizon]].dropna()
    pair = pair.loc[np.isfinite(pair.to_numpy()).all(axis=1)]
    by_date = pair.groupby(level="date", sort=True)
    ranks = by_date.rank(method="average")
    # Pearson correlation of the ranks = Spearman; centre per date to keep it exact in floats.
    centred = ranks - ranks.groupby(level="date").transform("mean")
    x, y = centred["factor"], centred[horizon]
    sums = pd.DataFrame({"xy": x * y, "xx": x * x, "yy": y * y}).groupby(level="date").sum()
    counts = by_date.size()
    with np.errstate(invalid="ignore", divide="ignore"):
        ic = sums["xy"] / np.sqrt(sums["xx"] * sums["yy"])
    ic = ic.where((counts >= MIN_NAMES) & (sums["xx"] > 0) & (sums["yy"] > 0))
    return ic, counts


def information_coefficient(
    factor: pd.Series, returns: pd.DataFrame, universe: Collection[str] | None = None
) -> pd.DataFrame:
    """Spearman IC per snapshot date and horizon.

    Parameters
    ----------
    factor
        Factor panel: float Series indexed by ``(date, company_id)``, ``date`` the snapshot date.
    returns
        Forward returns: DataFrame with the same index, one column per horizon (trading days).
    universe
        Company ids of the cross-section (the ``equity`` companies); ``None`` keeps every company.

    Returns
    -------
    pd.DataFrame
        Index ``date`` (every date with at least one pair), one column per horizon; NaN where fewer
        than three companies have both values or either side is constant that day.
    """
    frame = aligned(factor, returns, universe)
    out = {h: _per_date_rank_corr(frame, h)[0] for h in returns.columns}
    result = pd.DataFrame(out)
    result.index.name = "date"
    result.columns.name = "horizon"
    return result


def cross_section_sizes(
    factor: pd.Series, returns: pd.DataFrame, universe: Collection[str] | None = None
) -> pd.DataFrame:
    """Number of companies with both a factor value and a forward return, per date and horizon."""
    frame = aligned(factor, returns, universe)
    out = {h: _per_date_rank_corr(frame, h)[1] for h in returns.columns}
    result = pd.DataFrame(out).fillna(0).astype(int)
    result.index.name = "date"
    result.columns.name = "horizon"
    return result
