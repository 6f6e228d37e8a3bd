"""``nexus-graph import ...``: real published data -> dataset tables (spec/dataset.md).

Each subcommand reads one real format, prints counts (``--json`` for a machine-readable summary) and
writes its tables into ``--out`` only once everything was read without a problem; on malformed input
it prints every problem (file, line, column, value) and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import typer

from nexus_graph.cli.common import console, parse_date, print_json, progress
from nexus_graph.errors import UsageError

# the adapters (pandas) are imported inside each command so that `--help` stays fast
DEFAULT_MAPPING = Path(__file__).resolve().parent.parent / "sources" / "imports" / "mappings" / \
    "apple_supplier_tickers.csv"
PRICE_FOLDERS = ("prices-yf-daily-2014-2024", "prices-yf-daily-2014-2020-extra", "prices-nasdaq100-daily-2020-2026")

import_app = typer.Typer(
    help="Turn real published data (Yahoo prices, Apple Supplier List, SEC Form 4, SEC 13F) into dataset tables.",
    no_args_is_help=True,
)

OUT_HELP = "Folder to write the tables into (created if needed; nothing is written on malformed input)."
JSON_HELP = "Print a JSON summary."


def _check_out(out: Path) -> None:
    """Refuse an output path that exists and is not a folder, before reading anything."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder; give a folder path")


