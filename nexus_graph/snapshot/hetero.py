"""Point-in-time PyG ``HeteroData`` from graph tables: stable node index, documented features.

Node index: row ``i`` of node type ``nt`` is ``tables.nodes[nt].node_id[i]`` in EVERY snapshot, so
company i is row i in every month. A company not listed at ``t`` keeps its row, with
``present = False``, all-zero features and no edges.

Node features (``data[nt].x``, float32; vocabularies come from all nodes, so widths never change):

- company: segment one-hot (sorted segments + ``unknown``), kind one-hot (``equity``, ``extended``),
  ``log1p`` of: owned value in USD millions (sum of ``value_usd`` over visible OWNS: a market-value
  proxy from 13F-like ownership), supplier count (in-degree of SUPPLIES), customer count
  (out-degree), owner count, board seats; and a ``present`` flag.
- fund: fund-type one-hot, ``log1p`` of holdings count and of held value in USD millions.
- director: ``log1p`` of board seats, and a constant 1.

Edges: the forward relationship types of :mod:`nexus_graph.schema` (``edge_index`` [2, E], sorted
by (source, target)); an edge needs both endpoints present. ``data[et].edge_weight`` carries the
payload used as a weight (supply ``weight``, ownership ``value_usd``), 1.0 where missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch_geometric.data import HeteroData

from nexus_graph import schema
from nexus_graph.as_of import listed_mask
from nexus_graph.snapshot.tables import GraphTables

COMPANY, FUND, DIRECTOR = "company", "fund", "director"
SUPPLIES, OWNS, SITS_ON = (spec.pyg for spec in (schema.SUPPLY, schema.OWNERSHIP, schema.BOARD))
_WEIGHT_COLUMN = {SUPPLIES: "weight", OWNS: "value_usd"}


def _vocabulary(values: pd.Series) -> list[str]:
    return [*sorted(v for v in values.dropna().astype(str).unique() if v), "unknown"]


def _one_hot(values: pd.Series, vocabulary: list[str]) -> np.ndarray:
    """One row per value, a 1 in its vocabulary column; a missing or unseen value in the last (``unknown``)."""
    codes = np.full(len(values), len(vocabulary) - 1, dtype=np.int64)
    known = values.notna().to_numpy()
    found = pd.Index(vocabulary).get_indexer(values[known].astype(str))
    codes[known] = np.where(found >= 0, found, len(vocabulary) - 1)
    out = np.zeros((len(values), len(vocabulary)), dtype=np.float32)
    out[np.arange(len(values)), codes] = 1.0
    return out


def present_masks(tables: GraphTables, as_of: pd.Timestamp) -> dict[str, np.ndarray]:
    """Which rows of each node type exist at ``as_of`` (companies by listing; others always)."""
    masks = {nt: np.ones(len(frame), dtype=bool) for nt, frame in tables.nodes.items()}
    masks[COMPANY] = listed_mask(tables.nodes[COMPANY], as_of)
    return masks


def _rows_present(rows: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Per interval: its endpoint (a node-table row, -1 for none) exists at the date."""
    out = np.zeros(len(rows), dtype=bool)
    found = rows >= 0
    out[found] = present[rows[found]]
    return out


def _visible_masks(tables: GraphTables, as_of: pd.Timestamp,
                   present: dict[str, np.ndarray]) -> dict[tuple[str, str, str], np.ndarray]:
    """Per edge type, the interval rows visible at ``as_of`` whose endpoints are both present."""
    out = {}
    for et, frame in tables.edges.items():
        if not len(frame):
            out[et] = np.zeros(0, dtype=bool)
            continue
        src, dst = tables.endpoint_rows(et)  # row -1: not a node, never present
        ends_present = _rows_present(src, present[et[0]]) & _rows_present(dst, present[et[2]])
        out[et] = tables.visible_rows(et, as_of) & ends_present
    return out


def visible_edges(tables: GraphTables, as_of: pd.Timestamp) -> dict[tuple[str, str, str], pd.DataFrame]:
    """Intervals visible at ``as_of`` whose endpoints are both present, per edge type."""
    masks = _visible_masks(tables, pd.Timestamp(as_of), present_masks(tables, as_of))
    return {et: frame.loc[masks[et]] for et, frame in tables.edges.items()}


