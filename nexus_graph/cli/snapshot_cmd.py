"""``nexus-graph snapshot`` and ``nexus-graph centralities``: point-in-time graphs and their history."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from nexus_graph.cli.common import console, open_store, parse_date, print_json, progress
from nexus_graph.errors import NexusError

ORDER = 40


def snapshot(
    asof: str = typer.Option(..., "--asof", help="Snapshot date (YYYY-MM-DD): only what was valid and known then."),
    out: Path | None = typer.Option(None, "--out", help="Save the HeteroData with torch.save to this file."),
    via: str = typer.Option("bulk", help="Read path: 'bulk' (one read, sliced in memory) or 'cypher' (as-of query)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Export the point-in-time graph at --asof: node and edge counts per type, optionally saved."""
    import torch

    from nexus_graph.snapshot.hetero import build_snapshot, snapshot_counts
    from nexus_graph.store.snapshots import read_edges_as_of, read_graph_tables

    as_of = parse_date(asof, "--asof")
    if via not in ("bulk", "cypher"):
        raise NexusError(f"--via must be 'bulk' or 'cypher' (got {via!r}).")
    with open_store() as store:
        tables = read_graph_tables(store, known_until=as_of)
        edges = read_edges_as_of(store, as_of) if via == "cypher" else None
    if all(len(frame) == 0 for frame in tables.nodes.values()):
        raise NexusError("The database holds no graph yet. Load a dataset first: `nexus-graph load DATA_DIR`.")
    data = build_snapshot(tables, as_of, edges=edges)
    data.validate(raise_on_error=True)
    counts = snapshot_counts(data)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        torch.save(data, out)
    if json_out:
        print_json({"as_of": data.as_of, **counts, "out": str(out) if out else None})
        return
    table = Table(title=f"Snapshot as of {data.as_of}")
    table.add_column("type")
    table.add_column("count", justify="right")
    for node_type, n in counts["nodes"].items():
        table.add_row(f"(:{node_type})", f"{n:,}")
    for rel_type, n in counts["edges"].items():
        table.add_row(f"[:{rel_type}]", f"{n:,}")
    console.print(table)
    if out is not None:
        console.print(f"Saved to {out}")


def centralities(
    start: str = typer.Option("2021-06-30", help="First month-end (YYYY-MM-DD)."),
    end: str = typer.Option("2026-03-31", help="Last month-end (YYYY-MM-DD)."),
    factors: bool = typer.Option(True, help="Also write month-over-month changes as factors."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Degree by type, supply PageRank and board interlocks for every month-end, written to Neo4j."""
    from nexus_graph.pipeline import compute_centralities, write_centrality_factors
    from nexus_graph.snapshot.as_of import month_ends

    dates = month_ends(parse_date(start, "--start"), parse_date(end, "--end"))
    if not dates:
        raise NexusError(f"No month-end between --start {start} and --end {end}.")
    with open_store() as store:
        with progress(not json_out) as bar:
            task = bar.add_task("centralities", total=len(dates), status="")
            result = compute_centralities(store, dates, on_date=lambda d: bar.advance(task))
        factor_rows = write_centrality_factors(store) if factors else {}
    summary = {**result.summary(), "factors": factor_rows}
    if json_out:
        print_json(summary)
    else:
        console.print(f"Wrote {result.rows:,} centrality rows for {result.snapshots} month-ends in "
                      f"{result.seconds:.2f} s" + (f"; factors: {', '.join(factor_rows)}." if factor_rows else "."))


def register(app: typer.Typer) -> None:
    app.command("snapshot")(snapshot)
    app.command("centralities")(centralities)
