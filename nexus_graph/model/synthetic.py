"""Synthetic snapshot-shaped graphs for tests and benchmarks (clearly not market data).

A stochastic block model with the shape of a nexus-graph snapshot: companies in ``segments``
segments, funds that concentrate on a home segment, directors that sit on boards within one segment,
and a supply chain in which segment ``s`` mostly supplies segment ``s + 1``. Two snapshots are made:
an ``earlier`` one and a ``later`` one in which some relationships ended and new ones, drawn from the
same blocks, appeared -- so a time-forward split has something learnable to predict. With
``shuffled=True`` every endpoint is drawn uniformly instead: the same sizes, no structure at all.

Both graphs follow the model's input contract (see :mod:`nexus_graph.model.train`): float32 ``x`` per
node type (widths differ per type), ``node_id`` lists equal in both snapshots, a ``present`` mask on
companies and forward edge types only.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch_geometric.data import HeteroData

SUPPLIES = ("company", "supplies", "company")
OWNS = ("fund", "owns", "company")
SITS_ON = ("director", "sits_on", "company")


@dataclass(frozen=True)
class BlockModelShape:
    """Sizes of a synthetic snapshot; the defaults are the demo's reference shape at 2023-12-31."""

    companies: int = 144
    funds: int = 22
    directors: int = 14
    segments: int = 9
    supplies: int = 738
    owns: int = 2141
    sits_on: int = 14
    fund_segments: int = 6  # neighbouring segments a fund holds (the demo's funds own most companies)
    in_block: float = 0.85  # share of relationships that follow the block structure
    churn: float = 0.10  # share of earlier relationships that end before the later snapshot
    growth: float = 0.15  # new relationships in the later snapshot, as a share of the earlier count

    def scaled(self, factor: float) -> BlockModelShape:
        """The same shape with every count multiplied by ``factor`` (segments unchanged)."""
        def mul(n: int) -> int:
            return max(1, round(n * factor))

        return BlockModelShape(
            mul(self.companies), mul(self.funds), mul(self.directors), self.segments,
            mul(self.supplies), mul(self.owns), mul(self.sits_on), self.fund_segments, self.in_block, self.churn,
            self.growth,
        )


def _affinity(n_src: int, n_dst: int, k: int, src_block: int, likes: int, shift: int) -> torch.Tensor:
    """Pair weights ``[n_src, n_dst]``: 1 where the target's segment is one the source's block likes, else 0.

    Node ``i`` of a type is in block ``i % src_block`` (sources) or segment ``i % k`` (targets); block
    ``b`` likes the ``likes`` segments ``b + shift, b + shift + 1, ...`` (mod ``k``).
    """
    block = torch.arange(n_src) % src_block
    offset = (torch.arange(n_dst) % k).unsqueeze(0) - (block.unsqueeze(1) + shift)
    return (offset % k < likes).float()


def _draw(weight: torch.Tensor, expected: float, in_block: float, gen: torch.Generator) -> torch.Tensor:
    """Bernoulli edges ``[2, E]`` with about ``expected`` edges, a share ``in_block`` of them in liked blocks."""
    n_pairs = weight.numel()
    liked = max(float(weight.sum()), 1.0)
    p_in = min(0.95, expected * in_block / liked)
    p_out = min(0.95, expected * (1.0 - in_block) / max(n_pairs - liked, 1.0))
    prob = torch.where(weight > 0, p_in, p_out)
    return (torch.rand(prob.shape, generator=gen) < prob).nonzero().t().contiguous()


def block_model_snapshots(
    shape: BlockModelShape | None = None, seed: int = 0, shuffled: bool = False
) -> tuple[HeteroData, HeteroData]:
    """Two snapshots ``(earlier, later)`` of a synthetic company graph with the demo's shape.

    Parameters
    ----------
    shape
        Sizes and block-structure strengths; default :class:`BlockModelShape` (the demo shape).
    seed
        Everything is drawn from one ``torch.Generator`` seeded with it: same seed, same graphs.
    shuffled
        Draw every endpoint uniformly (no structure): link prediction must fail the gate on it.

    Returns
    -------
    tuple of HeteroData
        ``earlier`` and ``later``; node rows (and ``node_id``) are identical in both.
    """
    s = shape or BlockModelShape()
    gen = torch.Generator().manual_seed(seed)
    k = s.segments
    sizes = {"company": s.companies, "fund": s.funds, "director": s.directors}
    # (edge type, expected count, source blocks, liked segments per block, shift): segment s supplies
    # segment s + 1, a fund holds `fund_segments` neighbouring segments, a director sits on boards of one.
    plan = [(SUPPLIES, s.supplies, k, 1, 1), (OWNS, s.owns, k, s.fund_segments, 0), (SITS_ON, s.sits_on, k, 1, 0)]

    earlier, later = HeteroData(), HeteroData()
    company_segment = torch.arange(s.companies) % k
    features = {
        "company": torch.cat([torch.nn.functional.one_hot(company_segment, k).float(),
                              torch.randn(s.companies, 3, generator=gen)], 1),
        "fund": torch.cat([torch.nn.functional.one_hot(torch.arange(s.funds) % 3, 3).float(),
                           torch.randn(s.funds, 2, generator=gen)], 1),
        "director": torch.randn(s.directors, 2, generator=gen),
    }
    for graph in (earlier, later):
        for nt, n in sizes.items():
            graph[nt].x = features[nt].clone()
            graph[nt].node_id = [f"{nt[0].upper()}{i:05d}" for i in range(n)]
        graph["company"].present = torch.ones(s.companies, dtype=torch.bool)

    for edge_type, count, blocks, likes, shift in plan:
        n_src, n_dst = sizes[edge_type[0]], sizes[edge_type[2]]
        weight = _affinity(n_src, n_dst, k, blocks, likes, shift)
        in_block = s.in_block
        if shuffled:
            weight, in_block = torch.zeros_like(weight), 0.0  # one block: every pair equally likely
        allowed = torch.ones_like(weight)
        if edge_type[0] == edge_type[2]:
            allowed.fill_diagonal_(0.0)  # no self supply
        old = _draw(weight, count, in_block, gen)
        old = old[:, allowed[old[0], old[1]] > 0]
        kept = old[:, torch.rand(old.size(1), generator=gen) >= s.churn]
        allowed[old[0], old[1]] = 0.0  # new relationships are pairs not linked before
        new = _draw(weight, count * s.growth, in_block, gen)
        new = new[:, allowed[new[0], new[1]] > 0]
        earlier[edge_type].edge_index = old
        later[edge_type].edge_index = _sorted(torch.cat([kept, new], 1), n_dst)
    return earlier, later


def _sorted(edge_index: torch.Tensor, n_dst: int) -> torch.Tensor:
    """Edges in (source, target) order."""
    order = torch.argsort(edge_index[0] * n_dst + edge_index[1])
    return edge_index[:, order]
