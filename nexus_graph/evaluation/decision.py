"""The decision matrix: the one place that says what a factor's figures mean.

Inputs: the per-horizon table of :func:`nexus_graph.evaluation.stats.summary_table` (plain t with its
HLZ bar, overlap-robust EWC t with its robust p and robust bar = two-sided Bonferroni 5 % over the M
tests of the family in t(nu), mean IC). Two named rules; every :class:`Decision` records which one
made it.

Rule ``holm`` (the default)
---------------------------
The three horizons are three looks at one factor, and the robust t has its own degrees of freedom
(EWC with nu = 5 at 126 d has a 5 % critical value of 2.57, not 2). So the gate is the robust p,
Holm-adjusted across the horizons tested (``statsmodels`` ``multipletests``), at 5 %: under the null
the chance that *any* horizon passes is at most 5 % (measured in ``docs/benchmarks.md``).

===========  ==========  ==============================================================
verdict      status      when
===========  ==========  ==============================================================
NULL         rejected    no horizon is significant: Holm-adjusted robust p > 0.05 at
                         every horizon tested (no horizon with data: nothing to test).
ALPHA        alpha       at >= 1 significant horizon BOTH the robust t clears its
                         multiple-testing bar and the plain t clears the HLZ bar, AND the
                         mean IC has one sign across the significant horizons.
CANDIDATE    candidate   anything else: significant somewhere, but no horizon clears both
                         bars, or the significant horizons disagree in sign.
===========  ==========  ==============================================================

The status is the *run's*; the signal's status in the registry follows from it by the lifecycle
(:mod:`nexus_graph.evaluation.lifecycle`, which adds ``declining``), and the evidence tier (a letter,
independent of the verdict) is :func:`nexus_graph.evaluation.evidence.evidence_tier`.

Only significant horizons count for the sign rule: an insignificant horizon's sign is noise.

Rule ``seed`` (the first version's matrix, kept to reproduce its tables)
------------------------------------------------------------------------
NULL when the robust |t| < 2 at every horizon (horizons without data count as 0); ALPHA when the
robust t clears its bar at >= 1 horizon and the mean IC has the same sign at every horizon with data;
CANDIDATE otherwise. It ignores the robust test's degrees of freedom and the three looks: on pure
noise it says CANDIDATE 16-20 % of the time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from nexus_graph.errors import NexusError

T_NULL = 2.0  # seed rule: |robust t| below this at every horizon -> NULL
LEVEL = 0.05  # holm rule: family-wise level across the horizons

NULL, CANDIDATE, ALPHA = "NULL", "CANDIDATE", "ALPHA"
STATUS = {NULL: "rejected", CANDIDATE: "candidate", ALPHA: "alpha"}
HOLM, SEED = "holm", "seed"
DEFAULT_RULE = HOLM


@dataclass(frozen=True)
class Decision:
    """A verdict with its run status, the rule that made it and the reasons, in order."""

    verdict: str
    reasons: list[str] = field(default_factory=list)
    rule: str = DEFAULT_RULE

    @property
    def status(self) -> str:
        return STATUS[self.verdict]


def _fmt(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:+.2f}"


def _sign(value: float) -> str:
    return "+" if value > 0 else "-"


def horizon_holm_p(table: pd.DataFrame) -> pd.Series:
    """Robust p Holm-adjusted across the horizons tested (NaN where a horizon has no test)."""
    p = table["robust_p"].astype(float)
    out = pd.Series(np.nan, index=table.index, name="horizon_holm_p")
    tested = p[np.isfinite(p)]
    if len(tested):
        out[tested.index] = multipletests(tested.to_numpy(), alpha=LEVEL, method="holm")[1]
    return out


def _clears_both(table: pd.DataFrame, h: object) -> bool:
    """Robust t over its bar and plain t over the HLZ bar at horizon ``h``."""
    row = table.loc[h]
    robust, plain = float(row["robust_t"]), float(row["t"])
    return bool(np.isfinite(robust) and abs(robust) >= float(row["robust_bar"])
                and np.isfinite(plain) and abs(plain) >= float(row["hlz_bar"]))


def decide_holm(table: pd.DataFrame) -> Decision:
    """The ``holm`` rule (module notes). Uses ``mean_ic, t, hlz_bar, robust_t, robust_p, robust_bar, m``."""
    if table.empty or not np.isfinite(table["robust_p"].astype(float)).any():
        return Decision(NULL, ["no horizon has data: nothing to test"], HOLM)
    holm = horizon_holm_p(table)
    tested = holm.dropna()
    best = tested.idxmin()
    looks = f"Holm over the {len(tested)} horizon(s) tested"
    significant = [h for h in tested.index if tested[h] <= LEVEL]
    if not significant:
        return Decision(NULL, [
            f"no horizon significant at {LEVEL:.0%} after {looks} (smallest Holm p {tested[best]:.3f} at {best} d: "
            f"robust t {_fmt(table.loc[best, 'robust_t'])}, robust p {table.loc[best, 'robust_p']:.3f}, "
            f"plain t {_fmt(table.loc[best, 't'])})"], HOLM)
    reasons = [f"significant after {looks} at " + ", ".join(
        f"{h} d (robust t {_fmt(table.loc[h, 'robust_t'])}, Holm p {tested[h]:.3f})" for h in significant)]
    signs = {h: float(np.sign(table.loc[h, "mean_ic"])) for h in significant}
    if len(set(signs.values())) > 1:
        flips = ", ".join(f"{h} d {_sign(s)}" for h, s in signs.items())
        reasons.append(f"mean IC changes sign across the significant horizons ({flips})")
        return Decision(CANDIDATE, reasons, HOLM)
    m = int(table["m"].iloc[0])
    clears = [h for h in significant if _clears_both(table, h)]
    if not clears:
        h = max(significant, key=lambda k: abs(float(table.loc[k, "robust_t"])))
        reasons.append(
            f"no significant horizon clears both multiple-testing bars (M = {m}); best {h} d: robust t "
            f"{_fmt(table.loc[h, 'robust_t'])} vs {table.loc[h, 'robust_bar']:.2f}, plain t "
            f"{_fmt(table.loc[h, 't'])} vs HLZ {table.loc[h, 'hlz_bar']:.2f}")
        return Decision(CANDIDATE, reasons, HOLM)
    reasons.append("robust and plain t both clear their bars at " + ", ".join(
        f"{h} d (robust {_fmt(table.loc[h, 'robust_t'])} >= {table.loc[h, 'robust_bar']:.2f}, plain "
        f"{_fmt(table.loc[h, 't'])} >= {table.loc[h, 'hlz_bar']:.2f})" for h in clears) + f" (M = {m})")
    reasons.append(f"mean IC has the same sign ({_sign(next(iter(signs.values())))}) at every significant horizon")
    return Decision(ALPHA, reasons, HOLM)


def decide_seed(table: pd.DataFrame) -> Decision:
    """The ``seed`` rule (module notes). Uses ``n, mean_ic, t, robust_t, robust_bar, m``."""
    if table.empty:
        return Decision(NULL, ["no horizon has data: nothing to test"], SEED)
    t = table["t"].astype(float).fillna(0.0)
    rt = table["robust_t"].astype(float).fillna(0.0)
    reasons: list[str] = []
    best = rt.abs().idxmax()
    if (rt.abs() < T_NULL).all():
        reasons.append(f"robust |t| < {T_NULL:g} at every horizon (largest {_fmt(rt[best])} at {best} d; "
                       f"plain t there {_fmt(t[best])})")
        return Decision(NULL, reasons, SEED)

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
        return Decision(CANDIDATE, reasons, SEED)

    signs = np.sign(table.loc[table["n"] > 0, "mean_ic"].astype(float))
    signs = signs[signs != 0]
    reasons.append(
        "robust t clears the bar at "
        + ", ".join(f"{h} d ({_fmt(robust[h])} >= {table.loc[h, 'robust_bar']:.2f})" for h in clears)
        + f" (M = {m})"
    )
    if signs.nunique() > 1:
        flips = ", ".join(f"{int(h)} d {_sign(s)}" for h, s in signs.items())
        reasons.append(f"mean IC changes sign across horizons ({flips})")
        return Decision(CANDIDATE, reasons, SEED)
    reasons.append(f"mean IC has the same sign ({_sign(signs.iloc[0])}) at every horizon")
    return Decision(ALPHA, reasons, SEED)


RULES: dict[str, Callable[[pd.DataFrame], Decision]] = {HOLM: decide_holm, SEED: decide_seed}


def decide(table: pd.DataFrame, rule: str = DEFAULT_RULE) -> Decision:
    """Apply the decision rule ``rule`` (``holm`` or ``seed``) to a per-horizon summary table."""
    if rule not in RULES:
        raise NexusError(f"Unknown decision rule {rule!r}; expected one of {sorted(RULES)} (default {DEFAULT_RULE!r}).")
    return RULES[rule](table)
