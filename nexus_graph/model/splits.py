"""Train/validation splits for link prediction, without leakage.

Both splits return a :class:`LinkSplit`: the FORWARD edges the encoder may pass messages over
(``message_edges``; the model adds each reverse type itself from exactly these edges), the training
positives per predicted relationship type, and labelled validation pairs. Validation reuses the
training message graph, so a validation pair is never visible to the encoder -- neither as its
forward edge nor through its reverse (``rev_<rel>``) -- and :func:`leaked_edges` checks that.

Time-forward split (the default; :func:`time_forward_split`)
    Train on the graph known at ``asof - gap`` (``train_graph``); validate on the relationships that
    are in the graph known at ``asof`` (``later_graph``) but were not in ``train_graph`` -- they became
    known in ``(asof - gap, asof]`` -- against sampled negatives: pairs linked in NEITHER graph, among
    the nodes present at ``asof``. Pairs that were linked at ``asof - gap`` and ended by ``asof`` are
    neither positives nor negatives.
    Training negatives are drawn each epoch against ``train_graph`` only, so nothing known only at
    ``asof`` reaches training. This is the split a backtest can trust: the model is scored on the
    future it would have had to predict.

Random split (:func:`random_link_split`)
    From one snapshot, a random ``val_ratio`` of the distinct edges of each predicted type is held out
    (removed from the message graph, so from its reverse too) and scored against the same number of
    uniform non-edges. Like ``RandomLinkSplit(rev_edge_types=...)`` with ``disjoint_train_ratio=0``;
    useful when a single snapshot is all there is, optimistic for a temporal graph.

Negatives (both splits, validation and training alike), ``negatives=``:

- ``"degree"`` (default): each endpoint is drawn as often as it carries edges of that relation, so
  negatives are as "popular" as real edges and the AUC measures who links to whom, not who links a
  lot. Measured on the demo dataset at 2023-12-31 (time-forward, 3-month gap): val AUC 0.95 with
  real edges; with every relationship's targets permuted (degrees kept, structure destroyed) 0.55,
  where uniform negatives still gave 0.71 and would have passed the 0.60 gate on popularity alone.
- ``"uniform"``: endpoints uniform over the present nodes (what ``negative_sampling`` does).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.model.sampling import edge_keys, sample_negatives, unique_edges
from nexus_graph.model.spec import EdgeType, reverse_type, with_reverses

TIME_FORWARD = "time-forward"
RANDOM = "random"
NEGATIVES = ("uniform", "degree")


@dataclass
class LinkSplit:
    """Edges for training and labelled pairs for validation, all as local node rows."""

    kind: str  # TIME_FORWARD or RANDOM
    num_nodes: dict[str, int]
    message_edges: dict[EdgeType, Tensor]  # forward types; [2, E] int64
    train_edges: dict[EdgeType, Tensor]  # supervision positives per predicted type
    val_edges: dict[EdgeType, Tensor]  # [2, n] candidate pairs
    val_labels: dict[EdgeType, Tensor]  # [n] float 1/0
    neg_pools: dict[EdgeType, tuple[Tensor, Tensor]]  # rows training negatives draw (source, target) from
    known: dict[EdgeType, Tensor] = field(default_factory=dict)  # sorted keys training negatives avoid
    info: dict = field(default_factory=dict)  # what metadata.json records about the split

    @property
    def predict(self) -> list[EdgeType]:
        return list(self.train_edges)


def _predict_types(graph: HeteroData, predict: list[EdgeType] | None) -> list[EdgeType]:
    """The relationship types to predict: all forward types of ``graph`` unless chosen."""
    available = [tuple(et) for et in graph.edge_types]
    chosen = available if predict is None else [tuple(et) for et in predict]
    missing = [et for et in chosen if et not in available]
    if missing or not chosen:
        raise NexusError(f"Cannot predict {missing or 'nothing'}: the graph has edge types {available}; "
                         "choose among them.")
    return chosen  # type: ignore[return-value]


def _present(graph: HeteroData) -> dict[str, Tensor]:
    """Per node type, the rows present in ``graph`` (``present`` mask where given, else all)."""
    rows = {}
    for nt in graph.node_types:
        store = graph[nt]
        mask = store["present"] if "present" in store else torch.ones(store.num_nodes, dtype=torch.bool)
        rows[nt] = torch.nonzero(mask.bool()).view(-1)
    return rows


def _pools(graph: HeteroData, edges: dict[EdgeType, Tensor], types: list[EdgeType], negatives: str
           ) -> dict[EdgeType, tuple[Tensor, Tensor]]:
    """Per relation, the (source, target) rows negatives are drawn from, uniformly.

    ``uniform``: every present node, so a negative is a random pair. ``degree``: the endpoints of
    ``edges`` counted once per edge, so a negative's endpoints are as well connected as a real
    edge's and a model cannot pass on popularity (degree) alone -- only on who links to whom.
    Either way only nodes present in ``graph`` are drawn.
    """
    if negatives not in NEGATIVES:
        raise NexusError(f"negatives must be one of {NEGATIVES} (got {negatives!r}).")
    present = _present(graph)
    if negatives == "uniform":
        return {et: (present[et[0]], present[et[2]]) for et in types}
    pools = {}
    for et in types:
        src, dst = edges[et]
        pools[et] = (src[torch.isin(src, present[et[0]])], dst[torch.isin(dst, present[et[2]])])
    return pools


def _num_nodes(graph: HeteroData) -> dict[str, int]:
    return {nt: int(graph[nt].num_nodes) for nt in graph.node_types}


def _check_same_nodes(train_graph: HeteroData, later_graph: HeteroData) -> None:
    """Both snapshots must index the same entities in the same rows (the snapshot contract)."""
    if list(train_graph.node_types) != list(later_graph.node_types):
        raise NexusError(f"The two snapshots have different node types ({train_graph.node_types} vs "
                         f"{later_graph.node_types}); export both with the same schema.")
    for nt in train_graph.node_types:
        a, b = train_graph[nt], later_graph[nt]
        ids_a, ids_b = a.get("node_id"), b.get("node_id")
        if a.num_nodes != b.num_nodes or (ids_a is not None and ids_b is not None and list(ids_a) != list(ids_b)):
            raise NexusError(f"Node type {nt!r} is indexed differently in the two snapshots ({a.num_nodes} vs "
                             f"{b.num_nodes} rows or different node_id order); the exporter must keep row i "
                             "the same entity in every snapshot.")


def _validation_pairs(pos: Tensor, n_neg: int, src_pool: Tensor, dst_pool: Tensor, n_dst: int,
                      avoid: Tensor, gen: torch.Generator, no_loops: bool) -> tuple[Tensor, Tensor]:
    """Positives followed by sampled negatives, and their 1/0 labels."""
    neg = sample_negatives(n_neg, src_pool, dst_pool, n_dst, avoid, gen, no_loops=no_loops)
    pairs = torch.cat([pos, neg], 1)
    labels = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
    return pairs, labels


def time_forward_split(
    train_graph: HeteroData,
    later_graph: HeteroData,
    predict: list[EdgeType] | None = None,
    neg_ratio: float = 1.0,
    seed: int = 0,
    negatives: str = "degree",
) -> LinkSplit:
    """Split for "train on what was known at ``asof - gap``, validate on what became known by ``asof``".

    Parameters
    ----------
    train_graph
        Snapshot at ``asof - gap`` (model input contract: ``x``, ``node_id``, forward ``edge_index``).
    later_graph
        Snapshot at ``asof``, same node rows (``node_id`` equal).
    predict
        Relationship types scored; default every forward edge type of ``train_graph``.
    neg_ratio
        Validation negatives per validation positive.
    seed
        Seeds the generator of the validation negatives (same seed, same pairs).
    negatives
        ``"uniform"`` (random present pairs) or ``"degree"`` (endpoints drawn as often as they carry
        edges; validation from ``later_graph``, training from ``train_graph``).

    Returns
    -------
    LinkSplit
        ``kind == "time-forward"``; raises :class:`NexusError` when no relationship became known.
    """
    _check_same_nodes(train_graph, later_graph)
    chosen = _predict_types(train_graph, predict)
    sizes = _num_nodes(train_graph)
    gen = torch.Generator().manual_seed(seed)
    message = {tuple(et): unique_edges(train_graph[et].edge_index, sizes[et[2]]) for et in train_graph.edge_types}
    later_edges = {et: unique_edges(later_graph[et].edge_index if et in later_graph.edge_types
                                    else torch.zeros(2, 0, dtype=torch.long), sizes[et[2]]) for et in chosen}
    val_pools = _pools(later_graph, later_edges, chosen, negatives)
    train_edges, val_edges, val_labels, known, counts = {}, {}, {}, {}, {}
    for et in chosen:
        n_dst = sizes[et[2]]
        old = edge_keys(message[et], n_dst)
        later = edge_keys(later_edges[et], n_dst)
        fresh = later[~torch.isin(later, old)]
        pos = torch.stack([fresh // n_dst, fresh % n_dst])
        avoid = torch.unique(torch.cat([old, later]))
        n_neg = round(neg_ratio * pos.size(1))
        val_edges[et], val_labels[et] = _validation_pairs(
            pos, n_neg, *val_pools[et], n_dst, avoid, gen, et[0] == et[2])
        train_edges[et], known[et] = message[et], old
        counts["__".join(et)] = {"train": int(old.numel()), "val_pos": int(pos.size(1)),
                                 "val_neg": int(val_labels[et].numel() - pos.size(1))}
    if sum(c["val_pos"] for c in counts.values()) == 0:
        raise NexusError("No relationship of the predicted types became known between the two snapshots, so "
                         "there is nothing to validate on; widen the gap or pick another as-of date.")
    return LinkSplit(
        kind=TIME_FORWARD, num_nodes=sizes, message_edges=message, train_edges=train_edges,
        val_edges=val_edges, val_labels=val_labels, neg_pools=_pools(train_graph, message, chosen, negatives),
        known=known, info={"kind": TIME_FORWARD, "negatives": negatives, "neg_ratio": neg_ratio, "seed": seed,
                           "counts": counts},
    )


def random_link_split(
    graph: HeteroData,
    val_ratio: float = 0.1,
    predict: list[EdgeType] | None = None,
    neg_ratio: float = 1.0,
    seed: int = 0,
    negatives: str = "degree",
) -> LinkSplit:
    """Hold out a random ``val_ratio`` of each predicted type's edges of one snapshot.

    Parameters
    ----------
    graph
        One snapshot (model input contract).
    val_ratio
        Share of the distinct edges of each predicted type held out for validation (at least one).
    predict, neg_ratio, seed, negatives
        As in :func:`time_forward_split`; the seed also drives the hold-out permutation.

    Returns
    -------
    LinkSplit
        ``kind == "random"``; held-out edges are absent from ``message_edges`` (hence from the reverses).
    """
    if not 0.0 < val_ratio < 1.0:
        raise NexusError(f"val_ratio must be strictly between 0 and 1 (got {val_ratio}).")
    chosen = _predict_types(graph, predict)
    sizes = _num_nodes(graph)
    gen = torch.Generator().manual_seed(seed)
    message = {tuple(et): unique_edges(graph[et].edge_index, sizes[et[2]]) for et in graph.edge_types}
    val_pools = _pools(graph, message, chosen, negatives)
    train_edges, val_edges, val_labels, known, counts = {}, {}, {}, {}, {}
    for et in chosen:
        n_dst = sizes[et[2]]
        edges = message[et]
        if edges.size(1) < 2:
            raise NexusError(f"Edge type {et} has {edges.size(1)} edge(s); a random split needs at least 2.")
        perm = torch.randperm(edges.size(1), generator=gen)
        n_val = max(1, round(val_ratio * edges.size(1)))
        pos, kept = edges[:, perm[:n_val]], edges[:, torch.sort(perm[n_val:]).values]
        all_keys = edge_keys(edges, n_dst)
        val_edges[et], val_labels[et] = _validation_pairs(
            pos, round(neg_ratio * n_val), *val_pools[et], n_dst, all_keys, gen, et[0] == et[2])
        message[et] = kept
        train_edges[et], known[et] = kept, edge_keys(kept, n_dst)
        counts["__".join(et)] = {"train": int(kept.size(1)), "val_pos": n_val,
                                 "val_neg": int(val_labels[et].numel() - n_val)}
    return LinkSplit(
        kind=RANDOM, num_nodes=sizes, message_edges=message, train_edges=train_edges, val_edges=val_edges,
        val_labels=val_labels, neg_pools=_pools(graph, message, chosen, negatives), known=known,
        info={"kind": RANDOM, "negatives": negatives, "val_ratio": val_ratio, "neg_ratio": neg_ratio, "seed": seed,
              "counts": counts},
    )


def leaked_edges(split: LinkSplit) -> dict[EdgeType, int]:
    """Per predicted type, how many validation positives the encoder could see (forward or reverse).

    Looks at the message-passing edges exactly as the model builds them (:func:`with_reverses`); an
    empty dict means no leakage.
    """
    message = with_reverses(split.message_edges)
    leaks = {}
    for et, pairs in split.val_edges.items():
        pos = pairs[:, split.val_labels[et] > 0.5]
        n_dst = split.num_nodes[et[2]]
        forward = torch.isin(pos[0] * n_dst + pos[1], edge_keys(message[et], n_dst))
        rev = message[reverse_type(et)]  # rows: (dst, src)
        backward = torch.isin(pos[1] * split.num_nodes[et[0]] + pos[0], edge_keys(rev, split.num_nodes[et[0]]))
        if int((forward | backward).sum()):
            leaks[et] = int((forward | backward).sum())
    return leaks
