"""``demo``: the steps of the pipeline in order, on the embedded synthetic dataset, and nothing else.

generate -> load -> centralities -> train (gate) -> backfill -> validate embeddings and drift versus
seed noise -> evaluate at 21/63/126 days (registry) -> paper trade -> report. The run folder
(``runs/demo-<seed>-<signal>/`` by default) keeps the dataset, the JSON of each step and the report.
Prints nothing: ``on_start(title)`` is called before each step and ``on_done(key, result)`` after it
(the CLI prints there); each step's wall time is in the result. On a big graph the seed-noise
model of step 6 trains in a second process from step 3 on (:mod:`~nexus_graph.pipeline.background`),
beside the centralities' write-back, the first model and the backfill.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from nexus_graph.as_of import month_ends
from nexus_graph.embeddings.panel import DRIFT_FACTOR, embedding_drift
from nexus_graph.embeddings.validation import parse_check
from nexus_graph.errors import NexusError, UsageError
from nexus_graph.model.config import TrainConfig
from nexus_graph.pipeline.backfill import backfill
from nexus_graph.pipeline.background import BackgroundFit
from nexus_graph.pipeline.evaluate import evaluate_stored_factor
from nexus_graph.pipeline.load import load_step
from nexus_graph.pipeline.paper_trade import TRADEABLE, paper_trade_stored
from nexus_graph.pipeline.report import write_report
from nexus_graph.pipeline.snapshots import centralities_step, read_graph_tables
from nexus_graph.pipeline.train import train_model
from nexus_graph.pipeline.validate import drift_noise, validate_embeddings
from nexus_graph.report.run_files import write_run_files
from nexus_graph.snapshot.hetero import SnapshotCache
from nexus_graph.snapshot.tables import GraphTables
from nexus_graph.sources import demo as demo_data
from nexus_graph.sources.dataset import read_dataset
from nexus_graph.sources.demo import DEMO_CHECKS
from nexus_graph.sources.demo.card import dataset_card, live_counts, write_card
from nexus_graph.sources.tables import write_dataset
from nexus_graph.store.protocol import Store
from nexus_graph.store.registry import count_tests

SIGNALS = ("drift", "none")
NOISE_SEED = 1  # the seed of the second model of the seed-noise check (the first model's is the default, 0)
# a second process pays off when training outlasts starting one (~10 s of imports, on a core the first
# training then shares): measured, x1 (8k intervals) got slower by ~8 s, x20 (166k) faster by ~80 s
BACKGROUND_MIN_INTERVALS = 50_000
AS_OF, FIRST, LAST = pd.Timestamp("2021-05-31"), pd.Timestamp("2021-05-31"), pd.Timestamp("2026-03-31")


@dataclass(frozen=True)
class DemoSettings:
    """What the demo runs: the dataset (seed, signal, strength), the dates, the training and where it writes."""

    run_dir: Path
    models_dir: Path
    seed: int = 7
    signal: str = "drift"
    strength: float | None = None  # None: the generator's default
    as_of: pd.Timestamp = AS_OF  # the model sees only what was known then
    first: pd.Timestamp = FIRST  # first month-end embedded (its drift starts a month later)
    last: pd.Timestamp = LAST
    epochs: int = 300
    device: str = "auto"
    fresh: bool = True  # wipe the graph data (not the registry) before loading
    noise_in_background: bool | None = None  # train the seed-noise model in a second process; None: by size

    def checked(self) -> DemoSettings:
        if self.signal not in SIGNALS:
            raise UsageError(f"--signal must be 'drift' or 'none' (got {self.signal!r}).")
        return self


@dataclass
class DemoResult:
    """Each step's summary and wall time."""

    run_dir: Path
    steps: dict[str, Any] = field(default_factory=dict)
    times: list[tuple[str, float]] = field(default_factory=list)

    @property
    def report(self) -> str | None:
        return self.steps.get("report")

    def summary(self) -> dict[str, Any]:
        return {"run_dir": str(self.run_dir), **self.steps,
                "seconds": {name: round(s, 3) for name, s in self.times}}


OnStart = Callable[[str], None]
OnDone = Callable[[str, Any], None]


