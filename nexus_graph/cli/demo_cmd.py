"""``nexus-graph demo``: the whole pipeline on the embedded synthetic dataset, step by step.

A thin shell over :func:`nexus_graph.pipeline.demo.run_demo`: it parses the options, prints a rule
before each step and that step's summary after it, then the per-step wall times and the Neo4j
Browser query of ``cypher/browser/nearest_peers.cypher``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.rule import Rule
from rich.table import Table

from nexus_graph.cli.common import console, open_store, parse_date, print_json

ORDER = 1


def steps_table(times: list[tuple[str, float]]) -> Table:
    """Wall time per step, and the total."""
    table = Table("step", "seconds", title="Per-step wall time", title_justify="left")
    for name, seconds in times:
        table.add_row(name, f"{seconds:.2f}")
    table.add_row("[bold]pipeline total", f"[bold]{sum(s for _, s in times):.2f}")
    return table


def show_step(key: str, result: Any) -> None:
    """Print one finished step's summary (the same blocks as the single commands print)."""
    from nexus_graph.cli.backfill_cmd import print_backfill_summary, print_validation
    from nexus_graph.cli.evaluate_cmd import print_evaluation
    from nexus_graph.cli.paper_trade_cmd import print_statistics
    from nexus_graph.cli.train_cmd import print_training_summary

    if key == "generate":
        dataset, counts, data_dir = result
        console.print(f"{len(dataset.companies)} companies ({(dataset.companies.kind == 'equity').sum()} equity), "
                      f"{len(dataset.funds)} funds, {len(dataset.directors)} directors, {len(dataset.prices):,} "
                      f"prices -> {data_dir}; live at 2023-12-31: {counts}", highlight=False)
    elif key == "load":
        console.print(f"Loaded {result.written}", highlight=False)
    elif key == "centralities":
        console.print(f"{result.rows:,} centrality rows; factors written: {', '.join(result.factors)}",
                      highlight=False)
    elif key == "train":
        print_training_summary(result.summary())
        if result.baseline_note():
            console.print(f"Note: {result.baseline_note()}", highlight=False, markup=False)
    elif key == "backfill":
        print_backfill_summary(result.summary())
    elif key == "validate":
        report, noise = result
        print_validation(report.as_dict())
        console.print(f"Drift versus seed noise: {noise.statement()}", highlight=False)
    elif key == "evaluate":
        print_evaluation(result.evaluation, result.warning, result.note, result.files, result.look_ahead)
    elif key == "paper_trade":
        print_statistics(result.stats, result.result, result.run_id, result.notes)
        dsr = result.stats["long_short"].get("deflated_sharpe")
        shown = "–" if dsr is None else f"{dsr:.3f}"
        console.print(f"Deflated Sharpe (long-short) {shown} at N = {result.result.config.n_trials} trials "
                      "(the multiple-testing family above).", highlight=False)
    elif key == "paper_trade_skipped":
        console.print(result, highlight=False)


def demo(
    seed: int = typer.Option(7, help="Seed of the demo dataset (same seed = same data)."),
    signal: str = typer.Option("drift", help="Planted effect: 'drift' (graph change moves next-month returns) "
                                             "or 'none' (for false-positive checks)."),
    strength: float = typer.Option(None, help="Strength of the planted effect (default: the generator's)."),
    anchor: str = typer.Option("2021-05-31", help="As-of date of the model: it sees only data known then and "
                                                  "embeds every later month-end (no look-ahead)."),
    start: str = typer.Option("2021-05-31", help="First month-end to embed (its drift starts a month later)."),
    end: str = typer.Option("2026-03-31", help="Last month-end to embed and evaluate."),
    epochs: int = typer.Option(300, help="Training epochs."),
    device: str = typer.Option("auto", help="auto | cpu | cuda for training."),
    fresh: bool = typer.Option(True, "--fresh/--keep", help="Wipe the graph data before loading (the signal "
                                                           "registry and model versions are kept) or merge into it."),
    run_dir: Path = typer.Option(None, help="Run folder (default: runs/demo-<seed>-<signal> in the checkout)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary at the end instead of the tables."),
    noise_in_background: bool = typer.Option(
        None, "--noise-background/--noise-here",
        help="Train the seed-noise model (step 6) in a second process while steps 3-5 run, or here in step 6 "
             "(default: in a second process on graphs of 50,000 intervals or more)."),
) -> None:
    """Run the whole pipeline on the synthetic demo dataset and print each step's summary."""
    from nexus_graph import settings
    from nexus_graph.pipeline.demo import DemoSettings, run_demo
    from nexus_graph.store.catalog import cypher_root

    demo_settings = DemoSettings(
        run_dir=run_dir or settings.project_root() / "runs" / f"demo-{seed}-{signal}",
        models_dir=settings.models_dir(), seed=seed, signal=signal, strength=strength,
        as_of=parse_date(anchor, "--anchor"), first=parse_date(start, "--start"), last=parse_date(end, "--end"),
        epochs=epochs, device=device, fresh=fresh, noise_in_background=noise_in_background).checked()
    with open_store() as store:
        result = run_demo(store, demo_settings,
                          on_start=None if json_out else lambda t: console.print(Rule(f"[bold]{t}", align="left")),
                          on_done=None if json_out else show_step)
    if json_out:
        print_json(result.summary())
        return
    console.print(Rule("[bold]done", align="left"))
    console.print(steps_table(result.times))
    console.print(f"Report: {result.report}", highlight=False)
    console.print("Open Neo4j Browser and run (saved in cypher/browser/nearest_peers.cypher):", highlight=False)
    console.print((cypher_root() / "browser" / "nearest_peers.cypher").read_text(encoding="utf-8").strip(),
                  highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
