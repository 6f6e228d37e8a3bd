"""SEC Form 13F data sets (official tab-separated layout) -> ``funds`` + ``ownership``.

Input: a folder holding ``SUBMISSION.tsv``, ``COVERPAGE.tsv`` and ``INFOTABLE.tsv`` as published
by the SEC (one quarterly data set), or a folder of such folders (several quarters; an accession
present in two of them is read once). Columns used (all official names):

- SUBMISSION: ``ACCESSION_NUMBER, FILING_DATE, SUBMISSIONTYPE, CIK, PERIODOFREPORT``
  (dates as ``DD-MON-YYYY``, e.g. ``14-FEB-2024``);
- COVERPAGE: ``ACCESSION_NUMBER, REPORTCALENDARORQUARTER, ISAMENDMENT, AMENDMENTTYPE,
  FILINGMANAGER_NAME``;
- INFOTABLE: ``ACCESSION_NUMBER, INFOTABLE_SK, NAMEOFISSUER, CUSIP, VALUE, SSHPRNAMT,
  SSHPRNAMTTYPE, PUTCALL``.

Rules:

- Only holdings reports (``13F-HR``, ``13F-HR/A``); notices (``13F-NT``) carry no holdings.
  Only share positions (``SSHPRNAMTTYPE = SH``) without ``PUTCALL``: options and principal amounts
  are not ownership. Lines of one filing for the same company are summed (several CUSIPs / managers).
- ``VALUE`` is in thousands of dollars in filings made before 2023-01-03 and in dollars from then
  on (the SEC's amended Form 13F); ``value_usd`` is always dollars.
- CUSIPs map to company ids through a table (``cusip,ticker``); a CUSIP not in it is reported, not
  fatal, and its lines are skipped.
- One row per (fund, company, report quarter): ``valid_from`` = the period of report (a quarter
  end), ``valid_to`` = the next quarter end, ``known_from`` = the filing date. The end becomes known
  when the fund files for the next quarter (its first filing for that period), or 45 days after the
  next quarter end (the filing deadline) when no such filing is in the data.
- Amendments never rewrite what was already public: the first filing for a (fund, quarter) defines
  the positions and their values; a later ``13F-HR/A`` (restatement or new holdings) only adds
  companies not reported yet, known from its own filing date.
- ``fund_id`` = ``CIK`` + the 10-digit filer CIK; the fund's name is its latest filing's manager name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nexus_graph import schema
from nexus_graph.sources.imports import Problems, node_frame, read_delimited, relationship_frame

TABLES = {
    "SUBMISSION": ("ACCESSION_NUMBER", "FILING_DATE", "SUBMISSIONTYPE", "CIK", "PERIODOFREPORT"),
    "COVERPAGE": ("ACCESSION_NUMBER", "REPORTCALENDARORQUARTER", "ISAMENDMENT", "AMENDMENTTYPE", "FILINGMANAGER_NAME"),
    "INFOTABLE": ("ACCESSION_NUMBER", "INFOTABLE_SK", "NAMEOFISSUER", "CUSIP", "VALUE", "SSHPRNAMT", "SSHPRNAMTTYPE",
                  "PUTCALL"),
}
HOLDINGS_TYPES = ("13F-HR", "13F-HR/A")
NOTICE_TYPES = ("13F-NT", "13F-NT/A")
DOLLAR_VALUES_FROM = pd.Timestamp("2023-01-03")
FILING_DEADLINE_DAYS = 45
_CUSIP = re.compile(r"[0-9A-Z]{9}")


@dataclass
class Sec13fImport:
    """Result of :func:`import_13f`.

    ``funds``: canonical ``funds`` frame. ``ownership``: canonical ``ownership`` frame (``shares``,
    ``value_usd``; ``pct_outstanding`` blank). ``unknown_cusips``: ``cusip, name_of_issuer, lines,
    value_usd`` for holdings whose CUSIP is not in the map (skipped).
    """

    funds: pd.DataFrame
    ownership: pd.DataFrame
    unknown_cusips: pd.DataFrame
    filings: int
    notices: int
    lines: int
    duplicate_lines: int
    skipped_lines: int


def read_cusip_map(path: Path) -> dict[str, str]:
    """``cusip,ticker`` CSV -> {CUSIP (9 characters, upper case): ticker}; one ticker may have several CUSIPs."""
    problems = Problems()
    header, rows, lines = read_delimited(path, problems)
    mapping: dict[str, str] = {}
    if header:
        for column in ("cusip", "ticker"):
            if column not in header:
                problems.add(str(path), f"missing column {column!r}; expected a CSV with columns cusip,ticker")
    if header and not problems:
        c_at, t_at = header.index("cusip"), header.index("ticker")
        seen: dict[str, int] = {}
        for row, line in zip(rows, lines, strict=True):
            if len(row) != len(header):
                problems.add(f"{path}:{line}", f"expected {len(header)} fields as in the header, got {len(row)}")
                continue
            cusip, ticker = row[c_at].strip().upper(), row[t_at].strip()
            if not _CUSIP.fullmatch(cusip):
                problems.add(f"{path}:{line}", f"column 'cusip': expected 9 letters/digits, got {row[c_at]!r}")
            elif not ticker:
                problems.add(f"{path}:{line}", "column 'ticker': expected a company id, got an empty cell")
            elif cusip in mapping and mapping[cusip] != ticker:
                problems.add(f"{path}:{line}", f"CUSIP {cusip} maps to {mapping[cusip]!r} on line {seen[cusip]} "
                                               f"and to {ticker!r} here")
            else:
                mapping[cusip], seen[cusip] = ticker, line
        if not rows:
            problems.add(str(path), "no data rows after the header")
    problems.raise_if_any()
    return mapping


def data_set_folders(root: Path) -> list[Path]:
    """``root`` itself when it holds SUBMISSION.tsv, else its sub-folders that do (one per quarter)."""
    if (root / "SUBMISSION.tsv").is_file():
        return [root]
    return sorted(p for p in root.iterdir() if (p / "SUBMISSION.tsv").is_file()) if root.is_dir() else []


def _read_table(folder: Path, name: str, problems: Problems) -> pd.DataFrame | None:
    """One TSV as strings plus ``_where`` (file:line); None when the file or a column is missing."""
    path = folder / f"{name}.tsv"
    header, rows, lines = read_delimited(path, problems, delimiter="\t")
    if not header:
        return None
    missing = [c for c in TABLES[name] if c not in header]
    for column in missing:
        problems.add(str(path), f"missing column {column!r}; the SEC layout has {', '.join(TABLES[name])}")
    if missing:
        return None
    good, where = [], []
    for row, line in zip(rows, lines, strict=True):
        if len(row) != len(header):
            problems.add(f"{path}:{line}", f"expected {len(header)} tab-separated fields, got {len(row)}")
        else:
            good.append(row)
            where.append(f"{path}:{line}")
    frame = pd.DataFrame(good, columns=header, dtype=str).loc[:, list(TABLES[name])]
    return frame.apply(lambda c: c.str.strip()).assign(_where=where)


def _dates(frame: pd.DataFrame, column: str, problems: Problems) -> pd.Series:
    """``DD-MON-YYYY`` cells as datetime64[ns]; unparseable cells recorded."""
    parsed = pd.to_datetime(frame[column].str.title(), format="%d-%b-%Y", errors="coerce")
    for i in frame.index[parsed.isna()]:
        problems.add(frame.at[i, "_where"], f"column {column!r}: expected a date like 31-DEC-2023, "
                                            f"got {frame.at[i, column]!r}")
    return parsed.astype("datetime64[ns]")


def _numbers(frame: pd.DataFrame, column: str, problems: Problems) -> pd.Series:
    """Non-negative finite numbers; anything else recorded."""
    parsed = pd.to_numeric(frame[column], errors="coerce")
    bad = ~(np.isfinite(parsed.to_numpy(dtype="float64")) & (parsed.to_numpy(dtype="float64") >= 0))
    for i in frame.index[bad]:
        problems.add(frame.at[i, "_where"], f"column {column!r}: expected a non-negative number, "
                                            f"got {frame.at[i, column]!r}")
    return parsed.astype("float64")


def _dedupe(frame: pd.DataFrame, key: list[str], name: str, problems: Problems) -> tuple[pd.DataFrame, int]:
    """Drop exact repeats of ``key`` rows; the same key with different content is an error."""
    content = [c for c in frame.columns if c != "_where"]
    exact = frame.duplicated(content)
    frame, dropped = frame.loc[~exact], int(exact.sum())
    clash = frame.duplicated(key, keep=False)
    for _, group in frame.loc[clash].groupby(key):
        problems.add(group["_where"].iloc[1], f"{name} key {'/'.join(group[key].iloc[0])} repeats "
                                              f"{group['_where'].iloc[0]} with different values")
    return frame, dropped


def import_13f(root: Path, cusip_map: dict[str, str]) -> Sec13fImport:
    """Funds and per-quarter ownership intervals from SEC 13F data sets (rules: module docstring).

    Parameters
    ----------
    root
        A data-set folder (SUBMISSION.tsv, COVERPAGE.tsv, INFOTABLE.tsv) or a folder of them.
    cusip_map
        From :func:`read_cusip_map`.

    Raises
    ------
    InputRejected
        Missing file or column, malformed row, bad date/number, conflicting duplicates, a holding
        whose filing is not in SUBMISSION, a period of report that is not a quarter end.
    """
    problems = Problems()
    folders = data_set_folders(Path(root))
    if not folders:
        problems.add(str(root), "no SUBMISSION.tsv here or in any sub-folder; expected the SEC 13F data set layout")
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for folder in folders:
        for name in TABLES:
            table = _read_table(folder, name, problems)
            if table is not None:
                parts[name].append(table)
    problems.raise_if_any()
    sub, _ = _dedupe(pd.concat(parts["SUBMISSION"], ignore_index=True), ["ACCESSION_NUMBER"], "SUBMISSION", problems)
    cover, _ = _dedupe(pd.concat(parts["COVERPAGE"], ignore_index=True), ["ACCESSION_NUMBER"], "COVERPAGE", problems)
    info, duplicate_lines = _dedupe(pd.concat(parts["INFOTABLE"], ignore_index=True),
                                    ["ACCESSION_NUMBER", "INFOTABLE_SK"], "INFOTABLE", problems)
    sub = sub.assign(filed=_dates(sub, "FILING_DATE", problems), period=_dates(sub, "PERIODOFREPORT", problems))
    _dates(cover, "REPORTCALENDARORQUARTER", problems)
    for i in sub.index[~sub["CIK"].str.fullmatch(r"\d{1,10}")]:
        problems.add(sub.at[i, "_where"], f"column 'CIK': expected up to 10 digits, got {sub.at[i, 'CIK']!r}")
    not_quarter = sub["period"].notna() & ~sub["period"].dt.is_quarter_end
    for i in sub.index[not_quarter]:
        problems.add(sub.at[i, "_where"], f"column 'PERIODOFREPORT': expected a calendar quarter end, "
                                          f"got {sub.at[i, 'PERIODOFREPORT']!r}")
    notices = int(sub["SUBMISSIONTYPE"].isin(NOTICE_TYPES).sum())
    unknown_type = ~sub["SUBMISSIONTYPE"].isin(HOLDINGS_TYPES + NOTICE_TYPES)
    for i in sub.index[unknown_type]:
        problems.add(sub.at[i, "_where"], f"column 'SUBMISSIONTYPE': expected one of {', '.join(HOLDINGS_TYPES)}, "
                                          f"{', '.join(NOTICE_TYPES)}, got {sub.at[i, 'SUBMISSIONTYPE']!r}")
    orphans = ~info["ACCESSION_NUMBER"].isin(sub["ACCESSION_NUMBER"])
    for i in info.index[orphans]:
        problems.add(info.at[i, "_where"], f"accession {info.at[i, 'ACCESSION_NUMBER']} is not in SUBMISSION.tsv")
    hr = sub.loc[sub["SUBMISSIONTYPE"].isin(HOLDINGS_TYPES)]
    uncovered = ~hr["ACCESSION_NUMBER"].isin(cover["ACCESSION_NUMBER"])
    for i in hr.index[uncovered]:
        problems.add(hr.at[i, "_where"], f"holdings report {hr.at[i, 'ACCESSION_NUMBER']} has no COVERPAGE.tsv row")
    shares = _numbers(info, "SSHPRNAMT", problems)
    value = _numbers(info, "VALUE", problems)
    problems.raise_if_any()
    info = info.assign(shares=shares, value=value)
    return _build(sub, cover, info, cusip_map, notices, duplicate_lines)


def _build(sub: pd.DataFrame, cover: pd.DataFrame, info: pd.DataFrame, cusip_map: dict[str, str],
           notices: int, duplicate_lines: int) -> Sec13fImport:
    """Positions -> funds + ownership, once every input is known to be well formed."""
    filings = sub.loc[sub["SUBMISSIONTYPE"].isin(HOLDINGS_TYPES),
                      ["ACCESSION_NUMBER", "CIK", "filed", "period", "SUBMISSIONTYPE"]]
    filings = filings.merge(cover[["ACCESSION_NUMBER", "FILINGMANAGER_NAME"]], on="ACCESSION_NUMBER")
    filings["fund_id"] = "CIK" + filings["CIK"].str.zfill(10)
    position = info.loc[(info["SSHPRNAMTTYPE"].str.upper() == "SH") & (info["PUTCALL"] == "")]
    skipped = len(info) - len(position)
    position = position.merge(filings, on="ACCESSION_NUMBER")
    unit = np.where(position["filed"] < DOLLAR_VALUES_FROM, 1000.0, 1.0)  # thousands before 2023-01-03
    position = position.assign(cusip=position["CUSIP"].str.upper(), value_usd=unit * position["value"])
    position["company_id"] = position["cusip"].map(cusip_map)
    unknown = (position.loc[position["company_id"].isna()]
               .groupby("cusip").agg(name_of_issuer=("NAMEOFISSUER", "first"), lines=("cusip", "size"),
                                     value_usd=("value_usd", "sum")).reset_index())
    known = position.loc[position["company_id"].notna()]
    per_filing = (known.groupby(["fund_id", "period", "company_id", "ACCESSION_NUMBER", "filed"], as_index=False)
                  .agg(shares=("shares", "sum"), value_usd=("value_usd", "sum")))
    # first report wins: earliest filing for (fund, quarter, company), ties broken by accession number
    per_filing = per_filing.sort_values(["filed", "ACCESSION_NUMBER"], kind="stable")
    first = per_filing.drop_duplicates(["fund_id", "period", "company_id"], keep="first")
    next_period = first["period"] + pd.offsets.QuarterEnd(1)
    first_filed = filings.groupby(["fund_id", "period"])["filed"].min()
    next_filed = pd.Series(list(zip(first["fund_id"], next_period, strict=True))).map(first_filed.to_dict())
    deadline = next_period + pd.Timedelta(days=FILING_DEADLINE_DAYS)
    end_known = pd.Series(next_filed.to_numpy(), index=first.index).fillna(deadline).clip(lower=next_period)
    ownership = relationship_frame(schema.OWNERSHIP, pd.DataFrame({
        "fund_id": first["fund_id"], "company_id": first["company_id"],
        schema.VALID_FROM: first["period"], schema.VALID_TO: next_period,
        schema.KNOWN_FROM: first["filed"], schema.END_KNOWN_FROM: end_known,
        "shares": first["shares"], "value_usd": first["value_usd"],
    }).sort_values(["fund_id", "company_id", schema.VALID_FROM]))
    latest = filings.sort_values(["filed", "ACCESSION_NUMBER"]).drop_duplicates("fund_id", keep="last")
    funds = node_frame(schema.FUNDS, latest.loc[latest["fund_id"].isin(ownership["fund_id"])]
                       .rename(columns={"FILINGMANAGER_NAME": "name"})[["fund_id", "name"]]
                       .sort_values("fund_id"))
    return Sec13fImport(funds=funds, ownership=ownership, unknown_cusips=unknown, filings=len(filings),
                        notices=notices, lines=len(info), duplicate_lines=duplicate_lines, skipped_lines=skipped)
