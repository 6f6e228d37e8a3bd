"""Embedding backfill against the real Neo4j: counts, idempotency, resume, look-ahead, vector index.

The embedding function here is a fixed random projection of the snapshot features (no training), so
these tests isolate the write-back; the trained-model path is covered by the pipeline tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph.as_of import month_ends
from nexus_graph.embeddings.panel import DRIFT_FACTOR
from nexus_graph.errors import NexusError
from nexus_graph.pipeline.backfill import run_backfill, write_drift_factor
from nexus_graph.pipeline.snapshots import read_graph_tables
from nexus_graph.sources.dataset import read_dataset
from nexus_graph.store import Store
from nexus_graph.store.embeddings import embedded_dates, nearest_peers, read_embedding_panel
from nexus_graph.store.factors import look_ahead_dates
from nexus_graph.store.graph import load_dataset
from nexus_graph.store.models import mark_promoted

pytestmark = pytest.mark.neo4j
TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"
DATES = month_ends("2022-01-31", "2023-12-31")
DIM = 64


def projection_embed(data) -> np.ndarray:
    x = data["company"].x.numpy().astype(np.float64)
    weights = np.random.default_rng(0).normal(size=(x.shape[1], DIM))
    return np.tanh(x @ weights) + 1e-3


@pytest.fixture()
def tiny(store: Store):
    load_dataset(store, read_dataset(TINY))
    return store, read_graph_tables(store, known_until=DATES[-1])


def _present_total(tables) -> int:
    from nexus_graph.snapshot.hetero import present_masks

    return int(sum(present_masks(tables, d)["company"].sum() for d in DATES))


def test_rows_per_key_idempotent_and_labelled(tiny) -> None:
    store, tables = tiny
    first = run_backfill(store, tables, DATES, projection_embed, "m-test", pd.Timestamp("2022-01-31"))
    assert first.rows_written == _present_total(tables) and first.snapshots_written == len(DATES)
    assert first.dim == DIM
    again = run_backfill(store, tables, DATES, projection_embed, "m-test", pd.Timestamp("2022-01-31"))
    assert again.rows_written == 0 and again.snapshots_written == 0
    stored = embedded_dates(store, "m-test")
    assert sum(stored.values()) == first.rows_total
    panel, drift = read_embedding_panel(store, "m-test")
    assert panel.shape == (first.rows_total, DIM)
    np.testing.assert_allclose(panel.to_numpy(), first.panel.to_numpy())
    # the first month has no drift, later months do
    assert drift.xs(DATES[0], level="date").isna().all()
    assert drift.xs(DATES[-1], level="date").notna().all()


def test_interrupted_backfill_resumes_to_one_row_per_key(tiny) -> None:
    store, tables = tiny

    class Crash(Exception):
        pass

    def crash_after_five(date, written) -> None:  # months are written newest first
        if date == DATES[-5]:
            raise Crash

    with pytest.raises(Crash):
        run_backfill(store, tables, DATES, projection_embed, "m-crash", DATES[0], on_date=crash_after_five)
    partial = embedded_dates(store, "m-crash")
    assert sorted(partial) == DATES[-5:]  # whole months only: nothing half-written
    resumed = run_backfill(store, tables, DATES, projection_embed, "m-crash", DATES[0])
    assert resumed.snapshots_written == len(DATES) - 5
    clean = run_backfill(store, tables, DATES, projection_embed, "m-clean", DATES[0])
    a, _ = read_embedding_panel(store, "m-crash")
    b, _ = read_embedding_panel(store, "m-clean")
    pd.testing.assert_frame_equal(a, b)
    rows = store.records("test/embedding_key_counts")
    assert rows and max(r["n"] for r in rows) == 1
    assert clean.rows_total == sum(embedded_dates(store, "m-crash").values())


def test_no_look_ahead_by_default_and_other_versions_untouched(tiny) -> None:
    store, tables = tiny
    run_backfill(store, tables, DATES, projection_embed, "m-early", DATES[0])
    before, _ = read_embedding_panel(store, "m-early")
    late = run_backfill(store, tables, DATES, lambda d: projection_embed(d) * 2, "m-late", pd.Timestamp("2023-06-30"))
    assert set(embedded_dates(store, "m-late")) == {d for d in DATES if d >= pd.Timestamp("2023-06-30")}
    assert len(late.skipped_before_model) == sum(d < pd.Timestamp("2023-06-30") for d in DATES)
    after, _ = read_embedding_panel(store, "m-early")
    pd.testing.assert_frame_equal(before, after)
    with pytest.raises(NexusError, match="would look ahead"):
        run_backfill(store, tables, DATES[:3], projection_embed, "m-late", pd.Timestamp("2023-06-30"))
    labelled = run_backfill(store, tables, DATES[:3], projection_embed, "m-late2", pd.Timestamp("2023-06-30"),
                            allow_look_ahead=True)
    assert labelled.snapshots_written == 3
    assert store.records("test/look_ahead_rows", model_version="m-late2")[0]["n"] == labelled.rows_total
    # the label follows the data onto the drift factor (issue #17, defect 3)
    assert write_drift_factor(store, labelled.panel, "m-late2", pd.Timestamp("2023-06-30")) > 0
    assert look_ahead_dates(store, DRIFT_FACTOR, "m-late2") == DATES[1:3]
    write_drift_factor(store, late.panel, "m-late", pd.Timestamp("2023-06-30"))
    assert look_ahead_dates(store, DRIFT_FACTOR, "m-late") == []


def promote(store: Store, version: str) -> None:
    """A recorded, promoted model version: the latest properties follow the current model (issue #21)."""
    store.write("models/merge_model_version", version=version, props={})
    mark_promoted(store, version)


def test_latest_embedding_on_company_and_vector_index(tiny) -> None:
    store, tables = tiny
    promote(store, "m-vec")
    run_backfill(store, tables, DATES, projection_embed, "m-vec", DATES[0])
    store.write("admin/await_indexes")
    peers = nearest_peers(store, "NVDA", k=3)
    assert len(peers) == 3 and "NVDA" not in set(peers.company_id)
    assert peers.score.is_monotonic_decreasing


def test_the_browser_statements_answer_on_a_backfilled_graph(tiny) -> None:
    """The analysts' queries of ``cypher/browser/`` run with their documented parameters and agree with Python."""
    from nexus_graph.snapshot.centrality import centrality_history
    from nexus_graph.store.snapshots import write_centralities

    store, tables = tiny
    promote(store, "m-browser")
    result = run_backfill(store, tables, DATES, projection_embed, "m-browser", DATES[0])
    write_centralities(store, centrality_history(tables, DATES))
    store.write("admin/await_indexes")
    peers = store.records("browser/nearest_peers", company="NVDA", k=3, asOf=None)
    assert len(peers) == 3 and "NVDA" not in {p["peer"] for p in peers}
    drift = store.records("browser/embedding_drift_over_time", company="NVDA", modelVersion="m-browser")
    expected = result.panel.xs("NVDA", level="company_id").index
    assert [pd.Timestamp(r["date"]) for r in drift] == list(expected)
    history = store.records("browser/centrality_over_time", company="NVDA")
    assert [pd.Timestamp(r["date"]) for r in history] == list(expected)


def test_a_fresh_write_over_a_month_another_writer_stored_merges_instead(tiny) -> None:
    # A backfill creates (not merges) the months it found empty; when another writer stored the month in
    # between, the CREATE fails the key constraint, nothing of it commits, and the month is merged instead.
    from nexus_graph.store.embeddings import write_snapshot_embeddings

    store, _ = tiny
    date = pd.Timestamp("2022-03-31")
    ids = ["NVDA", "TSM", "MU"]
    first = np.full((3, 4), 0.25)
    write_snapshot_embeddings(store, date, "m-race", ids, first, np.full(3, np.nan), fresh=True)
    second = np.arange(12, dtype=np.float64).reshape(3, 4) + 1.0
    write_snapshot_embeddings(store, date, "m-race", ids[:2], second[:2], np.array([0.5, 0.25]), fresh=True)
    assert embedded_dates(store, "m-race") == {date: 3}  # one node per key: merged, not created twice
    panel, drift = read_embedding_panel(store, "m-race")
    assert panel.loc[(date, "TSM")].tolist() == second[1].tolist()  # the second writer's values won
    assert panel.loc[(date, "MU")].tolist() == first[2].tolist()
    assert drift.loc[(date, "NVDA")] == 0.5
    links = store.records("graph/relationship_counts")
    assert {r["type"]: r["count"] for r in links}.get("HAS_EMBEDDING") == 3
