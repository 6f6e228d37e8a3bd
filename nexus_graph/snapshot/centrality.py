"""Centrality history: per month-end and company, degrees by type and direction, supply PageRank,
board interlocks. Pure: takes graph tables, returns a frame.

Output frame (one row per present company and date, sorted by (date, company_id)):
``date`` (month-end), ``company_id``, ``supplies_out`` (customers), ``supplies_in`` (suppliers),
``owners`` (funds owning it), ``board_seats`` (directors on its board), ``pagerank`` (PageRank of
the directed supplier -> customer graph, damping 0.85, summing to 1 over present companies), and
``board_interlocks`` (other companies sharing at least one director).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import networkx as nx
import numpy as np
import pandas as pd
import scipy as sp

from nexus_graph.snapshot.hetero import OWNS, SITS_ON, SUPPLIES, present_masks, visible_edges
from nexus_graph.snapshot.tables import GraphTables

CENTRALITY_COLUMNS = ["date", "company_id", "supplies_out", "supplies_in", "owners", "board_seats",
                      "pagerank", "board_interlocks"]


def centrality_at(tables: GraphTables, as_of: pd.Timestamp,
                  edges: dict[tuple[str, str, str], pd.DataFrame] | None = None) -> pd.DataFrame:
    """Centralities of the present companies at ``as_of``.

    ``edges``: the relationships visible at ``as_of`` per edge type, when evaluated elsewhere (the
    Cypher as-of statements); by default sliced from ``tables`` (the same rows, a test proves it).
    """
    as_of = pd.Timestamp(as_of)
    edges = visible_edges(tables, as_of) if edges is None else edges
    companies = tables.nodes["company"].node_id[present_masks(tables, as_of)["company"]]
    frame = pd.DataFrame({"company_id": companies.to_numpy()})
    supply, owns, board = edges[SUPPLIES], edges[OWNS], edges[SITS_ON]

    def count(series: pd.Series) -> np.ndarray:
        return frame.company_id.map(series.value_counts()).fillna(0).astype(int).to_numpy()

    frame["supplies_out"] = count(supply.source_id)
    frame["supplies_in"] = count(supply.target_id)
    frame["owners"] = count(owns.drop_duplicates(["source_id", "target_id"]).target_id)
    frame["board_seats"] = count(board.drop_duplicates(["source_id", "target_id"]).target_id)

    frame["pagerank"] = supply_pagerank(frame.company_id, supply.source_id, supply.target_id)

    seats = board.drop_duplicates(["source_id", "target_id"])
    pairs = seats.merge(seats, on="source_id")
    pairs = pairs.loc[pairs.target_id_x != pairs.target_id_y].drop_duplicates(["target_id_x", "target_id_y"])
    frame["board_interlocks"] = count(pairs.target_id_x)
    frame.insert(0, "date", as_of)
    return frame


def supply_pagerank(companies: pd.Series, sources: pd.Series, targets: pd.Series,
                    alpha: float = 0.85, max_iter: int = 100, tol: float = 1.0e-6) -> np.ndarray:
    """``networkx.pagerank`` of the directed supplier -> customer graph, per company, without building it.

    The graph: ``companies`` as nodes (in that order), one unweighted edge per distinct
    (source, target) pair. The steps are networkx's own (``_pagerank_scipy``: row-normalised CSR
    matrix, uniform start and teleport, dangling mass spread uniformly, L1 stopping rule), so the
    floats are the same; a unit test compares them. Building a networkx graph per month-end cost
    more than the ranking itself at x20. An endpoint outside ``companies`` (which networkx would
    add as a node) falls back to networkx.
    """
    n = len(companies)
    if n == 0:
        return np.zeros(0)
    index = pd.Index(companies)
    src, dst = index.get_indexer(sources), index.get_indexer(targets)
    if (src < 0).any() or (dst < 0).any():
        graph = nx.DiGraph()
        graph.add_nodes_from(companies)
        graph.add_edges_from(zip(sources, targets, strict=True))
        return companies.map(nx.pagerank(graph, alpha=alpha, max_iter=max_iter, tol=tol)).to_numpy(dtype=float)
    pairs = np.unique(np.stack([src, dst], axis=1), axis=0)
    a = sp.sparse.coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n),
                            dtype=float).asformat("csr")
    out_weight = a.sum(axis=1)
    out_weight[out_weight != 0] = 1.0 / out_weight[out_weight != 0]
    a = sp.sparse.dia_array((out_weight.T, 0), shape=a.shape).tocsr() @ a
    x = np.repeat(1.0 / n, n)
    teleport = np.repeat(1.0 / n, n)
    dangling = np.where(out_weight == 0)[0]
    for _ in range(max_iter):
        last = x
        # builtin sum, as networkx: np.sum would add in another order
        x = alpha * (x @ a + sum(x[dangling]) * teleport) + (1 - alpha) * teleport
        if np.absolute(x - last).sum() < n * tol:
            return x
    raise nx.PowerIterationFailedConvergence(max_iter)


def centrality_history(
    tables: GraphTables,
    dates: Iterable[pd.Timestamp],
    on_date: Callable[[pd.Timestamp], None] | None = None,
) -> pd.DataFrame:
    """Centralities for every date, stacked (see module docstring for the columns)."""
    frames = []
    for date in dates:
        frames.append(centrality_at(tables, date))
        if on_date:
            on_date(pd.Timestamp(date))
    if not frames:
        return pd.DataFrame(columns=CENTRALITY_COLUMNS)
    return pd.concat(frames, ignore_index=True)[CENTRALITY_COLUMNS]


CENTRALITY_FACTORS = {  # factor name -> centrality column whose month-over-month change it is
    "graph_pagerank_change": "pagerank",
    "graph_supplier_count_change": "supplies_in",
    "graph_customer_count_change": "supplies_out",
    "graph_owner_count_change": "owners",
    "graph_board_interlock_change": "board_interlocks",
}


def centrality_change_panels(history: pd.DataFrame) -> dict[str, pd.Series]:
    """Month-over-month change of each centrality, as factor panels indexed by (date, company_id)."""
    frame = history[CENTRALITY_COLUMNS].sort_values(["company_id", "date"])
    out = {}
    for factor, column in CENTRALITY_FACTORS.items():
        change = frame.groupby("company_id")[column].diff()
        panel = pd.Series(change.to_numpy(dtype=float), name=factor,
                          index=pd.MultiIndex.from_arrays([frame.date, frame.company_id], names=["date", "company_id"]))
        out[factor] = panel.dropna().sort_index()
    return out
