"""``nexus-graph db init | status``: constraints and indexes; what the latest embeddings hold."""

from __future__ import annotations

import typer

from nexus_graph.cli.common import console, err_console, open_store, print_json

db_app = typer.Typer(help="Database schema (constraints, indexes) and the state of the latest embeddings.",
                     no_args_is_help=True)


@db_app.command()
def init(json_out: bool = typer.Option(False, "--json", help="Print a JSON summary.")) -> None:
    """Apply the constraints and indexes of cypher/schema/ (idempotent)."""
    from nexus_graph.pipeline.registry import init_database

    with open_store() as store:
        report = init_database(store)
    if json_out:
        print_json(report.summary())
        return
    console.print(f"Applied {len(report.statements)} schema statements: {len(report.created)} new "
                  f"index(es); {len(report.constraints)} constraints, {len(report.indexes)} indexes in place.")
    for name in report.created:
        console.print(f"  created {name}")


@db_app.command()
def status(
    repair: bool = typer.Option(False, "--repair", help="Derive the companies' latest embeddings again first."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """The current (promoted) model, the month-end and model the companies' latest embeddings carry, and how
    many companies carry them (the contract of the `embedding` properties behind the vector index)."""
    from nexus_graph.pipeline.backfill import latest_embeddings

    with open_store() as store:
        state = latest_embeddings(store, repair=repair)
    if json_out:
        print_json({**state.summary(), "note": state.note()})
        return
    console.print(f"current model: {state.current_model or '(none promoted)'}", highlight=False)
    if state.model_version is not None:
        console.print(f"latest embeddings: model {state.model_version} at {state.date:%Y-%m-%d} on "
                      f"{state.companies:,} companies", highlight=False)
    note = state.note()
    if note:
        err_console.print(f"Note: {note}", markup=False, highlight=False, soft_wrap=True)


ORDER = 20


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
