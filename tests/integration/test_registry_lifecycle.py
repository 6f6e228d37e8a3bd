"""The registry entry and its lifecycle against the real Neo4j: figures, status history, notes."""

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
from nexus_graph.evaluation.lifecycle import RunOutcome
from nexus_graph.pipeline.evaluate import evaluate_stored_factor
from nexus_graph.pipeline.registry import (
    lifecycle_properties,
    registry_list,
    registry_note,
    registry_show,
    signal_transition,
)
from nexus_graph.store import Store
from nexus_graph.store.admin import wipe
from nexus_graph.store.factors import write_factor_panel
from nexus_graph.store.registry import SignalState, SignalUpdate, record_run, signal_state, status_history
from tests.noise_factor import noise_data

pytestmark = pytest.mark.neo4j
def test_evaluate_fills_the_entry_and_records_the_first_status_once(store: Store) -> None:
    prices = noise_data(store)
    outcome = evaluate_stored_factor(store, "noise", prices=prices)
    decision = outcome.evaluation.decision
    view = registry_show(store, "noise")
    signal, profile = view.signal, view.profile
    assert (signal["type"], signal["tier"], signal["status"]) == ("graph", "A", decision.status)
    table = outcome.evaluation.table
    best = table["robust_t"].abs().idxmax()
    assert signal["tStatHorizon"] == best and signal["tStat"] == pytest.approx(table.loc[best, "robust_t"])
    assert signal["hlzPasses"] is False and signal["statusReason"].startswith("first registered run")
    assert [h["n"] for h in profile["horizons"]] == [57, 55, 52]
    assert profile["horizons"][2]["robustT"] == pytest.approx(table.loc[126, "robust_t"])
    assert profile["evidence"].startswith("Tier A evidence: 57 month-ends from 2021-06-30 to 2026-02-28, covering "
                                          "100% of the equity universe")
    assert profile["previousStatuses"] == [] and profile["tier"] == {"letter": "A", "months": 57, "coverage": 1.0}
    assert [(h["from"], h["status"], h["run_id"]) for h in view.history] == [
        (None, decision.status, outcome.evaluation.inputs.run_id)]
    assert outcome.registration["status_change"]["status"] == decision.status
    assert outcome.summary()["tier"] == "A" and outcome.summary()["type"] == "graph"

    again = evaluate_stored_factor(store, "noise", prices=prices)  # the same run: nothing changes
    assert again.registration["tests_new"] == 0 and again.registration["status_change"] is None
    second = registry_show(store, "noise")
    assert second.signal == signal and len(second.history) == 1
    listed = registry_list(store).set_index("name")
    assert listed.loc["noise", ["type", "tier", "status"]].tolist() == ["graph", "A", decision.status]
    assert listed.loc["noise", "t_stat"] == pytest.approx(signal["tStat"])


def test_the_type_follows_the_origin_on_the_factor_rows(store: Store) -> None:
    prices = noise_data(store)
    store.write("test/set_factor_origin", factor="noise", origin="fundamental")
    outcome = evaluate_stored_factor(store, "noise", prices=prices, register=False)
    assert outcome.summary()["type"] == "fundamental"
    evaluate_stored_factor(store, "noise", prices=prices)
    assert registry_show(store, "noise").signal["type"] == "fundamental"
    store.write("test/set_factor_origin", factor="noise", origin="vendor-x")
    with pytest.raises(NexusError, match="Unknown factor origin 'vendor-x'"):
        evaluate_stored_factor(store, "noise", prices=prices)


def fake_tests(last: str, t: float) -> list[dict]:
    return [{"horizon": 21, "n": 50, "meanIc": 0.01 * np.sign(t), "t": t, "robustT": t, "passes": abs(t) > 4.5,
             "firstDate": pd.Timestamp("2021-06-30"), "lastDate": pd.Timestamp(last)}]


def register(store: Store, run: str, status: str, last: str, t: float = 3.0):
    """A run with a hand-set outcome, through the pipeline's transition, as ``evaluate`` registers it."""
    outcome = RunOutcome(status, int(np.sign(t)), pd.Timestamp(last))

    def update(before: SignalState) -> SignalUpdate:
        step = signal_transition(before, outcome)
        return SignalUpdate(step.status, step.reason, {**lifecycle_properties(step), "tStat": t})

    verdict = {"alpha": "ALPHA", "candidate": "CANDIDATE", "rejected": "NULL"}[status]
    return record_run(store, "drift", run_id=run, data_fingerprint=f"sha-{run}", status=status, verdict=verdict,
                      tier="A", reasons=[run], tests=fake_tests(last, t), update=update)


