"""The benchmark suite: every step at each size, one table (rich) with targets, and a JSON file.

Each step runs in a fresh worker process (:mod:`benchmarks.steps`) so that its peak resident set
is its own; Neo4j's resident set is sampled beside it. Sizes: ``x1`` (the demo dataset), ``xK``
(``nexus_graph.sources.demo.generate(scale=K)``) and, on request, ``scenario``
(:mod:`benchmarks.scale_scenario`). Steps of one size run in data-flow order and share a work
folder; a failed step is reported and the suite goes on (later steps may then fail too).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.memory import RssSampler, neo4j_pid

DEMO_STEPS = ("generate", "load", "snapshots", "centralities", "train", "train_model", "backfill",
              "evaluation", "demo")
SCENARIO_STEPS = ("scenario_generate", "load", "snapshots", "train_model", "backfill")
# what each step reads from an earlier one: it is skipped when one of these failed at the same size
DEPENDS: dict[str, tuple[str, ...]] = {
    "load": ("generate", "scenario_generate"), "snapshots": ("load",), "centralities": ("load",),
    "train": ("snapshots",), "train_model": ("load",), "backfill": ("train_model",), "evaluation": ("backfill",),
}


@dataclass(frozen=True)
class Size:
    """One dataset size: its label, the demo scale (1 for the scenario) and its steps."""

    label: str
    scale: int
    steps: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Metric:
    """One row of the table: a figure of a step, its unit and target, and where the target applies."""

    label: str
    step: str
    key: str  # dotted path into the step's figures
    unit: str
    target: tuple[str, float] | None = None  # (">=" | "<" | "<=", value)
    judged: tuple[str, ...] = ()  # size labels where the target is judged; empty = every size


@dataclass
class StepResult:
    """What one step did at one size (``figures`` from the worker; memory in MiB)."""

    step: str
    size: str
    wall_s: float  # the worker process, start-up and imports included
    figures: dict[str, Any] = field(default_factory=dict)
    peak_mib: float | None = None
    child_peak_mib: float | None = None
    neo4j_peak_mib: float | None = None
    error: str | None = None

    @property
    def step_peak_mib(self) -> float | None:
        """The largest peak in the step's process tree (the step itself or a subprocess it ran)."""
        values = [v for v in (self.peak_mib, self.child_peak_mib) if v]
        return max(values) if values else None


METRICS: tuple[Metric, ...] = (
    Metric("generate demo dataset", "generate", "seconds", "s"),
    Metric("generate scenario dataset", "scenario_generate", "seconds", "s"),
    Metric("load: validation", "load", "validate_rel_per_s", "rel/s"),
    Metric("load: write (median round)", "load", "write_rel_per_s", "rel/s", (">=", 50_000), ("x20",)),
    Metric("load: write, first round", "load", "write_first_rel_per_s", "rel/s"),
    Metric("load: relationships", "load", "relationships", "n"),
    Metric("snapshots (58), bulk read + slicing", "snapshots", "seconds", "s", ("<", 3), ("x1",)),
    Metric("centralities (58) + write-back", "centralities", "seconds", "s", ("<", 10), ("x1",)),
    Metric("train: reference, as shipped", "train", "median_s.reference", "s"),
    Metric("train: ours, same task", "train", "median_s.ours-same-task", "s"),
    Metric("train: reference, 1 thread", "train", "median_s.reference-1t", "s"),
    Metric("train: ratio vs as shipped", "train", "ratio", "x", ("<=", 0.5)),
    Metric("train: ratio vs 1 thread", "train", "ratio_vs_reference_1t", "x", ("<=", 0.5)),
    Metric("train: val AUC ours / reference", "train", "val_auc", "auc"),
    Metric("train: ours, time-forward task", "train", "median_s.ours-default", "s"),
    Metric("train_model at 2021-06-30", "train_model", "seconds", "s"),
    Metric("train_model val AUC (mode)", "train_model", "val_auc", "auc"),
    Metric("train_model baseline AUC, same pairs", "train_model", "baseline_auc", "auc"),
    Metric("train_model HGT alone (combined decoder)", "train_model", "hgt_auc", "auc"),
    Metric("backfill (58) + write-back", "backfill", "seconds", "s", ("<", 10), ("x1",)),
    Metric("backfill rows written", "backfill", "rows_written", "n"),
    Metric("evaluation (drift, 3 horizons)", "evaluation", "seconds", "s"),
    Metric("demo pipeline (sum of steps)", "demo", "seconds", "s", ("<", 90), ("x1",)),
)


