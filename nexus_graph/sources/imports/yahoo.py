"""Yahoo-layout daily price CSVs (one file per ticker) -> the canonical ``prices`` frame.

Layout: a header ``Date,Open,High,Low,Close,Adj Close,Volume`` (an extra ``Symbol`` column is
accepted), ISO dates, ``null`` for a day Yahoo has no quote. The ticker is the file name stem.

Several folders can cover the same ticker. ``Adj Close`` levels of two downloads differ by a
constant factor (each is adjusted as of its own download date), so sources are stitched **on
returns**: the first folder that has a ticker is the base and keeps its levels; a later folder only
contributes dates outside the current span, rescaled so that it continues from the base's level at
the junction date (which both must contain). Inside each source's span the stitched daily returns
are that source's own returns. Where two sources overlap, their agreement (largest difference of
daily returns, level ratio and its dispersion) is reported; a disagreement above
``MAX_RETURN_DISAGREEMENT`` is an error (not the same security).

Some real files repeat every price column (``Open,Open,High,High,...``): two tickers' series merged
by the upstream download. Such a file is read as several candidate series; it can only extend
another source, and the candidate whose overlapping returns match that source (within
``INTERLEAVED_MATCH_TOL``) is taken -- exactly one must match, otherwise it is an error.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nexus_graph.sources.imports import Problems, read_delimited

PRICE_FIELDS = ("Open", "High", "Low", "Close", "Adj Close", "Volume")
REQUIRED = ("Date", "Adj Close")
MISSING_MARK = "null"  # Yahoo's marker for a day without a quote
INTERLEAVED_MATCH_TOL = 1e-3  # max |daily return difference| for an interleaved candidate to match
MAX_RETURN_DISAGREEMENT = 0.01  # above this on any overlapping day the sources are not the same security
PRICE_COLUMNS = ("date", "company_id", "adj_close", "volume")


@dataclass(frozen=True)
class YahooFile:
    """One parsed price file: one candidate series, or several for an interleaved file.

    Each candidate is indexed by ``date`` (datetime64[ns], sorted, unique) with float columns
    ``adj_close`` (> 0) and ``volume`` (NaN where missing).
    """

    ticker: str
    source: str
    path: Path
    candidates: tuple[pd.DataFrame, ...]
    null_rows: int = 0
    duplicate_rows: int = 0


@dataclass
class PriceImport:
    """Stitched prices plus what the stitching saw.

    ``prices``: canonical frame (date, company_id, adj_close, volume) sorted by (company_id, date).
    ``overlaps``: one row per (ticker, extending source): ``ticker, base_sources, source, overlap_days,
    overlap_from, overlap_to, max_abs_return_diff, level_ratio, level_ratio_rel_std, dates_added,
    series_in_file, candidate`` (1-based index of the interleaved series taken; 1 for a plain file).
    ``spans``: one row per (ticker, source) with the dates each source contributed.
    """

    prices: pd.DataFrame
    overlaps: pd.DataFrame
    spans: pd.DataFrame
    files: int = 0
    null_rows: int = 0
    duplicate_rows: int = 0
    skipped: list[str] = field(default_factory=list)


def read_yahoo_csv(path: Path, source: str | None = None, problems: Problems | None = None) -> YahooFile | None:
    """Parse one Yahoo-layout CSV; problems go to ``problems`` (returns None) or raise when not given."""
    own = problems is None
    problems = Problems() if problems is None else problems
    before = problems.total
    parsed = _parse(path, source or path.parent.name, problems)
    if own:
        problems.raise_if_any()
    return parsed if problems.total == before else None


def _fast_cells(path: Path) -> tuple[list[str], pd.DataFrame] | None:
    """Header and string cells through pandas' C parser, for plain files (no quotes, blank lines, ragged rows).

    Returns None whenever the file is anything but plain, so that the slower checked reader reports it.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    body = text.replace("\r\n", "\n")
    if '"' in body or "\n\n" in body.rstrip("\n") or not body.strip() or body.startswith("\n"):
        return None
    lines = pd.Series(body.rstrip("\n").split("\n"))
    commas = lines.str.count(",")
    if len(lines) < 2 or (commas != commas.iloc[0]).any():  # header only, or a ragged row
        return None
    header = [name.strip() for name in lines.iloc[0].split(",")]
    try:
        cells = pd.read_csv(io.StringIO(body), header=None, skiprows=1, names=range(len(header)), dtype=str,
                            keep_default_na=False, skip_blank_lines=False, index_col=False, engine="c")
    except (ValueError, pd.errors.ParserError):
        return None
    return header, cells


