"""Per-horizon statistics: HLZ bar, EWC robust t, Newey-West, Holm / BHY."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from nexus_graph.evaluation import stats
from nexus_graph.evaluation.family import TestFamily


@pytest.mark.parametrize(("n", "bar"), [(57, "4.123"), (55, "4.134"), (52, "4.153")])
def test_hlz_bar_reproduces_the_reference(n: int, bar: str) -> None:
    assert f"{stats.hlz_bar(n, m=400):.3f}" == bar


def test_hlz_bar_grows_with_m_and_shrinks_with_n() -> None:
    assert stats.hlz_bar(57, m=800) > stats.hlz_bar(57, m=400) > stats.hlz_bar(57, m=100)
    assert stats.hlz_bar(30, m=400) > stats.hlz_bar(57, m=400) > float(sps.norm.isf(0.05 / 800))


def test_overlap_periods_and_ewc_dof_on_the_demo() -> None:
    assert [stats.overlap_periods(h) for h in (5, 21, 22, 63, 126)] == [1, 1, 2, 3, 6]
    assert [stats.ewc_dof(n, stats.overlap_periods(h)) for n, h in ((57, 21), (55, 63), (52, 126))] == [28, 9, 5]
    assert stats.ewc_dof(4, 6) == 1  # never below one cosine, never above N - 1


def test_ewc_with_all_cosines_is_the_plain_t() -> None:
    x = np.random.default_rng(0).normal(0.1, 1, 40)
    t, p = stats.t_statistic(x)
    rt, rp = stats.ewc_t(x, len(x) - 1)  # Parseval: the cosines span every demeaned series
    assert rt == pytest.approx(t, rel=1e-12)
    assert rp == pytest.approx(p, rel=1e-10)
    assert t == pytest.approx(sps.ttest_1samp(x, 0).statistic, rel=1e-12)


def test_ewc_matches_the_cosine_formula_and_vectorises() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(0.05, 0.1, (3, 30))
    nu = 6
    t, _ = stats.ewc_t(x, nu)
    for row, t_row in zip(x, t, strict=True):
        n = len(row)
        u = row - row.mean()
        j = np.arange(1, nu + 1)[:, None]
        lam = np.sqrt(2 / n) * np.cos(np.pi * j * (np.arange(n)[None, :] + 0.5) / n) @ u
        assert t_row == pytest.approx(np.sqrt(n) * row.mean() / np.sqrt((lam**2).mean()), rel=1e-12)


def test_newey_west_without_lags_is_the_plain_t_with_n_in_the_variance() -> None:
    x = np.random.default_rng(2).normal(0.2, 1, 50)
    t, _ = stats.t_statistic(x)
    assert stats.newey_west_t(x, 0) == pytest.approx(t * np.sqrt(len(x) / (len(x) - 1)), rel=1e-10)


def test_persistent_overlap_shrinks_the_robust_t_below_the_plain_t() -> None:
    # an MA(5) series with a positive mean: overlapping 126-day ICs of a persistent factor
    rng = np.random.default_rng(3)
    shocks = rng.normal(0, 0.05, 60)
    ic = pd.Series(np.convolve(shocks, np.ones(6), "valid") / 6 + 0.02)
    row = stats.horizon_stats(ic, 126)
    assert abs(row.robust_t) < abs(row.t)
    assert row.robust_dof == stats.ewc_dof(len(ic), 6)
    assert row.robust_bar == pytest.approx(sps.t.isf(0.05 / 800, row.robust_dof))
    assert row.robust_bar > row.hlz_bar


def test_adjusted_pvalues_over_a_family_of_m() -> None:
    p = np.array([1e-6, 0.01, np.nan])
    adjusted = stats.adjusted_pvalues(p, TestFamily())
    assert adjusted["holm"][0] == pytest.approx(400 * 1e-6)
    assert adjusted["holm"][1] == pytest.approx(min(1.0, 399 * 0.01))
    assert np.isnan(adjusted["holm"][2]) and np.isnan(adjusted["bhy"][2])
    c_m = np.sum(1 / np.arange(1, 401))
    assert adjusted["bhy"][0] == pytest.approx(400 * c_m * 1e-6)
    # a larger family never makes a p-value smaller
    bigger = stats.adjusted_pvalues(p, TestFamily(configured=800))
    assert (bigger["holm"][:2] >= adjusted["holm"][:2]).all() and (bigger["bhy"][:2] >= adjusted["bhy"][:2]).all()


def test_summary_table_rows_and_short_series() -> None:
    rng = np.random.default_rng(4)
    dates = pd.date_range("2021-06-30", periods=10, freq="ME")
    ic = pd.DataFrame({21: rng.normal(0.05, 0.1, 10), 63: [np.nan] * 8 + [0.1, 0.2]}, index=dates)
    sizes = pd.DataFrame({21: [100] * 5 + [120] * 5, 63: [0] * 8 + [90, 90]}, index=dates)
    table = stats.summary_table(ic, sizes)
    assert list(table.index) == [21, 63]
    assert table.loc[21, "n"] == 10 and table.loc[21, "avg_names"] == 110
    assert table.loc[63, "n"] == 2 and np.isnan(table.loc[63, "t"]) and not table.loc[63, "passes"]
    assert table.loc[21, "hlz_bar"] == pytest.approx(stats.hlz_bar(10, 400))
    assert (table["m"] == 400).all()