def figure(figures: dict[str, Any], key: str) -> Any:
    """``figures["a"]["b"]`` for ``key="a.b"``; None when absent."""
    value: Any = figures
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def meets(value: float, target: tuple[str, float]) -> bool:
    op, bound = target
    return {">=": value >= bound, "<": value < bound, "<=": value <= bound}[op]


def _format(value: Any, unit: str, result: StepResult, metric: Metric) -> str:
    if metric.unit == "auc" and metric.step == "train" and isinstance(value, dict):
        reference = value.get("reference", value.get("reference-1t"))
        return f"{value.get('ours-same-task', 0):.3f} / {reference or 0:.3f}"
    if metric.unit == "auc" and metric.key == "baseline_auc":
        return f"{value:.3f} (heuristic baseline)"
    if metric.unit == "auc" and metric.key == "hgt_auc":
        return f"{value:.3f} (HGT alone)"
    if metric.unit == "auc":
        mode = result.figures.get("mode", "")
        return f"{value:.3f} ({mode}, {result.figures.get('epochs')} ep)"
    if unit == "rel/s":
        return f"{value:,.0f}"
    if unit == "n":
        return f"{value:,}"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.2f}"


def cell(metric: Metric, result: StepResult | None) -> str:
    """The table cell of one metric at one size: figure, and a mark where the target is judged."""
    if result is None:
        return ""
    if result.error:
        return "[red]skipped" if result.error.startswith("skipped") else "[red]failed"
    value = figure(result.figures, metric.key)
    if value is None:
        return ""
    text = _format(value, metric.unit, result, metric)
    if metric.target and (not metric.judged or result.size in metric.judged) and isinstance(value, int | float):
        text += " [green]✓" if meets(float(value), metric.target) else " [red]✗"
    return text


def _mib(value: float | None) -> str:
    return f"{value:,.0f}" if value else "-"


def metric_rows(results: Sequence[StepResult], sizes: Sequence[str]) -> list[list[str]]:
    """Label, target, then figure (rich markup for the mark) and peak MiB per size, for every metric with a figure."""
    by_key = {(r.step, r.size): r for r in results}
    rows = []
    for metric in METRICS:
        cells = [by_key.get((metric.step, size)) for size in sizes]
        if all(c is None for c in cells):
            continue
        target = f"{metric.target[0]} {metric.target[1]:,g} {metric.unit}" if metric.target else ""
        if metric.target and metric.judged:
            target += f" ({', '.join(metric.judged)})"
        row = [metric.label, target]
        for result in cells:
            memory = "" if result is None else f"{_mib(result.step_peak_mib)} / {_mib(result.neo4j_peak_mib)}"
            row += [cell(metric, result), memory]
        rows.append(row)
    return rows


def build_table(results: Sequence[StepResult], sizes: Sequence[str]) -> Table:
    """One row per metric with a figure, per size: the figure and the step's peak RSS (step / Neo4j)."""
    table = Table(title="nexus-graph benchmarks", title_justify="left")
    table.add_column("step / figure", no_wrap=True)
    table.add_column("target")
    for size in sizes:
        table.add_column(size, justify="right")
        table.add_column(f"{size} peak MiB\nstep / Neo4j", justify="right")
    for row in metric_rows(results, sizes):
        table.add_row(*row)
    table.add_row(*(f"[bold]{text}" if text else "" for text in totals_row(results, sizes)))
    return table


def totals_row(results: Sequence[StepResult], sizes: Sequence[str]) -> list[str]:
    """Last row: the workers' summed wall time and the largest peaks per size (judged for the scenario)."""
    row = ["all steps: wall s", "scenario < 1200 s, 8 GiB"]
    for size in sizes:
        mine = [r for r in results if r.size == size]
        wall = sum(r.wall_s for r in mine)
        peak = max((r.step_peak_mib or 0 for r in mine), default=0)
        neo = max((r.neo4j_peak_mib or 0 for r in mine), default=0)
        mark = (" ✓" if wall < 1200 and peak < 8192 else " ✗") if size == "scenario" else ""
        row += [f"{wall:.1f}{mark}", f"{_mib(peak)} / {_mib(neo)}"]
    return row


