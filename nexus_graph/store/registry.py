"""The signal registry in Neo4j: every verdict and every test, rejected ones included, and each status change.

Graph model: ``(:Signal {name, type, tier, status, verdict, reasons, modelVersion, lastRunId,
everRejected, lookAhead, tStat, tStatHorizon, hlzPasses, regimeProfile, noteMarkdown, alphaLastDate,
alphaSign, statusReason, createdAt})-[:HAS_TEST]->(:SignalTest {signal, runId, horizon, testedAt,
dataFingerprint, modelVersion, status, verdict, registered, lookAhead, <figures>})`` and
``(:Signal)-[:HAD_STATUS]->(:StatusChange {signal, runId, status, from, at, verdict, lastDate, reason})``.
A *run* is one evaluation of one factor panel against one set of forward returns; its id is a
fingerprint of that data and the method, so registering the same run twice MERGEs onto the same
nodes (``SignalTest`` is unique on (signal, runId, horizon)) and ``testedAt`` keeps the first time.
Every ``SignalTest`` is a test in the multiple-testing family (:func:`family_tests`), those of runs
evaluated with ``--no-register`` too: :func:`record_trial` stores them with ``registered: false``
(same MERGE key, so a retry adds nothing) without touching the signal's status or verdict.

The signal's status is decided by the caller (the pipeline applies
:func:`nexus_graph.evaluation.lifecycle.transition` inside :func:`record_run`'s transaction, through
its ``update`` argument); this module records it. A status change is a ``StatusChange`` keyed by
(signal, runId), created once: a run registered a second time (a retry, a re-run) leaves the
signal, its status and its history as they are, so the history is idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.store.neo4j_store import from_values
from nexus_graph.store.protocol import Store, Tx

REJECTED = "rejected"


@dataclass(frozen=True)
class SignalState:
    """What the registry knew about a signal before a registration."""

    known: bool
    status: str | None
    verdict: str | None
    tests: int  # tests recorded for this signal (all runs)
    run_tests: int  # of which belong to the run being registered
    rejected_runs: int
    last_rejected_at: dt.datetime | None
    ever_rejected: bool
    alpha_last_date: dt.date | None = None  # the lifecycle's ALPHA evidence: last date of the latest ALPHA run
    alpha_sign: int = 0  # and the sign of its headline robust t
    history: list[dict[str, Any]] = field(default_factory=list)  # status changes, oldest first

    @property
    def already_registered(self) -> bool:
        """The run being registered was registered before (its tests are stored as registered)."""
        return self.run_tests > 0

    @property
    def previously_rejected(self) -> bool:
        return self.ever_rejected or self.rejected_runs > 0 or self.status == REJECTED


@dataclass(frozen=True)
class Registration:
    """The outcome of :func:`record_run`."""

    name: str
    run_id: str
    tests_written: int
    tests_new: int  # 0 when this run was registered before
    before: SignalState
    warning: str | None  # set when the signal had been rejected before
    status: str | None = None  # the signal's status after the run
    status_change: dict[str, Any] | None = None  # the StatusChange this run recorded (None: no change)


@dataclass(frozen=True)
class SignalUpdate:
    """The signal's status after a run, why, and further ``Signal`` properties (camelCase; None removes one)."""

    status: str
    reason: str
    properties: dict[str, Any] = field(default_factory=dict)


def _state(row: dict[str, Any], history: list[dict[str, Any]] | None = None) -> SignalState:
    return SignalState(
        known=bool(row["known"]),
        status=row["status"],
        verdict=row.get("verdict"),
        tests=int(row["tests"]),
        run_tests=int(row["run_tests"]),
        rejected_runs=int(row["rejected_runs"]),
        last_rejected_at=row["last_rejected_at"],
        ever_rejected=bool(row["ever_rejected"]),
        alpha_last_date=row.get("alpha_last_date"),
        alpha_sign=int(row.get("alpha_sign") or 0),
        history=list(history or []),
    )