def test_alpha_declines_on_newer_data_and_comes_back_only_by_alpha(store: Store) -> None:
    steps = [("r1", "candidate", "2023-12-31", 3.0), ("r2", "alpha", "2024-06-30", 6.0),
             ("r3", "candidate", "2024-06-30", 3.0),  # same data: ALPHA stands
             ("r4", "candidate", "2025-06-30", 2.5),  # newer data, same sign: declining
             ("r5", "rejected", "2025-12-31", 0.5),  # still declining: back only by ALPHA
             ("r6", "alpha", "2025-12-31", 5.5),
             ("r7", "candidate", "2026-03-31", -3.0)]  # newer data, the sign turned: the run's status
    statuses = [register(store, *step).status for step in steps]
    assert statuses == ["candidate", "alpha", "alpha", "declining", "declining", "alpha", "candidate"]
    history = status_history(store, "drift")
    assert [(h["run_id"], h["from"], h["status"]) for h in history] == [
        ("r1", None, "candidate"), ("r2", "candidate", "alpha"), ("r4", "alpha", "declining"),
        ("r6", "declining", "alpha"), ("r7", "alpha", "candidate")]
    assert history[2]["last_date"] == pd.Timestamp("2025-06-30").date() and history[2]["verdict"] == "CANDIDATE"
    assert "below the bar with the same sign (ALPHA evidence to 2024-06-30, sign +)" in history[2]["reason"]

    # re-registering old runs (a retry, a re-run) changes neither the status nor the history
    for step in steps[:4]:
        again = register(store, *step)
        assert again.tests_new == 0 and again.status_change is None
    assert status_history(store, "drift") == history
    state = signal_state(store, "drift")
    assert (state.status, state.alpha_last_date, state.alpha_sign) == ("candidate", None, 0)
    assert [h["status"] for h in state.history] == ["candidate", "alpha", "declining", "alpha", "candidate"]


def test_registry_note_and_show_on_the_command_line(store: Store, tmp_path: Path) -> None:
    register(store, "r1", "alpha", "2024-06-30")
    with pytest.raises(NexusError, match=r"No signal 'nope' in the registry\. Registered: \['drift'\]"):
        registry_note(store, "nope", "text")
    assert registry_note(store, "drift", "first") == "first"

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "nexus_graph", "registry", *args], capture_output=True,
                              text=True, input=stdin, env=dict(os.environ), check=False, timeout=300)

    note = tmp_path / "note.md"
    note.write_text("## Why it works\n\nSuppliers' *customers* move first.\n", encoding="utf-8")
    assert cli("note", "drift", "--file", str(note)).returncode == 0
    shown = json.loads(cli("show", "drift", "--json").stdout)
    assert shown["signal"]["noteMarkdown"] == "## Why it works\n\nSuppliers' *customers* move first."
    assert [h["status"] for h in shown["history"]] == ["alpha"] and shown["signal"]["status"] == "alpha"
    assert cli("note", "drift", stdin="from stdin\n").returncode == 0
    assert registry_show(store, "drift").signal["noteMarkdown"] == "from stdin"
    text = cli("show", "drift")
    assert text.returncode == 0 and "from stdin" in text.stdout and "Status history (1 change(s))" in text.stdout

    missing = cli("note", "nope", "--text", "x")
    assert missing.returncode == 1 and missing.stderr.startswith("Error: No signal 'nope' in the registry.")
    empty = cli("note", "drift", "--text", "  ")
    assert empty.returncode == 2 and "The note is empty" in empty.stderr
    assert json.loads(cli("note", "drift", "--clear", "--json").stdout) == {"signal": "drift", "note": None}
    assert "noteMarkdown" not in registry_show(store, "drift").signal
    listed = json.loads(cli("list", "--json").stdout)
    assert [(s["name"], s["type"], s["tier"], s["status"], s["t_stat"], s["has_note"]) for s in listed] == [
        ("drift", "graph", "A", "alpha", 3.0, False)]


def test_a_wipe_that_keeps_the_registry_keeps_the_history(store: Store) -> None:
    noise_data(store)
    register(store, "r1", "alpha", "2024-06-30")
    assert wipe(store, keep_registry=True) > 0  # what `load --replace` and the demo do
    assert [h["status"] for h in status_history(store, "drift")] == ["alpha"]


def planted(store: Store, prices: pd.DataFrame, start: str, end: str, noise: float, version: str, seed: int) -> None:
    """Factor 'planted' under ``version``: the 21-day forward return plus noise, on month-ends start..end."""
    from nexus_graph.evaluation.returns import forward_returns

    dates = pd.date_range(start, end, freq="ME").astype("datetime64[ns]")
    ahead = forward_returns(prices, dates, (21,))[21].dropna()
    rng = np.random.default_rng(seed)
    values = ahead.to_numpy() + noise * ahead.std() * rng.normal(size=len(ahead))
    write_factor_panel(store, pd.Series(values, index=ahead.index, name="planted"), "planted", version)


def test_evaluate_on_newer_weaker_data_declines_an_alpha(store: Store) -> None:
    """End to end through `evaluate`: ALPHA on 2021-2023, below the bar with the same sign on 2024-2026."""
    prices = noise_data(store)
    planted(store, prices, "2021-06-30", "2023-12-31", 0.3, "m-early", seed=1)
    first = evaluate_stored_factor(store, "planted", model_version="m-early", prices=prices)
    assert first.evaluation.decision.verdict == "ALPHA" and first.registration["status"] == "alpha"
    assert registry_show(store, "planted").signal["tier"] == "B"  # 30 month-ends: a reduced window
    planted(store, prices, "2024-01-31", "2026-03-31", 15.0, "m-late", seed=2)
    later = evaluate_stored_factor(store, "planted", model_version="m-late", prices=prices)
    assert later.evaluation.decision.verdict != "ALPHA" and later.summary()["t_stat"] > 0
    view = registry_show(store, "planted")
    assert view.signal["status"] == "declining" and later.registration["status_change"]["from"] == "alpha"
    assert [h["status"] for h in view.history] == ["alpha", "declining"]
    assert [p["status"] for p in view.profile["previousStatuses"]] == ["alpha"]
