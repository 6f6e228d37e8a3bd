"""Rank-averaged composites of several factors (``paper-trade --composite A,B --weights 0.5,0.5``). Pure.

Conventions (tested in ``tests/unit/test_trading_composite.py`` on a frame small enough to check by hand)
-------------------------------------------------------------------------------------------------------
* **Percentile rank.** Each factor is ranked per date across the companies that have a value for it
  on that date (inside the universe when one is given): ``p = (r - 1) / (n - 1)`` with ``r`` the
  average rank of ties (1 = lowest value) and ``n`` the number of such companies, so the lowest
  value scores 0, the highest 1 and the median 0.5 whatever the factor's scale or coverage; a
  cross-section of one company scores 0.5 (no ranking information).
* **Weights.** Non-negative, finite, not all zero; normalised to sum to 1 (:func:`composite_weights`).
* **Missing values.** A company's composite on a date is the weighted mean of the percentile ranks of
  the factors it *has* on that date, the weights renormalised over those factors:
  ``s = sum_k w_k p_k / sum_k w_k`` over the factors ``k`` with a value. A company with none of the
  factors on a date has no composite that date (it is not traded then). So a name covered by one
  factor only is scored by that factor alone, on the same 0..1 scale as everyone else.
* **Dates.** The union of the factors' dates; on a date where only some factors have values the
  composite is built from those.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from nexus_graph.errors import NexusError


def composite_weights(names: Sequence[str], weights: Sequence[float] | None = None) -> dict[str, float]:
    """Factor name -> weight, normalised to sum to 1 (equal weights when ``weights`` is None).

    Raises :class:`NexusError` when there are fewer than two names or a repeated one, when the
    counts differ, or when a weight is negative or not finite, or all are zero.
    """
    names = [str(n).strip() for n in names]
    if len(names) < 2 or any(not n for n in names):
        raise NexusError(f"--composite needs at least two factor names separated by commas (got {','.join(names)!r}); "
                         "e.g. --composite graph_gnn_embedding_drift,margin_compression. Trade one factor with "
                         "--signal.")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise NexusError(f"--composite names each factor once (got {', '.join(repeated)} more than once).")
    if weights is None:
        weights = [1.0] * len(names)
    values = [float(w) for w in weights]
    if len(values) != len(names):
        raise NexusError(f"--weights needs one weight per --composite factor: {len(names)} factor(s) "
                         f"({', '.join(names)}) but {len(values)} weight(s) ({', '.join(f'{w:g}' for w in values)}).")
    bad = [w for w in values if not math.isfinite(w) or w < 0]
    if bad:
        raise NexusError(f"--weights must be finite and >= 0 (got {', '.join(f'{w:g}' for w in bad)}); to bet "
                         "against a factor, import its negative as a factor of its own.")
    total = sum(values)
    if total <= 0:
        raise NexusError("--weights must not all be 0; e.g. --weights 0.5,0.5 (they are normalised to sum to 1).")
    return {name: w / total for name, w in zip(names, values, strict=True)}


def parse_composite(names: str, weights: str | None = None) -> dict[str, float]:
    """:func:`composite_weights` of the comma-separated ``--composite`` and ``--weights`` option values."""
    listed = [n.strip() for n in names.split(",")]
    if weights is None:
        return composite_weights(listed)
    parsed = []
    for part in weights.split(","):
        try:
            parsed.append(float(part))
        except ValueError:
            raise NexusError(f"--weights must be comma-separated numbers, e.g. 0.5,0.5 (got {weights!r}).") from None
    return composite_weights(listed, parsed)


def composite_name(weights: Mapping[str, float]) -> str:
    """How the composite is named in tables, reports and the run record: ``composite(A:0.5,B:0.5)``."""
    return "composite(" + ",".join(f"{name}:{w:.4g}" for name, w in weights.items()) + ")"


def percentile_ranks(panel: pd.Series) -> pd.Series:
    """Per-date cross-sectional percentile ranks in [0, 1] (see the module notes); NaN values dropped.

    ``panel`` and the result are Series indexed by (date, company_id).
    """
    values = panel.astype(float).dropna()
    by_date = values.groupby(level=0)
    ranks = by_date.rank(method="average")
    counts = by_date.transform("size").astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = (ranks - 1.0) / (counts - 1.0)
    return scaled.where(counts > 1, 0.5)


def rank_composite(panels: Mapping[str, pd.Series], weights: Mapping[str, float],
                   universe: Collection[str] | None = None) -> pd.Series:
    """The weighted mean of each factor's percentile ranks, per (date, company) -- the module's conventions.

    Parameters
    ----------
    panels
        Factor name -> Series indexed by (date, company_id), higher = buy.
    weights
        Factor name -> weight (:func:`composite_weights`); every weighted factor needs a panel.
    universe
        Company ids ranked (e.g. the equity companies); None ranks every company of the panels.

    Returns
    -------
    pd.Series
        Indexed by (date, company_id), sorted, values in [0, 1], named ``score``.
    """
    missing = [name for name in weights if name not in panels]
    if missing:
        raise NexusError(f"No factor panel for {missing}; every --composite factor needs stored values.")
    weighted = []
    present = []
    for name, weight in weights.items():
        panel = panels[name]
        if not isinstance(panel.index, pd.MultiIndex) or panel.index.nlevels != 2:
            raise NexusError(f"Factor panel {name!r} must be a Series indexed by (date, company_id) "
                             f"(got index levels {list(panel.index.names)}).")
        panel = panel.rename_axis(["date", "company_id"])
        if universe is not None:
            panel = panel.loc[panel.index.get_level_values("company_id").isin(list(universe))]
        ranks = percentile_ranks(panel)
        weighted.append((ranks * weight).rename(name))
        present.append(pd.Series(weight, index=ranks.index, name=name))
    numerator = pd.concat(weighted, axis=1).sum(axis=1, min_count=1)
    denominator = pd.concat(present, axis=1).sum(axis=1, min_count=1)
    score = (numerator / denominator).dropna()
    return score.rename("score").sort_index()
