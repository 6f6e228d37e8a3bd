"""The rank-averaged composite of ``paper-trade --composite``: hand-computed ranks, the missing-value rule, weights."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.trading.composite import (
    composite_name,
    composite_weights,
    parse_composite,
    percentile_ranks,
    rank_composite,
)

D1, D2 = pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-29")


def panel(rows: dict[tuple[pd.Timestamp, str], float]) -> pd.Series:
    index = pd.MultiIndex.from_tuples(list(rows), names=["date", "company_id"])
    return pd.Series(list(rows.values()), index=index, dtype=float)


# On paper. D1: A = (a 10, b 20, c 30, d 20) -> ranks 1, 2.5, 4, 2.5 -> p = 0, 0.5, 1, 0.5.
#                B = (a 5, b 1, c 3)         -> ranks 3, 1, 2      -> p = 1, 0, 0.5 (d has no B).
# D2: A = (a 1) alone -> p 0.5; B = (a 2, b 4) -> p 0, 1.
A = panel({(D1, "a"): 10, (D1, "b"): 20, (D1, "c"): 30, (D1, "d"): 20, (D2, "a"): 1})
B = panel({(D1, "a"): 5, (D1, "b"): 1, (D1, "c"): 3, (D2, "a"): 2, (D2, "b"): 4})


def test_percentile_ranks_by_hand() -> None:
    ranks = percentile_ranks(A)
    assert ranks.loc[D1].to_dict() == {"a": 0.0, "b": 0.5, "c": 1.0, "d": 0.5}
    assert ranks.loc[D2].to_dict() == {"a": 0.5}  # a cross-section of one carries no ranking information


def test_percentile_ranks_ignore_scale_and_missing_values() -> None:
    scaled = A * 1000 - 7
    scaled.iloc[0] = np.nan  # (D1, a) missing: b, c, d ranked among themselves
    ranks = percentile_ranks(scaled)
    assert ranks.loc[D1].to_dict() == {"b": 0.25, "c": 1.0, "d": 0.25}


def test_composite_by_hand_with_weights_and_missing_values() -> None:
    score = rank_composite({"A": A, "B": B}, {"A": 0.25, "B": 0.75})
    expected = {
        (D1, "a"): 0.25 * 0.0 + 0.75 * 1.0,
        (D1, "b"): 0.25 * 0.5 + 0.75 * 0.0,
        (D1, "c"): 0.25 * 1.0 + 0.75 * 0.5,
        (D1, "d"): 0.5,  # only A: its weight renormalised to 1
        (D2, "a"): 0.25 * 0.5 + 0.75 * 0.0,
        (D2, "b"): 1.0,  # only B
    }
    assert score.name == "score"
    assert list(score.index.names) == ["date", "company_id"]
    assert score.to_dict() == pytest.approx(expected)


def test_the_universe_is_applied_before_ranking() -> None:
    score = rank_composite({"A": A, "B": B}, {"A": 0.5, "B": 0.5}, universe={"a", "b"})
    # D1: A over (a 10, b 20) -> 0, 1; B over (a 5, b 1) -> 1, 0
    assert score.loc[D1].to_dict() == {"a": 0.5, "b": 0.5}
    assert set(score.index.get_level_values("company_id")) == {"a", "b"}


def test_a_factor_of_weight_zero_scores_nobody() -> None:
    score = rank_composite({"A": A, "B": B}, {"A": 1.0, "B": 0.0})
    assert (D2, "b") not in score.index  # b has only B on D2, whose weight is 0
    assert score.loc[D1].to_dict() == {"a": 0.0, "b": 0.5, "c": 1.0, "d": 0.5}


def test_a_missing_panel_is_an_error() -> None:
    with pytest.raises(NexusError, match=r"No factor panel for \['B'\]"):
        rank_composite({"A": A}, {"A": 0.5, "B": 0.5})


def test_weights_are_normalised_and_default_to_equal() -> None:
    assert composite_weights(["A", "B"], [1, 3]) == {"A": 0.25, "B": 0.75}
    assert composite_weights(["A", "B", "C"]) == pytest.approx({"A": 1 / 3, "B": 1 / 3, "C": 1 / 3})
    assert parse_composite("A, B", "2,2") == {"A": 0.5, "B": 0.5}
    assert composite_name({"A": 0.25, "B": 0.75}) == "composite(A:0.25,B:0.75)"


@pytest.mark.parametrize(("names", "weights", "expected"), [
    ("A,B", "0.5", "--weights needs one weight per --composite factor: 2 factor(s) (A, B) but 1 weight(s) (0.5)"),
    ("A,B", "0.5,x", "--weights must be comma-separated numbers, e.g. 0.5,0.5 (got '0.5,x')"),
    ("A,B", "nan,1", "--weights must be finite and >= 0 (got nan)"),
    ("A,B", "inf,1", "--weights must be finite and >= 0 (got inf)"),
    ("A,B", "-1,2", "--weights must be finite and >= 0 (got -1)"),
    ("A,B", "0,0", "--weights must not all be 0"),
    ("A", None, "--composite needs at least two factor names"),
    ("A,", None, "--composite needs at least two factor names"),
    ("A,A", None, "--composite names each factor once (got A more than once)"),
])
def test_bad_weights_and_names_are_refused(names: str, weights: str | None, expected: str) -> None:
    with pytest.raises(NexusError) as failed:
        parse_composite(names, weights)
    assert expected in str(failed.value)


def test_the_composite_trades_like_its_hand_ranked_score() -> None:
    """The composite is a score like any factor: paper_trade on it equals paper_trade on the same numbers."""
    from nexus_graph.trading.portfolio import PortfolioConfig, paper_trade

    days = pd.bdate_range("2024-01-29", "2024-03-29")
    rng = np.random.default_rng(0)
    prices = pd.DataFrame([(d, c, 100 * math.exp(rng.normal(0, 0.01) * i)) for i, d in enumerate(days)
                           for c in "abcd"], columns=["date", "company_id", "adj_close"])
    score = rank_composite({"A": A, "B": B}, {"A": 0.25, "B": 0.75})
    config = PortfolioConfig(quantile=0.25, n_trials=1)
    traded = paper_trade({composite_name({"A": 0.25, "B": 0.75}): score}, prices, config)
    by_hand = paper_trade({"x": score * 7 + 1}, prices, config)
    pd.testing.assert_frame_equal(traded.returns, by_hand.returns)
    assert traded.signals == ("composite(A:0.25,B:0.75)",)
