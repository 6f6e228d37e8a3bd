"""Training HGT link prediction on one snapshot, and embedding snapshots with a trained model.

How to call
-----------
Input contract (one snapshot, a ``torch_geometric.data.HeteroData``):

- node types: ``data.node_types`` (never assumed to be the demo's three);
- ``data[nt].x``: float32 ``[N_nt, F_nt]`` (widths may differ per type);
- ``data[nt].node_id``: list[str], row ``i`` is the same entity in every snapshot;
- ``data["company"].present`` (optional, any node type): bool ``[N]``, listed at the as-of date; only
  present nodes are drawn as negatives;
- FORWARD edge types only (``nexus_graph.schema`` PyG triplets), ``edge_index`` int64 ``[2, E]``; the
  model adds ``rev_<rel>`` types itself.

Typical use (the ``train`` CLI; dates are the caller's business)::

    from nexus_graph.model import splits, train, checkpoint, metrics
    split = splits.time_forward_split(graph_at(asof - gap), graph_at(asof))   # default split
    # or: split = splits.random_link_split(graph_at(asof), val_ratio=0.1)
    cfg = train.TrainConfig(seed=0)                       # hidden 64, 4 heads, 2 layers, 300 epochs ...
    result = train.train_link_predictor(graph_at(asof - gap), split, cfg, device="auto",
                                        on_eval=lambda p: print(p.epoch, p.loss, p.val_auc))
    if metrics.passes_gate(result.val_auc, cfg.min_auc):
        meta = checkpoint.training_metadata(result, graph_at(asof - gap), asof=asof)
        version_dir = checkpoint.save_checkpoint(result, models_dir, meta)
        checkpoint.promote(models_dir, version_dir.name)
    # else: exit non-zero, promote nothing

    z = train.embed(model, graph_at(month_end))           # {node type: [N, hidden]}, eval mode

Walk-forward: ``walk_forward_periods(start, end, "QUARTERLY")`` lists the period starts and
``train_walk_forward(periods, snapshot_at, gap, config)`` trains one model per period on what was
known at its start (see :mod:`nexus_graph.model.walk_forward`).

Modes: full-batch (one forward over the whole graph per epoch, index structures precomputed once)
or mini-batch, chosen when the message graph has more than ``TrainConfig.minibatch_edges`` forward
edges or by ``minibatch=True``. In mini-batch mode an epoch is ``steps_per_epoch`` optimiser steps,
each on ``batch_size`` training positives with ``fanout`` sampled neighbours per hop and edge type;
validation always embeds the full graph (in chunks). Determinism: the same seed and data give
identical weights on CPU (CUDA scatter-adds are not bit-reproducible).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.model.hgt import HGTLinkPredictor, parameter_count
from nexus_graph.model.metrics import DEFAULT_MIN_AUC, passes_gate, roc_auc, weighted_auc
from nexus_graph.model.minibatch import NeighbourIndex, neighbour_index, sample_subgraph
from nexus_graph.model.plan import MessagePlan, build_plan
from nexus_graph.model.sampling import NegativeStream
from nexus_graph.model.spec import EdgeType, ModelSpec
from nexus_graph.model.splits import LinkSplit

EMBED_CHUNK_EDGES = 1_000_000  # message edges per attention chunk at inference (bounds memory)
DENSE_DECODE_PAIRS = 2_000_000  # score all pairs with one matmul when N_src x N_dst is at most this


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters (defaults: the reference run) and the execution choices."""

    hidden: int = 64
    heads: int = 4
    layers: int = 2
    dropout: float = 0.2
    lr: float = 5e-3
    weight_decay: float = 1e-4
    epochs: int = 300
    eval_every: int = 20
    seed: int = 0
    min_auc: float = DEFAULT_MIN_AUC
    neg_ratio: float = 1.0  # training negatives per positive, drawn afresh every step
    minibatch: bool | None = None  # None: automatic by minibatch_edges
    minibatch_edges: int = 150_000  # forward message edges above which mini-batch is chosen
    batch_size: int = 2048  # training positives per mini-batch step
    fanout: tuple[int, ...] = (10, 5)  # neighbours per hop and edge type (one entry per layer)
    steps_per_epoch: int = 1
    threads: int | None = None  # torch intra-op threads; None: 1 on small (dense-kernel) graphs, else torch's

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CurvePoint:
    """One evaluation: epoch, that epoch's training loss (BCE) and the validation ROC-AUC."""

    epoch: int
    loss: float
    val_auc: float


@dataclass
class TrainResult:
    """A trained model and how it got there."""

    model: HGTLinkPredictor
    spec: ModelSpec
    config: TrainConfig
    curve: list[CurvePoint]
    val_auc: float  # at the last evaluation (the weights returned)
    best_val_auc: float
    best_epoch: int
    val_auc_by_type: dict[str, float]
    first_loss: float
    params: int
    seconds: float
    device: str
    mode: str  # "full-batch" or "mini-batch"
    split_info: dict = field(default_factory=dict)

    @property
    def final_loss(self) -> float:
        return self.curve[-1].loss if self.curve else math.nan

    @property
    def passed(self) -> bool:
        return passes_gate(self.val_auc, self.config.min_auc)


