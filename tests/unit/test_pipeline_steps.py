"""Pipeline steps against the recording fake of the store: what each step reads and writes, and in which order.

Fast (no server): they test the composition of statements and parameters, and the refusals that must
come before any write. The same steps run against the real Neo4j in ``tests/integration``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph import schema
from nexus_graph.as_of import month_ends
from nexus_graph.errors import NexusError, UsageError
from nexus_graph.pipeline.backfill import run_backfill
from nexus_graph.pipeline.demo import DemoSettings
from nexus_graph.pipeline.load import load_step
from nexus_graph.pipeline.paper_trade import paper_trade_stored
from nexus_graph.pipeline.snapshots import read_graph_tables, snapshot_days_of, write_centrality_factors
from nexus_graph.pipeline.train import train_model
from nexus_graph.snapshot.hetero import build_snapshot, present_masks
from nexus_graph.snapshot.tables import graph_tables_from_dataset
from nexus_graph.sources.dataset import read_dataset
from nexus_graph.store.graph import ROW_SEPARATOR
from tests.fakes import RecordingStore

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"
DATES = month_ends("2022-01-31", "2022-04-30")


def projection(data) -> np.ndarray:
    x = data["company"].x.numpy().astype(np.float64)
    return np.tanh(x @ np.random.default_rng(0).normal(size=(x.shape[1], 8))) + 1e-3


def month_writes(store: RecordingStore) -> list:
    """The months a backfill wrote (created when new, merged otherwise), in order."""
    return [c for c in store.written() if c.name in ("embeddings/create", "embeddings/upsert")]


def embedding_store() -> RecordingStore:
    """A fake whose ``embeddings/dates`` reads back what ``embeddings/upsert`` 'wrote'."""
    stored: dict[pd.Timestamp, int] = {}
    store = RecordingStore()

    def upsert(params: dict) -> list[dict]:
        stored[pd.Timestamp(params["date"])] = len(params["rows"])
        return []

    def derive(_params: dict) -> list[dict]:
        latest = max(stored, default=None)
        return [{"current_model": "m1", "model_version": "m1" if stored else None, "date": latest,
                 "companies": stored.get(latest, 0)}]

    return store.answer({"embeddings/upsert": upsert, "embeddings/create": upsert, "embeddings/derive_latest": derive,
                         "embeddings/newest_date": lambda _p: [{"date": max(stored, default=None)}],
                         "embeddings/dates": lambda _p: [{"date": d, "rows": n} for d, n in sorted(stored.items())]})


def test_backfill_writes_one_transaction_per_month_and_counts_from_the_graph() -> None:
    tables = graph_tables_from_dataset(read_dataset(TINY))
    store = embedding_store()
    result = run_backfill(store, tables, DATES, projection, "m1", DATES[0])
    upserts = month_writes(store)
    present = [int(present_masks(tables, d)["company"].sum()) for d in DATES]
    # newest month first: the latest embedding on the companies moves once
    assert [pd.Timestamp(c.params["date"]) for c in upserts] == DATES[::-1]
    assert [len(c.params["rows"]) for c in upserts] == present[::-1]
    assert all(c.params["model_version"] == "m1" and c.params["look_ahead"] is False for c in upserts)
    assert [row["drift"] for row in upserts[-1].params["rows"]] == [None] * present[0]  # no previous month
    names = [c.name for c in store.calls if c.kind == "write"]
    # each month's rows and the latest properties derived from them: one transaction, in that order; the older
    # months, written after a newer one, cannot move the latest properties and skip the derivation
    # months the model did not hold are created, not merged
    newest_first = ["embeddings/newest_date", "embeddings/create", "embeddings/derive_latest"]
    older = ["embeddings/newest_date", "embeddings/create"] * (len(DATES) - 1)
    assert names[: len(newest_first) + len(older)] == newest_first + older
    assert store.transactions >= len(DATES)
    assert result.summary()["rows_stored"] == sum(present) == result.rows_written
    assert result.snapshots_stored == len(DATES) and result.dim == 8

    again = run_backfill(store, tables, DATES, projection, "m1", DATES[0])
    assert len(month_writes(store)) == len(DATES)  # nothing written twice
    assert again.rows_written == 0 and again.rows_stored == sum(present)


def test_backfill_embeds_every_month_oldest_first_then_writes_newest_first() -> None:
    tables = graph_tables_from_dataset(read_dataset(TINY))
    events: list[tuple[str, pd.Timestamp]] = []
    run_backfill(embedding_store(), tables, DATES, projection, "m1", DATES[0],
                 on_embedded=lambda d: events.append(("embedded", d)),
                 on_date=lambda d, written: events.append(("written" if written else "skipped", d)))
    assert events == [("embedded", d) for d in DATES] + [("written", d) for d in DATES[::-1]]


def test_backfill_drift_is_nan_across_a_missing_month() -> None:
    # defect 4 of issue #17: the stored Embedding.drift after a month missing from the backfill is NaN,
    # as in the factor panel -- never a two-month change
    tables = graph_tables_from_dataset(read_dataset(TINY))
    store = embedding_store()
    dates = [DATES[0], DATES[2], DATES[3]]  # February missing
    run_backfill(store, tables, dates, projection, "m1", dates[0])
    drifts = {pd.Timestamp(c.params["date"]): [row["drift"] for row in c.params["rows"]]
              for c in month_writes(store)}
    assert all(d is None for d in drifts[DATES[2]])  # March after a missing February
    assert any(d is not None for d in drifts[DATES[3]])  # April follows March: a one-month drift


def test_backfill_snapshot_is_as_of_the_entry_close_so_a_weekend_disclosure_is_not_used() -> None:
    # issue #17, defect 6: 2022-04-30 is a Saturday; a trade decided at that month-end enters at the close
    # of Friday 2022-04-29, so an edge disclosed on the Saturday must not be in the snapshot embedded for it
    dataset = read_dataset(TINY)
    late = dataset.supply.iloc[:1].copy()
    late[["supplier_id", "customer_id"]] = ["MU", "AMAT"]
    late[["valid_from", "known_from"]] = [pd.Timestamp("2022-01-03"), pd.Timestamp("2022-04-30")]
    dataset.supply = pd.concat([dataset.supply, late], ignore_index=True)
    tables = graph_tables_from_dataset(dataset)
    edges = ("company", "supplies", "company")
    seen: list[int] = []

    def embed(data) -> np.ndarray:
        seen.append(int(data[edges].edge_index.shape[1]))
        return projection(data)

    days = snapshot_days_of(DATES, dataset.prices)
    assert days[pd.Timestamp("2022-04-30")] == pd.Timestamp("2022-04-29")
    assert days[pd.Timestamp("2022-03-31")] == pd.Timestamp("2022-03-31")  # a trading day maps to itself
    store = embedding_store()
    run_backfill(store, tables, DATES, embed, "m1", DATES[0], snapshot_days=days)
    friday, saturday = (int(build_snapshot(tables, pd.Timestamp(d))[edges].edge_index.shape[1])
                        for d in ("2022-04-29", "2022-04-30"))
    assert saturday == friday + 1  # the disclosure is visible at the calendar month-end ...
    assert seen[-1] == friday  # ... but not in the snapshot embedded for it
    upserts = month_writes(store)
    assert pd.Timestamp(upserts[0].params["date"]) == pd.Timestamp("2022-04-30")  # still keyed by the month-end
    # a model as of the Saturday embeds that month-end (>= its as-of date) but as of the Friday: labelled
    labelled = embedding_store()
    run_backfill(labelled, tables, DATES, embed, "m2", pd.Timestamp("2022-04-30"), snapshot_days=days)
    assert [c.params["look_ahead"] for c in month_writes(labelled)] == [True]
    # without prices the snapshots stay at the calendar month-ends (and the Saturday edge is in)
    seen.clear()
    run_backfill(embedding_store(), tables, DATES, embed, "m1", DATES[0])
    assert seen[-1] == saturday


def test_centralities_are_as_of_the_entry_close_and_keyed_by_the_month_end(monkeypatch: pytest.MonkeyPatch) -> None:
    from nexus_graph.pipeline import snapshots

    dataset = read_dataset(TINY)
    late = dataset.supply.iloc[:1].copy()
    late[["supplier_id", "customer_id"]] = ["MU", "AMAT"]
    late[["valid_from", "known_from"]] = [pd.Timestamp("2022-01-03"), pd.Timestamp("2022-04-30")]  # a Saturday
    dataset.supply = pd.concat([dataset.supply, late], ignore_index=True)
    written: list[pd.DataFrame] = []
    monkeypatch.setattr(snapshots, "read_graph_tables", lambda _store, known_until=None, graph=None:
                        graph_tables_from_dataset(dataset))
    monkeypatch.setattr(snapshots, "write_centralities", lambda _store, frame: written.append(frame) or len(frame))
    snapshots.compute_centralities(RecordingStore(), DATES, prices=dataset.prices)
    frame = written[0].set_index(["date", "company_id"])
    assert sorted(set(frame.index.get_level_values("date"))) == DATES  # keyed by the month-ends
    assert frame.loc[(pd.Timestamp("2022-04-30"), "MU"), "supplies_out"] == 1  # not 2: Saturday's edge is later
    snapshots.compute_centralities(RecordingStore(), DATES, prices=dataset.prices.iloc[:0])
    assert written[1].set_index(["date", "company_id"]).loc[(pd.Timestamp("2022-04-30"), "MU"), "supplies_out"] == 2


def test_paper_trade_gate_refuses_a_rejected_signal_and_writes_nothing() -> None:
    store = RecordingStore().answer({"registry/list": [
        {"name": "graph_gnn_embedding_drift", "type": "factor", "tier": 0, "status": "rejected",
         "verdict": "NULL", "model_version": "m1", "ever_rejected": True, "runs": 1, "tests": 3,
         "last_tested_at": None}]})
    with pytest.raises(NexusError, match=r"^Refusing to paper-trade: signal 'graph_gnn_embedding_drift' was last "
                                         r"judged NULL \(status rejected\)\. .* or pass --force"):
        paper_trade_stored(store, ["graph_gnn_embedding_drift"])
    assert store.written() == [] and store.names() == ["registry/list"]


def test_backfill_refuses_look_ahead_before_reading_or_writing() -> None:
    store = embedding_store()
    tables = graph_tables_from_dataset(read_dataset(TINY))
    with pytest.raises(NexusError, match="every requested date is earlier, so embedding them would look ahead"):
        run_backfill(store, tables, DATES, projection, "m1", pd.Timestamp("2023-01-31"))
    assert store.calls == []


def _load_answers(store: RecordingStore) -> RecordingStore:
    """Answers of an empty database that keeps everything it is sent."""
    def records(data: str) -> int:
        return len(data.split(ROW_SEPARATOR)) if data else 0

    answers: dict = {"admin/wipe_data_relationships_batch": [{"deleted": 0}],
                     "admin/wipe_data_batch": [{"deleted": 0}]}
    for spec in schema.NODE_SPECS:
        answers[f"load/{spec.table}_present"] = lambda p: [{"id": i} for i in p["ids"]]
    for spec in schema.REL_SPECS:
        answers[f"load/{spec.table}_count"] = [{"count": 0}]
        answers[f"load/{spec.table}_create"] = lambda p: [{"written": records(p["data"])}]
        answers[f"load/{spec.table}_present"] = lambda p: [{"position": i} for i in range(records(p["data"]))]
    return store.answer(answers)


def test_load_applies_the_schema_then_writes_nodes_before_relationships_with_the_schema_mapping(
        tmp_path: Path) -> None:
    dataset = read_dataset(TINY)
    store = _load_answers(RecordingStore())
    result = load_step(store, dataset, replace=True, keep_registry=True, prices_path=tmp_path / "prices.parquet")
    writes = store.names("write")
    assert writes[: len([n for n in writes if n.startswith("schema/")])] == sorted(
        n for n in writes if n.startswith("schema/"))
    # relationships in batches before their nodes (a dense graph's DETACH DELETE overflows transaction memory)
    assert writes.index("admin/wipe_data_relationships_batch") < writes.index("admin/wipe_data_batch")
    assert writes.index("admin/wipe_data_batch") < writes.index("load/companies_merge")
    order = [n for n in writes if n.startswith("load/")]
    assert order == ["load/companies_merge", "load/funds_merge", "load/directors_merge", "load/supply_create",
                     "load/ownership_create", "load/board_create"]
    companies = store.written("load/companies_merge")[0].params["rows"]
    assert set(companies[0]) == {"id", *schema.NODE_PROPERTIES["companies"].values()}  # camelCase from schema.py
    assert result.written == {"companies": 8, "funds": 3, "directors": 3, "supply": 8, "ownership": 5, "board": 4}
    assert result.prices_file.is_file() and result.summary()["prices"]["rows"] == len(dataset.prices)
    assert "admin/wipe_batch" not in writes  # keep_registry: only the graph data goes


def test_snapshot_read_is_one_transaction_of_the_schema_statements() -> None:
    store = RecordingStore()
    tables = read_graph_tables(store, known_until=pd.Timestamp("2023-12-31"))
    assert store.names("read") == ["snapshot/nodes_company", "snapshot/nodes_fund", "snapshot/nodes_director",
                                   "snapshot/intervals_supplies", "snapshot/intervals_owns",
                                   "snapshot/intervals_sits_on"]
    assert list(tables.edges[schema.OWNERSHIP.pyg].columns) == schema.edge_columns(schema.OWNERSHIP.pyg)
    assert {c.params.get("known_until") for c in store.calls[3:]} == {pd.Timestamp("2023-12-31")}


def test_train_refuses_an_empty_graph_and_writes_nothing(tmp_path: Path) -> None:
    store = RecordingStore()
    with pytest.raises(NexusError, match="No relationship is known at 2023-12-31: load a dataset first"):
        train_model(store, pd.Timestamp("2023-12-31"), tmp_path)
    assert store.written() == [] and list(tmp_path.iterdir()) == []


def test_centrality_factors_need_a_history_and_write_nothing_without_one() -> None:
    store = RecordingStore()
    with pytest.raises(NexusError, match="No centrality history in Neo4j yet"):
        write_centrality_factors(store)
    assert store.names() == ["centrality/history"]


def test_paper_trade_without_an_alpha_or_a_signal_refuses_and_writes_nothing() -> None:
    store = RecordingStore().answer({"registry/list": [
        {"name": "graph_gnn_embedding_drift", "type": "factor", "tier": None, "status": "rejected",
         "verdict": "NULL", "model_version": "m1", "ever_rejected": True, "runs": 1, "tests": 3,
         "last_tested_at": None}]})
    with pytest.raises(NexusError, match=r"No registered alpha to trade.*graph_gnn_embedding_drift \(rejected\)"):
        paper_trade_stored(store)
    assert store.written() == []


def test_demo_settings_refuse_an_unknown_signal_as_a_bad_argument(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--signal must be 'drift' or 'none'"):
        DemoSettings(run_dir=tmp_path, models_dir=tmp_path, signal="momentum").checked()


def test_a_factor_panel_without_values_stores_nothing_and_says_zero() -> None:
    """A month range where a factor has no value (e.g. drift on a first month) writes no row and returns 0."""
    from nexus_graph.store.factors import write_factor_panel, write_factor_panels

    store = RecordingStore()
    empty = pd.Series([], index=pd.MultiIndex.from_arrays([pd.DatetimeIndex([]), []], names=["date", "company_id"]),
                      dtype=float, name="graph_gnn_embedding_drift")
    assert write_factor_panel(store, empty, "graph_gnn_embedding_drift", "m1") == 0
    one = pd.Series([0.5], index=pd.MultiIndex.from_tuples([(pd.Timestamp("2021-06-30"), "A")],
                                                             names=["date", "company_id"]), name="f")
    store = RecordingStore({"factors/known_companies": [{"company_id": "A"}],
                            "factors/upsert_date": [{"written": 1}],
                            "factors/date_counts": [{"date": pd.Timestamp("2021-06-30"), "rows": 1}]})
    assert write_factor_panels(store, {"f": one, "g": empty}, "m1") == {"f": 1, "g": 0}
