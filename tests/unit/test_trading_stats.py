"""Portfolio statistics: empyrical against an independent numpy implementation, drawdown dates, DSR."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nexus_graph.trading.portfolio import PortfolioConfig, paper_trade
from nexus_graph.trading.stats import (
    deflated_sharpe,
    deflated_sharpe_ratio,
    drawdown_dates,
    expected_max_sharpe,
    performance_stats,
    probabilistic_sharpe_ratio,
)


def independent(r: np.ndarray, ann: int = 252) -> dict[str, float]:
    """The four headline figures written from their definitions, in log space where it helps."""
    n = len(r)
    growth = np.exp(np.log1p(r).sum())
    mean = math.fsum(r) / n
    var = math.fsum((x - mean) ** 2 for x in r) / (n - 1)
    w = np.concatenate([[1.0], np.exp(np.cumsum(np.log1p(r)))])
    peaks = np.maximum.accumulate(w)
    return {
        "cagr": growth ** (ann / n) - 1,
        "annual_volatility": math.sqrt(var) * math.sqrt(ann),
        "sharpe": mean / math.sqrt(var) * math.sqrt(ann),
        "max_drawdown": float((w / peaks - 1).min()),
    }


def sample_returns(seed: int, n: int = 1260) -> pd.Series:
    rng = np.random.default_rng(seed)
    r = 0.0004 + 0.012 * rng.standard_t(4, n) / math.sqrt(2)
    return pd.Series(r, index=pd.bdate_range("2021-07-01", periods=n))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_library_figures_match_an_independent_numpy_implementation(seed: int) -> None:
    r = sample_returns(seed)
    ours = performance_stats(r)
    theirs = independent(r.to_numpy())
    gaps = {key: abs(ours[key] - theirs[key]) for key in theirs}
    print(f"seed {seed}: max |ours - independent| = {max(gaps.values()):.2e} {gaps}")
    assert all(gap < 1e-9 for gap in gaps.values()), gaps


def test_portfolio_statistics_match_the_independent_implementation() -> None:
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2021-06-01", "2023-12-29")
    ids = [f"C{i:02d}" for i in range(30)]
    closes = 30 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, (len(days), len(ids))), axis=0))
    prices = pd.DataFrame(closes, index=days, columns=ids).stack().rename("adj_close").reset_index()
    prices.columns = ["date", "company_id", "adj_close"]
    month_ends = pd.date_range("2021-06-30", "2023-11-30", freq="ME")
    factor = pd.DataFrame(rng.normal(size=(len(month_ends), len(ids))), index=month_ends, columns=ids).stack()
    result = paper_trade({"f": factor}, prices, PortfolioConfig(cost_bps=10))
    gaps = []
    for name, stats in result.statistics().items():
        theirs = independent(result.returns[name].to_numpy())
        gaps += [abs(stats[key] - theirs[key]) for key in theirs]
    print(f"portfolio: max |ours - independent| = {max(gaps):.2e}")
    assert max(gaps) < 1e-9


def test_drawdown_dates_by_hand() -> None:
    days = pd.bdate_range("2024-01-01", periods=5)
    # wealth 1.1, 0.55, 0.66, 1.32, 1.20: peak day 1, trough day 2 (-50 %), recovered day 4
    r = pd.Series([0.1, -0.5, 0.2, 1.0, -1 / 11], index=days)
    assert drawdown_dates(r) == {"peak": "2024-01-01", "trough": "2024-01-02", "recovery": "2024-01-04"}
    assert performance_stats(r)["max_drawdown"] == pytest.approx(-0.5)
    # losing from the start: the peak is the day the capital was invested
    start = pd.Series([-0.1, 0.05, -0.2], index=days[:3])
    assert drawdown_dates(start, inception=pd.Timestamp("2023-12-29")) == {
        "peak": "2023-12-29", "trough": "2024-01-03", "recovery": None}
    assert drawdown_dates(pd.Series([0.01, 0.02], index=days[:2]))["trough"] is None


def test_deflated_sharpe_worked_example() -> None:
    """Bailey & López de Prado (2014), numerical example, derived by hand from the formula.

    Inputs: annualised SR 2.5 over T = 1250 daily returns (250 a year), skew -3, kurtosis 10, N = 100
    trials whose annualised Sharpe ratios have variance 1/2.
      per-day SR = 2.5 / sqrt(250) = 0.158114;  V = 0.5 / 250 = 0.002, sqrt(V) = 0.044721
      Phi^-1(1 - 1/100) = 2.326348;  Phi^-1(1 - 1/(100 e)) = Phi^-1(0.996321) = 2.680210  (normal tables)
      SR0 = 0.044721 * (0.422784 * 2.326348 + 0.577216 * 2.680210) = 0.044721 * 2.530603 = 0.113172
      z = (0.158114 - 0.113172) * sqrt(1249) / sqrt(1 + 3 * 0.158114 + 9/4 * 0.025) = 1.588300 / 1.237171 = 1.283816
      DSR = Phi(1.283816) = 0.9004  (the paper's figure; SR0 annualised = 0.113172 * sqrt(250) = 1.789)
    """
    sr, var = 2.5 / math.sqrt(250), 0.5 / 250
    assert expected_max_sharpe(100, var) == pytest.approx(0.113172, abs=1e-6)
    assert deflated_sharpe_ratio(sr, 1250, -3.0, 10.0, 100, var) == pytest.approx(0.9004, abs=1e-4)


def test_deflated_sharpe_with_one_trial_is_the_probabilistic_sharpe_and_falls_with_more_trials() -> None:
    r = sample_returns(5)
    one = deflated_sharpe(r, 1)
    assert one["deflated_sharpe"] == one["probabilistic_sharpe"]
    many = [deflated_sharpe(r, n)["deflated_sharpe"] for n in (2, 10, 100, 1000)]
    assert all(a > b for a, b in zip([one["deflated_sharpe"], *many], many, strict=False))
    # default V is the null sampling variance 1/(T-1)
    assert one["sharpe_variance"] == pytest.approx(1 / (len(r) - 1))
    # PSR by hand for a normal-moment case: Phi(SR sqrt(T-1) / sqrt(1 + SR^2 / 2))
    assert probabilistic_sharpe_ratio(0.05, 401, 0.0, 3.0) == pytest.approx(
        0.5 * math.erfc(-(0.05 * 20 / math.sqrt(1 + 0.05**2 / 2)) / math.sqrt(2)))


def test_turnover_averages_leave_out_the_initial_build() -> None:
    r = pd.Series(0.0, index=pd.bdate_range("2024-01-01", periods=504))
    turnover = pd.Series([1.0, 0.2, 0.4, 0.3])
    stats = performance_stats(r, turnover=turnover)
    assert stats["turnover_per_rebalance"] == pytest.approx(0.3)
    assert stats["annual_turnover"] == pytest.approx(0.9 / 2)
