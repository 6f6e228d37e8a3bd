"""Step ``train``: HGT link prediction on the graph known at an as-of date, gated, saved and recorded.

Every AUC has a baseline beside it: the logistic combination of classic link heuristics
(:mod:`nexus_graph.model.baselines`) scored on the same validation pairs. The gate promotes a model
only when its AUC reaches ``min_auc`` and the baseline's AUC less ``baseline_margin``; a model that
trails the baseline is promoted only with ``allow_below_baseline`` (``--allow-below-baseline``), and
its summary says by how much it trails.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.model import checkpoint, metrics, splits, train
from nexus_graph.model.baselines import BaselineResult, baseline_auc
from nexus_graph.model.combined import combine_with_baseline
from nexus_graph.model.config import TrainConfig
from nexus_graph.model.walk_forward import DEFAULT_GAP_MONTHS, train_date, walk_forward_periods
from nexus_graph.model.windows import training_inputs
from nexus_graph.pipeline.snapshots import read_graph_tables
from nexus_graph.snapshot.hetero import build_snapshot
from nexus_graph.snapshot.tables import GraphTables
from nexus_graph.store.models import record_model_version
from nexus_graph.store.protocol import Store


def adds_nothing(decoder: dict) -> bool:
    """True when the score is the baseline's alone: a stacked decoder whose fitted residual weight is 0, or a
    combined one whose HGT input got a weight of 0 or below (the heuristics leave the HGT nothing to add)."""
    if decoder.get("kind") == "combined":
        return not decoder.get("hgt_weight", 0.0) > 0.0
    return decoder.get("kind") == "stacked" and decoder.get("residual_weight") == 0.0


@dataclass
class TrainOutcome:
    """A trained model, its gate verdict and where it was saved."""

    version: str
    passed: bool
    promoted: bool
    val_auc: float
    metadata: dict[str, Any]
    version_dir: Path | None
    result: Any = field(repr=False, default=None)
    baseline: BaselineResult | None = None
    below_baseline: bool = False  # the model trails the baseline by more than the margin

    def baseline_note(self) -> str | None:
        """One sentence when the model trails the baseline (and whether it was promoted anyway)."""
        if self.baseline is None or not self.below_baseline:
            return None
        gap = self.baseline.auc - self.val_auc
        then = "promoted anyway (--allow-below-baseline)" if self.promoted else "not promoted"
        if self.result is not None and self.result.decoder.get("kind") == "combined" and adds_nothing(
                self.result.decoder):
            return (f"The HGT adds nothing to the heuristic baseline: its logit's fitted weight in the combination is "
                    f"{self.result.decoder['hgt_weight']:.3f} ({self.val_auc:.4f} vs {self.baseline.auc:.4f}); {then}.")
        if self.result is not None and adds_nothing(self.result.decoder):
            return (f"The HGT adds nothing to the heuristic baseline: the stacked decoder's fitted residual weight "
                    f"is 0, so every score is the baseline's ({self.val_auc:.4f} vs {self.baseline.auc:.4f}); "
                    f"{then}.")
        return (f"The HGT trails the heuristic baseline on the same validation pairs by {gap:.4f} AUC "
                f"({self.val_auc:.4f} vs {self.baseline.auc:.4f}); {then}.")

    def summary(self) -> dict:
        meta = self.metadata
        curve = meta.get("curve", [])
        return {
            "model_version": self.version, "as_of": meta.get("as_of"), "split": meta.get("split"),
            "val_auc": round(self.val_auc, 4), "min_auc": meta.get("min_auc"),
            "decoder": (meta.get("decoder_details") or {}).get("kind", "bilinear"),
            # stacked, mix fitted: 0 means the HGT adds nothing and the score IS the baseline's
            "residual_weight": (meta.get("decoder_details") or {}).get("residual_weight"),
            # combined: the HGT alone, and its logit's standardised weight in the combination (<= 0: adds nothing)
            "hgt_auc": (meta.get("decoder_details") or {}).get("hgt_auc"),
            "hgt_weight": (meta.get("decoder_details") or {}).get("hgt_weight"),
            # --select held-back: the evaluation point kept (chosen on the held-back window, not on validation)
            "selected_epoch": (meta.get("decoder_details") or {}).get("selected_epoch"),
            "objective": (meta.get("objective_details") or {}).get("kind", "reconstruct"),
            "baseline_auc": None if self.baseline is None else round(self.baseline.auc, 4),
            "baseline_auc_by_type": None if self.baseline is None else self.baseline.to_json()["auc_by_type"],
            "val_auc_by_type": meta.get("val_auc_by_type"),
            "below_baseline": self.below_baseline, "baseline_note": self.baseline_note(),
            "gate": "pass" if self.passed else "fail",
            "promoted": self.promoted, "params": meta.get("params"), "device": meta.get("device"),
            "seconds": meta.get("seconds"),
            "loss_start": curve[0]["loss"] if curve else None, "loss_end": curve[-1]["loss"] if curve else None,
            "val_auc_curve": [round(p["val_auc"], 4) for p in curve if p.get("val_auc") is not None],
            "dir": str(self.version_dir) if self.version_dir else None,
        }


@dataclass
class Fitted:
    """A trained network with its split and the baseline on the same pairs: everything but the side effects.

    What :func:`fit_model` returns (picklable, so a second process can fit while this one works on,
    e.g. the seed-noise model of the demo) and :func:`train_model` saves, gates and records.
    """

    as_of: pd.Timestamp
    split: str
    gap_months: int
    cut: pd.Timestamp  # the training snapshot's date: ``as_of - gap`` (time split) or ``as_of`` (random)
    train_graph: Any = field(repr=False)
    result: Any = field(repr=False)
    baseline: BaselineResult = field(repr=False)

    def matches(self, as_of: pd.Timestamp, split: str, gap_months: int, config: TrainConfig) -> bool:
        """True when this fit is the one ``train_model`` would make with these arguments."""
        return (self.as_of == pd.Timestamp(as_of) and self.split == split and self.gap_months == gap_months
                and self.result.config == config)


def fit_model(
    tables: GraphTables,
    as_of: pd.Timestamp,
    *,
    gap_months: int = DEFAULT_GAP_MONTHS,
    split: str = "time",
    config: TrainConfig | None = None,
    device: str = "auto",
    predict: list[tuple[str, str, str]] | None = None,
    on_eval: Callable[[Any], None] | None = None,
) -> Fitted:
    """Train HGT link prediction on ``tables`` (the graph known at ``as_of``) and score the baseline; pure.

    ``split="time"`` (default): train on the snapshot at :func:`~nexus_graph.model.walk_forward.train_date`
    (``as_of - gap``, month-end to month-end), validate on relationships that became known in
    ``(as_of - gap, as_of]`` plus sampled negatives. ``split="random"``: one snapshot at ``as_of``
    with a random edge split (reverse edges removed with their forward edge).

    ``config.decoder`` / ``config.objective`` choose the decoder and the earlier-windows objective
    (:func:`~nexus_graph.model.windows.training_inputs`). The default, ``combined``, trains the HGT as the
    bilinear decoder does and then scores with the baseline's logistic plus the HGT's logit
    (:func:`with_combination`; ``split="time"`` only, a random split scores the HGT alone); ``stacked`` and
    the windows objective need ``split="time"``.
    """
    as_of = pd.Timestamp(as_of)
    config = config or TrainConfig()
    if split not in ("time", "random"):
        raise NexusError(f"--split must be 'time' or 'random' (got {split!r}).")
    if all(len(frame) == 0 for frame in tables.edges.values()):
        raise NexusError(f"No relationship is known at {as_of:%Y-%m-%d}: load a dataset first (`nexus-graph load`).")
    later = build_snapshot(tables, as_of)
    if split == "time":
        cut = train_date(as_of, gap_months)
        train_graph = build_snapshot(tables, cut)
        link_split = splits.time_forward_split(train_graph, later, predict=predict, seed=config.seed)
    else:
        cut = as_of
        train_graph = later
        link_split = splits.random_link_split(later, predict=predict, seed=config.seed)
    # the stacked decoder's offsets and the windows objective's tasks (none by default); snapshots as the trainer's
    offsets, tasks = training_inputs(tables, link_split, cut, config, lambda date: build_snapshot(tables, date),
                                     gap_months=gap_months)
    result = train.train_link_predictor(train_graph, link_split, config, device=device, on_eval=on_eval,
                                        offsets=offsets, tasks=tasks)
    if config.decoder == "combined" and split == "time":
        result = with_combination(tables, link_split, cut, result, device, gap_months)
    elif config.decoder == "combined":  # a random split's validation edges lie inside the earlier windows
        result = dataclasses.replace(result, decoder={
            "kind": "bilinear", "note": "combined decoder not applied: a random split's validation edges lie inside "
                                        "the earlier windows it would be fitted on; the HGT alone is scored"})
    baseline = baseline_auc(tables, link_split, cut, gap_months=gap_months)
    return Fitted(as_of, split, gap_months, cut, train_graph, result, baseline)


def with_combination(tables: GraphTables, link_split: splits.LinkSplit, cut: pd.Timestamp, result: train.TrainResult,
                     device: str, gap_months: int) -> train.TrainResult:
    """``result`` scored by the combined decoder (:mod:`nexus_graph.model.combined`): the validation AUC is the
    combination's, the HGT alone is kept in ``decoder`` (``hgt_auc``, ``hgt_auc_by_type``) beside its weight."""
    combined = combine_with_baseline(tables, link_split, cut, result.model, lambda date: build_snapshot(tables, date),
                                     lambda model, graph: train.embed(model, graph, device=device),
                                     gap_months=gap_months)
    if not combined.models:  # the baseline falls back to a fixed rule there too: compare the HGT alone with it
        return dataclasses.replace(result, decoder={
            "kind": "bilinear", "note": "combined decoder not applied: no earlier window held both new links and "
                                        "negatives to fit it on; the HGT alone is scored"})
    return dataclasses.replace(result, val_auc=combined.auc, val_auc_by_type=combined.auc_by_type,
                               decoder=combined.details(result.val_auc, result.val_auc_by_type))