def run_demo(store: Store, settings: DemoSettings, *, on_start: OnStart | None = None,
             on_done: OnDone | None = None) -> DemoResult:
    """Run every step in order on the demo dataset of ``settings`` (see the module docstring)."""
    s = settings.checked()
    start, done = on_start or (lambda _title: None), on_done or (lambda _key, _result: None)
    out = DemoResult(s.run_dir)

    @contextmanager
    def step(title: str) -> Iterator[None]:
        start(title)
        began = time.perf_counter()
        yield
        out.times.append((title, time.perf_counter() - began))

    data_dir = s.run_dir / "dataset"
    strength = demo_data.DEFAULT_STRENGTH if s.strength is None else s.strength
    title = f"nexus-graph demo (seed {s.seed}, signal {s.signal}, strength {strength:g})"
    write_run_files(s.run_dir, title=title, synthetic=True,
                    extra={"seed": s.seed, "signal": s.signal, "strength": strength})

    with step("1. generate the demo dataset (SYNTHETIC)"):
        dataset = demo_data.generate(seed=s.seed, signal=s.signal, strength=strength)
        # Parquet: the x20 prices (3.6M rows) take 0.4 s to write instead of 6.5 s as CSV; `load` reads either
        write_dataset(dataset, data_dir, fmt="parquet")
        write_card(data_dir, dataset_card(dataset, seed=s.seed, scale=1, signal=s.signal, strength=strength,
                                          fmt="parquet"))
        done("generate", (dataset, live_counts(dataset), data_dir))

    with step("2. validate and load into Neo4j"):
        loaded = load_step(store, read_dataset(data_dir), replace=s.fresh, keep_registry=True)
        out.steps["load"] = loaded.written
        done("load", loaded)

    # centralities from the first month-end after `first`, so their changes -- like the drift -- exist
    # on the 58 evaluation month-ends 2021-06-30 .. 2026-03-31 of the defaults
    dates = month_ends(s.first, s.last)
    config = TrainConfig(epochs=s.epochs)  # the first model's; the seed-noise model's is the same with NOISE_SEED
    with ExitStack() as background:
        with step(f"3. snapshots and centralities ({len(dates)} month-ends)"):
            # the later steps change no node or interval: one bulk read serves them all, each step
            # slicing it to what it may know (read_graph_tables), and the snapshots the backfill
            # builds are kept for the seed-noise check (SnapshotCache)
            graph = read_graph_tables(store)
            # on a big graph the seed-noise model (step 6) trains from here on in a second process: same data,
            # another seed, on the core this process leaves idle while Neo4j writes the centralities and the
            # backfill
            noise_fit = None
            if s.noise_in_background or (s.noise_in_background is None
                                         and graph.intervals() >= BACKGROUND_MIN_INTERVALS):
                noise_fit = background.enter_context(BackgroundFit(
                    read_graph_tables(store, s.as_of, graph=graph), s.as_of,
                    replace(config, seed=NOISE_SEED), device=s.device))
            snapshots = SnapshotCache(graph)
            cent = centralities_step(store, dates, graph=graph)
            out.steps["centralities"] = {k: v for k, v in cent.summary().items() if k != "factors"}
            done("centralities", cent)
        return _from_training(store, s, out, step, done, config, graph, snapshots, noise_fit)


def _from_training(store: Store, s: DemoSettings, out: DemoResult, step: Callable[[str], AbstractContextManager[None]],
                   done: OnDone, config: TrainConfig, graph: GraphTables, snapshots: SnapshotCache,
                   noise_fit: BackgroundFit | None) -> DemoResult:
    """Steps 4-9; ``noise_fit`` is the seed-noise model's training when it runs in a second process."""
    with step(f"4. train HGT link prediction at {s.as_of:%Y-%m-%d} (gate)"):
        # the demo goes on with a model that trails the heuristic baseline, and says so (baseline_note)
        outcome = train_model(store, s.as_of, s.models_dir, config=config, device=s.device,
                              allow_below_baseline=True, graph=graph)
        out.steps["training"] = outcome.summary()
        write_run_files(s.run_dir, training=outcome.metadata)
        done("train", outcome)
        if not outcome.passed:
            raise NexusError(f"The model failed the gate (val AUC {outcome.val_auc:.4f}); the demo stops here.")

    with step("5. backfill embeddings and drift"):
        result = backfill(store, s.models_dir, outcome.version, s.first, s.last, graph=graph, snapshots=snapshots)
        out.steps["backfill"] = result.summary()
        done("backfill", result)

    with step("6. validate embeddings; drift versus seed noise"):
        report = validate_embeddings(store, s.models_dir, outcome.version, None, [parse_check(c) for c in DEMO_CHECKS])
        noise = drift_noise(store, s.models_dir, outcome.version, s.first, s.last, seed=NOISE_SEED, device=s.device,
                            graph=graph, snapshots=snapshots, drift=embedding_drift(result.panel),
                            fitted=noise_fit.result() if noise_fit else None)
        validation = {**report.as_dict(), "seed_noise_model": noise.model_b,
                      **{f"seed_{k}": v for k, v in noise.figures.items()}, "seed_noise": noise.statement()}
        out.steps["validation"] = validation
        write_run_files(s.run_dir, validation=validation)
        done("validate", (report, noise))

    with step(f"7. evaluate {DRIFT_FACTOR} at 21/63/126 days, registry"):
        evaluated = evaluate_stored_factor(store, DRIFT_FACTOR, model_version=outcome.version,
                                           report_dir=s.run_dir / "evaluate")
        ev = evaluated.summary()
        out.steps["evaluation"] = {k: v for k, v in ev.items() if k not in (
            "ic", "previously_rejected", "warning", "registration", "report_files")}
        out.steps["registration"] = evaluated.registration
        out.steps["registry_tests"] = count_tests(store)
        write_run_files(s.run_dir, evaluation={**{k: ev[k] for k in out.steps["evaluation"]}, "ic": ev["ic"],
                                               "summary": ev["horizons"]})
        done("evaluate", evaluated)

    with step("8. paper trade the drift factor (only if it passed)"):
        status = evaluated.evaluation.decision.status
        if status not in TRADEABLE:
            skipped = (f"Not traded: {DRIFT_FACTOR} was judged {evaluated.evaluation.decision.verdict} (status "
                       f"{status}); the demo trades only signals that passed (`paper-trade --force` would).")
            out.steps["paper_trade"] = {"traded": False, "note": skipped}
            write_run_files(s.run_dir, extra={"paper_trade": skipped})  # the report's run details say why
            done("paper_trade_skipped", skipped)
        else:
            traded = paper_trade_stored(store, [DRIFT_FACTOR], model_version=outcome.version)
            out.steps["portfolio"] = traded.stats
            out.steps["paper_trade"] = {"traded": True, "run_id": traded.run_id,
                                        "deflated_sharpe_n": traded.result.config.n_trials}
            write_run_files(s.run_dir, portfolio=traded.result)
            done("paper_trade", traded)

    with step("9. report"):
        written = write_report(s.run_dir)
        out.steps["report"] = str(written.path)
        done("report", written)
    return out
