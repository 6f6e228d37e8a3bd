"""Reliability of the trained-model path against the real Neo4j: crashes, server restarts, concurrency, secrets.

One module-scoped pipeline runs the real CLI in subprocesses: ``demo-data`` + ``load`` + ``train
--epochs 20 --min-auc 0`` (into a temporary models folder) + one uninterrupted ``backfill``, whose
full graph export is the reference. Each test then undoes the backfill (``test/reset_backfill``),
breaks a backfill on purpose, and compares what is left with the reference three ways:

- every stored date holds exactly the companies present at that date (no half-written snapshot),
- ``read_embedding_panel`` (vectors and drift) equals the reference run's frames (to float32 rounding;
  whether they are bitwise equal is printed),
- one row per (company, date, model version) key (``test/embedding_key_counts``), and the full export
  (:func:`~nexus_graph.store.graph.dump_graph`: embeddings, ``HAS_EMBEDDING`` links, drift factor
  values, latest embedding on each company) equals the reference.

Every command's stdout/stderr is kept for the last test, which looks for the password everywhere it
could leak. The restart test stops and starts the local server (``LocalServer.default()``); it is
skipped only against an external server (``NEO4J_URI`` set).
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph.as_of import month_ends
from nexus_graph.embeddings.panel import DRIFT_FACTOR
from nexus_graph.pipeline.snapshots import read_graph_tables
from nexus_graph.server.local import LocalServer
from nexus_graph.settings import Neo4jSettings
from nexus_graph.snapshot.hetero import present_masks
from nexus_graph.store import Store
from nexus_graph.store.admin import wipe
from nexus_graph.store.embeddings import embedded_dates, read_embedding_panel
from nexus_graph.store.factors import factor_date_counts
from nexus_graph.store.faults import PAUSE_ENV
from nexus_graph.store.graph import dump_graph

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]
START, END = "2022-12-31", "2025-12-31"  # 37 month-ends: a backfill long enough to break part-way
AS_OF = START  # the model's as-of date: every backfilled date is at or after it (no look-ahead)
RTOL, ATOL = 1e-5, 1e-6  # float32 rounding; another row's vector is off by 1e-3 or more


@dataclass
class Pipeline:
    """The module's trained model, its uninterrupted backfill and every command's output."""

    store: Store
    root: Path
    env: dict[str, str]
    version: str = ""
    skeleton: list[str] = field(default_factory=list)
    numbers: np.ndarray | None = None
    panel: pd.DataFrame | None = None
    drift: pd.Series | None = None
    expected: dict[pd.Timestamp, int] = field(default_factory=dict)
    drift_counts: dict[pd.Timestamp, int] = field(default_factory=dict)  # drift factor rows per date
    outputs: list[tuple[str, str]] = field(default_factory=list)  # (command, stdout + stderr)

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run the CLI to completion and keep its output."""
        done = subprocess.run([sys.executable, "-m", "nexus_graph", *args], capture_output=True, text=True,
                              env={**self.env, **(env or {})}, check=False)
        self.outputs.append((" ".join(args), done.stdout + done.stderr))
        return done

    @contextmanager
    def start(self, *args: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
        """Start the CLI in the background (output to a file, kept once it ends)."""
        log = self.root / f"out-{len(self.outputs)}-{time.monotonic_ns()}.txt"
        with log.open("w") as handle:
            proc = subprocess.Popen([sys.executable, "-m", "nexus_graph", *args], stdout=handle,
                                    stderr=subprocess.STDOUT, text=True, env={**self.env, **(env or {})})
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            self.outputs.append((" ".join(args), log.read_text(errors="replace")))

    def backfill_args(self) -> tuple[str, ...]:
        return ("backfill", "--model", self.version, "--start", START, "--end", END, "--json")

    def stored(self) -> dict[pd.Timestamp, int]:
        return embedded_dates(self.store, self.version)

    def assert_whole_snapshots(self, what: str) -> dict[pd.Timestamp, int]:
        """Every stored date holds exactly the companies present then: nothing half-written."""
        stored = self.stored()
        wrong = {f"{d:%Y-%m-%d}": (n, self.expected.get(d)) for d, n in stored.items() if n != self.expected.get(d)}
        assert not wrong, f"{what}: half-written snapshots (stored, present): {wrong}"
        return stored

    def assert_equals_reference(self, what: str) -> None:
        """Embeddings, drift, keys and the whole graph equal the uninterrupted run's."""
        assert self.assert_whole_snapshots(what) == self.expected
        panel, drift = read_embedding_panel(self.store, self.version)
        pd.testing.assert_frame_equal(panel, self.panel, check_exact=False, rtol=RTOL, atol=ATOL,
                                      obj=f"{what}: embedding panel")
        pd.testing.assert_series_equal(drift, self.drift, check_exact=False, rtol=RTOL, atol=ATOL, obj=f"{what}: drift")
        keys = self.store.records("test/embedding_key_counts")
        assert keys and max(r["n"] for r in keys) == 1, f"{what}: duplicate embedding keys {keys}"
        skeleton, numbers = _split_numbers(dump_graph(self.store))
        assert skeleton == self.skeleton, f"{what}: the graph differs from an uninterrupted run's"
        np.testing.assert_allclose(numbers, self.numbers, rtol=RTOL, atol=ATOL, err_msg=f"{what}: graph values")
        exact = panel.equals(self.panel) and np.array_equal(numbers, self.numbers, equal_nan=True)
        how = "bitwise" if exact else "within rounding"
        print(f"{what}: {len(skeleton)} nodes and relationships equal the reference ({how})")


def _split_numbers(dump: list) -> tuple[list[str], np.ndarray]:
    """A graph export as (entries with every float blanked, sorted) and its floats in that order.

    Floats are compared apart, within rounding: a process's CPU kernels may round the last bit of a
    float32 embedding differently (allocation alignment), while any lost, doubled or misplaced row
    changes the blanked entries themselves.
    """
    def blank(value, out: list[float]):
        if isinstance(value, float):
            out.append(value)
            return "<float>"
        if isinstance(value, dict):
            return {k: blank(v, out) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v, out) for v in value]
        return value

    entries = []
    for entry in dump:
        floats: list[float] = []
        entries.append((json.dumps(blank(entry, floats), sort_keys=True, default=str), floats))
    entries.sort(key=lambda e: e[0])
    return [e[0] for e in entries], np.array([f for e in entries for f in e[1]], dtype=np.float64)


