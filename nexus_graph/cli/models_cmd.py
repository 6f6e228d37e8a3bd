"""``nexus-graph models list | show VERSION | compare A B``: the trained model versions and their provenance."""

from __future__ import annotations

import typer
from rich.table import Table

from nexus_graph.cli.common import console, open_store, print_json

ORDER = 55

models_app = typer.Typer(help="Trained model versions: AUC beside the baseline, training window, data fingerprint, "
                              "parameters, promoted or not, and what used them.", no_args_is_help=True)


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


@models_app.command("list")
def list_command(json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Every recorded model version, oldest first."""
    from nexus_graph.pipeline.registry import models_list

    with open_store() as store:
        frame = models_list(store)
    if json_out:
        print_json(frame.to_dict(orient="records"))
        return
    table = Table("version", "label", "as of", "val AUC", "baseline", "gate", "promoted", title="Model versions",
                  title_justify="left")
    for row in frame.itertuples(index=False):
        table.add_row(row.version, _cell(row.label), f"{row.as_of:%Y-%m-%d}" if row.as_of is not None else "–",
                      _cell(row.val_auc), _cell(row.baseline_auc), "pass" if row.gate_passed else "fail",
                      "yes" if row.promoted else "")
    console.print(table)


@models_app.command("show")
def show_command(
    version: str = typer.Argument(..., help="Model version (see `nexus-graph models list`)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (every property) instead of a table."),
) -> None:
    """One version's provenance and what used it (backfills, factors, signals)."""
    from nexus_graph.pipeline.registry import model_show

    with open_store() as store:
        shown = model_show(store, version)
    if json_out:
        print_json(shown)
        return
    table = Table("fact", "value", title=f"Model {version}", title_justify="left")
    for key, value in shown["facts"].items():
        table.add_row(key, _cell(value))
    for key, value in shown["used_by"].items():
        table.add_row(f"used by: {key}", _cell(value))
    console.print(table)


@models_app.command("compare")
def compare_command(
    first: str = typer.Argument(..., help="First model version."),
    second: str = typer.Argument(..., help="Second model version."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Two versions side by side: every fact, the differing ones marked."""
    from nexus_graph.pipeline.registry import models_compare

    with open_store() as store:
        rows = models_compare(store, first, second)
    if json_out:
        print_json([{"fact": k, first: a, second: b} for k, a, b in rows])
        return
    table = Table("fact", first, second, "", title="Model versions compared", title_justify="left")
    for key, a, b in rows:
        table.add_row(key, _cell(a), _cell(b), "≠" if a != b else "")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