def signal_state(store: Store, name: str, run_id: str | None = None) -> SignalState:
    """The registry's record of ``name`` (``known`` False when never registered), its status history included."""
    return _state(store.records("registry/signal_state", signal=name, run_id=run_id)[0], status_history(store, name))


def status_history(store: Store, name: str) -> list[dict[str, Any]]:
    """The status changes of ``name``, oldest first: ``status, from, at, run_id, verdict, last_date, reason``."""
    return store.records("registry/status_history", signal=name)


def rejection_warning(name: str, state: SignalState) -> str | None:
    """The warning shown when a previously rejected signal is tested again (None otherwise)."""
    if not state.previously_rejected:
        return None
    when = f", last on {state.last_rejected_at:%Y-%m-%d}" if state.last_rejected_at else ""
    runs = max(state.rejected_runs, 1)
    return (
        f"Signal {name!r} was REJECTED before ({runs} rejected run(s){when}). Testing it again is one more "
        "trial: it counts in M, and a pass after a reject deserves suspicion, not celebration."
    )


def record_run(
    store: Store,
    name: str,
    *,
    run_id: str,
    data_fingerprint: str,
    status: str,
    verdict: str,
    tier: str | int,
    reasons: list[str],
    tests: list[dict[str, Any]],
    model_version: str | None = None,
    signal_type: str = "graph",
    look_ahead: bool = False,
    update: Callable[[SignalState], SignalUpdate] | None = None,
) -> Registration:
    """Record one evaluation run of signal ``name`` in one transaction, idempotently.

    ``tests`` holds one flat dict per horizon (camelCase keys, ``horizon`` an int, scalar values,
    ``lastDate`` the last evaluated date). ``status`` is the run's own status (from its verdict). The
    signal's status becomes ``update(state before the run).status`` -- the pipeline passes the
    lifecycle's transition -- or, without ``update``, the run's status; a change is kept as a
    ``StatusChange``. ``verdict``, ``reasons``, ``tier`` and ``signal_type`` become the signal's;
    ``look_ahead`` labels the signal and its tests (the factor values came from a look-ahead backfill).
    A run already registered changes neither the signal nor its history (only its tests are MERGEd again).
    """
    if not tests:
        raise NexusError(f"Nothing to register for signal {name!r}: the run has no tests (no horizon had data).")
    last_date = max((t["lastDate"] for t in tests if t.get("lastDate") is not None), default=None)

    def work(tx: Tx) -> Registration:
        history = tx.run("registry/status_history", signal=name)
        before = _state(tx.run("registry/signal_state", signal=name, run_id=run_id)[0], history)
        change: dict[str, Any] | None = None
        after = before.status
        if not before.already_registered:
            decided = update(before) if update else SignalUpdate(status, f"run verdict {verdict}")
            after = decided.status
            tx.run("registry/merge_signal", signal=name, type=signal_type, tier=tier, status=decided.status,
                   run_status=status, verdict=verdict, reasons=list(reasons), model_version=model_version,
                   run_id=run_id, look_ahead=bool(look_ahead),
                   properties={"statusReason": decided.reason, **decided.properties})
            if decided.status != before.status:
                change = {"status": decided.status, "from": before.status, "reason": decided.reason,
                          "verdict": verdict, "last_date": last_date}
                tx.run("registry/merge_status_change", signal=name, run_id=run_id, **change)
        written = tx.run("registry/merge_tests", signal=name, run_id=run_id, tests=tests, status=status,
                         verdict=verdict, data_fingerprint=data_fingerprint, model_version=model_version,
                         look_ahead=bool(look_ahead))
        count = int(written[0]["tests"])
        return Registration(name, run_id, count, count - before.run_tests, before, rejection_warning(name, before),
                            after, change)

    return store.transaction(work)


