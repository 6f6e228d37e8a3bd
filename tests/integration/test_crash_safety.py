"""kill -9 at random points, then re-run: the graph ends equal to an uninterrupted run's.

Each case runs the real CLI in a subprocess, kills it with SIGKILL after a random delay (several
seeds), re-runs the same command to completion, and compares a full export of the graph
(:func:`nexus_graph.store.graph.dump_graph`) with the export after one clean run on an emptied
database. Wall-clock properties (run timestamps) are the only thing left out of the comparison.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph.sources.demo import generate
from nexus_graph.sources.tables import write_dataset
from nexus_graph.store import Store
from nexus_graph.store.admin import wipe
from nexus_graph.store.factors import write_factor_panel
from nexus_graph.store.graph import dump_graph, graph_counts, load_dataset

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]
TIME_KEYS = {"testedAt", "createdAt", "updatedAt", "recordedAt", "firstTestedAt", "lastTestedAt", "at"}


def _strip_times(value):
    if isinstance(value, dict):
        return {k: _strip_times(v) for k, v in value.items() if k not in TIME_KEYS}
    if isinstance(value, list):
        return [_strip_times(v) for v in value]
    return value


def _cli(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nexus_graph", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **env})


def _kill_after(proc: subprocess.Popen, delay: float) -> bool:
    """SIGKILL after ``delay`` s; True when it was still running (a real crash point)."""
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_dataset(generate(seed=3), out)
    return out


def test_load_killed_at_random_points_then_rerun(store: Store, demo_dir: Path, tmp_path: Path) -> None:
    env = {"NEXUS_GRAPH_DATA_HOME": str(tmp_path / "side")}
    load_dataset(store, __import__("nexus_graph.sources.dataset", fromlist=["read_dataset"]).read_dataset(demo_dir))
    reference = dump_graph(store)
    killed, partial = 0, 0
    full = len(reference)
    for seed in (11, 12, 13):
        wipe(store)
        proc = _cli("load", str(demo_dir), "--batch-size", "200", env=env)
        # wait for the first committed batch, then kill at a random point of the write
        while proc.poll() is None and sum(graph_counts(store)["relationships"].values()) == 0:
            time.sleep(0.05)
        killed += _kill_after(proc, random.Random(seed).uniform(0.0, 0.8))
        partial += 0 < len(dump_graph(store)) < full  # killed between committed batches
        rerun = subprocess.run([sys.executable, "-m", "nexus_graph", "load", str(demo_dir)], capture_output=True,
                               text=True, env={**os.environ, **env}, check=False)
        assert rerun.returncode == 0, rerun.stderr
        assert dump_graph(store) == reference, f"seed {seed}: graph differs after kill + re-run"
    assert killed >= 1, "no run was still going when killed: raise the delays"
    assert partial >= 1, "no kill landed between two committed batches: adjust the delays"


def test_evaluate_killed_at_random_points_then_rerun(store: Store, tmp_path: Path) -> None:
    dataset = generate(seed=5)
    load_dataset(store, dataset)
    prices_file = tmp_path / "prices.parquet"
    dataset.prices.to_parquet(prices_file)
    equities = dataset.companies.loc[dataset.companies.kind == "equity", "company_id"].tolist()
    dates = pd.date_range("2021-06-30", "2025-12-31", freq="ME")
    index = pd.MultiIndex.from_product([dates, equities], names=["date", "company_id"])
    panel = pd.Series(np.random.default_rng(0).normal(size=len(index)), index=index, name="crash_factor")
    write_factor_panel(store, panel, "crash_factor", "m-crash")
    args = ("evaluate", "crash_factor", "--model-version", "m-crash", "--prices", str(prices_file),
            "--report-dir", str(tmp_path / "rep"))
    clean = subprocess.run([sys.executable, "-m", "nexus_graph", *args], capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stderr
    reference = _strip_times(dump_graph(store))
    for seed in (21, 22, 23):
        store.write("test/delete_registry")
        proc = _cli(*args, env={})
        _kill_after(proc, random.Random(seed).uniform(1.0, 5.0))
        rerun = subprocess.run([sys.executable, "-m", "nexus_graph", *args], capture_output=True, text=True,
                               check=False)
        assert rerun.returncode == 0, rerun.stderr
        assert _strip_times(dump_graph(store)) == reference, f"seed {seed}: registry differs after kill + re-run"
