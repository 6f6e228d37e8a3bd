"""``nexus-graph factors import FILE``: a point-in-time factor panel from elsewhere, stored beside the graph factors."""

from __future__ import annotations

from pathlib import Path

import typer

from nexus_graph.cli.common import console, err_console, open_store, print_json, progress

ORDER = 65  # after backfill (the graph factors), before evaluate

factors_app = typer.Typer(help="Factors from elsewhere (fundamentals, prices, vendors), stored as FactorValue rows "
                               "so `evaluate` and `paper-trade` use them like the graph factors.",
                          no_args_is_help=True)


@factors_app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="CSV or Parquet with columns date (calendar month-end), company (id), "
                                "value (number), known_from (day the value became public)."),
    name: str = typer.Option(..., "--name", help="Factor name: lower-case letters, digits, underscores "
                             "(e.g. margin_compression); re-importing under the same name replaces it."),
    origin: str = typer.Option("external", "--origin", help="fundamental | price | external: where the values come "
                               "from (the registry's signal type)."),
    allow_look_ahead: bool = typer.Option(False, "--allow-look-ahead", help="Import values known after their "
                                          "date's entry close, labelled look-ahead (evaluate and paper-trade "
                                          "then refuse them unless told --allow-look-ahead too)."),
    prices_path: Path = typer.Option(None, "--prices", help="Prices Parquet file for the entry closes (default: "
                                     "the loaded prices)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Validate FILE completely, then write it as factor NAME (idempotent: a re-import replaces it).

    Point-in-time rule: a value for month-end t is usable only if known_from is on or before t's entry
    close (the last trading day on or before t). Bad rows, unknown companies, future dates and
    look-ahead rows are listed with their line and nothing is written (exit 2)."""
    from nexus_graph.pipeline.factors import import_factor
    from nexus_graph.sources.factor_file import checked_name, checked_origin, checked_path

    # the arguments are checked before connecting
    checked_name(name)
    checked_origin(origin)
    checked_path(file)
    with open_store() as store, progress(enabled=not json_out) as bar:
        task = bar.add_task(f"factor {name}", total=None, status="")

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, status="written" if done == total else "")

        result = import_factor(store, file, name, origin=origin, allow_look_ahead=allow_look_ahead,
                               prices_path=prices_path, on_progress=on_progress)
    for warning in result.warnings:
        err_console.print(f"Warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    if json_out:
        print_json(result.summary())
        return
    console.print(f"Imported factor {result.factor!r} ({result.origin}) from {result.file}: {result.rows:,} values "
                  f"on {result.dates} month-end(s) ({result.first_date:%Y-%m-%d} .. {result.last_date:%Y-%m-%d}), "
                  f"{result.companies} companies.", markup=False, highlight=False)
    if result.look_ahead_rows:
        err_console.print(f"Warning: {result.look_ahead_rows:,} value(s) are labelled LOOK-AHEAD (known after their "
                          "date's entry close); evaluate and paper-trade refuse them unless --allow-look-ahead.",
                          markup=False, highlight=False)
    console.print(f"Next: nexus-graph evaluate {result.factor}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(factors_app, name="factors")
