"""Link-prediction baselines: heuristics against hand-worked values, the fit, the no-peeking rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from nexus_graph.model import baselines
from nexus_graph.model.baselines import FEATURES, HeuristicGraph, baseline_auc, ended_pairs, fit_logistic
from nexus_graph.model.splits import time_forward_split
from nexus_graph.snapshot.hetero import OWNS, SITS_ON, SUPPLIES, build_snapshot
from nexus_graph.snapshot.tables import GraphTables, graph_tables_from_dataset
from nexus_graph.sources.demo import generate
from tests.frames import edge_frame

NaT = pd.NaT
D = pd.Timestamp
CUT = D("2020-12-31")


@pytest.fixture()
def tables() -> GraphTables:
    """Companies A B E (tech), C D (energy); fund F; director X without seats.

    Live at the cut (2020-12-31), undirected: A-B, B-C, A-D, D-C, E-A, D-E (supplies), F-A, F-C (owns).
    """
    companies = pd.DataFrame({
        "node_id": ["A", "B", "C", "D", "E"], "name": list("ABCDE"), "kind": ["equity"] * 5,
        "segment": ["tech", "tech", "energy", "energy", "tech"], "country": ["US"] * 5,
        "listed_from": pd.to_datetime([NaT] * 5), "listed_to": pd.to_datetime([NaT] * 5),
    })
    funds = pd.DataFrame({"node_id": ["F"], "name": ["Fund"], "fund_type": ["hedge"]})
    directors = pd.DataFrame({"node_id": ["X"], "name": ["Dir"]})
    start = D("2020-01-01")
    supply = edge_frame(SUPPLIES, [
        ("A", "B", start, NaT, start, NaT),
        ("B", "C", start, NaT, start, NaT),
        ("A", "D", start, NaT, start, NaT),
        ("D", "C", start, NaT, start, NaT),
        # ended 2020-11-30 but the end is public only on 2021-02-01: still live at the cut
        ("E", "A", start, D("2020-11-30"), start, D("2021-02-01")),
        # ended 2020-06-30, end public then: a past link at the cut
        ("C", "E", start, D("2020-06-30"), start, NaT),
        # ended 2020-10-31, but the relationship itself became known only in 2021: unknown at the cut
        ("B", "E", start, D("2020-10-31"), D("2021-01-15"), NaT),
        # ended before the cut, end public only after it: live at the cut, not yet past
        ("D", "E", start, D("2020-09-30"), start, D("2021-03-01")),
    ])
    owns = edge_frame(OWNS, [("F", "A", start, NaT, start, NaT), ("F", "C", start, NaT, start, NaT)])
    board = edge_frame(SITS_ON, [])
    return GraphTables(nodes={"company": companies, "fund": funds, "director": directors},
                       edges={SUPPLIES: supply, OWNS: owns, SITS_ON: board})


def _row(tables: GraphTables, nt: str, node_id: str) -> int:
    return int(pd.Index(tables.nodes[nt].node_id).get_loc(node_id))


def _features(tables: GraphTables, et, pairs: list[tuple[str, str]]) -> dict[str, np.ndarray]:
    rows = np.array([[_row(tables, et[0], s) for s, _ in pairs], [_row(tables, et[2], d) for _, d in pairs]])
    raw = HeuristicGraph(tables, CUT).features(et, torch.as_tensor(rows))
    return {name: raw[:, i] for i, name in enumerate(FEATURES)}


def test_ended_pairs_follow_the_point_in_time_rule(tables: GraphTables) -> None:
    rows = ended_pairs(tables.edges[SUPPLIES], CUT)
    # only C->E ended with its end public by the cut; B->E was unknown, E->A and D->E still look live
    assert list(zip(rows.source_id, rows.target_id, strict=True)) == [("C", "E")]
    assert len(ended_pairs(tables.edges[SUPPLIES], D("2021-03-01"))) == 4  # later, all four ends are public


def test_path_heuristics_by_hand(tables: GraphTables) -> None:
    # With D-E live, degrees are A 4 (B D E F), B 2 (A C), C 3 (B D F), D 3 (A C E), E 2 (A D), F 2 (A C).
    f = _features(tables, SUPPLIES, [("B", "D"), ("E", "C"), ("A", "C")])
    # B, D share A and C
    assert f["common_neighbours"][0] == 2
    assert f["adamic_adar"][0] == pytest.approx(1 / math.log(4) + 1 / math.log(3))
    # 3-paths B-a-b-D: B-A-E-D only (a in {A, C}, b in {A, C, E}, a-b adjacent): 1 / sqrt(4 * 2)
    assert f["paths3"][0] == pytest.approx(1 / math.sqrt(8))
    # E, C share D; 3-paths E-a-b-C: E-A-B-C, E-A-D-C, E-A-F-C (1/sqrt(4*2), 1/sqrt(4*3), 1/sqrt(4*2))
    assert f["common_neighbours"][1] == 1
    assert f["adamic_adar"][1] == pytest.approx(1 / math.log(3))
    assert f["paths3"][1] == pytest.approx(2 / math.sqrt(8) + 1 / math.sqrt(12))
    # A, C share B, D, F
    assert f["common_neighbours"][2] == 3
    assert f["adamic_adar"][2] == pytest.approx(2 / math.log(2) + 1 / math.log(3))
    # A-a-b-C with a in {B, D, E, F}, b in {B, D, F}: only E-D is an edge -> A-E-D-C: 1 / sqrt(2 * 3)
    assert f["paths3"][2] == pytest.approx(1 / math.sqrt(6))


def test_segment_heuristics_by_hand(tables: GraphTables) -> None:
    # live supplies by (source, target) segment: tech->tech A-B, E-A; tech->energy B-C, A-D; energy->energy D-C;
    # energy->tech D-E. Present: 3 tech, 2 energy.
    f = _features(tables, SUPPLIES, [("E", "C"), ("D", "E")])
    assert f["segment_rate"][0] == pytest.approx(2 / (3 * 2))  # tech -> energy
    assert f["segment_rate"][1] == pytest.approx(1 / (2 * 3))  # energy -> tech
    assert f["source_profile"][0] == 0.0  # E supplies only A (tech)
    assert f["target_profile"][0] == pytest.approx(1 / 2)  # C is supplied by B (tech) and D (energy)
    assert f["source_profile"][1] == pytest.approx(1 / 2)  # D supplies C (energy) and E (tech)
    assert f["target_profile"][1] == 1.0  # E's only live supplier is D itself (energy)
    owns = _features(tables, OWNS, [("F", "D")])
    assert owns["common_neighbours"][0] == 2  # A and C
    assert owns["segment_rate"][0] == pytest.approx(1 / (1 * 2))  # hedge -> energy: F-C of 1 x 2 pairs
    assert owns["source_profile"][0] == pytest.approx(1 / 2)
    assert owns["target_profile"][0] == 0.0


def test_past_link_is_directed_and_point_in_time(tables: GraphTables) -> None:
    f = _features(tables, SUPPLIES, [("C", "E"), ("E", "C"), ("B", "E"), ("D", "E"), ("E", "A")])
    # C->E ended and public; the reverse is another pair; B->E unknown at the cut; D->E and E->A still live
    assert f["past_link"].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_isolated_node_scores_zero(tables: GraphTables) -> None:
    f = _features(tables, SITS_ON, [("X", "A")])
    assert all(f[name][0] == 0.0 for name in FEATURES)


def test_fit_logistic_is_at_the_penalised_optimum() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3)) * [1.0, 5.0, 0.0] + [0.0, 2.0, 1.0]  # third column constant
    y = (x[:, 0] + 0.2 * x[:, 1] + rng.normal(size=400) > 0.4).astype(float)
    model = fit_logistic(x, y, l2=2.0)
    z = (x - model.mean) / model.scale
    p = 1 / (1 + np.exp(-(z @ model.coef + model.intercept)))
    # first-order conditions: penalised gradient zero, mean prediction equals mean label
    np.testing.assert_allclose(z.T @ (p - y) / len(y) + 2.0 / len(y) * model.coef, 0.0, atol=1e-5)
    assert p.mean() == pytest.approx(y.mean(), abs=1e-5)
    assert model.coef[2] == pytest.approx(0.0, abs=1e-6) and model.coef[0] > 0 and model.coef[1] > 0


def test_fit_logistic_refuses_one_label() -> None:
    with pytest.raises(Exception, match="needs both labels"):
        fit_logistic(np.ones((3, 2)), np.ones(3))


@pytest.fixture(scope="module")
def demo_split():
    tables = graph_tables_from_dataset(generate(seed=7, scale=1))
    asof = D("2021-05-31")
    cut = baselines.months_before(asof, 3)
    split = time_forward_split(build_snapshot(tables, cut), build_snapshot(tables, asof), seed=0)
    return tables, split, cut


def test_baseline_never_sees_validation_labels(demo_split) -> None:
    tables, split, cut = demo_split
    first = baseline_auc(tables, split, cut)
    assert all(w.split("..")[1] <= f"{cut:%Y-%m-%d}" for w in first.windows) and len(first.windows) == 4
    assert set(first.auc_by_type) == {"__".join(et) for et in split.predict if split.val_edges[et].size(1)}
    flipped = type(split)(**{**split.__dict__, "val_labels": {et: 1 - y for et, y in split.val_labels.items()}})
    second = baseline_auc(tables, flipped, cut)
    assert second.coefficients == first.coefficients  # the fit is the same: labels of val pairs unused
    for name, auc in first.auc_by_type.items():  # and they are scored, not fitted
        assert second.auc_by_type[name] == pytest.approx(1 - auc, abs=1e-9)
    assert first.auc > 0.9 and first.heuristic_auc["past_link"] > 0.8  # the demo's history is predictive
    assert set(first.to_json()) >= {"auc", "auc_by_type", "heuristic_auc", "windows", "coefficients"}


def test_baselines_module_is_pure() -> None:
    import ast
    from pathlib import Path

    tree = ast.parse(Path(baselines.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    banned = [m for m in imported if m.split(".")[:2] in (["nexus_graph", "store"], ["nexus_graph", "cli"],
                                                          ["nexus_graph", "pipeline"]) or m.startswith("neo4j")]
    assert banned == []


def test_hold_out_recent_hides_the_recent_edges_and_keeps_validation(demo_split) -> None:
    from nexus_graph.model.splits import leaked_edges
    from nexus_graph.model.temporal import hold_out_recent

    tables, split, cut = demo_split
    earlier = build_snapshot(tables, baselines.months_before(cut, 3))
    held = hold_out_recent(split, earlier, positives="recent")
    for et in split.predict:
        n = split.num_nodes[et[2]]
        msg = set((held.message_edges[et][0] * n + held.message_edges[et][1]).tolist())
        pos = set((held.train_edges[et][0] * n + held.train_edges[et][1]).tolist())
        before = set((earlier[et].edge_index[0] * n + earlier[et].edge_index[1]).tolist())
        assert msg.isdisjoint(pos) and pos.isdisjoint(before) and msg <= before
        assert torch.equal(held.val_edges[et], split.val_edges[et])
    assert leaked_edges(held) == {}
    both = hold_out_recent(split, earlier, positives="all")
    assert all(both.train_edges[et].size(1) == split.train_edges[et].size(1) for et in split.predict)


def test_random_split_baseline_does_not_see_its_held_out_edges(demo_split) -> None:
    from nexus_graph.model.splits import random_link_split

    tables, _, cut = demo_split
    split = random_link_split(build_snapshot(tables, cut), val_ratio=0.2, seed=0)
    result = baseline_auc(tables, split, cut)
    # every held-out positive is live at the cut; were it in the adjacency, its endpoints would be neighbours
    graph = HeuristicGraph(tables, cut, edges=split.message_edges)
    for et, pairs in split.val_edges.items():
        pos = pairs[:, split.val_labels[et] > 0.5].numpy()
        u, v = pos[0] + graph.offset[et[0]], pos[1] + graph.offset[et[2]]
        assert np.asarray(graph.adjacency[u, v]).ravel().sum() == 0
    assert 0.5 < result.auc < 1.0


def test_path_scores_in_small_blocks_equal_one_block_bit_for_bit(demo_split, monkeypatch) -> None:
    tables, _, _ = demo_split
    graph = HeuristicGraph(tables, pd.Timestamp("2023-09-30"))
    rng = np.random.default_rng(0)
    n = graph.adjacency.shape[0]
    u, v = rng.integers(0, n, 3000), rng.integers(0, n, 3000)
    whole = graph._path_scores(u, v)  # the default block holds every distinct source row here
    monkeypatch.setattr(baselines, "PATH_BLOCK", 97)  # many blocks of sources and of pairs
    blocked = graph._path_scores(u, v)
    assert all(np.array_equal(a, b) for a, b in zip(whole, blocked, strict=True))
    assert whole[0].sum() > 0 and whole[2].sum() > 0  # pairs with common neighbours and 3-paths among them
