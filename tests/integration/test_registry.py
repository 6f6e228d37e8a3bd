"""The signal registry against the real Neo4j, and `evaluate` / `registry` end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.pipeline.evaluate import evaluate_stored_factor
from nexus_graph.pipeline.paper_trade import paper_trade_stored
from nexus_graph.sources.prices import save_prices
from nexus_graph.store import Store
from nexus_graph.store.factors import look_ahead_dates, write_factor_panel
from nexus_graph.store.registry import (
    count_tests,
    family_tests,
    list_signals,
    record_run,
    signal_detail,
    signal_state,
)
from tests.noise_factor import noise_data

pytestmark = pytest.mark.neo4j


def fake_tests(horizons: tuple[int, ...] = (21, 63, 126), t: float = 1.0) -> list[dict]:
    return [{"horizon": h, "n": 50, "meanIc": 0.01, "t": t, "robustT": t / 2, "passes": False,
             "firstDate": pd.Timestamp("2021-06-30"), "lastDate": pd.Timestamp("2026-02-28")} for h in horizons]


def register(store: Store, name: str, run: str, status: str = "rejected", verdict: str = "NULL", **kw):
    return record_run(store, name, run_id=run, data_fingerprint=f"sha-{run}", status=status, verdict=verdict,
                      tier={"rejected": 0, "candidate": 1, "alpha": 2}[status], reasons=[f"because {run}"],
                      tests=kw.pop("tests", fake_tests()), model_version=kw.pop("model_version", "v1"), **kw)


def test_same_run_twice_is_idempotent(store: Store) -> None:
    first = register(store, "drift", "run-a", status="candidate", verdict="CANDIDATE")
    assert (first.tests_written, first.tests_new, first.warning) == (3, 3, None)
    signal, tests = signal_detail(store, "drift")
    second = register(store, "drift", "run-a", status="candidate", verdict="CANDIDATE")
    assert (second.tests_written, second.tests_new) == (3, 0)
    signal2, tests2 = signal_detail(store, "drift")
    assert signal2 == signal
    pd.testing.assert_frame_equal(tests2, tests)  # testedAt included: set once
    assert count_tests(store) == 3
    assert signal["status"] == "candidate" and signal["tier"] == 1 and signal["reasons"] == ["because run-a"]
    assert sorted(tests["horizon"]) == [21, 63, 126]
    assert set(tests["dataFingerprint"]) == {"sha-run-a"}
    assert tests["firstDate"].iloc[0] == pd.Timestamp("2021-06-30").date()


def test_count_tests_spans_signals_and_runs(store: Store) -> None:
    register(store, "drift", "run-a")
    register(store, "drift", "run-b", tests=fake_tests((21, 63)))
    register(store, "pagerank_change", "run-c", model_version=None)
    assert count_tests(store) == 8
    assert count_tests(store, exclude_run="run-b") == 6
    frame = list_signals(store).set_index("name")
    assert frame.loc["drift", "runs"] == 2 and frame.loc["drift", "tests"] == 5
    assert frame.loc["pagerank_change", "model_version"] is None


def test_previously_rejected_factor_is_flagged(store: Store) -> None:
    assert not signal_state(store, "drift").known
    register(store, "drift", "run-a", status="rejected", verdict="NULL")
    again = register(store, "drift", "run-b", status="candidate", verdict="CANDIDATE", tests=fake_tests(t=2.5))
    assert again.before.previously_rejected and again.before.rejected_runs == 1
    assert again.warning is not None and "'drift' was REJECTED before (1 rejected run(s)" in again.warning
    # the flag survives a later non-rejected verdict
    state = signal_state(store, "drift")
    assert state.status == "candidate" and state.ever_rejected and state.previously_rejected
    assert register(store, "other", "run-c", status="candidate", verdict="CANDIDATE").warning is None


def test_unknown_signal_and_empty_run(store: Store) -> None:
    with pytest.raises(NexusError, match="No signal 'nope' in the registry"):
        signal_detail(store, "nope")
    with pytest.raises(NexusError, match="no tests"):
        register(store, "drift", "run-x", tests=[])


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nexus_graph", *args], capture_output=True, text=True,
                          env=dict(os.environ), check=False, timeout=300)


def test_evaluate_and_registry_commands_end_to_end(store: Store, tmp_path: Path) -> None:
    ids = [f"E{i:02d}" for i in range(30)]
    store.write("load/companies_merge", rows=[{"id": c, "name": c, "kind": "equity", "segment": None, "country": None,
                                               "listedFrom": None, "listedTo": None} for c in ids])
    days = pd.bdate_range("2021-06-01", "2026-04-24")
    rng = np.random.default_rng(21)
    closes = 30 * np.exp(np.cumsum(rng.normal(0, 0.02, (len(days), len(ids))), axis=0))
    prices_file = save_prices(pd.DataFrame({"date": np.repeat(days.to_numpy(), len(ids)),
                                            "company_id": np.tile(ids, len(days)), "adj_close": closes.reshape(-1)}),
                              tmp_path / "prices.parquet")
    snaps = pd.date_range("2021-06-30", "2026-03-31", freq="ME").astype("datetime64[ns]")
    index = pd.MultiIndex.from_product([snaps, ids], names=["date", "company_id"])
    write_factor_panel(store, pd.Series(rng.normal(size=len(index)), index=index, name="noise"), "noise", "m1")

    args = ("evaluate", "noise", "--prices", str(prices_file), "--report-dir", str(tmp_path / "rep"), "--json")
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert [row["n"] for row in out["horizons"]] == [57, 55, 52]
    assert [round(row["hlz_bar"], 3) for row in out["horizons"]] == [4.123, 4.134, 4.153]
    assert out["model_version"] == "m1" and out["registration"]["tests_new"] == 3
    names = {Path(p).name for p in out["report_files"]}
    assert names == {"noise@m1.md", "noise@m1-ic.png", "noise@m1-cumulative-ic.png"}

    second = json.loads(run_cli(*args).stdout)
    assert second["run_id"] == out["run_id"] and second["registration"]["tests_new"] == 0
    assert second["previously_rejected"] == (out["status"] == "rejected")
    assert count_tests(store) == 3

    listed = json.loads(run_cli("registry", "list", "--json").stdout)
    assert [(s["name"], s["status"], s["tests"]) for s in listed] == [("noise", out["status"], 3)]
    shown = json.loads(run_cli("registry", "show", "noise", "--json").stdout)
    assert shown["signal"]["verdict"] == out["verdict"] and len(shown["tests"]) == 3
    table = run_cli("evaluate", "noise", "--prices", str(prices_file), "--report-dir", str(tmp_path / "rep"),
                    "--no-register")
    assert table.returncode == 0, table.stderr
    assert "Verdict:" in table.stdout and "4.153" in table.stdout and "Not registered" in table.stdout
    missing = run_cli("evaluate", "absent", "--prices", str(prices_file), "--no-register")
    assert missing.returncode == 1
    assert "Error: No values of factor 'absent' in Neo4j. Stored factors: ['noise']" in missing.stderr


def test_unregistered_runs_are_trials_that_leave_the_verdict_alone(store: Store) -> None:
    prices = noise_data(store)
    noise_data(store, "noise2", seed=22)
    trial = evaluate_stored_factor(store, "noise", prices=prices, register=False)
    assert trial.registration == {"registered": False, "trials_stored": 3}
    state = signal_state(store, "noise")
    assert state.known and state.status is None and state.verdict is None and state.run_tests == 0
    tests = family_tests(store)
    assert len(tests) == 3 and not tests["registered"].any() and tests["robust_p"].notna().all()
    evaluate_stored_factor(store, "noise", prices=prices, register=False)  # a retry: MERGEd, not counted twice
    assert len(family_tests(store)) == 3 and count_tests(store) == 3

    # a later run of another factor has them in its family, with their stored robust p-values
    other = evaluate_stored_factor(store, "noise2", prices=prices)
    assert other.evaluation.prior_tests == 3
    assert sorted(other.evaluation.family.prior_pvalues) == sorted(tests["robust_p"])
    assert "M = 400 tests = 3 made before this run" in other.evaluation.family_note
    assert other.evaluation.n_trials == 400 and other.summary()["rule"] == "holm"

    # registering the same run later turns its trials into registered tests: still 3, now with a verdict
    registered = evaluate_stored_factor(store, "noise", prices=prices, rule="seed")
    assert registered.registration["tests_new"] == 3 and count_tests(store) == 6
    assert registered.evaluation.prior_tests == 3  # its own trials are excluded from its family
    assert registered.evaluation.decision.rule == "seed"
    state = signal_state(store, "noise")
    assert state.status == registered.evaluation.decision.status
    assert family_tests(store)["registered"].all()


def test_family_grows_past_the_configured_count(store: Store) -> None:
    prices = noise_data(store)
    many = [{"horizon": h, "n": 50, "robustP": 0.5} for h in range(1, 401)]
    register(store, "old", "run-old", tests=many)
    outcome = evaluate_stored_factor(store, "noise", prices=prices)
    assert outcome.evaluation.m == 403 and outcome.evaluation.n_trials == 403
    assert "M = 403 tests = 400 made before this run" in outcome.evaluation.family_note


def test_look_ahead_factor_values_are_refused_unless_allowed(store: Store, tmp_path: Path) -> None:
    prices = noise_data(store, look_ahead_until="2022-01-01")
    assert [f"{d:%Y-%m}" for d in look_ahead_dates(store, "noise", "m1")] == [
        "2021-06", "2021-07", "2021-08", "2021-09", "2021-10", "2021-11", "2021-12"]
    refusal = (r"Factor 'noise' \(model m1\) has look-ahead values on 7 date\(s\) \(2021-06-30, 2021-07-31, "
               r"2021-08-31, \.\.\.\): they come from a model trained on data known after those dates\. "
               r"Refusing to evaluate them\.")
    with pytest.raises(NexusError, match=refusal):
        evaluate_stored_factor(store, "noise", prices=prices)
    with pytest.raises(NexusError, match="Refusing to paper-trade them"):
        paper_trade_stored(store, ["noise"], prices=prices, force=True)
    assert count_tests(store) == 0 and not signal_state(store, "noise").known  # nothing written

    outcome = evaluate_stored_factor(store, "noise", prices=prices, allow_look_ahead=True, report_dir=tmp_path)
    assert outcome.look_ahead and outcome.evaluation.decision.reasons[0].startswith("LOOK-AHEAD: 7 snapshot date(s)")
    signal, tests = signal_detail(store, "noise")
    assert signal["lookAhead"] is True and tests["lookAhead"].all()
    text = (tmp_path / "noise@m1.md").read_text()
    assert "— LOOK-AHEAD" in text.splitlines()[0] and "(LOOK-AHEAD)**" in text
    traded = paper_trade_stored(store, ["noise"], prices=prices, force=True, allow_look_ahead=True)
    assert any(note.startswith("LOOK-AHEAD: 'noise'") for note in traded.notes)

    # a clean rewrite of the factor clears the label
    noise_data(store)
    assert look_ahead_dates(store, "noise", "m1") == []