@import_app.command("prices")
def prices(
    dirs: list[Path] = typer.Argument(..., help="Folders of <TICKER>.csv Yahoo-layout files, base source first."),
    out: Path = typer.Option(..., "--out", help=OUT_HELP),
    exclude: list[str] = typer.Option([], "--exclude", help="Ticker to leave out (repeatable)."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Stitch daily Yahoo-layout price files on returns -> prices.csv (+ price_overlaps.csv report)."""
    from nexus_graph.sources.imports import write_frames
    from nexus_graph.sources.imports.yahoo import import_prices

    _check_out(out)
    total = sum(len(list(d.glob("*.csv"))) for d in dirs if d.is_dir())
    with progress(not json_out) as bar:
        task = bar.add_task("reading price files", total=total, status="")
        result = import_prices(dirs, exclude=exclude, on_file=lambda name: bar.update(task, advance=1, status=name))
    write_frames(out, {"prices": result.prices, "price_overlaps": result.overlaps})
    info = {
        "out": str(out), "files": result.files, "rows": len(result.prices),
        "companies": int(result.prices["company_id"].nunique()),
        "span": [f"{result.prices['date'].min():%Y-%m-%d}", f"{result.prices['date'].max():%Y-%m-%d}"]
        if len(result.prices) else [None, None],
        "null_rows_dropped": result.null_rows, "duplicate_rows_dropped": result.duplicate_rows,
        "tickers_extended": len(result.overlaps),
        "max_abs_return_diff_on_overlap": float(result.overlaps["max_abs_return_diff"].max())
        if len(result.overlaps) else None,
    }
    if json_out:
        print_json(info)
        return
    console.print(f"Read {info['files']} files: {info['rows']} prices for {info['companies']} companies, "
                  f"{info['span'][0]} .. {info['span'][1]}; {info['tickers_extended']} tickers stitched across "
                  f"sources (max |daily return difference| on overlaps: {info['max_abs_return_diff_on_overlap']}).")
    console.print(f"Wrote {out / 'prices.csv'} and {out / 'price_overlaps.csv'}.")


@import_app.command("apple-suppliers")
def apple_suppliers(
    file: Path = typer.Argument(..., help="Apple supplier list CSV (columns year, supplier_name, ...)."),
    out: Path = typer.Option(..., "--out", help=OUT_HELP),
    mapping: Path = typer.Option(DEFAULT_MAPPING, "--mapping", help="Reviewed supplier_name,ticker,note CSV."),
    customer: str = typer.Option("AAPL", "--customer", help="Company id of the customer."),
    unmatched_out: Path | None = typer.Option(None, "--unmatched-out",
                                              help="Also write the unmatched-name report (name,years,count,note)."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Apple Supplier List -> supply.csv (supplier -> AAPL intervals by list year)."""
    from nexus_graph.sources.imports import write_frame, write_frames
    from nexus_graph.sources.imports.apple import import_apple_suppliers

    _check_out(out)
    result = import_apple_suppliers(file, mapping, customer)
    write_frames(out, {"supply": result.supply})
    if unmatched_out is not None:
        write_frame(unmatched_out, result.unmatched)
    info = {
        "out": str(out), "list_years": result.list_years, "facility_rows": result.rows, "names": result.names,
        "mapped_names": result.mapped_names, "unmatched_names": len(result.unmatched),
        "suppliers": len(result.suppliers), "supply_rows": len(result.supply),
        "mapping_names_not_in_list": result.unused_mapping_names,
    }
    if json_out:
        print_json(info)
        return
    console.print(f"Read {result.rows} facility rows ({result.names} names, lists {result.list_years[0]}.."
                  f"{result.list_years[-1]}): {result.mapped_names} names mapped to {len(result.suppliers)} "
                  f"suppliers -> {len(result.supply)} supply intervals; {len(result.unmatched)} names unmatched.")
    if result.unused_mapping_names:
        console.print(f"Mapping names not in this list: {len(result.unused_mapping_names)}")
    console.print(f"Wrote {out / 'supply.csv'}" + (f" and {unmatched_out}" if unmatched_out else "") + ".")


@import_app.command("form4")
def form4(
    folder: Path = typer.Argument(..., help="sec-form4-insiders folder (<TICKER>/transactions.json, quarterly/)."),
    out: Path = typer.Option(..., "--out", help=OUT_HELP),
    include_officers: bool = typer.Option(False, "--include-officers", help="Also emit officers (role=officer)."),
    observed_until: str | None = typer.Option(None, "--observed-until",
                                              help="Last day the filings are complete (YYYY-MM-DD); default: "
                                                   "end of the densely covered quarters."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """SEC Form 4 filings -> directors.csv + board.csv (person -> company intervals)."""
    from nexus_graph.sources.imports import write_frames
    from nexus_graph.sources.imports.form4 import import_form4

    _check_out(out)
    until = None if observed_until is None else parse_date(observed_until, "--observed-until")
    total = sum(1 for _ in folder.glob("*/transactions.json")) + sum(1 for _ in folder.glob("*/quarterly/*.json"))
    with progress(not json_out) as bar:
        task = bar.add_task("reading Form 4 files", total=total, status="")
        result = import_form4(folder, include_officers, until,
                              on_file=lambda name: bar.update(task, advance=1, status=name))
    write_frames(out, {"directors": result.directors, "board": result.board})
    info = {
        "out": str(out), "files": result.files, "transactions": result.transactions,
        "unique_transactions": result.unique_transactions, "directors": len(result.directors),
        "board_rows": len(result.board), "roles": result.board["role"].value_counts().to_dict(),
        "issuers": len(result.issuers), "complete_until": f"{result.observed_until:%Y-%m-%d}",
        "entities_skipped": result.entities_skipped, "officers_skipped": result.officers_skipped,
    }
    if json_out:
        print_json(info)
        return
    console.print(f"Read {result.files} files: {result.transactions} transactions, {result.unique_transactions} "
                  f"after de-duplication -> {len(result.directors)} people, {len(result.board)} board intervals "
                  f"at {len(result.issuers)} issuers (complete until {info['complete_until']}).")
    console.print(f"Wrote {out / 'directors.csv'} and {out / 'board.csv'}.")


@import_app.command("13f")
def sec13f(
    folder: Path = typer.Argument(..., help="SEC 13F data set folder (SUBMISSION/COVERPAGE/INFOTABLE.tsv) or "
                                            "a folder of them."),
    cusip_map: Path = typer.Option(..., "--cusip-map", help="CSV with columns cusip,ticker."),
    out: Path = typer.Option(..., "--out", help=OUT_HELP),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """SEC 13F data sets -> funds.csv + ownership.csv (+ unknown_cusips.csv report)."""
    from nexus_graph.sources.imports import write_frames
    from nexus_graph.sources.imports.sec13f import import_13f, read_cusip_map

    _check_out(out)
    result = import_13f(folder, read_cusip_map(cusip_map))
    write_frames(out, {"funds": result.funds, "ownership": result.ownership, "unknown_cusips": result.unknown_cusips})
    info = {
        "out": str(out), "holdings_filings": result.filings, "notices": result.notices,
        "infotable_lines": result.lines, "duplicate_lines_dropped": result.duplicate_lines,
        "non_share_lines_skipped": result.skipped_lines, "funds": len(result.funds),
        "ownership_rows": len(result.ownership), "unknown_cusips": len(result.unknown_cusips),
    }
    if json_out:
        print_json(info)
        return
    console.print(f"Read {result.filings} holdings reports ({result.notices} notices): {len(result.funds)} funds, "
                  f"{len(result.ownership)} ownership rows; {len(result.unknown_cusips)} CUSIPs not in the map "
                  f"(listed in unknown_cusips.csv), {result.skipped_lines} option/principal lines skipped.")
    console.print(f"Wrote {out / 'funds.csv'}, {out / 'ownership.csv'} and {out / 'unknown_cusips.csv'}.")


@import_app.command("real-dataset")
def real_dataset(
    data_root: Path = typer.Option(None, "--data-root", help="The shared real-data folder (default: "
                                   "$NEXUS_GRAPH_SHARED_DATA, else shared/data next to the checkout or "
                                   "the repository it was cloned from)."),
    out: Path = typer.Option(..., "--out", help=OUT_HELP),
    include_officers: bool = typer.Option(False, "--include-officers", help="Add Form 4 officers to board."),
    fmt: str = typer.Option("csv", "--format", help="Table file format: csv or parquet."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Build the complete REAL dataset folder (tables, DATASET.md, reports/) from the shared data."""
    from nexus_graph.settings import shared_data_dir
    from nexus_graph.sources.imports import write_frames
    from nexus_graph.sources.imports.real_dataset import build_real_import, dataset_readme, summary
    from nexus_graph.sources.tables import write_dataset

    _check_out(out)
    if fmt not in ("csv", "parquet"):
        raise UsageError(f"--format must be csv or parquet (got {fmt!r})")
    data_root = data_root or shared_data_dir()
    if not all((data_root / name).is_dir() for name in PRICE_FOLDERS):
        raise UsageError(f"--data-root {data_root} does not hold the price folders {', '.join(PRICE_FOLDERS)}; "
                         "point it at the shared data folder (../shared/data next to the checkout)")
    steps = ["prices", "apple supplier list", "form 4 insiders", "companies"]
    with progress(not json_out) as bar:
        task = bar.add_task("building the real dataset", total=len(steps), status="")
        done: list[str] = []

        def step(label: str) -> None:
            if done:
                bar.update(task, advance=1)
            done.append(label)
            bar.update(task, status=label)

        result = build_real_import(data_root, include_officers, on_step=step)
        bar.update(task, advance=1, status="done")
    write_dataset(result.dataset, out, fmt)
    write_frames(out / "reports", {"price_overlaps": result.prices.overlaps, "apple_unmatched": result.apple.unmatched})
    (out / "DATASET.md").write_text(dataset_readme(result), encoding="utf-8")
    info = summary(result)
    info["out"] = str(out)
    if json_out:
        print_json(info)
        return
    comp, rel, price = info["companies"], info["relationships"], info["prices"]
    console.print(f"REAL dataset: {comp['total']} companies ({comp.get('equity', 0)} equity, "
                  f"{comp.get('extended', 0)} extended), {info['directors']} directors, {info['funds']} funds.")
    console.print(f"Relationships: {rel['supply']} supply, {rel['board']} board, {rel['ownership']} ownership.")
    console.print(f"Prices: {price['rows']} rows for {price['companies']} companies, {price['span'][0]} .. "
                  f"{price['span'][1]} ({price['companies_priced_on_last_date']} priced on the last date).")
    console.print(f"Wrote {out} (see {out / 'DATASET.md'}).")


ORDER = 27


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
