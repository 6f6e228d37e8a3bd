"""What a registry entry says about a signal's evidence, apart from its verdict. Pure.

The signal registry (``store/registry.py``) keeps one row per signal; besides the verdict it holds
these figures, all computed here from the evaluation's frames:

Type (:func:`signal_type`)
    Where the factor comes from: ``graph`` (computed from the knowledge graph: embeddings,
    centralities), ``fundamental`` (company accounts), ``price`` (prices and volumes) or
    ``external`` (any other outside panel). The factor store keeps it as ``origin`` on each
    ``FactorValue`` row; a row without it is a graph factor (every factor this project computes
    itself). This function is the one place that turns the rows' origins into the signal's type.

Tier (:func:`evidence_tier`) -- a letter grading how much data the evidence rests on, independent
of the verdict (a rejected factor tested on everything is tier A; an ALPHA on a short window is B):

====  =====================================================================================
tier  when
====  =====================================================================================
A     whole universe and whole window: >= 50 month-ends with an IC and, on average, >= 90 %
      of the equity companies that have a forward return carry a factor value; no
      look-ahead values.
B     reduced universe or window: >= 24 month-ends and >= 50 % coverage; no look-ahead values.
C     exploratory: anything less (fewer than 24 month-ends, under half the universe), or
      factor values from a look-ahead backfill (``--allow-look-ahead``).
====  =====================================================================================

*Month-ends* are the snapshot dates with an IC at the best-covered horizon (the largest N across
horizons; 57 for the reference's 58 snapshots). *Coverage* (:func:`universe_coverage`) is the mean,
over snapshot dates, of the companies with both a factor value and a forward return divided by the
universe companies with a forward return, at the shortest horizon.

Headline t (:func:`headline_t`)
    The robust (EWC) t with the largest absolute value across horizons, signed, and its horizon.
    Its sign is the run's direction in the lifecycle (:mod:`nexus_graph.evaluation.lifecycle`).

HLZ passes (:func:`hlz_passes`)
    True when at least one horizon clears both multiple-testing bars: plain |t| >= the
    Harvey-Liu-Zhu bar and robust |t| >= the robust bar, at the run's M.

Regime profile (:func:`regime_profile`)
    A JSON-ready dict: per-horizon n / mean IC / t / robust t, the regime splits (``regimes.py``;
    absent when no horizon's |robust t| exceeds 1.5), the one-paragraph evidence note
    (:func:`evidence_note`), the evidence tier's inputs and the signal's previous statuses.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.sources.factor_file import ORIGINS as IMPORTED_ORIGINS

DEFAULT_ORIGIN = "graph"  # a FactorValue row without ``origin`` comes from the graph
ORIGINS = (DEFAULT_ORIGIN, *IMPORTED_ORIGINS)  # graph, then what `factors import --origin` accepts
TIER_A_MONTHS, TIER_B_MONTHS = 50, 24
TIER_A_COVERAGE, TIER_B_COVERAGE = 0.90, 0.50


def signal_type(origins: Iterable[str | None]) -> str:
    """The registry ``type`` of a factor from the ``origin`` of its stored rows (None = ``graph``).

    No rows, or rows without an origin, give ``graph``. Raises when the rows name an unknown origin
    or more than one: a factor has one origin.
    """
    found = sorted({DEFAULT_ORIGIN if o is None or str(o) == "" else str(o) for o in origins}) or [DEFAULT_ORIGIN]
    unknown = [o for o in found if o not in ORIGINS]
    if unknown:
        raise NexusError(f"Unknown factor origin {unknown[0]!r}; expected one of {list(ORIGINS)}. "
                         "Re-import the factor with a valid origin.")
    if len(found) > 1:
        raise NexusError(f"The factor's values have more than one origin ({found}); a factor has one. "
                         "Re-import it under one origin, or under separate names.")
    return found[0]


def universe_coverage(factor: pd.Series, returns: pd.DataFrame) -> float:
    """Mean share of the universe's companies with a forward return that also carry a factor value.

    ``factor``: the factor panel indexed by ``(date, company_id)``; ``returns``: forward returns on
    the universe (same index, one column per horizon; the first column, the shortest horizon, is used).
    NaN when no date has a return.
    """
    if returns.empty:
        return float("nan")
    shortest = returns[returns.columns[0]].dropna()
    if shortest.empty:
        return float("nan")
    valued = factor.dropna()
    has_value = shortest.index.isin(valued.index)
    shares = pd.Series(has_value, index=shortest.index).groupby(level="date").mean()
    return float(shares.mean())


def evidence_months(table: pd.DataFrame) -> int:
    """Month-ends with an IC at the best-covered horizon (the largest ``n`` of a summary table)."""
    return int(table["n"].max()) if len(table) else 0


def evidence_tier(months: int, coverage: float, look_ahead: bool = False) -> str:
    """The evidence tier ``A``, ``B`` or ``C`` (rule in the module notes).

    ``months``: month-ends with an IC (:func:`evidence_months`); ``coverage``: share of the universe
    (:func:`universe_coverage`, NaN counts as 0); ``look_ahead``: the values came from a look-ahead backfill.
    """
    cover = coverage if math.isfinite(coverage) else 0.0
    if look_ahead:
        return "C"
    if months >= TIER_A_MONTHS and cover >= TIER_A_COVERAGE:
        return "A"
    if months >= TIER_B_MONTHS and cover >= TIER_B_COVERAGE:
        return "B"
    return "C"


def tier_reason(months: int, coverage: float, look_ahead: bool = False) -> str:
    """Why :func:`evidence_tier` gave its letter, in one clause."""
    tier = evidence_tier(months, coverage, look_ahead)
    cover = f"{coverage:.0%}" if math.isfinite(coverage) else "n/a"
    facts = f"{months} month-ends, {cover} of the universe"
    if look_ahead:
        return f"tier C (exploratory): look-ahead factor values; {facts}"
    if tier == "A":
        return f"tier A (whole universe and window): {facts}"
    if tier == "B":
        short = [f"fewer than {TIER_A_MONTHS} month-ends" if months < TIER_A_MONTHS else "",
                 f"under {TIER_A_COVERAGE:.0%} of the universe" if coverage < TIER_A_COVERAGE else ""]
        return f"tier B (reduced {' and '.join(s for s in short if s)}): {facts}"
    return (f"tier C (exploratory: under {TIER_B_MONTHS} month-ends or under {TIER_B_COVERAGE:.0%} of the "
            f"universe): {facts}")


def headline_t(table: pd.DataFrame) -> tuple[float, int | None]:
    """The signed robust t of largest absolute value across horizons and its horizon; (NaN, None) if none."""
    robust = table["robust_t"].astype(float)
    robust = robust[np.isfinite(robust)]
    if robust.empty:
        return float("nan"), None
    horizon = robust.abs().idxmax()
    return float(robust[horizon]), int(horizon)


def hlz_passes(table: pd.DataFrame) -> bool:
    """True when some horizon clears the HLZ bar on the plain t and the robust bar on the robust t."""
    t, robust = table["t"].astype(float).abs(), table["robust_t"].astype(float).abs()
    clears = (t >= table["hlz_bar"].astype(float)) & (robust >= table["robust_bar"].astype(float))
    return bool(clears.fillna(False).any())


def _num(value: object, spec: str) -> str:
    number = float(value)  # type: ignore[arg-type]
    return format(number, spec) if math.isfinite(number) else "n/a"


def _split_sentence(splits: pd.DataFrame | None, horizon: int | None) -> str:
    """What the regime splits say at the headline horizon, or why there are none."""
    if splits is None or horizon is None:
        return "No regime split was made (no horizon's |robust t| above 1.5: nothing to localise)."
    at = splits[splits["horizon"] == horizon].set_index(["split", "part"])["robust_t"].astype(float)

    def part(split: str, name: str) -> str:
        return _num(at.get((split, name), float("nan")), "+.2f")

    return (f"At {horizon} d the robust t is {part('half', 'first')} in the first half of the dates and "
            f"{part('half', 'second')} in the second; {part('market', 'up')} after up markets and "
            f"{part('market', 'down')} after down markets (trailing 21-day market return).")


def evidence_note(table: pd.DataFrame, splits: pd.DataFrame | None, *, verdict: str, rule: str, tier: str,
                  months: int, coverage: float, first_date: pd.Timestamp, last_date: pd.Timestamp,
                  look_ahead: bool = False) -> str:
    """One paragraph generated from the figures: the data, the headline t against its bars, the splits, the verdict.

    ``table`` is a per-horizon summary table (``stats.summary_table`` columns, indexed by horizon);
    ``splits`` the regime splits or None.
    """
    cover = f"{coverage:.0%}" if math.isfinite(coverage) else "an unknown share"
    parts = [f"Tier {tier} evidence: {months} month-ends from {first_date:%Y-%m-%d} to {last_date:%Y-%m-%d}, "
             f"covering {cover} of the equity universe on average"
             + (", with look-ahead factor values (not evidence of a tradeable signal)." if look_ahead else ".")]
    t, horizon = headline_t(table)
    if horizon is None:
        parts.append("No horizon had enough dates for a test.")
    else:
        row = table.loc[horizon]
        m = int(row["m"]) if "m" in row and math.isfinite(float(row["m"])) else None
        clears = "clears" if abs(t) >= float(row["robust_bar"]) else "is below"
        parts.append(
            f"The strongest horizon is {horizon} d: robust t {_num(t, '+.2f')} (plain t {_num(row['t'], '+.2f')}, "
            f"mean IC {_num(row['mean_ic'], '+.4f')}, N {int(row['n'])}), which {clears} its multiple-testing "
            f"bar of {_num(row['robust_bar'], '.2f')}" + (f" at M = {m}." if m else "."))
        others = [f"{h} d {_num(table.loc[h, 'robust_t'], '+.2f')}" for h in table.index
                  if int(h) != horizon and math.isfinite(float(table.loc[h, "robust_t"]))]
        if others:
            parts.append("Robust t at the other horizons: " + ", ".join(others) + ".")
    parts.append(_split_sentence(splits, horizon))
    bars = "both cleared at one horizon or more" if hlz_passes(table) else "not both cleared at any horizon"
    parts.append(f"Verdict {verdict} under the {rule!r} rule; the HLZ and robust bars are {bars}.")
    return " ".join(parts)


def _clean(value: object) -> object:
    """A JSON-safe scalar: NaN and infinities become None, numpy scalars Python ones, dates ISO text."""
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return None if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(float(value)) else None
    return value


def regime_profile(table: pd.DataFrame, splits: pd.DataFrame | None, note: str, *, tier: str, months: int,
                   coverage: float, previous: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The ``regimeProfile`` of a registry entry as JSON-ready data (module notes).

    ``previous`` holds the signal's earlier status changes (``status``, ``from``, ``at``, ``runId``,
    ``reason``), oldest first.
    """
    horizons = [{"horizon": int(h), "n": _clean(int(r["n"])), "meanIc": _clean(r["mean_ic"]), "t": _clean(r["t"]),
                 "robustT": _clean(r["robust_t"])} for h, r in table.iterrows()]
    split_rows = None if splits is None else [
        {"split": str(r["split"]), "part": str(r["part"]), "horizon": int(r["horizon"]), "n": int(r["n"]),
         "meanIc": _clean(r["mean_ic"]), "t": _clean(r["t"]), "robustT": _clean(r["robust_t"])}
        for r in splits.to_dict(orient="records")]
    return {"horizons": horizons, "splits": split_rows, "evidence": note,
            "tier": {"letter": tier, "months": int(months), "coverage": _clean(coverage)},
            "previousStatuses": [{k: _clean(v) if not isinstance(v, str) else v for k, v in p.items()}
                                 for p in previous]}


def profile_json(profile: dict[str, Any]) -> str:
    """The profile as the JSON string stored on the ``Signal`` (strict JSON: no NaN)."""
    return json.dumps(profile, allow_nan=False, default=str, separators=(",", ":"))
