"""Point-in-time HeteroData building, pure (no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from nexus_graph.snapshot.centrality import centrality_at
from nexus_graph.snapshot.hetero import OWNS, SITS_ON, SUPPLIES, build_snapshot, snapshot_counts
from nexus_graph.snapshot.tables import GraphTables
from tests.frames import edge_frame

NaT = pd.NaT
D = pd.Timestamp


@pytest.fixture()
def tables() -> GraphTables:
    companies = pd.DataFrame({
        "node_id": ["AAA", "BBB", "CCC", "NEW"],
        "name": ["A", "B", "C", "New"],
        "kind": ["equity", "equity", "extended", "equity"],
        "segment": ["fabless", "foundry", "materials", "fabless"],
        "country": ["US"] * 4,
        "listed_from": pd.to_datetime([NaT, NaT, NaT, D("2023-06-01")]),
        "listed_to": pd.to_datetime([NaT] * 4),
    })
    funds = pd.DataFrame({"node_id": ["F1"], "name": ["Fund"], "fund_type": ["active"]})
    directors = pd.DataFrame({"node_id": ["D1"], "name": ["Dir"]})
    supply = edge_frame(SUPPLIES, [
        # live and known since 2022
        ("BBB", "AAA", D("2022-01-01"), NaT, D("2022-01-01"), NaT, 0.3),
        # valid from 2022 but known only from 2023-03-01 (late disclosure)
        ("CCC", "AAA", D("2022-01-01"), NaT, D("2023-03-01"), NaT, 0.1),
        # ended 2023-01-01, the end became known only on 2023-04-15
        ("CCC", "BBB", D("2022-01-01"), D("2023-01-01"), D("2022-01-01"), D("2023-04-15"), 0.2),
        # to a company listed only from 2023-06-01
        ("BBB", "NEW", D("2022-01-01"), NaT, D("2022-01-01"), NaT, 0.5),
    ])
    owns = edge_frame(OWNS, [("F1", "AAA", D("2022-01-01"), NaT, D("2022-02-15"), NaT, 5e6, 100.0, 0.01)])
    board = edge_frame(SITS_ON, [("D1", "AAA", D("2022-01-01"), NaT, D("2022-01-01"), NaT, "director"),
                             ("D1", "BBB", D("2022-01-01"), NaT, D("2022-01-01"), NaT, "director")])
    return GraphTables(nodes={"company": companies, "fund": funds, "director": directors},
                       edges={SUPPLIES: supply, OWNS: owns, SITS_ON: board})


def _pairs(data, et):
    ids_src, ids_dst = data[et[0]].node_id, data[et[2]].node_id
    return {(ids_src[s], ids_dst[d]) for s, d in data[et].edge_index.t().tolist()}


def test_relationship_known_after_t_never_appears(tables: GraphTables) -> None:
    assert ("CCC", "AAA") not in _pairs(build_snapshot(tables, "2023-02-28"), SUPPLIES)
    assert ("CCC", "AAA") in _pairs(build_snapshot(tables, "2023-03-01"), SUPPLIES)


def test_ended_interval_with_unknown_end_still_appears(tables: GraphTables) -> None:
    assert ("CCC", "BBB") in _pairs(build_snapshot(tables, "2022-12-31"), SUPPLIES)
    # ended 2023-01-01 but the end is known only 2023-04-15: an investor still believed it live
    assert ("CCC", "BBB") in _pairs(build_snapshot(tables, "2023-03-31"), SUPPLIES)
    assert ("CCC", "BBB") not in _pairs(build_snapshot(tables, "2023-04-30"), SUPPLIES)


def test_node_listed_after_t_is_absent(tables: GraphTables) -> None:
    before = build_snapshot(tables, "2023-05-31")
    row = before["company"].node_id.index("NEW")
    assert not bool(before["company"].present[row])
    assert torch.count_nonzero(before["company"].x[row]) == 0
    assert all("NEW" not in pair for pair in _pairs(before, SUPPLIES))
    after = build_snapshot(tables, "2023-06-30")
    assert bool(after["company"].present[row])
    assert ("BBB", "NEW") in _pairs(after, SUPPLIES)


def test_node_index_is_stable_and_data_validates(tables: GraphTables) -> None:
    snaps = [build_snapshot(tables, d) for d in ("2022-06-30", "2023-03-31", "2023-12-31")]
    for data in snaps:
        assert data.validate(raise_on_error=True)
        assert data["company"].node_id == ["AAA", "BBB", "CCC", "NEW"]
        assert data["company"].x.shape == snaps[0]["company"].x.shape
        assert data["fund"].x.shape == snaps[0]["fund"].x.shape


def test_features_and_counts(tables: GraphTables) -> None:
    data = build_snapshot(tables, "2023-12-31")
    counts = snapshot_counts(data)
    assert counts == {"nodes": {"company": 4, "fund": 1, "director": 1},
                      "edges": {"SUPPLIES": 3, "OWNS": 1, "SITS_ON": 2}}
    # ownership known 2022-02-15: absent on 2022-01-31, and AAA's owned-value feature zero then
    early = build_snapshot(tables, "2022-01-31")
    assert early[OWNS].edge_index.size(1) == 0
    assert data[OWNS].edge_weight.tolist() == [5e6]


def test_centrality_hand_checked(tables: GraphTables) -> None:
    frame = centrality_at(tables, pd.Timestamp("2023-12-31")).set_index("company_id")
    assert frame.loc["AAA", "supplies_in"] == 2  # BBB, CCC
    assert frame.loc["BBB", "supplies_out"] == 2  # AAA, NEW
    assert frame.loc["AAA", "owners"] == 1
    assert frame.loc["AAA", "board_interlocks"] == 1 and frame.loc["BBB", "board_interlocks"] == 1
    assert frame.loc["CCC", "board_interlocks"] == 0
    assert frame.pagerank.sum() == pytest.approx(1.0)
    # AAA is the sink of two suppliers: the highest PageRank
    assert frame.pagerank.idxmax() == "AAA"
    # before NEW is listed it has no row
    assert "NEW" not in set(centrality_at(tables, pd.Timestamp("2023-05-31")).company_id)


def _networkx_pagerank(companies: pd.Series, sources: list, targets: list) -> np.ndarray:
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(companies)
    graph.add_edges_from(zip(sources, targets, strict=True))
    return companies.map(nx.pagerank(graph, alpha=0.85)).to_numpy(dtype=float)


def test_supply_pagerank_is_networkx_to_the_bit() -> None:
    from nexus_graph.snapshot.centrality import supply_pagerank

    companies = pd.Series(["A", "B", "C", "D", "E"])
    # a duplicate pair, a self-loop, dangling nodes (C, E), an isolated node (E)
    sources, targets = ["A", "A", "B", "D", "D", "B"], ["B", "B", "C", "D", "A", "A"]
    assert np.array_equal(supply_pagerank(companies, pd.Series(sources), pd.Series(targets)),
                          _networkx_pagerank(companies, sources, targets))
    # an endpoint outside the companies: networkx adds it as a node, and so does the fallback
    assert np.array_equal(supply_pagerank(companies, pd.Series(["A", "Z"]), pd.Series(["Z", "B"])),
                          _networkx_pagerank(companies, ["A", "Z"], ["Z", "B"]))
    assert len(supply_pagerank(pd.Series([], dtype=object), pd.Series([]), pd.Series([]))) == 0


def test_supply_pagerank_equals_networkx_on_every_demo_month_end() -> None:
    from nexus_graph.as_of import month_ends
    from nexus_graph.snapshot.centrality import supply_pagerank
    from nexus_graph.snapshot.hetero import SUPPLIES, present_masks, visible_edges
    from nexus_graph.snapshot.tables import graph_tables_from_dataset
    from nexus_graph.sources.demo import generate

    tables = graph_tables_from_dataset(generate(seed=7))
    for date in month_ends("2021-05-31", "2026-03-31"):
        supply = visible_edges(tables, date)[SUPPLIES]
        companies = tables.nodes["company"].node_id[present_masks(tables, date)["company"]].reset_index(drop=True)
        ours = supply_pagerank(companies, supply.source_id, supply.target_id)
        assert np.array_equal(ours, _networkx_pagerank(companies, list(supply.source_id), list(supply.target_id)))


def test_cached_interval_bounds_give_the_as_of_rule_on_every_blank_combination() -> None:
    import itertools

    from nexus_graph.as_of import visible_mask

    days = [None, "2020-01-31", "2020-03-31", "2020-06-30"]
    combos = [c for c in itertools.product(days, repeat=4)]  # valid_from, valid_to, known_from, end_known_from
    frame = pd.DataFrame(combos, columns=["valid_from", "valid_to", "known_from", "end_known_from"])
    for column in frame:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    frame.insert(0, "source_id", "S1")
    frame.insert(1, "target_id", "C1")
    frame["weight"] = 1.0
    tables = GraphTables(nodes={}, edges={SUPPLIES: frame})
    for t in ["2019-12-31", "2020-01-31", "2020-02-15", "2020-03-31", "2020-05-01", "2020-06-30", "2021-01-01"]:
        expected = visible_mask(frame, t)
        assert np.array_equal(tables.visible_rows(SUPPLIES, t), expected), t
        assert 0 < expected.sum() < len(frame) or t == "2019-12-31"
