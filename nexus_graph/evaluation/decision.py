"""The decision matrix: the one place that says what a factor's figures mean.

Inputs: the per-horizon table of :func:`nexus_graph.evaluation.stats.summary_table` (plain t,
overlap-robust EWC t with its robust bar = two-sided Bonferroni 5 % over M tests in t(nu), mean IC).
Rules, applied in this order:

===========  ==========  ====  ==============================================================
verdict      status      tier  when
===========  ==========  ====  ==============================================================
NULL         rejected    0     overlap-robust |t| < 2 at every horizon (horizons without data
                               count as 0): nothing to see; never registered as alpha.
ALPHA        alpha       2     the robust t clears its multiple-testing bar at >= 1 horizon
                               (robust p <= 0.05 / M) AND the mean IC has the same sign at
                               every horizon with data.
CANDIDATE    candidate   1     anything else: some robust |t| >= 2, but no horizon clears the
                               bar, or the sign flips across horizons. Worth a look out of
                               sample; not tradeable evidence.
===========  ==========  ====  ==============================================================

Both gates use the overlap-robust t, because the plain t over-rejects several-fold for persistent
factors at 63/126 days (calibration table in ``stats.py``: 21 % / 35 % false positives at nominal
5 % for an AR(1) 0.9 factor, against ~5 % for the robust t). Gating NULL on the plain t would call a
pure-noise factor a CANDIDATE about half the time; on the demo with ``--signal none`` the drift factor
has plain t -2.06 at 126 days but robust t -1.90. The plain t is still reported in the table and in
the reasons. Every verdict comes with the reasons that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

T_NULL = 2.0  # |t| below this at every horizon -> NULL

NULL, CANDIDATE, ALPHA = "NULL", "CANDIDATE", "ALPHA"
STATUS = {NULL: "rejected", CANDIDATE: "candidate", ALPHA: "alpha"}
TIER = {NULL: 0, CANDIDATE: 1, ALPHA: 2}


@dataclass(frozen=True)
class Decision:
    """A verdict with its registry status, tier and the reasons, in order."""

    verdict: str
    reasons: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return STATUS[self.verdict]

    @property
    def tier(self) -> int:
        return TIER[self.verdict]


def _fmt(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:+.2f}"


def decide(table: pd.DataFrame) -> Decision:
    """Apply the decision matrix to a per-horizon summary table (index = horizon).

    Uses the columns ``n``, ``mean_ic``, ``t``, ``robust_t``, ``robust_bar``, ``robust_p``, ``m``.
    """
    if table.empty:
        return Decision(NULL, ["no horizon has data: nothing to test"])
    t = table["t"].astype(float).fillna(0.0)
    rt = table["robust_t"].astype(float).fillna(0.0)
    reasons: list[str] = []
    best = rt.abs().idxmax()
    if (rt.abs() < T_NULL).all():
        reasons.append(f"robust |t| < {T_NULL:g} at every horizon (largest {_fmt(rt[best])} at {best} d; "
                       f"plain t there {_fmt(t[best])})")
        return Decision(NULL, reasons)

    nominal = [int(h) for h in rt.index if abs(rt[h]) >= T_NULL]
    reasons.append(f"robust |t| >= {T_NULL:g} at {', '.join(f'{h} d (robust t {_fmt(rt[h])})' for h in nominal)}")
    robust = table["robust_t"].astype(float)
    clears = [int(h) for h in table.index if np.isfinite(robust[h]) and abs(robust[h]) >= table.loc[h, "robust_bar"]]
    m = int(table["m"].iloc[0])
    if not clears:
        h = int(robust.abs().idxmax()) if robust.notna().any() else int(best)
        reasons.append(
            f"robust t below the multiple-testing bar at every horizon (best {_fmt(robust.get(h, np.nan))} at {h} d "
            f"vs bar {table.loc[h, 'robust_bar']:.2f}, M = {m})"
        )
        return Decision(CANDIDATE, reasons)

    signs = np.sign(table.loc[table["n"] > 0, "mean_ic"].astype(float))
    signs = signs[signs != 0]
    reasons.append(
        "robust t clears the bar at "
        + ", ".join(f"{h} d ({_fmt(robust[h])} >= {table.loc[h, 'robust_bar']:.2f})" for h in clears)
        + f" (M = {m})"
    )
    if signs.nunique() > 1:
        flips = ", ".join(f"{int(h)} d {'+' if s > 0 else '-'}" for h, s in signs.items())
        reasons.append(f"mean IC changes sign across horizons ({flips})")
        return Decision(CANDIDATE, reasons)
    reasons.append(f"mean IC has the same sign ({'+' if signs.iloc[0] > 0 else '-'}) at every horizon")
    return Decision(ALPHA, reasons)
