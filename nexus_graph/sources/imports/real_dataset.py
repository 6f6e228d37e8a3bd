"""The real-data dataset: every adapter run over ``../shared/data`` and combined into one :class:`Dataset`.

- prices: ``prices-yf-daily-2014-2024`` (base), plus the delisted names of
  ``prices-yf-daily-2014-2020-extra``, extended past 2024-03-08 by ``prices-nasdaq100-daily-2020-2026``
  and stitched on returns (:mod:`.yahoo`); ETFs and duplicate histories excluded (``EXCLUDED``);
- companies: every ticker with prices is ``equity`` (``listed_from`` = first price; ``listed_to`` =
  the day after the last price only for the names in ``DELISTED_AT_DATA_END``); mapped Apple suppliers
  and Form 4 issuers without prices are ``extended``; names, segments and countries come from the
  reviewed ``mappings/company_segments.csv``;
- supply: Apple Supplier List edges (:mod:`.apple`); board: Form 4 directors (:mod:`.form4`);
- funds / ownership: **empty** -- no 13F holdings exist in the shared data.

The CC BY-NC ``eto-chip-supply-chain`` folder is never read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from nexus_graph import schema
from nexus_graph.sources.imports import MAPPINGS_DIR, Problems, node_frame, read_delimited, relationship_frame
from nexus_graph.sources.imports.apple import AppleImport, import_apple_suppliers
from nexus_graph.sources.imports.form4 import STALE_AFTER_DAYS, Form4Import, import_form4
from nexus_graph.sources.imports.yahoo import PriceImport, import_prices
from nexus_graph.sources.tables import Dataset

PRICE_FOLDERS = ("prices-yf-daily-2014-2024", "prices-yf-daily-2014-2020-extra", "prices-nasdaq100-daily-2020-2026")
APPLE_FILE = Path("apple-supplier-list") / "apple-supplier-list.csv"
FORM4_FOLDER = "sec-form4-insiders"
SEGMENTS_FILE = MAPPINGS_DIR / "company_segments.csv"
EXCLUDED = {
    "SOXX": "ETF (benchmark, not a company)",
    "SMH": "ETF (benchmark, not a company)",
    "QQQ": "ETF (benchmark, not a company)",
    "IIVI": "same security and prices as COHR (II-VI renamed Coherent Corp. in 2022); COHR carries the history",
}
# Names whose only prices come from the extra folder, which stops on 2020-12-11 although they traded
# until their acquisitions in 2021-2022: they leave the universe when their prices stop.
DELISTED_AT_DATA_END = {
    "XLNX": "acquired by AMD (2022)",
    "MXIM": "acquired by Analog Devices (2021)",
    "CCMP": "acquired by Entegris (2022)",
    "IPHI": "acquired by Marvell (2021)",
    "DSPG": "acquired by Synaptics (2021)",
    "NPTN": "acquired by Lumentum (2021)",
}


@dataclass
class RealImport:
    """The combined dataset plus every adapter's own report (for the CLI summary and DATASET.md)."""

    dataset: Dataset
    prices: PriceImport
    apple: AppleImport
    form4: Form4Import
    data_root: Path


def read_segments(path: Path = SEGMENTS_FILE) -> pd.DataFrame:
    """The reviewed company table: ``company_id, name, segment, country`` (one row per id)."""
    problems = Problems()
    header, rows, lines = read_delimited(path, problems)
    columns = ("company_id", "name", "segment", "country")
    records, seen = [], {}
    for column in columns:
        if header and column not in header:
            problems.add(str(path), f"missing column {column!r}; expected {','.join(columns)}")
    if header and not problems:
        for row, line in zip(rows, lines, strict=True):
            record = dict(zip(header, (cell.strip() for cell in row), strict=False))
            cid = record.get("company_id", "")
            if len(row) != len(header) or not cid:
                problems.add(f"{path}:{line}", f"expected {len(header)} fields with a company_id, got {row}")
            elif cid in seen:
                problems.add(f"{path}:{line}", f"company_id {cid!r} already on line {seen[cid]}")
            else:
                seen[cid] = line
                records.append({c: record.get(c, "") for c in columns})
    problems.raise_if_any()
    return pd.DataFrame(records, columns=list(columns))


