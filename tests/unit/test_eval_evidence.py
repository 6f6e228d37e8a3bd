"""What a registry entry says about the evidence (``evaluation/evidence.py``): type, tier, headline t, note."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.evaluation.evaluate import evaluate_factor
from nexus_graph.evaluation.evidence import (
    evidence_months,
    evidence_note,
    evidence_tier,
    headline_t,
    hlz_passes,
    profile_json,
    regime_profile,
    signal_type,
    tier_reason,
    universe_coverage,
)
from nexus_graph.report.evaluation import report_markdown


def table(robust_t: list[float], t: list[float] | None = None, n: tuple[int, ...] = (57, 55, 52)) -> pd.DataFrame:
    """A per-horizon summary table with the columns the evidence functions read."""
    t = t or [2 * x for x in robust_t]
    return pd.DataFrame({"n": list(n), "mean_ic": [0.01 * np.sign(x) if np.isfinite(x) else np.nan for x in robust_t],
                         "t": t, "robust_t": robust_t, "hlz_bar": [4.123, 4.134, 4.153],
                         "robust_bar": [4.5, 5.9, 7.6], "m": 400}, index=pd.Index([21, 63, 126], name="horizon"))


# --- type -----------------------------------------------------------------------------------------------

def test_type_comes_from_the_rows_origin_and_rows_without_one_are_graph() -> None:
    assert signal_type([]) == "graph"
    assert signal_type([None, None]) == "graph"
    assert signal_type(["graph", None]) == "graph"
    assert signal_type(["fundamental"]) == "fundamental"
    assert [signal_type([o]) for o in ("price", "external")] == ["price", "external"]


def test_type_refuses_an_unknown_or_mixed_origin() -> None:
    with pytest.raises(NexusError, match=r"Unknown factor origin 'vendor'; expected one of \['graph', 'fundamental', "
                                         r"'price', 'external'\]"):
        signal_type(["vendor"])
    with pytest.raises(NexusError, match=r"more than one origin \(\['fundamental', 'graph'\]\)"):
        signal_type(["fundamental", None])


# --- tier -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("months", "coverage", "look_ahead", "tier"), [
    (57, 0.97, False, "A"), (50, 0.90, False, "A"),  # the A boundaries are inclusive
    (49, 0.97, False, "B"), (57, 0.89, False, "B"), (24, 0.50, False, "B"),
    (23, 0.97, False, "C"), (57, 0.49, False, "C"), (57, float("nan"), False, "C"),
    (57, 0.97, True, "C"),  # look-ahead values are exploratory whatever their size
])
def test_tier_grades_the_evidence(months: int, coverage: float, look_ahead: bool, tier: str) -> None:
    assert evidence_tier(months, coverage, look_ahead) == tier
    assert tier_reason(months, coverage, look_ahead).startswith(f"tier {tier} (")


def test_tier_reasons_name_what_was_short() -> None:
    assert tier_reason(57, 0.97) == "tier A (whole universe and window): 57 month-ends, 97% of the universe"
    assert tier_reason(40, 0.97) == "tier B (reduced fewer than 50 month-ends): 40 month-ends, 97% of the universe"
    assert tier_reason(57, 0.6).startswith("tier B (reduced under 90% of the universe)")
    assert tier_reason(57, 0.97, True).startswith("tier C (exploratory): look-ahead factor values")


def test_tier_is_independent_of_the_verdict() -> None:
    """A rejected factor tested on everything is tier A (the seed's row: tier A, status rejected)."""
    rng = np.random.default_rng(4)
    dates = pd.date_range("2021-06-30", "2026-03-31", freq="ME")
    ids = [f"C{i:02d}" for i in range(40)]
    days = pd.bdate_range("2021-06-01", "2026-04-30")
    closes = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, (len(days), len(ids))), axis=0))
    prices = pd.DataFrame({"date": np.repeat(days.to_numpy(), len(ids)), "company_id": np.tile(ids, len(days)),
                           "adj_close": closes.reshape(-1)})
    index = pd.MultiIndex.from_product([dates, ids], names=["date", "company_id"])
    noise = pd.Series(rng.normal(size=len(index)), index=index, name="noise")
    full = evaluate_factor(noise, prices, ids)
    assert full.decision.status == "rejected" and (full.months, full.tier) == (58, "A")
    assert full.inputs.coverage == 1.0
    assert replace(full, look_ahead=True).tier == "C"
    text = report_markdown(full, {})
    assert "rule `holm`; evidence tier A (whole universe and window): 58 month-ends, 100% of the universe)" in text
    assert f"*Evidence:* {full.evidence_note}" in text and full.evidence_note.startswith("Tier A evidence: 58 ")
    half = evaluate_factor(noise[noise.index.get_level_values("company_id") < "C24"].rename("half"), prices, ids)
    assert half.inputs.coverage == pytest.approx(0.6) and half.tier == "B"
    window = noise[noise.index.get_level_values("date") >= "2024-01-01"].rename("window")
    assert (evaluate_factor(window, prices, ids).months, evaluate_factor(window, prices, ids).tier) == (27, "B")
    short = noise[noise.index.get_level_values("date") >= "2024-06-01"].rename("short")
    assert (evaluate_factor(short, prices, ids).months, evaluate_factor(short, prices, ids).tier) == (22, "C")