def markdown_table(document: dict[str, Any]) -> str:
    """The table of a document as GitHub Markdown (for docs): figure (and mark) and peak MiB per size."""
    import re

    results = _results(document)
    sizes = [s["label"] for s in document["sizes"]]
    head = ["step / figure", "target"] + [h for size in sizes for h in (size, f"{size} peak MiB step / Neo4j")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in metric_rows(results, sizes):
        lines.append("| " + " | ".join(re.sub(r"\[/?[a-z ]+\]", "", text) for text in row) + " |")
    lines.append("| " + " | ".join(f"**{t}**" if t else "" for t in totals_row(results, sizes)) + " |")
    return "\n".join(lines) + "\n"


def machine_info() -> dict[str, Any]:
    """Cores, memory, torch version and device, load average: printed above the table and kept in JSON."""
    import psutil
    import torch

    cuda = torch.cuda.is_available()
    return {
        "host": platform.node(), "platform": platform.platform(), "python": platform.python_version(),
        "cores_logical": os.cpu_count(), "cores_physical": psutil.cpu_count(logical=False),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1), "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name(0) if cuda else "cpu (no CUDA device)",
        "neo4j_heap": os.environ.get("NEXUS_GRAPH_NEO4J_HEAP"),
        "neo4j_pagecache": os.environ.get("NEXUS_GRAPH_NEO4J_PAGECACHE"),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "worker_baseline_mib": worker_baseline_mib(),
        "git": git_state(),
    }


