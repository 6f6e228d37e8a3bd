"""The composed evaluation: fingerprints, M, splits, registry payload, report files, CLI parsing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.evaluation import regimes, stats
from nexus_graph.evaluation.decision import ALPHA, NULL, horizon_holm_p
from nexus_graph.evaluation.evaluate import evaluate, evaluate_factor, prepare, registry_tests, summary
from nexus_graph.evaluation.family import TestFamily
from nexus_graph.evaluation.returns import forward_returns
from nexus_graph.report.evaluation import write_report

SNAPSHOTS = pd.date_range("2021-06-30", "2026-03-31", freq="ME")
IDS = [f"C{i:03d}" for i in range(60)]


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    days = pd.bdate_range("2021-06-01", "2026-04-24")
    rng = np.random.default_rng(11)
    closes = 20 * np.exp(np.cumsum(rng.normal(0, 0.02, (len(days), len(IDS))), axis=0))
    return pd.DataFrame({"date": np.repeat(days.to_numpy(), len(IDS)), "company_id": np.tile(IDS, len(days)),
                         "adj_close": closes.reshape(-1)})


def panel(values: np.ndarray, name: str) -> pd.Series:
    index = pd.MultiIndex.from_product([SNAPSHOTS, IDS], names=["date", "company_id"])
    return pd.Series(values.reshape(-1), index=index, name=name)


def test_planted_signal_is_alpha_and_splits_are_computed(prices: pd.DataFrame) -> None:
    future = forward_returns(prices, SNAPSHOTS, (21,))[21].unstack().reindex(SNAPSHOTS).fillna(0).to_numpy()
    noise = np.random.default_rng(0).normal(0, 0.05, future.shape)
    ev = evaluate_factor(panel(future + noise, "planted"), prices, universe=IDS)
    assert ev.decision.verdict == ALPHA
    assert ev.table.loc[21, "passes"]
    assert list(ev.table["n"]) == [57, 55, 52]
    assert ev.table.loc[21, "avg_names"] == len(IDS)
    assert ev.splits is not None and set(ev.splits["part"]) == {"first", "second", "up", "down"}
    assert ev.splits.groupby(["split", "horizon"])["n"].sum().loc["half"].to_dict() == {21: 57, 63: 55, 126: 52}


def test_noise_verdict_follows_the_matrix_and_splits_follow_the_trigger(prices: pd.DataFrame) -> None:
    for seed in range(3):
        values = np.random.default_rng(100 + seed).normal(size=(len(SNAPSHOTS), len(IDS)))
        ev = evaluate_factor(panel(values, "noise"), prices, universe=IDS)
        assert ev.decision.rule == "holm"
        assert (ev.decision.verdict == NULL) == bool((horizon_holm_p(ev.table) > 0.05).all())
        assert (ev.splits is not None) == bool((ev.table["robust_t"].abs() > regimes.SPLIT_TRIGGER).any())
        seed_rule = evaluate(prepare(panel(values, "noise"), prices, IDS), rule="seed")
        assert seed_rule.decision.rule == "seed"
        assert (seed_rule.decision.verdict == NULL) == bool((seed_rule.table["robust_t"].abs() < 2).all())


def test_market_regime_is_the_trailing_return_known_at_t(prices: pd.DataFrame) -> None:
    inputs = prepare(panel(np.random.default_rng(9).normal(size=(len(SNAPSHOTS), len(IDS))), "f"), prices, IDS)
    wide = prices.pivot(index="date", columns="company_id", values="adj_close")
    t = SNAPSHOTS[5]
    row = wide.index.searchsorted(t, side="right") - 1  # the entry close t*
    expected = (wide.iloc[row] / wide.iloc[row - 21] - 1).mean()
    assert inputs.market[t] == pytest.approx(expected)
    # a change in prices AFTER t* cannot move the regime of t
    later = prices.copy()
    later.loc[later["date"] > wide.index[row], "adj_close"] *= 2.0
    moved = prepare(panel(np.random.default_rng(9).normal(size=(len(SNAPSHOTS), len(IDS))), "f"), later, IDS)
    assert moved.market[t] == pytest.approx(inputs.market[t])


def test_split_trigger_is_the_robust_t() -> None:
    table = pd.DataFrame({"t": [2.5, 0.1], "robust_t": [1.2, 0.1]}, index=[21, 63])
    assert not regimes.splits_wanted(table)
    assert regimes.splits_wanted(table.assign(robust_t=[1.6, 0.0]))


def test_fingerprint_is_deterministic_and_tracks_the_data(prices: pd.DataFrame) -> None:
    values = np.random.default_rng(5).normal(size=(len(SNAPSHOTS), len(IDS)))
    a = prepare(panel(values, "f"), prices, IDS)
    b = prepare(panel(values.copy(), "f"), prices, IDS)
    assert (a.data_fingerprint, a.run_id) == (b.data_fingerprint, b.run_id)
    changed = values.copy()
    changed[10, 3] += 1e-9
    c = prepare(panel(changed, "f"), prices, IDS)
    assert c.data_fingerprint != a.data_fingerprint and c.run_id != a.run_id
    other_horizons = prepare(panel(values, "f"), prices, IDS, horizons=(21, 63))
    assert other_horizons.run_id != a.run_id
    other_version = prepare(panel(values, "f"), prices, IDS, model_version="v2")
    assert other_version.data_fingerprint == a.data_fingerprint and other_version.run_id != a.run_id


def test_m_counts_the_registry_when_larger_than_400(prices: pd.DataFrame) -> None:
    inputs = prepare(panel(np.random.default_rng(6).normal(size=(len(SNAPSHOTS), len(IDS))), "f"), prices, IDS)
    assert evaluate(inputs, 10).m == 400
    big = evaluate(inputs, 500)
    assert big.m == 503 and big.n_trials == 503
    assert big.table.loc[21, "hlz_bar"] == pytest.approx(stats.hlz_bar(57, 503))


def test_the_family_holds_the_stored_pvalues_and_is_reported(prices: pd.DataFrame) -> None:
    inputs = prepare(panel(np.random.default_rng(6).normal(size=(len(SNAPSHOTS), len(IDS))), "f"), prices, IDS)
    family = TestFamily.of([1e-9] * 150 + [0.4] * 350)
    ev = evaluate(inputs, family)
    assert ev.m == 503 and ev.prior_tests == 500 and ev.family is family
    # 150 smaller p-values in the family: Holm multiplies this run's p by at most 503 - 150
    assert (ev.table["holm_p"] <= np.minimum(1, ev.table["robust_p"] * 353) + 1e-12).all()
    data = summary(ev)
    assert data["family"] == family.describe(3) and data["n_trials"] == 503 and data["rule"] == "holm"
    assert all(t["rule"] == "holm" for t in registry_tests(ev))


def test_universe_excludes_other_companies(prices: pd.DataFrame) -> None:
    values = np.random.default_rng(7).normal(size=(len(SNAPSHOTS), len(IDS)))
    ev = evaluate_factor(panel(values, "f"), prices, universe=IDS[:30])
    assert ev.table["avg_names"].max() == 30
    with pytest.raises(NexusError, match="share no"):
        prepare(panel(values, "f"), prices, universe=["NOT-THERE"])


def test_registry_payload_and_report(prices: pd.DataFrame, tmp_path: Path) -> None:
    ev = evaluate_factor(panel(np.random.default_rng(8).normal(size=(len(SNAPSHOTS), len(IDS))), "f"), prices, IDS)
    tests = registry_tests(ev)
    assert [t["horizon"] for t in tests] == [21, 63, 126]
    assert all(isinstance(v, int | float | bool | str | pd.Timestamp) for t in tests for v in t.values())
    assert tests[2]["n"] == 52 and tests[2]["robustDof"] == 5 and tests[2]["hlzBar"] == pytest.approx(4.153, abs=5e-4)
    data = summary(ev)
    assert data["verdict"] == ev.decision.verdict and len(data["horizons"]) == 3
    files = write_report(ev, tmp_path, warning="was rejected before")
    assert [p.name for p in files] == ["f.md", "f-ic.png", "f-cumulative-ic.png"]
    text = files[0].read_text()
    assert f"**Verdict: {ev.decision.verdict}**" in text and "was rejected before" in text and "| 126 d | 52 |" in text
    assert all(p.stat().st_size > 1000 for p in files[1:])


def test_cli_help_of_evaluate_and_registry() -> None:
    env = {**os.environ, "COLUMNS": "200"}
    outputs = {}
    for args in (("evaluate", "--help"), ("registry", "list", "--help"), ("registry", "show", "--help")):
        result = subprocess.run([sys.executable, "-m", "nexus_graph", *args], capture_output=True, text=True,
                                check=False, timeout=120, env=env)
        assert result.returncode == 0, result.stderr
        assert "--json" in result.stdout
        outputs[args[0] + args[1]] = result.stdout
    for option in ("--model-version", "--horizons", "--report-dir", "--no-register", "--prices"):
        assert option in outputs["evaluate--help"]


def test_cli_parses_horizons() -> None:
    from nexus_graph.cli.evaluate_cmd import parse_horizons

    assert parse_horizons("126, 21,63") == (21, 63, 126)
    with pytest.raises(NexusError, match="comma-separated"):
        parse_horizons("21,abc")
    with pytest.raises(NexusError, match="positive"):
        parse_horizons("0,21")
