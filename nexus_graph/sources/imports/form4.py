"""SEC Form 4 insider filings (``sec-form4-insiders`` JSON layout) -> ``directors`` + ``board``.

Layout: ``<root>/<TICKER>/transactions.json`` and ``<root>/<TICKER>/quarterly/*.json``, each an
object with ``ticker`` and a ``transactions`` list of ``{reporting_owner, reporting_owner_cik,
reporting_owner_position, transaction_date, transaction_shares, transaction_type, ...}``. The
quarterly files of two exporter runs overlap, and one file can repeat a transaction under several
ids, so transactions are de-duplicated on (issuer, owner CIK, transaction date, shares, type).

Who is a director: the data has no isDirector flag. ``reporting_owner_position`` carries the officer
title and is null otherwise (directors and 10% holders). A person (not an entity: names with
INC/LLC/L.P./TRUST/... are 10% holders such as Berkshire Hathaway or Silver Lake and are skipped)
with at least one untitled filing at an issuer is taken as a **director** of it; a person with only
titled filings is an **officer** (``role = "officer"``, included only on request).

Point-in-time rule (one interval per person and issuer):

- ``valid_from`` = first transaction date seen (the data is dense from 2022; the true start is
  earlier and unknown, so this is a late, safe bound).
- ``known_from`` = that date + 2 US business days: the Form 4 filing deadline (Exchange Act
  section 16(a)(2)(C)). The files hold transaction dates, not filing dates, so the deadline is the
  earliest day the filing is certain to be public.
- Directors file at least yearly (annual equity grants), but the files miss some filings (Apple's
  February 2025 director grants are there for most directors and absent for Al Gore and James Bell,
  who stayed on the board). So only two years without a filing count as leaving: a person silent for
  ``STALE_AFTER_DAYS`` (730) has left, ``valid_to`` = last transaction date + 1 day,
  ``end_known_from`` = last transaction + ``STALE_AFTER_DAYS`` (the day the silence rule can first fire).
- Silence only means something while the data is complete. The files are dense for a window of
  quarters and thin outside it (the real folder: ~350-590 unique transactions a quarter from
  2022-Q2 to 2025-Q1, ~100 after). :func:`dense_window` finds that window (quarters with at least
  half the busiest quarter's count); a person is ended only if ``last + STALE_AFTER_DAYS`` falls
  on or before the window's end, and stays open otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar
from pandas.tseries.offsets import CustomBusinessDay

from nexus_graph import schema
from nexus_graph.sources.imports import Problems, node_frame, relationship_frame

FILING_DEADLINE = CustomBusinessDay(2, calendar=USFederalHolidayCalendar())
STALE_AFTER_DAYS = 730
DEDUP_KEY = ("ticker", "cik", "transaction_date", "transaction_shares", "transaction_type")
_ENTITY = re.compile(r"\b(INC|INCORPORATED|CORP|CORPORATION|LLC|L\.L\.C|LP|L\.P|LTD|PLC|TRUST|FUND|HOLDINGS|"
                     r"PARTNERS|CAPITAL|MANAGEMENT|GROUP|ASSOCIATES|\(GP\))\b\.?", re.IGNORECASE)
_REQUIRED = ("reporting_owner", "reporting_owner_cik", "transaction_date")


@dataclass
class Form4Import:
    """Result of :func:`insider_relationships`.

    ``directors``: canonical ``directors`` frame (``director_id`` = ``CIK`` + the 10-digit owner CIK).
    ``board``: canonical ``board`` frame, ``role`` = ``director`` or ``officer``.
    ``issuers``: company ids (folder tickers) with at least one board row.
    """

    directors: pd.DataFrame
    board: pd.DataFrame
    issuers: list[str]
    files: int
    transactions: int
    unique_transactions: int
    entities_skipped: list[str]
    officers_skipped: int
    data_end: pd.Timestamp
    observed_until: pd.Timestamp


def director_id(cik: str) -> str:
    """Stable id for a reporting owner: ``CIK`` + zero-padded CIK (text, so CSV keeps the zeros)."""
    return f"CIK{int(cik):010d}"


def read_form4_folder(root: Path, on_file: Callable[[str], None] | None = None) -> tuple[pd.DataFrame, int]:
    """All transactions under ``root`` (one row per JSON record, not yet de-duplicated) and the file count.

    Columns: ``ticker`` (the folder name), ``cik`` (10 digits), ``owner``, ``position`` (None = untitled),
    ``transaction_date`` (datetime64[ns]), ``transaction_shares``, ``transaction_type``, ``file``.
    """
    problems = Problems()
    if not root.is_dir():
        problems.add(str(root), "Form 4 folder not found")
        problems.raise_if_any()
    paths = sorted(p for p in root.glob("*/transactions.json")) + sorted(root.glob("*/quarterly/*.json"))
    if not paths:
        problems.add(str(root), "no <TICKER>/transactions.json or <TICKER>/quarterly/*.json files")
    records: list[dict[str, object]] = []
    for path in paths:
        ticker = path.parent.name if path.name == "transactions.json" else path.parent.parent.name
        records.extend(_read_file(path, ticker, problems))
        if on_file is not None:
            on_file(path.name)
    frame = pd.DataFrame(records, columns=["ticker", "cik", "owner", "position", "transaction_date",
                                           "transaction_shares", "transaction_type", "file", "where"])
    dates = pd.to_datetime(frame["transaction_date"], format="%Y-%m-%d", errors="coerce")
    for i in dates.index[dates.isna()]:
        problems.add(frame.at[i, "where"], f"field 'transaction_date': expected YYYY-MM-DD, "
                                           f"got {frame.at[i, 'transaction_date']!r}")
    problems.raise_if_any()
    frame["transaction_date"] = dates.astype("datetime64[ns]")
    return frame.drop(columns="where"), len(paths)


def _read_file(path: Path, ticker: str, problems: Problems) -> list[dict[str, object]]:
    """The transaction records of one JSON file, each checked; problems recorded, bad records skipped."""
    try:
        payload = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.add(str(path), f"not valid UTF-8 JSON ({exc})")
        return []
    if not isinstance(payload, dict) or not isinstance(payload.get("transactions"), list):
        problems.add(str(path), "expected an object with a 'transactions' list")
        return []
    if payload.get("ticker") not in (None, ticker):
        problems.add(str(path), f"field 'ticker' is {payload['ticker']!r} but the folder is {ticker!r}")
        return []
    out = []
    for i, item in enumerate(payload["transactions"]):
        where = f"{path}:transactions[{i}]"
        if not isinstance(item, dict):
            problems.add(where, "expected an object")
            continue
        missing = [k for k in _REQUIRED if not str(item.get(k) or "").strip()]
        if missing:
            problems.add(where, f"missing {', '.join(missing)}")
            continue
        cik = str(item["reporting_owner_cik"]).strip()
        if not cik.isdigit() or len(cik) > 10:
            problems.add(where, f"field 'reporting_owner_cik': expected up to 10 digits, got {cik!r}")
            continue
        position = item.get("reporting_owner_position")
        out.append({
            "ticker": ticker, "cik": cik.zfill(10), "owner": str(item["reporting_owner"]).strip(),
            "position": str(position).strip() if position not in (None, "") else None,
            "transaction_date": str(item["transaction_date"]).strip(), "where": where,
            "transaction_shares": str(item.get("transaction_shares", "")).strip(),
            "transaction_type": str(item.get("transaction_type", "")).strip(), "file": path.name,
        })
    return out


def dense_window(transactions: pd.DataFrame, share: float = 0.5) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First day and last day of the calendar quarters holding at least ``share`` x the busiest quarter's count.

    Counts are of de-duplicated transactions; the window spans from the first to the last such quarter.
    """
    unique = transactions.drop_duplicates(list(DEDUP_KEY))
    counts = unique.groupby(unique["transaction_date"].dt.to_period("Q")).size()
    busy = counts.index[counts >= share * counts.max()]
    return busy.min().start_time.normalize(), busy.max().end_time.normalize()


