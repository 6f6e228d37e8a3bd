"""Precomputed message-passing structures and the two HGT attention kernels.

``HGTConv.forward`` rebuilds, on every call, the concatenated edge index of all edge types, the
edge-type ids and the node offsets, then runs a generic ``MessagePassing.propagate``. A training run
calls it thousands of times on the same graph, so :func:`build_plan` computes those structures once
and the kernels here only do arithmetic:

- **sparse** (any size): edges sorted by destination; per-edge scores, a per-destination softmax with
  scatter ops, messages summed with ``index_add``. It can run in destination-aligned chunks
  (``edge_chunk``) to bound the memory of inference on big graphs; the result does not depend on it.
- **dense** (small graphs, chosen when the destination x source pair count is at most
  ``dense_pairs``): per destination node type, ONE batched matmul scores every (destination,
  source) pair of every edge type into it, a softmax masked by an additive bias keeps the real edges
  (duplicate edges count as often as in ``HGTConv``), and one more batched matmul sums
  the messages. On a demo-sized graph BLAS on a mostly-empty matrix beats gathering and scattering
  per edge.

Both compute exactly ``HGTConv``'s attention: ``softmax_over_incoming(q_i . k_j * p_rel / sqrt(D))``
with ``k_j``/``v_j`` the relation-transformed source vectors; a unit test checks them against
``HGTConv.forward``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from nexus_graph.model.spec import EdgeType, ModelSpec, with_reverses

DENSE_PAIRS = 400_000  # destination x source pairs (summed over node types) up to which dense is used
NON_EDGE = -80.0  # bias of a non-edge in the row max: its exp() stays below e^80, far from overflow


@dataclass
class DenseGroup:
    """All edge types into one destination node type, as one [N_dst, sum N_src] multiplicity matrix."""

    members: list[int]  # positions in ``MessagePlan.edge_types``, in column order
    bias: Tensor  # [N_dst, S] 0 where an edge exists, NON_EDGE elsewhere
    col_type: Tensor  # [S] position in ``MessagePlan.edge_types`` of each column's edge type
    multiplicity: Tensor  # [N_dst, S] float edge counts (0 = no edge)

    def to(self, device: torch.device | str) -> DenseGroup:
        return DenseGroup(self.members, self.bias.to(device), self.col_type.to(device), self.multiplicity.to(device))


@dataclass
class MessagePlan:
    """Index structures of one message-passing graph, built once, reused by every layer and epoch.

    Sparse layout: rows of Q are node types stacked in ``node_types`` order (``q_offset``); rows of
    K/V are, per present edge type in ``edge_types`` order, that type's source nodes. Edges are
    sorted by destination row so that a chunk boundary never splits one node's softmax.
    """

    node_types: list[str]
    num_nodes: dict[str, int]
    edge_types: list[EdgeType]  # message edge types present, in the convs' metadata order
    type_ids: list[int]  # each one's position in the convs' metadata
    src: Tensor  # [E] row of K/V
    dst: Tensor  # [E] row of Q / output
    edge_type: Tensor  # [E] position in ``edge_types``
    dst_ptr: Tensor  # [num_rows + 1] CSR pointer of ``dst``
    num_rows: int
    q_offset: dict[str, int] = field(default_factory=dict)
    dst_types: list[str] = field(default_factory=list)
    dense: dict[str, DenseGroup] | None = None  # per destination node type, when the dense kernel is used

    def to(self, device: torch.device | str) -> MessagePlan:
        """The same plan with its tensors on ``device``."""
        moved = {k: (v.to(device) if isinstance(v, Tensor) else v) for k, v in self.__dict__.items()}
        if self.dense is not None:
            moved["dense"] = {nt: g.to(device) for nt, g in self.dense.items()}
        return MessagePlan(**moved)

    @property
    def num_edges(self) -> int:
        return int(self.src.numel())


def build_plan(spec: ModelSpec, num_nodes: dict[str, int], edges: dict[EdgeType, Tensor],
               add_reverses: bool = True, dense_pairs: int | None = None) -> MessagePlan:
    """The :class:`MessagePlan` of a graph given its FORWARD ``edges`` (reverses are added here).

    With ``add_reverses=False`` the caller gives every message edge type itself (sampled subgraphs).
    The dense kernel is chosen when the summed destination x source pair count is at most
    ``dense_pairs`` (default :data:`DENSE_PAIRS`; 0 disables it).
    """
    dense_pairs = DENSE_PAIRS if dense_pairs is None else dense_pairs
    forward = {et: edges[et] for et in spec.edge_types if et in edges}
    message = with_reverses(forward) if add_reverses else edges
    q_offset, rows = {}, 0
    for nt in spec.node_types:
        q_offset[nt] = rows
        rows += num_nodes[nt]
    srcs, dsts, kinds, present, type_ids, locals_ = [], [], [], [], [], []
    k_rows = 0
    for position, et in enumerate(spec.message_types):
        index = message.get(et)
        if index is None:
            continue
        index = index.long()
        srcs.append(index[0] + k_rows)
        dsts.append(index[1] + q_offset[et[2]])
        kinds.append(torch.full((index.size(1),), len(present), dtype=torch.long))
        locals_.append(index)
        present.append(et)
        type_ids.append(position)
        k_rows += num_nodes[et[0]]
    src, dst, kind = (torch.cat(t) if t else torch.zeros(0, dtype=torch.long) for t in (srcs, dsts, kinds))
    order = torch.argsort(dst, stable=True)
    ptr = torch.zeros(rows + 1, dtype=torch.long)
    ptr[1:] = torch.cumsum(torch.bincount(dst, minlength=rows), 0)
    dst_types = [nt for nt in spec.node_types if any(et[2] == nt for et in present)]
    plan = MessagePlan(
        node_types=spec.node_types, num_nodes=dict(num_nodes), edge_types=present, type_ids=type_ids,
        src=src[order], dst=dst[order], edge_type=kind[order], dst_ptr=ptr, num_rows=rows, q_offset=q_offset,
        dst_types=dst_types,
    )
    pairs = sum(num_nodes[nt] * sum(num_nodes[et[0]] for et in present if et[2] == nt) for nt in dst_types)
    if present and pairs <= dense_pairs:
        plan.dense = {nt: _dense_group(nt, present, locals_, num_nodes) for nt in dst_types}
    return plan


def _dense_group(dst_type: str, present: list[EdgeType], locals_: list[Tensor], num_nodes: dict[str, int]
                 ) -> DenseGroup:
    """Multiplicity matrix of every edge type into ``dst_type``, sources side by side."""
    members = [i for i, et in enumerate(present) if et[2] == dst_type]
    widths = [num_nodes[present[i][0]] for i in members]
    mult = torch.zeros(num_nodes[dst_type], sum(widths))
    offset = 0
    for i, width in zip(members, widths, strict=True):
        index = locals_[i]
        mult.index_put_((index[1], index[0] + offset), torch.ones(index.size(1)), accumulate=True)
        offset += width
    col_type = torch.repeat_interleave(torch.tensor(members), torch.tensor(widths, dtype=torch.long))
    bias = torch.zeros_like(mult).masked_fill_(mult == 0, NON_EDGE)
    return DenseGroup(members, bias, col_type, mult)


def dense_attention(q: dict[str, Tensor], k: list[Tensor], v: list[Tensor], p_rel: Tensor, plan: MessagePlan
                    ) -> dict[str, Tensor]:
    """Attention output ``[H, N_dst, D]`` per destination node type (dense kernel).

    ``q[nt]`` is ``[H, N, D]``; ``k[i]``/``v[i]`` are ``[H, N_src, D]`` for ``plan.edge_types[i]``;
    ``p_rel`` is ``[n_types, H]`` with the ``1/sqrt(D)`` folded in.
    """
    assert plan.dense is not None
    out = {}
    for nt, group in plan.dense.items():
        p_cols = p_rel[group.col_type].t().unsqueeze(-1)  # [H, S, 1]
        k_cat = (torch.cat([k[i] for i in group.members], 1) * p_cols).transpose(1, 2)  # [H, D, S]
        v_cat = torch.cat([v[i] for i in group.members], 1)  # [H, S, D]
        # Softmax is shift-invariant, so any detached per-row shift is exact; this one is the max of
        # the edges' scores and the non-edges' scores minus 80. Edges then have exponents <= 0 and
        # non-edges <= 80, so exp() never overflows; the multiplicity then zeroes the non-edges and
        # counts duplicate edges as often as HGTConv does. Rows without edges come out as zeros (as
        # in HGTConv). Normalising after the second matmul saves a pass over [N_dst, S].
        score = torch.bmm(q[nt], k_cat)  # [H, N_dst, S]
        peak = (score.detach() + group.bias).amax(-1, keepdim=True)
        weight = (score - peak).exp() * group.multiplicity
        out[nt] = torch.bmm(weight, v_cat) / (weight.sum(-1, keepdim=True) + 1e-16)
    return out


def sparse_attention(q: Tensor, k: Tensor, v: Tensor, p_rel: Tensor, plan: MessagePlan,
                     edge_chunk: int | None = None) -> Tensor:
    """Attention output ``[num_rows, H, D]`` with the edge-list kernel (all node types stacked).

    ``q`` is ``[num_rows, H, D]``; ``k``/``v`` are the per-edge-type source rows stacked in
    ``plan.edge_types`` order; ``p_rel`` is ``[n_types, H]`` with the ``1/sqrt(D)`` folded in.
    """
    H, D = q.size(1), q.size(2)
    out = q.new_zeros(plan.num_rows, H, D)
    n_edges = plan.num_edges
    if n_edges == 0:
        return out
    bounds = [(0, n_edges)] if not edge_chunk or n_edges <= edge_chunk else _aligned_chunks(plan, edge_chunk)
    for lo, hi in bounds:
        src, dst = plan.src[lo:hi], plan.dst[lo:hi]
        score = (q[dst] * k[src]).sum(-1) * p_rel[plan.edge_type[lo:hi]]  # [E, H]
        peak = torch.full((plan.num_rows, H), -torch.inf, dtype=score.dtype, device=score.device)
        peak = peak.scatter_reduce(0, dst.unsqueeze(1).expand_as(score), score.detach(), "amax")
        weight = (score - peak[dst]).exp()
        total = score.new_zeros(plan.num_rows, H).index_add_(0, dst, weight) + 1e-16
        weight = weight / total[dst]
        out = out.index_add(0, dst, v[src] * weight.unsqueeze(-1))
    return out


def _aligned_chunks(plan: MessagePlan, edge_chunk: int) -> list[tuple[int, int]]:
    """Edge ranges of about ``edge_chunk`` edges that start and end on destination boundaries."""
    ptr = plan.dst_ptr.cpu()
    bounds, lo = [], 0
    n_edges = int(ptr[-1])
    while lo < n_edges:
        target = min(lo + edge_chunk, n_edges)
        hi = int(ptr[int(torch.searchsorted(ptr, target, right=True)) - 1])
        if hi <= lo:  # one node with more than edge_chunk edges: take all of them at once
            hi = int(ptr[int(torch.searchsorted(ptr, lo, right=True))])
        bounds.append((lo, hi))
        lo = hi
    return bounds