def _parse(path: Path, source: str, problems: Problems) -> YahooFile | None:
    fast = _fast_cells(path)
    if fast is not None:
        header, cells = fast
        rows, lines = [[]] * len(cells), list(range(2, len(cells) + 2))
    else:
        header, rows, lines = read_delimited(path, problems)
        cells = None
    if not header:
        return None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        for column in missing:
            problems.add(str(path), f"missing column {column!r}; expected the Yahoo layout "
                                    f"Date,Open,High,Low,Close,Adj Close,Volume (got {','.join(header)})")
        return None
    copies = header.count("Adj Close")
    uneven = [f for f in PRICE_FIELDS if f in header and header.count(f) != copies]
    if uneven or header.count("Date") != 1:
        problems.add(str(path), f"header repeats columns unevenly ({','.join(header)}); expected each of "
                                f"{', '.join(PRICE_FIELDS)} once (or each exactly {copies} times)")
        return None
    if not rows:
        problems.add(str(path), "no data rows after the header")
        return None
    width = len(header)
    if cells is None:
        bad_width = [i for i, row in enumerate(rows) if len(row) != width]
        for i in bad_width:
            problems.add(f"{path}:{lines[i]}", f"expected {width} fields as in the header, got {len(rows[i])}")
        if bad_width:
            return None
        cells = pd.DataFrame(rows, columns=range(width), dtype=str)
    line_of = pd.Series(lines)
    ok = True
    raw_dates = cells[header.index("Date")].str.strip()
    dates = pd.to_datetime(raw_dates, format="%Y-%m-%d", errors="coerce")
    for i in np.flatnonzero(dates.isna().to_numpy()):
        problems.add(f"{path}:{line_of[i]}", f"column 'Date': expected a date YYYY-MM-DD, got {raw_dates[i]!r}")
        ok = False
    ticker = path.stem
    if "Symbol" in header:
        symbols = cells[header.index("Symbol")].str.strip()
        for i in np.flatnonzero((symbols != ticker).to_numpy()):
            problems.add(f"{path}:{line_of[i]}", f"column 'Symbol': expected {ticker!r} (the file name), "
                                                 f"got {symbols[i]!r}")
            ok = False
    adj_at = [i for i, name in enumerate(header) if name == "Adj Close"]
    vol_at = [i for i, name in enumerate(header) if name == "Volume"] or [None] * copies
    candidates = []
    null_rows = duplicates = 0
    for adj_col, vol_col in zip(adj_at, vol_at, strict=True):
        series, nulls, ok_here = _candidate(path, cells, line_of, dates, adj_col, vol_col, problems)
        ok = ok and ok_here
        null_rows = max(null_rows, nulls)
        candidates.append(series)
    if not ok:
        return None
    unique = []
    for frame in candidates:
        frame, dropped = _dedupe_dates(path, frame, problems)
        if frame is None:
            return None
        duplicates = max(duplicates, dropped)
        if frame.empty:
            problems.add(str(path), "no priced rows (every row is 'null')")
            return None
        unique.append(frame)
    return YahooFile(ticker, source, path, tuple(unique), null_rows, duplicates)


def _candidate(path: Path, cells: pd.DataFrame, line_of: pd.Series, dates: pd.Series, adj_col: int,
               vol_col: int | None, problems: Problems) -> tuple[pd.DataFrame, int, bool]:
    """One (adj_close, volume) series of the file; ``null`` rows dropped, anything else checked."""
    raw = cells[adj_col].str.strip()
    is_null = (raw == MISSING_MARK).to_numpy()
    adj = pd.to_numeric(raw.where(~is_null), errors="coerce")
    ok = True
    bad = ~is_null & ~(np.isfinite(adj.to_numpy()) & (adj.to_numpy() > 0))
    for i in np.flatnonzero(bad):
        problems.add(f"{path}:{line_of[i]}", f"column 'Adj Close': expected a positive number, got {raw[i]!r}")
        ok = False
    if vol_col is None:
        volume = pd.Series(np.nan, index=cells.index)
    else:
        vraw = cells[vol_col].str.strip()
        blank = vraw.isin(["", MISSING_MARK]).to_numpy()
        volume = pd.to_numeric(vraw.where(~blank), errors="coerce")
        vbad = ~blank & ~(np.isfinite(volume.to_numpy()) & (volume.to_numpy() >= 0))
        for i in np.flatnonzero(vbad):
            problems.add(f"{path}:{line_of[i]}", f"column 'Volume': expected a non-negative number, got {vraw[i]!r}")
            ok = False
    frame = pd.DataFrame({"date": dates, "adj_close": adj.astype("float64"), "volume": volume.astype("float64"),
                          "line": line_of})
    return frame.loc[~is_null], int(is_null.sum()), ok


