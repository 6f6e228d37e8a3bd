"""Past relationships, point in time: ended intervals whose end was public by the as-of date.

:func:`~nexus_graph.snapshot.hetero.build_snapshot` keeps only live relationships, so a fund that sold
a holding last year and buys it back looks like a stranger to that company. :func:`with_past_edges`
adds, to a snapshot at ``t``, one extra edge type per relationship type -- ``past_<rel>``, e.g.
``("fund", "past_owns", "company")`` -- holding each (source, target) pair that had an interval of
that relationship that ENDED by ``t`` with the end public by ``t``
(:func:`~nexus_graph.as_of.ended_mask`) -- also when the pair is live again at ``t`` (a
re-opened holding has both edges, as the baseline's ``past_link`` counts it). Nothing known only
after ``t`` can enter: an interval not yet known is absent, one whose end is not yet public is
live (in the ordinary edge type), never past.

Edge features (``data[past_type].edge_attr``, float32 ``[E, 2]``, one row per distinct pair, from
the pair's most recently ended interval): months from its end to ``t``, and its duration in months
(30.4375-day months). Edges need both endpoints present at ``t``, as live ones do.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import torch
from torch_geometric.data import HeteroData

from nexus_graph import schema
from nexus_graph.as_of import ended_mask
from nexus_graph.snapshot.tables import GraphTables

PAST_PREFIX = "past_"
DAYS_PER_MONTH = 30.4375
PAST_EDGE_FEATURES = ("months_since_end", "duration_months")


def past_type(edge_type: tuple[str, str, str]) -> tuple[str, str, str]:
    """``("fund", "owns", "company")`` -> ``("fund", "past_owns", "company")``."""
    return (edge_type[0], f"{PAST_PREFIX}{edge_type[1]}", edge_type[2])


def past_pairs(frame: pd.DataFrame, as_of: pd.Timestamp | str) -> pd.DataFrame:
    """Distinct ended pairs of one relationship frame at ``as_of``, with their two features.

    Returns
    -------
    DataFrame
        Columns ``source_id``, ``target_id``, ``months_since_end``, ``duration_months``; one row per
        pair (its latest ended interval); sorted by the ids.
    """
    columns = ["source_id", "target_id", *PAST_EDGE_FEATURES]
    if len(frame) == 0:
        return pd.DataFrame(columns=columns)
    t = pd.Timestamp(as_of)
    ended = frame.loc[ended_mask(frame, t)]
    out = pd.DataFrame({
        "source_id": ended.source_id.to_numpy(), "target_id": ended.target_id.to_numpy(),
        "months_since_end": (t - ended[schema.VALID_TO]).dt.days.to_numpy() / DAYS_PER_MONTH,
        "duration_months": (ended[schema.VALID_TO] - ended[schema.VALID_FROM]).dt.days.to_numpy() / DAYS_PER_MONTH,
    })
    out = out.sort_values("months_since_end", kind="stable").drop_duplicates(["source_id", "target_id"])
    return out.sort_values(["source_id", "target_id"], kind="stable").reset_index(drop=True)[columns]


def with_past_edges(data: HeteroData, tables: GraphTables, as_of: pd.Timestamp | str | None = None) -> HeteroData:
    """A copy of snapshot ``data`` with a ``past_<rel>`` edge type per relationship type (see module doc).

    Parameters
    ----------
    data
        A snapshot from :func:`~nexus_graph.snapshot.hetero.build_snapshot` (``present``, ``node_id``).
    tables
        The tables it was built from (same node rows).
    as_of
        The snapshot's date; default ``data.as_of``.
    """
    t = pd.Timestamp(as_of if as_of is not None else data.as_of)
    out = copy.copy(data)
    index = {nt: pd.Index(frame.node_id) for nt, frame in tables.nodes.items()}
    for et, frame in tables.edges.items():
        pairs = past_pairs(frame, t)
        src = index[et[0]].get_indexer(pairs.source_id)
        dst = index[et[2]].get_indexer(pairs.target_id)
        keep = (src >= 0) & (dst >= 0)
        keep &= _present(data, et[0])[np.maximum(src, 0)] & _present(data, et[2])[np.maximum(dst, 0)]
        pt = past_type(et)
        out[pt].edge_index = torch.as_tensor(np.stack([src[keep], dst[keep]]), dtype=torch.long).reshape(2, -1)
        out[pt].edge_attr = torch.as_tensor(pairs[list(PAST_EDGE_FEATURES)].to_numpy(dtype=np.float32)[keep]
                                            ).reshape(-1, len(PAST_EDGE_FEATURES))
    return out


def _present(data: HeteroData, nt: str) -> np.ndarray:
    store = data[nt]
    return store.present.numpy().astype(bool) if "present" in store else np.ones(store.num_nodes, dtype=bool)