def build_snapshot(tables: GraphTables, as_of: pd.Timestamp | str,
                   edges: dict[tuple[str, str, str], pd.DataFrame] | None = None) -> HeteroData:
    """The ``HeteroData`` snapshot at ``as_of``.

    Parameters
    ----------
    tables : GraphTables
        All nodes (node index) and intervals.
    as_of : date
        The snapshot date; only rows valid and known on it are used.
    edges : dict, optional
        Already-visible edges per type (e.g. from the Cypher as-of path); computed from ``tables``
        when omitted. Both give the same snapshot.
    """
    as_of = pd.Timestamp(as_of)
    present = present_masks(tables, as_of)
    masks = _visible_masks(tables, as_of, present) if edges is None else {}
    data = HeteroData()
    data.as_of = as_of.strftime("%Y-%m-%d")
    index = {nt: pd.Index(frame.node_id) for nt, frame in tables.nodes.items()}

    for et in (SUPPLIES, OWNS, SITS_ON):
        if et in masks:  # sliced from the tables: node rows known without a lookup, only the weight column copied
            frame, mask = tables.edges[et], masks[et]
            src, dst = (ends[mask] for ends in tables.endpoint_rows(et))
            weights = frame[_WEIGHT_COLUMN[et]].to_numpy(dtype=float)[mask] if et in _WEIGHT_COLUMN else None
        else:
            rows = (edges or {}).get(et, pd.DataFrame(columns=["source_id", "target_id"]))
            src = index[et[0]].get_indexer(rows.source_id)
            dst = index[et[2]].get_indexer(rows.target_id)
            weights = rows[_WEIGHT_COLUMN[et]].to_numpy(dtype=float) if et in _WEIGHT_COLUMN else None
        keep = (src >= 0) & (dst >= 0)
        src, dst = src[keep], dst[keep]
        weight = weights[keep] if weights is not None else np.ones(len(src))
        order = np.lexsort((dst, src))
        data[et].edge_index = torch.as_tensor(np.stack([src[order], dst[order]]), dtype=torch.long).reshape(2, -1)
        data[et].edge_weight = torch.as_tensor(np.nan_to_num(weight[order], nan=1.0), dtype=torch.float32)

    def degree(et: tuple[str, str, str], side: int, n: int) -> np.ndarray:
        return np.bincount(data[et].edge_index[side].numpy(), minlength=n).astype(np.float32)

    def weighted(et: tuple[str, str, str], side: int, n: int) -> np.ndarray:
        ei = data[et].edge_index[side].numpy()
        return np.bincount(ei, weights=data[et].edge_weight.numpy(), minlength=n).astype(np.float32)

    companies = tables.nodes[COMPANY]
    n_c = len(companies)
    owned_musd = weighted(OWNS, 1, n_c) / 1e6
    company_x = np.hstack([
        _one_hot(companies.segment, _vocabulary(companies.segment)),
        _one_hot(companies.kind, list(schema.COMPANY_KINDS)),
        np.log1p(np.stack([owned_musd, degree(SUPPLIES, 1, n_c), degree(SUPPLIES, 0, n_c),
                           degree(OWNS, 1, n_c), degree(SITS_ON, 1, n_c)], axis=1)),
        present[COMPANY][:, None].astype(np.float32),
    ]).astype(np.float32)
    company_x[~present[COMPANY]] = 0.0

    funds = tables.nodes[FUND]
    n_f = len(funds)
    fund_x = np.hstack([
        _one_hot(funds.fund_type, _vocabulary(funds.fund_type)),
        np.log1p(np.stack([degree(OWNS, 0, n_f), weighted(OWNS, 0, n_f) / 1e6], axis=1)),
    ]).astype(np.float32)

    n_d = len(tables.nodes[DIRECTOR])
    director_x = np.stack([np.log1p(degree(SITS_ON, 0, n_d)), np.ones(n_d, dtype=np.float32)], axis=1)

    for nt, x in ((COMPANY, company_x), (FUND, fund_x), (DIRECTOR, director_x.astype(np.float32))):
        data[nt].x = torch.from_numpy(np.ascontiguousarray(x))
        data[nt].node_id = list(tables.nodes[nt].node_id)
        data[nt].present = torch.from_numpy(present[nt].copy())
    return data


def snapshot_counts(data: HeteroData) -> dict[str, dict[str, int]]:
    """Present nodes per node type and edges per Neo4j relationship type."""
    nodes = {nt: int(data[nt].present.sum()) for nt in data.node_types}
    edges = {schema.RELS_BY_PYG[et].rel_type: int(data[et].edge_index.size(1)) for et in data.edge_types}
    return {"nodes": nodes, "edges": edges}


class SnapshotCache:
    """Snapshots of one graph, each built once per as-of date, for a run that embeds the same months twice.

    ``tables`` may hold intervals known after a requested date: the snapshot at ``t`` only uses
    what was valid and known at ``t`` (:func:`build_snapshot`), so it equals the snapshot built from
    the tables read with ``known_until = t`` or any later date. The snapshots are shared, not
    copied: callers must not modify them.
    """

    def __init__(self, tables: GraphTables) -> None:
        self.tables = tables
        self._built: dict[pd.Timestamp, HeteroData] = {}

    def __call__(self, as_of: pd.Timestamp | str) -> HeteroData:
        as_of = pd.Timestamp(as_of)
        if as_of not in self._built:
            self._built[as_of] = build_snapshot(self.tables, as_of)
        return self._built[as_of]
