"""Paper-trade runs in the real Neo4j: the registry link, idempotency, and the CLI end to end."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.evaluation.family import TestFamily
from nexus_graph.report.run_files import frame_from_json
from nexus_graph.sources.prices import save_prices
from nexus_graph.store import Store
from nexus_graph.store.factors import write_factor_panel
from nexus_graph.store.registry import family_tests, record_run
from nexus_graph.store.trading import (
    paper_trade_run,
    record_paper_trade,
    registry_signals,
    runs_using,
    signals_with_status,
)

pytestmark = pytest.mark.neo4j

RUN = {"id": "pt-test-1", "quantile": 0.2, "weighting": "equal", "cost_bps": 10.0, "start": "2021-07-01",
       "long_only": {"sharpe": 0.8, "max_drawdown": -0.2, "max_drawdown_peak": "2022-01-03"},
       "long_short": {"sharpe": 0.1, "deflated_sharpe": float("nan")}}


def graph_counts(store: Store) -> tuple[list, list]:
    return store.records("graph/node_counts"), store.records("graph/relationship_counts")


def test_recording_a_run_twice_changes_nothing(store: Store) -> None:
    assert record_paper_trade(store, RUN, ["drift", "momentum"]) == 2
    first, before = paper_trade_run(store, "pt-test-1"), graph_counts(store)
    assert record_paper_trade(store, RUN, ["momentum", "drift", "drift"]) == 2
    assert paper_trade_run(store, "pt-test-1") == first
    assert graph_counts(store) == before
    assert first["signals"] == ["drift", "momentum"]
    assert first["longOnlySharpe"] == 0.8 and first["longOnlyMaxDrawdownPeak"] == "2022-01-03"
    assert first["costBps"] == 10.0 and "longShortDeflatedSharpe" not in first  # NaN is not stored
    assert first["createdAt"] is not None


def test_signal_is_merged_by_name_before_and_after_evaluation(store: Store) -> None:
    record_paper_trade(store, RUN, ["drift"])
    assert TestFamily.from_tests(family_tests(store)).prior_tests == 0  # a signal only traded is not a trial
    record_run(store, "drift", run_id="ev-1", data_fingerprint="sha", status="alpha", verdict="ALPHA", tier=2,
               reasons=["clears the bar"], tests=[{"horizon": 21, "n": 50, "t": 5.0}], model_version="v1")
    signals = registry_signals(store)
    assert signals["name"].tolist() == ["drift"]  # one node: the registry MERGEd onto the traded one
    assert signals_with_status(signals, "alpha") == ["drift"]
    assert runs_using(store, "drift") == ["pt-test-1"]
    record_paper_trade(store, {**RUN, "id": "pt-test-2"}, ["drift"])
    assert sorted(runs_using(store, "drift")) == ["pt-test-1", "pt-test-2"]


def test_rerecording_with_fewer_signals_drops_the_stale_link(store: Store) -> None:
    record_paper_trade(store, RUN, ["drift", "momentum"])
    record_paper_trade(store, RUN, ["drift"])
    assert paper_trade_run(store, "pt-test-1")["signals"] == ["drift"]
    assert runs_using(store, "momentum") == []


def test_bad_runs_are_refused(store: Store) -> None:
    with pytest.raises(NexusError, match="needs a non-empty string 'id'"):
        record_paper_trade(store, {"quantile": 0.2}, ["drift"])
    with pytest.raises(NexusError, match="lists no signals"):
        record_paper_trade(store, RUN, [])
    assert paper_trade_run(store, "pt-test-1") is None


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nexus_graph", *args], capture_output=True, text=True,
                          env=dict(os.environ), check=False, timeout=300)


def independent(r: np.ndarray) -> dict[str, float]:
    w = np.concatenate([[1.0], np.cumprod(1 + r)])
    sd = r.std(ddof=1)
    return {"cagr": w[-1] ** (252 / len(r)) - 1, "annual_volatility": sd * math.sqrt(252),
            "sharpe": r.mean() / sd * math.sqrt(252), "max_drawdown": float((w / np.maximum.accumulate(w) - 1).min())}


def test_paper_trade_command_end_to_end(store: Store, tmp_path: Path) -> None:
    ids = [f"E{i:02d}" for i in range(40)]
    rows = [{"id": c, "name": c, "kind": "equity", "segment": None, "country": None, "listedFrom": None,
             "listedTo": None} for c in ids]
    rows.append({**rows[0], "id": "X01", "name": "X01", "kind": "extended"})
    store.write("load/companies_merge", rows=rows)
    rng = np.random.default_rng(11)
    days = pd.bdate_range("2021-06-01", "2026-04-24")
    all_ids = [*ids, "X01"]
    closes = 30 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, (len(days), len(all_ids))), axis=0))
    prices_file = save_prices(pd.DataFrame({"date": np.repeat(days.to_numpy(), len(all_ids)),
                                            "company_id": np.tile(all_ids, len(days)),
                                            "adj_close": closes.reshape(-1)}), tmp_path / "prices.parquet")
    snaps = pd.date_range("2021-06-30", "2026-03-31", freq="ME").astype("datetime64[ns]")
    index = pd.MultiIndex.from_product([snaps, all_ids], names=["date", "company_id"])
    values = rng.normal(size=len(index))
    values[index.get_level_values("company_id") == "X01"] = 99.0  # top score, but not in the universe
    write_factor_panel(store, pd.Series(values, index=index, name="noise"), "noise", "m1")

    none = run_cli("paper-trade", "--prices", str(prices_file))
    assert none.returncode == 1
    assert none.stderr.startswith("Error: No registered alpha to trade and no --signal given. Registry: empty.")

    run_dir = tmp_path / "runs" / "r1"
    args = ("paper-trade", "--signal", "noise", "--prices", str(prices_file), "--report-dir", str(run_dir),
            "--synthetic", "--json")
    before = graph_counts(store)
    gated = run_cli(*args)  # never registered: the gate refuses it, nothing written
    assert gated.returncode == 1 and gated.stdout == ""
    assert gated.stderr.startswith("Error: Refusing to paper-trade: signal 'noise' has no registered verdict")
    assert "--force" in gated.stderr and graph_counts(store) == before and not run_dir.exists()

    args = (*args, "--force")
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    # N of the deflated Sharpe: the multiple-testing family (empty registry -> the configured 400)
    assert out["signals"] == ["noise"] and out["config"]["universe_size"] == 40 and out["config"]["n_trials"] == 400
    assert out["notes"] == ["Traded with --force: signal 'noise' has no registered verdict (never evaluated with "
                            "registration)."]
    assert "Traded with --force: signal 'noise'" in (run_dir / "report" / "report.md").read_text()
    assert out["delistings"] == [] and out["config"]["delisting_return"] == -0.3
    portfolio = json.loads((run_dir / "portfolio.json").read_text())
    returns = frame_from_json(portfolio["returns"])
    weights = pd.DataFrame(portfolio["weights"]["data"], columns=portfolio["weights"]["columns"])
    assert "X01" not in set(weights["company_id"])
    gaps = [abs(out["statistics"][name][key] - value)
            for name in ("long_only", "long_short", "benchmark")
            for key, value in independent(returns[name].to_numpy()).items()]
    assert max(gaps) < 1e-9, gaps
    report = Path(out["report"])
    assert report == run_dir / "report" / "report.md" and "SYNTHETIC DATA" in report.read_text().splitlines()[0]
    assert "_Not run._" in report.read_text()  # training/validation/evaluation were not part of this run

    again = json.loads(run_cli(*args).stdout)
    assert again["run_id"] == out["run_id"] and again["statistics"] == out["statistics"]
    assert runs_using(store, "noise") == [out["run_id"]]
    stored = paper_trade_run(store, out["run_id"])
    assert stored["signals"] == ["noise"] and stored["modelVersion"] == "m1" and stored["forced"] is True
    assert stored["longOnlySharpe"] == out["statistics"]["long_only"]["sharpe"]

    record_run(store, "noise", run_id="ev-0", data_fingerprint="sha0", status="rejected", verdict="NULL", tier=0,
               reasons=["noise"], tests=[{"horizon": 21, "n": 57, "t": 0.5, "robustP": 0.6}], model_version="m1")
    before = graph_counts(store)
    rejected = run_cli("paper-trade", "--signal", "noise", "--prices", str(prices_file))
    assert rejected.returncode == 1 and graph_counts(store) == before
    assert rejected.stderr.startswith("Error: Refusing to paper-trade: signal 'noise' was last judged NULL "
                                      "(status rejected).")
    record_run(store, "noise", run_id="ev-1", data_fingerprint="sha", status="alpha", verdict="ALPHA", tier=2,
               reasons=["planted"], tests=[{"horizon": 21, "n": 57, "t": 5.0}], model_version="m1")
    table = run_cli("paper-trade", "--prices", str(prices_file), "--weighting", "factor", "--cost-bps", "0")
    assert table.returncode == 0, table.stderr
    for text in ("long-only", "long-short", "benchmark", "CAGR", "Sharpe (rf = 0)", "max drawdown", "trough",
                 "turnover / rebalance", "deflated Sharpe", "factor-weighted · costs 0 bps"):
        assert text in table.stdout
    assert len(runs_using(store, "noise")) == 2  # factor weighting is another run
