"""The decision matrix: NULL, CANDIDATE, ALPHA with reasons, under the ``holm`` rule and the ``seed`` rule."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from nexus_graph.errors import NexusError
from nexus_graph.evaluation import stats
from nexus_graph.evaluation.decision import ALPHA, CANDIDATE, NULL, decide, horizon_holm_p


def table(t: list[float], robust_t: list[float], mean_ic: list[float], bar: float = 6.0,
          dof: list[int] | None = None, hlz: float = 4.13) -> pd.DataFrame:
    """A summary table with robust p from t(dof) (default 28 / 9 / 5, the EWC dof at N = 57 / 55 / 52)."""
    horizons = [21, 63, 126][: len(t)]
    dof = (dof or [28, 9, 5])[: len(t)]
    robust_p = [2 * sps.t.sf(abs(r), d) if np.isfinite(r) else np.nan for r, d in zip(robust_t, dof, strict=True)]
    return pd.DataFrame({"n": 55, "mean_ic": mean_ic, "t": t, "robust_t": robust_t, "robust_bar": bar,
                         "robust_p": robust_p, "hlz_bar": hlz, "m": 400}, index=pd.Index(horizons, name="horizon"))


# --- the seed rule (the first version's matrix), unchanged ---------------------------------

def test_seed_below_two_everywhere_is_null_and_rejected() -> None:
    d = decide(table([1.9, -1.5, 0.3], [1.0, -1.2, 0.2], [0.01, -0.01, 0.0]), rule="seed")
    assert (d.verdict, d.status, d.rule) == (NULL, "rejected", "seed")
    assert not hasattr(d, "tier")  # the evidence tier is a letter, independent of the verdict (evidence.py)
    assert "robust |t| < 2 at every horizon" in d.reasons[0] and "-1.20 at 63 d" in d.reasons[0]


def test_seed_plain_t_over_two_from_overlap_alone_is_still_null() -> None:
    d = decide(table([-0.13, -1.15, -2.06], [-0.14, -0.98, -1.90], [-0.002, -0.017, -0.028]), rule="seed")
    assert d.verdict == NULL and "plain t there -2.06" in d.reasons[0]


def test_seed_nominal_t_without_robust_bar_is_candidate() -> None:
    d = decide(table([2.5, 3.1, 4.5], [2.0, 2.2, 3.0], [0.03, 0.04, 0.05]), rule="seed")
    assert (d.verdict, d.status) == (CANDIDATE, "candidate")
    assert "below the multiple-testing bar" in d.reasons[1]


def test_seed_robust_t_over_the_bar_with_one_sign_is_alpha_and_flips_are_candidates() -> None:
    assert decide(table([7.0, 5.0, 3.0], [6.5, 4.0, 2.0], [0.05, 0.04, 0.02]), rule="seed").verdict == ALPHA
    d = decide(table([7.0, 1.0, -2.5], [6.5, 0.8, -2.0], [0.05, 0.01, -0.03]), rule="seed")
    assert d.verdict == CANDIDATE and "changes sign" in d.reasons[-1]


# --- the holm rule (default) -------------------------------------------------------------------

def test_default_rule_is_holm_and_recorded() -> None:
    d = decide(table([1.9, -1.5, 0.3], [1.0, -1.2, 0.2], [0.01, -0.01, 0.0]))
    assert (d.verdict, d.rule) == (NULL, "holm")
    assert "no horizon significant at 5% after Holm over the 3 horizon(s) tested" in d.reasons[0]
    with pytest.raises(NexusError, match="Unknown decision rule 'bonferroni'"):
        decide(table([1.0], [1.0], [0.01]), rule="bonferroni")


def test_issue_demo_null_case_robust_t_2_42_at_126d_is_null_not_candidate() -> None:
    # issue #17: demo-data --seed 3 --signal none -> robust t +2.42 at 126 d (nu = 5, robust p 0.060)
    # was CANDIDATE under the seed rule; with its own dof and Holm over three looks it is NULL
    tab = table([0.8, 1.7, 3.1], [0.5, 1.2, 2.42], [0.004, 0.01, 0.03])
    assert tab.loc[126, "robust_p"] == pytest.approx(0.060, abs=1e-3)
    assert decide(tab, rule="seed").verdict == CANDIDATE
    assert decide(tab).verdict == NULL
    # the second null dataset: robust t -2.37 at 63 d (nu = 9)
    assert decide(table([-0.5, -2.6, -1.0], [-0.4, -2.37, -0.8], [0.0, -0.02, -0.01])).verdict == NULL


def test_holm_across_horizons_matches_statsmodels() -> None:
    tab = table([3.0, 3.5, 1.0], [3.0, 3.5, 1.0], [0.03, 0.03, 0.01])
    p = tab["robust_p"].to_numpy()
    order = np.argsort(p)
    expected = np.maximum.accumulate(np.minimum(1, p[order] * np.array([3, 2, 1])))
    assert horizon_holm_p(tab).to_numpy()[order] == pytest.approx(expected)


def test_holm_significant_but_under_the_bars_is_candidate() -> None:
    d = decide(table([4.0, 3.0, 1.0], [4.0, 2.5, 1.0], [0.03, 0.04, 0.05]))
    assert (d.verdict, d.rule) == (CANDIDATE, "holm")
    assert "significant after Holm" in d.reasons[0] and "21 d" in d.reasons[0]
    assert "clears both multiple-testing bars" in d.reasons[1]


def test_sign_rule_counts_only_significant_horizons() -> None:
    # 126 d has the other sign but is not significant: it does not stop an ALPHA
    tab = table([7.0, 6.5, -0.5], [6.5, 6.2, -0.4], [0.05, 0.04, -0.003])
    assert decide(tab, rule="seed").verdict == CANDIDATE  # the seed rule counts every horizon
    d = decide(tab)
    assert d.verdict == ALPHA and "same sign (+) at every significant horizon" in d.reasons[-1]
    flip = decide(table([7.0, 1.0, -6.8], [6.5, 0.8, -6.5], [0.05, 0.01, -0.03], dof=[28, 28, 28]))
    assert flip.verdict == CANDIDATE and "changes sign across the significant horizons" in flip.reasons[-1]


def test_alpha_needs_the_plain_t_over_the_hlz_bar_too() -> None:
    # robust t over its bar but plain t (4.0) under the HLZ bar (4.13): the two disagree -> CANDIDATE
    assert decide(table([4.0, 1.0, 1.0], [6.5, 1.0, 1.0], [0.05, 0.01, 0.01])).verdict == CANDIDATE
    assert decide(table([4.2, 1.0, 1.0], [6.5, 1.0, 1.0], [0.05, 0.01, 0.01])).verdict == ALPHA
    # and the robust bar still binds: a huge plain t with a robust t under it is not alpha
    assert decide(table([9.0, 9.0, 9.0], [5.9, 5.0, 4.0], [0.05, 0.05, 0.05], dof=[28, 28, 28])).verdict == CANDIDATE


def test_missing_horizons_are_not_tested() -> None:
    for rule in ("holm", "seed"):
        assert decide(table([np.nan, 1.0, np.nan], [np.nan, 0.5, np.nan], [np.nan, 0.01, np.nan]), rule).verdict == NULL
        assert decide(table([], [], []), rule).verdict == NULL
    one = table([np.nan, 2.5, np.nan], [np.nan, 2.4, np.nan], [np.nan, 0.01, np.nan], dof=[28, 40, 28])
    assert "Holm over the 1 horizon(s) tested" in decide(one).reasons[0]


def test_null_simulation_candidate_rate_is_near_five_percent(monkeypatch: pytest.MonkeyPatch) -> None:
    # statsmodels' Holm runs gc.collect() on every call (tens of ms in a big process): not needed here
    monkeypatch.setattr(gc, "collect", lambda *args: 0)
    # ICs of a pure-noise persistent factor: MA(k-1) from overlapping windows, N = 57 / 55 / 52
    rng = np.random.default_rng(3)
    runs, horizons = 800, ((21, 57), (63, 55), (126, 52))
    figures = {}
    for h, n in horizons:
        k = stats.overlap_periods(h)
        shocks = rng.normal(0, 0.1, (runs, n + k - 1))
        ic = np.stack([np.convolve(row, np.ones(k), "valid") / k for row in shocks])
        t, _ = stats.t_statistic(ic)
        rt, rp = stats.ewc_t(ic, stats.ewc_dof(n, k))
        figures[h] = (t, rt, rp, ic.mean(-1))
    verdicts = {"holm": 0, "seed": 0}
    for i in range(runs):
        tab = pd.DataFrame({"n": [n for _, n in horizons], "mean_ic": [figures[h][3][i] for h, _ in horizons],
                            "t": [figures[h][0][i] for h, _ in horizons],
                            "robust_t": [figures[h][1][i] for h, _ in horizons],
                            "robust_p": [figures[h][2][i] for h, _ in horizons],
                            "robust_bar": 6.0, "hlz_bar": 4.13, "m": 400},
                           index=pd.Index([h for h, _ in horizons], name="horizon"))
        for rule in verdicts:
            verdicts[rule] += decide(tab, rule).verdict != NULL
    assert verdicts["holm"] / runs <= 0.07  # nominal 5 %, Monte Carlo s.e. 0.008
    assert verdicts["seed"] / runs >= 0.10  # the seed rule's 16-20 %
