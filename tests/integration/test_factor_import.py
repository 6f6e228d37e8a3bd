"""``nexus-graph factors import`` and ``paper-trade --composite`` against the real Neo4j."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import InvalidFile, NexusError
from nexus_graph.pipeline.factors import import_factor
from nexus_graph.sources.prices import save_prices
from nexus_graph.store import Store
from nexus_graph.store.factors import factor_panel, look_ahead_dates, write_factor_panel
from nexus_graph.store.registry import record_run
from nexus_graph.store.trading import paper_trade_run, registry_signals, runs_using

pytestmark = pytest.mark.neo4j

IDS = [f"E{i:02d}" for i in range(30)]
MONTH_ENDS = pd.date_range("2021-06-30", "2024-06-30", freq="ME").astype("datetime64[ns]")
DAYS = pd.bdate_range("2021-06-01", "2024-12-31")


def graph_counts(store: Store) -> tuple[list, list]:
    return store.records("graph/node_counts"), store.records("graph/relationship_counts")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEXUS_GRAPH_TODAY": "2025-01-31"}
    return subprocess.run([sys.executable, "-m", "nexus_graph", *args], capture_output=True, text=True, env=env,
                          check=False, timeout=300)


@pytest.fixture()
def world(store: Store, tmp_path: Path) -> dict:
    """30 equity companies and one extended, random-walk prices, a factor file whose values are known at
    the 15th of their month (point in time)."""
    rows = [{"id": c, "name": c, "kind": "equity", "segment": None, "country": None, "listedFrom": None,
             "listedTo": None} for c in IDS]
    rows.append({**rows[0], "id": "X01", "name": "X01", "kind": "extended"})
    store.write("load/companies_merge", rows=rows)
    rng = np.random.default_rng(5)
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, (len(DAYS), len(IDS))), axis=0))
    prices = pd.DataFrame({"date": np.repeat(DAYS.to_numpy(), len(IDS)), "company_id": np.tile(IDS, len(DAYS)),
                           "adj_close": closes.reshape(-1)})
    prices_file = save_prices(prices, tmp_path / "prices.parquet")
    index = pd.MultiIndex.from_product([MONTH_ENDS, IDS], names=["date", "company_id"])
    frame = index.to_frame(index=False).rename(columns={"company_id": "company"})
    frame["value"] = rng.normal(size=len(frame))
    frame["known_from"] = frame["date"] - pd.offsets.MonthBegin(1) + pd.Timedelta(days=14)
    csv = tmp_path / "margin.csv"
    frame.to_csv(csv, index=False, date_format="%Y-%m-%d")
    parquet = tmp_path / "margin.parquet"
    frame.to_parquet(parquet, index=False)
    return {"prices": prices, "prices_file": prices_file, "frame": frame, "csv": csv, "parquet": parquet,
            "tmp": tmp_path}


def origins(store: Store, factor: str) -> list[dict]:
    return store.records("factors/origins", factor=factor)


def test_import_csv_then_parquet_is_idempotent_and_read_back(store: Store, world: dict) -> None:
    first = import_factor(store, world["csv"], "margin", origin="fundamental", prices=world["prices"])
    assert (first.rows, first.dates, first.companies) == (len(world["frame"]), len(MONTH_ENDS), len(IDS))
    assert first.entry_closes_from_prices and first.look_ahead_rows == 0
    panel = factor_panel(store, "margin")
    expected = world["frame"].set_index(["date", "company"])["value"].sort_index()
    np.testing.assert_allclose(panel.to_numpy(), expected.to_numpy())
    assert origins(store, "margin") == [{"model_version": "", "origin": "fundamental", "rows": len(world["frame"])}]
    before = graph_counts(store)
    again = import_factor(store, world["parquet"], "margin", origin="fundamental", prices=world["prices"])
    assert again.rows == first.rows and graph_counts(store) == before
    pd.testing.assert_series_equal(factor_panel(store, "margin"), panel)
    assert look_ahead_dates(store, "margin", None) == []


def test_a_reimport_replaces_the_panel_dates_and_rows(store: Store, world: dict) -> None:
    import_factor(store, world["csv"], "margin", prices=world["prices"])
    fewer = world["frame"].loc[(world["frame"]["date"] >= "2022-01-01") & (world["frame"]["company"] != "E03")]
    path = world["tmp"] / "fewer.csv"
    fewer.to_csv(path, index=False, date_format="%Y-%m-%d")
    result = import_factor(store, path, "margin", origin="price", prices=world["prices"])
    panel = factor_panel(store, "margin")
    assert result.rows == len(fewer) == len(panel)
    assert panel.index.get_level_values("date").min() == pd.Timestamp("2022-01-31")
    assert "E03" not in set(panel.index.get_level_values("company_id"))
    assert origins(store, "margin") == [{"model_version": "", "origin": "price", "rows": len(fewer)}]


def test_a_bad_file_writes_nothing(store: Store, world: dict) -> None:
    bad = world["frame"].astype({"value": object}).copy()
    bad.loc[3, "value"] = "n/a"
    bad.loc[7, "company"] = "NOPE"
    bad.loc[9, "known_from"] = bad.loc[9, "date"] + pd.Timedelta(days=3)  # known after its month-end
    path = world["tmp"] / "bad.csv"
    bad.to_csv(path, index=False, date_format="%Y-%m-%d")
    before = graph_counts(store)
    out = run_cli("factors", "import", str(path), "--name", "margin", "--prices", str(world["prices_file"]))
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.splitlines()
    assert lines[0] == "Error: 3 problem(s) in bad.csv; nothing was written:"
    assert lines[1] == "  bad.csv line 5, column value: got 'n/a'; expected a number"
    assert lines[2].startswith("  bad.csv line 9, column company: got 'NOPE'; expected the id of a company")
    assert lines[3].startswith("  bad.csv line 11, column known_from: got '2021-07-03'; expected a date on or "
                               "before 2021-06-30, the entry close of date 2021-06-30")
    assert graph_counts(store) == before


def test_a_name_of_a_graph_factor_is_refused(store: Store, world: dict) -> None:
    graph = factor_panel_of(world["frame"], "graph_like")
    write_factor_panel(store, graph, "centrality_change", None)
    before = graph_counts(store)
    with pytest.raises(NexusError, match="Factor name 'centrality_change' is taken by a graph factor"):
        import_factor(store, world["csv"], "centrality_change", prices=world["prices"])
    out = run_cli("factors", "import", str(world["csv"]), "--name", "centrality_change", "--prices",
                  str(world["prices_file"]))
    assert out.returncode == 2 and out.stderr == ("Error: Factor name 'centrality_change' is taken by a graph factor "
                                                  f"({len(graph)} value(s)); nothing was written. Import under "
                                                  "another --name.\n")
    assert graph_counts(store) == before
    with pytest.raises(InvalidFile):  # the file is checked against the prices' entry closes
        late = world["frame"].assign(known_from=world["frame"]["date"])  # 2021-10-31 is a Sunday
        path = world["tmp"] / "late.csv"
        late.to_csv(path, index=False, date_format="%Y-%m-%d")
        import_factor(store, path, "late", prices=world["prices"])
    assert graph_counts(store) == before


def factor_panel_of(frame: pd.DataFrame, name: str) -> pd.Series:
    series = frame.set_index(["date", "company"])["value"].rename(name)
    return series.rename_axis(["date", "company_id"])


def test_evaluate_an_imported_factor_and_refuse_its_look_ahead(store: Store, world: dict) -> None:
    prices = str(world["prices_file"])
    imported = run_cli("factors", "import", str(world["csv"]), "--name", "margin", "--origin", "fundamental",
                       "--prices", prices, "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["rows"] == len(world["frame"])
    evaluated = run_cli("evaluate", "margin", "--prices", prices, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    out = json.loads(evaluated.stdout)
    assert out["look_ahead"] is False and out["registration"]["registered"] is True
    assert out["model_version"] is None
    assert out["type"] == "fundamental"  # the registry's signal type follows the imported rows' origin
    assert registry_signals(store).set_index("name").loc["margin", "type"] == "fundamental"

    late = world["frame"].copy()
    late.loc[late["date"] == MONTH_ENDS[-1], "known_from"] = MONTH_ENDS[-1] + pd.Timedelta(days=20)
    path = world["tmp"] / "late.csv"
    late.to_csv(path, index=False, date_format="%Y-%m-%d")
    labelled = run_cli("factors", "import", str(path), "--name", "margin_late", "--prices", prices,
                       "--allow-look-ahead")
    assert labelled.returncode == 0, labelled.stderr
    assert f"Warning: {len(IDS)} value(s) are labelled LOOK-AHEAD" in labelled.stderr
    assert look_ahead_dates(store, "margin_late", None) == [MONTH_ENDS[-1]]
    refused = run_cli("evaluate", "margin_late", "--prices", prices)
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: Factor 'margin_late' (model none) has look-ahead values on 1 date(s) "
                                     "(2024-06-30): they were imported with --allow-look-ahead, known only after "
                                     "those dates' entry close. Refusing to evaluate them.")
    allowed = run_cli("evaluate", "margin_late", "--prices", prices, "--allow-look-ahead", "--json")
    assert allowed.returncode == 0 and json.loads(allowed.stdout)["look_ahead"] is True
    assert json.loads(allowed.stdout)["reasons"][0] == (
        "LOOK-AHEAD: 1 snapshot date(s) (2024-06-30 .. 2024-06-30) use values known only after their entry close "
        "(--allow-look-ahead); not evidence of a tradeable signal")


def test_paper_trade_a_composite_of_a_graph_and_an_imported_factor(store: Store, world: dict) -> None:
    prices = str(world["prices_file"])
    graph = factor_panel_of(world["frame"], "graph_drift") * -1 + 0.1
    write_factor_panel(store, graph, "graph_drift", "m1")
    import_factor(store, world["csv"], "margin", prices=world["prices"])
    args = ("paper-trade", "--composite", "graph_drift,margin", "--weights", "1,3", "--prices", prices, "--json")
    before = graph_counts(store)
    gated = run_cli(*args)  # neither was ever evaluated: the gate refuses both, nothing written
    assert gated.returncode == 1 and graph_counts(store) == before
    assert gated.stderr.startswith("Error: Refusing to paper-trade: signal 'graph_drift' has no registered verdict "
                                   "(never evaluated with registration); signal 'margin' has no registered verdict")
    for name, status, verdict in (("graph_drift", "alpha", "ALPHA"), ("margin", "rejected", "NULL")):
        record_run(store, name, run_id=f"ev-{name}", data_fingerprint="sha", status=status, verdict=verdict,
                   tier=1, reasons=["test"], tests=[{"horizon": 21, "n": 30, "t": 1.0}], model_version=None)
    before = graph_counts(store)
    rejected = run_cli(*args)  # one component rejected is enough to refuse
    assert rejected.returncode == 1 and graph_counts(store) == before
    assert "signal 'margin' was last judged NULL (status rejected)" in rejected.stderr
    assert "graph_drift" not in rejected.stderr.split("Only signals")[0]

    forced = run_cli(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    out = json.loads(forced.stdout)
    assert out["signals"] == ["graph_drift", "margin"]
    assert out["composite"] == {"graph_drift": 0.25, "margin": 0.75}
    assert out["model_version"] == "m1"
    stored = paper_trade_run(store, out["run_id"])
    assert stored["composite"] == ["graph_drift", "margin"] and stored["compositeWeights"] == [0.25, 0.75]
    assert stored["signals"] == ["graph_drift", "margin"] and stored["forced"] is True
    assert runs_using(store, "margin") == runs_using(store, "graph_drift") == [out["run_id"]]

    again = json.loads(run_cli(*args, "--force").stdout)
    assert again["run_id"] == out["run_id"] and again["statistics"] == out["statistics"]
    other = json.loads(run_cli("paper-trade", "--composite", "graph_drift,margin", "--weights", "3,1", "--prices",
                               prices, "--json", "--force").stdout)
    assert other["run_id"] != out["run_id"]
    assert other["composite"] == {"graph_drift": 0.75, "margin": 0.25}


def test_a_look_ahead_component_is_refused_in_a_composite(store: Store, world: dict) -> None:
    prices = str(world["prices_file"])
    write_factor_panel(store, factor_panel_of(world["frame"], "graph_drift"), "graph_drift", "m1",
                       look_ahead_dates=[MONTH_ENDS[0]])
    import_factor(store, world["csv"], "margin", prices=world["prices"])
    before = graph_counts(store)
    out = run_cli("paper-trade", "--composite", "margin,graph_drift", "--prices", prices, "--force")
    assert out.returncode == 1 and graph_counts(store) == before
    assert out.stderr.startswith("Error: Factor 'graph_drift' (model m1) has look-ahead values on 1 date(s) "
                                 "(2021-06-30)")
    allowed = run_cli("paper-trade", "--composite", "margin,graph_drift", "--prices", prices, "--force",
                      "--allow-look-ahead", "--json")
    assert allowed.returncode == 0, allowed.stderr
    assert any(note.startswith("LOOK-AHEAD: 'graph_drift'") for note in json.loads(allowed.stdout)["notes"])
