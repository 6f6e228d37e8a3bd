"""The combined score: the heuristic baseline's logistic with the trained HGT's logit as one more input.

The HGT is trained as always (reconstruction, the bilinear decoder), so its encoder -- and every
embedding the backfill writes -- is the default model's. Afterwards its logit enters the baseline's
logistic combination (:mod:`nexus_graph.model.baselines`) as an eighth input, and the combination is
fitted exactly as the baseline's: per relationship type, on the four earlier time-forward windows
that end at the training cut, never on a validation label. On each window the HGT embeds the
window's START graph, as the heuristics are computed at the start; on the validation pairs it embeds
the training graph (the cut).

Measured over 27 quarterly as-of dates on three demo seeds (``docs/benchmarks.md``, fourth round of
the ablation), this gains on average over the baseline where the HGT alone trails it by 0.03-0.04; the
HGT input's fitted coefficient (``hgt_weight``, standardised) says how much the heuristics leave to
the HGT. A weight of 0 or below means the HGT adds nothing to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import Tensor
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.model.baselines import FEATURES, HeuristicGraph, LogisticModel, fit_combination
from nexus_graph.model.hgt import HGTLinkPredictor
from nexus_graph.model.metrics import roc_auc, weighted_auc
from nexus_graph.model.spec import EdgeType
from nexus_graph.model.splits import TIME_FORWARD, LinkSplit
from nexus_graph.snapshot.tables import GraphTables

INPUTS = (*FEATURES, "hgt")  # the combination's inputs, in column order


@dataclass
class CombinedScore:
    """The combination's validation AUCs and how it was fitted."""

    auc: float  # weighted over types by validation positives, as the HGT's val_auc
    auc_by_type: dict[str, float]
    hgt_weight: float  # the HGT input's standardised coefficient, mean over types weighted by their window pairs
    models: dict[EdgeType, LogisticModel]
    windows: list[str]  # 'start..end' of each window fitted on
    train_pairs: dict[str, int]

    def details(self, hgt_auc: float, hgt_auc_by_type: dict[str, float]) -> dict:
        """The model's ``decoder_details`` (JSON-ready; the HGT alone beside the combination)."""
        return {
            "kind": "combined", "hgt_weight": round(self.hgt_weight, 6), "hgt_auc": round(float(hgt_auc), 6),
            "hgt_auc_by_type": {k: round(float(v), 6) for k, v in hgt_auc_by_type.items()},
            "windows": self.windows, "train_pairs": self.train_pairs,
            "coefficients": {"__".join(et): dict(zip(INPUTS, (round(float(c), 6) for c in m.coef), strict=True))
                             for et, m in self.models.items()},
        }


def _hgt_logits(model: HGTLinkPredictor, z: dict[str, Tensor], et: EdgeType, pairs: Tensor) -> np.ndarray:
    """The HGT's logits of ``pairs`` on the model's device (``z`` may be on CPU, as ``embed`` returns it)."""
    dev = next(model.parameters()).device
    with torch.no_grad():
        out = model.score({nt: t.to(dev) for nt, t in z.items() if nt in et}, et, pairs.to(dev))
    return out.float().cpu().numpy().astype(np.float64)


def combine_with_baseline(tables: GraphTables, split: LinkSplit, cut: pd.Timestamp | str, model: HGTLinkPredictor,
                          snapshot: Callable[[pd.Timestamp], HeteroData],
                          embed: Callable[[HGTLinkPredictor, HeteroData], dict[str, Tensor]], *,
                          gap_months: int = 3, windows: int = 4, step_months: int = 3, l2: float = 1.0
                          ) -> CombinedScore:
    """Fit the combination on the windows ending at ``cut`` and score ``split``'s validation pairs with it.

    Parameters
    ----------
    tables
        All nodes and intervals known at the as-of date (the tables the split's snapshots were built from).
    split
        The trainer's time-forward split; only its ``predict``, ``info`` (negatives, seed) and validation
        pairs are read, its validation labels only to score.
    cut
        The training cut (``as_of - gap``).
    model
        The trained HGT (eval mode is set while embedding).
    snapshot
        Date -> the model's input graph at that date (the trainer's snapshot function).
    embed
        ``(model, graph) -> embeddings`` (e.g. :func:`nexus_graph.model.train.embed` on the right device).
    gap_months, windows, step_months, l2
        As for :func:`~nexus_graph.model.baselines.fit_combination` (the same windows, the same negatives).
    """
    if split.kind != TIME_FORWARD:
        raise NexusError("The combined decoder needs the time-forward split (--split time): a random split's "
                         "validation edges lie inside the earlier windows it is fitted on.")
    cut = pd.Timestamp(cut)
    z_at: dict[pd.Timestamp, dict[str, Tensor]] = {}  # the HGT's embeddings of each window's start graph

    def hgt_on_window(start: pd.Timestamp, et: EdgeType, pairs: Tensor) -> np.ndarray:
        if start not in z_at:
            z_at[start] = embed(model, snapshot(start))
        return _hgt_logits(model, z_at[start], et, pairs)

    fitted = fit_combination(tables, split, cut, gap_months=gap_months, windows=windows, step_months=step_months,
                             l2=l2, extra=hgt_on_window)
    graph = HeuristicGraph(tables, cut, edges=split.message_edges)
    z_cut = embed(model, snapshot(cut))
    by_type = {}
    for et, pairs in split.val_edges.items():
        labels = split.val_labels[et].numpy()
        if pairs.size(1) == 0:
            continue
        hgt = _hgt_logits(model, z_cut, et, pairs)
        # no window held both labels: nothing to combine with, the HGT alone ranks
        score = fitted.decision(et, graph.features(et, pairs), hgt) if et in fitted.models else hgt
        by_type["__".join(et)] = (roc_auc(labels, score), int((labels > 0.5).sum()))
    # the weight's summary uses the windows' pair counts: nothing of the validation labels
    counts = {et: fitted.train_pairs["__".join(et)] for et in fitted.models}
    total = sum(counts.values())
    models = fitted.models
    return CombinedScore(
        auc=weighted_auc(by_type), auc_by_type={k: v[0] for k, v in by_type.items()},
        hgt_weight=sum(float(models[et].coef[-1]) * n for et, n in counts.items()) / total if total else 0.0,
        models=models, windows=fitted.windows, train_pairs=fitted.train_pairs)
