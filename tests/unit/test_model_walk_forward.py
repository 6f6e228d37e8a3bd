"""Walk-forward: period boundaries, and each model sees nothing after its as-of date."""

from __future__ import annotations

import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.model.synthetic import BlockModelShape, block_model_snapshots
from nexus_graph.model.train import TrainConfig
from nexus_graph.model.walk_forward import model_for_date, train_date, train_walk_forward, walk_forward_periods

# torch labels its CSR tensors "beta" once per process; the kernels using them are tested here
pytestmark = pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")

TINY = BlockModelShape(companies=40, funds=6, directors=6, segments=4, supplies=100, owns=60, sits_on=12,
                       fund_segments=1, growth=0.3)


def test_quarterly_periods_cover_the_range() -> None:
    periods = walk_forward_periods("2021-06-30", "2026-03-31", "QUARTERLY")
    assert periods[0] == pd.Timestamp("2021-06-30") and periods[-1] == pd.Timestamp("2026-03-31")
    assert len(periods) == 20
    # a start inside a quarter gets the boundary before it, so it has a model
    assert walk_forward_periods("2021-07-15", "2021-12-31")[0] == pd.Timestamp("2021-06-30")
    assert walk_forward_periods("2022-02-10", "2022-04-30", "MONTHLY") == [
        pd.Timestamp("2022-01-31"), pd.Timestamp("2022-02-28"), pd.Timestamp("2022-03-31"), pd.Timestamp("2022-04-30")]
    with pytest.raises(NexusError, match="Unknown walk-forward frequency 'WEEKLY'"):
        walk_forward_periods("2021-01-01", "2022-01-01", "WEEKLY")


def test_model_for_a_date_never_comes_from_the_future() -> None:
    periods = walk_forward_periods("2021-06-30", "2022-06-30")
    assert model_for_date(periods, "2021-08-31") == pd.Timestamp("2021-06-30")
    assert model_for_date(periods, "2021-09-30") == pd.Timestamp("2021-09-30")
    with pytest.raises(NexusError, match="No walk-forward model covers 2021-05-31"):
        model_for_date(periods, "2021-05-31")


def test_each_period_reads_only_snapshots_up_to_its_asof() -> None:
    asked: list[pd.Timestamp] = []
    graphs = {}

    def snapshot_at(date: pd.Timestamp):
        asked.append(date)
        # a different graph per date, so each period has something new to validate on
        seed = date.month + date.year
        if seed not in graphs:
            graphs[seed] = block_model_snapshots(TINY, seed=0)[0 if date.month % 6 else 1]
        return graphs[seed]

    periods = walk_forward_periods("2022-06-30", "2022-12-31")
    models = list(train_walk_forward(periods, snapshot_at, TrainConfig(epochs=3, eval_every=3)))
    assert [m.asof for m in models] == periods
    for model, (train_day, asof_day) in zip(models, zip(asked[::2], asked[1::2], strict=True), strict=True):
        assert train_day == model.train_date == model.asof - pd.offsets.MonthEnd(3)
        assert asof_day == model.asof
        assert model.result.split_info["asof"] == f"{model.asof:%Y-%m-%d}"
    assert max(asked) == periods[-1]


def test_one_training_date_rule_month_end_to_month_end() -> None:
    """The training cut-off of the pipeline and of walk-forward is one rule (they disagreed by a day)."""
    assert train_date("2023-06-30", 3) == pd.Timestamp("2023-03-31")
    assert train_date("2022-06-30") == pd.Timestamp("2022-03-31")
    assert train_date("2021-05-31", 3) == pd.Timestamp("2021-02-28")
    assert train_date("2023-06-15", 3) == pd.Timestamp("2023-03-15")
