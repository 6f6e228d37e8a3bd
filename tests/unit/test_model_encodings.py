"""Node encodings: random-walk return probabilities by hand, identity codes stable by id."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import HeteroData

from nexus_graph.model.encodings import identity_codes, random_walk_encoding, with_encodings


@pytest.fixture()
def path_graph() -> HeteroData:
    """Companies 0-1-2 (a path, supplies) and a fund owning 0; one isolated company 3."""
    data = HeteroData()
    data["company"].x = torch.ones(4, 2)
    data["company"].node_id = ["a", "b", "c", "d"]
    data["company"].present = torch.tensor([True, True, True, False])
    data["fund"].x = torch.ones(1, 1)
    data["fund"].node_id = ["f"]
    data["company", "supplies", "company"].edge_index = torch.tensor([[0, 1], [1, 2]])
    data["fund", "owns", "company"].edge_index = torch.tensor([[0], [0]])
    return data


def test_random_walk_return_probabilities_by_hand(path_graph: HeteroData) -> None:
    # undirected: f-a-b-c (a path of 4), d isolated; degrees f 1, a 2, b 2, c 1
    enc = random_walk_encoding(path_graph, steps=3)
    company, fund = enc["company"], enc["fund"]
    assert torch.allclose(company[:, 0], torch.zeros(4))  # no self-loops: never back in one step
    # two steps: a -> (f or b) -> a: 1/2 * 1 + 1/2 * 1/2 = 3/4; b -> (a or c) -> b: 1/2 * 1/2 + 1/2 * 1 = 3/4
    assert company[0, 1].item() == pytest.approx(0.75) and company[1, 1].item() == pytest.approx(0.75)
    assert company[2, 1].item() == pytest.approx(0.5) and fund[0, 1].item() == pytest.approx(0.5)
    assert torch.allclose(company[:, 2], torch.zeros(4))  # bipartite path: odd returns impossible
    assert company[3].abs().sum() == 0  # isolated


def test_identity_codes_are_a_function_of_the_id() -> None:
    a = identity_codes(["x", "y", "z"], 8)
    b = identity_codes(["z", "new", "x"], 8)
    assert torch.equal(a[0], b[2]) and torch.equal(a[2], b[0])
    assert not torch.equal(a[0], a[1])


def test_with_encodings_appends_columns_and_zeroes_absent_rows(path_graph: HeteroData) -> None:
    out = with_encodings(path_graph, rw_steps=3, identity_dim=5)
    assert out["company"].x.shape == (4, 2 + 3 + 5) and out["fund"].x.shape == (1, 1 + 3 + 5)
    assert out["company"].x[3].abs().sum() == 0
    assert path_graph["company"].x.shape == (4, 2)  # the input is not changed


def test_pair_prior_starts_as_the_plain_decoder_and_dense_matches_pairs() -> None:
    from nexus_graph.model.baselines import HeuristicGraph
    from nexus_graph.model.hgt import LinkDecoder
    from nexus_graph.model.pair_prior import PairFeatures, PairPriorPredictor
    from nexus_graph.model.spec import ModelSpec
    from nexus_graph.snapshot.hetero import OWNS, SITS_ON, SUPPLIES
    from nexus_graph.snapshot.tables import graph_tables_from_dataset
    from nexus_graph.sources.demo import generate

    tables = graph_tables_from_dataset(generate(seed=7, scale=1))
    predict = [SUPPLIES, OWNS, SITS_ON]
    features = PairFeatures(HeuristicGraph(tables, "2021-02-28"), predict)
    sizes = {nt: len(frame) for nt, frame in tables.nodes.items()}
    spec = ModelSpec(node_dims={nt: 2 for nt in sizes}, edge_types=predict, predict=predict, hidden=8, heads=2)
    model = PairPriorPredictor(spec, features)
    z = {nt: torch.randn(n, 8) for nt, n in sizes.items()}
    pairs = torch.tensor([[0, 3, 5], [1, 2, 7]])
    assert torch.allclose(model.score(z, OWNS, pairs), LinkDecoder.forward(model.decoder, z, OWNS, pairs))
    torch.nn.init.normal_(model.decoder.pair["fund__owns__company"].weight)
    dense = model.decoder.all_pairs(z, OWNS)
    assert torch.allclose(model.score(z, OWNS, pairs), dense[pairs[0], pairs[1]], atol=1e-5)


def test_ablation_variant_graphs() -> None:
    from benchmarks.ablation import ID_DIM, RW_STEPS, markdown, variant_graph
    from nexus_graph.snapshot.tables import graph_tables_from_dataset
    from nexus_graph.sources.demo import generate

    tables = graph_tables_from_dataset(generate(seed=7, scale=1))
    plain = variant_graph(tables, "2021-02-28", "hgt")
    full = variant_graph(tables, "2021-02-28", "past+rw+id")
    assert full["company"].x.size(1) == plain["company"].x.size(1) + RW_STEPS + ID_DIM
    assert ("fund", "past_owns", "company") in full.edge_types and len(full.edge_types) == 2 * len(plain.edge_types)
    with pytest.raises(SystemExit, match="Unknown variant part"):
        variant_graph(tables, "2021-02-28", "hgt+magic")
    rows = [{"variant": "hgt", "as_of": "2021-05-31", "val_auc": 0.9, "min": 0.89, "max": 0.91, "baseline_auc": 0.95,
             "seconds": 1.0}]
    # four decimals; the residual weight and selected epoch columns stay empty for a plain HGT
    assert "| hgt | 2021-05-31 | 0.9000 | 0.8900..0.9100 | 0.9500 | -0.0500 |  |  | 1.0 |" in markdown(rows, 1, [0], 10)
