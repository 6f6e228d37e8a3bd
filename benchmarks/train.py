"""Training benchmark: nexus-graph's HGT training against the plain-PyG reference recipe, one run.

    python -m benchmarks.train                        # demo dataset, snapshots 2023-12-31 and 2023-09-30
    python -m benchmarks.train --scale 20             # demo x20
    python -m benchmarks.train --data graph.pt [--earlier graph_at_asof_minus_gap.pt]
    python -m benchmarks.train --synthetic --scale 5  # block-model graphs (no demo generator needed)

What is timed, on the SAME saved snapshot, interleaved ``--repeats`` times (the machine is shared, so
medians and minima are printed):

- ``reference``: ``../shared/bench/reference_hgt.py --data graph.pt`` in a subprocess with this Python,
  as shipped (torch's default thread count), and ``reference-1t`` with ``OMP_NUM_THREADS=1``.
  Its task: ``RandomLinkSplit`` (10% val / 10% test) on ``supplies`` after ``ToUndirected`` -- note
  that ``ToUndirected`` merges each supply edge's reverse into the same edge type and the split is
  not told, so a validation edge's reverse stays visible to the encoder (optimistic AUC).
- ``ours-same-task``: our trainer on the same kind of task -- a random 10% hold-out of ``supplies``
  only, scored against as many uniform non-edges -- with held-out edges hidden in both directions.
- ``ours-default`` (when an earlier snapshot exists): the default recipe, a time-forward split
  (train on ``asof - gap``, validate on relationships that became known by ``asof``), all types,
  degree-matched negatives (harder than uniform ones: popularity alone scores 0.5).

Both report wall seconds of their training loop including validation (ours also includes building
the model and its index structures); the ratio is ours-same-task / reference at the median. Target:
<= 0.5 at equal or better validation AUC. Because a shared machine's load swings wall times, the
1-thread reference is also timed in CPU seconds (its own timer switched to process time, the script
unchanged) against our training's CPU seconds: ``cpu_vs_reference-1t``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch
from torch_geometric.data import HeteroData

from nexus_graph.model.splits import random_link_split, time_forward_split
from nexus_graph.model.synthetic import SUPPLIES, BlockModelShape, block_model_snapshots
from nexus_graph.model.train import TrainConfig, train_link_predictor

DEFAULT_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "bench" / "reference_hgt.py"


def demo_snapshots(seed: int, scale: int, asof: str, gap_months: int) -> tuple[HeteroData, HeteroData]:
    """(earlier, later) snapshots of the demo dataset at ``asof - gap`` and ``asof`` (no Neo4j needed)."""
    from nexus_graph.snapshot.hetero import build_snapshot
    from nexus_graph.snapshot.tables import graph_tables_from_dataset
    from nexus_graph.sources.demo import generate

    tables = graph_tables_from_dataset(generate(seed=seed, scale=scale))
    later = pd.Timestamp(asof)
    return build_snapshot(tables, later - pd.DateOffset(months=gap_months)), build_snapshot(tables, later)


# Runs the reference script unchanged; with --cpu-time its own timer reads process CPU time instead of
# wall time (time.perf_counter is swapped before the script runs), so that its "seconds" are the CPU
# seconds of its training loop: a figure a busy, shared machine distorts far less than wall time.
_WRAPPER = """
import runpy, sys, time
if sys.argv[1] == "cpu":
    time.perf_counter = time.process_time
