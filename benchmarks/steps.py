"""The benchmark steps, each run in its own worker process: ``python -m benchmarks.steps STEP ...``.

A step reads what earlier steps left in its work folder (``dataset/``, saved snapshots, the model
version) and in Neo4j, does the timed work, and returns ``figures`` (a flat-ish dict of numbers and
labels). The worker adds its own peak RSS and that of its largest child and writes one JSON file.
Steps never print to stdout (the suite's table is the output); subprocess output goes to the log.

Timed work per step (what the seconds mean):

- ``generate``: the demo generator at the size's scale, written as Parquet (not a target).
- ``load``: ``read_dataset`` (parse + validate every table) and, apart, ``load_dataset`` into an empty
  graph (the wipe before it is untimed; so is saving the prices for the evaluation). Option
  ``load_rounds`` repeats wipe + load; the median write and the first one are reported.
- ``snapshots``: one bulk ``read_graph_tables`` + ``build_snapshot`` for the 58 month-ends
  2021-06-30 .. 2026-03-31 (the 2023-09-30 / 2023-12-31 snapshots are then saved, untimed, for ``train``).
- ``centralities``: ``pipeline.compute_centralities`` for the 58 month-ends, write-back included.
- ``train``: ``benchmarks.train`` -- the reference recipe (subprocess) and ours on the same saved snapshot.
- ``train_model``: ``pipeline.train_model`` at 2021-06-30 (time-forward split, default mode choice;
  the scenario forces mini-batch), checkpoint and ``(:ModelVersion)`` included.
- ``backfill``: ``pipeline.backfill`` of the 58 month-ends with that model, embeddings and drift written.
- ``evaluation``: ``pipeline.evaluate.evaluate_stored_factor`` on the drift factor (registry + report files).
- ``demo``: ``nexus-graph demo --json`` in a subprocess (at scale K > 1 with the generator's scale patched).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.memory import children_peak_mib, self_peak_mib

FIRST, LAST = pd.Timestamp("2021-06-30"), pd.Timestamp("2026-03-31")  # the 58 month-ends
TRAIN_SNAPSHOT, EARLIER_SNAPSHOT = "2023-12-31", "2023-09-30"  # benchmarks.train's default pair
MODEL_AS_OF = FIRST  # backfilled months are never before the model's as-of date (no look-ahead)


@dataclass(frozen=True)
class Context:
    """Where a size's files live and the knobs the steps read."""

    size: str  # "x1", "x20", "scenario"
    scale: int
    work: Path
    seed: int = 7
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def dataset_dir(self) -> Path:
        return self.work / "dataset"

    @property
    def models_dir(self) -> Path:
        return self.work / "models"

    def snapshot_path(self, date: str) -> Path:
        return self.work / f"graph-{date}.pt"

    @property
    def log(self) -> Path:
        return self.work / "steps.log"


def _store():
    from nexus_graph.store import Store

    return Store.connect()


def step_generate(ctx: Context) -> dict:
    from nexus_graph.sources.demo import generate
    from nexus_graph.sources.tables import write_dataset

    started = time.perf_counter()
    dataset = generate(seed=ctx.seed, scale=ctx.scale)
    generated = time.perf_counter() - started
    write_dataset(dataset, ctx.dataset_dir, fmt="parquet")
    return {"seconds": round(time.perf_counter() - started, 3), "generate_s": round(generated, 3),
            "rows": {name: len(frame) for name, frame in dataset.tables().items()}}