def test_coverage_is_the_mean_share_of_names_with_a_return_that_have_a_value() -> None:
    index = pd.MultiIndex.from_product([pd.to_datetime(["2024-01-31", "2024-02-29"]), ["A", "B", "C", "D"]],
                                       names=["date", "company_id"])
    returns = pd.DataFrame({21: [0.1, 0.2, np.nan, 0.3, 0.1, 0.2, 0.3, 0.4]}, index=index)
    factor = pd.Series([1.0, np.nan, 2.0, 3.0, 1.0, 2.0, 3.0, 4.0], index=index)
    # January: A, B, D have a return; A and D a value -> 2/3; February: 4/4
    assert universe_coverage(factor, returns) == pytest.approx((2 / 3 + 1) / 2)
    assert np.isnan(universe_coverage(factor, returns.iloc[:0]))


# --- headline t, HLZ ------------------------------------------------------------------------------------

def test_headline_t_is_the_largest_absolute_robust_t_with_its_sign_and_horizon() -> None:
    assert headline_t(table([1.2, -3.4, 2.0])) == (-3.4, 63)
    assert headline_t(table([np.nan, 0.5, np.nan])) == (0.5, 63)
    t, h = headline_t(table([np.nan, np.nan, np.nan]))
    assert np.isnan(t) and h is None
    assert evidence_months(table([1.0, 1.0, 1.0])) == 57


def test_hlz_passes_needs_both_bars_at_one_horizon() -> None:
    assert not hlz_passes(table([4.6, 1.0, 1.0], t=[4.0, 1.0, 1.0]))  # robust over its bar, plain t under HLZ
    assert not hlz_passes(table([4.4, 1.0, 1.0], t=[9.0, 1.0, 1.0]))  # plain over HLZ, robust under its bar
    assert hlz_passes(table([1.0, -6.0, 1.0], t=[1.0, -8.0, 1.0]))
    assert not hlz_passes(table([np.nan, np.nan, np.nan]))


# --- evidence note and regime profile -------------------------------------------------------------------

SPLITS = pd.DataFrame({"split": ["half", "half", "market", "market"], "part": ["first", "second", "up", "down"],
                       "horizon": 126, "n": [26, 26, 30, 22], "mean_ic": [0.01, 0.05, 0.03, 0.02],
                       "t": [0.5, 3.0, 2.0, 1.0], "robust_t": [0.4, 2.9, 1.8, 0.9]})


def test_the_evidence_note_is_one_paragraph_built_from_the_figures() -> None:
    frame = table([0.3, 1.1, 2.42], t=[0.4, 1.5, 3.1])
    note = evidence_note(frame, SPLITS, verdict="CANDIDATE", rule="holm", tier="A", months=57, coverage=0.974,
                         first_date=pd.Timestamp("2021-06-30"), last_date=pd.Timestamp("2026-02-27"))
    assert note == (
        "Tier A evidence: 57 month-ends from 2021-06-30 to 2026-02-27, covering 97% of the equity universe on "
        "average. The strongest horizon is 126 d: robust t +2.42 (plain t +3.10, mean IC +0.0100, N 52), which is "
        "below its multiple-testing bar of 7.60 at M = 400. Robust t at the other horizons: 21 d +0.30, 63 d +1.10. "
        "At 126 d the robust t is +0.40 in the first half of the dates and +2.90 in the second; +1.80 after up "
        "markets and +0.90 after down markets (trailing 21-day market return). Verdict CANDIDATE under the 'holm' "
        "rule; the HLZ and robust bars are not both cleared at any horizon.")
    assert "\n" not in note


def test_the_evidence_note_without_splits_or_tests() -> None:
    quiet = evidence_note(table([0.3, -1.1, 0.2]), None, verdict="NULL", rule="holm", tier="B", months=30,
                          coverage=0.95, first_date=pd.Timestamp("2023-06-30"), last_date=pd.Timestamp("2025-11-30"),
                          look_ahead=True)
    assert "with look-ahead factor values (not evidence of a tradeable signal)." in quiet
    assert "robust t -1.10" in quiet and "No regime split was made" in quiet
    empty = evidence_note(table([np.nan] * 3), None, verdict="NULL", rule="seed", tier="C", months=2,
                          coverage=float("nan"), first_date=pd.Timestamp("2025-10-31"),
                          last_date=pd.Timestamp("2025-11-30"))
    assert "No horizon had enough dates for a test." in empty and "an unknown share" in empty


def test_the_regime_profile_is_strict_json_with_the_previous_statuses() -> None:
    frame = table([0.3, np.nan, 2.42])
    previous = [{"status": "candidate", "from": None, "at": pd.Timestamp("2026-01-02 10:00"), "runId": "r1",
                 "reason": "first registered run: candidate"}]
    profile = regime_profile(frame, SPLITS, "a note", tier="A", months=57, coverage=0.97, previous=previous)
    parsed = json.loads(profile_json(profile))
    assert parsed["horizons"][1] == {"horizon": 63, "n": 55, "meanIc": None, "t": None, "robustT": None}
    assert parsed["horizons"][2]["robustT"] == 2.42
    assert parsed["splits"][1] == {"split": "half", "part": "second", "horizon": 126, "n": 26, "meanIc": 0.05,
                                   "t": 3.0, "robustT": 2.9}
    assert parsed["evidence"] == "a note" and parsed["tier"] == {"letter": "A", "months": 57, "coverage": 0.97}
    assert parsed["previousStatuses"] == [{"status": "candidate", "from": None, "at": "2026-01-02", "runId": "r1",
                                           "reason": "first registered run: candidate"}]
    assert json.loads(profile_json(regime_profile(frame, None, "", tier="C", months=0,
                                                  coverage=float("nan"))))["splits"] is None
