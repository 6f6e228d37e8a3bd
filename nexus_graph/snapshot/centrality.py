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

    graph = nx.DiGraph()
    graph.add_nodes_from(frame.company_id)
    graph.add_edges_from(zip(supply.source_id, supply.target_id, strict=True))
    rank = nx.pagerank(graph, alpha=0.85) if len(graph) else {}
    frame["pagerank"] = frame.company_id.map(rank).astype(float)

    seats = board.drop_duplicates(["source_id", "target_id"])
    pairs = seats.merge(seats, on="source_id")
    pairs = pairs.loc[pairs.target_id_x != pairs.target_id_y].drop_duplicates(["target_id_x", "target_id_y"])
    frame["board_interlocks"] = count(pairs.target_id_x)
    frame.insert(0, "date", as_of)
    return frame


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
