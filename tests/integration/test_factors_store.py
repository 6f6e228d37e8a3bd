"""The factor store against the real Neo4j: round trip, idempotent upsert, versions kept apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.store import Store
from nexus_graph.store.factors import equity_universe, factor_names, factor_panel, factor_series, write_factor_panel

pytestmark = pytest.mark.neo4j

DATES = pd.date_range("2024-01-31", periods=4, freq="ME").astype("datetime64[ns]")  # the panel contract
IDS = ["AMD", "ARW", "NVDA", "TSM"]


def add_companies(store: Store) -> None:
    rows = [{"id": c, "name": c, "kind": "extended" if c == "ARW" else "equity", "segment": None, "country": None,
             "listedFrom": None, "listedTo": None} for c in IDS]
    store.write("load/companies_merge", rows=rows)


def make_panel(seed: int, name: str = "graph_gnn_embedding_drift") -> pd.Series:
    index = pd.MultiIndex.from_product([DATES, IDS], names=["date", "company_id"])
    values = np.random.default_rng(seed).random(len(index))
    values[0] = np.nan  # no value for the first company on the first date
    return pd.Series(values, index=index, name=name)


def counts(store: Store) -> pd.DataFrame:
    return factor_series(store)[["factor", "model_version", "rows", "dates"]]


def test_round_trip_is_equal(store: Store) -> None:
    add_companies(store)
    panel = make_panel(1)
    written = write_factor_panel(store, panel, "graph_gnn_embedding_drift", "v1")
    assert written == panel.notna().sum() == 15
    back = factor_panel(store, "graph_gnn_embedding_drift", "v1")
    expected = panel.dropna()
    assert back.name == "graph_gnn_embedding_drift"
    assert back.index.names == ["date", "company_id"]
    assert back.index.get_level_values("date").dtype == "datetime64[ns]"
    pd.testing.assert_series_equal(back, expected, check_exact=True, check_freq=False)
    assert factor_names(store) == ["graph_gnn_embedding_drift"]
    # the only version is read without naming it
    pd.testing.assert_series_equal(factor_panel(store, "graph_gnn_embedding_drift"), back)


def test_second_write_is_idempotent(store: Store) -> None:
    add_companies(store)
    panel = make_panel(2)
    write_factor_panel(store, panel, "drift", "v1")
    first, values = counts(store), factor_panel(store, "drift", "v1")
    graph = (store.records("graph/node_counts"), store.records("graph/relationship_counts"))
    assert {"type": "HAS_FACTOR", "count": 15} in graph[1]
    write_factor_panel(store, panel, "drift", "v1")
    pd.testing.assert_frame_equal(counts(store), first)
    pd.testing.assert_series_equal(factor_panel(store, "drift", "v1"), values)
    assert (store.records("graph/node_counts"), store.records("graph/relationship_counts")) == graph


def test_other_model_versions_and_factors_are_untouched(store: Store) -> None:
    add_companies(store)
    v1, v2 = make_panel(3), make_panel(4)
    write_factor_panel(store, v1, "drift", "v1")
    write_factor_panel(store, make_panel(5), "supplies_in_change", None)
    write_factor_panel(store, v2, "drift", "v2")
    # rewrite v2 with changed values and one company dropped from one date
    changed = v2 * 2
    changed = changed.drop(index=(DATES[2], "TSM"))
    write_factor_panel(store, changed, "drift", "v2")
    pd.testing.assert_series_equal(factor_panel(store, "drift", "v1"), v1.dropna().rename("drift"), check_freq=False)
    pd.testing.assert_series_equal(factor_panel(store, "drift", "v2"), changed.dropna().rename("drift"),
                                   check_freq=False)
    model_free = factor_panel(store, "supplies_in_change")
    pd.testing.assert_series_equal(model_free, make_panel(5).dropna().rename("supplies_in_change"), check_freq=False)
    assert set(factor_series(store)["model_version"].fillna("(none)")) == {"v1", "v2", "(none)"}
    with pytest.raises(NexusError, match=r"stored under model versions \['v1', 'v2'\]"):
        factor_panel(store, "drift")


def test_unknown_company_writes_nothing(store: Store) -> None:
    add_companies(store)
    panel = make_panel(6)
    bad = pd.concat([panel, pd.Series([0.5], index=pd.MultiIndex.from_tuples([(DATES[0], "ZZZZ")],
                                                                               names=["date", "company_id"]))])
    with pytest.raises(NexusError, match=r"1 company id\(s\) not in Neo4j \(e.g. \['ZZZZ'\]\); nothing was written"):
        write_factor_panel(store, bad.rename("drift"), "drift", "v1")
    assert factor_names(store) == []
    with pytest.raises(NexusError, match="No values of factor 'drift' in Neo4j"):
        factor_panel(store, "drift")


def test_equity_universe_reads_kind(store: Store) -> None:
    add_companies(store)
    assert equity_universe(store) == ["AMD", "NVDA", "TSM"]


def test_several_panels_in_one_transaction_per_date_store_what_one_at_a_time_stores(store: Store) -> None:
    from nexus_graph.store.factors import write_factor_panels

    add_companies(store)
    a, b = make_panel(3, "fa"), make_panel(4, "fb").drop(DATES[0], level="date")  # fb lacks the first date
    one_at_a_time = {"fa": write_factor_panel(store, a, "fa", None), "fb": write_factor_panel(store, b, "fb", None)}
    alone = {f: factor_panel(store, f, None) for f in ("fa", "fb")}
    store.write("admin/wipe_data_batch", limit=10_000)  # factor values go; write them again, together
    add_companies(store)
    together = write_factor_panels(store, {"fa": a, "fb": b}, None)
    assert together == one_at_a_time == {"fa": 15, "fb": 12}
    for factor, panel in alone.items():
        pd.testing.assert_series_equal(factor_panel(store, factor, None), panel, check_exact=True)
    # a company unknown to the graph in either panel: nothing of either is written
    bad = make_panel(5, "fc").rename(index={"TSM": "ZZZZ"}, level="company_id")
    with pytest.raises(NexusError, match=r"Factor 'fc' has values for 1 company id\(s\) not in Neo4j"):
        write_factor_panels(store, {"fd": make_panel(6, "fd"), "fc": bad}, None)
    assert "fd" not in factor_names(store)