def resolve_device(device: str = "auto") -> torch.device:
    """``auto`` -> CUDA when available else CPU; ``cuda`` without a GPU is an error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise NexusError("--device cuda was asked for but torch sees no CUDA device; use --device cpu or auto.")
    if device not in ("cpu", "cuda"):
        raise NexusError(f"Unknown device {device!r}; expected auto, cpu or cuda.")
    return torch.device(device)


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


def _features(data: HeteroData, spec: ModelSpec, device: torch.device) -> dict[str, Tensor]:
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
def _evaluate(model: HGTLinkPredictor, z: dict[str, Tensor], split: LinkSplit) -> tuple[float, dict[str, float]]:
    """Weighted validation AUC and the AUC per predicted type."""
    by_type: dict[str, tuple[float, int]] = {}
    for et, pairs in split.val_edges.items():
        labels = split.val_labels[et]
        if pairs.size(1) == 0:
            continue
        score = model.score(z, et, pairs.to(z[et[0]].device)).float().cpu().numpy()
        by_type["__".join(et)] = (roc_auc(labels.numpy(), score), int((labels > 0.5).sum()))
    return weighted_auc(by_type), {k: v[0] for k, v in by_type.items()}


class _Trainer:
    """State of one training run; ``step`` is one optimiser step, ``embed_all`` the validation pass."""

    def __init__(self, data: HeteroData, split: LinkSplit, config: TrainConfig, device: torch.device) -> None:
        self.split, self.config, self.device = split, config, device
        self.spec = model_spec(data, split.predict, config)
        self.model = HGTLinkPredictor(self.spec).to(device)
        self.x = _features(data, self.spec, device)
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
        self.streams = {et: NegativeStream(split.pools[et[0]], split.pools[et[2]], sizes[et[2]], split.known[et],
                                           self.gen, no_loops=et[0] == et[2]) for et in split.predict}
        self.pos_keys = {et: (e[0] * sizes[et[2]] + e[1]).to(device) for et, e in split.train_edges.items()}
        self.n_pos = {et: int(k.numel()) for et, k in self.pos_keys.items()}
        self.n_neg = {et: round(config.neg_ratio * n) for et, n in self.n_pos.items()}
        self.labels = self._label_vector(list(self.n_neg.values()))
        self.dense_decode = all(sizes[et[0]] * sizes[et[2]] <= DENSE_DECODE_PAIRS for et in split.predict)
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
        loss = self._minibatch_loss() if self.minibatch else self._full_batch_loss()
        loss.backward()
        self.opt.step()
        return loss.detach()

    def _full_batch_loss(self) -> Tensor:
        """BCE over every training positive and as many fresh negatives, on the whole graph."""
        z = self.model(self.x, self.plan)
        logits = []
        for et, pos_keys in self.pos_keys.items():
            keys = torch.cat([pos_keys, self.streams[et].take(self.n_neg[et]).to(self.device)])
            if self.dense_decode:
                # logits of all pairs in one matmul, then a 1-D gather (the graph is small)
                logits.append(self.model.decoder.all_pairs(z, et).view(-1)[keys])
            else:
                n_dst = self.split.num_nodes[et[2]]
                logits.append(self.model.score(z, et, torch.stack([keys // n_dst, keys % n_dst])))
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
        z, remap = self._sampled_embeddings(pairs)
        logits, labels = [], []
        for et, (pos, neg) in pairs.items():
            both = torch.cat([pos, neg], 1)
            both = torch.stack([remap[et[0]][both[0]], remap[et[2]][both[1]]])
            logits.append(self.model.score(z, et, both))
            labels.append(torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))]))
        return F.binary_cross_entropy_with_logits(torch.cat(logits), torch.cat(labels).to(self.device))

    def _sampled_embeddings(self, pairs: dict[EdgeType, tuple[Tensor, Tensor]]
                            ) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """Embeddings of a sampled neighbourhood around every endpoint of the batch (positives and negatives)."""
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
        return self.model(x, plan), {nt: m.to(self.device) for nt, m in sub.local.items()}

    @torch.no_grad()
    def embed_all(self) -> dict[str, Tensor]:
        self.model.eval()
        chunk = EMBED_CHUNK_EDGES if self.minibatch else None
        return self.model(self.x, self.plan, edge_chunk=chunk)


def train_link_predictor(
    data: HeteroData,
    split: LinkSplit,
    config: TrainConfig | None = None,
    device: str = "auto",
    on_eval: Callable[[CurvePoint], None] | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train HGT link prediction on ``data`` with ``split``'s edges; validate every ``eval_every`` epochs.

    Parameters
    ----------
    data
        The training snapshot (input contract in the module docstring): node features come from it.
    split
        From :func:`~nexus_graph.model.splits.time_forward_split` or
        :func:`~nexus_graph.model.splits.random_link_split` on ``data`` (same node rows).
    config
        Hyperparameters and execution choices; default :class:`TrainConfig`.
    device
        ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda"``.
    on_eval
        Called with each :class:`CurvePoint` (progress bars, logs).
    on_epoch
        Called with ``(epoch, loss)`` after every epoch (costs one device sync per epoch).

    Returns
    -------
    TrainResult
        The final model (eval mode), the curve, final and best validation AUC and timings. The gate is
        ``result.passed`` (``val_auc >= config.min_auc``).
    """
    config = config or TrainConfig()
    if split.num_nodes != {nt: int(data[nt].num_nodes) for nt in data.node_types}:
        raise NexusError(f"The split was made on a graph with {split.num_nodes} nodes but the training snapshot "
                         "has different node counts; make the split from the same snapshot.")
    if config.epochs < 1 or config.eval_every < 1:
        raise NexusError(f"epochs and eval_every must be >= 1 (got {config.epochs}, {config.eval_every}).")
    dev = resolve_device(device)
    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        # the global RNG drives weight init and dropout; forking keeps the caller's RNG untouched
        torch.manual_seed(config.seed)
        return _run(data, split, config, dev, on_eval, on_epoch)


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


