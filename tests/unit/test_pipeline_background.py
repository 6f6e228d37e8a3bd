"""A fit in a second process (the demo's seed-noise model) is the fit this process would make."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from nexus_graph.errors import NexusError
from nexus_graph.model.config import TrainConfig
from nexus_graph.pipeline.background import BackgroundFit
from nexus_graph.pipeline.train import fit_model, train_model
from nexus_graph.snapshot.tables import graph_tables_from_dataset, tables_known_by
from nexus_graph.sources import demo

AS_OF = pd.Timestamp("2021-05-31")


@pytest.fixture(scope="module")
def tables():
    return tables_known_by(graph_tables_from_dataset(demo.generate(seed=7)), AS_OF)


def test_the_background_fit_has_the_weights_of_an_in_process_fit(tables) -> None:
    config = TrainConfig(epochs=12, eval_every=6, seed=1)
    with BackgroundFit(tables, AS_OF, config, device="cpu") as pending:
        here = fit_model(tables, AS_OF, config=config, device="cpu")  # meanwhile, as the demo does
        there = pending.result()
    assert there.matches(AS_OF, "time", 3, config)
    assert there.result.val_auc == here.result.val_auc
    assert there.baseline.auc == here.baseline.auc
    ours, theirs = here.result.model.state_dict(), there.result.model.state_dict()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)


def test_an_error_in_the_child_is_raised_by_result(tables) -> None:
    empty = type(tables)(nodes=tables.nodes, edges={et: frame.iloc[:0] for et, frame in tables.edges.items()})
    with BackgroundFit(empty, AS_OF, TrainConfig(epochs=2), device="cpu") as pending, \
            pytest.raises(NexusError, match="No relationship is known"):
        pending.result()


def test_a_fit_made_with_other_arguments_is_refused(tables, tmp_path) -> None:
    fitted = fit_model(tables, AS_OF, config=TrainConfig(epochs=2, eval_every=2, seed=1), device="cpu")
    with pytest.raises(NexusError, match="trained with other arguments"):
        train_model(None, AS_OF, tmp_path, config=TrainConfig(epochs=2, eval_every=2, seed=2),  # type: ignore[arg-type]
                    fitted=fitted)


def test_a_child_that_dies_without_a_result_is_an_error_not_a_hang(tables) -> None:
    pending = BackgroundFit(tables, AS_OF, TrainConfig(epochs=300), device="cpu")
    pending._process.kill()  # as the OOM killer would
    with pytest.raises(NexusError, match="ended without a result"):
        pending.result()


@pytest.mark.timeout(120)
def test_a_child_that_dies_at_start_up_is_an_error_not_a_hang(tables, tmp_path, monkeypatch) -> None:
    # A child that dies before it reads its inputs (an import error, the OOM killer): with the inputs passed as the
    # process's arguments the parent blocked for ever writing them (it held the pipe's reading end itself).
    (tmp_path / "sitecustomize.py").write_text("import os\nos._exit(3)\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # the spawned interpreter runs it first thing
    with BackgroundFit(tables, AS_OF, TrainConfig(epochs=2), device="cpu") as pending, \
            pytest.raises(NexusError, match=r"ended without a result \(exit code 3\)"):
        pending.result()