def git_state() -> str | None:
    """``<commit>`` of the checkout, ``+dirty`` when tracked files under nexus_graph/ or benchmarks/ differ."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "nexus_graph",
                                "benchmarks"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def worker_baseline_mib() -> float | None:
    """Peak RSS of a worker that only imports what the steps import: the floor of every step's peak."""
    code = ("import warnings; warnings.filterwarnings('ignore'); import benchmarks.steps, torch, torch_geometric, "
            "nexus_graph.pipeline.backfill, nexus_graph.pipeline.train, nexus_graph.store; "
            "from benchmarks.memory import self_peak_mib; "
            "print(self_peak_mib())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parents[1])
    try:
        return round(float(done.stdout.strip().splitlines()[-1]), 1)
    except (ValueError, IndexError):
        return None


StepRunner = Callable[[str, Size, Path], StepResult]


def subprocess_runner(seed: int, neo4j_home: Path | None, log: Callable[[str], None]) -> StepRunner:
    """Run each step in ``python -m benchmarks.steps`` and sample Neo4j's RSS meanwhile."""
    def run(step: str, size: Size, work: Path) -> StepResult:
        work.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out = Path(handle.name)
        command = [sys.executable, "-m", "benchmarks.steps", step, "--size", size.label, "--scale", str(size.scale),
                   "--work", str(work), "--seed", str(seed), "--options", json.dumps(size.options), "--out", str(out)]
        pid = neo4j_pid(neo4j_home) if neo4j_home else None
        started = time.perf_counter()
        with RssSampler(pid) as neo4j, (work / "steps.log").open("a", encoding="utf-8") as step_log:
            done = subprocess.run(command, stdout=step_log, stderr=step_log, check=False,
                                  cwd=Path(__file__).resolve().parents[1])
        wall = time.perf_counter() - started
        try:
            payload = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            payload = {"error": f"worker exited {done.returncode} without a result; see {work / 'steps.log'}"}
        finally:
            out.unlink(missing_ok=True)
        result = StepResult(step, size.label, round(wall, 3), payload.get("figures", {}), payload.get("peak_mib"),
                            payload.get("child_peak_mib"), neo4j.peak_mib and round(neo4j.peak_mib, 1),
                            payload.get("error"))
        log(f"{size.label:>8} {step:<18} {wall:8.1f} s  "
            + (f"[red]{result.error}" if result.error else f"peak {_mib(result.step_peak_mib)} MiB"))
        return result

    return run


def run_suite(sizes: Sequence[Size], runner: StepRunner, work_root: Path,
              only: Sequence[str] | None = None) -> list[StepResult]:
    """Every step of every size, in order (``only``: just these step names)."""
    results = []
    for size in sizes:
        broken: set[str] = set()
        for step in size.steps:
            if only and step not in only:
                continue
            blocked = [d for d in DEPENDS.get(step, ()) if d in broken]
            if blocked:
                result = StepResult(step, size.label, 0.0, error=f"skipped: {blocked[0]} did not complete")
            else:
                result = runner(step, size, work_root / size.label)
            if result.error:
                broken.add(step)
            results.append(result)
    return results


def make_document(results: Sequence[StepResult], sizes: Sequence[Size], machine: dict[str, Any],
                  command: str) -> dict[str, Any]:
    """The JSON document of one run: the run (command, machine), the sizes, the targets and the results."""
    machine = {**machine, "load_average_end": [round(x, 2) for x in os.getloadavg()]}
    return {"runs": [{"command": command, "machine": machine}], "sizes": [asdict(s) for s in sizes],
            "targets": [asdict(m) for m in METRICS if m.target],
            "results": [{**asdict(r), "run": 0} for r in results]}


def merge_documents(documents: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Several runs' documents as one: a later run's result for the same (step, size) replaces an earlier one."""
    runs: list[dict] = []
    sizes: dict[str, dict] = {}
    results: dict[tuple[str, str], dict] = {}
    for doc in documents:
        offset = len(runs)
        runs += doc["runs"]
        sizes.update({s["label"]: s for s in doc["sizes"]})
        for r in doc["results"]:
            results[(r["step"], r["size"])] = {**r, "run": r.get("run", 0) + offset}
    order = list(sizes)
    merged = sorted(results.values(), key=lambda r: order.index(r["size"]) if r["size"] in order else len(order))
    return {"runs": runs, "sizes": list(sizes.values()), "targets": documents[-1]["targets"] if documents else [],
            "results": merged}


def _results(document: dict[str, Any]) -> list[StepResult]:
    return [StepResult(**{k: v for k, v in r.items() if k != "run"}) for r in document["results"]]


def print_document(document: dict[str, Any], console: Console) -> None:
    """Machine line(s), each size's settings, the table and the failures."""
    for i, run in enumerate(document["runs"]):
        m = run["machine"]
        prefix = f"Run {i + 1}: `{run['command']}`\n" if len(document["runs"]) > 1 else ""
        console.print(f"{prefix}Machine: {m['cores_logical']} logical cores ({m['cores_physical']} physical), "
                      f"{m['ram_gib']} GiB RAM, torch {m['torch']} ({m['torch_threads']} threads), device "
                      f"{m['device']}; Neo4j heap {m['neo4j_heap']}, page cache {m['neo4j_pagecache']}; a worker's "
                      f"imports alone peak at {m['worker_baseline_mib']} MiB; load average "
                      f"{m['load_average_start']} at start, {m.get('load_average_end')} at end; code "
                      f"{m.get('git')}.", highlight=False)
    for size in document["sizes"]:
        settings = ", ".join(f"{k} {v}" for k, v in size["options"].items() if v is not None)
        console.print(f"{size['label']}: {settings or 'defaults'}", highlight=False)
    results = _results(document)
    console.print(build_table(results, [s["label"] for s in document["sizes"]]))
    for r in results:
        if r.error and not r.error.startswith("skipped"):
            console.print(f"[red]{r.size} {r.step} failed:[/] {r.error}", highlight=False)


def write_document(document: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")


def report(results: Sequence[StepResult], sizes: Sequence[Size], machine: dict[str, Any], command: str,
           json_out: Path | None, console: Console) -> dict[str, Any]:
    """Print the machine, the sizes' settings and the table; write and return the JSON document."""
    document = make_document(results, sizes, machine, command)
    print_document(document, console)
    if json_out is not None:
        write_document(document, json_out)
        console.print(f"JSON: {json_out}", highlight=False)
    return document
