"""Model selection on the held-back window: the lowest held-back log-loss wins, by hand; the validation
labels choose nothing; the choice is recorded and round-trips."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from nexus_graph.errors import NexusError
from nexus_graph.model import checkpoint
from nexus_graph.model.selection import TIE_LOG_LOSS, HeldBackSelection
from nexus_graph.model.stacking import ResidualMix, fit_residual_weight, residual_mix
from nexus_graph.model.train import TrainConfig, train_link_predictor
from nexus_graph.model.windows import training_inputs
from nexus_graph.snapshot.hetero import build_snapshot
from nexus_graph.store.models import model_properties
from tests.unit.test_model_stacking import demo  # noqa: F401  (the demo split at 2021-05-31)

pytestmark = pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")

SELECT = TrainConfig(epochs=6, eval_every=2, decoder="stacked", objective="windows", mix="fitted",
                     select="held-back", seed=0)


def test_residual_mix_log_loss_by_hand() -> None:
    rng = np.random.default_rng(1)
    offset, residual = rng.normal(size=3000), rng.normal(size=3000)
    y = (rng.random(3000) < 1 / (1 + np.exp(-(offset + 0.8 * residual)))).astype(float)
    mix = residual_mix(offset, residual, y)
    assert (mix.weight, mix.intercept) == fit_residual_weight(offset, residual, y) and mix.pairs == 3000
    logit = offset + mix.weight * residual + mix.intercept
    assert mix.log_loss == pytest.approx(np.mean(np.log1p(np.exp(-logit)) * y + np.log1p(np.exp(logit)) * (1 - y)))
    # a residual pointing the wrong way gets weight 0: its loss is the offsets' own, whatever the residual
    useless = [residual_mix(offset, -residual, y), residual_mix(offset, -2 * residual, y)]
    assert useless[0].weight == useless[1].weight == 0.0
    assert useless[0].log_loss == pytest.approx(useless[1].log_loss) and useless[0].log_loss > mix.log_loss
    assert mix.gain_z > 5 and useless[0].gain_z == 0.0  # a real residual's gain is far above its noise
    alone = mix.without_residual()
    assert alone.weight == 0.0 and alone.log_loss == pytest.approx(useless[0].log_loss, abs=1e-6)
    noise = residual_mix(offset, rng.normal(size=3000), y)  # unrelated to the labels: a small, noisy gain
    assert noise.gain_z < 2.0 and noise.log_loss <= noise.base_log_loss


def test_selection_keeps_the_lowest_log_loss_and_the_latest_of_ties() -> None:
    net = torch.nn.Linear(1, 1, bias=False)
    selection = HeldBackSelection()
    points = [(0.0, 0.50), (0.3, 0.40), (0.0, 0.45), (0.7, 0.40 + TIE_LOG_LOSS / 2), (0.2, 0.41)]
    for epoch, (weight, loss) in enumerate(points, start=1):
        net.weight.data.fill_(float(epoch))
        selection.offer(epoch, net, ResidualMix(weight, 0.0, loss, 10))
    net.weight.data.fill_(99.0)
    kept = selection.restore(net)
    assert net.weight.item() == 4.0 and kept.weight == 0.7 and selection.best_epoch == 4  # 4 ties 2: the latest
    record = selection.record()
    assert record["selected_epoch"] == 4 and record["selected_log_loss"] == pytest.approx(0.4, abs=1e-6)
    assert [p["epoch"] for p in record["selection_trace"]] == [1, 2, 3, 4, 5]
    flat = HeldBackSelection()  # no residual helps anywhere: the last point, as without selection
    for epoch in (1, 2, 3):
        flat.offer(epoch, net, ResidualMix(0.0, -0.2, 0.45 + (epoch % 2) * 1e-9, 10))
    assert flat.best_epoch == 3
    guarded = HeldBackSelection(min_z=2.0)  # the lower loss of a noisy residual counts as weight 0
    for epoch, (weight, loss, z) in enumerate([(0.4, 0.40, 1.5), (0.2, 0.42, 2.5), (0.9, 0.30, 1.9)], start=1):
        net.weight.data.fill_(float(epoch))
        guarded.offer(epoch, net, ResidualMix(weight, 0.1, loss, 10, z, -0.2, 0.45))
    kept = guarded.restore(net)
    assert net.weight.item() == 2.0 and (kept.weight, kept.intercept) == (0.2, 0.1)
    assert guarded.record()["select_min_z"] == 2.0 and len(guarded.record()["selection_trace"]) == 3
    none = HeldBackSelection(min_z=2.0)
    none.offer(1, net, ResidualMix(0.4, 0.1, 0.40, 10, 1.0, -0.2, 0.45))
    assert none.restore(net) == ResidualMix(0.0, -0.2, 0.45, 10, 0.0, -0.2, 0.45)  # the baseline's score
    with pytest.raises(ValueError, match="No evaluation point"):
        HeldBackSelection().restore(net)


def test_selection_never_reads_validation_labels(demo) -> None:  # noqa: F811
    tables, train_graph, split, cut = demo
    offsets, tasks = training_inputs(tables, split, cut, SELECT, lambda d: build_snapshot(tables, d))
    a = train_link_predictor(train_graph, split, SELECT, device="cpu", offsets=offsets, tasks=tasks)
    flipped = dataclasses.replace(split, val_labels={et: 1 - y for et, y in split.val_labels.items()})
    b = train_link_predictor(train_graph, flipped, SELECT, device="cpu", offsets=offsets, tasks=tasks)
    assert a.decoder == b.decoder and a.val_auc != b.val_auc  # the labels were read for the AUC only
    state_a, state_b = a.model.state_dict(), b.model.state_dict()
    assert all(torch.equal(state_a[k], state_b[k]) for k in state_a)
    trace = a.decoder["selection_trace"]
    assert [p["epoch"] for p in trace] == [2, 4, 6]
    best = next(p for p in trace if p["epoch"] == a.decoder["selected_epoch"])
    assert all(p["log_loss"] >= best["log_loss"] - 2 * TIE_LOG_LOSS for p in trace)
    assert a.decoder["residual_weight"] == best["residual_weight"]
    assert a.decoder["mix_log_loss"] == a.decoder["selected_log_loss"] == best["log_loss"]


def test_selection_is_recorded_and_needs_the_held_back_window(demo, tmp_path) -> None:  # noqa: F811
    tables, train_graph, split, cut = demo
    offsets, tasks = training_inputs(tables, split, cut, SELECT, lambda d: build_snapshot(tables, d))
    result = train_link_predictor(train_graph, split, dataclasses.replace(SELECT, epochs=2, eval_every=1),
                                  device="cpu", offsets=offsets, tasks=tasks)
    meta = checkpoint.training_metadata(result, train_graph, "2021-05-31")
    assert meta["hyperparameters"]["select"] == "held-back" and meta["decoder_details"]["select"] == "held-back"
    assert model_properties(meta)["select"] == "held-back"
    loaded, _ = checkpoint.load_checkpoint(checkpoint.save_checkpoint(result, tmp_path, meta))
    assert all(torch.equal(v, result.model.state_dict()[k]) for k, v in loaded.state_dict().items())
    with pytest.raises(NexusError, match="select 'held-back' chooses the checkpoint on the window that mix 'fitted'"):
        train_link_predictor(train_graph, split, dataclasses.replace(SELECT, mix="fixed"), device="cpu",
                             offsets=offsets, tasks=tasks)
    with pytest.raises(NexusError, match=r"select_min_z 2\.0 guards the held-back selection"):
        train_link_predictor(train_graph, split, dataclasses.replace(SELECT, select="last", select_min_z=2.0),
                             device="cpu", offsets=offsets, tasks=tasks)
    with pytest.raises(NexusError, match="Unknown select 'best'"):
        train_link_predictor(train_graph, split, dataclasses.replace(SELECT, select="best"), device="cpu",
                             offsets=offsets, tasks=tasks)


def test_the_seed_noise_model_is_selected_like_the_model() -> None:
    from nexus_graph.pipeline.validate import noise_config

    hyper = {k: getattr(SELECT, k) for k in ("hidden", "heads", "layers", "dropout", "lr", "weight_decay", "epochs",
                                             "eval_every", "neg_ratio", "decoder", "mix", "objective")}
    config = noise_config({"hyperparameters": {**hyper, "select": "held-back", "select_min_z": 2.0}}, seed=5)
    assert (config.select, config.select_min_z, config.seed) == ("held-back", 2.0, 5)
    older = noise_config({"hyperparameters": hyper}, seed=5)  # a checkpoint from before selection: the default
    assert (older.select, older.select_min_z) == ("last", 0.0)
