"""Apple's published Supplier List -> supplier -> AAPL ``supply`` intervals.

Input: one row per supplier facility with at least the columns ``year`` and ``supplier_name`` (the
CommonWealth Magazine compilation of Apple's lists in ``../shared/data/apple-supplier-list``).
Supplier names are mapped to company ids by a reviewed file (``mappings/apple_supplier_tickers.csv``:
``supplier_name,ticker,note``; a blank ticker means "checked by hand, deliberately not mapped",
with the reason in ``note``). Names are compared after :func:`normalise_name` only -- no fuzzy
matching, so every mapped spelling is one a person has looked at.

Point-in-time rule (documented in ``docs/real-data.md``):

- List year ``Y`` is Apple's **fiscal year** ``Y`` (the compilation has 200 names for 2012, the
  size of Apple's FY2012 list, not the 156 of the January 2012 first list; Apple published no
  FY2019 list). Its validity is the fiscal year: ``valid_from = Y-1-10-01``, ``valid_to = Y-10-01``
  (Apple's fiscal year ends on the last Saturday of September; 1 October is the rounded boundary).
- It became public with the list's publication, early in ``Y+1`` (the FY2012..FY2018 lists came with
  Apple's Supplier Responsibility reports in January-March; the FY2020..FY2022 lists appeared in
  May-June). Exact days are not in the data, so ``known_from = Y+1-06-30`` for every list: on or
  after every publication date we could establish, hence never early.
- A supplier on consecutive **published** lists (2018 and 2020 count as consecutive: no FY2019
  list exists) gets one interval from the first to the last of them. Its end becomes known with the
  next published list that omits it: ``end_known_from`` = that list's ``known_from``. A run that
  reaches the last list in the file stays open (``valid_to`` blank): nothing published says it ended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from nexus_graph import schema
from nexus_graph.sources.imports import (
    MAPPINGS_DIR,
    InputRejected,
    Problems,
    read_delimited,
    relationship_frame,
    require_columns,
)

DEFAULT_MAPPING = MAPPINGS_DIR / "apple_supplier_tickers.csv"
DEFAULT_UNMATCHED = MAPPINGS_DIR / "apple_unmatched.csv"
CUSTOMER = "AAPL"
SOURCE_TAG = "apple-supplier-list"
_CONTINUED = re.compile(r"\s*\(continued\)$")


def normalise_name(name: str) -> str:
    """Collapse whitespace (the 2020 list has line breaks inside names) and drop a trailing ``(continued)``.

    Both are artefacts of extracting the names from Apple's PDF; nothing else is changed.
    """
    return _CONTINUED.sub("", re.sub(r"\s+", " ", name).strip())


def fiscal_year_start(year: int) -> pd.Timestamp:
    """First day (rounded) of Apple fiscal year ``year``: 1 October of the previous calendar year."""
    return pd.Timestamp(year - 1, 10, 1)


def published(year: int) -> pd.Timestamp:
    """Conservative public date of the FY ``year`` list: 30 June of the following year (module docstring)."""
    return pd.Timestamp(year + 1, 6, 30)


@dataclass
class AppleImport:
    """Result of :func:`supplier_edges`.

    ``supply``: canonical ``supply`` frame (supplier_id = mapped id, customer_id = AAPL, source).
    ``unmatched``: ``name, years, count, note`` for every list name without a ticker (``count`` =
    facility rows; ``note`` = the reviewer's reason where the name was checked and left out).
    ``suppliers``: the mapped ids that have at least one edge.
    """

    supply: pd.DataFrame
    unmatched: pd.DataFrame
    suppliers: list[str]
    list_years: list[int]
    rows: int
    names: int
    mapped_names: int
    unused_mapping_names: list[str]


def read_supplier_list(path: Path) -> pd.DataFrame:
    """The list as ``year`` (int), ``name`` (normalised), ``raw_name``, ``line``; raises on malformed rows."""
    problems = Problems()
    header, rows, lines = read_delimited(path, problems)
    records = []
    if header and require_columns(path, header, ("year", "supplier_name"), problems):
        if not rows:
            problems.add(str(path), "no data rows after the header")
        year_at, name_at = header.index("year"), header.index("supplier_name")
        for row, line in zip(rows, lines, strict=True):
            if len(row) != len(header):
                problems.add(f"{path}:{line}", f"expected {len(header)} fields as in the header, got {len(row)}")
                continue
            year, name = row[year_at].strip(), normalise_name(row[name_at])
            if not re.fullmatch(r"(19|20)\d\d", year):
                problems.add(f"{path}:{line}", f"column 'year': expected a four-digit year, got {row[year_at]!r}")
                continue
            if not name:
                problems.add(f"{path}:{line}", "column 'supplier_name': expected a name, got an empty cell")
                continue
            records.append((int(year), name, row[name_at], line))
    problems.raise_if_any()
    return pd.DataFrame(records, columns=["year", "name", "raw_name", "line"])


def read_mapping(path: Path = DEFAULT_MAPPING) -> pd.DataFrame:
    """The reviewed mapping as ``supplier_name`` (normalised), ``ticker`` ('' = reviewed, not mapped), ``note``."""
    problems = Problems()
    header, rows, lines = read_delimited(path, problems)
    records = []
    if header and require_columns(path, header, ("supplier_name", "ticker"), problems):
        name_at, ticker_at = header.index("supplier_name"), header.index("ticker")
        note_at = header.index("note") if "note" in header else None
        seen: dict[str, int] = {}
        for row, line in zip(rows, lines, strict=True):
            if len(row) != len(header):
                problems.add(f"{path}:{line}", f"expected {len(header)} fields as in the header, got {len(row)}")
                continue
            name, ticker = normalise_name(row[name_at]), row[ticker_at].strip()
            if not name:
                problems.add(f"{path}:{line}", "column 'supplier_name': expected a name, got an empty cell")
                continue
            if name in seen:
                problems.add(f"{path}:{line}", f"supplier name {name!r} already mapped on line {seen[name]}")
                continue
            seen[name] = line
            records.append((name, ticker, row[note_at].strip() if note_at is not None else ""))
    problems.raise_if_any()
    return pd.DataFrame(records, columns=["supplier_name", "ticker", "note"])


def supplier_edges(listing: pd.DataFrame, mapping: pd.DataFrame, customer: str = CUSTOMER) -> AppleImport:
    """Supplier -> customer intervals from a read list and mapping (point-in-time rule: module docstring).

    Parameters
    ----------
    listing
        From :func:`read_supplier_list`: one row per facility (``year``, ``name``).
    mapping
        From :func:`read_mapping`.
    customer
        The customer company id (AAPL).

    Returns
    -------
    AppleImport
        ``supply`` has one row per (supplier, run of consecutive published lists); ``weight`` blank,
        ``source`` = ``apple-supplier-list FY<first>-FY<last>``.
    """
    years = sorted(listing["year"].unique().tolist())
    position = {year: i for i, year in enumerate(years)}
    tickers = mapping.loc[mapping["ticker"] != ""].set_index("supplier_name")["ticker"]
    matched = listing.assign(ticker=listing["name"].map(tickers))
    if (matched["ticker"] == customer).any():
        bad = sorted(matched.loc[matched["ticker"] == customer, "name"].unique())
        raise InputRejected([f"mapping: supplier name(s) {bad} map to the customer {customer} itself; "
                             "a company cannot supply itself"])
    rows = []
    for supplier, group in matched.dropna(subset=["ticker"]).groupby("ticker", sort=True):
        indices = sorted({position[y] for y in group["year"]})
        for run in _runs(indices):
            first, last = years[run[0]], years[run[-1]]
            following = years[run[-1] + 1] if run[-1] + 1 < len(years) else None
            rows.append({
                "supplier_id": supplier,
                "customer_id": customer,
                schema.VALID_FROM: fiscal_year_start(first),
                schema.VALID_TO: fiscal_year_start(last + 1) if following is not None else pd.NaT,
                schema.KNOWN_FROM: published(first),
                schema.END_KNOWN_FROM: published(following) if following is not None else pd.NaT,
                "source": f"{SOURCE_TAG} FY{first}" + (f"-FY{last}" if last != first else ""),
            })
    supply = relationship_frame(schema.SUPPLY, rows)
    notes = mapping.set_index("supplier_name")["note"]
    unmatched = (
        matched.loc[matched["ticker"].isna()]
        .groupby("name")
        .agg(years=("year", lambda s: ";".join(str(y) for y in sorted(set(s)))), count=("year", "size"))
        .reset_index()
    )
    unmatched["note"] = unmatched["name"].map(notes).fillna("")
    unmatched = unmatched.sort_values(["count", "name"], ascending=[False, True]).reset_index(drop=True)
    listed_names = set(listing["name"])
    return AppleImport(
        supply=supply,
        unmatched=unmatched,
        suppliers=sorted(supply["supplier_id"].unique().tolist()),
        list_years=years,
        rows=len(listing),
        names=len(listed_names),
        mapped_names=int(listing["name"].isin(tickers.index).groupby(listing["name"]).first().sum()),
        unused_mapping_names=sorted(set(mapping["supplier_name"]) - listed_names),
    )


def _runs(indices: list[int]) -> list[list[int]]:
    """Split sorted list positions into runs of consecutive positions."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def import_apple_suppliers(path: Path, mapping_path: Path = DEFAULT_MAPPING, customer: str = CUSTOMER) -> AppleImport:
    """Read the list and the reviewed mapping and build the supply intervals (see :func:`supplier_edges`)."""
    return supplier_edges(read_supplier_list(path), read_mapping(mapping_path), customer)