def build_real_import(data_root: Path, include_officers: bool = False,
                      on_step: Callable[[str], None] | None = None) -> RealImport:
    """Run every adapter over ``data_root`` and combine the results (see module docstring).

    Parameters
    ----------
    data_root
        The shared data folder (``../shared/data`` next to the checkout).
    include_officers
        Also add Form 4 officers (``role = "officer"``) to ``board``.
    on_step
        Called with a short label as each source is read (progress reporting).

    Raises
    ------
    InputRejected
        A malformed source file, or a company without a row in ``mappings/company_segments.csv``.
    """
    root = Path(data_root)
    step = on_step or (lambda _label: None)
    step("prices")
    prices = import_prices([root / name for name in PRICE_FOLDERS], exclude=EXCLUDED)
    step("apple supplier list")
    apple = import_apple_suppliers(root / APPLE_FILE)
    step("form 4 insiders")
    form4 = import_form4(root / FORM4_FOLDER, include_officers=include_officers)
    step("companies")
    companies = _companies(prices, apple, form4)
    dataset = Dataset(
        companies=companies,
        funds=node_frame(schema.FUNDS, []),
        directors=form4.directors,
        supply=apple.supply,
        ownership=relationship_frame(schema.OWNERSHIP, []),
        board=form4.board,
        prices=prices.prices,
    )
    return RealImport(dataset=dataset, prices=prices, apple=apple, form4=form4, data_root=root)


def _companies(prices: PriceImport, apple: AppleImport, form4: Form4Import) -> pd.DataFrame:
    """Equities (priced) + extended (edge endpoints without prices), described by the reviewed table."""
    spans = prices.prices.groupby("company_id")["date"].agg(["min", "max"])
    endpoints = set(apple.suppliers) | set(form4.issuers) | set(apple.supply["customer_id"])
    extended = sorted(endpoints - set(spans.index))
    segments = read_segments().set_index("company_id")
    missing = [c for c in [*spans.index, *extended] if c not in segments.index]
    if missing:
        problems = Problems()
        for cid in missing:
            problems.add(str(SEGMENTS_FILE), f"no row for company {cid!r}; add company_id,name,segment,country")
        problems.raise_if_any()
    rows = []
    for cid, span in spans.iterrows():
        delisted = cid in DELISTED_AT_DATA_END
        rows.append({"company_id": cid, "kind": "equity", "listed_from": span["min"],
                     "listed_to": span["max"] + pd.Timedelta(days=1) if delisted else pd.NaT})
    rows.extend({"company_id": cid, "kind": "extended"} for cid in extended)
    frame = pd.DataFrame(rows)
    for column in ("name", "segment", "country"):
        frame[column] = frame["company_id"].map(segments[column]).replace("", None)
    return node_frame(schema.COMPANIES, frame)


def _span(frame: pd.DataFrame, column: str) -> list[str | None]:
    """[min, max] of a date column as ISO strings (None when empty)."""
    values = frame[column].dropna()
    return [None, None] if values.empty else [f"{values.min():%Y-%m-%d}", f"{values.max():%Y-%m-%d}"]


def summary(result: RealImport) -> dict[str, object]:
    """Counts and date coverage of a built real dataset (JSON-ready)."""
    data = result.dataset
    prices = data.prices
    last_date = prices["date"].max()
    overlaps = result.prices.overlaps
    return {
        "data": "REAL",
        "data_root": str(result.data_root),
        "companies": {"total": len(data.companies), **data.companies["kind"].value_counts().sort_index().to_dict()},
        "funds": len(data.funds),
        "directors": len(data.directors),
        "relationships": {spec.table: len(data.relationships(spec)) for spec in schema.REL_SPECS},
        "prices": {
            "rows": len(prices), "companies": int(prices["company_id"].nunique()), "span": _span(prices, "date"),
            "companies_priced_on_last_date": int((prices.groupby("company_id")["date"].max() == last_date).sum()),
        },
        "supply": {"valid_from": _span(data.supply, schema.VALID_FROM),
                   "known_from": _span(data.supply, schema.KNOWN_FROM),
                   "open": int(data.supply[schema.VALID_TO].isna().sum())},
        "board": {"valid_from": _span(data.board, schema.VALID_FROM),
                  "known_from": _span(data.board, schema.KNOWN_FROM),
                  "open": int(data.board[schema.VALID_TO].isna().sum()),
                  "roles": data.board["role"].value_counts().to_dict(),
                  "people_at_2plus_companies": int((data.board.groupby("director_id")["company_id"].nunique()
                                                    > 1).sum())},
        "apple": {"list_years": result.apple.list_years, "facility_rows": result.apple.rows,
                  "names": result.apple.names, "mapped_names": result.apple.mapped_names,
                  "unmatched_names": len(result.apple.unmatched), "suppliers_mapped": len(result.apple.suppliers)},
        "form4": {"files": result.form4.files, "transactions": result.form4.transactions,
                  "unique_transactions": result.form4.unique_transactions,
                  "complete_until": f"{result.form4.observed_until:%Y-%m-%d}",
                  "entities_skipped": len(result.form4.entities_skipped),
                  "officers_skipped": result.form4.officers_skipped},
        "price_stitching": {
            "tickers_extended": len(overlaps),
            "max_abs_return_diff_on_overlap": float(overlaps["max_abs_return_diff"].max()) if len(overlaps) else None,
            "interleaved_files_resolved": int((overlaps["series_in_file"] > 1).sum()),
            "excluded": EXCLUDED,
            "delisted_at_data_end": DELISTED_AT_DATA_END,
        },
    }


