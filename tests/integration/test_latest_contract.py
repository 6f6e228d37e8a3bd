"""The "latest" contract of issue #21 against the real Neo4j, after backfills in several orders.

The properties on a company (``embedding``, ``embeddingDrift``, ``embeddingDate``, ``modelVersion``)
are its embedding at the latest embedded month-end of the current (promoted) model; all companies
carrying them share that date and model, and the vector is the stored one. While the current model
has no embedding yet they stay on the previous model's, and ``db status`` says so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.model.config import TrainConfig
from nexus_graph.pipeline.backfill import backfill, latest_embeddings
from nexus_graph.pipeline.read import GraphReader
from nexus_graph.pipeline.train import train_model
from nexus_graph.sources.demo import generate
from nexus_graph.store import Store
from nexus_graph.store.admin import wipe
from nexus_graph.store.graph import load_dataset

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]
AS_OF = pd.Timestamp("2021-05-31")
M = {d: pd.Timestamp(d) for d in ("2021-05-31", "2021-06-30", "2021-07-31", "2021-08-31", "2021-09-30",
                                   "2021-10-31", "2021-11-30")}


class Interrupted(Exception):
    """Stands for a kill part-way through a backfill."""


def assert_contract(store: Store, model: str, date: str, current: str) -> None:
    """The companies carry ``model``'s embeddings at ``date`` -- all of them, and only those -- as stored."""
    state = latest_embeddings(store)  # raises when companies mix dates or models
    expected = store.records("test/embeddings_at", model_version=model)[0]
    assert (state.model_version, state.date, state.current_model) == (model, pd.Timestamp(date), current)
    assert pd.Timestamp(str(expected["latest"])) == pd.Timestamp(date), "not the model's latest embedded month-end"
    rows = store.records("test/latest_check")
    assert len(rows) == state.companies == expected["companies"] > 0
    assert all(r["stored"] and r["same_vector"] and r["same_drift"] for r in rows)
    assert state.stale == (model != current)
    assert (state.note() is not None) == state.stale


def test_any_order_of_backfills_keeps_the_contract(store: Store, tmp_path: Path) -> None:
    wipe(store)
    load_dataset(store, generate(seed=7))
    models = tmp_path / "models"
    fast = TrainConfig(epochs=20, eval_every=20, seed=0, min_auc=0.0)
    a = train_model(store, AS_OF, models, config=fast, device="cpu",
                    allow_below_baseline=True).version
    assert latest_embeddings(store).model_version is None  # nothing embedded yet

    backfill(store, models, a, M["2021-05-31"], M["2021-09-30"], device="cpu")  # the full range
    assert_contract(store, a, "2021-09-30", current=a)
    backfill(store, models, a, M["2021-05-31"], M["2021-06-30"], device="cpu")  # an old range again
    assert_contract(store, a, "2021-09-30", current=a)

    b = train_model(store, AS_OF, models, config=TrainConfig(epochs=20, eval_every=20, seed=1, min_auc=0.0),
                    device="cpu",
                    allow_below_baseline=True).version
    assert b != a
    assert_contract(store, a, "2021-09-30", current=b)  # the new current model has no embedding yet: stale
    assert "has no embeddings yet" in (latest_embeddings(store).note() or "")

    backfill(store, models, b, M["2021-05-31"], M["2021-07-31"], device="cpu")  # the current model catches up
    assert_contract(store, b, "2021-07-31", current=b)
    backfill(store, models, a, M["2021-10-31"], M["2021-10-31"], device="cpu")  # another model, a later date
    assert_contract(store, b, "2021-07-31", current=b)

    def stop_after_two(date: pd.Timestamp, written: bool) -> None:  # months are written newest first
        if date == M["2021-10-31"]:
            raise Interrupted("interrupted part-way")

    with pytest.raises(Interrupted):  # a run interrupted after two of four months
        backfill(store, models, b, M["2021-08-31"], M["2021-11-30"], device="cpu", on_date=stop_after_two)
    assert_contract(store, b, "2021-11-30", current=b)

    store.write("test/mark_look_ahead", model_version=b, date=M["2021-11-30"], look_ahead=True)
    latest_embeddings(store, repair=True)  # look-ahead rows never count as the latest
    assert_contract(store, b, "2021-10-31", current=b)

    latest = GraphReader(store).latest()  # the read API's "latest" read follows the same contract
    assert latest.attrs["model_version"] == b and set(latest["date"]) == {M["2021-10-31"]}


def test_contract_breaches_from_outside_are_reported_and_repaired(store: Store, tmp_path: Path) -> None:
    wipe(store)
    load_dataset(store, generate(seed=7))
    models = tmp_path / "models"
    a = train_model(store, AS_OF, models, config=TrainConfig(epochs=20, eval_every=20, seed=0, min_auc=0.0),
                    device="cpu",
                    allow_below_baseline=True).version
    backfill(store, models, a, M["2021-05-31"], M["2021-06-30"], device="cpu")
    store.write("test/set_company_embedding_date", company_id="NVDA", date=M["2021-05-31"])  # a foreign write
    with pytest.raises(NexusError, match=r"mix models .* and dates"):
        latest_embeddings(store)
    latest_embeddings(store, repair=True)
    assert_contract(store, a, "2021-06-30", current=a)
