"""A time-forward training objective over several earlier windows, each on its own snapshot.

Reconstruction teaches the model what makes an EXISTING edge. Validation asks which pairs link NEXT.
This objective asks the validation question on earlier windows that end at the training cut: window
``k`` (``k = 0 .. windows-1``) ends at ``cut - k * step`` and starts ``gap`` months earlier; the
encoder sees the snapshot at the window's START and is supervised on the relationships that became
known inside the window against negatives drawn as the trainer draws them (the windows the baseline's
logistic is fitted on, :func:`~nexus_graph.model.baselines.training_windows`). Every label is known
at the cut; no validation label is read.

With the stacked decoder (:mod:`nexus_graph.model.stacking`) each window pair also carries the
baseline's logit computed on the window's start graph, so the HGT learns the residual of the
baseline on the task the baseline was fitted on (boosting, stage two).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import Tensor
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.model.baselines import FittedCombination, HeuristicGraph, fit_combination, training_windows
from nexus_graph.model.config import TrainConfig
from nexus_graph.model.spec import EdgeType
from nexus_graph.model.splits import TIME_FORWARD, LinkSplit
from nexus_graph.model.stacking import PairOffsets, pair_offsets
from nexus_graph.snapshot.tables import GraphTables

OBJECTIVES = ("reconstruct", "windows", "both")


@dataclass
class WindowTask:
    """One earlier window: the encoder's input graph and labelled pairs to predict from it."""

    start: pd.Timestamp
    end: pd.Timestamp
    graph: HeteroData  # the snapshot at ``start`` as the model sees it (same node rows as the training graph)
    pairs: dict[EdgeType, Tensor]  # [2, n] local rows
    labels: dict[EdgeType, Tensor]  # [n] float 1/0
    offsets: dict[EdgeType, Tensor] = field(default_factory=dict)  # [n] baseline logits (stacked decoder)


def window_tasks(tables: GraphTables, cut: pd.Timestamp | str, predict: list[EdgeType],
                 snapshot: Callable[[pd.Timestamp], HeteroData], *, gap_months: int = 3, windows: int = 4,
                 step_months: int = 3, negatives: str = "degree", seed: int = 0,
                 fitted: FittedCombination | None = None) -> list[WindowTask]:
    """The windows ending at ``cut`` as training tasks (empty windows skipped).

    Parameters
    ----------
    tables
        All nodes and intervals known at the as-of date.
    snapshot
        Date -> the model's input graph at that date (e.g. ``build_snapshot`` plus past edges); it
        must give the training graph's node rows and edge types.
    fitted
        The baseline's combination (stacked decoder): each pair gets its logit over the live edges of
        the window's start graph and the history known at the start.
    """
    cut = pd.Timestamp(cut)
    found = training_windows(tables, cut, predict, gap_months=gap_months, windows=windows,
                             step_months=step_months, negatives=negatives, seed=seed)
    tasks = []
    for start, end, split in found:
        offsets = {}
        if fitted is not None:
            heuristics = HeuristicGraph(tables, start)
            offsets = {et: torch.as_tensor(fitted.decision(et, heuristics.features(et, pairs)), dtype=torch.float32)
                       for et, pairs in split.val_edges.items()}
        tasks.append(WindowTask(start, end, snapshot(start), dict(split.val_edges), dict(split.val_labels), offsets))
    return tasks


def training_inputs(tables: GraphTables, split: LinkSplit, cut: pd.Timestamp | str, config: TrainConfig,
                    snapshot: Callable[[pd.Timestamp], HeteroData], *, val_edges: dict[EdgeType, Tensor] | None = None,
                    gap_months: int = 3, windows: int = 4) -> tuple[PairOffsets | None, list[WindowTask] | None]:
    """What ``config.decoder`` and ``config.objective`` need beside the split: offsets and window tasks.

    ``(None, None)`` for the bilinear and combined decoders with reconstruction. The others need a time-forward
    split: a random split's held-out edges became known before its cut and would be supervised or
    fitted on. The windows' negatives are drawn with the seed the baseline's fit uses (split seed +
    1000), so the residual is learned on the baseline's own training pairs. ``windows`` is the number of
    windows the objective supervises (the first four are the baseline's; the offsets' logistic is always
    fitted on four).
    """
    if config.decoder in ("bilinear", "combined") and config.objective == "reconstruct":
        return None, None  # "combined" trains as "bilinear"; the pipeline combines on a time-forward split only
    if split.kind != TIME_FORWARD:
        raise NexusError(f"decoder {config.decoder!r} / objective {config.objective!r} need the time-forward split "
                         "(--split time): a random split's validation edges lie inside the earlier windows.")
    offsets = pair_offsets(tables, split, cut, val_edges=val_edges, gap_months=gap_months) \
        if config.decoder == "stacked" else None
    tasks = None
    if config.objective != "reconstruct":
        tasks = window_tasks(tables, cut, split.predict, snapshot, gap_months=gap_months, windows=windows,
                             negatives=split.info.get("negatives", "degree"),
                             seed=int(split.info.get("seed", 0)) + 1000,
                             fitted=offsets.fitted if offsets is not None else None)
        if not tasks:
            raise NexusError(f"No relationship became known in the {gap_months}-month windows before "
                             f"{pd.Timestamp(cut):%Y-%m-%d}; train with --objective reconstruct.")
        if config.mix == "fitted" and offsets is not None:
            tasks[0] = _out_of_sample(tables, split, tasks[0], gap_months)
    return offsets, tasks


def _out_of_sample(tables: GraphTables, split: LinkSplit, task: WindowTask, gap_months: int) -> WindowTask:
    """``task`` with offsets from a combination fitted on the windows ending at its START.

    The residual's weight is fitted on this window; offsets fitted on its own labels would look better
    there than they are and pull the weight towards 0.
    """
    earlier = fit_combination(tables, split, task.start, gap_months=gap_months)
    heuristics = HeuristicGraph(tables, task.start)
    offsets = {et: torch.as_tensor(earlier.decision(et, heuristics.features(et, pairs)), dtype=torch.float32)
               for et, pairs in task.pairs.items()}
    return dataclasses.replace(task, offsets=offsets)
