"""Forward returns per DESIGN §4: close on or before the snapshot, h trading days later, none past the end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.evaluation.returns import dates_with_return, entry_days, forward_returns, trailing_returns

DEMO_SNAPSHOTS = pd.date_range("2021-06-30", "2026-03-31", freq="ME")


def business_day_prices(end: str = "2026-04-24", names: int = 3, seed: int = 0) -> pd.DataFrame:
    """Random-walk closes on a business-day calendar, canonical prices frame."""
    days = pd.bdate_range("2021-06-01", end)
    rng = np.random.default_rng(seed)
    closes = np.exp(np.cumsum(rng.normal(0, 0.02, (len(days), names)), axis=0)) * 100
    ids = [f"C{i}" for i in range(names)]
    return pd.DataFrame({"date": np.repeat(days.to_numpy(), names), "company_id": np.tile(ids, len(days)),
                         "adj_close": closes.reshape(-1)})


def test_demo_calendar_gives_57_55_52_dates() -> None:
    returns = forward_returns(business_day_prices(), DEMO_SNAPSHOTS)
    assert len(DEMO_SNAPSHOTS) == 58
    assert dates_with_return(returns).to_dict() == {21: 57, 63: 55, 126: 52}


def test_return_is_close_h_trading_days_after_the_last_close_on_or_before_the_date() -> None:
    prices = business_day_prices()
    wide = prices.pivot(index="date", columns="company_id", values="adj_close")
    snapshot = pd.Timestamp("2022-07-31")  # a Sunday: the close is Friday 2022-07-29
    start_row = wide.index.get_loc(pd.Timestamp("2022-07-29"))
    returns = forward_returns(prices, [snapshot], horizons=(1, 21))
    for company in wide.columns:
        start = wide.iloc[start_row][company]
        for h in (1, 21):
            expected = wide.iloc[start_row + h][company] / start - 1
            assert returns.loc[(snapshot, company), h] == pytest.approx(expected, rel=1e-15)


def test_a_return_needs_exactly_h_later_prices() -> None:
    prices = business_day_prices(end="2026-04-24")
    days = pd.DatetimeIndex(sorted(prices["date"].unique()))
    last_ok, first_missing = days[-22], days[-21]  # 21 later prices exist for the first, 20 for the second
    returns = forward_returns(prices, [last_ok, first_missing], horizons=(21,))
    assert returns.xs(last_ok, level="date")[21].notna().all()
    assert returns.xs(first_missing, level="date")[21].isna().all()


def test_index_contract_and_missing_start_close() -> None:
    prices = business_day_prices()
    late = prices[~((prices["company_id"] == "C2") & (prices["date"] < "2023-01-01"))]  # C2 lists in 2023
    returns = forward_returns(late, ["2021-01-31", "2022-06-30", "2023-06-30"])
    assert list(returns.index.names) == ["date", "company_id"]
    assert list(returns.columns) == [21, 63, 126]
    assert returns.index.get_level_values("date").dtype == "datetime64[ns]"
    # before the first price: no row at all; C2 before its listing: no row
    assert pd.Timestamp("2021-01-31") not in returns.index.get_level_values("date")
    assert ("C2" not in returns.xs(pd.Timestamp("2022-06-30"), level="date").index)
    assert "C2" in returns.xs(pd.Timestamp("2023-06-30"), level="date").index


def test_bad_horizons_and_duplicate_prices_are_refused() -> None:
    prices = business_day_prices()
    with pytest.raises(NexusError, match="positive numbers of trading days"):
        forward_returns(prices, DEMO_SNAPSHOTS, horizons=(0, 21))
    with pytest.raises(NexusError, match="Duplicate price for company 'C0'"):
        forward_returns(pd.concat([prices, prices.iloc[[0]]]), DEMO_SNAPSHOTS)


def test_entry_day_is_the_last_close_on_or_before_each_month_end() -> None:
    days = pd.bdate_range("2021-06-01", "2026-04-24")
    entry = entry_days(DEMO_SNAPSHOTS, days)
    assert entry.name == "entry_day" and entry.index.name == "date" and list(entry.index) == list(DEMO_SNAPSHOTS)
    assert entry[pd.Timestamp("2021-07-31")] == pd.Timestamp("2021-07-30")  # Saturday -> Friday's close
    assert entry[pd.Timestamp("2021-06-30")] == pd.Timestamp("2021-06-30")  # a trading day maps to itself
    assert (entry <= entry.index).all() and entry.isin(days).all()
    assert int((entry != entry.index).sum()) == 17  # the demo's 17 month-ends that are not trading days
    early = entry_days([pd.Timestamp("2021-05-31")], days)
    assert pd.isna(early.iloc[0])
    # forward returns from the month-end and from its entry day are the same numbers
    prices = business_day_prices()
    by_month_end = forward_returns(prices, DEMO_SNAPSHOTS).to_numpy()
    by_entry_day = forward_returns(prices, entry.to_numpy()).to_numpy()
    np.testing.assert_array_equal(by_month_end, by_entry_day)


def test_trailing_return_ends_at_the_entry_close() -> None:
    prices = business_day_prices(names=2)
    wide = prices.pivot(index="date", columns="company_id", values="adj_close")
    trailing = trailing_returns(prices, [pd.Timestamp("2021-07-31")], 21)
    row = wide.index.get_loc(pd.Timestamp("2021-07-30"))
    expected = wide["C1"].iloc[row] / wide["C1"].iloc[row - 21] - 1
    assert trailing.loc[(pd.Timestamp("2021-07-31"), "C1")] == pytest.approx(expected)
    assert trailing.name == "trailing_21"
    assert trailing_returns(prices, [pd.Timestamp("2021-06-15")], 21).isna().all()  # not 21 days of history yet


def test_a_delisted_name_ends_its_horizon_at_the_delisting_value_and_has_no_rows_after() -> None:
    from nexus_graph.evaluation.returns import close_matrix
    from nexus_graph.trading.delistings import delisting_events

    prices = business_day_prices(names=3)
    last_day = pd.Timestamp("2022-08-15")
    prices = prices.loc[~((prices["company_id"] == "C1") & (prices["date"] > last_day))]
    events = delisting_events(close_matrix(prices))
    assert events["company_id"].tolist() == ["C1"]
    snapshot = pd.Timestamp("2022-07-29")  # 11 trading days before the last close
    kept = forward_returns(prices, [snapshot, pd.Timestamp("2022-09-30")], horizons=(5, 21), delistings=events)
    dropped = forward_returns(prices, [snapshot], horizons=(5, 21))
    wide = close_matrix(prices)
    start, last = wide.loc[snapshot, "C1"], wide.loc[last_day, "C1"]
    assert kept.loc[(snapshot, "C1"), 5] == pytest.approx(wide.iloc[wide.index.get_loc(snapshot) + 5]["C1"] / start - 1)
    assert np.isnan(dropped.loc[(snapshot, "C1"), 21])  # without the events the failure drops out of the IC
    assert kept.loc[(snapshot, "C1"), 21] == pytest.approx(last * (1 - 0.30) / start - 1)
    assert (pd.Timestamp("2022-09-30"), "C1") not in kept.index  # no start after the last close
    pd.testing.assert_series_equal(kept.xs(snapshot, level="date").drop("C1")[21],
                                   dropped.xs(snapshot, level="date").drop("C1")[21])
