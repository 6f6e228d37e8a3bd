"""The combined decoder (``model/combined.py``): the baseline's logistic with the HGT's logit as one more input.

It must be fitted like the baseline -- earlier windows only, never a validation label, nothing known after
the as-of date -- and the pipeline must keep the HGT alone beside the combination.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from nexus_graph.errors import NexusError
from nexus_graph.model.baselines import FEATURES, HeuristicGraph, months_before, regression_inputs
from nexus_graph.model.combined import INPUTS, combine_with_baseline
from nexus_graph.model.metrics import roc_auc
from nexus_graph.model.splits import random_link_split, time_forward_split
from nexus_graph.model.train import TrainConfig, embed, train_link_predictor
from nexus_graph.pipeline.train import adds_nothing, fit_model
from nexus_graph.snapshot.hetero import OWNS, build_snapshot
from nexus_graph.snapshot.tables import graph_tables_from_dataset
from nexus_graph.sources.demo import generate
from tests.frames import late_supply_row

pytestmark = pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")
AS_OF = pd.Timestamp("2021-05-31")
CUT = months_before(AS_OF, 3)
QUICK = TrainConfig(epochs=20, eval_every=10, seed=0)


def _embed(model, graph):
    return embed(model, graph, device="cpu")


@pytest.fixture(scope="module")
def demo() -> tuple:
    tables = graph_tables_from_dataset(generate(seed=7, scale=1))
    train_graph = build_snapshot(tables, CUT)
    split = time_forward_split(train_graph, build_snapshot(tables, AS_OF), seed=0)
    result = train_link_predictor(train_graph, split, QUICK, device="cpu")
    return tables, train_graph, split, result


def _combine(tables, split, model):
    return combine_with_baseline(tables, split, CUT, model, lambda d: build_snapshot(tables, d), _embed)


def test_the_combination_scores_the_validation_pairs_by_hand(demo) -> None:
    tables, train_graph, split, result = demo
    combined = _combine(tables, split, result.model)
    assert OWNS in combined.models and len(combined.models[OWNS].coef) == len(INPUTS) == len(FEATURES) + 1
    assert len(combined.windows) == 4 and combined.train_pairs["__".join(OWNS)] > 0
    # the owns AUC again, from the fitted logistic, the heuristics at the cut and the HGT's logits
    pairs, labels = split.val_edges[OWNS], split.val_labels[OWNS].numpy()
    z = _embed(result.model, train_graph)
    with torch.no_grad():
        hgt = result.model.score(z, OWNS, pairs).numpy()
    heuristics = HeuristicGraph(tables, CUT, edges=split.message_edges).features(OWNS, pairs)
    x = np.column_stack([regression_inputs(heuristics), hgt])
    assert combined.auc_by_type["__".join(OWNS)] == pytest.approx(roc_auc(labels, combined.models[OWNS].decision(x)))


def test_validation_labels_are_never_fitted_on(demo) -> None:
    tables, _, split, result = demo
    flipped = dataclasses.replace(split, val_labels={et: 1.0 - y for et, y in split.val_labels.items()})
    a, b = _combine(tables, split, result.model), _combine(tables, flipped, result.model)
    assert all(np.array_equal(a.models[et].coef, b.models[et].coef) for et in a.models)
    assert a.hgt_weight == b.hgt_weight
    assert b.auc_by_type["__".join(OWNS)] == pytest.approx(1.0 - a.auc_by_type["__".join(OWNS)])


def test_a_random_split_is_refused(demo) -> None:
    tables, train_graph, _, result = demo
    with pytest.raises(NexusError, match="time-forward split"):
        _combine(tables, random_link_split(train_graph, seed=0), result.model)


def test_fit_model_keeps_the_hgt_alone_beside_the_combination(demo) -> None:
    tables, _, _, plain = demo
    fitted = fit_model(tables, AS_OF, config=dataclasses.replace(QUICK, decoder="combined"), device="cpu")
    details = fitted.result.decoder
    assert details["kind"] == "combined"
    # the encoder trains exactly as the default one: same seed, same weights, same HGT-alone AUC
    assert details["hgt_auc"] == pytest.approx(plain.val_auc, abs=1e-6)
    state_a, state_b = plain.model.state_dict(), fitted.result.model.state_dict()
    assert all(torch.equal(state_a[k], state_b[k]) for k in state_a)
    assert fitted.result.val_auc != plain.val_auc and set(details["coefficients"]) >= {"__".join(OWNS)}
    assert adds_nothing(details) == (details["hgt_weight"] <= 0)
    assert adds_nothing({"kind": "combined", "hgt_weight": 0.0}) and not adds_nothing({"kind": "bilinear"})


def test_no_look_ahead_through_the_combination() -> None:
    """Relationships known only after the as-of date change nothing the combination computes."""
    dataset = generate(seed=7)
    extra = late_supply_row(dataset.supply, dataset.companies.company_id.iloc[-1], CUT, AS_OF)
    results = []
    for supply in (dataset.supply, pd.concat([dataset.supply, extra], ignore_index=True)):
        dataset.supply = supply
        tables = graph_tables_from_dataset(dataset)
        train_graph = build_snapshot(tables, CUT)
        split = time_forward_split(train_graph, build_snapshot(tables, AS_OF), seed=0)
        model = train_link_predictor(train_graph, split, dataclasses.replace(QUICK, epochs=3), device="cpu").model
        results.append(_combine(tables, split, model))
    a, b = results
    assert a.auc == b.auc and a.hgt_weight == b.hgt_weight and a.windows == b.windows
    assert all(np.array_equal(a.models[et].coef, b.models[et].coef) for et in a.models)


def test_without_a_window_to_fit_on_the_hgt_alone_is_scored(demo, monkeypatch) -> None:
    from nexus_graph.model.combined import CombinedScore
    from nexus_graph.pipeline import train as pipeline_train

    tables, _, split, result = demo
    empty = CombinedScore(auc=0.5, auc_by_type={}, hgt_weight=0.0, models={}, windows=[], train_pairs={})
    monkeypatch.setattr(pipeline_train, "combine_with_baseline", lambda *args, **kwargs: empty)
    out = pipeline_train.with_combination(tables, split, CUT, result, "cpu", 3)
    assert out.val_auc == result.val_auc and out.decoder["kind"] == "bilinear"
    assert "no earlier window" in out.decoder["note"] and not adds_nothing(out.decoder)


def test_a_random_split_scores_the_hgt_alone_and_says_so(demo) -> None:
    tables = demo[0]
    fitted = fit_model(tables, AS_OF, split="random", config=dataclasses.replace(QUICK, decoder="combined"),
                       device="cpu")
    assert fitted.result.decoder["kind"] == "bilinear" and "random split" in fitted.result.decoder["note"]
