"""Reading and validating a point-in-time factor panel from elsewhere (``nexus-graph factors import``).

The file is CSV (UTF-8, header line) or Parquet with one row per (date, company):

``date``
    The calendar month-end the value is for (the rebalance date it may be traded on), ISO
    ``YYYY-MM-DD``; not after today.
``company``
    A company id of the loaded graph (``company_id`` is accepted as the column name too).
``value``
    A finite number of either sign; leave the row out when there is no value.
``known_from``
    The day the value became public (e.g. the filing date of the statement it comes from), not
    after today.

**Point-in-time rule.** A value for month-end ``t`` may be used at ``t`` only if it was known by
the close a trade decided at ``t`` enters at: the last trading day on or before ``t`` (its *entry
close*, the same ``t*`` as the paper trader and the snapshots use), so ``known_from <= t*``. Without
trading days (no prices loaded) ``t*`` is ``t`` itself. A row that breaks the rule is refused, unless
the caller allows look-ahead: then it is kept and labelled (``look_ahead``), and ``evaluate`` /
``paper-trade`` refuse the factor unless they too are told ``--allow-look-ahead``.

Pure: takes the raw table and the facts from the graph (company ids, trading days, today),
returns a frame or the problems; opens no connection. Every problem names the file, the place
(``line N`` in a CSV file, the header being line 1; ``row N`` in Parquet), the column, the value and
what to do, as :mod:`nexus_graph.sources.dataset` does for ``load``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nexus_graph.errors import InvalidFile, UsageError
from nexus_graph.sources import checks
from nexus_graph.sources.checks import Problems
from nexus_graph.sources.dataset import duplicate_rows
from nexus_graph.sources.files import MAX_FORMATTED, RawTable, read_csv_table, read_parquet_table, show

REQUIRED = ("date", "company", "value", "known_from")
COMPANY_ALIAS = "company_id"  # the dataset spec's name for the same column
SUFFIXES = (".csv", ".parquet")
COLUMNS = ("date", "company_id", "value", "known_from", "look_ahead")
ORIGINS = ("fundamental", "price", "external")  # FactorValue.origin of an imported factor; graph factors have none
NAME = re.compile(r"[a-z][a-z0-9_]{1,63}")
GRAPH_PREFIX = "graph_"  # kept for the factors computed from the graph


def checked_name(name: str) -> str:
    """``name`` when it may name an imported factor, else a :class:`UsageError` saying why."""
    if not NAME.fullmatch(name or ""):
        raise UsageError(f"--name must be 2 to 64 lower-case letters, digits or underscores starting with a letter "
                         f"(got {name!r}); e.g. --name margin_compression.")
    if name.startswith(GRAPH_PREFIX):
        raise UsageError(f"--name must not start with {GRAPH_PREFIX!r} (got {name!r}): that prefix is kept for the "
                         "factors computed from the graph; e.g. --name ext_" + name[len(GRAPH_PREFIX):] + ".")
    return name


def checked_origin(origin: str) -> str:
    """``origin`` when it is one of :data:`ORIGINS`, else a :class:`UsageError`."""
    if origin not in ORIGINS:
        raise UsageError(f"--origin must be {', '.join(ORIGINS[:-1])} or {ORIGINS[-1]} (got {origin!r}).")
    return origin


@dataclass
class FactorFile:
    """A validated factor file.

    ``rows``: one row per (date, company_id), sorted, columns :data:`COLUMNS` -- ``date`` and
    ``known_from`` datetime64[ns], ``company_id`` str, ``value`` float64, ``look_ahead`` bool (True
    where ``known_from`` is after the date's entry close; only when look-ahead was allowed).
    """

    file: str
    rows: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    @property
    def panel(self) -> pd.Series:
        """The values as a factor panel: float Series indexed by (date, company_id)."""
        index = pd.MultiIndex.from_frame(self.rows[["date", "company_id"]])
        return pd.Series(self.rows["value"].to_numpy(), index=index, name="value")


def checked_path(path: Path) -> Path:
    """``path`` when it is an existing ``.csv`` or ``.parquet`` file, else a one-line :class:`UsageError`."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such file; expected a .csv or .parquet factor file (columns date, company, "
                         "value, known_from).")
    if path.suffix.lower() not in SUFFIXES:
        raise UsageError(f"{path.name}: got a {path.suffix or 'suffix-less'} file; expected .csv or .parquet "
                         "(columns date, company, value, known_from).")
    return path


def read_factor_table(path: Path) -> RawTable:
    """The file as a raw table, or :class:`InvalidFile` when it is not a readable CSV/Parquet file."""
    path = checked_path(path)
    reader = read_csv_table if path.suffix.lower() == ".csv" else read_parquet_table
    raw, problems = reader("factor", path)
    if raw is None or problems:
        total = len(problems) + (max(0, raw.broken_rows - MAX_FORMATTED) if raw is not None else 0)
        raise InvalidFile(path.name, problems, total)
    if COMPANY_ALIAS in raw.frame.columns and "company" not in raw.frame.columns:
        raw.frame = raw.frame.rename(columns={COMPANY_ALIAS: "company"})
    return raw


