"""The graph as plain tables: every node and every relationship interval, before slicing by date.

Frame contract:

- ``nodes[node_type]``: one row per node, sorted by ``node_id`` (the stable node index: row i of
  every snapshot is ``nodes[node_type].node_id[i]``), columns :func:`nexus_graph.schema.node_columns`;
- ``edges[edge_type]``: one row per validity interval, columns :func:`nexus_graph.schema.edge_columns` -- ``source_id``,
  ``target_id``, the four interval dates (``datetime64``; ``end_known_from`` NaT iff open) and the
  payload of that relationship type.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from nexus_graph import schema
from nexus_graph.sources.tables import Dataset


@dataclass
class GraphTables:
    """All nodes and all intervals of the graph, keyed by PyG node / edge type."""

    nodes: dict[str, pd.DataFrame]
    edges: dict[tuple[str, str, str], pd.DataFrame]


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