def step_load(ctx: Context) -> dict:
    from nexus_graph import schema
    from nexus_graph.sources.dataset import read_dataset
    from nexus_graph.sources.prices import save_prices
    from nexus_graph.store.admin import init_schema, wipe
    from nexus_graph.store.graph import DEFAULT_BATCH_SIZE, graph_counts, load_dataset

    started = time.perf_counter()
    dataset = read_dataset(ctx.dataset_dir)
    validate_s = time.perf_counter() - started
    rels = sum(len(dataset.relationships(spec)) for spec in schema.REL_SPECS)
    rows = sum(len(frame) for frame in dataset.tables().values())
    rounds = max(1, int(ctx.options.get("load_rounds", 1)))
    batch_size = int(ctx.options.get("batch_size", DEFAULT_BATCH_SIZE))
    write_s: list[float] = []
    with _store() as store:
        init_schema(store)
        wipe_s = 0.0
        for _ in range(rounds):  # the last round's graph stays for the later steps
            started = time.perf_counter()
            wipe(store)
            wipe_s += time.perf_counter() - started
            started = time.perf_counter()
            written = load_dataset(store, dataset, batch_size=batch_size)
            write_s.append(time.perf_counter() - started)
        counts = graph_counts(store)
    if sum(counts["relationships"].values()) != rels:
        raise RuntimeError(f"loaded {counts['relationships']} relationships, expected {rels}")
    if len(dataset.prices):
        save_prices(dataset.prices)  # the evaluation reads them (NEXUS_GRAPH_DATA_HOME)
    median_s = sorted(write_s)[len(write_s) // 2]
    return {"seconds": round(validate_s + median_s, 3), "validate_s": round(validate_s, 3),
            "write_s": round(median_s, 3), "write_s_rounds": [round(x, 3) for x in write_s],
            "wipe_s_untimed": round(wipe_s, 3), "relationships": rels,
            "rows_validated": rows, "validate_rel_per_s": round(rels / validate_s),
            "validate_rows_per_s": round(rows / validate_s), "write_rel_per_s": round(rels / median_s),
            "write_first_rel_per_s": round(rels / write_s[0]), "written": written}


def step_snapshots(ctx: Context) -> dict:
    import torch

    from nexus_graph.as_of import month_ends
    from nexus_graph.pipeline.snapshots import read_graph_tables
    from nexus_graph.snapshot.hetero import build_snapshot

    dates = month_ends(FIRST, LAST)
    with _store() as store:
        started = time.perf_counter()
        tables = read_graph_tables(store, known_until=dates[-1])
        read_s = time.perf_counter() - started
        edges = 0
        for date in dates:
            data = build_snapshot(tables, date)
            edges += sum(int(data[et].edge_index.size(1)) for et in data.edge_types)
        seconds = time.perf_counter() - started
    for date in (TRAIN_SNAPSHOT, EARLIER_SNAPSHOT):  # for the `train` step (untimed)
        torch.save(build_snapshot(tables, pd.Timestamp(date)), ctx.snapshot_path(date))
    intervals = sum(len(frame) for frame in tables.edges.values())
    return {"seconds": round(seconds, 3), "snapshots": len(dates), "read_s": round(read_s, 3),
            "build_s": round(seconds - read_s, 3), "intervals_read": intervals,
            "mean_edges_per_snapshot": round(edges / len(dates))}


def step_centralities(ctx: Context) -> dict:
    from nexus_graph.as_of import month_ends
    from nexus_graph.pipeline.snapshots import compute_centralities

    with _store() as store:
        result = compute_centralities(store, month_ends(FIRST, LAST))
    return {"seconds": round(result.seconds, 3), **result.summary()}


def step_train(ctx: Context) -> dict:
    """Ours vs the reference recipe on the same saved snapshot (benchmarks/train.py does the runs)."""
    import statistics

    import torch

    from benchmarks import train as bench_train

    later = torch.load(ctx.snapshot_path(TRAIN_SNAPSHOT), weights_only=False)
    earlier = torch.load(ctx.snapshot_path(EARLIER_SNAPSHOT), weights_only=False)
    epochs = int(ctx.options.get("epochs", 300))
    repeats = int(ctx.options.get("train_repeats", 1))
    reference = Path(os.environ.get("NEXUS_REFERENCE_HGT", bench_train.DEFAULT_REFERENCE))
    runs: dict[str, list[dict]] = {"reference": [], "reference-1t": [], "ours-same-task": [], "ours-default": []}
    graph = ctx.snapshot_path(TRAIN_SNAPSHOT)
    started = time.perf_counter()
    as_shipped = bool(ctx.options.get("reference_as_shipped", True))
    for _ in range(repeats):  # interleaved, so load changes on the shared machine hit both alike
        if as_shipped:
            runs["reference"].append(bench_train.run_reference(reference, graph, epochs, one_thread=False))
        runs["reference-1t"].append(bench_train.run_reference(reference, graph, epochs, one_thread=True))
        runs["ours-same-task"].append(bench_train.run_ours(later, None, "same-task", epochs, "auto"))
        runs["ours-default"].append(bench_train.run_ours(earlier, later, "default", epochs, "auto"))
    median = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items() if v}
    auc = {k: statistics.median(r["val_auc"] for r in v) for k, v in runs.items() if v}
    ratio = {"ratio": round(median["ours-same-task"] / median["reference"], 3)} if as_shipped else {}
    return {"seconds": round(time.perf_counter() - started, 3), "epochs": epochs, "repeats": repeats, **ratio,
            "ratio_vs_reference_1t": round(median["ours-same-task"] / median["reference-1t"], 3),
            "median_s": {k: round(v, 3) for k, v in median.items()}, "val_auc": auc,
            "mode": runs["ours-same-task"][0]["mode"], "device": runs["ours-same-task"][0]["device"],
            "edges": {"__".join(et): int(later[et].edge_index.size(1)) for et in later.edge_types}}


