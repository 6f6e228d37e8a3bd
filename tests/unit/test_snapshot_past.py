"""Past relationships point in time: only ended intervals whose end was public by the as-of date."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from nexus_graph.snapshot.hetero import OWNS, SITS_ON, SUPPLIES, build_snapshot
from nexus_graph.snapshot.past import DAYS_PER_MONTH, past_type, with_past_edges
from nexus_graph.snapshot.tables import GraphTables, graph_tables_from_dataset
from nexus_graph.sources.demo import generate
from tests.frames import edge_frame

NaT = pd.NaT
D = pd.Timestamp
T = D("2020-12-31")
START = D("2020-01-01")


@pytest.fixture()
def tables() -> GraphTables:
    companies = pd.DataFrame({
        "node_id": ["A", "B", "C", "D", "E"], "name": list("ABCDE"), "kind": ["equity"] * 5,
        "segment": ["tech"] * 5, "country": ["US"] * 5,
        "listed_from": pd.to_datetime([NaT] * 5), "listed_to": pd.to_datetime([NaT, NaT, NaT, NaT, D("2020-12-01")]),
    })
    supply = edge_frame(SUPPLIES, [
        ("A", "B", START, D("2020-06-30"), START, NaT),  # ended, end public: past
        ("A", "B", D("2019-01-01"), D("2019-07-01"), D("2019-01-01"), NaT),  # an older interval of the same pair
        ("A", "C", START, D("2020-10-31"), START, D("2021-02-01")),  # end not public yet: live
        ("B", "C", START, D("2020-10-31"), D("2021-01-15"), NaT),  # the relationship itself unknown at T
        ("C", "D", START, D("2020-03-31"), START, NaT),  # ended ...
        ("C", "D", D("2020-09-01"), NaT, D("2020-09-01"), NaT),  # ... and live again: live and past
        ("D", "E", START, D("2020-05-31"), START, NaT),  # ended, but E is delisted at T
    ])
    return GraphTables(
        nodes={"company": companies, "fund": pd.DataFrame({"node_id": ["F"], "name": ["F"], "fund_type": ["x"]}),
               "director": pd.DataFrame({"node_id": ["X"], "name": ["X"]})},
        edges={SUPPLIES: supply, OWNS: edge_frame(OWNS, []), SITS_ON: edge_frame(SITS_ON, [])})


def _pairs(data, et) -> list[tuple[str, str]]:
    ids_s, ids_d = data[et[0]].node_id, data[et[2]].node_id
    return [(ids_s[s], ids_d[d]) for s, d in data[et].edge_index.t().tolist()]


def test_only_public_ends_become_past_edges(tables: GraphTables) -> None:
    data = with_past_edges(build_snapshot(tables, T), tables)
    past = past_type(SUPPLIES)
    assert past == ("company", "past_supplies", "company")
    assert _pairs(data, past) == [("A", "B"), ("C", "D")]
    # A-B: the latest interval of the pair, ended 2020-06-30 after 181 days; C-D ended 2020-03-31 after 90
    np.testing.assert_allclose(data[past].edge_attr.numpy(), [[184 / DAYS_PER_MONTH, 181 / DAYS_PER_MONTH],
                                                              [275 / DAYS_PER_MONTH, 90 / DAYS_PER_MONTH]], rtol=1e-6)
    assert ("A", "C") in _pairs(data, SUPPLIES) and ("C", "D") in _pairs(data, SUPPLIES)
    assert data[("fund", "past_owns", "company")].edge_index.shape == (2, 0)
    later = with_past_edges(build_snapshot(tables, D("2021-03-01")), tables)
    assert _pairs(later, past) == [("A", "B"), ("A", "C"), ("B", "C"), ("C", "D")]


def test_the_snapshot_itself_is_not_changed(tables: GraphTables) -> None:
    data = build_snapshot(tables, T)
    before = sorted(map(tuple, data.edge_types))
    with_past_edges(data, tables)
    assert sorted(map(tuple, data.edge_types)) == before


def _blind(tables: GraphTables, t: pd.Timestamp, rng: np.random.Generator) -> GraphTables:
    """The tables with everything unknown at ``t`` scrambled: later rows moved, unpublished ends rewritten."""
    edges = {}
    for et, frame in tables.edges.items():
        f = frame.copy()
        known = f.known_from.fillna(f.valid_from)
        later = known > t
        f.loc[later, "valid_from"] = t + pd.Timedelta(days=1)  # unknown at t anyway
        f.loc[later, "known_from"] = t + pd.Timedelta(days=2)
        end_known = f.end_known_from.fillna(f.valid_to)
        hidden = f.valid_to.notna() & (end_known > t)
        shift = pd.to_timedelta(rng.integers(-400, 400, size=int(hidden.sum())), unit="D")
        f.loc[hidden, "valid_to"] = f.loc[hidden, "valid_to"] + shift  # any end, still announced after t
        f.loc[hidden, "end_known_from"] = t + pd.Timedelta(days=30)
        edges[et] = f
    return GraphTables(nodes=tables.nodes, edges=edges)


@pytest.mark.parametrize("as_of", ["2020-06-30", "2021-05-31", "2023-12-31"])
def test_nothing_unknown_at_the_as_of_date_enters(as_of: str) -> None:
    tables = graph_tables_from_dataset(generate(seed=7, scale=1))
    t = D(as_of)
    truth = with_past_edges(build_snapshot(tables, t), tables)
    blind = _blind(tables, t, np.random.default_rng(0))
    other = with_past_edges(build_snapshot(blind, t), blind)
    for et in truth.edge_types:
        assert torch.equal(truth[et].edge_index, other[et].edge_index), et
        if "edge_attr" in truth[et]:
            assert torch.equal(truth[et].edge_attr, other[et].edge_attr), et
    assert sum(int(truth[past_type(et)].edge_index.size(1)) for et in (SUPPLIES, OWNS, SITS_ON)) > 0
