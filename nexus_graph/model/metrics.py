"""Validation metrics of link prediction and the promotion gate.

ROC-AUC is the Mann-Whitney U statistic of the positive scores against the negative scores divided
by ``n_pos * n_neg`` (ties count one half), computed with ``scipy.stats.mannwhitneyu``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import mannwhitneyu

from nexus_graph.errors import NexusError

DEFAULT_MIN_AUC = 0.60


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC-AUC of ``scores`` for binary ``labels`` (1 = positive); NaN when a class is empty.

    Parameters
    ----------
    labels
        Shape ``[n]``, values 0/1 (any numeric or bool dtype).
    scores
        Shape ``[n]``, higher means "more likely an edge"; logits or probabilities give the same AUC.
    """
    labels = np.asarray(labels).reshape(-1) > 0.5
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if labels.shape != scores.shape:
        raise NexusError(f"roc_auc got {labels.size} labels but {scores.size} scores; they must pair up one to one.")
    pos, neg = scores[labels], scores[~labels]
    if pos.size == 0 or neg.size == 0:
        return math.nan
    u = mannwhitneyu(pos, neg, alternative="two-sided", method="asymptotic").statistic
    return float(u) / (pos.size * neg.size)


def weighted_auc(by_type: dict[str, tuple[float, int]]) -> float:
    """Mean of per-relationship-type AUCs weighted by each type's number of validation positives.

    ``by_type`` maps a type name to ``(auc, n_pos)``; types with a NaN AUC or no positives are left out.
    Per-type AUCs are averaged rather than pooled so that a type-wide score offset (one relation scored
    higher overall) neither helps nor hurts.
    """
    usable = [(auc, n) for auc, n in by_type.values() if n > 0 and not math.isnan(auc)]
    total = sum(n for _, n in usable)
    return math.nan if total == 0 else sum(auc * n for auc, n in usable) / total


def passes_gate(val_auc: float, min_auc: float = DEFAULT_MIN_AUC) -> bool:
    """True iff ``val_auc >= min_auc``; a NaN AUC (nothing to validate on) never passes."""
    if not 0.0 <= min_auc <= 1.0:
        raise NexusError(f"min_auc must be between 0 and 1 (got {min_auc}).")
    return not math.isnan(val_auc) and val_auc >= min_auc
