"""Spearman IC per date: equal to alphalens-reloaded, and hand-checkable on aligned / reversed factors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_graph.evaluation.ic import cross_section_sizes, information_coefficient
from nexus_graph.evaluation.returns import forward_returns

HORIZONS = (21, 63, 126)
SNAPSHOTS = pd.date_range("2021-06-30", "2026-03-31", freq="ME")


def make_prices(names: int = 40, seed: int = 3) -> pd.DataFrame:
    days = pd.bdate_range("2021-06-01", "2026-04-24")
    rng = np.random.default_rng(seed)
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, (len(days), names)), axis=0))
    ids = [f"C{i:02d}" for i in range(names)]
    return pd.DataFrame({"date": np.repeat(days.to_numpy(), names), "company_id": np.tile(ids, len(days)),
                         "adj_close": closes.reshape(-1)})


def make_factor(returns: pd.DataFrame, seed: int = 4) -> pd.Series:
    """Partly predictive, rounded (ties) and with holes, on the returns' index."""
    rng = np.random.default_rng(seed)
    signal = returns[21].fillna(0).to_numpy()
    values = np.round(signal * 10 + rng.normal(0, 1, len(returns)), 1)
    values[rng.random(len(values)) < 0.05] = np.nan
    return pd.Series(values, index=returns.index, name="toy")


def test_per_date_ic_equals_alphalens_factor_information_coefficient() -> None:
    from alphalens import performance as alphalens_perf  # a declared test dependency: never skipped
    from alphalens import utils as alphalens_utils
    prices = make_prices()
    ours_returns = forward_returns(prices, SNAPSHOTS, HORIZONS)
    factor = make_factor(ours_returns)
    ours = information_coefficient(factor, ours_returns)

    # alphalens works on trading days: re-date each snapshot to the trading day whose close it uses
    wide = prices.pivot(index="date", columns="company_id", values="adj_close")
    trading_day = dict(zip(SNAPSHOTS, wide.index[wide.index.searchsorted(SNAPSHOTS, side="right") - 1], strict=True))
    al_factor = factor.dropna().copy()
    al_factor.index = pd.MultiIndex.from_arrays(
        [al_factor.index.get_level_values("date").map(trading_day), al_factor.index.get_level_values("company_id")],
        names=["date", "asset"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        al_returns = alphalens_utils.compute_forward_returns(al_factor, wide, periods=HORIZONS)
    back = {v: k for k, v in trading_day.items()}
    for h in HORIZONS:
        column = f"{h}D"
        # the same forward returns, number for number
        theirs_r = al_returns[column].dropna()
        mine_r = ours_returns[h].dropna()
        mine_r = mine_r[mine_r.index.isin(factor.dropna().index)]
        assert len(theirs_r) == len(mine_r)
        keyed = {(back[d], a): v for (d, a), v in theirs_r.items()}
        assert max(abs(keyed[key] - v) for key, v in mine_r.items()) < 1e-12
        # the same IC per date
        factor_data = al_returns[[column]].join(al_factor.rename("factor")).dropna()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = alphalens_perf.factor_information_coefficient(factor_data)[column].dropna()
        theirs.index = theirs.index.map(back)
        mine = ours[h].dropna()
        assert len(mine) == len(theirs) == {21: 57, 63: 55, 126: 52}[h]
        np.testing.assert_allclose(mine.sort_index().to_numpy(), theirs.sort_index().to_numpy(), rtol=0, atol=1e-9)
        assert mine.abs().max() > 0.1  # the comparison is not between two vectors of zeros


def test_aligned_factor_has_ic_one_and_reversed_minus_one() -> None:
    returns = forward_returns(make_prices(), SNAPSHOTS, HORIZONS)
    aligned = returns[63].dropna().rename("aligned")
    ic = information_coefficient(aligned, returns)
    np.testing.assert_allclose(ic[63].dropna(), 1.0, atol=1e-12)
    reversed_ic = information_coefficient(-aligned, returns)
    np.testing.assert_allclose(reversed_ic[63].dropna(), -1.0, atol=1e-12)
    assert ic[63].notna().sum() == 55


def test_universe_and_cross_section_sizes() -> None:
    returns = forward_returns(make_prices(), SNAPSHOTS, HORIZONS)
    factor = make_factor(returns)
    universe = [f"C{i:02d}" for i in range(0, 40, 2)]
    restricted = information_coefficient(factor, returns, universe)
    keep = factor.index.get_level_values("company_id").isin(universe)
    in_universe = returns.index.get_level_values("company_id").isin(universe)
    by_hand = information_coefficient(factor[keep], returns[in_universe])
    pd.testing.assert_frame_equal(restricted, by_hand)
    sizes = cross_section_sizes(factor, returns, universe)
    both = returns[[21]].join(factor.rename("f"))
    both = both[both.index.get_level_values("company_id").isin(universe)].dropna()
    assert sizes[21].to_dict() == both.groupby(level="date").size().to_dict()
    assert sizes[21].max() <= len(universe)


def test_constant_cross_section_gives_no_ic() -> None:
    returns = forward_returns(make_prices(names=5), SNAPSHOTS[:3], (21,))
    flat = pd.Series(1.0, index=returns.index, name="flat")
    assert information_coefficient(flat, returns)[21].isna().all()


MONOTONE = {
    "exp": np.exp,
    "cubic": lambda x: x**3 + 2 * x,
    "affine": lambda x: 3 * x - 7,
}


@settings(max_examples=40, deadline=None)
@given(
    # a grid of 0.1 keeps the transforms strictly monotone in floating point, and allows ties
    values=st.lists(st.integers(-50, 50).map(lambda i: i / 10), min_size=12, max_size=12),
    returns=st.lists(st.floats(-0.5, 0.5, allow_nan=False), min_size=12, max_size=12),
    transform=st.sampled_from(sorted(MONOTONE)),
)
def test_monotone_transform_leaves_ic_unchanged(values: list[float], returns: list[float], transform: str) -> None:
    index = pd.MultiIndex.from_product([pd.to_datetime(["2024-01-31", "2024-02-29"]), [f"C{i}" for i in range(6)]],
                                       names=["date", "company_id"])
    factor = pd.Series(values, index=index, name="f")
    forward = pd.DataFrame({21: returns}, index=index)
    before = information_coefficient(factor, forward)
    after = information_coefficient(pd.Series(MONOTONE[transform](factor.to_numpy()), index=index, name="f"), forward)
    pd.testing.assert_frame_equal(before, after, atol=1e-12, rtol=0)
