"""Precomputed message-passing structures and the two HGT attention kernels.

``HGTConv.forward`` rebuilds, on every call, the concatenated edge index of all edge types, the
edge-type ids and the node offsets, then runs a generic ``MessagePassing.propagate``. A training run
calls it thousands of times on the same graph, so :func:`build_plan` computes those structures once
and the kernels here only do arithmetic:

- **sparse** (any size): edges sorted by destination; per-edge scores, a per-destination softmax with
  scatter ops, messages summed with ``index_add``, and a hand-written backward (:class:`_EdgeAttention`).
  It can run in destination-aligned chunks (``edge_chunk``) to bound the memory of inference on big
  graphs; the result does not depend on it.
- **dense** (small graphs, chosen when the destination x source pair count is at most
  ``dense_pairs``): per destination node type, ONE batched matmul scores every (destination,
  source) pair of every edge type into it, a softmax weighted by the edge multiplicity keeps the
  real edges (duplicate edges count as often as in ``HGTConv``), and one more batched matmul sums
  the messages, with a hand-written backward (:class:`_MaskedAttention`). On a demo-sized graph BLAS
  on a mostly-empty matrix beats gathering and scattering per edge.

Both compute ``HGTConv``'s attention, ``softmax_over_incoming(q_i . k_j * p_rel / sqrt(D))`` with
``k_j``/``v_j`` the relation-transformed source vectors (the caller folds ``p_rel / sqrt(D)`` into
``k``); unit tests check values and gradients against ``HGTConv.forward``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import torch
from torch import Tensor

from nexus_graph.model.spec import EdgeType, ModelSpec, with_reverses

# torch warns once that CSR tensors are "beta"; the operations used here (SDDMM, CSR x dense) are
# covered by this package's tests against HGTConv, values and gradients.
warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta", category=UserWarning)

DENSE_PAIRS = 100_000  # destination x source pairs (summed over node types) up to which dense is used
NON_EDGE = -80.0  # bias of a non-edge in the row max: its exp() stays below e^80, far from overflow
EXP_FLOOR = -80.0  # exponents below this are raised to it: exp() of very negative floats is slow


@dataclass
class DenseGroup:
    """All edge types into one destination node type, as one [N_dst, sum N_src] multiplicity matrix."""

    members: list[int]  # positions in ``MessagePlan.edge_types``, in column order
    bias: Tensor  # [N_dst, S] 0 where an edge exists, NON_EDGE elsewhere
    multiplicity: Tensor  # [N_dst, S] float edge counts (0 = no edge)

    def to(self, device: torch.device | str) -> DenseGroup:
        return DenseGroup(self.members, self.bias.to(device), self.multiplicity.to(device))


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
    src: Tensor  # [E] row of K/V (the CSR column index: edges sorted by destination)
    dst: Tensor  # [E] row of Q / output
    dst_ptr: Tensor  # [num_rows + 1] CSR row pointer of ``dst``
    num_rows: int
    num_cols: int = 0  # rows of K/V: source nodes of every present edge type, stacked
    src_ptr: Tensor | None = None  # [num_cols + 1] row pointer of the transposed (by source) CSR
    t_dst: Tensor | None = None  # [E] its column index (destination rows)
    t_perm: Tensor | None = None  # [E] edge positions in source order
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
    srcs, dsts, present, type_ids, locals_ = [], [], [], [], []
    k_rows = 0
    for position, et in enumerate(spec.message_types):
        index = message.get(et)
        if index is None:
            continue
        index = index.long()
        srcs.append(index[0] + k_rows)
        dsts.append(index[1] + q_offset[et[2]])
        locals_.append(index)
        present.append(et)
        type_ids.append(position)
        k_rows += num_nodes[et[0]]
    src, dst = (torch.cat(t) if t else torch.zeros(0, dtype=torch.long) for t in (srcs, dsts))
    order = torch.argsort(dst, stable=True)
    ptr = torch.zeros(rows + 1, dtype=torch.long)
    ptr[1:] = torch.cumsum(torch.bincount(dst, minlength=rows), 0)
    dst_types = [nt for nt in spec.node_types if any(et[2] == nt for et in present)]
    src, dst = src[order], dst[order]
    t_perm = torch.argsort(src, stable=True)
    src_ptr = torch.zeros(k_rows + 1, dtype=torch.long)
    src_ptr[1:] = torch.cumsum(torch.bincount(src, minlength=k_rows), 0)
    plan = MessagePlan(
        node_types=spec.node_types, num_nodes=dict(num_nodes), edge_types=present, type_ids=type_ids,
        src=src, dst=dst, dst_ptr=ptr, num_rows=rows, num_cols=k_rows, src_ptr=src_ptr, t_dst=dst[t_perm],
        t_perm=t_perm, q_offset=q_offset, dst_types=dst_types,
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
    bias = torch.zeros_like(mult).masked_fill_(mult == 0, NON_EDGE)
    return DenseGroup(members, bias, mult)


def dense_attention(q: dict[str, Tensor], k: list[Tensor], v: list[Tensor], plan: MessagePlan
                    ) -> dict[str, Tensor]:
    """Attention output ``[H, N_dst, D]`` per destination node type (dense kernel).

    ``q[nt]`` is ``[H, N, D]``; ``k[i]``/``v[i]`` are ``[H, N_src, D]`` for ``plan.edge_types[i]``,
    ``k`` already scaled by its relation prior ``p_rel / sqrt(D)``.
    """
    assert plan.dense is not None
    out = {}
    for nt, group in plan.dense.items():
        k_cat = torch.cat([k[i] for i in group.members], 1).transpose(1, 2)  # [H, D, S]
        v_cat = torch.cat([v[i] for i in group.members], 1)  # [H, S, D]
        out[nt] = _MaskedAttention.apply(q[nt], k_cat, v_cat, group.bias, group.multiplicity)
    return out


class _MaskedAttention(torch.autograd.Function):
    """``softmax over edges(q k) @ v`` on dense [H, N, S] matrices, with a hand-written backward.

    One autograd node instead of about ten, in-place work on the one [H, N, S] buffer, and a backward
    of four matmuls and three passes (``dS = A * (dA - rowsum(dA * A))``, the softmax Jacobian), where
    autograd would keep and revisit every intermediate.
    """

    @staticmethod
    def forward(ctx, q: Tensor, k: Tensor, v: Tensor, bias: Tensor, multiplicity: Tensor) -> Tensor:  # type: ignore[override]
        # Softmax is shift-invariant, so any per-row shift is exact; this one is the max of the
        # edges' scores and the non-edges' scores minus 80. Edges then have exponents <= 0 and
        # non-edges <= 80, so exp() never overflows; the multiplicity then zeroes the non-edges and
        # counts duplicate edges as often as HGTConv does. Rows without edges come out as zeros, as
        # in HGTConv. Exponents are floored at -80 (e^-80 ~ 1e-35): below about -87 float32 exp()
        # takes a slow denormal path (10x measured), and such weights are 0 for any purpose.
        attn = torch.bmm(q, k)  # [H, N, S]; k is [H, D, S]
        peak = (attn + bias).amax(-1, keepdim=True)
        attn.sub_(peak).clamp_min_(EXP_FLOOR).exp_().mul_(multiplicity)
        attn.div_(attn.sum(-1, keepdim=True).add_(1e-16))
        ctx.save_for_backward(q, k, v, attn)
        return torch.bmm(attn, v)

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        q, k, v, attn = ctx.saved_tensors
        grad_v = torch.bmm(attn.transpose(1, 2), grad_out)
        grad_attn = torch.bmm(grad_out, v.transpose(1, 2))  # [H, N, S]
        row = (grad_attn * attn).sum(-1, keepdim=True)
        grad_score = grad_attn.sub_(row).mul_(attn)
        grad_q = torch.bmm(grad_score, k.transpose(1, 2))
        grad_k = torch.bmm(q.transpose(1, 2), grad_score)  # [H, D, S]
        return grad_q, grad_k, grad_v, None, None


def sparse_attention(q: Tensor, k: Tensor, v: Tensor, plan: MessagePlan,
                     edge_chunk: int | None = None) -> Tensor:
    """Attention output ``[H, num_rows, D]`` with the edge-list kernel (all node types stacked).

    ``q`` is ``[H, num_rows, D]``; ``k``/``v`` are ``[H, num_cols, D]``, the per-edge-type source rows
    stacked in ``plan.edge_types`` order, ``k`` already scaled by its relation prior ``p_rel / sqrt(D)``.
    """
    if plan.num_edges == 0:
        return q.new_zeros(q.shape)
    n_edges = plan.num_edges
    bounds = [(0, n_edges)] if not edge_chunk or n_edges <= edge_chunk else _aligned_chunks(plan, edge_chunk)
    return _EdgeAttention.apply(q.contiguous(), k.contiguous(), v.contiguous(), plan, bounds)


def _csr(ptr: Tensor, col: Tensor, values: Tensor, shape: tuple[int, int]) -> Tensor:
    return torch.sparse_csr_tensor(ptr, col, values, size=shape, check_invariants=False)


class _EdgeAttention(torch.autograd.Function):
    """Per-edge softmax attention as sparse (CSR) matrix products, with a hand-written backward.

    Per head: scores are a sampled dense-dense product (SDDMM) at the edges, the softmax runs over
    each destination's segment of the [E] scores, and messages are one CSR x dense product; the
    backward is two more CSR products against the transposed pattern and one SDDMM. Nothing of size
    [E, D] is ever materialised (the gather/scatter formulation moves 16x more memory and was 10x
    slower on the demo x20 graph, measured). The forward can run in destination-aligned chunks.
    """

    @staticmethod
    def forward(ctx, q: Tensor, k: Tensor, v: Tensor, plan: MessagePlan,  # type: ignore[override]
                bounds: list[tuple[int, int]]) -> Tensor:
        H = q.size(0)
        out = q.new_zeros(q.shape)
        weights = []
        for lo, hi in bounds:
            r0, r1 = int(plan.dst[lo]), int(plan.dst[hi - 1]) + 1
            ptr = plan.dst_ptr[r0 : r1 + 1] - lo
            col = plan.src[lo:hi]
            shape = (r1 - r0, plan.num_cols)
            pattern = _csr(ptr, col, q.new_zeros(hi - lo), shape)
            score = torch.stack([torch.sparse.sampled_addmm(pattern, q[h, r0:r1], k[h].t(), beta=0.0).values()
                                 for h in range(H)])  # [H, e]
            weight = _segment_softmax(score, ptr)
            for h in range(H):
                out[h, r0:r1] = _csr(ptr, col, weight[h], shape) @ v[h]
            weights.append(weight)
        ctx.plan = plan
        ctx.save_for_backward(q, k, v, torch.cat(weights, 1) if len(weights) > 1 else weights[0])
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        q, k, v, attn = ctx.saved_tensors
        plan: MessagePlan = ctx.plan
        grad_out = grad_out.contiguous()
        rows, cols, H = plan.num_rows, plan.num_cols, q.size(0)
        fwd, bwd = (rows, cols), (cols, rows)
        pattern = _csr(plan.dst_ptr, plan.src, attn.new_zeros(attn.size(1)), fwd)
        grad_q, grad_k, grad_v = torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)
        for h in range(H):
            a = attn[h]
            grad_v[h] = _csr(plan.src_ptr, plan.t_dst, a[plan.t_perm], bwd) @ grad_out[h]
            grad_a = torch.sparse.sampled_addmm(pattern, grad_out[h], v[h].t(), beta=0.0).values()
            # softmax Jacobian: dS = A * (dA - sum over the destination's edges of A * dA)
            row = torch.segment_reduce(a * grad_a, "sum", offsets=plan.dst_ptr)
            grad_s = (grad_a - row.repeat_interleave(plan.dst_ptr.diff(), output_size=a.numel())).mul_(a)
            grad_q[h] = _csr(plan.dst_ptr, plan.src, grad_s, fwd) @ k[h]
            grad_k[h] = _csr(plan.src_ptr, plan.t_dst, grad_s[plan.t_perm], bwd) @ q[h]
        return grad_q, grad_k, grad_v, None, None


def _segment_softmax(score: Tensor, ptr: Tensor) -> Tensor:
    """Softmax of ``score`` ``[H, e]`` over each CSR row's segment (rows given by ``ptr``), in place."""
    lengths = ptr.diff()
    offsets = ptr.expand(score.size(0), -1).contiguous()
    n = score.size(1)
    # shift by the row max (softmax is shift-invariant); floor at EXP_FLOOR where exp() stays fast
    peak = torch.segment_reduce(score, "max", offsets=offsets, axis=1)
    score.sub_(peak.repeat_interleave(lengths, dim=1, output_size=n)).clamp_min_(EXP_FLOOR).exp_()
    total = torch.segment_reduce(score, "sum", offsets=offsets, axis=1).add_(1e-16)
    return score.div_(total.repeat_interleave(lengths, dim=1, output_size=n))


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
