"""The optimisation state of one training run: model, index structures, negatives, one step.

:func:`nexus_graph.model.train.train_link_predictor` drives a :class:`Trainer`; nothing here is
public API beyond what ``train`` re-exports (:func:`model_spec`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.model.config import TrainConfig
from nexus_graph.model.hgt import HGTLinkPredictor
from nexus_graph.model.metrics import roc_auc, weighted_auc
from nexus_graph.model.minibatch import BatchScorer, NeighbourIndex, neighbour_index, sample_subgraph
from nexus_graph.model.plan import MessagePlan, build_plan
from nexus_graph.model.sampling import NegativeStream
from nexus_graph.model.spec import EdgeType, ModelSpec
from nexus_graph.model.splits import LinkSplit
from nexus_graph.model.stacking import PairOffsets, ResidualMix, residual_mix
from nexus_graph.model.windows import WindowTask

EMBED_CHUNK_EDGES = 1_000_000  # message edges per attention chunk at inference (bounds memory)
DENSE_DECODE_PAIRS = 2_000_000  # score all pairs with one matmul when N_src x N_dst is at most this


def model_spec(data: HeteroData, predict: list[EdgeType], config: TrainConfig) -> ModelSpec:
    """The :class:`ModelSpec` of a snapshot: its node types and widths, its forward edge types."""
    missing = [nt for nt in data.node_types if "x" not in data[nt]]
    if missing:
        raise NexusError(f"Node type(s) {missing} have no features 'x'; the snapshot exporter must set x "
                         "for every node type (a constant column is fine).")
    return ModelSpec(
        node_dims={nt: int(data[nt].x.size(1)) for nt in data.node_types},
        edge_types=[tuple(et) for et in data.edge_types],  # type: ignore[misc]
        predict=list(predict), hidden=config.hidden, heads=config.heads, layers=config.layers,
        dropout=config.dropout,
    )


def features(data: HeteroData, spec: ModelSpec, device: torch.device) -> dict[str, Tensor]:
    """``x`` per node type, float32 on ``device``, checked against the spec's widths."""
    out = {}
    for nt, dim in spec.node_dims.items():
        if nt not in data.node_types:
            raise NexusError(f"The snapshot has no node type {nt!r}; the model was trained on {spec.node_types}.")
        x = data[nt].x
        if x.dim() != 2 or x.size(1) != dim:
            raise NexusError(f"Features of {nt!r} have shape {tuple(x.shape)}; the model expects [N, {dim}]. "
                             "Export the snapshot with the same feature set as the training snapshot.")
        out[nt] = x.to(device=device, dtype=torch.float32)
    return out


@torch.no_grad()
def evaluate(model: HGTLinkPredictor, z: dict[str, Tensor], split: LinkSplit, offsets: PairOffsets | None = None
             ) -> tuple[float, dict[str, float]]:
    """Weighted validation AUC and the AUC per predicted type (with the stacked offsets when given)."""
    by_type: dict[str, tuple[float, int]] = {}
    for et, pairs in split.val_edges.items():
        labels = split.val_labels[et]
        if pairs.size(1) == 0:
            continue
        pairs = pairs.to(z[et[0]].device)
        score = model.score(z, et, pairs)
        if offsets is not None:
            score = offsets.residual_weight * score + offsets.lookup(et, pairs, training=False)
        score = score.float().cpu().numpy()
        by_type["__".join(et)] = (roc_auc(labels.numpy(), score), int((labels > 0.5).sum()))
    return weighted_auc(by_type), {k: v[0] for k, v in by_type.items()}


class _Window(NamedTuple):
    """One earlier window on the device: features, message plan, (type, pairs, labels, offsets or None)."""

    x: dict[str, Tensor]
    plan: MessagePlan
    rows: list[tuple[EdgeType, Tensor, Tensor, Tensor | None]]