def record_trial(
    store: Store,
    name: str,
    *,
    run_id: str,
    data_fingerprint: str,
    status: str,
    verdict: str,
    tests: list[dict[str, Any]],
    model_version: str | None = None,
    look_ahead: bool = False,
) -> int:
    """Store the tests of an unregistered run as trials (``registered: false``); returns the run's tests stored.

    They join the multiple-testing family of every later run but leave the signal's status, verdict
    and tier alone (a signal first seen here has none). Idempotent: the tests are MERGEd on
    (signal, runId, horizon) and a test already stored, registered or not, is left unchanged.
    """
    if not tests:
        return 0
    rows = store.write("registry/merge_trial", signal=name, run_id=run_id, tests=tests, status=status,
                       verdict=verdict, data_fingerprint=data_fingerprint, model_version=model_version,
                       look_ahead=bool(look_ahead))
    return int(rows[0]["tests"]) if rows else 0


def family_tests(store: Store) -> pd.DataFrame:
    """Every test in the registry, one row each: ``signal, run_id, horizon, robust_p, registered``.

    The input of :meth:`nexus_graph.evaluation.family.TestFamily.from_tests` (``robust_p`` NaN where
    a test has none stored).
    """
    columns = ["signal", "run_id", "horizon", "robust_p", "registered"]
    frame = pd.DataFrame(store.records("registry/family_tests"), columns=columns)
    frame["robust_p"] = pd.to_numeric(frame["robust_p"], errors="coerce").astype(float)
    return frame


def count_tests(store: Store, exclude_run: str | None = None) -> int:
    """Tests recorded in the registry (all signals, runs and horizons), optionally without one run."""
    return int(store.records("registry/count_tests", exclude_run=exclude_run)[0]["tests"])


def list_signals(store: Store) -> pd.DataFrame:
    """One row per signal: name, type, tier, status, verdict, model_version, ever_rejected, runs, tests,
    last_tested_at (datetime, NaT when never tested), t_stat and t_stat_horizon (headline robust t),
    hlz_passes, has_note."""
    columns = ["name", "type", "tier", "status", "verdict", "model_version", "ever_rejected", "runs", "tests",
               "last_tested_at", "t_stat", "t_stat_horizon", "hlz_passes", "has_note"]
    rows = store.records("registry/list")
    # object columns keep None as None (a string column would turn it into NaN)
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame[["runs", "tests"]] = frame[["runs", "tests"]].astype(int)
    frame["last_tested_at"] = pd.to_datetime(frame["last_tested_at"], utc=True)
    return frame


def unknown_signal(store: Store, name: str) -> NexusError:
    """The error for a signal name the registry does not hold (lists the names it does)."""
    known = list_signals(store)["name"].tolist()
    return NexusError(f"No signal {name!r} in the registry. Registered: {known or 'none'}; "
                      "run `nexus-graph evaluate FACTOR` to register one.")


def set_note(store: Store, name: str, note: str | None) -> str | None:
    """Set the researcher's Markdown note on signal ``name`` (None removes it); returns the note read back.

    Raises for an unknown signal (nothing written) and when the note read back differs from the one sent.
    """
    if not store.write("registry/set_note", signal=name, note=note):
        raise unknown_signal(store, name)
    stored = store.records("registry/signal", signal=name)[0]["signal"].get("noteMarkdown")
    if stored != note:
        raise NexusError(f"The note of signal {name!r} did not read back as written; run the command again.")
    return stored


def factor_origins(store: Store, factor: str, stored_model_version: str) -> list[str]:
    """The distinct ``origin`` of a stored factor's values (``graph`` where a row has none).

    ``stored_model_version`` is the ``modelVersion`` property ('' for a model-free factor).
    """
    return [r["origin"] for r in store.records("registry/factor_origins", factor=factor,
                                               model_version=stored_model_version)]


def signal_detail(store: Store, name: str) -> tuple[dict[str, Any], pd.DataFrame]:
    """One signal's properties and its tests (one row per run and horizon, oldest first)."""
    rows = store.records("registry/signal", signal=name)
    if not rows:
        raise unknown_signal(store, name)
    signal = {k: from_values(v) for k, v in rows[0]["signal"].items()}
    records = store.records("registry/tests", signal=name)
    tests = pd.DataFrame([{k: from_values(v) for k, v in r["test"].items()} for r in records])
    return signal, tests
