"""Every query of ``cypher/browser/`` on the demo graph, checked against Python at the same date.

The topology queries are checked against the Python snapshot (``snapshot.hetero.visible_edges`` on
the bulk read of the graph, the rule of ``snapshot/as_of.py``); the write-back queries against the
store's own readers. Each query runs with the demo defaults of its ``:param`` header, as the guide
offers it, so a query can drift neither from the point-in-time rule nor from its guide slide.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from nexus_graph.pipeline.snapshots import read_graph_tables
from nexus_graph.server.guide import ORDER, browser_query
from nexus_graph.snapshot.hetero import visible_edges
from nexus_graph.store import Store
from nexus_graph.store.embeddings import embedded_dates, read_embedding_panel
from nexus_graph.store.factors import factor_panel
from nexus_graph.store.models import model_versions
from nexus_graph.store.registry import list_signals
from nexus_graph.store.snapshots import read_centralities

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]
SUPPLIES, OWNS, SITS_ON = ("company", "supplies", "company"), ("fund", "owns", "company"), \
    ("director", "sits_on", "company")


@pytest.fixture(scope="module")
def graph(demo_graph: dict, neo4j_session: Store) -> dict:
    """The store, the demo's model version and the bulk-read tables."""
    return {"store": neo4j_session, "version": demo_graph["training"]["model_version"],
            "tables": read_graph_tables(neo4j_session)}


def run(graph: dict, name: str, **overrides) -> tuple[list[dict], dict]:
    """Rows of ``browser/<name>`` with its header defaults (and overrides), and the parameters used."""
    params = {**browser_query(name).param_values(), **overrides}
    return graph["store"].records(f"browser/{name}", **params), params


def visible(graph: dict, as_of: dt.date) -> dict:
    return visible_edges(graph["tables"], pd.Timestamp(as_of))


def test_every_query_returns_rows_with_demo_defaults(graph: dict) -> None:
    for name in ORDER:
        rows, _ = run(graph, name)
        assert rows, f"browser/{name} returned nothing on the demo graph with its default parameters"


def test_snapshot_counts(graph: dict) -> None:
    rows, p = run(graph, "snapshot_counts")
    edges = visible(graph, p["asOf"])
    expected = {rel: (len(edges[et]), edges[et].source_id.nunique(), edges[et].target_id.nunique())
                for rel, et in (("SUPPLIES", SUPPLIES), ("OWNS", OWNS), ("SITS_ON", SITS_ON)) if len(edges[et])}
    assert {r["rel_type"]: (r["relationships"], r["sources"], r["targets"]) for r in rows} == expected


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_supply_chain(graph: dict, hops: int) -> None:
    rows, p = run(graph, "supply_chain", hops=hops)
    supply = visible(graph, p["asOf"])[SUPPLIES]
    g = nx.DiGraph(list(zip(supply.source_id, supply.target_id, strict=True)))
    expected = set()
    for direction, reach in (("downstream", g), ("upstream", g.reverse())):
        if p["company"] in reach:
            for node, dist in nx.single_source_shortest_path_length(reach, p["company"], cutoff=hops).items():
                if node != p["company"]:
                    expected.add((direction, node, dist))
    got = {(r["direction"], r["company_id"], r["hops"]) for r in rows}
    assert len(rows) == len(got) and got == expected and expected
    for r in rows:  # each path is a chain of visible links
        pairs = set(zip(supply.source_id, supply.target_id, strict=True))
        assert all((a, b) in pairs for a, b in zip(r["path"], r["path"][1:], strict=False))


def test_customers_sharing_supplier(graph: dict) -> None:
    rows, p = run(graph, "customers_sharing_supplier")
    supply = visible(graph, p["asOf"])[SUPPLIES]
    suppliers = set(supply.source_id[supply.target_id == p["company"]])
    shared: dict[str, set] = defaultdict(set)
    for s, t in zip(supply.source_id, supply.target_id, strict=True):
        if s in suppliers and t != p["company"]:
            shared[t].add(s)
    assert {r["customer_id"]: r["shared_suppliers"] for r in rows} == {k: sorted(v) for k, v in shared.items()}
    assert all(r["shared"] == len(r["shared_suppliers"]) for r in rows)


def test_common_fund_owners(graph: dict) -> None:
    rows, p = run(graph, "common_fund_owners")
    owns = visible(graph, p["asOf"])[OWNS]
    both = owns[owns.target_id == p["company"]].merge(owns[owns.target_id == p["other"]], on="source_id")
    expected = sorted(zip(both.source_id, both.pct_outstanding_x, both.pct_outstanding_y, strict=True))
    assert [(r["fund_id"], r["pct_of_company"], r["pct_of_other"]) for r in rows] == expected


