"""A time-forward training objective: learn to predict what became known, not to re-draw what is visible.

The default training objective reconstructs the message graph: the positives are the edges the
encoder passes messages over. Validation asks something else -- which pairs will link next -- and a
signal such as "this pair was linked before" never appears in reconstruction. :func:`hold_out_recent`
turns a split into one whose training task is the validation task one window earlier: the edges of
each predicted type that became known in ``(cut - window, cut]`` (present in the snapshot at the cut,
absent from the snapshot at ``cut - window``) are removed from the message graph (both directions) and
become the training positives (``positives="recent"``), or are added back as positives beside the
visible ones (``positives="all"``). Training negatives still avoid every pair live at the cut.
Validation pairs and labels are untouched, and nothing after the cut is read, so the split stays
leak-free (:func:`~nexus_graph.model.splits.leaked_edges` still holds).
"""

from __future__ import annotations

import dataclasses

import torch
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.model.sampling import edge_keys
from nexus_graph.model.splits import LinkSplit

POSITIVES = ("recent", "all")


def hold_out_recent(split: LinkSplit, earlier: HeteroData, positives: str = "recent") -> LinkSplit:
    """``split`` with the edges that became known since ``earlier`` hidden from messages and supervised.

    Parameters
    ----------
    split
        A time-forward split whose message graph is the snapshot at the cut.
    earlier
        The snapshot at ``cut - window`` (same node rows).
    positives
        ``"recent"``: train on the recent edges only; ``"all"``: on the recent and the still-visible edges.
    """
    if positives not in POSITIVES:
        raise NexusError(f"positives must be one of {POSITIVES} (got {positives!r}).")
    message, train = dict(split.message_edges), {}
    counts = {}
    for et in split.predict:
        n_dst = split.num_nodes[et[2]]
        now = edge_keys(split.message_edges[et], n_dst)
        before = edge_keys(earlier[et].edge_index, n_dst) if et in earlier.edge_types else now[:0]
        recent = now[~torch.isin(now, before)]
        kept = now[torch.isin(now, before)]
        message[et] = torch.stack([kept // n_dst, kept % n_dst])
        chosen = recent if positives == "recent" else now
        train[et] = torch.stack([chosen // n_dst, chosen % n_dst])
        counts["__".join(et)] = {"recent": int(recent.numel()), "visible": int(kept.numel())}
    info = {**split.info, "training": {"objective": f"hold-out-recent/{positives}", "counts": counts}}
    return dataclasses.replace(split, message_edges=message, train_edges=train, info=info)
