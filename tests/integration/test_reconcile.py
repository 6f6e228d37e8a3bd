"""Reconciliation against the real Neo4j: a write the server lost is found, written again, and counted.

:class:`LosingStore` wraps the real store and silently drops chosen write transactions -- the work
never reaches the server, yet the caller is told it committed. That is the worst a driver can do
(issue #23); every date-keyed writer and the loader must notice by reading back and repair it, and
their summaries must count what the graph holds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.sources.dataset import read_dataset
from nexus_graph.store import Store
from nexus_graph.store.admin import wipe
from nexus_graph.store.factors import factor_date_counts, write_factor_panel
from nexus_graph.store.graph import dump_graph, load_dataset
from nexus_graph.store.neo4j_store import UNKNOWN, Tx
from nexus_graph.store.reconcile import reconcile
from nexus_graph.store.snapshots import centrality_date_counts, write_centralities

pytestmark = pytest.mark.neo4j

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"


class LosingStore:
    """The real store, but the write transactions numbered in ``lose`` (from 1) are rolled back.

    The work runs in a real transaction and its result comes back as if it had committed; the server
    keeps nothing. That is what the driver did in issue #23, and the worst it can do.
    """

    def __init__(self, store: Store, lose: set[int]) -> None:
        self._store, self.lose, self.count, self.lost = store, lose, 0, 0

    def transaction(self, work: Callable[[Any], Any], verify: Callable[[Any], bool] | None = None) -> Any:
        self.count += 1
        if self.count not in self.lose:
            return self._store.transaction(work, verify)
        self.lost += 1
        with self._store._driver.session(database=self._store.settings.database) as session:
            tx = session.begin_transaction()
            try:
                return work(Tx(tx))  # type: ignore[arg-type]
            finally:
                tx.rollback()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class DoubtingStore(Store):
    """The real store, but every write transaction commits and is then reported unproven once.

    This is the other half of issue #23: the commit did land, the driver could not say so, and
    :meth:`Store.transaction` runs the work a second time. Every writer must be idempotent then.
    """

    def __init__(self, store: Store) -> None:
        self.__dict__.update(store.__dict__)  # the same driver and settings
        self.commits = 0

    def _commit_once(self, work: Callable[[Any], Any]) -> Any:
        result = super()._commit_once(work)
        if result is UNKNOWN:
            return result
        self.commits += 1
        return UNKNOWN if self.commits % 2 == 1 else result  # odd commits landed, yet are reported unknown


def _panel(dates: list[str], companies: list[str]) -> pd.Series:
    index = pd.MultiIndex.from_product([pd.to_datetime(dates), companies], names=["date", "company_id"])
    return pd.Series(np.arange(len(index), dtype=float), index=index, name="f")


def test_load_repairs_a_lost_batch_and_counts_the_graph(store: Store) -> None:
    dataset = read_dataset(TINY)
    load_dataset(store, dataset, batch_size=3)
    reference = dump_graph(store)
    wipe(store)
    losing = LosingStore(store, lose={2, 5, 9})  # a node batch and two relationship batches
    counts = load_dataset(losing, dataset, batch_size=3, workers=1)  # type: ignore[arg-type]
    assert losing.lost == 3
    assert dump_graph(store) == reference
    assert counts == {"companies": len(dataset.companies), "funds": len(dataset.funds),
                      "directors": len(dataset.directors), "supply": len(dataset.supply),
                      "ownership": len(dataset.ownership), "board": len(dataset.board)}


def test_factor_values_lost_on_one_date_are_written_again(store: Store) -> None:
    load_dataset(store, read_dataset(TINY))
    companies = sorted(store.frame("factors/companies_of_kind", kind="equity")["company_id"])[:3]
    panel = _panel(["2022-01-31", "2022-02-28", "2022-03-31"], companies)
    losing = LosingStore(store, lose={2})
    rows = write_factor_panel(losing, panel, "f", "m1")  # type: ignore[arg-type]
    assert losing.lost == 1 and rows == len(panel)
    assert factor_date_counts(store, "f", "m1") == {pd.Timestamp(d): 3 for d in ("2022-01-31", "2022-02-28",
                                                                                  "2022-03-31")}


def test_an_imported_factor_lost_on_one_date_is_written_again_and_never_twice(store: Store, tmp_path: Path) -> None:
    from nexus_graph.pipeline.factors import import_factor

    load_dataset(store, read_dataset(TINY))
    companies = sorted(store.frame("factors/companies_of_kind", kind="equity")["company_id"])[:3]
    panel = _panel(["2022-01-31", "2022-02-28", "2022-03-31"], companies)
    frame = panel.rename("value").reset_index().rename(columns={"company_id": "company"})
    frame["known_from"] = frame["date"] - pd.Timedelta(days=5)
    path = tmp_path / "f.csv"
    frame.to_csv(path, index=False, date_format="%Y-%m-%d")
    losing = LosingStore(store, lose={3})  # the prune, then the dates: the second date is lost
    result = import_factor(losing, path, "ext_f", prices=pd.DataFrame({"date": []}))  # type: ignore[arg-type]
    assert losing.lost == 1 and result.rows == len(panel)
    expected = {pd.Timestamp(d): 3 for d in ("2022-01-31", "2022-02-28", "2022-03-31")}
    assert factor_date_counts(store, "ext_f", None) == expected
    reference = dump_graph(store)
    doubting = DoubtingStore(store)
    again = import_factor(doubting, path, "ext_f", prices=pd.DataFrame({"date": []}))
    assert doubting.commits >= 8 and again.rows == len(panel)  # every transaction ran twice
    assert dump_graph(store) == reference


def test_centralities_lost_on_one_date_are_written_again(store: Store) -> None:
    load_dataset(store, read_dataset(TINY))
    companies = sorted(store.frame("factors/companies_of_kind", kind="equity")["company_id"])[:2]
    frame = pd.DataFrame([{"date": pd.Timestamp(d), "company_id": c, "supplies_out": 1, "supplies_in": 0,
                           "owners": 2, "board_seats": 0, "pagerank": 0.5, "board_interlocks": 0}
                          for d in ("2022-01-31", "2022-02-28") for c in companies])
    losing = LosingStore(store, lose={1})
    assert write_centralities(losing, frame) == len(frame)  # type: ignore[arg-type]
    assert centrality_date_counts(store) == {pd.Timestamp("2022-01-31"): 2, pd.Timestamp("2022-02-28"): 2}


def test_a_date_that_stays_missing_is_an_error_naming_it() -> None:
    """The pure rule: a short date is repaired once; still short, the error names it and its counts."""
    day = pd.Timestamp("2023-03-31")
    repaired: list[pd.Timestamp] = []
    with pytest.raises(NexusError, match=r"Embeddings: 1 date\(s\).*2023-03-31 \(0 of 138\)"):
        reconcile("Embeddings", {day: 138}, lambda: {}, repaired.append)
    assert repaired == [day]
    assert reconcile("Embeddings", {day: 2}, lambda: {day: 2}, repaired.append) == {day: 2}


def test_a_load_whose_commits_land_unproven_writes_nothing_twice(store: Store) -> None:
    dataset = read_dataset(TINY)
    load_dataset(store, dataset, batch_size=3)
    reference = dump_graph(store)
    wipe(store)
    doubting = DoubtingStore(store)
    counts = load_dataset(doubting, dataset, batch_size=3, workers=1)
    assert doubting.commits > 20  # every transaction ran twice
    assert dump_graph(store) == reference  # the create-only batches did not create twice
    assert counts["supply"] == len(dataset.supply)
