"""Link splits: no validation edge is visible to the encoder, forward or through its reverse."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.model.sampling import edge_keys
from nexus_graph.model.spec import reverse_type, with_reverses
from nexus_graph.model.splits import leaked_edges, random_link_split, time_forward_split
from nexus_graph.model.synthetic import OWNS, SITS_ON, SUPPLIES, BlockModelShape, block_model_snapshots

SMALL = BlockModelShape(companies=60, funds=10, directors=8, segments=6, supplies=200, owns=150, sits_on=20,
                        fund_segments=2, growth=0.3)


def keyset(edge_index: torch.Tensor, n_dst: int) -> set[int]:
    return set(edge_keys(edge_index, n_dst).tolist())


def visible(split, et, pairs: torch.Tensor) -> torch.Tensor:
    """Which pairs the encoder sees: as a forward edge, or as the flipped edge of the reverse type."""
    message = with_reverses(split.message_edges)
    n_src, n_dst = split.num_nodes[et[0]], split.num_nodes[et[2]]
    forward = keyset(message[et], n_dst)
    backward = keyset(message[reverse_type(et)], n_src)  # rows of the reverse type: (dst, src)
    return torch.tensor([int(s) * n_dst + int(d) in forward or int(d) * n_src + int(s) in backward
                         for s, d in pairs.t()])


def test_time_forward_validates_on_what_became_known() -> None:
    earlier, later = block_model_snapshots(SMALL, seed=1)
    split = time_forward_split(earlier, later, seed=0)
    assert split.kind == "time-forward" and split.predict == [SUPPLIES, OWNS, SITS_ON]
    for et in split.predict:
        n_dst = split.num_nodes[et[2]]
        pairs, labels = split.val_edges[et], split.val_labels[et]
        pos, neg = pairs[:, labels == 1], pairs[:, labels == 0]
        old, new = keyset(earlier[et].edge_index, n_dst), keyset(later[et].edge_index, n_dst)
        assert keyset(pos, n_dst) == new - old  # exactly the relationships that became known
        assert pos.size(1) > 0 and neg.size(1) == pos.size(1)
        assert not keyset(neg, n_dst) & (old | new)  # negatives are linked in neither snapshot
        assert not visible(split, et, pairs[:, labels == 1]).any()
        assert keyset(split.message_edges[et], n_dst) == old  # messages: the training graph only
    assert leaked_edges(split) == {}


def test_random_split_hides_held_out_edges_in_both_directions() -> None:
    _, graph = block_model_snapshots(SMALL, seed=2)
    split = random_link_split(graph, val_ratio=0.2, seed=3)
    assert split.kind == "random"
    for et in split.predict:
        n_dst = split.num_nodes[et[2]]
        pos = split.val_edges[et][:, split.val_labels[et] == 1]
        everything = keyset(graph[et].edge_index, n_dst)
        assert keyset(pos, n_dst) | keyset(split.message_edges[et], n_dst) == everything
        assert not keyset(pos, n_dst) & keyset(split.message_edges[et], n_dst)
        assert not visible(split, et, pos).any()
        neg = split.val_edges[et][:, split.val_labels[et] == 0]
        assert not keyset(neg, n_dst) & everything
    assert leaked_edges(split) == {}


def test_leak_check_catches_a_leak() -> None:
    _, graph = block_model_snapshots(SMALL, seed=2)
    split = random_link_split(graph, val_ratio=0.2, seed=3)
    pos = split.val_edges[SUPPLIES][:, split.val_labels[SUPPLIES] == 1]
    split.message_edges[SUPPLIES] = torch.cat([split.message_edges[SUPPLIES], pos[:, :3]], 1)
    assert leaked_edges(split) == {SUPPLIES: 3}


def test_splits_are_deterministic_per_seed() -> None:
    earlier, later = block_model_snapshots(SMALL, seed=1)
    a, b, c = (time_forward_split(earlier, later, seed=s) for s in (5, 5, 6))
    assert all(torch.equal(a.val_edges[et], b.val_edges[et]) for et in a.predict)
    assert any(not torch.equal(a.val_edges[et], c.val_edges[et]) for et in a.predict)


def test_negatives_only_use_present_companies() -> None:
    earlier, later = block_model_snapshots(SMALL, seed=1)
    later["company"].present[:30] = False
    split = time_forward_split(earlier, later, predict=[SUPPLIES], seed=0)
    neg = split.val_edges[SUPPLIES][:, split.val_labels[SUPPLIES] == 0]
    assert neg.numel() and bool((neg >= 30).all())


def test_chosen_relationship_types_only() -> None:
    earlier, later = block_model_snapshots(SMALL, seed=1)
    split = time_forward_split(earlier, later, predict=[OWNS])
    assert split.predict == [OWNS] and set(split.val_edges) == {OWNS}
    assert set(split.message_edges) == {SUPPLIES, OWNS, SITS_ON}  # every type still passes messages
    with pytest.raises(NexusError, match=r"Cannot predict \[\('fund', 'sells', 'company'\)\]"):
        time_forward_split(earlier, later, predict=[("fund", "sells", "company")])


def test_snapshots_must_share_the_node_index() -> None:
    earlier, later = block_model_snapshots(SMALL, seed=1)
    later["fund"].node_id = list(reversed(later["fund"].node_id))
    with pytest.raises(NexusError, match="Node type 'fund' is indexed differently in the two snapshots"):
        time_forward_split(earlier, later)


def test_nothing_new_is_an_error() -> None:
    earlier, _ = block_model_snapshots(SMALL, seed=1)
    with pytest.raises(NexusError, match="No relationship of the predicted types became known"):
        time_forward_split(earlier, earlier)


def test_random_split_needs_edges() -> None:
    data = HeteroData()
    data["company"].x = torch.ones(3, 1)
    data[SUPPLIES].edge_index = torch.tensor([[0], [1]])
    with pytest.raises(NexusError, match=r"has 1 edge\(s\); a random split needs at least 2"):
        random_link_split(data)


def test_degree_matched_negatives_use_connected_endpoints() -> None:
    earlier, later = block_model_snapshots(SMALL, seed=1)
    later["company"].present[:5] = False  # (the exporter drops their edges; here they stay)
    for negatives in ("degree", "uniform"):
        split = time_forward_split(earlier, later, predict=[SUPPLIES], seed=0, negatives=negatives)
        assert split.info["negatives"] == negatives
        neg = split.val_edges[SUPPLIES][:, split.val_labels[SUPPLIES] == 0]
        assert bool((neg >= 5).all())  # never an absent company
        if negatives == "degree":
            sources, targets = set(later[SUPPLIES].edge_index[0].tolist()), set(later[SUPPLIES].edge_index[1].tolist())
            assert set(neg[0].tolist()) <= sources and set(neg[1].tolist()) <= targets
            train_src, train_dst = split.neg_pools[SUPPLIES]  # training negatives: the training graph's endpoints
            assert set(train_src.tolist()) <= set(earlier[SUPPLIES].edge_index[0].tolist())
            assert set(train_dst.tolist()) <= set(earlier[SUPPLIES].edge_index[1].tolist())
    with pytest.raises(NexusError, match=r"negatives must be one of \('uniform', 'degree'\) \(got 'random'\)"):
        time_forward_split(earlier, later, negatives="random")
