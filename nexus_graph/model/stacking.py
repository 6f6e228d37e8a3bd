"""The stacked decoder: the baseline's logit as a fixed offset, the HGT learns the residual on top.

A bilinear decoder trained to reconstruct the visible graph learns what makes an EXISTING edge; the
validation task is which pairs link NEXT, where the pair's own history and its common neighbours
(:mod:`nexus_graph.model.baselines`) carry most of the signal and a node-wise encoder cannot count
them. Stacking splits the work::

    logit(u, v; r) = b_r(u, v) + <W_r z_u, z_v> + c_r

``b_r`` is the baseline's logistic combination of pair heuristics -- fitted, as the baseline is, only
on earlier time-forward windows that END AT THE TRAINING CUT (:func:`~nexus_graph.model.baselines.fit_combination`)
-- evaluated on the graph the encoder sees at the cut. It is frozen: the HGT (encoder and bilinear
term) is trained as a residual on top of it, so what the embeddings have to carry is what the
heuristics miss. Nothing here reads a validation label or anything known after the cut.

The offsets are per pair and per date, so they live beside the model, not in it: the network and its
``state_dict`` are those of :class:`~nexus_graph.model.hgt.HGTLinkPredictor`, a checkpoint round-trips
unchanged and the backfill embeds with the ENCODER exactly as before. A loaded model's ``score`` is
the residual (bilinear) term only; the full stacked score needs the offsets of the date being scored
(:func:`pair_offsets`).

Offsets are dense ``[N_src, N_dst]`` tables per predicted type (float32; at the demo's x20 the
supplies table is 2,880 x 2,880, 33 MB), computed by sparse products over the whole type at once
(:func:`all_pair_heuristics`), equal to :meth:`~nexus_graph.model.baselines.HeuristicGraph.features`
pair by pair.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from scipy.optimize import minimize
from torch import Tensor

from nexus_graph.errors import NexusError
from nexus_graph.model.baselines import FEATURES, LOG_FEATURES, FittedCombination, HeuristicGraph, fit_combination
from nexus_graph.model.spec import EdgeType
from nexus_graph.model.splits import LinkSplit
from nexus_graph.snapshot.tables import GraphTables

# "combined" trains as "bilinear"; afterwards the HGT's logit enters the baseline's logistic (model/combined.py)
DECODERS = ("bilinear", "stacked", "combined")
MIXES = ("fixed", "fitted")  # residual weight 1, or fitted on the most recent window before the cut
# which weights training returns: the last epoch's, or (mix fitted) the evaluation point whose residual,
# with its weight fitted there, scores the held-back window with the lowest log-loss (model/selection.py)
SELECTIONS = ("last", "held-back")
MAX_OFFSET_PAIRS = 50_000_000  # per predicted type (200 MB of float32)


def all_pair_heuristics(graph: HeuristicGraph, et: EdgeType) -> Iterator[tuple[str, np.ndarray]]:
    """Each raw heuristic of :data:`~nexus_graph.model.baselines.FEATURES` for EVERY pair of ``et``.

    Yields ``(name, [N_src, N_dst] float64)`` one feature at a time (memory: one table at a time).
    """
    a = graph.adjacency
    src = slice(graph.offset[et[0]], graph.offset[et[0]] + graph.sizes[et[0]])
    dst = slice(graph.offset[et[2]], graph.offset[et[2]] + graph.sizes[et[2]])
    a_src, a_dst_t = a[src], a[dst].T.tocsc()
    with np.errstate(divide="ignore"):
        inv_log = np.where(graph.degree > 1, 1.0 / np.log(np.maximum(graph.degree, 2)), 0.0)
        inv_sqrt = np.where(graph.degree > 0, 1.0 / np.sqrt(np.maximum(graph.degree, 1)), 0.0)
    h = sp.diags(inv_sqrt)
    yield "common_neighbours", (a_src @ a_dst_t).toarray()
    yield "adamic_adar", (a_src @ sp.diags(inv_log) @ a_dst_t).toarray()
    yield "paths3", ((a_src @ h @ a) @ (h @ a_dst_t)).toarray()
    yield from _all_pair_groups(graph, et)
    past = np.zeros(graph.sizes[et[0]] * graph.sizes[et[2]])
    past[graph.past.get(et, np.zeros(0, dtype=np.int64))] = 1.0
    yield "past_link", past.reshape(graph.sizes[et[0]], graph.sizes[et[2]])


def _all_pair_groups(graph: HeuristicGraph, et: EdgeType) -> Iterator[tuple[str, np.ndarray]]:
    """Group-pair link rate and the two endpoint profiles of every pair (as ``_segment_scores``)."""
    ns, nd = graph.sizes[et[0]], graph.sizes[et[2]]
    g_src, g_dst = graph.groups[et[0]], graph.groups[et[2]]
    rate, out_by_group, in_by_group = graph.group_tables(et)
    yield "segment_rate", rate[g_src[:, None], g_dst[None, :]]
    out_deg = out_by_group.sum(1, keepdims=True)
    yield "source_profile", np.divide(out_by_group[:, g_dst], out_deg, out=np.zeros((ns, nd)), where=out_deg > 0)
    in_deg = in_by_group.sum(1, keepdims=True)
    yield "target_profile", np.divide(in_by_group[:, g_src], in_deg, out=np.zeros((nd, ns)), where=in_deg > 0).T


def all_pair_logits(graph: HeuristicGraph, fitted: FittedCombination, et: EdgeType) -> np.ndarray:
    """The fitted combination's logit of every pair of ``et``: ``[N_src, N_dst]`` float64."""
    ns, nd = graph.sizes[et[0]], graph.sizes[et[2]]
    if ns * nd > MAX_OFFSET_PAIRS:
        raise NexusError(f"The stacked decoder keeps one offset per {et} pair: {ns} x {nd} = {ns * nd:,} pairs is "
                         f"over {MAX_OFFSET_PAIRS:,}; train with the bilinear decoder (--decoder bilinear).")
    model = fitted.models.get(et)
    if model is None:
        # no window held both labels: the fallback ranking, scaled down to an offset of at most ~1
        raw = dict(all_pair_heuristics(graph, et))
        return raw["past_link"] + 0.1 * np.log1p(raw["common_neighbours"])
    out = np.full((ns, nd), model.intercept)
    for i, (name, table) in enumerate(all_pair_heuristics(graph, et)):
        assert name == FEATURES[i]
        column = np.log1p(table) if name in LOG_FEATURES else table  # as regression_inputs does
        out += (column - model.mean[i]) / model.scale[i] * model.coef[i]
    return out