def dataset_readme(result: RealImport) -> str:
    """DATASET.md for a written real dataset: what it is, its sources, licences, rules and limits."""
    info = summary(result)
    rel = info["relationships"]
    comp = info["companies"]
    price = info["prices"]
    return f"""# REAL data -- nexus-graph real-data dataset

Built by `nexus-graph import real-dataset` from the third-party files in `{result.data_root}`
(never copied into the repository). This is **real, published data**, not the synthetic demo.

## Contents

| table | rows |
|---|---|
| companies | {comp["total"]} ({comp.get("equity", 0)} equity, {comp.get("extended", 0)} extended) |
| funds | {info["funds"]} (no 13F data) |
| directors | {info["directors"]} |
| supply | {rel["supply"]} (Apple supplier -> AAPL) |
| ownership | {rel["ownership"]} (no 13F data) |
| board | {rel["board"]} (Form 4 directors) |
| prices | {price["rows"]} rows, {price["companies"]} companies, {price["span"][0]} .. {price["span"][1]} |

## Sources and licences

- `prices-yf-daily-2014-2024` (github.com/dieperdev/yfinance-stock-data, The Unlicense; Yahoo Finance numbers)
- `prices-yf-daily-2014-2020-extra` (github.com/Bluefin-Tuna/Yahoo-Finance-Historical-Data, MIT)
- `prices-nasdaq100-daily-2020-2026` (github.com/growwanalysis/nasdaq100, "MIT" claimed, no LICENSE file)
- `apple-supplier-list` (github.com/cwgrouptw/data, MIT; Apple's published Supplier Lists FY2012-FY2018, FY2020-FY2022)
- `sec-form4-insiders` (github.com/kenny-hk/sec-form4-api, MIT; SEC EDGAR Form 4, public domain)
- Not used: `eto-chip-supply-chain` (CC BY-NC 4.0, non-commercial only).

Yahoo Finance's own terms are not a licence grant; check them before any commercial use.

## Point-in-time rules

- Prices: stitched on returns; `adj_close` levels follow the 2014-2024 source, later dates are
  chained onto it (levels from different downloads differ by a constant factor).
- Supply: list year = Apple fiscal year; valid 1 Oct (Y-1) .. 1 Oct (Y); known from 30 June (Y+1)
  (conservative publication date); consecutive published lists merged; end known at the next list.
- Board: first..last Form 4 transaction per person and issuer; known 2 US business days after the
  first transaction (filing deadline); ended after {STALE_AFTER_DAYS} days without a filing, judged only while the
  filings are complete (until {result.form4.observed_until:%Y-%m-%d}).

## Limits

- Survivorship bias: price folders hold names listed when downloaded; only six delisted names
  (prices to 2020-12-11) are included; renamed tickers carry history only under the new symbol.
- After 2024-03-08 only {price["companies_priced_on_last_date"]} companies have prices (the NASDAQ-100
  file); the others drop out of the return cross-section there.
- Partial edges: supply covers AAPL as the only customer; board covers 37 issuers, dense only
  2022-Q2 .. 2025-Q1; {info["apple"]["unmatched_names"]} Apple supplier spellings are not mapped to companies.
- No 13F holdings: `funds` and `ownership` are empty.

See `docs/real-data.md` in the repository for the full rules and the pipeline results.
"""
