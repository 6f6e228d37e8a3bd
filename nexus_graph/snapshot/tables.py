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
