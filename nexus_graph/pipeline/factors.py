"""Step ``factors import``: a point-in-time factor panel from elsewhere, validated, written as ``FactorValue`` rows.

Used by ``nexus-graph factors import``; prints nothing. The file's format and point-in-time rule are in
:mod:`nexus_graph.sources.factor_file`; the write (``origin`` on every row, replace-on-re-import,
reconciliation) in :func:`nexus_graph.store.factors.write_imported_factor`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nexus_graph.clock import today
from nexus_graph.errors import NexusError
from nexus_graph.sources.factor_file import (
    FactorFile,
    checked_name,
    checked_origin,
    read_factor_table,
    validate_factor_table,
)
from nexus_graph.sources.prices import load_prices
from nexus_graph.store.admin import init_schema
from nexus_graph.store.factors import write_imported_factor
from nexus_graph.store.protocol import Store

ProgressCallback = Callable[[int, int], None]  # (rows written so far, rows in all)


@dataclass
class ImportResult:
    """An imported factor: its name, origin, what the graph holds (read back) and what to know about it."""

    factor: str
    origin: str
    file: Path
    rows: int
    dates: int
    companies: int
    first_date: pd.Timestamp
    last_date: pd.Timestamp
    look_ahead_rows: int
    entry_closes_from_prices: bool
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"factor": self.factor, "origin": self.origin, "file": str(self.file), "rows": self.rows,
                "dates": self.dates, "companies": self.companies, "first_date": f"{self.first_date:%Y-%m-%d}",
                "last_date": f"{self.last_date:%Y-%m-%d}", "look_ahead_rows": self.look_ahead_rows,
                "entry_closes_from_prices": self.entry_closes_from_prices, "warnings": self.warnings}


def _trading_days(prices: pd.DataFrame | None, prices_path: Path | None) -> pd.DatetimeIndex | None:
    """The loaded prices' trading days, or None when no prices are loaded."""
    if prices is None:
        try:
            prices = load_prices(prices_path)
        except NexusError:
            if prices_path is not None:
                raise
            return None
    return pd.DatetimeIndex(pd.to_datetime(prices["date"]).unique()).sort_values()


def read_factor_file(store: Store, path: Path, *, allow_look_ahead: bool = False,
                     prices: pd.DataFrame | None = None, prices_path: Path | None = None
                     ) -> tuple[FactorFile, bool]:
    """Read and validate ``path`` against the graph's companies and the loaded prices' trading days.

    Returns the validated file and whether entry closes came from prices. Raises
    :class:`nexus_graph.errors.InvalidFile` listing every problem; writes nothing.
    """
    raw = read_factor_table(path)
    companies = [row["company_id"] for row in store.records("factors/all_companies")]
    days = _trading_days(prices, prices_path)
    checked = validate_factor_table(raw, companies=companies, today=today(), trading_days=days,
                                    allow_look_ahead=allow_look_ahead)
    if days is None:
        checked.warnings.append("no prices are loaded, so each value's known_from was checked against its "
                                "calendar month-end, not the last trading day before it; load the prices "
                                "first (`nexus-graph load`) for the strict rule")
    return checked, days is not None


def import_factor(
    store: Store,
    path: Path,
    name: str,
    *,
    origin: str = "external",
    allow_look_ahead: bool = False,
    prices: pd.DataFrame | None = None,
    prices_path: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportResult:
    """Validate the factor file ``path`` completely, then store it as factor ``name`` (replacing an earlier import).

    Parameters
    ----------
    path
        CSV or Parquet with ``date, company, value, known_from`` (:mod:`nexus_graph.sources.factor_file`).
    name, origin
        The factor's name and where it comes from (``fundamental``, ``price``, ``external``).
    allow_look_ahead
        Import values known after their date's entry close, labelled look-ahead, instead of refusing them.
    prices, prices_path
        Prices for the entry closes (default: the loaded prices; none loaded -> calendar month-ends).
    on_progress
        Called with (rows written, rows in all) after each date is committed.

    Bad input (file, rows, unknown companies, a name taken by a graph factor) writes nothing.
    """
    name, origin = checked_name(name), checked_origin(origin)
    init_schema(store)  # the FactorValue key constraint; idempotent
    checked, from_prices = read_factor_file(store, path, allow_look_ahead=allow_look_ahead, prices=prices,
                               prices_path=prices_path)
    rows = checked.rows
    total, done = len(rows), 0

    def on_date(written: int) -> None:
        nonlocal done
        done += written
        if on_progress:
            on_progress(done, total)

    stored = write_imported_factor(store, rows, name, origin, on_date=on_date)
    return ImportResult(name, origin, Path(path), sum(stored.values()), len(stored),
                        rows["company_id"].nunique(), rows["date"].min(), rows["date"].max(),
                        int(rows["look_ahead"].sum()), from_prices, checked.warnings)