def _dedupe_dates(path: Path, frame: pd.DataFrame, problems: Problems) -> tuple[pd.DataFrame | None, int]:
    """Drop exact repeats of a date; two different prices for one date is an error."""
    if frame["date"].is_monotonic_increasing and frame["date"].is_unique:  # the usual case, fast
        return frame.drop(columns="line").set_index("date"), 0
    frame = frame.sort_values(["date", "line"], kind="stable")
    repeated = frame["date"].duplicated(keep="first")
    if not repeated.any():
        return frame.drop(columns="line").set_index("date"), 0
    conflict = frame.groupby("date")["adj_close"].transform("nunique") > 1
    for date, group in frame.loc[conflict].groupby("date"):
        problems.add(f"{path}:{int(group['line'].iloc[1])}", f"date {date:%Y-%m-%d} appears on lines "
                     f"{', '.join(str(n) for n in group['line'])} with different Adj Close values")
    if conflict.any():
        return None, 0
    return frame.loc[~repeated].drop(columns="line").set_index("date"), int(repeated.sum())


def read_price_folder(folder: Path, problems: Problems, exclude: Iterable[str] = (),
                      on_file: Callable[[str], None] | None = None) -> list[YahooFile]:
    """Every ``*.csv`` of ``folder`` (other files, e.g. SOURCE.md, are ignored), tickers in ``exclude`` skipped."""
    if not folder.is_dir():
        problems.add(str(folder), "price folder not found")
        return []
    skip = {t.upper() for t in exclude}
    paths = sorted(p for p in folder.glob("*.csv") if p.stem.upper() not in skip)
    if not paths:
        problems.add(str(folder), "no <TICKER>.csv files in the folder")
    files = []
    for path in paths:
        parsed = read_yahoo_csv(path, folder.name, problems)
        if parsed is not None:
            files.append(parsed)
        if on_file is not None:
            on_file(path.name)
    return files


def import_prices(folders: Sequence[Path], exclude: Iterable[str] = (),
                  on_file: Callable[[str], None] | None = None) -> PriceImport:
    """Read price folders in priority order and stitch each ticker on returns (see module docstring).

    Parameters
    ----------
    folders
        Folders of ``<TICKER>.csv`` files; the first folder holding a ticker is its base source.
    exclude
        Tickers to leave out (e.g. ETFs, duplicate histories).
    on_file
        Called with each file name once read (progress reporting).

    Returns
    -------
    PriceImport
        ``prices`` in the canonical frame contract plus the overlap report.

    Raises
    ------
    InputRejected
        Any malformed file, or sources that cannot be stitched; nothing is returned.
    """
    problems = Problems()
    excluded = list(exclude)
    by_ticker: dict[str, list[YahooFile]] = {}
    total = 0
    for folder in folders:
        for parsed in read_price_folder(Path(folder), problems, excluded, on_file):
            by_ticker.setdefault(parsed.ticker, []).append(parsed)
            total += 1
    problems.raise_if_any()
    pieces, overlaps, spans = [], [], []
    for ticker in sorted(by_ticker):
        stitched = _stitch(by_ticker[ticker], problems)
        if stitched is None:
            continue
        series, report, span = stitched
        pieces.append(series.assign(company_id=ticker))
        overlaps.extend(report)
        spans.extend(span)
    problems.raise_if_any()
    prices = pd.concat(pieces).reset_index() if pieces else pd.DataFrame(columns=list(PRICE_COLUMNS))
    prices = prices.loc[:, list(PRICE_COLUMNS)].sort_values(["company_id", "date"], kind="stable")
    prices["date"] = prices["date"].astype("datetime64[ns]")
    files = [f for fs in by_ticker.values() for f in fs]
    return PriceImport(
        prices=prices.reset_index(drop=True),
        overlaps=pd.DataFrame(overlaps, columns=_OVERLAP_COLUMNS),
        spans=pd.DataFrame(spans, columns=["ticker", "source", "from", "to", "days"]),
        files=total,
        null_rows=sum(f.null_rows for f in files),
        duplicate_rows=sum(f.duplicate_rows for f in files),
        skipped=sorted({t.upper() for t in excluded}),
    )


_OVERLAP_COLUMNS = ["ticker", "base_sources", "source", "overlap_days", "overlap_from", "overlap_to",
                    "max_abs_return_diff", "level_ratio", "level_ratio_rel_std", "dates_added", "series_in_file",
                    "candidate"]