def _json(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def pipeline(neo4j_session: Store, tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    root = tmp_path_factory.mktemp("reliability")
    env = {**os.environ, "NEXUS_GRAPH_MODELS": str(root / "models"), "NEXUS_GRAPH_DATA_HOME": str(root / "side")}
    p = Pipeline(neo4j_session, root, env)
    wipe(neo4j_session)
    _json(p.run("demo-data", str(root / "demo"), "--seed", "3", "--json"))
    _json(p.run("load", str(root / "demo"), "--json"))
    trained = _json(p.run("train", "--asof", AS_OF, "--epochs", "20", "--min-auc", "0", "--allow-below-baseline",
                          "--device", "cpu", "--json"))
    p.version = trained["model_version"]
    summary = _json(p.run(*p.backfill_args()))
    tables = read_graph_tables(neo4j_session, known_until=pd.Timestamp(END))
    p.expected = {d: int(present_masks(tables, d)["company"].sum()) for d in month_ends(START, END)}
    assert summary["rows_total"] == sum(p.expected.values()) and summary["snapshots"] == len(p.expected)
    p.panel, p.drift = read_embedding_panel(neo4j_session, p.version)
    p.drift_counts = factor_date_counts(neo4j_session, DRIFT_FACTOR, p.version)
    assert len(p.drift_counts) == len(p.expected) - 1  # no drift on the first month
    p.skeleton, p.numbers = _split_numbers(dump_graph(neo4j_session))
    assert p.panel.shape[0] == summary["rows_total"]
    return p


@pytest.fixture()
def fresh(pipeline: Pipeline) -> Pipeline:
    """The pipeline with its backfill and any other command's writes undone (graph and model version kept)."""
    pipeline.store.write("test/reset_backfill")
    pipeline.store.write("test/reset_writers")
    assert pipeline.stored() == {}
    return pipeline


def _wait_for_dates(p: Pipeline, proc: subprocess.Popen, at_least: int) -> bool:
    """Poll until ``at_least`` dates are stored; False when the process ended first."""
    while len(p.stored()) < at_least:
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return True


def test_backfill_killed_at_random_points_resumes_to_the_same_embeddings(fresh: Pipeline) -> None:
    """Three SIGKILLs at seeded random points, each run resuming the previous one's partial state."""
    p = fresh
    total = len(p.expected)
    crashes = []
    for seed in (31, 32, 33):
        rng = random.Random(seed)
        before = len(p.stored())
        # a target a few dates past what is stored, then a random sub-date delay: the kill lands in
        # an embedding, a write transaction, or the final latest/drift writes
        target = min(before + rng.randint(1, 8), total - 3)
        with p.start(*p.backfill_args()) as proc:
            if _wait_for_dates(p, proc, target):
                time.sleep(rng.uniform(0.0, 0.4))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                crashes.append((seed, len(p.stored())))
        p.assert_whole_snapshots(f"after the kill of seed {seed}")
    print(f"kill -9 points (seed, whole dates stored of {total}): {crashes}")
    assert len(crashes) == 3, f"a run finished before its kill; crash points {crashes}"
    assert 0 < crashes[0][1] < total, f"the first kill did not land part-way through the dates: {crashes}"
    rerun = _json(p.run(*p.backfill_args()))
    assert rerun["snapshots_written"] == total - crashes[-1][1]
    p.assert_equals_reference("kill -9 x3 + re-run")


def restart_at_pause(p: Pipeline, args: tuple[str, ...], pause_at: int) -> tuple[int, dict[str, float]]:
    """Run ``args`` paused inside its ``pause_at``-th write transaction, restart Neo4j there, let it commit.

    The writer stops after its last statement and before COMMIT (:mod:`nexus_graph.store.faults`), so
    the commit always meets a server that has rolled the transaction back and restarted: the case
    where the driver answered "committed" without a bookmark. Returns the exit code and timings.
    """
    server = LocalServer.default()
    folder = p.root / f"pause-{time.monotonic_ns()}"
    folder.mkdir()
    with p.start(*args, env={PAUSE_ENV: f"{folder}:{pause_at}"}) as proc:
        while not (folder / "paused").exists():
            assert proc.poll() is None, f"the command ended before its write transaction {pause_at}"
            time.sleep(0.05)
        clock = time.monotonic()
        try:
            assert server.stop(), "the local server was not running"
            server.start()  # waits until Bolt answers an authenticated query
        finally:
            (folder / "resume").touch()
        up = time.monotonic()
        rc = proc.wait(timeout=300)
    return rc, {"restart_s": up - clock, "after_s": time.monotonic() - up}


def lost_months(p: Pipeline) -> list[str]:
    """Month-ends whose embeddings or drift values are not all in the graph."""
    stored = p.stored()
    drift_rows = factor_date_counts(p.store, DRIFT_FACTOR, p.version)
    lost = {d for d, n in p.expected.items() if stored.get(d) != n}
    lost |= {d for d, n in p.drift_counts.items() if drift_rows.get(d) != n}
    return sorted(f"{d:%Y-%m-%d}" for d in lost)


def test_backfill_through_a_server_restart(fresh: Pipeline) -> None:
    """Neo4j restarts while a backfill holds an open write transaction: the command proves every commit.

    Deterministic: the writer pauses inside its third write transaction (the third month-end's
    embeddings), the server goes down and up, then the writer sends COMMIT. Before nexus-graph checked
    bookmarks that month was missing from the graph while the command reported success, every run.
    """
    if not Neo4jSettings.from_env().local:
        pytest.skip("the server is external (NEO4J_URI): this test cannot stop and start it")
    p = fresh
    rc, timings = restart_at_pause(p, p.backfill_args(), pause_at=3)
    print(f"server restart inside write transaction 3: {timings}")
    output = p.outputs[-1][1]
    assert rc == 0, output
    summary = json.loads(output)  # the JSON summary and nothing else (no driver retry warnings)
    assert lost_months(p) == [], "the backfill reported success but months are missing from the graph"
    assert summary["snapshots_written"] == len(p.expected)
    assert summary["rows_stored"] == sum(p.expected.values())
    p.assert_equals_reference("server restart")


def _strip_times(value):
    if isinstance(value, dict):
        return {k: _strip_times(v) for k, v in value.items() if not k.endswith("At")}
    if isinstance(value, list):
        return [_strip_times(v) for v in value]
    return value


# (command, the write transaction to pause in): centralities writes a month per transaction, evaluate
# records its registry run in its first one, paper-trade records its run in its first one
WRITERS = [
    (("centralities", "--start", "2023-01-31", "--end", "2023-12-31", "--json"), 4),
    (("evaluate", "graph_owner_count_change", "--horizons", "21", "--json"), 1),
    (("paper-trade", "--signal", "graph_owner_count_change", "--force", "--json"), 1),  # past the gate
]


@pytest.mark.parametrize(("args", "pause_at"), WRITERS, ids=[w[0][0] for w in WRITERS])
def test_every_writing_command_through_a_server_restart(pipeline: Pipeline, args: tuple[str, ...],
                                                        pause_at: int) -> None:
    """Restart Neo4j inside a write of each writing command: it completes, and a re-run changes nothing."""
    if not Neo4jSettings.from_env().local:
        pytest.skip("the server is external (NEO4J_URI): this test cannot stop and start it")
    p = pipeline
    args = (*args[:-1], "--report-dir", str(p.root / f"report-{args[0]}"), "--json") if args[0] != "centralities" \
        else args
    rc, timings = restart_at_pause(p, args, pause_at)
    print(f"{args[0]}: server restart inside write transaction {pause_at}: {timings}")
    assert rc == 0, p.outputs[-1][1]
    json.loads(p.outputs[-1][1])  # the JSON summary and nothing else
    after = _strip_times(dump_graph(p.store))
    _json(p.run(*args))
    assert _strip_times(dump_graph(p.store)) == after, f"{args[0]}: a re-run found something missing"


@pytest.mark.soak
def test_soak_server_restarts_at_random_pause_points(fresh: Pipeline) -> None:
    """``make soak``: the restart test N times (SOAK_RUNS, default 20) at random write transactions."""
    if not Neo4jSettings.from_env().local:
        pytest.skip("the server is external (NEO4J_URI): this test cannot stop and start it")
    p, runs = fresh, int(os.environ.get("SOAK_RUNS", "20"))
    rng = random.Random(int(os.environ.get("SOAK_SEED", "2026")))
    writes = len(p.expected) * 2 + 1  # one per month of embeddings, one per month of drift, the latest
    results = []
    for run in range(runs):
        p.store.write("test/reset_backfill")
        pause_at = rng.randint(1, writes)
        rc, timings = restart_at_pause(p, p.backfill_args(), pause_at)
        lost = lost_months(p)
        results.append((pause_at, rc, lost))
        print(f"soak run {run + 1}/{runs}: paused in write {pause_at}, exit {rc}, months lost {lost or 0}, "
              f"restart {timings['restart_s']:.1f} s", flush=True)
    lost_runs = [r for r in results if r[2]]
    print(f"SOAK: {sum(len(r[2]) for r in results)} month(s) lost in {len(lost_runs)} of {runs} runs "
          f"(exit 0 in {sum(r[1] == 0 for r in results)} of {runs})")
    assert not lost_runs and all(r[1] == 0 for r in results), results


def test_two_concurrent_backfills_leave_one_row_per_key(fresh: Pipeline) -> None:
    p = fresh
    results = []
    with p.start(*p.backfill_args()) as first, p.start(*p.backfill_args()) as second:
        results = [first.wait(timeout=300), second.wait(timeout=300)]
    assert results == [0, 0], p.outputs[-2:]
    p.assert_equals_reference("two concurrent backfills")


def _windows(secret: str, width: int = 16) -> set[str]:
    """Every ``width``-character piece of ``secret`` (a wrapped or cut line still gives one away)."""
    return {secret[i : i + width] for i in range(max(1, len(secret) - width + 1))}


def test_password_never_written(pipeline: Pipeline) -> None:
    """Outputs, server logs, reports and model metadata hold neither the real nor a wrong password."""
    p = pipeline
    password = Neo4jSettings.from_env().password
    wrong = secrets.token_hex(20)  # the shape of a generated password, but not the server's
    if len(password) < 12:  # e.g. an external server's 'password': a word that occurs in plain text
        pytest.skip("the configured password is too short to tell a leak from ordinary text")
    status = _json(p.run("neo4j", "status", "--json"))
    assert status["running"] is True
    report_dir = p.root / "report"
    try:
        _json(p.run("evaluate", DRIFT_FACTOR, "--model-version", p.version, "--horizons", "21",
                    "--report-dir", str(report_dir), "--json"))
    finally:
        p.store.write("test/delete_registry")
    for args in (("neo4j", "status", "--json"), ("backfill", "--model", p.version, "--json")):
        refused = p.run(*args, env={"NEO4J_PASSWORD": wrong})
        assert refused.returncode == 1 and "refused user" in refused.stdout + refused.stderr, refused
    assert any(report_dir.rglob("*")), "evaluate wrote no report"
    places: dict[str, bytes] = {f"output of `{cmd}`": text.encode() for cmd, text in p.outputs}
    folders = [p.root]  # models (metadata.json, checkpoints), reports, side store, logs of every run
    if Neo4jSettings.from_env().local:
        folders.append(LocalServer.default().home / "logs")
    for folder in folders:
        places.update({str(f): f.read_bytes() for f in folder.rglob("*") if f.is_file()})
    assert any(name.endswith("metadata.json") for name in places) and len(p.outputs) >= 7
    pieces = [piece.encode() for piece in _windows(password) | _windows(wrong)]
    # the scan itself can fail: a password cut by a line wrap is still found
    places["(control)"] = f"x {password[:20]}\n{password[20:]} x".encode()
    leaks = sorted(name for name, data in places.items() if any(piece in data for piece in pieces))
    assert "(control)" in leaks, "the scan missed a planted password"
    assert leaks == ["(control)"], f"the password (or part of it) appears in: {[n for n in leaks if n[0] != '(']}"
    print(f"secrets: {len(places) - 1} outputs and files scanned, no trace of the password")
