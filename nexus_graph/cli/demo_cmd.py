"""``nexus-graph demo``: the whole pipeline on the embedded synthetic dataset, step by step.

generate -> load -> centralities -> train (gate) -> backfill -> validate embeddings -> drift factor ->
evaluate at 21/63/126 days -> registry -> paper trade -> report. Every step prints its summary and
its wall time; the run folder ``runs/demo-<seed>-<signal>/`` keeps the dataset, the JSON of each
step and the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.rule import Rule
from rich.table import Table

from nexus_graph.cli.common import console, open_store, parse_date, print_json

ORDER = 1


class Steps:
    """Wall time per step, printed as a table at the end."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.times: list[tuple[str, float]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        if not self.quiet:
            console.print(Rule(f"[bold]{name}", align="left"))
        started = time.perf_counter()
        yield
        self.times.append((name, time.perf_counter() - started))

    def table(self) -> Table:
        table = Table("step", "seconds", title="Per-step wall time", title_justify="left")
        for name, seconds in self.times:
            table.add_row(name, f"{seconds:.2f}")
        table.add_row("[bold]pipeline total", f"[bold]{sum(s for _, s in self.times):.2f}")
        return table


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
) -> None:
    """Run the whole pipeline on the synthetic demo dataset and print each step's summary."""
    from nexus_graph import settings
    from nexus_graph.errors import NexusError

    if signal not in ("drift", "none"):
        raise NexusError(f"--signal must be 'drift' or 'none' (got {signal!r}).")
    first, last, as_of = parse_date(start, "--start"), parse_date(end, "--end"), parse_date(anchor, "--anchor")
    run_dir = run_dir or settings.project_root() / "runs" / f"demo-{seed}-{signal}"
    steps = Steps(quiet=json_out)
    summary: dict[str, Any] = {"run_dir": str(run_dir)}
    with open_store() as store:
        _pipeline(store, steps, summary, run_dir=run_dir, seed=seed, signal=signal, strength=strength,
                  as_of=as_of, first=first, last=last, epochs=epochs, device=device, fresh=fresh, quiet=json_out)
    summary["seconds"] = {name: round(s, 3) for name, s in steps.times}
    if json_out:
        print_json(summary)
        return
    console.print(Rule("[bold]done", align="left"))
    console.print(steps.table())
    console.print(f"Report: {summary['report']}", highlight=False)
    from nexus_graph.store.catalog import cypher_root

    console.print("Open Neo4j Browser (`nexus-graph browser` prints the guide's :play command) and run "
                  "cypher/browser/nearest_peers.cypher:", highlight=False)
    console.print((cypher_root() / "browser" / "nearest_peers.cypher").read_text(encoding="utf-8").rstrip(),
                  highlight=False, markup=False)