def step_train_model(ctx: Context) -> dict:
    from nexus_graph.model.train import TrainConfig
    from nexus_graph.pipeline.train import train_model

    overrides = dict(ctx.options.get("train_config", {}))
    config = TrainConfig(**overrides)
    # a fresh models folder: the version name comes from the data, and a re-run whose weights differ
    # (another config, CPU thread count) would be refused as a clash with the earlier checkpoint
    shutil.rmtree(ctx.models_dir, ignore_errors=True)
    started = time.perf_counter()
    with _store() as store:
        outcome = train_model(store, MODEL_AS_OF, ctx.models_dir, config=config, device="auto",
                              allow_below_baseline=True)
    seconds = time.perf_counter() - started
    (ctx.work / "model_version.txt").write_text(outcome.version, encoding="utf-8")
    result = outcome.result
    baseline = None if outcome.baseline is None else round(outcome.baseline.auc, 4)
    return {"seconds": round(seconds, 3), "training_loop_s": round(result.seconds, 3), "mode": result.mode,
            "device": result.device, "val_auc": round(outcome.val_auc, 4), "baseline_auc": baseline,
            # the default combined decoder: the HGT alone beside the combination (None for the other decoders)
            "hgt_auc": outcome.summary().get("hgt_auc"), "decoder": result.decoder.get("kind"),
            "gate": "pass" if outcome.passed else "fail",
            "epochs": config.epochs, "config": overrides, "params": result.params, "version": outcome.version}


def step_backfill(ctx: Context) -> dict:
    from nexus_graph.pipeline.backfill import backfill

    version = (ctx.work / "model_version.txt").read_text(encoding="utf-8").strip()
    started = time.perf_counter()
    with _store() as store:
        result = backfill(store, ctx.models_dir, version, FIRST, LAST, device="auto")
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "embed_and_write_s": round(result.seconds, 3),
            "rows_written": result.rows_written, "snapshots": result.snapshots, "dim": result.dim}


def step_evaluation(ctx: Context) -> dict:
    from nexus_graph.embeddings.panel import DRIFT_FACTOR
    from nexus_graph.pipeline.evaluate import evaluate_stored_factor

    version = (ctx.work / "model_version.txt").read_text(encoding="utf-8").strip()
    started = time.perf_counter()
    with _store() as store:
        outcome = evaluate_stored_factor(store, DRIFT_FACTOR, model_version=version,
                                         report_dir=ctx.work / "evaluate")
    decision = outcome.evaluation.decision
    return {"seconds": round(time.perf_counter() - started, 3), "verdict": decision.verdict,
            "status": decision.status}


DEMO_WITH_SCALE = ("import functools, sys; import nexus_graph.sources.demo as d; "
                   "d.generate = functools.partial(d.generate, scale=int(sys.argv.pop(1))); "
                   "from nexus_graph.cli import main; sys.argv[0] = 'nexus-graph'; main()")


