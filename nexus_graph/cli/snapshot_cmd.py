"""``nexus-graph snapshot`` and ``nexus-graph centralities``: point-in-time graphs and their history."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from nexus_graph.cli.common import console, open_store, parse_date, print_json, progress, warn_beyond_data
from nexus_graph.errors import UsageError

ORDER = 40


def snapshot(
    asof: str = typer.Option(..., "--asof", help="Snapshot date (YYYY-MM-DD): only what was valid and known then."),
    out: Path | None = typer.Option(None, "--out", help="Save the HeteroData with torch.save to this file."),
    via: str = typer.Option("bulk", help="Read path: 'bulk' (one read, sliced in memory) or 'cypher' (as-of query)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Export the point-in-time graph at --asof: node and edge counts per type, optionally saved."""
    import torch

    from nexus_graph.pipeline.snapshots import snapshot_step

    as_of = parse_date(asof, "--asof")
    if via not in ("bulk", "cypher"):
        raise UsageError(f"--via must be 'bulk' or 'cypher' (got {via!r}).")
    with open_store() as store:
        warn_beyond_data(store, asof=as_of)
        result = snapshot_step(store, as_of, via=via)
    data, counts = result.data, result.counts
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        torch.save(data, out)
    if json_out:
        print_json({**result.summary(), "out": str(out) if out else None})
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
    from nexus_graph.as_of import month_ends
    from nexus_graph.pipeline.snapshots import centralities_step

    dates = month_ends(parse_date(start, "--start"), parse_date(end, "--end"))
    if not dates:
        raise UsageError(f"No month-end between --start {start} and --end {end}.")
    with open_store() as store, progress(not json_out) as bar:
        warn_beyond_data(store, end=dates[-1])
        task = bar.add_task("centralities", total=len(dates), status="")
        result = centralities_step(store, dates, factors=factors, on_date=lambda d: bar.advance(task))
    if json_out:
        print_json(result.summary())
    else:
        factors_note = f"; factors: {', '.join(result.factors)}." if result.factors else "."
        console.print(f"Wrote {result.rows:,} centrality rows for {result.snapshots} month-ends in "
                      f"{result.seconds:.2f} s" + factors_note)


def register(app: typer.Typer) -> None:
    app.command("snapshot")(snapshot)
    app.command("centralities")(centralities)
