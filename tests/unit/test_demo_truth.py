"""The demo generator's true link rates (``sources/demo/truth.py``) and the ceiling benchmark built on them.

The rates must belong to the pairs the dataset was drawn from -- a rate keyed to the wrong ids would
make the ceiling study (``python -m benchmarks.ceiling``) meaningless while still printing numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.ceiling import PREDICT, SCORED, TruthLookup, run_date
from nexus_graph import schema
from nexus_graph.as_of import visible_mask
from nexus_graph.model.baselines import baseline_auc, months_before
from nexus_graph.model.splits import time_forward_split
from nexus_graph.snapshot.hetero import build_snapshot
from nexus_graph.snapshot.tables import GraphTables, graph_tables_from_dataset
from nexus_graph.sources import demo
from nexus_graph.sources.demo.truth import TRUTH_COLUMNS, link_rates
from nexus_graph.sources.tables import Dataset

SEED = 3


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return demo.generate(seed=SEED)


@pytest.fixture(scope="module")
def rates() -> dict[str, pd.DataFrame]:
    return link_rates(SEED)


@pytest.fixture(scope="module")
def tables(dataset: Dataset) -> GraphTables:
    return graph_tables_from_dataset(dataset)


def _pairs(frame: pd.DataFrame, spec: schema.RelSpec) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([frame[spec.source_column], frame[spec.target_column]])


@pytest.mark.parametrize("spec", [schema.SUPPLY, schema.OWNERSHIP], ids=["supply", "ownership"])
def test_every_generated_link_is_a_candidate_with_a_finite_rate(dataset: Dataset, rates: dict[str, pd.DataFrame],
                                                                spec: schema.RelSpec) -> None:
    truth = rates[spec.table]
    assert list(truth.columns) == list(TRUTH_COLUMNS)
    candidates = pd.MultiIndex.from_arrays([truth.source_id, truth.target_id])
    assert candidates.is_unique
    assert _pairs(getattr(dataset, spec.table), spec).isin(candidates).all()
    assert ((truth.pi > 0) & (truth.pi < 1)).all() and np.isfinite(truth.log_rate).all()


@pytest.mark.parametrize("spec", [schema.SUPPLY, schema.OWNERSHIP], ids=["supply", "ownership"])
def test_pairs_with_higher_rates_are_linked_more_often(dataset: Dataset, rates: dict[str, pd.DataFrame],
                                                      spec: schema.RelSpec) -> None:
    frame = getattr(dataset, spec.table)
    live = _pairs(frame.loc[visible_mask(frame, demo.REFERENCE_DATE)], spec)
    truth = rates[spec.table]
    linked = pd.MultiIndex.from_arrays([truth.source_id, truth.target_id]).isin(live)
    upper = truth.pi.to_numpy() > np.median(truth.pi)
    # pi is the stationary probability of being linked: the upper half is linked more often (ownership
    # candidates are all in-style pairs, pi 0.84-0.995, so the gap is small there: 0.94 against 0.87)
    assert linked[upper].mean() > linked[~upper].mean() + 0.05


def test_the_same_arguments_give_the_same_rates(rates: dict[str, pd.DataFrame]) -> None:
    again = link_rates(SEED)
    for table, frame in rates.items():
        pd.testing.assert_frame_equal(frame, again[table])


def test_the_ceiling_row_scores_the_baselines_own_validation_pairs(tables: GraphTables,
                                                                   rates: dict[str, pd.DataFrame]) -> None:
    as_of = pd.Timestamp(demo.REFERENCE_DATE)
    row = run_date(tables, TruthLookup(tables, rates), as_of)
    cut = months_before(as_of, 3)
    split = time_forward_split(build_snapshot(tables, cut), build_snapshot(tables, as_of), predict=PREDICT,
                               seed=0)
    reference = baseline_auc(tables, split, cut)
    for et in SCORED:
        name = "__".join(et)
        assert row["by_type"][name]["baseline"] == pytest.approx(reference.auc_by_type[name])
        assert row["by_type"][name]["truth_alone"] > 0.75  # the generator's own rates rank its links
    assert row["headroom"] == pytest.approx(row["baseline_plus_truth"] - row["baseline"])
    assert 0 < row["bootstrap_se"] < 0.1
