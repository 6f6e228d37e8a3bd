"""``nexus-graph evaluate FACTOR``: IC, robust t, HLZ bar and the verdict of one stored factor."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import typer
from rich import box
from rich.table import Table

from nexus_graph import settings
from nexus_graph.cli.common import console, err_console, open_store, print_json, progress
from nexus_graph.errors import UsageError

if TYPE_CHECKING:
    from nexus_graph.evaluation.evaluate import Evaluation

ORDER = 70
DEFAULT_HORIZONS = "21,63,126"  # = nexus_graph.evaluation.returns.DEFAULT_HORIZONS (not imported: scipy is slow)


def parse_horizons(text: str) -> tuple[int, ...]:
    """``"21,63,126"`` -> (21, 63, 126); positive, distinct, sorted."""
    try:
        values = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise UsageError(
            f"--horizons must be comma-separated trading-day counts like 21,63,126 (got {text!r})."
        ) from None
    if not values or values[0] < 1:
        raise UsageError(f"--horizons must be positive trading-day counts like 21,63,126 (got {text!r}).")
    return tuple(values)


def _num(value: float, spec: str) -> str:
    return "–" if value is None or not np.isfinite(value) else format(value, spec)


TERMINAL_COLUMNS = ("h", "N", "mean IC", "t", "NW t", "rob t", "df", "HLZ bar", "rob bar", "BHY p", "")


def horizon_table(evaluation: Evaluation) -> Table:
    """The per-horizon table for the terminal (the report and --json carry every column)."""
    inputs = evaluation.inputs
    title = f"{inputs.name}" + (f" (model {inputs.model_version})" if inputs.model_version else "")
    table = Table(title=f"IC evaluation: {title}", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True, show_edge=False)
    for column in TERMINAL_COLUMNS:
        table.add_column(column, justify="left" if column in ("h", "") else "right", no_wrap=True)
    for h, r in evaluation.table.iterrows():
        table.add_row(f"{h} d", str(int(r["n"])), _num(r["mean_ic"], "+.4f"), _num(r["t"], "+.2f"),
                      _num(r["nw_t"], "+.2f"), _num(r["robust_t"], "+.2f"), str(int(r["robust_dof"])),
                      _num(r["hlz_bar"], ".3f"), _num(r["robust_bar"], ".2f"), _num(r["bhy_p"], ".2g"),
                      "[green]pass[/]" if r["passes"] else "[red]fail[/]")
    return table


def print_evaluation(evaluation: Evaluation, warning: str | None, registered: str, files: list[Path],
                     look_ahead: bool = False) -> None:
    """The per-horizon table, verdict and reasons, with rich."""
    console.print(horizon_table(evaluation))
    avg = evaluation.table["avg_names"].mean()
    first, last = evaluation.ic.index.min(), evaluation.ic.index.max()
    console.print(f"{evaluation.ic.shape[0]} dates {first:%Y-%m-%d}..{last:%Y-%m-%d}, "
                  f"average cross-section {avg:.1f} equities, M = {evaluation.m} tests.")
    console.print(evaluation.family_note, highlight=False)
    colour = {"NULL": "red", "CANDIDATE": "yellow", "ALPHA": "green"}[evaluation.decision.verdict]
    label = " [bold red]LOOK-AHEAD[/]" if look_ahead else ""
    console.print(f"Verdict: [bold {colour}]{evaluation.decision.verdict}[/]{label} (status "
                  f"{evaluation.decision.status}, rule {evaluation.decision.rule})")
    for reason in evaluation.decision.reasons:
        console.print(f"  - {reason}", highlight=False)
    if evaluation.splits is not None:
        console.print("Sub-windows (|t| > 1.5 somewhere): see the report for the half / market-regime table.")
    if warning:
        err_console.print(f"Warning: {warning}", style="bold yellow", highlight=False)
    console.print(registered, highlight=False)
    for path in files:
        console.print(f"  wrote {path}", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    def evaluate_command(
        factor: str = typer.Argument(..., help="Factor name as stored in Neo4j, e.g. graph_gnn_embedding_drift."),
        model_version: str = typer.Option(None, "--model-version", help="Model version of the factor (default: "
                                          "the only one stored)."),
        horizons: str = typer.Option(DEFAULT_HORIZONS, "--horizons",
                                     help="Forward-return horizons in trading days, comma-separated."),
        report_dir: Path = typer.Option(None, "--report-dir", help="Folder for the Markdown report and PNG plots "
                                        "(default: reports/evaluate in the project)."),
        prices_path: Path = typer.Option(None, "--prices", help="Prices Parquet file (default: the loaded prices)."),
        no_register: bool = typer.Option(False, "--no-register", help="Do not register the verdict (the run's tests "
                                         "are still kept as trials of the multiple-testing family)."),
        rule: str = typer.Option("holm", "--rule", help="Decision rule: holm (robust p, Holm across horizons) or "
                                 "seed (the first version's |t| >= 2 matrix)."),
        allow_look_ahead: bool = typer.Option(False, "--allow-look-ahead", help="Evaluate factor values from a "
                                              "look-ahead backfill; the verdict, report and registry say LOOK-AHEAD."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary instead of the table."),
    ) -> None:
        """Evaluate a stored factor against forward returns: Spearman IC per month-end, t, Newey-West t,
        overlap-robust t, Harvey-Liu-Zhu bar, Holm/BHY p, verdict; registers the run and writes a report."""
        # imported here so `nexus-graph --help` does not pay for scipy / statsmodels / matplotlib
        from nexus_graph.pipeline.evaluate import evaluate_stored_factor

        wanted = parse_horizons(horizons)
        if rule not in ("holm", "seed"):
            raise UsageError(f"--rule must be 'holm' or 'seed' (got {rule!r}).")
        out_dir = report_dir or settings.project_root() / "reports" / "evaluate"
        with progress(not json_out) as bar, open_store() as store:
            task = bar.add_task("evaluate", total=6, status="")
            outcome = evaluate_stored_factor(
                store, factor, model_version=model_version, horizons=wanted, prices_path=prices_path,
                register=not no_register, report_dir=out_dir, rule=rule, allow_look_ahead=allow_look_ahead,
                on_step=lambda status: bar.update(task, advance=1, status=status))
        if json_out:
            from nexus_graph.report.run_files import jsonable

            print_json(jsonable(outcome.summary()))
            return
        print_evaluation(outcome.evaluation, outcome.warning, outcome.note, outcome.files, outcome.look_ahead)
