"""Model selection on the held-back window: which evaluation point's weights training returns.

With ``mix = "fitted"`` the most recent time-forward window before the cut is left out of training
(:mod:`nexus_graph.model.windows`) and the residual's weight ``beta`` is fitted there
(:func:`~nexus_graph.model.stacking.residual_mix`). ``select = "held-back"`` uses that same window
to choose the checkpoint too: at every evaluation point the residual scores the window, ``beta`` and
the intercept are fitted there, and the point whose fit reaches the LOWEST LOG-LOSS on the window is
kept (weights and ``beta``) and restored at the end.

Why log-loss, chosen before any run: ``beta`` is fitted by log-loss, so the choice of checkpoint
minimises the same criterion jointly over (checkpoint, ``beta``, intercept); it is a proper score and
smooth, where the AUC of a few hundred pairs moves in coarse steps; and with ``beta = 0`` every
checkpoint reaches the same loss (the offsets' own), so a checkpoint wins only if its residual ranks
the window's pairs better than the baseline alone. Losses within :data:`TIE_LOG_LOSS` of the lowest
so far (the fit's numerical noise, not a tuned margin) are ties, and ties keep the LATEST point: when
no residual helps on the window (every weight 0) the choice is the last epoch's weights, the model
``mix = "fitted"`` returns without selection, and does not hang on the optimiser's last digits.

``select_min_z > 0`` (opt-in) asks more of a residual: its per-pair log-loss gain over the offsets
alone on the window must be at least that many standard errors, else the point counts as weight 0.
One window of a few hundred pairs and a dozen evaluation points make the lowest loss partly luck
(the winner's curse); the guard keeps the baseline's score unless the window's evidence is clear.

Nothing here reads a validation label: the window's labels are relationships that became known
before the cut. The validation AUC is still computed at every evaluation point (the curve), but it
chooses nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from nexus_graph.model.stacking import ResidualMix

TIE_LOG_LOSS = 1e-6  # held-back log-losses closer than this are a tie (L-BFGS-B stops within ~1e-9 of the optimum)


@dataclass
class HeldBackSelection:
    """The best evaluation point so far by held-back log-loss: its weights, its mix and every point's fit."""

    min_z: float = 0.0  # a residual counts only if its held-back gain is at least this many standard errors
    best_epoch: int = 0
    best: ResidualMix | None = None
    lowest: float = math.inf  # the lowest held-back log-loss offered so far
    state: dict[str, Tensor] = field(default_factory=dict)
    trace: list[dict] = field(default_factory=list)  # [{epoch, log_loss, residual_weight, gain_z}] per point

    def offer(self, epoch: int, model: torch.nn.Module, mix: ResidualMix) -> None:
        """Record ``epoch``'s fit; keep a copy of ``model``'s weights when its log-loss is the lowest yet.

        A residual whose gain over the offsets alone is under ``min_z`` standard errors counts as
        weight 0 (the offsets alone, the same loss at every point).
        """
        self.trace.append({"epoch": epoch, "log_loss": round(mix.log_loss, 6),
                           "residual_weight": round(mix.weight, 6), "gain_z": round(mix.gain_z, 3)})
        if mix.weight > 0 and mix.gain_z < self.min_z:
            mix = mix.without_residual()
        if self.best is None or mix.log_loss <= self.lowest + TIE_LOG_LOSS:
            self.best, self.best_epoch = mix, epoch
            self.lowest = min(self.lowest, mix.log_loss)
            self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def restore(self, model: torch.nn.Module) -> ResidualMix:
        """Load the kept weights into ``model``; the kept mix (its residual weight is the one to score with)."""
        if self.best is None:
            raise ValueError("No evaluation point was offered; nothing to restore.")
        model.load_state_dict(self.state)
        return self.best

    def record(self) -> dict:
        """The choice for ``decoder_details``: the rule, the chosen epoch and every point's fit."""
        best = self.best.log_loss if self.best is not None else math.nan
        return {"select": "held-back", "select_min_z": self.min_z, "selected_epoch": self.best_epoch,
                "selected_log_loss": round(best, 6), "selection_trace": self.trace}
