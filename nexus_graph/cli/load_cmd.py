"""``nexus-graph load DATA_DIR``: validate a dataset folder, write it into Neo4j, keep its prices."""

from __future__ import annotations

from pathlib import Path

import typer

from nexus_graph.cli.common import console, err_console, open_store, print_json, progress
from nexus_graph.pipeline.load import DEFAULT_BATCH_SIZE, DEFAULT_WORKERS, load_step
from nexus_graph.sources.dataset import read_dataset_with_warnings

ORDER = 30


def load(
    data_dir: Path = typer.Argument(..., help="Dataset folder (spec/dataset.md): companies, funds, directors, "
                                    "supply, ownership, board, prices as .csv or .parquet."),
    replace: bool = typer.Option(False, "--replace", help="Delete every node and relationship first, then load."),
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, "--batch-size", min=1, help="Rows per UNWIND transaction."),
    workers: int = typer.Option(DEFAULT_WORKERS, "--workers", min=1,
                                help="Relationship batches written at once (the server uses one core per batch)."),
    json_out: bool = typer.Option(False, "--json", help="Print counts per label and relationship type as JSON."),
) -> None:
    """Validate DATA_DIR completely, then load it (idempotent: nodes merged on id, relationships on
    source, target, type and validFrom). Bad input lists every problem and writes nothing."""
    # validation comes first and opens no connection: on bad input the database is never touched
    result = read_dataset_with_warnings(data_dir)
    for warning in result.warnings:
        err_console.print(f"Warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    dataset = result.dataset
    with open_store() as store, progress(enabled=not json_out) as bar:
        tasks: dict[str, int] = {}

        def on_progress(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=max(total, 1), status="")
            bar.update(tasks[table], completed=done if total else 1, status="done" if done == total else "")

        loaded = load_step(store, dataset, replace=replace, batch_size=batch_size, workers=workers,
                           on_progress=on_progress)
    loaded.warnings = result.warnings
    if json_out:
        print_json({"data_dir": str(data_dir), **loaded.summary()})
        return
    console.print(f"Loaded {data_dir}{' (replaced the graph)' if replace else ''}.")
    for label, count in loaded.counts["nodes"].items():
        console.print(f"  (:{label})  {count:,}")
    for rel_type, count in loaded.counts["relationships"].items():
        console.print(f"  [:{rel_type}]  {count:,}", markup=False)
    console.print(f"  prices  {loaded.prices_rows:,} rows -> {loaded.prices_file}")


def register(app: typer.Typer) -> None:
    app.command(name="load")(load)