def insider_relationships(transactions: pd.DataFrame, include_officers: bool = False,
                          stale_after_days: int = STALE_AFTER_DAYS, observed_until: pd.Timestamp | None = None,
                          files: int = 0) -> Form4Import:
    """Director (and optionally officer) intervals from raw transactions (rule: module docstring).

    Parameters
    ----------
    transactions
        From :func:`read_form4_folder` (duplicates allowed; they are removed here).
    include_officers
        Also emit ``role = "officer"`` rows for people with only titled filings at an issuer.
    stale_after_days
        Silence after which a person is taken to have left the issuer.
    observed_until
        Last day the data is complete; default: the end of :func:`dense_window`.

    Returns
    -------
    Form4Import
        Canonical ``directors`` and ``board`` frames plus counts.
    """
    unique = transactions.drop_duplicates(list(DEDUP_KEY)).copy()
    entity = unique["owner"].map(lambda name: bool(_ENTITY.search(name)))
    entities = sorted(unique.loc[entity, "owner"].unique().tolist())
    people = unique.loc[~entity]
    data_end = pd.Timestamp(transactions["transaction_date"].max())
    observed_until = dense_window(transactions)[1] if observed_until is None else pd.Timestamp(observed_until)
    stale = pd.Timedelta(days=stale_after_days)
    rows, names = [], {}
    officers_skipped = 0
    for (ticker, cik), group in people.groupby(["ticker", "cik"], sort=True):
        untitled = group["position"].isna().any()
        if not untitled and not include_officers:
            officers_skipped += 1
            continue
        first, last = group["transaction_date"].min(), group["transaction_date"].max()
        ended = last + stale <= observed_until
        rows.append({
            "director_id": director_id(cik), "company_id": ticker,
            schema.VALID_FROM: first, schema.KNOWN_FROM: first + FILING_DEADLINE,
            schema.VALID_TO: last + pd.Timedelta(days=1) if ended else pd.NaT,
            schema.END_KNOWN_FROM: last + stale if ended else pd.NaT,
            "role": "director" if untitled else "officer",
        })
        latest = group.sort_values("transaction_date").iloc[-1]
        if cik not in names or latest["transaction_date"] >= names[cik][0]:
            names[cik] = (latest["transaction_date"], latest["owner"])
    board = relationship_frame(schema.BOARD, rows)
    directors = node_frame(schema.DIRECTORS, [{"director_id": director_id(cik), "name": name}
                                              for cik, (_, name) in sorted(names.items())])
    return Form4Import(
        directors=directors, board=board, issuers=sorted(board["company_id"].unique().tolist()), files=files,
        transactions=len(transactions), unique_transactions=len(unique), entities_skipped=entities,
        officers_skipped=officers_skipped, data_end=data_end, observed_until=observed_until,
    )


def import_form4(root: Path, include_officers: bool = False, observed_until: pd.Timestamp | None = None,
                 on_file: Callable[[str], None] | None = None) -> Form4Import:
    """Read a ``sec-form4-insiders`` folder and build directors + board (see :func:`insider_relationships`)."""
    transactions, files = read_form4_folder(root, on_file)
    if transactions.empty:
        problems = Problems()
        problems.add(str(root), "no transactions in any file")
        problems.raise_if_any()
    return insider_relationships(transactions, include_officers, observed_until=observed_until, files=files)