@pytest.mark.parametrize("as_of", [None, dt.date(2022, 6, 30), dt.date(2025, 3, 31)])
def test_board_interlocks(graph: dict, as_of: dt.date | None) -> None:
    rows, p = run(graph, "board_interlocks", **({"asOf": as_of} if as_of else {}))
    board = visible(graph, p["asOf"])[SITS_ON]
    expected = []
    for row in board[board.target_id == p["company"]].itertuples():
        others = board[(board.source_id == row.source_id) & (board.target_id != p["company"])]
        expected.append((row.source_id, row.valid_from.date(), sorted(others.target_id)))
    assert [(r["director_id"], r["since"], r["other_boards"]) for r in rows] == sorted(expected)


def _incident(graph: dict, company: str, as_of: dt.date) -> set[tuple[str, str, str]]:
    keys = set()
    for et, frame in visible(graph, as_of).items():
        rel = et[1].upper()
        keys |= {(rel, "out", t) for t in frame.target_id[frame.source_id == company]}
        keys |= {(rel, "in", s) for s in frame.source_id[frame.target_id == company]}
    return keys


@pytest.mark.parametrize("company", ["NVDA", "AAPL", "AMD"])
def test_relationship_changes(graph: dict, company: str) -> None:
    rows, p = run(graph, "relationship_changes", company=company, fromDate=dt.date(2022, 12, 31))
    before, after = _incident(graph, company, p["fromDate"]), _incident(graph, company, p["toDate"])
    expected = sorted([("added", *k) for k in after - before] + [("removed", *k) for k in before - after])
    assert [(r["change"], r["rel_type"], r["direction"], r["counterparty_id"]) for r in rows] == expected
    assert expected


@pytest.mark.parametrize("company", ["NVDA", None])
def test_late_disclosures(graph: dict, company: str | None) -> None:
    rows, p = run(graph, "late_disclosures", company=company)
    t = pd.Timestamp(p["asOf"])
    expected = set()
    for et, frame in graph["tables"].edges.items():
        lag = (frame.known_from - frame.valid_from).dt.days
        keep = (frame.known_from <= t) & (lag > p["lagDays"])
        if company is not None:
            keep &= (frame.source_id == company) | (frame.target_id == company)
        expected |= {(et[1].upper(), s, d, v.date(), int(n)) for s, d, v, n in
                     zip(frame.source_id[keep], frame.target_id[keep], frame.valid_from[keep], lag[keep], strict=True)}
    got = [(r["rel_type"], r["source_id"], r["target_id"], r["valid_from"], r["lag_days"]) for r in rows]
    assert len(got) == len(set(got)) and set(got) == expected and expected


def test_nearest_peers(graph: dict) -> None:
    rows, p = run(graph, "nearest_peers")
    as_of = rows[0]["as_of"]
    panel, _ = read_embedding_panel(graph["store"], graph["version"], pd.Timestamp(as_of), pd.Timestamp(as_of))
    vectors = panel.droplevel("date")
    unit = vectors.to_numpy() / np.linalg.norm(vectors.to_numpy(), axis=1, keepdims=True)
    cosine = pd.Series(unit @ unit[vectors.index.get_loc(p["company"])], index=vectors.index).drop(p["company"])
    score = (1 + cosine) / 2  # how the vector index scores cosine similarity
    peers = [r["peer"] for r in rows]
    assert len(peers) == len(set(peers)) == p["k"]
    # the k best by score; the index quantizes vectors (Neo4j 5.26 default), so scores agree to 1e-3
    # and near-ties may swap at the boundary
    np.testing.assert_allclose([r["cosine"] for r in rows], score[peers], atol=1e-3)
    assert score.drop(peers).max() <= score[peers].min() + 1e-3
    assert len(set(peers) & set(score.nlargest(p["k"]).index)) >= p["k"] - 2
    edges = visible(graph, as_of)

    def neighbours(node: str) -> set[str]:
        return {n for frame in edges.values() for n in
                [*frame.target_id[frame.source_id == node], *frame.source_id[frame.target_id == node]]}

    for r in rows:
        assert r["shared_neighbours"] == sorted(neighbours(p["company"]) & neighbours(r["peer"]))


def test_drift_leaders_laggards(graph: dict) -> None:
    rows, p = run(graph, "drift_leaders_laggards")
    _, drift = read_embedding_panel(graph["store"], graph["version"])
    month = drift.xs(pd.Timestamp(p["monthEnd"]), level="date").dropna().reset_index()
    leaders = month.sort_values(["drift", "company_id"], ascending=[False, True]).head(p["k"])
    laggards = month.sort_values(["drift", "company_id"]).head(p["k"])
    assert {r["model_version"] for r in rows} == {graph["version"]}
    assert [(r["side"], r["company_id"]) for r in rows] == \
        [("leader", c) for c in leaders.company_id] + [("laggard", c) for c in laggards.company_id]