script = sys.argv[2]
sys.argv = [script] + sys.argv[3:]
runpy.run_path(script, run_name="__main__")
"""


def run_reference(script: Path, graph: Path, epochs: int, one_thread: bool, clock: str = "wall") -> dict:
    """One reference run; its own JSON line (``seconds`` by ``clock``: wall or cpu)."""
    env = dict(os.environ)
    if one_thread:
        env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [sys.executable, "-c", _WRAPPER, clock, str(script), "--data", str(graph), "--epochs", str(epochs)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"reference failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_ours(train_graph: HeteroData, later: HeteroData | None, task: str, epochs: int, device: str) -> dict:
    """One of our runs: ``same-task`` (random split on supplies) or ``default`` (time-forward, all types)."""
    started = time.perf_counter()
    if task == "same-task":
        # uniform negatives, like the reference's negative_sampling: the same task kind
        split = random_link_split(train_graph, val_ratio=0.1, predict=[SUPPLIES], seed=0, negatives="uniform")
    else:
        assert later is not None
        split = time_forward_split(train_graph, later, seed=0)
    split_seconds = time.perf_counter() - started
    cpu = time.process_time()
    result = train_link_predictor(train_graph, split, TrainConfig(epochs=epochs), device=device)
    cpu = time.process_time() - cpu
    return {"seconds": round(result.seconds, 3), "cpu_seconds": round(cpu, 3), "split_seconds": round(split_seconds, 3),
            "val_auc": round(result.val_auc, 4), "by_type": {k: round(v, 4) for k, v in result.val_auc_by_type.items()},
            "mode": result.mode, "device": result.device, "params": result.params}


def summarise(runs: list[dict]) -> dict:
    seconds = [r["seconds"] for r in runs]
    cpu = [r["cpu_seconds"] for r in runs if "cpu_seconds" in r]
    return {"median_s": round(statistics.median(seconds), 3), "min_s": round(min(seconds), 3),
            "median_cpu_s": round(statistics.median(cpu), 3) if cpu else None,
            "val_auc": round(statistics.median(r["val_auc"] for r in runs), 4), "runs": runs}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, help="saved snapshot (HeteroData, torch.save) at the as-of date")
    ap.add_argument("--earlier", type=Path, help="saved snapshot at asof - gap (enables the default task)")
    ap.add_argument("--synthetic", action="store_true", help="block-model graphs instead of the demo dataset")
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7, help="demo dataset seed")
    ap.add_argument("--asof", default="2023-12-31")
    ap.add_argument("--gap-months", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cpu", help="device of OUR runs (the reference is CPU-only)")
    ap.add_argument("--reference", type=Path, default=Path(os.environ.get("NEXUS_REFERENCE_HGT", DEFAULT_REFERENCE)))
    ap.add_argument("--skip-reference-default", action="store_true", help="only the 1-thread reference")
    ap.add_argument("--json", type=Path, help="also write the result here")
    a = ap.parse_args(argv)

    if a.data:
        later = torch.load(a.data, weights_only=False)
        earlier = torch.load(a.earlier, weights_only=False) if a.earlier else None
        source = str(a.data)
    elif a.synthetic:
        earlier, later = block_model_snapshots(BlockModelShape().scaled(a.scale), seed=a.seed)
        source = f"block model x{a.scale}"
    else:
        earlier, later = demo_snapshots(a.seed, a.scale, a.asof, a.gap_months)
        source = f"demo seed {a.seed} x{a.scale} at {a.asof} (earlier: -{a.gap_months} months)"
    nodes = {nt: int(later[nt].num_nodes) for nt in later.node_types}
    edges = {"__".join(et): int(later[et].edge_index.size(1)) for et in later.edge_types}

    runs: dict[str, list[dict]] = {"reference": [], "reference-1t": [], "ours-same-task": [], "ours-default": []}
    # untimed warm-up of this process (library initialisation, first-call allocations), as the
    # reference warms its model up with one forward pass before its timer starts
    run_ours(later, None, "same-task", 2, a.device)
    with tempfile.TemporaryDirectory() as tmp:
        graph_path = Path(tmp) / "graph.pt"
        torch.save(later, graph_path)
        for i in range(a.repeats):
            if not a.skip_reference_default:
                runs["reference"].append(run_reference(a.reference, graph_path, a.epochs, one_thread=False))
            runs["reference-1t"].append(run_reference(a.reference, graph_path, a.epochs, one_thread=True))
            cpu_ref = run_reference(a.reference, graph_path, a.epochs, one_thread=True, clock="cpu")
            runs["reference-1t"][-1]["cpu_seconds"] = cpu_ref["seconds"]
            runs["ours-same-task"].append(run_ours(later, None, "same-task", a.epochs, a.device))
            if earlier is not None:
                runs["ours-default"].append(run_ours(earlier, later, "default", a.epochs, a.device))
            print(f"repeat {i + 1}/{a.repeats}: " + ", ".join(
                f"{k} {v[-1]['seconds']:.2f}s AUC {v[-1]['val_auc']:.3f}" for k, v in runs.items() if v),
                file=sys.stderr)

    table = {k: summarise(v) for k, v in runs.items() if v}
    ours = table["ours-same-task"]["median_s"]
    ratios = {f"vs_{k}": round(ours / table[k]["median_s"], 3) for k in ("reference", "reference-1t") if k in table}
    cpu_ours, cpu_ref = table["ours-same-task"]["median_cpu_s"], table["reference-1t"]["median_cpu_s"]
    ratios["cpu_vs_reference-1t"] = round(cpu_ours / cpu_ref, 3)
    report = {"benchmark": "train", "source": source, "nodes": nodes, "edges": edges, "epochs": a.epochs,
              "torch": torch.__version__, "threads_default": torch.get_num_threads(), "ratio": ratios, "table": table}
    print(f"\n{source}: nodes {nodes}, edges {edges}, {a.epochs} epochs")
    print(f"{'run':<16}{'median s':>10}{'min s':>9}{'cpu s':>8}{'val AUC':>9}  task")
    tasks = {"reference": "reference recipe (random split on supplies, reverse leaks)",
             "reference-1t": "same, OMP_NUM_THREADS=1",
             "ours-same-task": "random 10% of supplies held out (both directions)",
             "ours-default": "time-forward, all relationship types"}
    for name, row in table.items():
        cpu = f"{row['median_cpu_s']:.3f}" if row["median_cpu_s"] is not None else "-"
        print(f"{name:<16}{row['median_s']:>10.3f}{row['min_s']:>9.3f}{cpu:>8}{row['val_auc']:>9.4f}  {tasks[name]}")
    print("ratio ours-same-task / reference: " + ", ".join(f"{k} {v:.3f}" for k, v in ratios.items()))
    print(json.dumps({k: v for k, v in report.items() if k != "table"}))
    if a.json:
        a.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
