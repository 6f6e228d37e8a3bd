"""``nexus-graph registry list | show NAME``: the signal registry in Neo4j."""

from __future__ import annotations

import pandas as pd
import typer
from rich import box
from rich.table import Table

from nexus_graph.cli.common import console, open_store, print_json
from nexus_graph.pipeline.registry import registry_list, registry_show

ORDER = 80

registry_app = typer.Typer(help="The signal registry: every verdict and every test, rejected ones too.",
                           no_args_is_help=True)

STATUS_STYLE = {"alpha": "green", "candidate": "yellow", "rejected": "red"}
# (header, SignalTest property, number format) of the `show` table; every property is in --json
SHOW_COLUMNS = [("tested", "testedAt", ""), ("run", "runId", ""), ("h", "horizon", ""), ("N", "n", ""),
                ("mean IC", "meanIc", "+.4f"), ("t", "t", "+.2f"), ("rob t", "robustT", "+.2f"),
                ("df", "robustDof", ""), ("rob bar", "robustBar", ".2f"), ("BHY p", "bhyP", ".2g"),
                ("", "passes", "")]


def compact_table(title: str) -> Table:
    """A borderless table that fits 80 columns."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
                 show_edge=False)


def _cell(value: object, spec: str = "") -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, float) and spec:
        return format(value, spec)
    return str(value)


@registry_app.command("list")
def list_command(json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Every registered signal with its status, tier, runs and tests."""
    with open_store() as store:
        frame = registry_list(store)
    if json_out:
        from nexus_graph.report.run_files import jsonable

        print_json(jsonable(frame.to_dict(orient="records")))
        return
    if frame.empty:
        console.print("The registry is empty: run `nexus-graph evaluate FACTOR` to register a signal.")
        return
    table = compact_table("Signal registry")
    columns = ("name", "status", "verdict", "tier", "model", "runs", "tests", "last tested", "ever rejected")
    for column in columns:
        table.add_column(column, no_wrap=column != "name")
    for r in frame.itertuples(index=False):
        style = STATUS_STYLE.get(r.status or "", "")
        status = f"[{style}]{r.status}[/]" if style else _cell(r.status)
        last = "–" if pd.isna(r.last_tested_at) else f"{r.last_tested_at:%Y-%m-%d}"
        table.add_row(r.name, status, _cell(r.verdict), _cell(r.tier), _cell(r.model_version),
                      str(r.runs), str(r.tests), last, "yes" if r.ever_rejected else "no")
    console.print(table)


@registry_app.command("show")
def show_command(
    name: str = typer.Argument(..., help="Signal name, e.g. graph_gnn_embedding_drift."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """One signal: its verdict and reasons, and every test (one row per run and horizon)."""
    with open_store() as store:
        signal, tests = registry_show(store, name)
    if json_out:
        from nexus_graph.report.run_files import jsonable

        print_json(jsonable({"signal": signal, "tests": tests.to_dict(orient="records")}))
        return
    style = STATUS_STYLE.get(signal.get("status") or "", "bold")
    console.print(f"[bold]{name}[/]: [{style}]{signal.get('status')}[/] (verdict {signal.get('verdict')}, "
                  f"tier {signal.get('tier')}, type {signal.get('type')}, model {signal.get('modelVersion') or '–'})")
    for reason in signal.get("reasons") or []:
        console.print(f"  - {reason}", highlight=False)
    if signal.get("everRejected"):
        console.print("  [red]rejected at least once[/]")
    if tests.empty:
        console.print("No tests recorded.")
        return
    table = compact_table(f"{len(tests)} test(s), one per run and horizon (figures: `registry show --json`)")
    for header, _, _ in SHOW_COLUMNS:
        table.add_column(header, justify="left" if header in ("tested", "run", "") else "right", no_wrap=True)
    for record in tests.to_dict(orient="records"):
        cells = []
        for _, key, spec in SHOW_COLUMNS:
            value = record.get(key)
            if key == "testedAt" and value is not None:
                value = f"{pd.Timestamp(value):%Y-%m-%d}"
            elif key == "runId" and isinstance(value, str):
                value = value[:8]
            elif key == "horizon" and value is not None:
                value = f"{value} d"
            elif key == "passes":
                value = "pass" if value else "fail"
            cells.append(_cell(value, spec))
        table.add_row(*cells)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(registry_app, name="registry")