def step_demo(ctx: Context) -> dict:
    """``nexus-graph demo --json`` as a user runs it; at scale K > 1 the generator's scale is patched."""
    run_dir = ctx.work / "demo"
    args = ["demo", "--json", "--run-dir", str(run_dir), "--epochs", str(int(ctx.options.get("epochs", 300)))]
    if ctx.scale == 1:
        command = [str(Path(sys.executable).with_name("nexus-graph")), *args]
    else:
        command = [sys.executable, "-c", DEMO_WITH_SCALE, str(ctx.scale), *args]
    models = ctx.work / "demo-models"  # fresh: a checkpoint of an earlier run with other weights is refused
    shutil.rmtree(models, ignore_errors=True)
    env = dict(os.environ, NEXUS_GRAPH_MODELS=str(models))
    if ctx.options.get("torch_threads"):
        env["OMP_NUM_THREADS"] = str(ctx.options["torch_threads"])
    started = time.perf_counter()
    with ctx.log.open("a", encoding="utf-8") as log:
        out = subprocess.run(command, stdout=subprocess.PIPE, stderr=log, text=True, check=False, env=env)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise RuntimeError(f"`nexus-graph demo` exited {out.returncode}; see {ctx.log}")
    summary = json.loads(out.stdout[out.stdout.index("{"):])
    per_step = summary.get("seconds", {})
    return {"seconds": round(sum(per_step.values()), 3), "wall_s_with_startup": round(wall, 3),
            "per_step_s": per_step, "val_auc": summary.get("training", {}).get("val_auc"),
            "gate": summary.get("training", {}).get("gate"),
            "verdict": summary.get("evaluation", {}).get("verdict")}


def step_scenario_generate(ctx: Context) -> dict:
    from benchmarks.scale_scenario import ScenarioShape, generate_scenario
    from nexus_graph.sources.tables import write_dataset

    fraction = float(ctx.options.get("fraction", 1.0))
    shape = ScenarioShape().scaled(fraction)
    started = time.perf_counter()
    dataset = generate_scenario(shape, seed=ctx.seed)
    generated = time.perf_counter() - started
    write_dataset(dataset, ctx.dataset_dir, fmt="parquet")
    return {"seconds": round(time.perf_counter() - started, 3), "generate_s": round(generated, 3),
            "rows": {name: len(frame) for name, frame in dataset.tables().items()}, "fraction": fraction}


STEPS: dict[str, Callable[[Context], dict]] = {
    "generate": step_generate, "load": step_load, "snapshots": step_snapshots, "centralities": step_centralities,
    "train": step_train, "train_model": step_train_model, "backfill": step_backfill,
    "evaluation": step_evaluation, "demo": step_demo, "scenario_generate": step_scenario_generate,
}


def run_step(name: str, ctx: Context) -> dict:
    """Run one step here; its figures plus this process's peak RSS, or the error."""
    ctx.work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"step": name, "size": ctx.size}
    threads = ctx.options.get("torch_threads")
    if threads:  # steps whose graphs are not "small" otherwise keep torch's default (one per core)
        import torch

        torch.set_num_threads(int(threads))
    try:
        out["figures"] = STEPS[name](ctx)
    except Exception as exc:  # the suite reports a failed step and goes on
        out["error"] = f"{type(exc).__name__}: {exc}"
        with ctx.log.open("a", encoding="utf-8") as log:
            log.write(f"--- {ctx.size} {name} failed\n{traceback.format_exc()}\n")
    out["peak_mib"] = round(self_peak_mib(), 1)
    out["child_peak_mib"] = round(children_peak_mib(), 1)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Run one benchmark step (used by `python -m benchmarks`).")
    ap.add_argument("step", choices=sorted(STEPS))
    ap.add_argument("--size", required=True)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--options", default="{}", help="JSON object of step options")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    ctx = Context(a.size, a.scale, a.work, a.seed, json.loads(a.options))
    a.out.write_text(json.dumps(run_step(a.step, ctx), default=str), encoding="utf-8")


if __name__ == "__main__":
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    main()