def test_company_history_and_its_two_halves(graph: dict) -> None:
    rows, p = run(graph, "company_history")
    cent = read_centralities(graph["store"], p["company"])
    _, drift = read_embedding_panel(graph["store"], graph["version"])
    # the queries leave look-ahead rows out (the demo's first month-end, 2021-05-31, is a holiday: its
    # entry-close snapshot precedes the model's as-of date), so the Python side does too
    look_ahead = [pd.Timestamp(r["date"]) for r in graph["store"].records("test/look_ahead_dates",
                                                                            model_version=graph["version"])]
    mine = drift.xs(p["company"], level="company_id").drop(index=look_ahead, errors="ignore")
    assert [r["date"] for r in rows] == [pd.Timestamp(d).date() for d in cent.date]
    np.testing.assert_allclose([r["pagerank"] for r in rows], cent.pagerank)
    expected_drift = [mine.get(pd.Timestamp(r["date"]), np.nan) for r in rows]
    np.testing.assert_allclose([np.nan if r["drift"] is None else r["drift"] for r in rows], expected_drift)
    over_time, _ = run(graph, "centrality_over_time")
    assert [(r["date"], r["pagerank"]) for r in over_time] == [(r["date"], r["pagerank"]) for r in rows]
    drift_rows, _ = run(graph, "embedding_drift_over_time")
    assert [r["date"] for r in drift_rows] == [d.date() for d in mine.index]
    np.testing.assert_allclose([np.nan if r["drift"] is None else r["drift"] for r in drift_rows], mine.to_numpy())


def test_factor_history(graph: dict) -> None:
    rows, p = run(graph, "factor_history", modelVersion=graph["version"])
    panel = factor_panel(graph["store"], p["factor"], graph["version"])
    mine = panel.xs(p["company"], level="company_id")
    assert [r["date"] for r in rows] == [d.date() for d in mine.index]
    np.testing.assert_allclose([r["value"] for r in rows], mine.to_numpy())
    for r in rows:
        cross = panel.xs(pd.Timestamp(r["date"]), level="date")
        assert (r["names"], r["rank"]) == (len(cross), int((cross > r["value"]).sum()) + 1)


def test_signal_registry(graph: dict) -> None:
    rows, _ = run(graph, "signal_registry")
    signals = list_signals(graph["store"])
    assert [(r["signal"], r["verdict"], r["status"], r["runs"], r["tests"]) for r in rows] == \
        list(zip(signals.name, signals.verdict, signals.status, signals.runs, signals.tests, strict=True))
    drift = next(r for r in rows if r["signal"] == "graph_gnn_embedding_drift")
    assert [t["horizon"] for t in drift["latest_tests"]] == [21, 63, 126]


def test_model_versions(graph: dict) -> None:
    rows, _ = run(graph, "model_versions")
    versions = model_versions(graph["store"])
    assert [r["version"] for r in rows] == list(versions.version)
    for r in rows:
        dates = embedded_dates(graph["store"], r["version"])
        assert r["embeddings"] == sum(dates.values())
        assert (r["first_date"], r["last_date"]) == ((min(dates).date(), max(dates).date()) if dates else (None, None))
    mine = next(r for r in rows if r["version"] == graph["version"])
    look_ahead = graph["store"].records("test/look_ahead_rows", model_version=graph["version"])[0]["n"]
    assert mine["gate_passed"] and mine["look_ahead_rows"] == look_ahead < mine["embeddings"]


def test_apoc_is_installed(graph: dict) -> None:
    version = graph["store"].records("admin/apoc_version")[0]["version"]
    assert version == "5.26.0"


def test_server_log_is_clean_of_plugin_warnings(graph: dict) -> None:
    """No APOC class failed to load (stripped jar) and no procedure was left sandboxed, since the last start."""
    if not graph["store"].settings.local:
        pytest.skip("NEO4J_URI points at an external server")
    from nexus_graph.server.local import LocalServer

    lines = (LocalServer.default().home / "logs" / "debug.log").read_text(errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if "======== Neo4j" in line]
    assert starts, "no server start in debug.log"
    pattern = re.compile(r"from plugin jar|sandboxed|LinkageError|NoSuchMethod")
    bad = [line for line in lines[starts[-1]:] if pattern.search(line)]
    assert not bad, bad[:5]