@dataclass
class PairOffsets:
    """Fixed per-pair logits added to the decoder's, per predicted type.

    ``train`` scores the training pairs (heuristics over the training message graph), ``val`` the
    validation pairs (over the graph the baseline scores them on); they are the same tables unless a
    training objective hides edges from the message graph.
    """

    train: dict[EdgeType, Tensor]  # [N_src, N_dst] float32
    val: dict[EdgeType, Tensor]
    info: dict = field(default_factory=dict)
    fitted: FittedCombination | None = None  # the combination the offsets come from
    residual_weight: float = 1.0  # scoring: offset + residual_weight * bilinear (training always uses 1)

    def lookup(self, et: EdgeType, pairs: Tensor, *, training: bool) -> Tensor:
        """Offsets ``[n]`` of ``pairs`` ``[2, n]`` (global rows), on ``pairs``' device."""
        table = (self.train if training else self.val)[et]
        return table.to(pairs.device)[pairs[0], pairs[1]]

    def lookup_keys(self, et: EdgeType, keys: Tensor, *, training: bool) -> Tensor:
        """Offsets of pair keys ``src * N_dst + dst``."""
        table = (self.train if training else self.val)[et]
        return table.to(keys.device).view(-1)[keys]

    def to(self, device: torch.device) -> PairOffsets:
        """The same offsets on ``device``."""
        return PairOffsets({et: t.to(device) for et, t in self.train.items()},
                           {et: t.to(device) for et, t in self.val.items()}, self.info, self.fitted,
                           self.residual_weight)