def _pipeline(store, steps: Steps, summary: dict, *, run_dir: Path, seed: int, signal: str, strength: float | None,
              as_of, first, last, epochs: int, device: str, fresh: bool, quiet: bool) -> None:
    say: Callable[..., None] = (lambda *a, **k: None) if quiet else console.print
    from nexus_graph.cli.backfill_cmd import DEMO_CHECKS, print_backfill_summary, print_validation
    from nexus_graph.cli.evaluate_cmd import print_evaluation
    from nexus_graph.cli.paper_trade_cmd import print_statistics
    from nexus_graph.cli.train_cmd import print_training_summary
    from nexus_graph.embeddings.panel import DRIFT_FACTOR
    from nexus_graph.embeddings.validation import parse_check
    from nexus_graph.errors import NexusError
    from nexus_graph.evaluation.evaluate import summary as evaluation_summary
    from nexus_graph.evaluation.run import evaluate_stored_factor
    from nexus_graph.model.train import TrainConfig
    from nexus_graph.pipeline import (
        backfill,
        compute_centralities,
        drift_noise,
        train_model,
        validate_embeddings,
        write_centrality_factors,
    )
    from nexus_graph.report.run_files import read_run_files, write_run_files
    from nexus_graph.report.run_report import write_run_report
    from nexus_graph.settings import models_dir
    from nexus_graph.snapshot.as_of import month_ends
    from nexus_graph.sources import demo as demo_data
    from nexus_graph.sources.dataset import read_dataset
    from nexus_graph.sources.demo_card import dataset_card, live_counts, write_card
    from nexus_graph.sources.prices import save_prices
    from nexus_graph.sources.tables import write_dataset
    from nexus_graph.store.admin import init_schema, wipe
    from nexus_graph.store.graph import load_dataset
    from nexus_graph.store.registry import count_tests
    from nexus_graph.trading.run import paper_trade_stored

    data_dir = run_dir / "dataset"
    strength = demo_data.DEFAULT_STRENGTH if strength is None else strength
    title = f"nexus-graph demo (seed {seed}, signal {signal}, strength {strength:g})"
    write_run_files(run_dir, title=title, synthetic=True, extra={"seed": seed, "signal": signal, "strength": strength})

    with steps.step("1. generate the demo dataset (SYNTHETIC)"):
        dataset = demo_data.generate(seed=seed, signal=signal, strength=strength)
        write_dataset(dataset, data_dir)
        write_card(data_dir, dataset_card(dataset, seed=seed, scale=1, signal=signal, strength=strength))
        counts = live_counts(dataset)
        say(f"{len(dataset.companies)} companies ({(dataset.companies.kind == 'equity').sum()} equity), "
            f"{len(dataset.funds)} funds, {len(dataset.directors)} directors, {len(dataset.prices):,} prices -> "
            f"{data_dir}; live at 2023-12-31: {counts}", highlight=False)

    with steps.step("2. validate and load into Neo4j"):
        checked = read_dataset(data_dir)
        init_schema(store)
        if fresh:  # graph data only: the registry and model versions keep every earlier test
            wipe(store, keep_registry=True)
        written = load_dataset(store, checked)
        save_prices(checked.prices)
        summary["load"] = written
        say(f"Loaded {written}", highlight=False)

    # centralities from the first month-end after `first`, so their changes -- like the drift -- exist
    # on the 58 evaluation month-ends 2021-06-30 .. 2026-03-31 of the defaults
    dates = month_ends(first, last)
    with steps.step(f"3. snapshots and centralities ({len(dates)} month-ends)"):
        cent = compute_centralities(store, dates)
        factor_rows = write_centrality_factors(store)
        summary["centralities"] = cent.summary()
        say(f"{cent.rows:,} centrality rows; factors written: {', '.join(factor_rows)}", highlight=False)

    with steps.step(f"4. train HGT link prediction at {as_of:%Y-%m-%d} (gate)"):
        outcome = train_model(store, as_of, models_dir(), config=TrainConfig(epochs=epochs), device=device)
        summary["training"] = outcome.summary()
        if not quiet:
            print_training_summary(outcome.summary())
        write_run_files(run_dir, training=outcome.metadata)
        if not outcome.passed:
            raise NexusError(f"The model failed the gate (val AUC {outcome.val_auc:.4f}); the demo stops here.")

    with steps.step("5. backfill embeddings and drift"):
        result = backfill(store, models_dir(), outcome.version, first, last)
        summary["backfill"] = result.summary()
        if not quiet:
            print_backfill_summary(result.summary())

    with steps.step("6. validate embeddings; drift versus seed noise"):
        report = validate_embeddings(store, models_dir(), outcome.version, None,
                                     [parse_check(c) for c in DEMO_CHECKS])
        noise = drift_noise(store, models_dir(), outcome.version, first, last, seed=1, device=device)
        validation = {**report.as_dict(), "seed_noise_model": noise.model_b,
                      **{f"seed_{k}": v for k, v in noise.figures.items()}, "seed_noise": noise.statement()}
        summary["validation"] = validation
        write_run_files(run_dir, validation=validation)
        if not quiet:
            print_validation(report.as_dict())
            say(f"Drift versus seed noise: {noise.statement()}", highlight=False)

    with steps.step(f"7. evaluate {DRIFT_FACTOR} at 21/63/126 days, registry"):
        evaluated = evaluate_stored_factor(store, DRIFT_FACTOR, model_version=outcome.version,
                                           report_dir=run_dir / "evaluate")
        ev = evaluation_summary(evaluated.evaluation)
        summary["evaluation"] = {k: v for k, v in ev.items() if k != "ic"}
        summary["registration"] = evaluated.registration
        summary["registry_tests"] = count_tests(store)
        write_run_files(run_dir, evaluation={**ev, "summary": ev["horizons"]})
        if not quiet:
            print_evaluation(evaluated.evaluation, evaluated.warning, evaluated.note, evaluated.files)

    with steps.step("8. paper trade the drift factor"):
        traded = paper_trade_stored(store, [DRIFT_FACTOR], model_version=outcome.version)
        summary["portfolio"] = traded.stats
        write_run_files(run_dir, portfolio=traded.result)
        if not quiet:
            print_statistics(traded.stats, traded.result, traded.run_id)

    with steps.step("9. report"):
        path = write_run_report(run_dir / "report", **read_run_files(run_dir))
        summary["report"] = str(path)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
