"""Deterministic negative sampling and neighbour sampling, on CPU tensors with a ``torch.Generator``.

Pairs are handled as int64 keys ``src * n_dst + dst`` so that membership tests against the known
edges are one ``searchsorted`` over a sorted key array: no Python sets, no per-epoch rebuilding.
"""

from __future__ import annotations

import torch
from torch import Tensor


def edge_keys(edge_index: Tensor, n_dst: int) -> Tensor:
    """Sorted distinct int64 keys ``src * n_dst + dst`` of an ``edge_index`` ``[2, E]``."""
    return torch.unique(edge_index[0].long() * n_dst + edge_index[1].long())


def unique_edges(edge_index: Tensor, n_dst: int) -> Tensor:
    """The distinct edges of ``edge_index``, sorted by (source, target)."""
    keys = edge_keys(edge_index, n_dst)
    return torch.stack([keys // n_dst, keys % n_dst])


def contains(sorted_keys: Tensor, keys: Tensor) -> Tensor:
    """Bool mask: which ``keys`` are in ``sorted_keys`` (ascending)."""
    if sorted_keys.numel() == 0:
        return torch.zeros(keys.shape, dtype=torch.bool, device=keys.device)
    pos = torch.searchsorted(sorted_keys, keys).clamp_(max=sorted_keys.numel() - 1)
    return sorted_keys[pos] == keys


def sample_negatives(
    n: int,
    src_pool: Tensor,
    dst_pool: Tensor,
    n_dst: int,
    known: Tensor,
    gen: torch.Generator,
    no_loops: bool = False,
    exclude: Tensor | None = None,
) -> Tensor:
    """``n`` distinct pairs ``[2, <=n]`` drawn uniformly from ``src_pool x dst_pool`` that are not known.

    Parameters
    ----------
    src_pool, dst_pool
        Node rows allowed as source / target (e.g. companies present at the as-of date).
    known
        Sorted keys (see :func:`edge_keys`) of pairs that must not be drawn.
    exclude
        Optional further sorted keys to avoid (e.g. validation positives that must not become negatives).
    no_loops
        Reject ``src == dst`` (same-type relations that forbid self loops).

    Fewer than ``n`` pairs come back only when the pools are nearly saturated with known pairs.
    """
    picked = torch.zeros(0, dtype=torch.long)
    for _ in range(8):
        need = n - picked.numel()
        if need <= 0 or src_pool.numel() == 0 or dst_pool.numel() == 0:
            break
        draw = int(need * 1.25) + 16
        src = src_pool[torch.randint(0, src_pool.numel(), (draw,), generator=gen)]
        dst = dst_pool[torch.randint(0, dst_pool.numel(), (draw,), generator=gen)]
        keys = src * n_dst + dst
        keep = ~contains(known, keys)
        if exclude is not None:
            keep &= ~contains(exclude, keys)
        if no_loops:
            keep &= src != dst
        keys = torch.cat([picked, keys[keep]])
        # distinct, in first-drawn order (stable, so the result depends only on the generator)
        uniq, inverse = torch.unique(keys, return_inverse=True)
        first = torch.full((uniq.numel(),), keys.numel(), dtype=torch.long).scatter_reduce(
            0, inverse, torch.arange(keys.numel()), "amin")
        picked = keys[torch.sort(first).values][:n]
    return torch.stack([picked // n_dst, picked % n_dst])


class NegativeStream:
    """Training negatives of one relation: uniform non-edge keys, drawn in blocks, served ``n`` at a time.

    One ``randint`` per block of many epochs instead of a handful of small ops every epoch; the keys
    served depend only on the generator, so a seeded run is reproducible. Known edges and (where
    ``no_loops``) self pairs are rejected; duplicates across epochs are allowed (fresh draws).
    """

    def __init__(self, src_pool: Tensor, dst_pool: Tensor, n_dst: int, known: Tensor, gen: torch.Generator,
                 no_loops: bool = False, block: int = 65_536) -> None:
        self.src_pool, self.dst_pool, self.n_dst = src_pool, dst_pool, n_dst
        self.known, self.gen, self.no_loops, self.block = known, gen, no_loops, block
        self.buffer = torch.zeros(0, dtype=torch.long)

    def _refill(self, need: int) -> None:
        draw = max(self.block, 2 * need)
        src = self.src_pool[torch.randint(0, self.src_pool.numel(), (draw,), generator=self.gen)]
        dst = self.dst_pool[torch.randint(0, self.dst_pool.numel(), (draw,), generator=self.gen)]
        keys = src * self.n_dst + dst
        keep = ~contains(self.known, keys)
        if self.no_loops:
            keep &= src != dst
        self.buffer = torch.cat([self.buffer, keys[keep]])

    def take(self, n: int) -> Tensor:
        """The next ``n`` keys (fewer only when nearly every pair of the pools is a known edge)."""
        for _ in range(4):
            if self.buffer.numel() >= n or self.src_pool.numel() == 0 or self.dst_pool.numel() == 0:
                break
            self._refill(n)
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out
