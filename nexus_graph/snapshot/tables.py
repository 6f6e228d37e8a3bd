"""The graph as plain tables: every node and every relationship interval, before slicing by date.

Frame contract:

- ``nodes[node_type]``: one row per node, sorted by ``node_id`` (the stable node index: row i of
  every snapshot is ``nodes[node_type].node_id[i]``), columns :func:`nexus_graph.schema.node_columns`;
- ``edges[edge_type]``: one row per validity interval, columns :func:`nexus_graph.schema.edge_columns` -- ``source_id``,
  ``target_id``, the four interval dates (``datetime64``; ``end_known_from`` NaT iff open) and the
  payload of that relationship type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nexus_graph import schema
from nexus_graph.sources.tables import Dataset


@dataclass
class GraphTables:
    """All nodes and all intervals of the graph, keyed by PyG node / edge type."""

    nodes: dict[str, pd.DataFrame]
    edges: dict[tuple[str, str, str], pd.DataFrame]
    _rows: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _bounds: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def intervals(self) -> int:
        """How many relationship intervals the tables hold, all types together."""
        return sum(len(frame) for frame in self.edges.values())

    def endpoint_rows(self, edge_type: tuple[str, str, str]) -> tuple[np.ndarray, np.ndarray]:
        """Node-table row of each interval's source and target (-1: not a node of the tables), cached.

        The frames are treated as read-only once built; slicing a snapshot by date then needs no
        string lookups per date.
        """
        if edge_type not in self._rows:
            frame = self.edges[edge_type]
            src = pd.Index(self.nodes[edge_type[0]].node_id).get_indexer(frame.source_id)
            dst = pd.Index(self.nodes[edge_type[2]].node_id).get_indexer(frame.target_id)
            self._rows[edge_type] = (src, dst)
        return self._rows[edge_type]

    def visible_rows(self, edge_type: tuple[str, str, str], as_of: pd.Timestamp | str) -> np.ndarray:
        """:func:`~nexus_graph.as_of.visible_mask` of ``edges[edge_type]`` at ``as_of``, from cached bounds.

        Per interval, the rule's two thresholds are computed once (int64 ns; "never" is the int64 maximum):
        ``start`` = the later of ``valid_from`` and ``known_from`` (blank: ``valid_from``), ``end`` = the later
        of ``valid_to`` and ``end_known_from`` (blank: ``valid_to``). Visible at t iff ``start <= t < end`` --
        the same mask as ``visible_mask``, without four datetime columns converted and compared per date.
        """
        if edge_type not in self._bounds:
            self._bounds[edge_type] = interval_bounds(self.edges[edge_type])
        start, end = self._bounds[edge_type]
        t = np.datetime64(pd.Timestamp(as_of), "ns").astype(np.int64)
        return (start <= t) & (end > t)


NEVER = np.iinfo(np.int64).max


def interval_bounds(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per interval row, (visible from, visible until) in int64 ns (see :meth:`GraphTables.visible_rows`)."""
    def ns(column: str) -> tuple[np.ndarray, np.ndarray]:
        values = frame[column].to_numpy("datetime64[ns]")
        return values.astype(np.int64), np.isnat(values)

    valid_from, no_from = ns(schema.VALID_FROM)
    known_from, no_known = ns(schema.KNOWN_FROM)
    valid_to, open_ = ns(schema.VALID_TO)
    end_known, no_end_known = ns(schema.END_KNOWN_FROM)
    known_from = np.where(no_known, valid_from, known_from)
    start = np.where(no_from, NEVER, np.maximum(valid_from, known_from))  # known_from blank and valid_from blank: never
    end_known = np.where(no_end_known, valid_to, end_known)
    end = np.where(open_, NEVER, np.maximum(valid_to, end_known))
    return start, end


def tables_known_by(tables: GraphTables, known_until: pd.Timestamp | None) -> GraphTables:
    """What a bulk read limited to ``known_until`` returns, sliced from a read of the whole graph.

    Every node; the intervals with ``known_from <= known_until`` (a blank ``known_from`` never
    qualifies, as in Cypher), in the same order, re-indexed from 0. ``None`` keeps every interval.
    A pipeline run that reads the graph once and hands each step what it may know uses this: the
    result equals :func:`nexus_graph.store.snapshots.read_graph_frames` with ``known_until``.
    """
    if known_until is None:
        return tables
    t = np.datetime64(pd.Timestamp(known_until), "ns")
    edges = {}
    for et, frame in tables.edges.items():
        known = frame[schema.KNOWN_FROM].to_numpy("datetime64[ns]")
        edges[et] = frame.loc[~np.isnat(known) & (known <= t)].reset_index(drop=True)
    return GraphTables(nodes=tables.nodes, edges=edges)


def graph_tables_from_dataset(dataset: Dataset) -> GraphTables:
    """The same tables straight from a dataset (no database), for tests and benchmarks."""
    nodes = {}
    for spec in schema.NODE_SPECS:
        frame = dataset.nodes(spec).rename(columns={spec.id_column: "node_id"})
        cols = schema.node_columns(spec.pyg)
        frame = frame.reindex(columns=cols)
        for column in ("listed_from", "listed_to"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column])
        nodes[spec.pyg] = frame.sort_values("node_id", kind="stable").reset_index(drop=True)
    edges = {}
    for spec in schema.REL_SPECS:
        frame = dataset.relationships(spec).rename(
            columns={spec.source_column: "source_id", spec.target_column: "target_id"}
        )
        frame = frame.reindex(columns=schema.edge_columns(spec.pyg))
        edges[spec.pyg] = frame.sort_values(["source_id", "target_id", "valid_from"], kind="stable").reset_index(
            drop=True
        )
    return GraphTables(nodes=nodes, edges=edges)
