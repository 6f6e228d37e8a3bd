"""The paper trader on hand-computable cases: selection, weights, timing, drift, costs, no look-ahead.

The base case: four stocks, one rebalance at Wednesday 2024-01-31, closes on four trading days::

    day         A    B    C    D
    2024-01-30  99  101   50   21     (before t: must not matter)
    2024-01-31 100  100   50   20     (t: the entry close)
    2024-02-01 110   90   50   22     (first day held)
    2024-02-02 121   99   55   11

factor at t: A=4, B=3, C=2, D=1; quantile 0.5 -> long A, B; short C, D.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.trading.portfolio import PortfolioConfig, composite_score, leg_weights, paper_trade, trade_calendar

T = pd.Timestamp("2024-01-31")
DAYS = pd.to_datetime(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"])
CLOSES = {"A": [99, 100, 110, 121], "B": [101, 100, 90, 99], "C": [50, 50, 50, 55], "D": [21, 20, 22, 11]}


def prices_frame(closes: dict[str, list[float]], days: pd.DatetimeIndex = DAYS) -> pd.DataFrame:
    rows = [(d, c, float(v)) for c, values in closes.items() for d, v in zip(days, values, strict=True)
            if v is not None and not np.isnan(v)]
    return pd.DataFrame(rows, columns=["date", "company_id", "adj_close"])


def panel(values: dict[str, float], date: pd.Timestamp = T) -> pd.Series:
    index = pd.MultiIndex.from_product([[date], list(values)], names=["date", "company_id"])
    return pd.Series(list(values.values()), index=index, dtype=float)


FACTOR = panel({"A": 4, "B": 3, "C": 2, "D": 1})


def trade(weighting: str = "equal", cost_bps: float = 0.0, **kwargs):
    config = PortfolioConfig(quantile=0.5, weighting=weighting, cost_bps=cost_bps)  # type: ignore[arg-type]
    return paper_trade({"f": kwargs.pop("factor", FACTOR)}, kwargs.pop("prices", prices_frame(CLOSES)), config)


def test_long_only_and_long_short_equal_weighted_by_hand() -> None:
    result = trade("equal")
    r = result.returns
    assert list(r.index) == list(pd.to_datetime(["2024-02-01", "2024-02-02"]))  # first day held: the day after t
    # long-only A,B at 1/2: NAV 0.5*1.10 + 0.5*0.90 = 1.00, then 0.5*1.21 + 0.5*0.99 = 1.10
    assert r["long_only"].tolist() == pytest.approx([0.0, 0.10], abs=1e-12)
    # long-short +1/2 A,B -1/2 C,D, cash 1: NAV 1 + 1.00 - 0.5 - 0.55 = 0.95, then 1 + 1.10 - 0.55 - 0.275 = 1.275
    assert r["long_short"].tolist() == pytest.approx([0.95 - 1, 1.275 / 0.95 - 1], abs=1e-12)
    # benchmark: all four at 1/4: 4.1/4 = 1.025, then 3.85/4 = 0.9625
    assert r["benchmark"].tolist() == pytest.approx([0.025, 0.9625 / 1.025 - 1], abs=1e-12)
    # over the period the long-short book earns mean(long cum ret) - mean(short cum ret) = 0.10 - (-0.175)
    assert (1 + r["long_short"]).prod() - 1 == pytest.approx(0.10 - (0.5 * 0.10 + 0.5 * -0.45), abs=1e-12)
    weights = result.weights.set_index(["strategy", "company_id"])["weight"]
    assert weights["long_short"].to_dict() == {"A": 0.5, "B": 0.5, "C": -0.5, "D": -0.5}
    assert result.turnover.loc[T].tolist() == [1.0, 2.0, 1.0]  # built from cash


def test_factor_weighted_by_hand() -> None:
    # median score 2.5: long A 1.5, B 0.5 -> 3/4, 1/4; short D 1.5, C 0.5 -> 3/4, 1/4
    r = trade("factor").returns
    lo = [0.75 * 1.10 + 0.25 * 0.90 - 1, (0.75 * 1.21 + 0.25 * 0.99) / (0.75 * 1.10 + 0.25 * 0.90) - 1]
    nav1 = 1 + 0.75 * 1.10 + 0.25 * 0.90 - 0.25 * 1.0 - 0.75 * 1.1
    nav2 = 1 + 0.75 * 1.21 + 0.25 * 0.99 - 0.25 * 1.1 - 0.75 * 0.55
    assert r["long_only"].tolist() == pytest.approx(lo, abs=1e-12)
    assert r["long_short"].tolist() == pytest.approx([nav1 - 1, nav2 / nav1 - 1], abs=1e-12)


def test_costs_are_paid_from_nav_at_entry_and_compound_into_the_equity_curve() -> None:
    gross, net = trade(cost_bps=0.0), trade(cost_bps=25.0)
    costs = np.array([25e-4 * 1.0, 25e-4 * 2.0, 0.0])
    # day one: (1 - c)(1 + gross) - 1, not gross - c
    first = (1 - costs) * (1 + gross.returns.iloc[0].to_numpy()) - 1
    assert net.returns.iloc[0].tolist() == pytest.approx(first.tolist(), abs=1e-15)
    assert (net.returns.iloc[1:] - gross.returns.iloc[1:]).abs().to_numpy().max() == 0.0  # later days untouched
    assert net.gross_returns.equals(gross.returns)
    assert net.costs.loc[T].tolist() == pytest.approx([25e-4, 50e-4, 0.0], abs=1e-15)
    # the net wealth is the gross wealth times (1 - cost) at each rebalance, exactly
    wealth = (1 + net.returns).prod()
    assert wealth.tolist() == pytest.approx(((1 + gross.returns).prod() * (1 - costs)).tolist(), rel=1e-14)
    stats = net.statistics()
    assert stats["long_short"]["total_return"] == pytest.approx(wealth["long_short"] - 1, rel=1e-14)


def test_compounded_costs_over_several_rebalances() -> None:
    factor, prices = random_case(4)
    config = PortfolioConfig(quantile=0.25, cost_bps=50)
    net = paper_trade({"f": factor}, prices, config)
    expected = (1 + net.gross_returns).prod() * (1 - net.costs).prod()
    assert (1 + net.returns).prod().to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-12)


LONG_DAYS = pd.bdate_range("2024-01-30", periods=8)  # Jan 30, 31, Feb 1, 2, 5, 6, 7, 8


def flat_after(values: list[float | None], days: int = 8) -> list[float | None]:
    """``values`` then the last one repeated up to ``days`` closes (None stays None: no close)."""
    return [*values, *[values[-1]] * (days - len(values))]


def test_a_delisted_name_earns_the_default_delisting_return_and_is_exited() -> None:
    # D's prices stop after 2024-02-01; the frame goes on without it for five trading days
    closes = {k: flat_after(v) for k, v in {**CLOSES, "D": [21, 20, 22, None]}.items()}
    result = trade(prices=prices_frame(closes, LONG_DAYS))
    events = result.delistings
    assert events[["company_id", "delisting_return", "source"]].values.tolist() == [["D", -0.30, "default"]]
    assert events["delisting_day"].iloc[0] == pd.Timestamp("2024-02-02")
    # long-short: short C, D at -1/2; D from 22 to 22 * 0.7 = 15.4 on day two (not held flat at 22)
    nav1 = 1 + 0.5 * 1.10 + 0.5 * 0.90 - 0.5 * 1.0 - 0.5 * 1.1
    nav2 = 1 + 0.5 * 1.21 + 0.5 * 0.99 - 0.5 * 1.1 - 0.5 * 0.77
    r = result.returns
    assert r["long_short"].iloc[:2].tolist() == pytest.approx([nav1 - 1, nav2 / nav1 - 1], abs=1e-12)
    bench = (0.25 * (1.21 + 0.99 + 1.1 + 0.77)) / (0.25 * (1.1 + 0.9 + 1.0 + 1.1)) - 1
    assert r["benchmark"].iloc[1] == pytest.approx(bench, abs=1e-12)
    assert (r.iloc[2:] == 0).all().all()  # afterwards D is cash: nothing moves


def test_missing_only_the_last_days_is_not_a_delisting() -> None:
    # four trading days without a close at the end of the frame: a holiday or a late feed, not a delisting
    closes = {k: flat_after(v) for k, v in CLOSES.items()}
    closes["D"] = [21, 20, 22, 11, None, None, None, None]
    result = trade(prices=prices_frame(closes, LONG_DAYS))
    assert result.delistings.empty
    assert (result.returns.iloc[2:] == 0).all().all()  # held flat at its last close


def test_a_known_delisting_value_is_used_and_the_name_leaves_the_book() -> None:
    factor = pd.concat([FACTOR, panel({"A": 4, "B": 3, "C": 2, "D": 1}, pd.Timestamp("2024-02-05"))])
    closes = {"A": flat_after([99, 100, 110, 121]), "B": flat_after([101, 100, 90, 99]),
              "C": flat_after([50, 50, 50, 55]), "D": flat_after([21, 20, 22, None])}
    config = PortfolioConfig(quantile=0.5, cost_bps=0)
    result = paper_trade({"f": factor}, prices_frame(closes, LONG_DAYS), config, delisting_values={"D": 33.0})
    assert result.delistings[["company_id", "source"]].values.tolist() == [["D", "value"]]
    assert result.delistings["delisting_return"].iloc[0] == pytest.approx(0.5)  # 22 -> 33, e.g. a cash merger
    # D is cash after delisting: the second rebalance sells nothing of it and cannot hold it
    second = result.weights.query("date == '2024-02-05'")
    assert "D" not in set(second["company_id"])
    # short D: entered at 20, delisted at 33 (growth 1.65); its loss is booked, then it is cash
    nav = 1 + 0.5 * 1.21 + 0.5 * 0.99 - 0.5 * 1.1 - 0.5 * 1.65
    assert result.returns["long_short"].iloc[1] == pytest.approx(nav / 0.95 - 1, abs=1e-12)
    # second rebalance (3 names, k = 1): long A +1, short C -1, from drifted A, B, C only
    drifted = np.array([0.5 * 1.21, 0.5 * 0.99, -0.5 * 1.1]) / nav
    expected = np.abs(np.array([1.0, 0.0, -1.0]) - drifted).sum()
    assert result.turnover["long_short"].iloc[1] == pytest.approx(expected, abs=1e-12)


def test_deflated_sharpe_defaults_to_the_family_size_and_reports_n() -> None:
    result = trade(cost_bps=10.0)
    assert PortfolioConfig().n_trials == 400
    stats = result.statistics()
    assert stats["long_only"]["n_trials"] == 400
    assert result.statistics(n_trials=1)["long_only"]["n_trials"] == 1


def test_entry_price_is_the_close_at_t_and_earlier_closes_do_not_matter() -> None:
    moved = {k: [v[0] * 3, *v[1:]] for k, v in CLOSES.items()}
    assert trade(prices=prices_frame(moved)).returns.equals(trade().returns)
    higher_entry = {**CLOSES, "A": [99, 200, 110, 121]}  # A bought at 200: day one -45 %
    r = trade(prices=prices_frame(higher_entry)).returns["long_only"]
    assert r.iloc[0] == pytest.approx(0.5 * 110 / 200 + 0.5 * 0.9 - 1, abs=1e-12)


def test_weekend_month_end_enters_at_the_last_close_before_it() -> None:
    days = pd.to_datetime(["2024-03-28", "2024-03-29", "2024-04-01", "2024-04-02"])  # 2024-03-31 is a Sunday
    prices = prices_frame(CLOSES, days)
    result = trade(factor=panel({"A": 4, "B": 3, "C": 2, "D": 1}, pd.Timestamp("2024-03-31")), prices=prices)
    assert result.trade_dates.iloc[0] == pd.Timestamp("2024-03-29")
    assert list(result.returns.index) == list(days[2:])
    assert result.returns["long_only"].tolist() == pytest.approx([0.0, 0.10], abs=1e-12)


def test_drift_between_rebalances_counts_in_turnover() -> None:
    # t1 = 2024-01-31 and t2 = 2024-02-02 (two "month-ends" for the test), same top names both times
    factor = pd.concat([FACTOR, panel({"A": 4, "B": 3, "C": 2, "D": 1}, pd.Timestamp("2024-02-02"))])
    days = pd.to_datetime(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02", "2024-02-05"])
    closes = {k: [*v, v[-1]] for k, v in CLOSES.items()}
    result = trade(factor=factor, prices=prices_frame(closes, days), cost_bps=10.0)
    # long-only A,B drifted to 0.605/1.10 = 0.55 and 0.495/1.10 = 0.45; back to 0.5/0.5 trades 0.10
    assert result.turnover["long_only"].tolist() == pytest.approx([1.0, 0.10], abs=1e-12)
    assert result.returns["long_only"].iloc[-1] == pytest.approx(0.0 - 10e-4 * 0.10, abs=1e-15)
    # long-short weights at t2: +0.605/1.275, +0.495/1.275, -0.55/1.275, -0.275/1.275 -> targets +-0.5
    drifted = np.array([0.605, 0.495, -0.55, -0.275]) / 1.275
    assert result.turnover["long_short"].iloc[1] == pytest.approx(np.abs(np.array([.5, .5, -.5, -.5]) - drifted).sum())


def test_last_period_ends_at_the_next_month_end() -> None:
    days = pd.bdate_range("2024-01-30", "2024-03-05")
    closes = {k: list(np.linspace(10, 20, len(days))) for k in "ABCD"}
    result = trade(prices=prices_frame(closes, days))
    assert result.returns.index.min() == pd.Timestamp("2024-02-01")
    assert result.returns.index.max() == pd.Timestamp("2024-02-29")


def test_unpriced_and_out_of_universe_names_are_never_held() -> None:
    closes = {**CLOSES, "E": [10, None, 10, 10], "F": [10, 10, 10, 10]}  # E has no close at t
    factor = panel({"A": 4, "B": 3, "C": 2, "D": 1, "E": 99, "F": 98})
    config = PortfolioConfig(quantile=0.5, cost_bps=0, universe=frozenset("ABCDE"))
    result = paper_trade({"f": factor}, prices_frame(closes), config)
    held = set(result.weights["company_id"])
    assert "E" not in held and "F" not in held
    assert set(result.weights.query("strategy == 'long_only'")["company_id"]) == {"A", "B"}


def test_missing_close_while_held_is_carried_forward() -> None:
    closes = {**CLOSES, "A": [99, 100, None, 121]}
    r = trade(prices=prices_frame(closes)).returns["long_only"]
    assert r.iloc[0] == pytest.approx(0.5 * 1.0 + 0.5 * 0.9 - 1, abs=1e-12)  # A flat on the gap day
    assert (1 + r).prod() == pytest.approx(0.5 * 1.21 + 0.5 * 0.99, abs=1e-12)  # buy-and-hold over the period


def test_selection_size_and_ties() -> None:
    scores = pd.Series([1.0, 1.0, 1.0, 0.0, 0.0, -1, -1, -1, -2, -3], index=list("JIHGFEDCBA"))
    long_only, long_short = leg_weights(scores, 0.2, "equal")
    assert sorted(long_only.index) == ["H", "I"]  # floor(0.2 * 10) = 2; ties broken by company_id
    assert sorted(long_short[long_short < 0].index) == ["A", "B"]
    flat_lo, flat_ls = leg_weights(pd.Series([0.5, 0.5, 0.5], index=list("abc")), 0.2, "equal")
    assert flat_lo.empty and flat_ls.empty  # no information -> cash


def test_combining_factors_averages_z_scores() -> None:
    x = panel({"A": 4, "B": 3, "C": 2, "D": 1})
    z = (x - x.mean()) / x.std(ddof=0)
    assert composite_score({"a": x}).to_numpy() == pytest.approx(z.to_numpy())
    same = composite_score({"a": x, "b": 10 * x + 3})
    assert same.to_numpy() == pytest.approx(z.to_numpy())
    other = panel({"A": 1, "B": 2, "C": 4, "D": 3})
    mixed = composite_score({"a": x, "b": other})
    expected = (z + (other - other.mean()) / other.std(ddof=0)) / 2
    assert mixed.to_numpy() == pytest.approx(expected.to_numpy())
    cancelled = paper_trade({"a": x, "b": -x}, prices_frame(CLOSES), PortfolioConfig(quantile=0.5, cost_bps=0))
    assert (cancelled.returns[["long_only", "long_short"]] == 0).all().all()


def random_case(seed: int, n_names: int = 12, n_months: int = 8) -> tuple[pd.Series, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2022-01-03", periods=22 * n_months + 30)
    month_ends = pd.date_range("2022-01-31", periods=n_months, freq="ME")
    ids = [f"S{i:02d}" for i in range(n_names)]
    closes = 20 * np.exp(np.cumsum(rng.normal(0, 0.02, (len(days), n_names)), axis=0))
    prices = pd.DataFrame(closes, index=days, columns=ids).stack().rename("adj_close").reset_index()
    prices.columns = ["date", "company_id", "adj_close"]
    factor = pd.DataFrame(rng.normal(size=(n_months, n_names)), index=month_ends, columns=ids).stack()
    factor.index.names = ["date", "company_id"]
    return factor, prices


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("weighting", ["equal", "factor"])
def test_no_look_ahead_future_prices_and_factors_change_nothing_decided_at_t(seed: int, weighting: str) -> None:
    factor, prices = random_case(seed)
    config = PortfolioConfig(quantile=0.25, weighting=weighting, cost_bps=15)  # type: ignore[arg-type]
    base = paper_trade({"f": factor}, prices, config)
    dates = factor.index.get_level_values("date").unique()
    t = dates[3]
    t_star = base.trade_dates[t]
    rng = np.random.default_rng(seed + 100)
    future_prices = prices.copy()
    later = future_prices["date"] > t_star
    future_prices.loc[later, "adj_close"] *= np.exp(rng.normal(0, 0.3, later.sum()))
    future_factor = factor.copy()
    after = future_factor.index.get_level_values("date") > t
    future_factor[after] = rng.normal(size=after.sum())
    changed = paper_trade({"f": future_factor}, future_prices, config)
    upto = base.weights["date"] <= t
    pd.testing.assert_frame_equal(base.weights[upto].reset_index(drop=True),
                                  changed.weights[changed.weights["date"] <= t].reset_index(drop=True))
    pd.testing.assert_frame_equal(base.turnover.loc[:t], changed.turnover.loc[:t])
    pd.testing.assert_frame_equal(base.returns.loc[:t_star], changed.returns.loc[:t_star])
    assert not base.returns.loc[t_star:].iloc[1:].equals(changed.returns.loc[t_star:].iloc[1:])  # the change bites


def test_trade_calendar_skips_dates_before_prices_and_keeps_the_latest_per_entry() -> None:
    days = pd.bdate_range("2024-02-01", "2024-04-30")
    dates = pd.to_datetime(["2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31"])
    schedule = trade_calendar(pd.DatetimeIndex(dates), days)
    assert list(schedule["date"]) == list(pd.to_datetime(["2024-02-29", "2024-03-31"]))
    assert days[schedule["entry"][0]] == pd.Timestamp("2024-02-29")
    assert days[schedule["exit"].iloc[-1]] == pd.Timestamp("2024-04-30")


@pytest.mark.parametrize(("config", "message"), [
    (PortfolioConfig(quantile=0.6), "quantile must be in (0, 0.5] so the long and short legs cannot overlap (got 0.6)"),
    (PortfolioConfig(weighting="value"), "weighting must be 'equal' or 'factor' (got 'value')"),  # type: ignore[arg-type]
    (PortfolioConfig(cost_bps=-1), "cost_bps must be a finite number >= 0 (got -1)"),
])
def test_bad_config_is_refused_with_the_value(config: PortfolioConfig, message: str) -> None:
    with pytest.raises(NexusError) as info:
        paper_trade({"f": FACTOR}, prices_frame(CLOSES), config)
    assert message in str(info.value)


def test_factor_without_trading_days_after_it_is_a_clear_error() -> None:
    late = panel({"A": 1, "B": 2}, pd.Timestamp("2030-01-31"))
    with pytest.raises(NexusError, match="has trading days after it"):
        paper_trade({"f": late}, prices_frame(CLOSES), PortfolioConfig())


def test_out_of_universe_names_do_not_move_the_combined_score() -> None:
    a = panel({"A": 4, "B": 3, "C": 2, "D": 1, "X": 0})
    b = panel({"A": 1, "B": 3, "C": 2, "D": 4, "X": 1000})  # X's outlier would flatten b's z-scores
    closes = {**CLOSES, "X": [5, 5, 5, 5]}
    config = PortfolioConfig(quantile=0.5, weighting="factor", cost_bps=0, universe=frozenset("ABCD"))
    with_x = paper_trade({"a": a, "b": b}, prices_frame(closes), config)
    inside = {name: p.drop("X", level="company_id") for name, p in {"a": a, "b": b}.items()}
    without_x = paper_trade(inside, prices_frame(CLOSES), config)
    pd.testing.assert_frame_equal(with_x.weights, without_x.weights)
    pd.testing.assert_frame_equal(with_x.returns, without_x.returns)
