"""The pipeline steps, composed from the layers: store -> snapshot -> model -> embeddings -> factors.

Each step takes a :class:`~nexus_graph.store.Store` and plain arguments, returns a result object
with a ``summary()`` dict, and prints nothing: the CLI (and ``nexus-graph demo``) prints. The steps
after the factors (evaluation, registry, paper trading, report) live in their own packages and are
chained by :mod:`nexus_graph.demo_run`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nexus_graph.embeddings.backfill import BackfillResult, run_backfill
from nexus_graph.embeddings.panel import DRIFT_FACTOR, embedding_drift
from nexus_graph.errors import NexusError
from nexus_graph.snapshot.as_of import month_ends
from nexus_graph.snapshot.centrality import CENTRALITY_COLUMNS, centrality_history
from nexus_graph.snapshot.hetero import build_snapshot
from nexus_graph.store.neo4j_store import Store
from nexus_graph.store.snapshots import read_centralities, read_graph_tables, write_centralities

CENTRALITY_FACTORS = {  # factor name -> centrality column whose month-over-month change it is
    "graph_pagerank_change": "pagerank",
    "graph_supplier_count_change": "supplies_in",
    "graph_customer_count_change": "supplies_out",
    "graph_owner_count_change": "owners",
    "graph_board_interlock_change": "board_interlocks",
}


def gap_date(as_of: pd.Timestamp, gap_months: int) -> pd.Timestamp:
    """The training cut-off ``as_of - gap`` (month-end aligned when ``as_of`` is a month-end)."""
    as_of = pd.Timestamp(as_of)
    if as_of.is_month_end:
        return as_of - pd.offsets.MonthEnd(gap_months)
    return as_of - pd.DateOffset(months=gap_months)


# --- centralities -----------------------------------------------------------------------------
@dataclass
class CentralityResult:
    snapshots: int
    rows: int
    seconds: float

    def summary(self) -> dict:
        return {"snapshots": self.snapshots, "rows": self.rows, "seconds": round(self.seconds, 3)}


def compute_centralities(store: Store, dates: list[pd.Timestamp],
                         on_date: Callable[[pd.Timestamp], None] | None = None) -> CentralityResult:
    """Centrality history for ``dates``, written back keyed by (company, date)."""
    started = time.perf_counter()
    tables = read_graph_tables(store, known_until=max(dates))
    frame = centrality_history(tables, dates, on_date=on_date)
    rows = write_centralities(store, frame)
    return CentralityResult(len(dates), rows, time.perf_counter() - started)


def centrality_change_panels(history: pd.DataFrame) -> dict[str, pd.Series]:
    """Month-over-month change of each centrality, as factor panels indexed by (date, company_id)."""
    frame = history[CENTRALITY_COLUMNS].sort_values(["company_id", "date"])
    out = {}
    for factor, column in CENTRALITY_FACTORS.items():
        change = frame.groupby("company_id")[column].diff()
        panel = pd.Series(change.to_numpy(dtype=float), name=factor,
                          index=pd.MultiIndex.from_arrays([frame.date, frame.company_id], names=["date", "company_id"]))
        out[factor] = panel.dropna().sort_index()
    return out


# --- training ---------------------------------------------------------------------------------
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

    def summary(self) -> dict:
        meta = self.metadata
        curve = meta.get("curve", [])
        return {
            "model_version": self.version, "as_of": meta.get("as_of"), "split": meta.get("split"),
            "val_auc": round(self.val_auc, 4), "min_auc": meta.get("min_auc"),
            "gate": "pass" if self.passed else "fail",
            "promoted": self.promoted, "params": meta.get("params"), "device": meta.get("device"),
            "seconds": meta.get("seconds"),
            "loss_start": curve[0]["loss"] if curve else None, "loss_end": curve[-1]["loss"] if curve else None,
            "val_auc_curve": [round(p["val_auc"], 4) for p in curve if p.get("val_auc") is not None],
            "dir": str(self.version_dir) if self.version_dir else None,
        }


def train_model(
    store: Store,
    as_of: pd.Timestamp,
    models_dir: Path,
    *,
    gap_months: int = 3,
    split: str = "time",
    config: Any = None,
    device: str = "auto",
    predict: list[tuple[str, str, str]] | None = None,
    on_eval: Callable[[Any], None] | None = None,
    promote: bool = True,
) -> TrainOutcome:
    """Train HGT link prediction on the graph known at ``as_of``; save, gate, promote, record.

    ``split="time"`` (default): train on the snapshot at ``as_of - gap``, validate on relationships
    that became known in ``(as_of - gap, as_of]`` plus sampled negatives. ``split="random"``: one
    snapshot at ``as_of`` with a random edge split (reverse edges removed with their forward edge).
    Nothing known after ``as_of`` is read. ``promote=False`` saves and records the model without
    pointing ``models/hgt_link_pred.pt`` at it (e.g. the second seed of the drift-noise check).
    """
    from nexus_graph.model import checkpoint, metrics, splits, train
    from nexus_graph.store.models import record_model_version

    as_of = pd.Timestamp(as_of)
    config = config or train.TrainConfig()
    tables = read_graph_tables(store, known_until=as_of)
    if all(len(frame) == 0 for frame in tables.edges.values()):
        raise NexusError(f"No relationship is known at {as_of:%Y-%m-%d}: load a dataset first (`nexus-graph load`).")
    later = build_snapshot(tables, as_of)
    if split == "time":
        cut = gap_date(as_of, gap_months)
        train_graph = build_snapshot(tables, cut)
        link_split = splits.time_forward_split(train_graph, later, predict=predict, seed=config.seed)
    elif split == "random":
        train_graph = later
        link_split = splits.random_link_split(later, predict=predict, seed=config.seed)
    else:
        raise NexusError(f"--split must be 'time' or 'random' (got {split!r}).")
    result = train.train_link_predictor(train_graph, link_split, config, device=device, on_eval=on_eval)
    passed = metrics.passes_gate(result.val_auc, config.min_auc)
    meta = checkpoint.training_metadata(
        result, train_graph, as_of, split="time-forward" if split == "time" else "random",
        gap_months=gap_months if split == "time" else None,
        train_graph_as_of=f"{(cut if split == 'time' else as_of):%Y-%m-%d}", promoted=passed and promote)
    version_dir = checkpoint.save_checkpoint(result, models_dir, meta)
    if passed and promote:
        checkpoint.promote(models_dir, version_dir.name)
    meta = checkpoint.read_metadata(version_dir)
    record_model_version(store, meta)
    return TrainOutcome(version_dir.name, passed, passed and promote, float(result.val_auc), meta, version_dir,
                        result)


# --- backfill ---------------------------------------------------------------------------------
def backfill(
    store: Store,
    models_dir: Path,
    model: str | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    allow_look_ahead: bool = False,
    device: str = "cpu",
    on_date: Callable[[pd.Timestamp, bool], None] | None = None,
) -> BackfillResult:
    """Embed every month-end in [start, end] with a trained model and write embeddings + drift back."""
    from nexus_graph.model import checkpoint, train
    from nexus_graph.store.factors import write_factor_panel

    net, meta = checkpoint.load_checkpoint(models_dir, model)
    version, model_as_of = meta["version"], pd.Timestamp(meta["as_of"])
    dates = month_ends(start, end)
    if not dates:
        raise NexusError(f"No month-end between {start:%Y-%m-%d} and {end:%Y-%m-%d}.")
    tables = read_graph_tables(store, known_until=dates[-1])

    def embed(data) -> np.ndarray:
        return train.embed(net, data, device=device)["company"].detach().cpu().numpy()

    result = run_backfill(store, tables, dates, embed, version, model_as_of,
                          allow_look_ahead=allow_look_ahead, on_date=on_date)
    drift = embedding_drift(result.panel)
    write_factor_panel(store, drift, DRIFT_FACTOR, version)
    return result


def write_centrality_factors(store: Store) -> dict[str, int]:
    """Month-over-month centrality changes written as factors (no model version)."""
    from nexus_graph.store.factors import write_factor_panel

    history = read_centralities(store)
    if history.empty:
        raise NexusError("No centrality history in Neo4j yet: run `nexus-graph centralities` first.")
    return {name: write_factor_panel(store, panel, name, None)
            for name, panel in centrality_change_panels(history).items()}


def validate_embeddings(store: Store, models_dir: Path, model: str | None, date: pd.Timestamp | None,
                        checks: list, min_std: float = 1e-3):
    """Validation report of one month's stored embeddings (default: the latest embedded month)."""
    from nexus_graph.embeddings.validation import validate_snapshot
    from nexus_graph.model import checkpoint
    from nexus_graph.store.embeddings import embedded_dates, read_embedding_panel

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


