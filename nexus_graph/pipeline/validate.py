"""Step ``validate``: sanity checks of stored embeddings, and how much of the drift is seed noise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from nexus_graph.as_of import month_ends
from nexus_graph.embeddings.backfill import snapshot_embeddings
from nexus_graph.embeddings.noise import seed_noise
from nexus_graph.embeddings.panel import DRIFT_FACTOR, embedding_drift, panel_from_arrays
from nexus_graph.embeddings.validation import validate_snapshot
from nexus_graph.errors import NexusError
from nexus_graph.model import checkpoint
from nexus_graph.model.config import TrainConfig
from nexus_graph.pipeline.backfill import model_embedder
from nexus_graph.pipeline.snapshots import read_graph_tables
from nexus_graph.pipeline.train import Fitted, train_model
from nexus_graph.snapshot.hetero import SnapshotCache
from nexus_graph.snapshot.tables import GraphTables
from nexus_graph.store.embeddings import embedded_dates, read_embedding_panel
from nexus_graph.store.factors import factor_panel
from nexus_graph.store.protocol import Store

HYPERPARAMETERS = ("hidden", "heads", "layers", "dropout", "lr", "weight_decay", "epochs", "eval_every")


def validate_embeddings(store: Store, models_dir: Path, model: str | None, date: pd.Timestamp | None,
                        checks: list, min_std: float = 1e-3):
    """Validation report of one month's stored embeddings (default: the latest embedded month).

    Returns a :class:`~nexus_graph.embeddings.validation.ValidationReport` (``as_dict()`` is its summary).
    """
    version = checkpoint.read_metadata(models_dir, model)["version"]
    dates = embedded_dates(store, version)
    if not dates:
        raise NexusError(f"No embeddings stored for model {version}: run `nexus-graph backfill` first.")
    date = pd.Timestamp(date) if date is not None else max(dates)
    if date not in dates:
        known = ", ".join(d.strftime("%Y-%m-%d") for d in sorted(dates)[-3:])
        raise NexusError(f"No embeddings for {date:%Y-%m-%d} (model {version}); latest dates: {known}.")
    panel, _ = read_embedding_panel(store, version, date, date)
    vectors = panel.xs(date, level="date")
    vectors.attrs["date"] = date.strftime("%Y-%m-%d")
    return validate_snapshot(vectors, checks, min_std=min_std)


@dataclass
class NoiseOutcome:
    """Seed-noise figures of the drift factor (see :mod:`nexus_graph.embeddings.noise`)."""

    model_a: str
    model_b: str
    figures: dict[str, Any]

    def statement(self) -> str:
        f = self.figures
        return (f"{f['noise_share']:.0%} of the cross-sectional variance of monthly drift is seed noise "
                f"(two models, seeds differ, same data); drift ranks agree across seeds at Spearman "
                f"{f['rank_correlation']:.2f}; median drift {f['median_drift']:.3g} vs seed-noise floor "
                f"{f['noise_floor']:.3g} ({f['drift_to_floor']:.1f}x).")

    def summary(self) -> dict[str, Any]:
        return {"model_a": self.model_a, "model_b": self.model_b, **self.figures, "statement": self.statement()}


def noise_config(meta: dict[str, Any], seed: int) -> TrainConfig:
    """The configuration of the seed-noise model of the model with metadata ``meta``: its own, another seed."""
    hyper = meta["hyperparameters"]
    # the decoder and objective too (a checkpoint older than them has neither: the defaults of then)
    return TrainConfig(seed=seed, **{k: hyper[k] for k in HYPERPARAMETERS},
                       decoder=hyper.get("decoder", "bilinear"), objective=hyper.get("objective", "reconstruct"),
                       mix=hyper.get("mix", "fixed"))


def drift_noise(store: Store, models_dir: Path, model: str | None, start: pd.Timestamp, end: pd.Timestamp, *,
                seed: int = 1, device: str = "auto", graph: GraphTables | None = None,
                snapshots: SnapshotCache | None = None, drift: pd.Series | None = None,
                fitted: Fitted | None = None) -> NoiseOutcome:
    """Train a second model like ``model`` but with another seed; compare the two drift factors.

    The second model is saved and recorded (not promoted); its embeddings stay in memory.
    A run that holds them already may pass ``graph`` (the whole graph, read once), ``snapshots``
    (a cache of its snapshots, e.g. the backfill's) and ``drift`` (``model``'s drift factor as the
    backfill wrote it, indexed by (date, company_id)); the figures are the same as without them.
    ``fitted``: the second model trained beforehand (e.g. in another process, :mod:`.background`) with
    :func:`noise_config`'s configuration; refused if it was trained otherwise.
    """
    meta = checkpoint.read_metadata(models_dir, model)
    version, as_of = meta["version"], pd.Timestamp(meta["as_of"])
    if seed == meta["seed"]:
        raise NexusError(f"--seed {seed} is the seed of {version}; pick another one.")
    other = train_model(store, as_of, models_dir, gap_months=meta.get("gap_months") or 3,
                        split="time" if meta.get("split") == "time-forward" else "random",
                        config=noise_config(meta, seed), device=device, promote=False, graph=graph, fitted=fitted)
    net, _ = checkpoint.load_checkpoint(models_dir, other.version)
    dates = [d for d in month_ends(start, end) if d >= as_of]
    tables = read_graph_tables(store, known_until=dates[-1], graph=graph)
    slices = [panel_from_arrays(date, ids, vectors)
              for date, ids, vectors in snapshot_embeddings(tables, dates, model_embedder(net, "cpu"),
                                                            snapshot=snapshots)]
    drift_b = embedding_drift(pd.concat(slices))
    drift_a = factor_panel(store, DRIFT_FACTOR, version) if drift is None else drift
    return NoiseOutcome(version, other.version, seed_noise(drift_a, drift_b))
