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

Typical use (what :func:`nexus_graph.pipeline.train.train_model` does; dates and the store are the
caller's business)::

    from nexus_graph.model import checkpoint, splits, train

    train_graph, later = snapshot(asof - gap), snapshot(asof)
    split = splits.time_forward_split(train_graph, later, predict=None, seed=0)   # default split
    # or: train_graph = later; split = splits.random_link_split(later, val_ratio=0.1, seed=0)
    cfg = train.TrainConfig(seed=0)            # hidden 64, 4 heads, 2 layers, 300 epochs, min_auc 0.60
    result = train.train_link_predictor(train_graph, split, cfg, device="auto",   # or "cpu" / "cuda"
                                        on_eval=lambda p: bar.update(p.epoch, p.loss, p.val_auc))
    meta = checkpoint.training_metadata(result, train_graph, asof=asof, split="time", gap_months=3)
    version_dir = checkpoint.save_checkpoint(result, models_dir, meta)   # models/<version>/
    if result.passed:                          # the gate: val_auc >= cfg.min_auc
        checkpoint.promote(models_dir, version_dir.name)                 # models/hgt_link_pred.pt
    # the pipeline then records checkpoint.read_metadata(version_dir) as a (:ModelVersion) in the store
    # not passed: exit non-zero, nothing promoted

    net, meta = checkpoint.load_checkpoint(models_dir)            # the promoted model (or, version)
    z = train.embed(net, snapshot(month_end), device="cpu")       # {node type: [N, 64]}, eval mode

Walk-forward: ``walk_forward.walk_forward_periods(start, end, "QUARTERLY")`` lists the as-of dates
and ``walk_forward.train_walk_forward(periods, snapshot, config, gap_months)`` trains one model per period on
what was known at its start; ``walk_forward.model_for_date(periods, d)`` picks the model for date d.

Modes: full-batch (one forward over the whole graph per epoch, index structures precomputed once)
or mini-batch, chosen when the message graph has more than ``TrainConfig.minibatch_edges`` forward
edges or by ``minibatch=True``. In mini-batch mode an epoch is ``steps_per_epoch`` optimiser steps,
each on ``batch_size`` training positives with ``fanout`` sampled neighbours per hop and edge type;
validation always embeds the full graph (in chunks). ``TrainConfig.processes > 1`` trains the
mini-batch path over that many processes with DistributedDataParallel
(:mod:`nexus_graph.model.distributed`; local workers or torchrun). Determinism: the same seed and data give
identical weights on CPU (CUDA scatter-adds are not bit-reproducible). Threads: CPU work runs on
one torch thread unless ``TrainConfig.threads`` says otherwise (see ``trainer.threads_for``); the
caller's setting is restored afterwards.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.model.config import TrainConfig
from nexus_graph.model.distributed import train_distributed
from nexus_graph.model.hgt import HGTLinkPredictor, parameter_count
from nexus_graph.model.metrics import passes_gate
from nexus_graph.model.plan import build_plan
from nexus_graph.model.selection import HeldBackSelection
from nexus_graph.model.spec import ModelSpec
from nexus_graph.model.splits import LinkSplit
from nexus_graph.model.stacking import DECODERS, MIXES, SELECTIONS, PairOffsets
from nexus_graph.model.trainer import (
    EMBED_CHUNK_EDGES,
    Trainer,
    evaluate,
    features,
    intra_op_threads,
    model_spec,
    threads_for,
)
from nexus_graph.model.windows import OBJECTIVES, WindowTask

__all__ = ["CurvePoint", "TrainConfig", "TrainResult", "embed", "model_spec", "resolve_device",
           "train_link_predictor"]


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
    val_auc: float  # of the weights returned (the last evaluation's, or the held-back selection's)
    best_val_auc: float
    best_epoch: int
    val_auc_by_type: dict[str, float]
    first_loss: float
    params: int
    seconds: float
    device: str
    mode: str  # "full-batch" or "mini-batch"
    split_info: dict = field(default_factory=dict)
    decoder: dict = field(default_factory=lambda: {"kind": "bilinear"})  # the stacked offsets' provenance
    objective: dict = field(default_factory=lambda: {"kind": "reconstruct", "windows": []})

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


def train_link_predictor(
    data: HeteroData,
    split: LinkSplit,
    config: TrainConfig | None = None,
    device: str = "auto",
    on_eval: Callable[[CurvePoint], None] | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
    offsets: PairOffsets | None = None,
    tasks: list[WindowTask] | None = None,
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
        Called with ``(epoch, loss)`` after every epoch (costs one device sync per epoch); not called
        when ``config.processes > 1``.
    offsets
        With ``config.decoder == "stacked"`` (only then): the baseline's per-pair logits
        (:func:`~nexus_graph.model.stacking.pair_offsets`), added to the decoder's in training and
        validation; the HGT learns the residual. The model itself stays a plain
        :class:`~nexus_graph.model.hgt.HGTLinkPredictor`.
    tasks
        With ``config.objective`` ``"windows"`` or ``"both"`` (only then): the earlier time-forward
        windows (:func:`~nexus_graph.model.windows.window_tasks`) whose new links are supervised,
        each on its own start snapshot; ``"both"`` adds them to the reconstruction loss.

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
    if config.decoder not in DECODERS:
        raise NexusError(f"Unknown decoder {config.decoder!r}; expected one of {DECODERS}.")
    if config.objective not in OBJECTIVES:
        raise NexusError(f"Unknown objective {config.objective!r}; expected one of {OBJECTIVES}.")
    if config.mix not in MIXES:
        raise NexusError(f"Unknown mix {config.mix!r}; expected one of {MIXES}.")
    if config.select not in SELECTIONS:
        raise NexusError(f"Unknown select {config.select!r}; expected one of {SELECTIONS}.")
    if config.select == "held-back" and config.mix != "fitted":
        raise NexusError(f"select 'held-back' chooses the checkpoint on the window that mix 'fitted' holds back "
                         f"(got mix {config.mix!r}); add --mix fitted (with --decoder stacked --objective windows).")
    if config.select_min_z != 0 and config.select != "held-back":
        raise NexusError(f"select_min_z {config.select_min_z} guards the held-back selection (got select "
                         f"{config.select!r}); add --select held-back, or leave --select-min-z at 0.")
    if config.processes != 1:
        if offsets is not None or tasks:
            raise NexusError(f"Training over {config.processes} processes supports the bilinear decoder and the "
                             "reconstruct objective only; train with one process for the stacked decoder or the "
                             "windows objective.")
        return train_distributed(data, split, config, _loop, device, on_eval)
    dev = resolve_device(device)
    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        # the global RNG drives weight init and dropout; forking keeps the caller's RNG untouched
        torch.manual_seed(config.seed)
        return _run(data, split, config, dev, on_eval, on_epoch, offsets, tasks)


def _run(data: HeteroData, split: LinkSplit, config: TrainConfig, dev: torch.device,
         on_eval: Callable[[CurvePoint], None] | None, on_epoch: Callable[[int, float], None] | None,
         offsets: PairOffsets | None = None, tasks: list[WindowTask] | None = None) -> TrainResult:
    started = time.perf_counter()  # the timing includes building the index structures and the model
    trainer = Trainer(data, split, config, dev, offsets, tasks)
    with intra_op_threads(threads_for(config.threads)):
        return _loop(trainer, config, split, started, on_eval, on_epoch)


def _loop(trainer: Trainer, config: TrainConfig, split: LinkSplit, started: float,
          on_eval: Callable[[CurvePoint], None] | None, on_epoch: Callable[[int, float], None] | None
          ) -> TrainResult:
    dev = trainer.device
    curve: list[CurvePoint] = []
    best, best_epoch, by_type, first_loss = -math.inf, 0, {}, math.nan
    selection = HeldBackSelection(min_z=config.select_min_z) if config.select == "held-back" else None
    for epoch in range(1, config.epochs + 1):
        for _ in range(config.steps_per_epoch if trainer.minibatch else 1):
            loss = trainer.step()
        if epoch == 1:
            first_loss = float(loss)
        if on_epoch is not None:
            on_epoch(epoch, float(loss))
        if epoch % config.eval_every == 0 or epoch == config.epochs:
            auc, by_type = evaluate(trainer.model, trainer.embed_all(), split, trainer.offsets)
            point = CurvePoint(epoch, float(loss), auc)
            curve.append(point)
            if auc > best:
                best, best_epoch = auc, epoch
            if selection is not None:  # the held-back window alone decides; the validation AUC above does not
                selection.offer(epoch, trainer.model, trainer.held_back_mix())
            if on_eval is not None:
                on_eval(point)
    decoder = {"kind": "bilinear"} if trainer.offsets is None else dict(trainer.offsets.info, mix=config.mix)
    val_auc = curve[-1].val_auc
    if selection is not None:
        # the chosen point's weights and its residual weight, then the final validation with them
        decoder.update(trainer.fit_mix(selection.restore(trainer.model)), **selection.record())
        val_auc, by_type = evaluate(trainer.model, trainer.embed_all(), split, trainer.offsets)
    elif config.mix == "fitted":
        # the residual's weight from the held-back window, then the final validation with it
        decoder.update(trainer.fit_mix())
        auc, by_type = evaluate(trainer.model, trainer.embed_all(), split, trainer.offsets)
        curve[-1] = CurvePoint(curve[-1].epoch, curve[-1].loss, auc)
        val_auc = auc
    seconds = time.perf_counter() - started
    trainer.model.eval()
    return TrainResult(
        model=trainer.model, spec=trainer.spec, config=config, curve=curve, val_auc=val_auc,
        best_val_auc=best if best > -math.inf else math.nan, best_epoch=best_epoch, val_auc_by_type=by_type,
        first_loss=first_loss, params=parameter_count(trainer.model), seconds=seconds, device=str(dev),
        mode="mini-batch" if trainer.minibatch else "full-batch", split_info=dict(split.info),
        decoder=decoder,
        objective={"kind": config.objective,
                   "windows": [f"{a:%Y-%m-%d}..{b:%Y-%m-%d}" for a, b in trainer.task_windows]},
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
    x = features(data, spec, dev)
    edges = {tuple(et): data[et].edge_index for et in data.edge_types if tuple(et) in spec.edge_types}
    plan = build_plan(spec, {nt: int(data[nt].num_nodes) for nt in spec.node_types}, edges).to(dev)
    with intra_op_threads(threads_for(None)):
        z = model(x, plan, edge_chunk=edge_chunk)
    return {nt: t.float().cpu() for nt, t in z.items()}