def entry_closes(dates: pd.Series, trading_days: pd.DatetimeIndex | None) -> pd.Series:
    """The entry close of each date: the last trading day on or before it (the date itself without one)."""
    if trading_days is None or len(trading_days) == 0:
        return dates
    days = pd.DatetimeIndex(sorted(set(trading_days)))
    positions = days.searchsorted(pd.DatetimeIndex(dates), side="right") - 1
    found = days[np.clip(positions, 0, None)].to_numpy()
    return pd.Series(np.where(positions >= 0, found, dates.to_numpy()), index=dates.index,
                     dtype="datetime64[ns]")


def _not_future(raw: RawTable, column: str, stamps: pd.Series, today: pd.Timestamp, problems: Problems) -> None:
    with np.errstate(invalid="ignore"):
        future = (stamps > today).to_numpy()
    problems.add_rows(np.flatnonzero(future), lambda i: (
        f"{raw.file} {raw.where(i)}, column {column}: got '{stamps.iloc[i]:%Y-%m-%d}'; expected a date on or "
        f"before today ({today:%Y-%m-%d}): nothing is known about the future yet"))


def _month_ends(raw: RawTable, dates: pd.Series, problems: Problems) -> None:
    off = (dates.notna() & ~dates.dt.is_month_end).to_numpy()
    problems.add_rows(np.flatnonzero(off), lambda i: (
        f"{raw.file} {raw.where(i)}, column date: got '{dates.iloc[i]:%Y-%m-%d}'; expected a calendar month-end "
        f"such as {dates.iloc[i] + pd.offsets.MonthEnd(0):%Y-%m-%d} (factor dates are the monthly rebalance "
        "dates; the value of the last trading day belongs to its month-end)"))


def _companies(raw: RawTable, ids: pd.Series, companies: Collection[str], problems: Problems) -> None:
    known = set(companies)
    unknown = (ids.notna() & ~ids.isin(known)).to_numpy()
    problems.add_rows(np.flatnonzero(unknown), lambda i: (
        f"{raw.file} {raw.where(i)}, column company: got {show(ids.iloc[i])}; expected the id of a company in "
        "the graph (load it with `nexus-graph load`, or drop the row)"))


def _look_ahead(raw: RawTable, dates: pd.Series, known: pd.Series, entry: pd.Series, problems: Problems,
                allow: bool) -> np.ndarray:
    """Rows known after their date's entry close; reported unless ``allow``."""
    with np.errstate(invalid="ignore"):
        late = (dates.notna() & known.notna() & (known > entry)).to_numpy()
    if not allow:
        problems.add_rows(np.flatnonzero(late), lambda i: (
            f"{raw.file} {raw.where(i)}, column known_from: got '{known.iloc[i]:%Y-%m-%d}'; expected a date on or "
            f"before {entry.iloc[i]:%Y-%m-%d}, the entry close of date {dates.iloc[i]:%Y-%m-%d} (a value is usable "
            "at a month-end only once known); move it to a later month-end, or pass --allow-look-ahead to import "
            "it labelled look-ahead"))
    return late


def validate_factor_table(
    raw: RawTable,
    *,
    companies: Collection[str],
    today: pd.Timestamp,
    trading_days: pd.DatetimeIndex | None = None,
    allow_look_ahead: bool = False,
) -> FactorFile:
    """Check every row of a factor file; the canonical rows, or :class:`InvalidFile` listing every problem.

    Parameters
    ----------
    raw
        The file as read (:func:`read_factor_table`).
    companies
        The company ids of the graph; any other id is refused.
    today
        The last date anything may be known (``nexus_graph.clock.today``).
    trading_days
        Trading days of the loaded prices, for the entry close of each date (None: the date itself).
    allow_look_ahead
        Keep rows known after their entry close, labelled ``look_ahead``, instead of refusing them.
    """
    problems = Problems()
    warnings: list[str] = []
    if not checks.check_columns(raw, REQUIRED, (), problems, warnings):
        raise InvalidFile(raw.file, problems.lines, problems.total)
    if len(raw.frame) == 0 and raw.broken_rows == 0:
        raise InvalidFile(raw.file, [f"{raw.file}: no rows; expected at least one (date, company, value, "
                                     "known_from) row"])
    dates = checks.date_column(raw, "date", problems, required=True)
    ids = checks.id_column(raw, "company", problems)
    values = checks.number_column(raw, "value", problems, required=True, signed=True)
    known = checks.date_column(raw, "known_from", problems, required=True)
    _month_ends(raw, dates, problems)
    _not_future(raw, "date", dates, today, problems)
    _not_future(raw, "known_from", known, today, problems)
    _companies(raw, ids, companies, problems)
    frame = pd.DataFrame({"date": dates, "company": ids, "value": values, "known_from": known})
    duplicate_rows(raw, ["date", "company"], frame, problems, "one value per (date, company)")
    frame = frame.rename(columns={"company": "company_id"})
    frame["look_ahead"] = _look_ahead(raw, dates, known, entry_closes(dates, trading_days), problems,
                                      allow_look_ahead)
    if problems.total:
        raise InvalidFile(raw.file, problems.lines, problems.total)
    rows = frame.sort_values(["date", "company_id"], kind="stable").reset_index(drop=True)
    rows["company_id"] = rows["company_id"].astype(str)
    return FactorFile(raw.file, rows[list(COLUMNS)], warnings)
