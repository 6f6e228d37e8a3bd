"""The decision matrix: NULL, CANDIDATE, ALPHA, with reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nexus_graph.evaluation.decision import ALPHA, CANDIDATE, NULL, decide


def table(t: list[float], robust_t: list[float], mean_ic: list[float], bar: float = 6.0) -> pd.DataFrame:
    horizons = [21, 63, 126][: len(t)]
    return pd.DataFrame({"n": 55, "mean_ic": mean_ic, "t": t, "robust_t": robust_t, "robust_bar": bar,
                         "robust_p": 0.5, "m": 400}, index=pd.Index(horizons, name="horizon"))


def test_below_two_everywhere_is_null_and_rejected() -> None:
    d = decide(table([1.9, -1.5, 0.3], [1.0, -1.2, 0.2], [0.01, -0.01, 0.0]))
    assert (d.verdict, d.status, d.tier) == (NULL, "rejected", 0)
    assert "robust |t| < 2 at every horizon" in d.reasons[0] and "-1.20 at 63 d" in d.reasons[0]


def test_plain_t_over_two_from_overlap_alone_is_still_null() -> None:
    # the demo's --signal none case: plain t -2.06 at 126 d, robust t -1.90 (overlapping returns)
    d = decide(table([-0.13, -1.15, -2.06], [-0.14, -0.98, -1.90], [-0.002, -0.017, -0.028]))
    assert d.verdict == NULL
    assert "plain t there -2.06" in d.reasons[0]


def test_missing_horizons_count_as_zero() -> None:
    assert decide(table([np.nan, 1.0, np.nan], [np.nan, 0.5, np.nan], [np.nan, 0.01, np.nan])).verdict == NULL
    assert decide(table([], [], [])).verdict == NULL


def test_nominal_t_without_robust_bar_is_candidate() -> None:
    d = decide(table([2.5, 3.1, 4.5], [2.0, 2.2, 3.0], [0.03, 0.04, 0.05]))
    assert (d.verdict, d.status, d.tier) == (CANDIDATE, "candidate", 1)
    assert "below the multiple-testing bar" in d.reasons[1]


def test_robust_t_over_the_bar_with_one_sign_is_alpha() -> None:
    d = decide(table([7.0, 5.0, 3.0], [6.5, 4.0, 2.0], [0.05, 0.04, 0.02]))
    assert (d.verdict, d.status, d.tier) == (ALPHA, "alpha", 2)
    assert "clears the bar at 21 d" in d.reasons[1]
    assert "same sign (+)" in d.reasons[2]


def test_sign_flip_across_horizons_keeps_it_a_candidate() -> None:
    d = decide(table([7.0, 1.0, -2.5], [6.5, 0.8, -2.0], [0.05, 0.01, -0.03]))
    assert d.verdict == CANDIDATE
    assert "changes sign" in d.reasons[-1]


def test_the_bar_is_the_robust_one_not_the_plain_t() -> None:
    # a huge plain t with a robust t under the bar (overlap) is not alpha
    assert decide(table([9.0, 9.0, 9.0], [5.9, 5.0, 4.0], [0.05, 0.05, 0.05], bar=6.0)).verdict == CANDIDATE
    assert decide(table([9.0, 9.0, 9.0], [6.0, 5.0, 4.0], [0.05, 0.05, 0.05], bar=6.0)).verdict == ALPHA
