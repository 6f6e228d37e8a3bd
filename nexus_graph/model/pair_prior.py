"""EXPERIMENTAL: an HGT whose decoder also sees pair heuristics (measured in benchmarks/ablation.py).

A bilinear decoder over node embeddings cannot tell whether ``u`` and ``v`` themselves were linked
before or share neighbours (a node-wise GNN cannot count a pair's common neighbours). This variant
adds a learned linear term over the baseline's pair heuristics
(:class:`~nexus_graph.model.baselines.HeuristicGraph`, at the training cut) to the bilinear logit::

    logit(u, v; r) = <W_r z_u, z_v> + b_r + w_r . h(u, v)

``w_r`` starts at zero, so training starts from the plain HGT. The embeddings the factor uses are the
encoder's, unchanged in kind. Not wired into ``train``: the trainer builds
:class:`~nexus_graph.model.hgt.HGTLinkPredictor` itself, and the heuristics must be recomputed for the
date being scored; see the model helper's report for the wiring this would need.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from nexus_graph.model.baselines import FEATURES, HeuristicGraph, regression_inputs
from nexus_graph.model.hgt import HGTLinkPredictor, LinkDecoder
from nexus_graph.model.spec import EdgeType, ModelSpec

DENSE_PAIRS = 2_000_000  # precompute every pair's features when N_src x N_dst is at most this


class PairFeatures:
    """Pair heuristics (``log1p`` of counts, then standardised on all pairs) per predicted type."""

    def __init__(self, graph: HeuristicGraph, predict: list[EdgeType], columns: tuple[str, ...] = FEATURES) -> None:
        self.graph, self.columns = graph, [FEATURES.index(c) for c in columns]
        self.dense: dict[EdgeType, Tensor] = {}
        self.moments: dict[EdgeType, tuple[np.ndarray, np.ndarray]] = {}
        for et in predict:
            ns, nd = graph.sizes[et[0]], graph.sizes[et[2]]
            if ns * nd > DENSE_PAIRS:
                raise NotImplementedError(f"{et}: {ns} x {nd} pairs; only small graphs are supported so far.")
            grid = np.stack(np.meshgrid(np.arange(ns), np.arange(nd), indexing="ij")).reshape(2, -1)
            raw = regression_inputs(graph.features(et, grid))[:, self.columns]
            mean, std = raw.mean(0), raw.std(0)
            std = np.where(std > 0, std, 1.0)
            self.dense[et] = torch.as_tensor((raw - mean) / std, dtype=torch.float32).view(ns, nd, -1)

    @property
    def width(self) -> int:
        return len(self.columns)

    def lookup(self, et: EdgeType, pairs: Tensor) -> Tensor:
        """``[n, width]`` features of ``pairs`` ``[2, n]``, on ``pairs``' device."""
        table = self.dense[et].to(pairs.device)
        return table[pairs[0], pairs[1]]


class PairPriorDecoder(LinkDecoder):
    """:class:`LinkDecoder` plus ``w_r . h(u, v)`` per predicted type (``w_r`` zero-initialised)."""

    def __init__(self, predict: list[EdgeType], hidden: int, features: PairFeatures) -> None:
        super().__init__(predict, hidden)
        self.features = features
        self.pair = torch.nn.ModuleDict({key: torch.nn.Linear(features.width, 1, bias=False)
                                         for key in self.keys.values()})
        for lin in self.pair.values():
            torch.nn.init.zeros_(lin.weight)

    def forward(self, z: dict[str, Tensor], edge_type: EdgeType, pairs: Tensor) -> Tensor:
        prior = self.pair[self.keys[edge_type]](self.features.lookup(edge_type, pairs)).squeeze(-1)
        return super().forward(z, edge_type, pairs) + prior

    def all_pairs(self, z: dict[str, Tensor], edge_type: EdgeType) -> Tensor:
        dense = self.features.dense[edge_type].to(z[edge_type[0]].device)
        return super().all_pairs(z, edge_type) + self.pair[self.keys[edge_type]](dense).squeeze(-1)


class PairPriorPredictor(HGTLinkPredictor):
    """:class:`HGTLinkPredictor` with a :class:`PairPriorDecoder` (same encoder)."""

    def __init__(self, spec: ModelSpec, features: PairFeatures) -> None:
        super().__init__(spec)
        self.decoder = PairPriorDecoder(spec.predict, spec.hidden, features)