def train_model(
    store: Store,
    as_of: pd.Timestamp,
    models_dir: Path,
    *,
    gap_months: int = DEFAULT_GAP_MONTHS,
    split: str = "time",
    config: TrainConfig | None = None,
    device: str = "auto",
    predict: list[tuple[str, str, str]] | None = None,
    on_eval: Callable[[Any], None] | None = None,
    promote: bool = True,
    baseline_margin: float = 0.0,
    allow_below_baseline: bool = False,
    label: str | None = None,
    graph: GraphTables | None = None,
    fitted: Fitted | None = None,
) -> TrainOutcome:
    """Train HGT link prediction on the graph known at ``as_of``; save, gate, promote, record.

    The training is :func:`fit_model`'s (see there for ``split``, ``gap_months`` and ``config``);
    nothing known after ``as_of`` is read. ``promote=False`` saves and records the model without
    pointing ``models/hgt_link_pred.pt`` at it (e.g. the second seed of the drift-noise check).
    ``fitted``: that training, done already (e.g. in another process) with these same arguments;
    it is saved, gated and recorded as if trained here. The model's metadata records the decoder
    and objective (``hyperparameters``, ``decoder_details``, ``objective_details``).

    The baseline is scored on the same validation pairs; ``passed`` (the gate) needs ``val_auc >= min_auc``
    and ``val_auc >= baseline_auc - baseline_margin``, unless ``allow_below_baseline``.
    """
    as_of = pd.Timestamp(as_of)
    config = config or TrainConfig()
    if fitted is None:
        tables = read_graph_tables(store, known_until=as_of, graph=graph)
        fitted = fit_model(tables, as_of, gap_months=gap_months, split=split, config=config, device=device,
                           predict=predict, on_eval=on_eval)
    elif not fitted.matches(as_of, split, gap_months, config):
        raise NexusError("The model trained beforehand was trained with other arguments (as-of date, split, gap or "
                         "configuration) than this training asks for; nothing was saved.")
    result, baseline = fitted.result, fitted.baseline
    # a stacked model whose residual weight was fitted to 0 ties the baseline exactly: it has not earned its place
    below = not result.val_auc >= baseline.auc - baseline_margin or adds_nothing(result.decoder)
    passed = metrics.passes_gate(result.val_auc, config.min_auc) and (not below or allow_below_baseline)
    meta = checkpoint.training_metadata(
        result, fitted.train_graph, as_of, split="time-forward" if split == "time" else "random",
        gap_months=gap_months if split == "time" else None,
        train_graph_as_of=f"{fitted.cut:%Y-%m-%d}", promoted=passed and promote,
        baseline_auc=baseline.to_json()["auc"], baseline_auc_by_type=baseline.to_json()["auc_by_type"],
        baseline_margin=baseline_margin, below_baseline=below, promoted_below_baseline=below and passed and promote,
        label=label)
    version_dir = checkpoint.save_checkpoint(result, models_dir, meta)
    if passed and promote:
        checkpoint.promote(models_dir, version_dir.name)
    meta = checkpoint.read_metadata(version_dir)
    record_model_version(store, meta)
    return TrainOutcome(version_dir.name, passed, passed and promote, float(result.val_auc), meta, version_dir,
                        result, baseline, below)