# --- drift versus seed noise ------------------------------------------------------------------
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


def drift_noise(store: Store, models_dir: Path, model: str | None, start: pd.Timestamp, end: pd.Timestamp, *,
                seed: int = 1, device: str = "auto") -> NoiseOutcome:
    """Train a second model like ``model`` but with another seed; compare the two drift factors.

    The second model is saved and recorded (not promoted); its embeddings stay in memory.
    """
    from nexus_graph.embeddings.noise import seed_noise
    from nexus_graph.embeddings.panel import panel_from_arrays
    from nexus_graph.model import checkpoint, train
    from nexus_graph.store.factors import factor_panel

    meta = checkpoint.read_metadata(models_dir, model)
    version, as_of = meta["version"], pd.Timestamp(meta["as_of"])
    if seed == meta["seed"]:
        raise NexusError(f"--seed {seed} is the seed of {version}; pick another one.")
    hyper = meta["hyperparameters"]
    config = train.TrainConfig(seed=seed, **{k: hyper[k] for k in ("hidden", "heads", "layers", "dropout", "lr",
                                                                  "weight_decay", "epochs", "eval_every")})
    other = train_model(store, as_of, models_dir, gap_months=meta.get("gap_months") or 3,
                        split="time" if meta.get("split") == "time-forward" else "random", config=config,
                        device=device, promote=False)
    net, _ = checkpoint.load_checkpoint(models_dir, other.version)
    dates = [d for d in month_ends(start, end) if d >= as_of]
    tables = read_graph_tables(store, known_until=dates[-1])
    slices = []
    for date in dates:
        data = build_snapshot(tables, date)
        present = data["company"].present.numpy()
        vectors = train.embed(net, data, device="cpu")["company"].numpy()[present]
        ids = [cid for cid, p in zip(data["company"].node_id, present, strict=True) if p]
        slices.append(panel_from_arrays(date, ids, vectors))
    drift_b = embedding_drift(pd.concat(slices))
    drift_a = factor_panel(store, DRIFT_FACTOR, version)
    return NoiseOutcome(version, other.version, seed_noise(drift_a, drift_b))