def _threads_for(plan: MessagePlan, requested: int | None) -> int | None:
    """The thread count to use: as requested, else 1 for a small graph.

    A demo-sized graph's kernels take microseconds; splitting them over threads costs more in
    synchronisation than it saves, and on a shared, busy machine an OpenMP team waiting for a
    descheduled thread made steps 10-100x slower (measured). Big graphs keep torch's setting.
    """
    return requested if requested else (1 if plan.dense is not None else None)


def _run(data: HeteroData, split: LinkSplit, config: TrainConfig, dev: torch.device,
         on_eval: Callable[[CurvePoint], None] | None, on_epoch: Callable[[int, float], None] | None
         ) -> TrainResult:
    started = time.perf_counter()  # the timing includes building the index structures and the model
    trainer = _Trainer(data, split, config, dev)
    with intra_op_threads(_threads_for(trainer.plan, config.threads)):
        return _loop(trainer, config, split, started, on_eval, on_epoch)


def _loop(trainer: _Trainer, config: TrainConfig, split: LinkSplit, started: float,
          on_eval: Callable[[CurvePoint], None] | None, on_epoch: Callable[[int, float], None] | None
          ) -> TrainResult:
    dev = trainer.device
    curve: list[CurvePoint] = []
    best, best_epoch, by_type, first_loss = -math.inf, 0, {}, math.nan
    for epoch in range(1, config.epochs + 1):
        for _ in range(config.steps_per_epoch if trainer.minibatch else 1):
            loss = trainer.step()
        if epoch == 1:
            first_loss = float(loss)
        if on_epoch is not None:
            on_epoch(epoch, float(loss))
        if epoch % config.eval_every == 0 or epoch == config.epochs:
            auc, by_type = _evaluate(trainer.model, trainer.embed_all(), split)
            point = CurvePoint(epoch, float(loss), auc)
            curve.append(point)
            if auc > best:
                best, best_epoch = auc, epoch
            if on_eval is not None:
                on_eval(point)
    seconds = time.perf_counter() - started
    trainer.model.eval()
    return TrainResult(
        model=trainer.model, spec=trainer.spec, config=config, curve=curve, val_auc=curve[-1].val_auc,
        best_val_auc=best if best > -math.inf else math.nan, best_epoch=best_epoch, val_auc_by_type=by_type,
        first_loss=first_loss, params=parameter_count(trainer.model), seconds=seconds, device=str(dev),
        mode="mini-batch" if trainer.minibatch else "full-batch", split_info=dict(split.info),
    )


@torch.no_grad()
def embed(model: HGTLinkPredictor, data: HeteroData, device: str = "auto",
          edge_chunk: int | None = EMBED_CHUNK_EDGES) -> dict[str, Tensor]:
    """Embeddings of every node of a snapshot, in eval mode (no dropout), on CPU.

    Parameters
    ----------
    model
        A trained model (e.g. from :func:`~nexus_graph.model.checkpoint.load_checkpoint`).
    data
        One snapshot with the training snapshot's node types and feature widths; edge types the model
        knows are used (a type absent from this month simply sends no messages).
    edge_chunk
        Attention runs over at most about this many message edges at a time (memory bound for big graphs);
        the result does not depend on it.

    Returns
    -------
    dict of str to Tensor
        Node type -> float32 ``[N_nt, hidden]``, row ``i`` = ``data[nt].node_id[i]``.
    """
    dev = resolve_device(device)
    spec = model.spec
    model = model.to(dev).eval()
    x = _features(data, spec, dev)
    edges = {tuple(et): data[et].edge_index for et in data.edge_types if tuple(et) in spec.edge_types}
    plan = build_plan(spec, {nt: int(data[nt].num_nodes) for nt in spec.node_types}, edges).to(dev)
    with intra_op_threads(_threads_for(plan, None)):
        z = model(x, plan, edge_chunk=edge_chunk)
    return {nt: t.float().cpu() for nt, t in z.items()}