@dataclass
class WalkForwardResult:
    """One model per period, none promoted."""

    frequency: str
    models: list[dict[str, Any]]

    def summary(self) -> dict[str, Any]:
        return {"walk_forward": self.frequency, "models": self.models}


def walk_forward_step(
    store: Store,
    as_of: pd.Timestamp,
    until: pd.Timestamp,
    frequency: str,
    models_dir: Path,
    *,
    gap_months: int = DEFAULT_GAP_MONTHS,
    split: str = "time",
    config: TrainConfig | None = None,
    device: str = "auto",
    predict: list[tuple[str, str, str]] | None = None,
    on_period: Callable[[pd.Timestamp, TrainOutcome], None] | None = None,
) -> WalkForwardResult:
    """Train one model per period boundary in [``as_of``, ``until``], each on what was known at its start."""
    periods = walk_forward_periods(as_of, until, frequency)
    rows = []
    for period in periods:
        outcome = train_model(store, period, models_dir, gap_months=gap_months, split=split, config=config,
                              device=device, predict=predict, promote=False)
        rows.append({"as_of": f"{period:%Y-%m-%d}", "model_version": outcome.version,
                     "val_auc": round(outcome.val_auc, 4), "baseline_auc": outcome.summary()["baseline_auc"],
                     "gate": "pass" if outcome.passed else "fail"})
        if on_period:
            on_period(period, outcome)
    return WalkForwardResult(frequency.upper(), rows)
