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
from nexus_graph.sources.prices import save_prices
from nexus_graph.store import Store
from nexus_graph.store.factors import write_factor_panel
from nexus_graph.store.registry import count_tests, list_signals, record_run, signal_detail, signal_state

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
