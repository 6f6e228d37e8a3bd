"""Training: determinism, the gate, learning on structure, failing on noise, mini-batch, devices."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nexus_graph.errors import NexusError
from nexus_graph.model.metrics import passes_gate, roc_auc, weighted_auc
from nexus_graph.model.splits import random_link_split, time_forward_split
from nexus_graph.model.synthetic import SUPPLIES, BlockModelShape, block_model_snapshots
from nexus_graph.model.train import TrainConfig, embed, resolve_device, train_link_predictor

# torch labels its CSR tensors "beta" once per process; the kernels using them are tested here
pytestmark = pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")

# strong block structure: ~12 companies per segment, each fund and director tied to one segment
STRUCTURED = BlockModelShape(companies=144, funds=24, directors=24, segments=12, supplies=500, owns=150,
                             sits_on=40, fund_segments=1, in_block=0.98, growth=0.3)
TINY = BlockModelShape(companies=40, funds=6, directors=6, segments=4, supplies=100, owns=60, sits_on=12,
                       fund_segments=1, growth=0.3)


def test_roc_auc_by_hand() -> None:
    labels = np.array([1, 1, 0, 0])
    assert roc_auc(labels, np.array([0.9, 0.8, 0.1, 0.2])) == 1.0
    assert roc_auc(labels, np.array([0.1, 0.2, 0.9, 0.8])) == 0.0
    assert roc_auc(labels, np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    assert roc_auc(labels, np.array([0.9, 0.2, 0.5, 0.1])) == 0.75  # 3 of 4 (pos, neg) pairs ordered
    assert math.isnan(roc_auc(np.array([1, 1]), np.array([0.1, 0.2])))
    # unchanged by a monotone transform of the scores
    scores = np.random.default_rng(0).normal(size=50)
    y = (np.random.default_rng(1).random(50) > 0.5).astype(int)
    assert roc_auc(y, scores) == pytest.approx(roc_auc(y, np.exp(3 * scores)))


def test_weighted_auc_and_gate() -> None:
    assert weighted_auc({"a": (1.0, 3), "b": (0.5, 1)}) == pytest.approx(0.875)
    assert weighted_auc({"a": (float("nan"), 3), "b": (0.7, 2)}) == pytest.approx(0.7)
    assert math.isnan(weighted_auc({}))
    assert passes_gate(0.60) and passes_gate(0.9, 0.9) and not passes_gate(0.5999)
    assert not passes_gate(float("nan"))
    with pytest.raises(NexusError, match=r"min_auc must be between 0 and 1 \(got 1.5\)"):
        passes_gate(0.7, 1.5)


def _train(shape: BlockModelShape, seed: int, shuffled: bool = False, **cfg):
    earlier, later = block_model_snapshots(shape, seed=seed, shuffled=shuffled)
    split = time_forward_split(earlier, later, seed=seed)
    config = TrainConfig(seed=seed, **{"epochs": 100, "eval_every": 20, **cfg})
    return train_link_predictor(earlier, split, config, device="cpu"), earlier


def test_learns_block_structure_and_passes_the_gate() -> None:
    result, _ = _train(STRUCTURED, seed=0)
    assert result.val_auc >= 0.9, result.val_auc_by_type
    assert result.passed and result.mode == "full-batch" and result.device == "cpu"
    assert [p.epoch for p in result.curve] == [20, 40, 60, 80, 100]
    assert result.curve[-1].loss < result.first_loss  # it trained
    assert result.best_val_auc >= result.val_auc
    assert set(result.val_auc_by_type) == {"company__supplies__company", "fund__owns__company",
                                           "director__sits_on__company"}


def test_shuffled_edges_fail_the_gate() -> None:
    result, _ = _train(STRUCTURED, seed=0, shuffled=True)
    assert result.val_auc < 0.60
    assert not result.passed


def test_same_seed_same_weights_on_cpu() -> None:
    runs = [_train(TINY, seed=s, epochs=25)[0] for s in (7, 7, 8)]
    a, b, c = (r.model.state_dict() for r in runs)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [p.val_auc for p in runs[0].curve] == [p.val_auc for p in runs[1].curve]
    assert any(not torch.equal(a[k], c[k]) for k in a)


def test_training_leaves_the_callers_rng_and_threads_alone() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    _train(TINY, seed=1, epochs=5)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


def test_minibatch_path_learns() -> None:
    result, _ = _train(STRUCTURED, seed=0, minibatch=True, batch_size=128, epochs=60)
    assert result.mode == "mini-batch"
    assert result.val_auc >= 0.85, result.val_auc_by_type


def test_minibatch_path_is_deterministic() -> None:
    runs = [_train(TINY, seed=0, minibatch=True, batch_size=32, epochs=10)[0] for _ in range(2)]
    a, b = (r.model.state_dict() for r in runs)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_minibatch_is_chosen_by_size() -> None:
    result, _ = _train(TINY, seed=0, epochs=2, minibatch_edges=10, batch_size=16)
    assert result.mode == "mini-batch"


def test_random_split_training_on_one_relation() -> None:
    _, graph = block_model_snapshots(STRUCTURED, seed=0)
    split = random_link_split(graph, predict=[SUPPLIES], seed=0)
    result = train_link_predictor(graph, split, TrainConfig(epochs=60), device="cpu")
    assert list(result.val_auc_by_type) == ["company__supplies__company"]
    assert result.model.spec.predict == [SUPPLIES]
    assert result.val_auc >= 0.85


def test_embeddings_of_a_later_snapshot_use_the_same_rows() -> None:
    result, earlier = _train(TINY, seed=0, epochs=5)
    _, later = block_model_snapshots(TINY, seed=0)
    z = embed(result.model, later, device="cpu")
    assert z["company"].shape == (TINY.companies, 64) and z["fund"].shape == (TINY.funds, 64)
    assert not torch.equal(z["company"], embed(result.model, earlier, device="cpu")["company"])


def test_split_from_another_graph_is_refused() -> None:
    earlier, later = block_model_snapshots(TINY, seed=0)
    split = time_forward_split(earlier, later)
    other, _ = block_model_snapshots(TINY.scaled(2), seed=0)
    with pytest.raises(NexusError, match="make the split from the same snapshot"):
        train_link_predictor(other, split, TrainConfig(epochs=1), device="cpu")


def test_devices() -> None:
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(NexusError, match="Unknown device 'tpu'; expected auto, cpu or cuda"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(NexusError, match="--device cuda was asked for but torch sees no CUDA device"):
            resolve_device("cuda")


def test_a_stacked_model_whose_residual_weight_is_zero_does_not_pass_the_baseline_gate() -> None:
    from nexus_graph.pipeline.train import adds_nothing

    assert adds_nothing({"kind": "stacked", "residual_weight": 0.0})  # the score is the baseline's: a tie, not a win
    assert not adds_nothing({"kind": "stacked", "residual_weight": 0.06})
    assert not adds_nothing({"kind": "stacked"})  # a fixed mix keeps the residual at weight 1
    assert not adds_nothing({"kind": "bilinear"})
