"""The stacked decoder and the windows objective: all-pair heuristics equal the pairwise ones, offsets and
window tasks enter training and scoring, nothing after the cut."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from nexus_graph.errors import NexusError
from nexus_graph.model import checkpoint
from nexus_graph.model.baselines import FEATURES, HeuristicGraph, fit_combination, months_before
from nexus_graph.model.hgt import HGTLinkPredictor
from nexus_graph.model.metrics import roc_auc
from nexus_graph.model.splits import random_link_split, time_forward_split
from nexus_graph.model.stacking import (
    PairOffsets,
    all_pair_heuristics,
    all_pair_logits,
    fit_residual_weight,
    pair_offsets,
)
from nexus_graph.model.train import TrainConfig, embed, train_link_predictor
from nexus_graph.model.trainer import evaluate
from nexus_graph.model.windows import training_inputs, window_tasks
from nexus_graph.snapshot.hetero import OWNS, SUPPLIES, build_snapshot
from nexus_graph.snapshot.tables import GraphTables, graph_tables_from_dataset
from nexus_graph.sources.demo import generate
from nexus_graph.store.models import model_properties
from tests.frames import late_supply_row
from tests.unit.test_model_baselines import CUT
from tests.unit.test_model_baselines import tables as small_tables  # noqa: F401  (the hand-worked graph)

pytestmark = pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")


def _grid(ns: int, nd: int) -> np.ndarray:
    return np.stack(np.meshgrid(np.arange(ns), np.arange(nd), indexing="ij")).reshape(2, -1)


@pytest.mark.parametrize("et", [SUPPLIES, OWNS])
def test_all_pair_heuristics_equal_the_pairwise_ones(small_tables: GraphTables, et) -> None:  # noqa: F811
    graph = HeuristicGraph(small_tables, CUT)
    ns, nd = graph.sizes[et[0]], graph.sizes[et[2]]
    pairwise = graph.features(et, _grid(ns, nd))
    tables = dict(all_pair_heuristics(graph, et))
    assert list(tables) == list(FEATURES)
    for i, name in enumerate(FEATURES):
        np.testing.assert_allclose(tables[name].ravel(), pairwise[:, i], err_msg=name)


def test_all_pair_heuristics_by_hand(small_tables: GraphTables) -> None:  # noqa: F811
    # the hand-worked graph of test_model_baselines: B and D share A and C; C->E ended, public by the cut
    graph = HeuristicGraph(small_tables, CUT)
    row = {c: i for i, c in enumerate("ABCDE")}
    tables = dict(all_pair_heuristics(graph, SUPPLIES))
    assert tables["common_neighbours"][row["B"], row["D"]] == 2
    assert tables["past_link"][row["C"], row["E"]] == 1 and tables["past_link"][row["E"], row["C"]] == 0
    assert tables["past_link"].sum() == 1


@pytest.fixture(scope="module")
def demo() -> tuple:
    tables = graph_tables_from_dataset(generate(seed=7, scale=1))
    as_of = pd.Timestamp("2021-05-31")
    cut = months_before(as_of, 3)
    train_graph = build_snapshot(tables, cut)
    split = time_forward_split(train_graph, build_snapshot(tables, as_of), seed=0)
    return tables, train_graph, split, cut


def test_offsets_are_the_baselines_logits_and_ignore_validation_labels(demo) -> None:
    tables, _, split, cut = demo
    offsets = pair_offsets(tables, split, cut)
    fitted = fit_combination(tables, split, cut)
    graph = HeuristicGraph(tables, cut, edges=split.message_edges)
    for et in split.predict:
        pairs = split.val_edges[et]
        if pairs.size(1) == 0:
            continue
        expected = fitted.decision(et, graph.features(et, pairs))
        got = offsets.lookup(et, pairs, training=False).double().numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)
    assert all(w.split("..")[1] <= f"{cut:%Y-%m-%d}" for w in offsets.info["windows"])
    flipped = type(split)(**{**split.__dict__, "val_labels": {et: 1 - y for et, y in split.val_labels.items()}})
    again = pair_offsets(tables, flipped, cut)
    assert all(torch.equal(again.val[et], offsets.val[et]) for et in split.predict)
    assert offsets.train is offsets.val  # no hidden edges: one set of tables


def test_evaluate_adds_the_offsets_by_hand() -> None:
    # one type, two nodes each side; the model's bilinear term is forced to 0, so AUC = AUC of the offsets
    et = ("a", "r", "b")
    spec_model = type("Zero", (), {"score": lambda self, z, t, p: torch.zeros(p.size(1))})()
    pairs = torch.tensor([[0, 0, 1, 1], [0, 1, 0, 1]])
    labels = torch.tensor([1.0, 0.0, 0.0, 1.0])
    split = type("S", (), {"val_edges": {et: pairs}, "val_labels": {et: labels}})()
    offsets = PairOffsets(train={}, val={et: torch.tensor([[3.0, -1.0], [0.5, 2.0]])})
    z = {"a": torch.zeros(2, 1), "b": torch.zeros(2, 1)}
    auc, by_type = evaluate(spec_model, z, split, offsets)  # type: ignore[arg-type]
    assert auc == 1.0 and by_type == {"a__r__b": 1.0}
    flipped = PairOffsets(train={}, val={et: -offsets.val[et]})
    assert evaluate(spec_model, z, split, flipped)[0] == 0.0  # type: ignore[arg-type]
    assert roc_auc(labels.numpy(), np.array([3.0, -1.0, 0.5, 2.0])) == 1.0


def test_decoder_and_offsets_must_agree(demo) -> None:
    _, train_graph, split, _ = demo
    with pytest.raises(NexusError, match="decoder 'stacked' was asked for without pair offsets"):
        train_link_predictor(train_graph, split, TrainConfig(epochs=1, decoder="stacked"), device="cpu")
    with pytest.raises(NexusError, match="Unknown decoder 'other'"):
        train_link_predictor(train_graph, split, TrainConfig(epochs=1, decoder="other"), device="cpu")


def test_stacked_training_starts_at_the_baseline_and_round_trips(demo, tmp_path: Path) -> None:
    tables, train_graph, split, cut = demo
    offsets = pair_offsets(tables, split, cut)
    config = TrainConfig(epochs=20, eval_every=10, decoder="stacked", seed=0)
    result = train_link_predictor(train_graph, split, config, device="cpu", offsets=offsets)
    assert result.decoder["kind"] == "stacked" and result.decoder["cut"] == f"{cut:%Y-%m-%d}"
    assert result.val_auc > 0.9  # the offsets alone rank the demo's new links well
    assert type(result.model) is HGTLinkPredictor  # the network is the plain one: same state_dict keys
    meta = checkpoint.training_metadata(result, train_graph, "2021-05-31")
    version_dir = checkpoint.save_checkpoint(result, tmp_path, meta)
    loaded, meta_back = checkpoint.load_checkpoint(version_dir)
    assert meta_back["decoder_details"]["kind"] == "stacked" and meta_back["hyperparameters"]["decoder"] == "stacked"
    z_before, z_after = embed(result.model, train_graph, device="cpu"), embed(loaded, train_graph, device="cpu")
    assert all(torch.equal(z_before[nt], z_after[nt]) for nt in z_before)  # the backfill embeds as before


def test_minibatch_uses_global_rows_for_the_offsets(demo) -> None:
    tables, train_graph, split, cut = demo
    offsets = pair_offsets(tables, split, cut)
    config = TrainConfig(epochs=4, eval_every=2, decoder="stacked", minibatch=True, batch_size=64, seed=0)
    result = train_link_predictor(train_graph, split, config, device="cpu", offsets=offsets)
    assert result.mode == "mini-batch" and result.val_auc > 0.9


def test_too_many_pairs_are_refused(small_tables: GraphTables, monkeypatch) -> None:  # noqa: F811
    from nexus_graph.model import stacking

    monkeypatch.setattr(stacking, "MAX_OFFSET_PAIRS", 10)
    graph = HeuristicGraph(small_tables, CUT)
    fitted = type("F", (), {"models": {}})()
    with pytest.raises(NexusError, match=r"5 x 5 = 25 pairs is over 10; train with the bilinear decoder"):
        all_pair_logits(graph, fitted, SUPPLIES)  # type: ignore[arg-type]


def test_window_tasks_predict_each_window_from_its_start(demo) -> None:
    tables, _, split, cut = demo
    fitted = fit_combination(tables, split, cut)
    tasks = window_tasks(tables, cut, split.predict, lambda d: build_snapshot(tables, d), seed=1000, fitted=fitted)
    assert [t.end for t in tasks] == [cut - pd.offsets.MonthEnd(3 * k) for k in range(4)]
    for task in tasks:
        assert task.start == task.end - pd.offsets.MonthEnd(3) and task.end <= cut
        end_graph = build_snapshot(tables, task.end)
        for et, pairs in task.pairs.items():
            n = task.graph[et[2]].num_nodes
            keys = set((pairs[0] * n + pairs[1])[task.labels[et] > 0.5].tolist())
            before = set((task.graph[et].edge_index[0] * n + task.graph[et].edge_index[1]).tolist())
            after = set((end_graph[et].edge_index[0] * n + end_graph[et].edge_index[1]).tolist())
            assert keys.isdisjoint(before) and keys <= after  # new in the window, absent from the encoder's input
            expected = fitted.decision(et, HeuristicGraph(tables, task.start).features(et, pairs))
            np.testing.assert_allclose(task.offsets[et].double().numpy(), expected, rtol=1e-5, atol=1e-4)
    # the windows are the baseline's own training windows (same pairs: the residual fits the baseline's task)
    assert fitted.windows == [f"{t.start:%Y-%m-%d}..{t.end:%Y-%m-%d}" for t in tasks]


def test_training_inputs_by_config(demo) -> None:
    tables, train_graph, split, cut = demo

    def snapshot(d: pd.Timestamp):
        return build_snapshot(tables, d)

    assert training_inputs(tables, split, cut, TrainConfig(), snapshot) == (None, None)
    offsets, tasks = training_inputs(tables, split, cut, TrainConfig(decoder="stacked", objective="both"), snapshot)
    assert offsets is not None and tasks and all(t.offsets for t in tasks)
    offsets, tasks = training_inputs(tables, split, cut, TrainConfig(objective="windows"), snapshot)
    assert offsets is None and tasks and not any(t.offsets for t in tasks)
    _, more = training_inputs(tables, split, cut, TrainConfig(objective="windows"), snapshot, windows=6)
    # two more quarterly windows, further back; the first four are the same
    assert [(t.start, t.end) for t in more[:4]] == [(t.start, t.end) for t in tasks] and len(more) == 6
    assert more[5].end == months_before(cut, 15)
    random = random_link_split(train_graph, seed=0)
    with pytest.raises(NexusError, match="need the time-forward split"):
        training_inputs(tables, random, cut, TrainConfig(decoder="stacked"), snapshot)


def test_windows_objective_trains_and_is_recorded(demo, tmp_path: Path) -> None:
    tables, train_graph, split, cut = demo
    config = TrainConfig(epochs=6, eval_every=3, decoder="stacked", objective="both", seed=0)
    offsets, tasks = training_inputs(tables, split, cut, config, lambda d: build_snapshot(tables, d))
    result = train_link_predictor(train_graph, split, config, device="cpu", offsets=offsets, tasks=tasks)
    assert result.objective["kind"] == "both" and len(result.objective["windows"]) == 4
    assert math.isfinite(result.first_loss) and result.val_auc > 0.9
    meta = checkpoint.training_metadata(result, train_graph, "2021-05-31")
    assert meta["objective_details"]["windows"] == result.objective["windows"]
    props = model_properties(meta)  # the (:ModelVersion) node: the choice flat, the details as JSON
    assert props["decoder"] == "stacked" and props["objective"] == "both" and props["mix"] == "fixed"
    assert json.loads(props["decoderDetails"])["kind"] == "stacked"
    assert len(json.loads(props["objectiveDetails"])["windows"]) == 4
    with pytest.raises(NexusError, match="objective 'windows' was asked for with 0 window task"):
        train_link_predictor(train_graph, split, TrainConfig(epochs=1, objective="windows"), device="cpu")


def test_fit_residual_weight_by_hand() -> None:
    rng = np.random.default_rng(0)
    offset, residual = rng.normal(size=4000), rng.normal(size=4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-(offset + 0.5 * residual - 0.3)))).astype(float)
    beta, c = fit_residual_weight(offset, residual, y)
    assert beta == pytest.approx(0.5, abs=0.1) and c == pytest.approx(-0.3, abs=0.1)
    # a residual that points the wrong way gets weight 0: the score falls back to the baseline's
    beta, _ = fit_residual_weight(offset, -residual, y)
    assert beta == 0.0
    with pytest.raises(NexusError, match="needs both labels"):
        fit_residual_weight(offset[:3], residual[:3], np.ones(3))


def test_fitted_mix_leaves_the_latest_window_out_of_training(demo) -> None:
    tables, train_graph, split, cut = demo
    config = TrainConfig(epochs=4, eval_every=2, decoder="stacked", objective="windows", mix="fitted", seed=0)
    offsets, tasks = training_inputs(tables, split, cut, config, lambda d: build_snapshot(tables, d))
    result = train_link_predictor(train_graph, split, config, device="cpu", offsets=offsets, tasks=tasks)
    latest = f"{tasks[0].start:%Y-%m-%d}..{tasks[0].end:%Y-%m-%d}"
    assert result.decoder["mix_window"] == latest and latest not in result.objective["windows"]
    assert len(result.objective["windows"]) == len(tasks) - 1 and result.decoder["residual_weight"] >= 0.0
    assert offsets.residual_weight == 1.0  # the caller's offsets are not changed
    with pytest.raises(NexusError, match="mix 'fitted' needs the stacked decoder, the 'windows' objective"):
        train_link_predictor(train_graph, split, TrainConfig(epochs=1, decoder="stacked", objective="both",
                                                             mix="fitted"), device="cpu", offsets=offsets, tasks=tasks)


def test_the_mix_window_gets_out_of_sample_offsets(demo) -> None:
    tables, _, split, cut = demo
    config = TrainConfig(decoder="stacked", objective="windows", mix="fitted")
    _, tasks = training_inputs(tables, split, cut, config, lambda d: build_snapshot(tables, d))
    latest = tasks[0]
    earlier = fit_combination(tables, split, latest.start)  # windows ending at the mix window's start
    assert all(w.split("..")[1] <= f"{latest.start:%Y-%m-%d}" for w in earlier.windows)
    heuristics = HeuristicGraph(tables, latest.start)
    for et, pairs in latest.pairs.items():
        expected = earlier.decision(et, heuristics.features(et, pairs))
        np.testing.assert_allclose(latest.offsets[et].double().numpy(), expected, rtol=1e-5, atol=1e-4)
    _, fixed = training_inputs(tables, split, cut, TrainConfig(decoder="stacked", objective="windows"),
                               lambda d: build_snapshot(tables, d))
    assert all(torch.equal(a.offsets[et], b.offsets[et]) for a, b in zip(tasks[1:], fixed[1:], strict=True)
               for et in a.offsets)


@pytest.mark.parametrize("select", ["last", "held-back"])
def test_no_look_ahead_through_offsets_windows_or_mix(select: str) -> None:
    """Relationships known only after the as-of date change nothing the stacked model computes, the
    checkpoint chosen on the held-back window included."""
    as_of = pd.Timestamp("2021-05-31")
    cut = months_before(as_of, 3)
    dataset = generate(seed=7)
    late = as_of + pd.Timedelta(days=40)
    extra = late_supply_row(dataset.supply, dataset.companies.company_id.iloc[-1], cut, as_of)
    ended = dataset.ownership.iloc[:1].copy()  # ended before the cut, the end public only after the as-of date
    ended[["valid_from", "known_from", "valid_to", "end_known_from"]] = [
        cut - pd.Timedelta(days=500), cut - pd.Timedelta(days=500), cut - pd.Timedelta(days=100), late]
    ended["company_id"] = dataset.companies.company_id.iloc[-2]
    still_open = ended.copy()  # what was known at the as-of date: the holding, not yet its end
    still_open[["valid_to", "end_known_from"]] = pd.NaT
    results = []
    for supply, ownership in ((dataset.supply, pd.concat([dataset.ownership, still_open], ignore_index=True)),
                              (pd.concat([dataset.supply, extra], ignore_index=True),
                               pd.concat([dataset.ownership, ended], ignore_index=True))):
        dataset.supply, dataset.ownership = supply, ownership
        tables = graph_tables_from_dataset(dataset)
        train_graph = build_snapshot(tables, cut)
        split = time_forward_split(train_graph, build_snapshot(tables, as_of), seed=0)
        config = TrainConfig(epochs=3, eval_every=1, decoder="stacked", objective="windows", mix="fitted",
                             select=select, seed=0)
        offsets, tasks = training_inputs(tables, split, cut, config, lambda d, t=tables: build_snapshot(t, d))
        results.append((offsets, train_link_predictor(train_graph, split, config, device="cpu", offsets=offsets,
                                                       tasks=tasks)))
    (off_a, a), (off_b, b) = results
    assert all(torch.equal(off_a.val[et], off_b.val[et]) for et in off_a.val)
    assert a.val_auc == b.val_auc and a.decoder == b.decoder
    state_a, state_b = a.model.state_dict(), b.model.state_dict()
    assert all(torch.equal(state_a[k], state_b[k]) for k in state_a)
