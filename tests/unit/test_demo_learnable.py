"""The default demo graph is learnable the way issue 5 measures it: time-forward HGT link prediction.

Default split (train on the snapshot a quarter before the as-of date, validate on the relationships
that became known in between plus as many sampled negatives) and default hyperparameters (300 epochs)
-- a full training run, about 5-15 s each on a 2-core machine, hence ``slow``. The first version
of the demo scored 0.76-0.81 at 2023-12-31 here (ownership 0.69-0.74); the bar is issue 5's 0.90.
"""

from __future__ import annotations

import math

import pytest

from nexus_graph.model import splits, train
from nexus_graph.model.splits import LinkSplit
from nexus_graph.model.train import TrainResult
from nexus_graph.snapshot.hetero import build_snapshot
from nexus_graph.snapshot.tables import GraphTables, graph_tables_from_dataset
from nexus_graph.sources import demo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tables() -> GraphTables:
    return graph_tables_from_dataset(demo.generate())


def _time_forward(tables: GraphTables, train_at: str, as_of: str) -> tuple[LinkSplit, TrainResult]:
    """Split and training result of the default time-forward run (CPU, seed 0)."""
    split = splits.time_forward_split(build_snapshot(tables, train_at), build_snapshot(tables, as_of))
    result = train.train_link_predictor(build_snapshot(tables, train_at), split, train.TrainConfig(seed=0),
                                        device="cpu")
    return split, result


def test_time_forward_auc_at_the_reference_date_reaches_the_bar(tables: GraphTables) -> None:
    split, result = _time_forward(tables, "2023-09-30", demo.REFERENCE_DATE)
    positives = {name: c["val_pos"] for name, c in split.info["counts"].items()}
    # enough new links that the AUC means something: ~100 new holdings, ~15 new supply links a quarter
    assert sum(positives.values()) >= 80, positives
    assert result.val_auc >= 0.90, (result.val_auc, result.val_auc_by_type)
    by_type = {k: v for k, v in result.val_auc_by_type.items() if not math.isnan(v)}
    assert len(by_type) >= 2 and min(by_type.values()) >= 0.85, by_type


def test_time_forward_auc_at_the_pipeline_anchor(tables: GraphTables) -> None:
    """The demo pipeline trains at 2021-06-30: what became known in 2021-Q2 is predictable too."""
    _, result = _time_forward(tables, "2021-03-31", "2021-06-30")
    assert result.val_auc >= 0.80, (result.val_auc, result.val_auc_by_type)
