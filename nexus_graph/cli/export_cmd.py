"""``nexus-graph export KIND``: Parquet files, partitioned by date, for backtest jobs (nexus_graph.pipeline.export)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from nexus_graph.cli.common import console, open_store, parse_date, print_json, warn_beyond_data

ORDER = 85


class Kind(StrEnum):
    embeddings = "embeddings"
    factors = "factors"
    edges = "edges"
    centralities = "centralities"


def export(
    kind: Kind = typer.Argument(..., help="What to export: embeddings | factors | edges | centralities."),
    start: str = typer.Option(..., help="First date (YYYY-MM-DD), not after today."),
    end: str = typer.Option(..., help="Last date (YYYY-MM-DD), not after today."),
    out: Path = typer.Option(..., "--out", help="Folder; files go under OUT/KIND (factors: OUT/factors/NAME)."),
    factor: str = typer.Option(None, help="Factor name (export factors only)."),
    model_version: str = typer.Option(None, "--model-version",
                                      help="Model version (default: the promoted model; for a factor, its only one)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Write one Parquet file per date and a manifest.json (model version, data fingerprint, rows, sha256
    of each file). Point in time as the read API; re-running the same export changes no file."""
    from nexus_graph.pipeline.export import export as run
    from nexus_graph.pipeline.read import GraphReader

    first, last = parse_date(start, "--start"), parse_date(end, "--end")  # before connecting
    with open_store() as store:
        warn_beyond_data(store, end=last)
        result = run(GraphReader(store), kind.value, first, last, out, factor=factor, model_version=model_version)
    summary = result.summary()
    if json_out:
        print_json(summary)
        return
    console.print(f"Exported {summary['rows']:,} rows of {kind.value} in {summary['partitions']} date partitions "
                  f"to {result.folder} (model {summary['model_version'] or 'none'}); "
                  f"{summary['files_changed']} file(s) changed.", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("export")(export)
