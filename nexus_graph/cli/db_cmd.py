"""``nexus-graph db init``: constraints and indexes."""

from __future__ import annotations

import typer

from nexus_graph.cli.common import console, open_store, print_json

db_app = typer.Typer(help="Database schema: constraints and indexes.", no_args_is_help=True)


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


ORDER = 20


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
