"""Drift, validation checks and seed-noise figures on hand-made embeddings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus_graph.embeddings.noise import seed_noise
from nexus_graph.embeddings.panel import (
    DRIFT_FACTOR,
    DRIFT_TOLERANCE,
    consecutive_months,
    cosine,
    embedding_drift,
    latest_drift,
    panel_from_arrays,
)
from nexus_graph.embeddings.validation import parse_check, parse_check_lines, validate_snapshot
from nexus_graph.errors import NexusError

D1, D2, D3 = pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-29"), pd.Timestamp("2024-03-31")


def test_drift_is_one_minus_cosine_of_consecutive_vectors() -> None:
    panel = pd.concat([
        panel_from_arrays(D1, ["A", "B"], np.array([[1.0, 0.0], [0.0, 2.0]])),
        panel_from_arrays(D2, ["A", "B"], np.array([[0.0, 3.0], [0.0, 1.0]])),   # A turns 90 degrees, B same way
        panel_from_arrays(D3, ["A", "C"], np.array([[-1.0, 0.0], [1.0, 1.0]])),  # B gone, C new
    ])
    drift = embedding_drift(panel)
    assert drift.name == DRIFT_FACTOR
    assert drift.loc[(D2, "A")] == pytest.approx(1.0)
    assert drift.loc[(D2, "B")] == pytest.approx(0.0)
    assert drift.loc[(D3, "A")] == pytest.approx(1.0)  # from (0,3) to (-1,0): orthogonal
    assert (D1, "A") not in drift.index and (D3, "C") not in drift.index  # first appearance: no drift
    assert len(drift) == 3


def test_drift_across_a_missing_month_is_nan_in_the_panel_and_in_the_stored_drift() -> None:
    # one definition (issue #17, defect 4): a one-month change or nothing
    d4 = pd.Timestamp("2024-04-30")
    a1, a3, a4 = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), np.array([[0.0, 2.0]])
    company_gap = pd.concat([
        panel_from_arrays(D1, ["A", "B"], np.r_[a1, a1]),
        panel_from_arrays(D2, ["B"], a1),  # A absent in February
        panel_from_arrays(D3, ["A", "B"], np.r_[a3, a3]),
        panel_from_arrays(d4, ["A", "B"], np.r_[a4, a4]),
    ])
    drift = embedding_drift(company_gap)
    assert (D3, "A") not in drift.index  # not the January -> March drift of 1.0
    assert drift.loc[(D3, "B")] == pytest.approx(1.0) and drift.loc[(d4, "A")] == pytest.approx(0.0)
    # the backfill's per-snapshot drift agrees: A's previous vector is missing -> NaN
    stored = latest_drift(np.array([[np.nan, np.nan], [1.0, 0.0]]), np.r_[a3, a3])
    assert np.isnan(stored[0]) and stored[1] == pytest.approx(1.0)
    # a whole month missing from the backfill: every drift after the gap is NaN, in both
    month_gap = company_gap.drop(index=D2, level="date")
    assert D3 not in month_gap.pipe(embedding_drift).index.get_level_values("date")
    assert np.isnan(latest_drift(np.r_[a1, a1], np.r_[a3, a3], previous_date=D1, date=D3)).all()
    assert latest_drift(np.r_[a1, a1], np.r_[a3, a3], previous_date=D2, date=D3) == pytest.approx([1.0, 1.0])
    # a snapshot dated on the month's last trading day is still that month
    assert consecutive_months([pd.Timestamp("2024-02-29")], [pd.Timestamp("2024-03-28")])[0]
    assert not consecutive_months([pd.Timestamp("2024-01-31")], [pd.Timestamp("2024-03-01")])[0]


def test_unchanged_vectors_drift_exactly_zero_so_the_ic_does_not_rank_rounding_noise() -> None:
    from nexus_graph.evaluation.ic import information_coefficient

    rng = np.random.default_rng(3)
    ids = [f"C{i:02d}" for i in range(40)]  # sorted like the panel index
    vectors = rng.normal(size=(40, 64)).astype(np.float32).astype(np.float64)  # like the HGT's float32 output
    raw = 1.0 - cosine(vectors, vectors)
    assert np.count_nonzero(raw) > 0 and np.unique(raw).size > 1  # the noise this test is about exists
    moved = vectors.copy()
    moved[:5] += rng.normal(size=(5, 64))  # five companies really move at D3
    panel = pd.concat([panel_from_arrays(D1, ids, vectors), panel_from_arrays(D2, ids, vectors),
                       panel_from_arrays(D3, ids, moved)])
    drift = embedding_drift(panel)
    assert (drift.loc[D2] == 0.0).all()  # exactly, not approximately
    assert (drift.loc[D3].iloc[:5] > DRIFT_TOLERANCE).all() and (drift.loc[D3].iloc[5:] == 0.0).all()
    assert (latest_drift(vectors, vectors) == 0.0).all()
    returns = pd.DataFrame({21: rng.normal(size=len(drift))}, index=drift.index)
    ic = information_coefficient(drift, returns)
    assert np.isnan(ic.loc[D2, 21])  # nothing moved: no cross-section to rank, not an IC of noise
    assert np.isfinite(ic.loc[D3, 21])


def test_ordering_checks_and_spread() -> None:
    vectors = pd.DataFrame([[1.0, 0.1], [0.9, 0.2], [0.0, 1.0]], index=["NVDA", "AMD", "ARW"], columns=["e0", "e1"])
    report = validate_snapshot(vectors, [parse_check("NVDA~AMD > NVDA~ARW")])
    assert report.passed and report.checks[0]["left"] > report.checks[0]["right"]
    failing = validate_snapshot(vectors, [parse_check("NVDA~AMD < NVDA~ARW")])
    assert not failing.passed
    collapsed = pd.DataFrame(np.ones((3, 2)), index=["NVDA", "AMD", "ARW"], columns=["e0", "e1"])
    assert validate_snapshot(collapsed, []).degenerate
    with pytest.raises(NexusError, match="no embedding for XXX"):
        validate_snapshot(vectors, [parse_check("NVDA~XXX > NVDA~ARW")])


def test_check_parsing_errors_and_files() -> None:
    assert [str(c) for c in parse_check_lines("# peers\nNVDA~AMD > NVDA~ARW\n\nMU~WDC>MU~AAPL\n")] == [
        "NVDA~AMD > NVDA~ARW", "MU~WDC > MU~AAPL"]
    with pytest.raises(NexusError, match="expected the form 'NVDA~AMD > NVDA~ARW'"):
        parse_check("NVDA AMD > ARW")


def test_seed_noise_separates_signal_from_noise() -> None:
    rng = np.random.default_rng(0)
    index = pd.MultiIndex.from_product([pd.date_range("2024-01-31", periods=12, freq="ME"),
                                        [f"C{i}" for i in range(200)]], names=["date", "company_id"])
    signal = rng.gamma(2.0, 0.01, len(index))
    quiet = seed_noise(pd.Series(signal + rng.normal(0, 1e-4, len(index)), index),
                       pd.Series(signal + rng.normal(0, 1e-4, len(index)), index))
    noisy = seed_noise(pd.Series(rng.normal(0, 0.02, len(index)), index),
                       pd.Series(rng.normal(0, 0.02, len(index)), index))
    assert quiet["noise_share"] < 0.01 and quiet["rank_correlation"] > 0.99
    assert noisy["noise_share"] > 0.9 and abs(noisy["rank_correlation"]) < 0.1
