"""The HGT encoder/decoder on toy graphs: shapes, and the fast kernels against PyG's HGTConv."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.model.hgt import FastHGTConv, HGTLinkPredictor, build_plan, with_reverses
from nexus_graph.model.spec import ModelSpec
from nexus_graph.model.train import TrainConfig, embed, model_spec

# torch labels its CSR tensors "beta" once per process; the kernels using them are tested here
pytestmark = pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")

WRITES = ("author", "writes", "paper")
CITES = ("paper", "cites", "paper")


def toy_graph(seed: int = 0, papers: int = 30, authors: int = 12) -> HeteroData:
    """Two node types with different feature widths, one bipartite and one same-type relation."""
    g = torch.Generator().manual_seed(seed)
    data = HeteroData()
    data["paper"].x = torch.randn(papers, 7, generator=g)
    data["paper"].node_id = [f"p{i}" for i in range(papers)]
    data["author"].x = torch.randn(authors, 3, generator=g)
    data["author"].node_id = [f"a{i}" for i in range(authors)]
    data[WRITES].edge_index = torch.stack([torch.randint(0, authors, (60,), generator=g),
                                           torch.randint(0, papers, (60,), generator=g)])
    data[CITES].edge_index = torch.stack([torch.randint(0, papers, (80,), generator=g),
                                          torch.randint(0, papers, (80,), generator=g)])
    return data


def toy_spec(data: HeteroData, hidden: int = 16, heads: int = 2) -> ModelSpec:
    return model_spec(data, [WRITES, CITES], TrainConfig(hidden=hidden, heads=heads))


def sizes(data: HeteroData) -> dict[str, int]:
    return {nt: data[nt].num_nodes for nt in data.node_types}


def test_shapes_on_a_two_type_graph() -> None:
    data = toy_graph()
    spec = toy_spec(data)
    assert spec.node_types == ["paper", "author"]
    assert spec.message_types == [WRITES, CITES, ("paper", "rev_writes", "author"), ("paper", "rev_cites", "paper")]
    model = HGTLinkPredictor(spec).eval()
    plan = build_plan(spec, sizes(data), {et: data[et].edge_index for et in data.edge_types})
    z = model({nt: data[nt].x for nt in data.node_types}, plan)
    assert {nt: tuple(t.shape) for nt, t in z.items()} == {"paper": (30, 16), "author": (12, 16)}
    pairs = torch.tensor([[0, 1, 2], [3, 4, 5]])
    assert model.score(z, WRITES, pairs).shape == (3,)
    assert model.decoder.all_pairs(z, CITES).shape == (30, 30)
    # the bilinear decoder is directional: (a, b) and (b, a) of a same-type relation differ
    both = model.score(z, CITES, torch.tensor([[0, 1], [1, 0]]))
    assert not torch.isclose(both[0], both[1])


def test_embed_is_eval_mode_and_keeps_row_order() -> None:
    data = toy_graph()
    model = HGTLinkPredictor(toy_spec(data)).train()  # embed must switch dropout off itself
    first, second = embed(model, data, device="cpu"), embed(model, data, device="cpu")
    assert all(torch.equal(first[nt], second[nt]) for nt in first)
    assert first["paper"].shape == (30, 16) and first["paper"].dtype == torch.float32


def test_embed_refuses_a_snapshot_with_other_features() -> None:
    data = toy_graph()
    model = HGTLinkPredictor(toy_spec(data))
    data["author"].x = torch.randn(12, 4)
    with pytest.raises(NexusError, match=r"Features of 'author' have shape \(12, 4\); the model expects \[N, 3\]"):
        embed(model, data, device="cpu")


@pytest.mark.parametrize("kernel", ["sparse", "sparse-chunked", "dense"])
def test_fast_conv_matches_pyg_hgtconv(kernel: str) -> None:
    data = toy_graph(seed=3)
    edges = {et: data[et].edge_index for et in data.edge_types}
    edges[CITES] = torch.cat([edges[CITES], edges[CITES][:, :5]], 1)  # duplicate edges count twice
    spec = toy_spec(data, hidden=16, heads=4)
    torch.manual_seed(0)
    conv = FastHGTConv(16, 16, (spec.node_types, spec.message_types), heads=4)
    with torch.no_grad():  # non-trivial relation priors and skips, so every parameter matters
        for p in conv.p_rel.values():
            p.uniform_(0.5, 1.5)
        for p in conv.skip.values():
            p.uniform_(-1.0, 1.0)
    h = {"paper": torch.randn(30, 16), "author": torch.randn(12, 16)}
    plan = build_plan(spec, sizes(data), edges, dense_pairs=10**9 if kernel == "dense" else 0)
    assert (plan.dense is not None) == (kernel == "dense")
    reference = conv(h, with_reverses(edges))  # PyG's own forward, same parameters
    fast = conv.forward_plan(h, plan, edge_chunk=17 if kernel == "sparse-chunked" else None)
    for nt in h:
        torch.testing.assert_close(fast[nt], reference[nt], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kernel", ["sparse", "dense"])
def test_fast_conv_gradients_match_pyg_hgtconv(kernel: str) -> None:
    data = toy_graph(seed=4)
    edges = {et: data[et].edge_index for et in data.edge_types}
    spec = toy_spec(data, hidden=8, heads=2)
    conv = FastHGTConv(8, 8, (spec.node_types, spec.message_types), heads=2)
    h = {"paper": torch.randn(30, 8), "author": torch.randn(12, 8)}
    grads = []
    for run in ("pyg", kernel):
        conv.zero_grad()
        if run == "pyg":
            out = conv(h, with_reverses(edges))
        else:
            dense_pairs = 10**9 if kernel == "dense" else 0
            out = conv.forward_plan(h, build_plan(spec, sizes(data), edges, dense_pairs=dense_pairs))
        sum((v**2).sum() for v in out.values()).backward()
        grads.append({n: p.grad.clone() for n, p in conv.named_parameters() if p.grad is not None})
    assert grads[0].keys() == grads[1].keys()
    for name in grads[0]:
        torch.testing.assert_close(grads[1][name], grads[0][name], rtol=1e-4, atol=1e-6)


def test_node_type_without_messages_passes_through() -> None:
    data = toy_graph()
    spec = toy_spec(data)
    conv = FastHGTConv(16, 16, (spec.node_types, spec.message_types), heads=2)
    # only forward types: "author" receives nothing (HGTConv would drop it from its output)
    plan = build_plan(spec, sizes(data), {et: data[et].edge_index for et in data.edge_types}, add_reverses=False)
    h = {"paper": torch.randn(30, 16), "author": torch.randn(12, 16)}
    out = conv.forward_plan(h, plan)
    assert torch.equal(out["author"], h["author"])
    assert not torch.equal(out["paper"], h["paper"])


def test_dense_and_sparse_encoders_agree() -> None:
    data = toy_graph(seed=5)
    model = HGTLinkPredictor(toy_spec(data)).eval()
    edges = {et: data[et].edge_index for et in data.edge_types}
    x = {nt: data[nt].x for nt in data.node_types}
    dense = model(x, build_plan(model.spec, sizes(data), edges, dense_pairs=10**9))
    sparse = model(x, build_plan(model.spec, sizes(data), edges, dense_pairs=0))
    for nt in dense:
        torch.testing.assert_close(dense[nt], sparse[nt], rtol=1e-5, atol=1e-6)