def pair_offsets(tables: GraphTables, split: LinkSplit, cut: pd.Timestamp | str, *,
                 val_edges: dict[EdgeType, Tensor] | None = None, gap_months: int = 3, windows: int = 4,
                 step_months: int = 3, l2: float = 1.0) -> PairOffsets:
    """The baseline's logits of every pair of each predicted type of ``split``, as of ``cut``.

    Parameters
    ----------
    tables
        All nodes and intervals known at the as-of date (the tables the split's snapshots came from).
    split
        The training split: its ``predict`` types, its ``info`` (negatives, seed) and its message graph
        (the training offsets' heuristics). Its validation labels are never read.
    cut
        The training cut; the combination is fitted on windows ending there, and the history
        (``past_link``) is the one known at ``cut``.
    val_edges
        The live edges the validation pairs are scored over (default: ``split.message_edges``); a
        training objective that hides the last window's edges passes the full snapshot's here.
    gap_months, windows, step_months, l2
        As in :func:`~nexus_graph.model.baselines.baseline_auc`.
    """
    cut = pd.Timestamp(cut)
    fitted = fit_combination(tables, split, cut, gap_months=gap_months, windows=windows, step_months=step_months,
                             l2=l2)
    train_graph = HeuristicGraph(tables, cut, edges=split.message_edges)
    val_graph = train_graph if val_edges is None else HeuristicGraph(tables, cut, edges=val_edges)
    train = {et: _table(train_graph, fitted, et) for et in split.predict}
    val = train if val_graph is train_graph else {et: _table(val_graph, fitted, et) for et in split.predict}
    info = {"kind": "stacked", "cut": f"{cut:%Y-%m-%d}", "windows": fitted.windows,
            "train_pairs": fitted.train_pairs, "gap_months": gap_months, "step_months": step_months, "l2": l2,
            "coefficients": {"__".join(et): dict(zip(FEATURES, [round(float(c), 4) for c in m.coef], strict=True))
                             for et, m in fitted.models.items()},
            "fallback": ["__".join(et) for et in split.predict if et not in fitted.models]}
    return PairOffsets(train=train, val=val, info=info, fitted=fitted)


def _table(graph: HeuristicGraph, fitted: FittedCombination, et: EdgeType) -> Tensor:
    return torch.as_tensor(all_pair_logits(graph, fitted, et), dtype=torch.float32)


def fit_residual_weight(offset: np.ndarray, residual: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """``(beta, c)`` minimising the log-loss of ``sigmoid(offset + beta * residual + c)``, ``beta >= 0``.

    The mix of the stacked score, fitted on labelled pairs the residual was NOT trained on (the most
    recent window before the cut). ``beta = 0`` means the residual adds nothing there: the stacked score
    is then the baseline's.
    """
    offset, residual, y = (np.asarray(a, dtype=np.float64) for a in (offset, residual, labels))
    if len(np.unique(y)) < 2:
        raise NexusError(f"Fitting the residual weight needs both labels (got {len(y)} pairs); use --mix fixed.")

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        logit = offset + w[0] * residual + w[1]
        p = 1.0 / (1.0 + np.exp(-logit))
        return float(np.mean(np.logaddexp(0.0, logit) - y * logit)), np.array([np.mean((p - y) * residual),
                                                                                 np.mean(p - y)])

    w = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B", bounds=[(0.0, None), (None, None)]).x
    return float(w[0]), float(w[1])


class ResidualMix(NamedTuple):
    """The residual's fitted weight and intercept on labelled pairs, the log-loss they reach there, and
    the offsets alone (weight 0, own intercept) on the same pairs for comparison."""

    weight: float
    intercept: float
    log_loss: float
    pairs: int
    gain_z: float = 0.0  # mean per-pair log-loss gain over the offsets alone / its standard error
    base_intercept: float = 0.0
    base_log_loss: float = math.nan

    def without_residual(self) -> ResidualMix:
        """The same pairs scored by the offsets alone: weight 0, the offsets' own intercept and log-loss."""
        return ResidualMix(0.0, self.base_intercept, self.base_log_loss, self.pairs, 0.0, self.base_intercept,
                           self.base_log_loss)


def residual_mix(offset: np.ndarray, residual: np.ndarray, labels: np.ndarray) -> ResidualMix:
    """:func:`fit_residual_weight` and the mean log-loss of ``sigmoid(offset + beta * residual + c)`` it reaches.

    With ``beta = 0`` the loss is the offsets' own (with a fitted intercept), the same for every residual:
    a residual lowers it only by ranking the pairs better than the offsets alone. ``gain_z`` measures
    that gain per pair against its noise: the mean of (offsets-alone loss - mixed loss) over the pairs
    divided by its standard error (0 when the weight is 0).
    """
    offset, residual, y = (np.asarray(a, dtype=np.float64) for a in (offset, residual, labels))
    beta, c = fit_residual_weight(offset, residual, y)
    _, c0 = fit_residual_weight(offset, np.zeros_like(residual), y)  # a zero residual: the intercept alone
    mixed, alone = _pair_log_loss(offset + beta * residual + c, y), _pair_log_loss(offset + c0, y)
    gain = alone - mixed
    se = float(np.std(gain, ddof=1) / math.sqrt(gain.size)) if gain.size > 1 else 0.0
    z = float(np.mean(gain) / se) if se > 0 and beta > 0 else 0.0
    return ResidualMix(beta, c, float(mixed.mean()), int(y.size), z, c0, float(alone.mean()))


def _pair_log_loss(logit: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, logit) - y * logit
