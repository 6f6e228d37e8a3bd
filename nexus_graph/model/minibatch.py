"""Neighbour sampling for mini-batch training (no pyg-lib / torch-sparse needed).

``LinkNeighborLoader`` needs ``pyg-lib`` or ``torch-sparse`` for its sampler; neither is a dependency
of nexus-graph, so this module samples with plain tensor ops. For each hop and each message edge type
(forward and reverse), every frontier node keeps all its incoming edges when it has at most ``k`` of
them, else ``k`` edges drawn with replacement (duplicates dropped). The sampled subgraph is relabelled
to local rows and handed to the encoder as an ordinary :class:`~nexus_graph.model.hgt.MessagePlan`;
:class:`BatchScorer` is one step's forward (encode the subgraph, score the batch) as one module.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from nexus_graph.model.plan import MessagePlan
from nexus_graph.model.spec import EdgeType, ModelSpec, with_reverses


@dataclass
class NeighbourIndex:
    """Per message edge type, incoming edges grouped by destination (CSR): built once per graph."""

    num_nodes: dict[str, int]
    ptr: dict[EdgeType, Tensor]  # [N_dst + 1]
    col: dict[EdgeType, Tensor]  # [E] source rows, grouped by destination


def neighbour_index(spec: ModelSpec, num_nodes: dict[str, int], edges: dict[EdgeType, Tensor]) -> NeighbourIndex:
    """CSR by destination of every message edge type (forward ``edges`` plus their reverses)."""
    ptr, col = {}, {}
    for et, index in with_reverses({et: edges[et] for et in spec.edge_types if et in edges}).items():
        n_dst = num_nodes[et[2]]
        order = torch.argsort(index[1], stable=True)
        col[et] = index[0, order].long()
        p = torch.zeros(n_dst + 1, dtype=torch.long)
        p[1:] = torch.cumsum(torch.bincount(index[1].long(), minlength=n_dst), 0)
        ptr[et] = p
    return NeighbourIndex(dict(num_nodes), ptr, col)


def _sample_in_edges(ptr: Tensor, col: Tensor, frontier: Tensor, k: int, gen: torch.Generator
                     ) -> tuple[Tensor, Tensor]:
    """(source, destination) rows of up to ``k`` incoming edges per frontier node."""
    start, deg = ptr[frontier], ptr[frontier + 1] - ptr[frontier]
    small = deg <= k
    # every edge of the low-degree nodes
    n_small = deg[small]
    base = torch.repeat_interleave(start[small], n_small)
    first = torch.repeat_interleave(torch.cumsum(n_small, 0) - n_small, n_small)
    ids_small = base + torch.arange(base.numel()) - first
    # k draws with replacement for the others
    draws = torch.rand(int((~small).sum()), k, generator=gen)
    ids_big = (start[~small].unsqueeze(1) + (draws * deg[~small].unsqueeze(1)).long()).reshape(-1)
    ids = torch.unique(torch.cat([ids_small, ids_big]))
    # the destination of an edge id is the CSR row whose range holds it
    dst = torch.searchsorted(ptr, ids, right=True) - 1
    return col[ids], dst


@dataclass
class Subgraph:
    """A sampled subgraph: local rows per node type and local forward+reverse edges."""

    nodes: dict[str, Tensor]  # global rows; seeds first, in the order given
    edges: dict[EdgeType, Tensor]  # [2, E] local rows, message edge types (reverses included)
    local: dict[str, Tensor]  # global row -> local row (-1 elsewhere), for the seeds' lookup


def sample_subgraph(index: NeighbourIndex, seeds: dict[str, Tensor], fanout: tuple[int, ...],
                    gen: torch.Generator) -> Subgraph:
    """``len(fanout)`` hops of neighbours around ``seeds`` (global rows per node type)."""
    local = {nt: torch.full((n,), -1, dtype=torch.long) for nt, n in index.num_nodes.items()}
    nodes: dict[str, list[Tensor]] = {nt: [] for nt in index.num_nodes}
    counts = dict.fromkeys(index.num_nodes, 0)

    def add(nt: str, rows: Tensor) -> Tensor:
        rows = torch.unique(rows)
        fresh = rows[local[nt][rows] < 0]
        local[nt][fresh] = torch.arange(counts[nt], counts[nt] + fresh.numel())
        counts[nt] += fresh.numel()
        nodes[nt].append(fresh)
        return fresh

    frontier = {nt: add(nt, rows) for nt, rows in seeds.items()}
    found: dict[EdgeType, list[Tensor]] = {et: [] for et in index.ptr}
    for k in fanout:
        grown: dict[str, list[Tensor]] = {}
        for et, ptr in index.ptr.items():
            rows = frontier.get(et[2])
            if rows is None or rows.numel() == 0:
                continue
            src, dst = _sample_in_edges(ptr, index.col[et], rows, k, gen)
            found[et].append(torch.stack([src, dst]))
            grown.setdefault(et[0], []).append(src)
        frontier = {nt: add(nt, torch.cat(parts)) for nt, parts in grown.items()}
    edges = {}
    for et, parts in found.items():
        if parts:
            g = torch.cat(parts, 1)
            edges[et] = torch.stack([local[et[0]][g[0]], local[et[2]][g[1]]])
    all_nodes = {nt: torch.cat(parts) if parts else torch.zeros(0, dtype=torch.long) for nt, parts in nodes.items()}
    return Subgraph(all_nodes, edges, local)


class BatchScorer(torch.nn.Module):
    """One mini-batch step's forward: embed a sampled subgraph, then score the batch's pairs.

    Shares ``model``'s parameters. Encoding and scoring happen inside one ``forward`` so that
    :class:`torch.nn.parallel.DistributedDataParallel` sees every parameter the loss uses (a decoder
    called outside ``forward`` would escape its gradient bookkeeping).
    """

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: dict[str, Tensor], plan: MessagePlan, pairs: dict[EdgeType, Tensor]) -> Tensor:
        """Logits of ``pairs`` (local rows per predicted type), concatenated in the dict's order."""
        z = self.model(x, plan)
        return torch.cat([self.model.score(z, et, local) for et, local in pairs.items()])