def _stitch(files: list[YahooFile], problems: Problems) -> tuple[pd.DataFrame, list[list], list[list]] | None:
    """Chain the files of one ticker on returns; None (with problems recorded) when impossible."""
    base = files[0]
    if len(base.candidates) > 1:
        problems.add(str(base.path), f"file holds {len(base.candidates)} interleaved series (every price column "
                                     "repeated); it can only extend another source of the same ticker, to tell "
                                     "which series is the ticker's")
        return None
    current = base.candidates[0].assign(source=base.source)
    used = [base.source]
    overlaps: list[list] = []
    for ext in files[1:]:
        picked = _pick_candidate(current, ext, problems)
        if picked is None:
            return None
        index, cand = picked
        common = current.index.intersection(cand.index)
        agreement = _agreement(current.loc[common, "adj_close"], cand.loc[common, "adj_close"])
        if agreement[0] > MAX_RETURN_DISAGREEMENT:
            problems.add(str(ext.path), f"daily returns differ from {'+'.join(used)} by up to {agreement[0]:.4f} "
                                        f"on overlapping dates (limit {MAX_RETURN_DISAGREEMENT}); not the same "
                                        "security? Exclude one of the files")
            return None
        added = []
        later = cand.loc[cand.index > current.index.max()]
        if not later.empty:
            added.append(_rescaled(current, cand, later, current.index.max(), ext, problems))
        earlier = cand.loc[cand.index < current.index.min()]
        if not earlier.empty:
            added.append(_rescaled(current, cand, earlier, current.index.min(), ext, problems))
        if any(a is None for a in added):
            return None
        n_added = sum(len(a) for a in added)
        current = pd.concat([current, *added]).sort_index()
        overlaps.append([base.ticker, "+".join(used), ext.source, len(common),
                         common.min() if len(common) else pd.NaT, common.max() if len(common) else pd.NaT,
                         *agreement, n_added, len(ext.candidates), index + 1])
        used.append(ext.source)
    spans = [[base.ticker, src, grp.index.min(), grp.index.max(), len(grp)]
             for src, grp in current.groupby("source", sort=False)]
    return current.drop(columns="source"), overlaps, spans


def _pick_candidate(current: pd.DataFrame, ext: YahooFile, problems: Problems) -> tuple[int, pd.DataFrame] | None:
    """The candidate series of ``ext`` to chain (the only one, or the one whose returns match ``current``)."""
    common_counts = [len(current.index.intersection(c.index)) for c in ext.candidates]
    if max(common_counts) < 2:
        problems.add(str(ext.path), f"no overlap with the earlier source(s) of {ext.ticker} (they end "
                                    f"{current.index.max():%Y-%m-%d}); returns cannot be chained across a gap")
        return None
    if len(ext.candidates) == 1:
        return 0, ext.candidates[0]
    diffs = [_agreement(current["adj_close"].reindex(c.index).dropna(),
                        c["adj_close"].reindex(current.index).dropna())[0] for c in ext.candidates]
    matching = [i for i, d in enumerate(diffs) if d <= INTERLEAVED_MATCH_TOL]
    if len(matching) != 1:
        shown = ", ".join(f"{d:.2e}" for d in diffs)
        problems.add(str(ext.path), f"file holds {len(ext.candidates)} interleaved series and {len(matching)} of "
                                    f"them match the returns of the earlier source (max |diff| {shown}; need "
                                    f"exactly one <= {INTERLEAVED_MATCH_TOL})")
        return None
    return matching[0], ext.candidates[matching[0]]


def _agreement(left: pd.Series, right: pd.Series) -> tuple[float, float, float]:
    """(max |daily return difference|, mean level ratio left/right, its relative std) on common dates."""
    common = left.index.intersection(right.index)
    left, right = left.loc[common].sort_index(), right.loc[common].sort_index()
    diff = (left.pct_change() - right.pct_change()).abs().dropna()
    ratio = left / right
    rel_std = float(ratio.std() / ratio.mean()) if len(ratio) > 1 else 0.0
    return (float(diff.max()) if len(diff) else 0.0, float(ratio.mean()), rel_std)


def _rescaled(current: pd.DataFrame, cand: pd.DataFrame, part: pd.DataFrame, anchor: pd.Timestamp,
              ext: YahooFile, problems: Problems) -> pd.DataFrame | None:
    """``part`` of ``cand`` scaled so that it continues ``current`` at ``anchor`` (a date both have)."""
    if anchor not in cand.index:
        problems.add(str(ext.path), f"no price on {anchor:%Y-%m-%d}, the junction date with the earlier "
                                    f"source(s) of {ext.ticker}; returns cannot be chained there")
        return None
    scale = current.at[anchor, "adj_close"] / cand.at[anchor, "adj_close"]
    return part.assign(adj_close=part["adj_close"] * scale, source=ext.source)