class Trainer:
    """State of one training run; ``step`` is one optimiser step, ``embed_all`` the validation pass."""

    def __init__(self, data: HeteroData, split: LinkSplit, config: TrainConfig, device: torch.device,
                 offsets: PairOffsets | None = None, tasks: list[WindowTask] | None = None) -> None:
        self.split, self.config, self.device = split, config, device
        if (offsets is None) != (config.decoder != "stacked"):
            raise NexusError(f"decoder {config.decoder!r} was asked for with{'out' if offsets is None else ''} pair "
                             "offsets; the stacked decoder needs stacking.pair_offsets(...), the others none.")
        self.offsets = offsets.to(device) if offsets is not None else None
        if (config.objective == "reconstruct") != (not tasks):
            raise NexusError(f"objective {config.objective!r} was asked for with {len(tasks or [])} window task(s); "
                             "'windows' and 'both' need windows.window_tasks(...), 'reconstruct' none.")
        self.spec = model_spec(data, split.predict, config)
        self.model = HGTLinkPredictor(self.spec).to(device)
        # a mini-batch step's whole forward (encode, then score the batch's pairs) as one module call,
        # which DistributedDataParallel can wrap (see nexus_graph.model.distributed)
        self.scorer: torch.nn.Module = BatchScorer(self.model)
        self.x = features(data, self.spec, device)
        self.gen = torch.Generator().manual_seed(config.seed)
        n_edges = sum(int(e.size(1)) for e in split.message_edges.values())
        self.minibatch = config.minibatch if config.minibatch is not None else n_edges > config.minibatch_edges
        self.plan: MessagePlan = build_plan(self.spec, split.num_nodes, split.message_edges).to(device)
        self.neighbours: NeighbourIndex | None = None
        if self.minibatch:
            if len(config.fanout) != config.layers:
                raise NexusError(f"fanout {config.fanout} must have one entry per layer ({config.layers}).")
            self.neighbours = neighbour_index(self.spec, split.num_nodes, split.message_edges)
        self.train_pos = {et: e.to(device) for et, e in split.train_edges.items()}
        sizes = split.num_nodes
        self.streams = {et: NegativeStream(*split.neg_pools[et], sizes[et[2]], split.known[et], self.gen,
                                           no_loops=et[0] == et[2]) for et in split.predict}
        self.pos_keys = {et: (e[0] * sizes[et[2]] + e[1]).to(device) for et, e in split.train_edges.items()}
        self.n_pos = {et: int(k.numel()) for et, k in self.pos_keys.items()}
        self.n_neg = {et: round(config.neg_ratio * n) for et, n in self.n_pos.items()}
        self.labels = self._label_vector(list(self.n_neg.values()))
        self.dense_decode = all(sizes[et[0]] * sizes[et[2]] <= DENSE_DECODE_PAIRS for et in split.predict)
        tasks = list(tasks or [])
        self.inner: _Window | None = None
        self.inner_window: tuple | None = None
        if config.mix == "fitted":
            if config.decoder != "stacked" or config.objective != "windows" or len(tasks) < 2:
                raise NexusError(f"mix 'fitted' needs the stacked decoder, the 'windows' objective and two windows or "
                                 f"more (got {config.decoder!r}, {config.objective!r}, {len(tasks)}): the most recent "
                                 "window is left out of training to fit the residual's weight on.")
            self.inner_window = (tasks[0].start, tasks[0].end)
            self.inner, tasks = self._prepare(tasks[0]), tasks[1:]
        self.task_windows = [(task.start, task.end) for task in tasks]
        self.tasks = [self._prepare(task) for task in tasks]
        # fused Adam: one kernel for all parameters instead of ~10 small ops per parameter tensor
        self.opt = torch.optim.Adam(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True)

    def _negatives(self, et: EdgeType, n: int) -> Tensor:
        """``[2, n]`` training negatives of ``et`` on the device."""
        keys = self.streams[et].take(n)
        n_dst = self.split.num_nodes[et[2]]
        return torch.stack([keys // n_dst, keys % n_dst]).to(self.device)

    def _batch_positives(self) -> dict[EdgeType, Tensor]:
        """``batch_size`` training positives spread over the predicted types by their sizes."""
        total = sum(int(e.size(1)) for e in self.train_pos.values())
        out = {}
        for et, pos in self.train_pos.items():
            take = min(pos.size(1), max(1, round(self.config.batch_size * pos.size(1) / max(total, 1))))
            pick = torch.randperm(pos.size(1), generator=self.gen)[:take].to(self.device)
            out[et] = pos[:, pick]
        return out

    def step(self) -> Tensor:
        """One optimiser step; returns the (detached) BCE loss."""
        self.model.train()
        self.opt.zero_grad(set_to_none=True)
        loss = torch.zeros((), device=self.device)
        if self.config.objective in ("reconstruct", "both"):
            loss = self._minibatch_loss() if self.minibatch else self._full_batch_loss()
        if self.tasks:
            loss = loss + self._window_loss()
        loss.backward()
        self.opt.step()
        return loss.detach()

    def _prepare(self, task: WindowTask) -> _Window:
        """A window's features, message plan and labelled pairs (with their offsets) on the device."""
        num = {nt: int(task.graph[nt].num_nodes) for nt in self.spec.node_types}
        edges = {tuple(et): task.graph[et].edge_index for et in task.graph.edge_types
                 if tuple(et) in self.spec.edge_types}
        rows = []
        for et, pairs in task.pairs.items():
            if pairs.size(1) == 0 or et not in self.spec.predict:
                continue
            offset = task.offsets[et].to(self.device) if self.offsets is not None else None
            rows.append((et, pairs.to(self.device), task.labels[et].to(self.device), offset))
        return _Window(features(task.graph, self.spec, self.device), build_plan(self.spec, num, edges).to(self.device),
                       rows)

    def _window_loss(self) -> Tensor:
        """BCE over the earlier windows' labelled pairs, each window embedded on its own start graph."""
        logits, labels = [], []
        for window in self.tasks:
            z = self.model(window.x, window.plan)
            for et, pairs, y, offset in window.rows:
                logit = self.model.score(z, et, pairs)
                logits.append(logit if offset is None else logit + offset)
                labels.append(y)
        return F.binary_cross_entropy_with_logits(torch.cat(logits), torch.cat(labels))

    @torch.no_grad()
    def held_back_mix(self) -> ResidualMix:
        """The residual's weight fitted on the held-back most recent window, and its log-loss there.

        Reads only that window (labels known at the cut, left out of training); changes nothing.
        """
        assert self.inner is not None
        self.model.eval()
        z = self.model(self.inner.x, self.inner.plan)
        offset, residual, labels = [], [], []
        for et, pairs, y, off in self.inner.rows:
            residual.append(self.model.score(z, et, pairs).float().cpu())
            offset.append(off.float().cpu())
            labels.append(y.float().cpu())
        return residual_mix(torch.cat(offset).numpy(), torch.cat(residual).numpy(), torch.cat(labels).numpy())

    def fit_mix(self, mix: ResidualMix | None = None) -> dict:
        """Set the residual's weight (``mix``, default: fitted now on the held-back window); its record."""
        assert self.offsets is not None and self.inner_window is not None
        mix = mix if mix is not None else self.held_back_mix()
        self.offsets.residual_weight = mix.weight
        start, end = self.inner_window
        return {"residual_weight": round(mix.weight, 6), "mix_intercept": round(mix.intercept, 6),
                "mix_window": f"{start:%Y-%m-%d}..{end:%Y-%m-%d}", "mix_pairs": mix.pairs,
                "mix_log_loss": round(mix.log_loss, 6)}

    def _full_batch_loss(self) -> Tensor:
        """BCE over every training positive and as many fresh negatives, on the whole graph."""
        z = self.model(self.x, self.plan)
        logits = []
        for et, pos_keys in self.pos_keys.items():
            keys = torch.cat([pos_keys, self.streams[et].take(self.n_neg[et]).to(self.device)])
            if self.dense_decode:
                # logits of all pairs in one matmul, then a 1-D gather (the graph is small)
                logit = self.model.decoder.all_pairs(z, et).view(-1)[keys]
            else:
                n_dst = self.split.num_nodes[et[2]]
                logit = self.model.score(z, et, torch.stack([keys // n_dst, keys % n_dst]))
            if self.offsets is not None:
                logit = logit + self.offsets.lookup_keys(et, keys, training=True)
            logits.append(logit)
        logit = torch.cat(logits)
        if self.labels.numel() != logit.numel():  # a saturated relation yielded fewer negatives
            self.labels = self._label_vector([int(k.numel()) - self.n_pos[et] for et, k in
                                              zip(self.pos_keys, logits, strict=True)])
        return F.binary_cross_entropy_with_logits(logit, self.labels)

    def _label_vector(self, n_neg: list[int]) -> Tensor:
        parts = []
        for et, neg in zip(self.pos_keys, n_neg, strict=True):
            parts += [torch.ones(self.n_pos[et]), torch.zeros(neg)]
        return torch.cat(parts).to(self.device)

    def _minibatch_loss(self) -> Tensor:
        """BCE over ``batch_size`` positives and their negatives, on a sampled neighbourhood."""
        positives = self._batch_positives()
        pairs = {et: (pos, self._negatives(et, round(self.config.neg_ratio * pos.size(1))))
                 for et, pos in positives.items()}
        x, plan, remap = self._sampled_inputs(pairs)
        batch, labels, offsets = {}, [], []
        for et, (pos, neg) in pairs.items():
            both = torch.cat([pos, neg], 1)
            batch[et] = torch.stack([remap[et[0]][both[0]], remap[et[2]][both[1]]])
            if self.offsets is not None:  # offsets are indexed by global rows
                offsets.append(self.offsets.lookup(et, both, training=True))
            labels.append(torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))]))
        logit = self.scorer(x, plan, batch)  # concatenated in the order of ``batch``, as the offsets
        if offsets:
            logit = logit + torch.cat(offsets)
        return F.binary_cross_entropy_with_logits(logit, torch.cat(labels).to(self.device))

    def _sampled_inputs(self, pairs: dict[EdgeType, tuple[Tensor, Tensor]]
                        ) -> tuple[dict[str, Tensor], MessagePlan, dict[str, Tensor]]:
        """Features and message plan of a sampled neighbourhood around every endpoint of the batch
        (positives and negatives), and each node type's global row -> local row map."""
        assert self.neighbours is not None
        seeds: dict[str, list[Tensor]] = {}
        for et, (pos, neg) in pairs.items():
            seeds.setdefault(et[0], []).extend([pos[0].cpu(), neg[0].cpu()])
            seeds.setdefault(et[2], []).extend([pos[1].cpu(), neg[1].cpu()])
        sub = sample_subgraph(self.neighbours, {nt: torch.cat(p) for nt, p in seeds.items()},
                              self.config.fanout, self.gen)
        num = {nt: int(rows.numel()) for nt, rows in sub.nodes.items()}
        plan = build_plan(self.spec, num, sub.edges, add_reverses=False).to(self.device)
        x = {nt: self.x[nt][rows.to(self.device)] for nt, rows in sub.nodes.items()}
        return x, plan, {nt: m.to(self.device) for nt, m in sub.local.items()}

    @torch.no_grad()
    def embed_all(self) -> dict[str, Tensor]:
        self.model.eval()
        chunk = EMBED_CHUNK_EDGES if self.minibatch else None
        return self.model(self.x, self.plan, edge_chunk=chunk)


@contextmanager
def intra_op_threads(n: int | None) -> Iterator[None]:
    """Run with ``n`` torch intra-op threads (None: unchanged), restoring the setting afterwards."""
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def threads_for(requested: int | None) -> int:
    """The torch intra-op thread count for CPU work: ``requested``, else 1.

    Measured on the project's shared 2-core machine under its usual load, a team of 2 OpenMP threads
    waiting for a descheduled peer made training 10-100x SLOWER: a demo-sized step 100+ ms instead of
    6 ms, a mini-batch step of the 400k-edge graph 5.5 s instead of 0.75 s. A fixed count also keeps
    CPU results bit-identical whatever the machine's load. On a dedicated many-core machine pass a
    larger ``TrainConfig.threads`` for big graphs.
    """
    return requested if requested else 1
