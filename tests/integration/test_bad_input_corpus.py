"""Every bad-input case: `nexus-graph load` exits 1 with a clear error and leaves the database untouched.

The database holds the tiny dataset first, so "unchanged" is a real claim: the full export
(:func:`dump_graph`, every node and relationship with all properties) is compared before and after,
and so are the bytes of the prices side store.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nexus_graph.sources.dataset import read_dataset
from nexus_graph.sources.prices import save_prices
from nexus_graph.store import Store
from nexus_graph.store.graph import dump_graph, load_dataset

pytestmark = pytest.mark.neo4j

DATA = Path(__file__).resolve().parents[1] / "data"
_spec = importlib.util.spec_from_file_location("make_bad_corpus", DATA / "make_bad_corpus.py")
assert _spec is not None and _spec.loader is not None
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)


@pytest.fixture()
def loaded(store: Store, tmp_path: Path) -> tuple[Store, Path]:
    """The store holding tiny, and a prices side store holding tiny's prices."""
    dataset = read_dataset(corpus.TINY)
    load_dataset(store, dataset)
    side = tmp_path / "side"
    save_prices(dataset.prices, side / "prices.parquet")
    return store, side


def _load(folder: Path, side: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEXUS_GRAPH_DATA_HOME": str(side)}
    return subprocess.run([sys.executable, "-m", "nexus_graph", "load", str(folder)], capture_output=True,
                          text=True, env=env, check=False, timeout=300)


def _assert_refused_unchanged(store: Store, side: Path, folder: Path, expected: str) -> None:
    before = json.dumps(dump_graph(store))
    prices_before = (side / "prices.parquet").read_bytes()
    result = _load(folder, side)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("Error: "), result.stderr[:500]
    assert "nothing was written" in result.stderr.splitlines()[0]
    assert f"\n  {expected}\n" in result.stderr
    assert json.dumps(dump_graph(store)) == before
    assert (side / "prices.parquet").read_bytes() == prices_before
    assert sorted(p.name for p in side.iterdir()) == ["prices.parquet"]


@pytest.mark.parametrize("case", sorted(corpus.CASES))
def test_bad_case_is_refused_and_database_unchanged(loaded: tuple[Store, Path], tmp_path: Path, case: str) -> None:
    store, side = loaded
    folder = tmp_path / case
    expected = corpus.materialise(case, folder).replace("{data_dir}", str(folder))
    _assert_refused_unchanged(store, side, folder, expected)


def test_ten_mb_line_is_refused_and_database_unchanged(loaded: tuple[Store, Path], tmp_path: Path) -> None:
    store, side = loaded
    folder = tmp_path / "ten_mb_line"
    shutil.copytree(corpus.TINY, folder)
    expected = corpus.ten_mb_line(folder)
    _assert_refused_unchanged(store, side, folder, expected)


def test_corpus_has_at_least_25_cases() -> None:
    assert len(corpus.CASES) >= 25
