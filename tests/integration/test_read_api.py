"""The read API and the Parquet export against the real Neo4j, on a small demo backfill (issue #18).

Every figure is checked against what the pipeline wrote (the store's own readers), and the point-in-time
rules are tried from the outside: look-ahead rows, future dates, unknown versions, empty ranges.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nexus_graph import schema
from nexus_graph.errors import NexusError
from nexus_graph.model.config import TrainConfig
from nexus_graph.pipeline.backfill import backfill
from nexus_graph.pipeline.export import MANIFEST, export
from nexus_graph.pipeline.read import GraphReader
from nexus_graph.pipeline.snapshots import compute_centralities
from nexus_graph.pipeline.train import train_model
from nexus_graph.sources.demo import generate
from nexus_graph.sources.prices import save_prices
from nexus_graph.store import Store
from nexus_graph.store.admin import wipe
from nexus_graph.store.embeddings import read_embedding_panel
from nexus_graph.store.graph import load_dataset
from nexus_graph.store.snapshots import count_edges_as_of

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]
START, END = pd.Timestamp("2021-05-31"), pd.Timestamp("2021-10-31")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(neo4j_session: Store, tmp_path_factory: pytest.TempPathFactory) -> tuple[GraphReader, str, Path]:
    root = tmp_path_factory.mktemp("read-api")
    wipe(neo4j_session)
    dataset = generate(seed=7)
    load_dataset(neo4j_session, dataset)
    save_prices(dataset.prices, root / "side" / "prices.parquet")
    outcome = train_model(neo4j_session, START, root / "models", config=TrainConfig(epochs=20, eval_every=20, seed=0,
                                                                                      min_auc=0.0), device="cpu",
                           allow_below_baseline=True)
    backfill(neo4j_session, root / "models", outcome.version, START, END, device="cpu")
    compute_centralities(neo4j_session, list(pd.date_range(START, END, freq="ME")))
    return GraphReader(neo4j_session), outcome.version, root


def test_embeddings_and_drift_are_what_the_backfill_wrote(demo) -> None:
    graph, version, _ = demo
    frame = graph.embeddings(START, END)
    assert frame.attrs["model_version"] == version == graph.current_model()
    panel, drift = read_embedding_panel(graph.store, version)
    assert len(frame) == len(panel)
    assert (frame[[f"e{i}" for i in range(panel.shape[1])]].to_numpy() == panel.to_numpy()).all()
    d = graph.drift(START, END)
    assert list(d.columns) == ["date", "company_id", "drift"]
    assert d.loc[d["date"] == START, "drift"].isna().all()  # no drift on the first month
    pd.testing.assert_series_equal(d["drift"].reset_index(drop=True), drift.reset_index(drop=True),
                                   check_names=False)


def test_look_ahead_rows_are_left_out_unless_asked_for(demo) -> None:
    graph, version, _ = demo
    date = pd.Timestamp("2021-07-31")
    marked = graph.store.write("test/mark_look_ahead", model_version=version, date=date, look_ahead=True)[0]["marked"]
    try:
        assert marked > 0
        pit = graph.embeddings(START, END)
        assert date not in set(pit["date"])
        assert date in set(graph.embeddings(START, END, allow_look_ahead=True)["date"])
        with pytest.raises(NexusError, match="look-ahead backfill; pass allow_look_ahead=True"):
            graph.embeddings(date, date)
    finally:
        graph.store.write("test/mark_look_ahead", model_version=version, date=date, look_ahead=False)
    assert date in set(graph.embeddings(START, END)["date"])


def test_bad_requests_raise_clear_errors(demo, monkeypatch: pytest.MonkeyPatch) -> None:
    graph, _, _ = demo
    with pytest.raises(NexusError, match="Unknown model version 'nope'"):
        graph.embeddings(START, END, model_version="nope")
    with pytest.raises(NexusError, match=r"No embeddings of model .* between 2019-01-31 and 2019-12-31"):
        graph.embeddings("2019-01-31", "2019-12-31")
    with pytest.raises(NexusError, match="start 2021-10-31 is after end 2021-05-31"):
        graph.drift(END, START)
    monkeypatch.setenv("NEXUS_GRAPH_TODAY", "2021-08-15")
    with pytest.raises(NexusError, match=r"end 2021-10-31 is in the future .* month-end you can use is 2021-07-31"):
        graph.embeddings(START, END)


def test_graph_as_of_matches_the_cypher_as_of_counts(demo) -> None:
    graph, _, _ = demo
    data = graph.graph_as_of("2021-08-31")
    edges = graph.edges_as_of("2021-08-31")
    counts = count_edges_as_of(graph.store, pd.Timestamp("2021-08-31"))
    assert {k: len(v) for k, v in edges.items()} == counts
    for spec in schema.REL_SPECS:  # the HeteroData holds exactly the relationships Cypher sees on that date
        assert data[spec.pyg].edge_index.shape[1] == counts[spec.rel_type], spec.rel_type
    centralities = graph.centralities(START, END, company_id=None)
    assert set(centralities["date"]) == set(pd.date_range(START, END, freq="ME"))
    assert list(graph.signals().columns[:4]) == ["name", "type", "tier", "status"]
    assert version_in(graph.model_versions(), graph.current_model())


def version_in(frame: pd.DataFrame, version: str) -> bool:
    return version in set(frame["version"])


def test_export_is_complete_and_a_rerun_changes_nothing(demo, tmp_path: Path) -> None:
    graph, version, _ = demo
    first = export(graph, "embeddings", START, END, tmp_path)
    manifest = json.loads((tmp_path / "embeddings" / MANIFEST).read_text())
    assert manifest["model_version"] == version and manifest["rows"] == len(graph.embeddings(START, END))
    assert len(manifest["files"]) == len(pd.date_range(START, END, freq="ME"))
    back = pd.read_parquet(tmp_path / "embeddings" / "data")  # the partitioned dataset, as a worker reads it
    assert len(back) == manifest["rows"] and set(back["company_id"]) == set(graph.embeddings(START, END)["company_id"])
    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "embeddings").rglob("*") if p.is_file()}
    second = export(graph, "embeddings", START, END, tmp_path)
    assert first.changed and not second.changed
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "embeddings").rglob("*") if p.is_file()} == mtimes
    edges = export(graph, "edges", START, END, tmp_path)
    assert edges.summary()["partitions"] == 6 and edges.summary()["rows"] > 0


def test_the_backtest_example_prints_a_quintile_table(demo) -> None:
    _, _, root = demo
    env = {**os.environ, "NEXUS_GRAPH_MODELS": str(root / "models"), "NEXUS_GRAPH_DATA_HOME": str(root / "side")}
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "backtest_drift.py"), "--start", "2021-05-31",
                          "--end", "2021-10-31"], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "mean monthly return by drift quintile" in out.stdout and "Q5 - Q1 spread" in out.stdout
    assert len([line for line in out.stdout.splitlines() if line[:1] in "12345" and "." in line]) == 5
