"""Training configuration: hyperparameters (defaults: the reference run) and execution choices.

Its own module so that :mod:`nexus_graph.model.train` (which drives a run) and
:mod:`nexus_graph.model.trainer` (the state of one run) both import it without importing each other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from nexus_graph.model.metrics import DEFAULT_MIN_AUC


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
    # "combined": trained as "bilinear" (the HGT alone), then, by the pipeline on a time-forward split, the HGT's
    # logit joins the heuristic baseline's logistic as one more input (model/combined.py); "stacked": the
    # baseline's logit as a fixed offset, the HGT trained as the residual (model/stacking.py)
    decoder: str = "combined"
    mix: str = "fixed"  # stacked: "fitted" weighs the residual by a weight fitted on the last window before the cut
    select: str = "last"  # "held-back" (mix fitted): keep the checkpoint best on the held-back window (selection.py)
    select_min_z: float = 0.0  # held-back: a residual counts only if its gain there is >= this many std errors
    objective: str = "reconstruct"  # "windows" / "both": time-forward windows before the cut (model/windows.py)
    threads: int | None = None  # torch intra-op threads during training; None: 1 (see trainer.threads_for)
    processes: int = 1  # > 1: mini-batch training over that many workers (see nexus_graph.model.distributed)

    def to_json(self) -> dict:
        return asdict(self)
