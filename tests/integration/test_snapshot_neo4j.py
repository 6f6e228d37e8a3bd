"""Snapshots and centralities against the real Neo4j, on the hand-made tiny dataset."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch

from nexus_graph.as_of import month_ends
from nexus_graph.pipeline.snapshots import read_graph_tables
from nexus_graph.snapshot.centrality import centrality_history
from nexus_graph.snapshot.hetero import SUPPLIES, build_snapshot, snapshot_counts
from nexus_graph.sources.dataset import read_dataset
from nexus_graph.store import Store
from nexus_graph.store.graph import load_dataset
from nexus_graph.store.snapshots import count_edges_as_of, read_centralities, read_edges_as_of, write_centralities

pytestmark = pytest.mark.neo4j
TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"


@pytest.fixture()
def tiny_store(store: Store) -> Store:
    load_dataset(store, read_dataset(TINY))
    return store


def _same(a, b) -> None:
    assert a.node_types == b.node_types and a.edge_types == b.edge_types
    for nt in a.node_types:
        assert a[nt].node_id == b[nt].node_id
        assert torch.equal(a[nt].x, b[nt].x)
        assert torch.equal(a[nt].present, b[nt].present)
    for et in a.edge_types:
        assert torch.equal(a[et].edge_index, b[et].edge_index)
        assert torch.equal(a[et].edge_weight, b[et].edge_weight)


def test_bulk_slicing_equals_cypher_as_of(tiny_store: Store) -> None:
    tables = read_graph_tables(tiny_store)
    for date in month_ends("2021-01-31", "2023-12-31"):
        bulk = build_snapshot(tables, date)
        via_cypher = build_snapshot(tables, date, edges=read_edges_as_of(tiny_store, date))
        _same(bulk, via_cypher)
        assert bulk.validate(raise_on_error=True)


def test_counts_equal_direct_cypher_count(tiny_store: Store) -> None:
    tables = read_graph_tables(tiny_store)
    for date in (pd.Timestamp("2022-07-31"), pd.Timestamp("2023-01-31"), pd.Timestamp("2023-12-31")):
        assert snapshot_counts(build_snapshot(tables, date))["edges"] == count_edges_as_of(tiny_store, date)


def _pairs(data, et):
    src, dst = data[et[0]].node_id, data[et[2]].node_id
    return {(src[s], dst[d]) for s, d in data[et].edge_index.t().tolist()}


def test_leakage_rules_against_neo4j(tiny_store: Store) -> None:
    tables = read_graph_tables(tiny_store)
    # known_from 2021-02-20 > t: never visible at t, in either path
    for edges in (None, read_edges_as_of(tiny_store, pd.Timestamp("2021-01-31"))):
        assert ("TSM", "NVDA") not in _pairs(build_snapshot(tables, "2021-01-31", edges=edges), SUPPLIES)
    # ended 2023-01-01, end known 2023-02-15: still live at 2023-01-31, gone at 2023-02-28
    assert ("MU", "NVDA") in _pairs(build_snapshot(tables, "2023-01-31"), SUPPLIES)
    assert ("MU", "NVDA") not in _pairs(build_snapshot(tables, "2023-02-28"), SUPPLIES)
    # ARM lists 2023-09-14: absent (present=False, no edges) at 2023-08-31
    before = build_snapshot(tables, "2023-08-31")
    row = before["company"].node_id.index("ARM")
    assert not bool(before["company"].present[row])
    assert all("ARM" not in pair for pair in _pairs(before, SUPPLIES))
    # a bulk read limited to what was known at t holds no later-known interval at all
    known = read_graph_tables(tiny_store, known_until=pd.Timestamp("2021-01-31"))
    assert (known.edges[SUPPLIES].known_from <= pd.Timestamp("2021-01-31")).all()


def test_centralities_written_idempotently(tiny_store: Store) -> None:
    tables = read_graph_tables(tiny_store)
    dates = month_ends("2022-01-31", "2023-12-31")
    frame = centrality_history(tables, dates)
    assert write_centralities(tiny_store, frame) == len(frame)
    first = read_centralities(tiny_store)
    write_centralities(tiny_store, frame)
    second = read_centralities(tiny_store)
    pd.testing.assert_frame_equal(first, second)
    assert len(second) == len(frame)
    nvda = read_centralities(tiny_store, "NVDA")
    assert list(nvda.date) == sorted(nvda.date) and len(nvda) == len(dates)
