"""``nexus-graph backfill`` and ``validate-embeddings``: monthly embeddings, drift, sanity checks."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from nexus_graph.cli.common import console, err_console, open_store, parse_date, print_json, progress, warn_beyond_data

ORDER = 60


def backfill(
    start: str = typer.Option("2021-06-30", help="First month-end (YYYY-MM-DD)."),
    end: str = typer.Option("2026-03-31", help="Last month-end (YYYY-MM-DD)."),
    model: str = typer.Option(None, help="Model version under models/ (default: the promoted model)."),
    allow_look_ahead: bool = typer.Option(False, "--allow-look-ahead",
                                          help="Also embed dates before the model's as-of date (rows labelled)."),
    device: str = typer.Option("cpu", help="cpu | cuda | auto for inference."),
    models_dir: Path = typer.Option(None, help="Checkpoint folder (default: models/ in the checkout)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Embed every company at every month-end with a trained model; write embeddings and drift to Neo4j."""
    from nexus_graph.pipeline.backfill import backfill as run
    from nexus_graph.settings import models_dir as default_models_dir

    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    with open_store() as store, progress(not json_out) as bar:
        warn_beyond_data(store, end=last)
        embedded = bar.add_task("embed", total=None, status="")
        writes = bar.add_task("write (newest first)", total=None, status="")

        def on_embedded(date) -> None:
            bar.update(embedded, advance=1, status=f"{date:%Y-%m-%d}")

        def on_date(date, written) -> None:
            bar.update(writes, advance=1, status=f"{date:%Y-%m-%d} {'written' if written else 'already there'}")

        result = run(store, models_dir or default_models_dir(), model, first, last,
                     allow_look_ahead=allow_look_ahead, device=device, on_date=on_date, on_embedded=on_embedded)
    summary = result.summary()
    if json_out:
        print_json(summary)
        return
    print_backfill_summary(summary)


def print_backfill_summary(summary: dict) -> None:
    """The backfill summary block (shared with ``nexus-graph demo``)."""
    console.print(
        f"Backfill: {summary['rows_written']:,} rows written ({summary['rows_total']:,} in all) for "
        f"{summary['snapshots']} month-ends, dimension {summary['dim']}, model {summary['model_version']}, "
        f"{summary['seconds']:.2f} s.", highlight=False)
    if summary["skipped_before_model"]:
        err_console.print(f"Skipped {len(summary['skipped_before_model'])} month-end(s) before the model's as-of "
                          "date (no look-ahead; --allow-look-ahead embeds them, labelled).", markup=False)


def validate_embeddings(
    date: str = typer.Option(None, help="Snapshot date (default: the latest embedded)."),
    check: list[str] = typer.Option(None, help="Ordering check like 'NVDA~AMD > NVDA~ARW' (repeatable)."),
    checks_file: Path = typer.Option(None, help="File with one ordering check per line."),
    demo_checks: bool = typer.Option(False, "--demo-checks", help="Use the demo universe's peer checks."),
    model: str = typer.Option(None, help="Model version (default: the promoted model)."),
    min_std: float = typer.Option(1e-3, help="Median component std below this = degenerate."),
    models_dir: Path = typer.Option(None, help="Checkpoint folder (default: models/ in the checkout)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Spread, norms and cosine-ordering checks of one month's embeddings; exit 1 when a check fails."""
    from nexus_graph.embeddings.validation import parse_check, parse_check_lines
    from nexus_graph.errors import UsageError
    from nexus_graph.pipeline.validate import validate_embeddings as run
    from nexus_graph.settings import models_dir as default_models_dir

    checks = [parse_check(c) for c in (check or [])]
    if checks_file is not None:
        try:
            checks += parse_check_lines(checks_file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"Cannot read --checks-file {checks_file}: {exc.strerror}.") from None
    if demo_checks:
        from nexus_graph.sources.demo import DEMO_CHECKS

        checks += [parse_check(c) for c in DEMO_CHECKS]
    when = parse_date(date, "--date") if date else None
    with open_store() as store:
        report = run(store, models_dir or default_models_dir(), model, when, checks, min_std=min_std)
    payload = report.as_dict()
    if json_out:
        print_json(payload)
    else:
        print_validation(payload)
    if not report.passed:
        raise typer.Exit(1)


def print_validation(payload: dict) -> None:
    """The validation block (shared with ``nexus-graph demo``)."""
    console.print(
        f"Embeddings on {payload['date']}: {payload['rows']} rows x {payload['dim']}; component std median "
        f"{payload['component_std_median']:.4f} (range {payload['component_std_min']:.4f}.."
        f"{payload['component_std_max']:.4f}){' DEGENERATE' if payload['degenerate'] else ''}; "
        f"row L2 norm median {payload['norm_median']:.4f}", highlight=False)
    if payload["checks"]:
        table = Table("check", "left cos", "right cos", "result")
        for c in payload["checks"]:
            table.add_row(c["check"], f"{c['left']:.4f}", f"{c['right']:.4f}", "pass" if c["passed"] else "FAIL")
        console.print(table)


def drift_noise(
    start: str = typer.Option("2021-05-31", help="First month-end (YYYY-MM-DD)."),
    end: str = typer.Option("2026-03-31", help="Last month-end (YYYY-MM-DD)."),
    model: str = typer.Option(None, help="Model version whose drift is measured (default: the promoted model)."),
    seed: int = typer.Option(1, help="Seed of the second model (must differ from the first's)."),
    device: str = typer.Option("auto", help="auto | cpu | cuda for training the second model."),
    models_dir: Path = typer.Option(None, help="Checkpoint folder (default: models/ in the checkout)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """How much of the measured drift is seed noise: retrain with another seed on the same data, compare drifts."""
    from nexus_graph.pipeline.validate import drift_noise as run
    from nexus_graph.settings import models_dir as default_models_dir

    first, last = parse_date(start, "--start"), parse_date(end, "--end")  # before connecting
    with open_store() as store:
        warn_beyond_data(store, end=last)
        outcome = run(store, models_dir or default_models_dir(), model, first, last, seed=seed, device=device)
    if json_out:
        print_json(outcome.summary())
    else:
        console.print(f"Drift of {outcome.model_a} vs {outcome.model_b}: {outcome.statement()}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("drift-noise")(drift_noise)
    app.command("backfill")(backfill)
    app.command("validate-embeddings")(validate_embeddings)
