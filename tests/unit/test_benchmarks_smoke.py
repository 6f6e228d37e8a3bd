"""Plumbing of ``python -m benchmarks``: table, targets, JSON, skipped dependants; the scenario generator.

No timing is asserted: the steps here are fakes run in-process.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from benchmarks.scale_scenario import ScenarioShape, generate_scenario
from benchmarks.suite import Size, StepResult, build_table, cell, markdown_table, report, run_suite
from nexus_graph.sources.dataset import read_dataset
from nexus_graph.sources.tables import write_dataset

FIGURES = {
    "generate": {"seconds": 0.5},
    "load": {"seconds": 2.0, "validate_rel_per_s": 90_000, "write_rel_per_s": 40_000, "relationships": 8_333},
    "snapshots": {"seconds": 1.25},
}


def fake_runner(failing: set[str]):
    calls: list[tuple[str, str]] = []

    def run(step: str, size: Size, work: Path) -> StepResult:
        calls.append((step, size.label))
        if step in failing:
            return StepResult(step, size.label, 0.1, error="RuntimeError: boom")
        return StepResult(step, size.label, 1.0, dict(FIGURES.get(step, {"seconds": 3.0})), 600.0, 0.0, 2_000.0)

    run.calls = calls  # type: ignore[attr-defined]
    return run


def render(table) -> str:
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(table)
    return out.getvalue()


def test_table_marks_targets_where_judged_and_json_round_trips(tmp_path: Path) -> None:
    sizes = [Size("x1", 1, ("generate", "load", "snapshots")), Size("x20", 20, ("generate", "load", "snapshots"))]
    results = run_suite(sizes, fake_runner(set()), tmp_path)
    text = render(build_table(results, ["x1", "x20"]))
    write_row = next(line for line in text.splitlines() if "load: write" in line)
    # the load target (>= 50,000 rel/s) is judged at x20 only: 40,000 shows a cross there and no mark at x1
    assert write_row.count("40,000") == 2 and write_row.count("✗") == 1
    snap_row = next(line for line in text.splitlines() if "snapshots" in line)
    assert "1.25 ✓" in snap_row  # < 3 s at x1
    out = tmp_path / "bench.json"
    console = Console(file=io.StringIO(), width=200)
    document = report(results, sizes, {"cores_logical": 2, "cores_physical": 2, "ram_gib": 8, "torch": "x",
                                       "torch_threads": 2, "device": "cpu", "neo4j_heap": None,
                                       "neo4j_pagecache": None, "worker_baseline_mib": 500.0,
                                       "load_average_start": [0.0, 0.0, 0.0]}, "python -m benchmarks", out, console)
    loaded = json.loads(out.read_text(encoding="utf-8"))
    assert loaded == json.loads(json.dumps(document, default=str))
    assert [(r["step"], r["size"]) for r in loaded["results"]] == [(s, z) for z in ("x1", "x20")
                                                                   for s in ("generate", "load", "snapshots")]
    assert loaded["results"][1]["figures"]["write_rel_per_s"] == 40_000
    markdown = markdown_table(loaded)
    md_write = next(line for line in markdown.splitlines() if "load: write" in line)
    assert md_write.count("✗") == 1 and "[" not in md_write  # rich markup stripped


def test_a_failed_step_skips_its_dependants_only(tmp_path: Path) -> None:
    runner = fake_runner({"load"})
    sizes = [Size("x1", 1, ("generate", "load", "snapshots", "train", "demo"))]
    results = run_suite(sizes, runner, tmp_path)
    assert runner.calls == [("generate", "x1"), ("load", "x1"), ("demo", "x1")]  # type: ignore[attr-defined]
    status = {r.step: r.error for r in results}
    assert status["snapshots"] == "skipped: load did not complete"
    assert status["train"] == "skipped: snapshots did not complete"
    assert status["demo"] is None
    failed = next(r for r in results if r.step == "load")
    from benchmarks.suite import METRICS

    assert cell(next(m for m in METRICS if m.step == "load"), failed) == "[red]failed"


def test_scenario_generator_counts_and_validation(tmp_path: Path) -> None:
    shape = ScenarioShape().scaled(0.004)  # 20 companies, 12 funds, 4,000 ownership intervals
    dataset = generate_scenario(shape, seed=3)
    assert len(dataset.ownership) == shape.ownership and len(dataset.supply) == shape.supply
    assert len(dataset.companies) == shape.companies and len(dataset.funds) == shape.funds
    write_dataset(dataset, tmp_path, fmt="parquet")
    checked = read_dataset(tmp_path)  # raises on overlaps, bad dates, unknown endpoints ...
    assert len(checked.ownership) == shape.ownership
    again = generate_scenario(shape, seed=3)
    assert again.ownership.equals(dataset.ownership)


def test_train_model_rows_show_the_val_auc_beside_the_baseline_on_the_same_pairs() -> None:
    from benchmarks.suite import METRICS

    result = StepResult("train_model", "scenario", 1.0, {"val_auc": 0.8123, "baseline_auc": 0.7456,
                                                          "mode": "mini-batch", "epochs": 20})
    rows = {m.label: cell(m, result) for m in METRICS if m.step == "train_model"}
    assert rows["train_model val AUC (mode)"] == "0.812 (mini-batch, 20 ep)"
    assert rows["train_model baseline AUC, same pairs"] == "0.746 (heuristic baseline)"
