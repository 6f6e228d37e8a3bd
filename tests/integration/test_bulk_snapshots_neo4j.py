"""The bulk path (one read of every interval, sliced in memory per month-end) against the per-date
Cypher path, on the demo graph in the real Neo4j: snapshots, centralities, the in-memory
``known_until`` slice, and the point-in-time holdout (an interval known after a date never enters it).
"""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from nexus_graph import schema
from nexus_graph.as_of import month_ends
from nexus_graph.pipeline.snapshots import read_graph_tables
from nexus_graph.snapshot.centrality import centrality_at
from nexus_graph.snapshot.hetero import SUPPLIES, SnapshotCache, build_snapshot, visible_edges
from nexus_graph.snapshot.tables import GraphTables, tables_known_by
from nexus_graph.sources.demo import generate
from nexus_graph.store import Store
from nexus_graph.store.graph import load_dataset
from nexus_graph.store.snapshots import read_edges_as_of

pytestmark = pytest.mark.neo4j
DATES = month_ends("2021-05-31", "2026-03-31")  # the demo's month-ends
SAMPLE = [*DATES[::5], DATES[-1]]  # every fifth, to keep the per-date Cypher rounds short


@pytest.fixture(scope="module")
def demo_store(neo4j_session: Store) -> Store:
    from nexus_graph.store.admin import wipe

    wipe(neo4j_session)
    load_dataset(neo4j_session, generate(seed=7))
    return neo4j_session


@pytest.fixture(scope="module")
def whole(demo_store: Store) -> GraphTables:
    return read_graph_tables(demo_store)


def _same_snapshot(a, b) -> None:
    assert a.node_types == b.node_types and a.edge_types == b.edge_types
    for nt in a.node_types:
        assert a[nt].node_id == b[nt].node_id
        assert torch.equal(a[nt].x, b[nt].x) and torch.equal(a[nt].present, b[nt].present)
    for et in a.edge_types:
        assert torch.equal(a[et].edge_index, b[et].edge_index)
        assert torch.equal(a[et].edge_weight, b[et].edge_weight)


def test_in_memory_known_until_equals_the_read(demo_store: Store, whole: GraphTables) -> None:
    for date in (DATES[0], pd.Timestamp("2023-12-31"), DATES[-1]):
        read = read_graph_tables(demo_store, known_until=date)
        sliced = tables_known_by(whole, date)
        for nt, frame in read.nodes.items():
            pd.testing.assert_frame_equal(sliced.nodes[nt], frame)
        for et, frame in read.edges.items():
            pd.testing.assert_frame_equal(sliced.edges[et], frame)
            assert len(frame) < len(whole.edges[et]) or date == DATES[-1]


def test_bulk_snapshots_and_centralities_equal_cypher_per_date(demo_store: Store, whole: GraphTables) -> None:
    cache = SnapshotCache(whole)
    for date in SAMPLE:
        cypher = read_edges_as_of(demo_store, date)
        tables = tables_known_by(whole, date)
        bulk = build_snapshot(tables, date)
        _same_snapshot(bulk, build_snapshot(tables, date, edges=cypher))
        _same_snapshot(bulk, cache(date))  # from the whole graph, later intervals included
        pd.testing.assert_frame_equal(centrality_at(tables, date), centrality_at(tables, date, edges=cypher))
        pd.testing.assert_frame_equal(centrality_at(whole, date), centrality_at(tables, date))
        for et, frame in visible_edges(whole, date).items():
            # the packed bulk rows against the per-date statement's records: same rows, values and dtypes
            bulk_rows, rows = frame.reset_index(drop=True), cypher[et].copy()
            for column in rows.columns:
                if rows[column].notna().any():
                    assert bulk_rows[column].dtype == rows[column].dtype, (et, column)
                elif column in schema.INTERVAL_COLUMNS:  # records of nulls only: the frame cannot tell dates
                    rows[column] = pd.Series(pd.NaT, index=rows.index, dtype=bulk_rows[column].dtype)
            pd.testing.assert_frame_equal(bulk_rows, rows, check_dtype=False)


def _pairs(data, et) -> set[tuple[str, str]]:
    src, dst = data[et[0]].node_id, data[et[2]].node_id
    return {(src[s], dst[d]) for s, d in data[et].edge_index.t().tolist()}


def test_an_interval_known_after_the_date_never_enters(demo_store: Store, whole: GraphTables) -> None:
    supply = whole.edges[SUPPLIES]
    # late disclosures: valid at a month-end, known only after it, the pair not linked by another interval
    late = supply.loc[(supply.known_from - supply.valid_from) > pd.Timedelta(days=31)]
    holdout = []
    for row in late.itertuples():
        date = pd.Timestamp(row.valid_from) + pd.offsets.MonthEnd(0)
        if not row.known_from > date:
            continue
        pair = supply.loc[(supply.source_id == row.source_id) & (supply.target_id == row.target_id)]
        if len(pair) == 1:
            holdout.append((date, row.source_id, row.target_id))
    assert holdout, "the demo graph has no late-disclosed supply interval to hold out"
    cache = SnapshotCache(whole)
    for date, source, target in holdout[:5]:
        assert (source, target) not in _pairs(cache(date), SUPPLIES)
        assert (source, target) not in _pairs(build_snapshot(whole, date, edges=read_edges_as_of(demo_store, date)),
                                              SUPPLIES)
        known = tables_known_by(whole, date).edges[SUPPLIES]
        assert not ((known.source_id == source) & (known.target_id == target)).any()
        assert (known[schema.KNOWN_FROM] <= date).all()
        row = centrality_at(whole, date).set_index("company_id")
        assert int(row.loc[source, "supplies_out"]) == len(
            [p for p in _pairs(cache(date), SUPPLIES) if p[0] == source])
