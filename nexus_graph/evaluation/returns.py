"""Forward returns at snapshot dates, per the time conventions of DESIGN §4.

The price on a snapshot date is the close of the last trading day on or before it. The return at
horizon ``h`` is the close ``h`` trading days later divided by that close, minus one; a date
without ``h`` later trading days has no return at ``h``. Trading days are the dates present in
the prices frame (``spec/dataset.md``), shared by every company: a company without a close on the
start or the end day has no return for that date (nothing is filled forward, so a stale price
never stands in for a missing one) -- except a **delisted** name: given the delisting events (see
:func:`nexus_graph.trading.delistings.delisting_events`), a name whose prices stop inside the horizon
ends it at ``last close x (1 + delisting return)``, as the paper trader books it. Dropping it would
leave out of every cross-section exactly the names that failed (survivorship bias).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from nexus_graph.errors import NexusError

DEFAULT_HORIZONS: tuple[int, ...] = (21, 63, 126)
INDEX_NAMES = ("date", "company_id")


def close_matrix(prices: pd.DataFrame) -> pd.DataFrame:
    """Adjusted closes as a (trading day x company) matrix, NaN where a company has no close.

    ``prices`` is the canonical prices frame: ``date`` (datetime64), ``company_id``, ``adj_close``.
    """
    missing = {"date", "company_id", "adj_close"} - set(prices.columns)
    if missing:
        raise NexusError(
            f"The prices frame lacks column(s) {sorted(missing)} (got {list(prices.columns)}); "
            "expected the canonical prices frame: date, company_id, adj_close[, volume]."
        )
    prices = prices[prices["date"].notna() & prices["company_id"].notna()]
    day_codes, days = pd.factorize(pd.to_datetime(prices["date"]), sort=True)
    company_codes, companies = pd.factorize(prices["company_id"], sort=True)
    cells = day_codes.astype(np.int64) * len(companies) + company_codes  # one integer per (date, company)
    if len(cells) and np.bincount(cells, minlength=len(days) * len(companies)).max() > 1:
        seen = pd.Series(cells).duplicated(keep=False).to_numpy()
        dup = prices.iloc[np.flatnonzero(seen)[0]]
        raise NexusError(
            f"Duplicate price for company {dup['company_id']!r} on {pd.Timestamp(dup['date']).date()}; "
            "one close per (date, company_id) is expected -- validate the dataset first."
        )
    wide = np.full(len(days) * len(companies), np.nan)
    wide[cells] = pd.to_numeric(prices["adj_close"]).to_numpy(dtype=float)  # (day, company) filled in one pass
    return pd.DataFrame(wide.reshape(len(days), len(companies)),
                        index=pd.DatetimeIndex(days, name="date"),  # the unit of the input, as a pivot keeps it
                        columns=pd.Index(companies, name="company_id"))


def snapshot_positions(trading_days: pd.DatetimeIndex, dates: Iterable[pd.Timestamp]) -> np.ndarray:
    """Row of the last trading day on or before each date (-1 when the date precedes every price)."""
    stamps = pd.DatetimeIndex(pd.to_datetime(list(dates)))
    return trading_days.searchsorted(stamps, side="right") - 1


def entry_days(dates: Iterable[pd.Timestamp | str], trading_days: Iterable[pd.Timestamp]) -> pd.Series:
    """The entry close of each snapshot date: the last trading day on or before it.

    A calendar month-end that is not a trading day (a weekend or holiday) maps to the earlier last
    close, which is the price a trade decided at that month-end enters at (``t*`` in
    :mod:`nexus_graph.trading.portfolio`, the start of every forward return here). A snapshot of the
    graph used with that price must be taken as of this day, not the calendar month-end: anything
    known in between (a disclosure on the Saturday) is after the entry price.

    Parameters
    ----------
    dates : snapshot dates (calendar month-ends in the pipeline).
    trading_days : the trading days, e.g. the unique ``date`` values of the prices frame.

    Returns
    -------
    pd.Series
        Indexed by the sorted unique snapshot dates (``date``, datetime64), values the entry trading
        day (datetime64; NaT where a date precedes every trading day), named ``entry_day``.
    """
    days = pd.DatetimeIndex(sorted(set(pd.to_datetime(list(trading_days)))))
    stamps = pd.DatetimeIndex(sorted(set(pd.to_datetime(list(dates)))), name="date")
    positions = snapshot_positions(days, stamps)
    values = pd.DatetimeIndex([days[p] if p >= 0 else pd.NaT for p in positions])
    return pd.Series(values, index=stamps, name="entry_day")


def forward_returns(
    prices: pd.DataFrame,
    dates: Iterable[pd.Timestamp | str],
    horizons: Sequence[int] = DEFAULT_HORIZONS,
    delistings: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Simple forward returns from each snapshot date at each horizon (trading days).

    Parameters
    ----------
    prices
        Canonical prices frame: ``date`` (datetime64), ``company_id``, ``adj_close`` (> 0).
    dates
        Snapshot dates (calendar month-ends in the pipeline; any dates work).
    horizons
        Positive horizons in trading days.
    delistings
        Delisting events (columns ``company_id``, ``last_day``, ``last_close``, ``delisting_return``,
        as :func:`nexus_graph.trading.delistings.delisting_events` returns them), or None for none: a
        delisted name's return at a horizon that ends after its last close is its delisting return
        compounded onto its return to the last close. Only the end of a horizon is filled, never
        its start: after its last close a delisted name has no rows.

    Returns
    -------
    pd.DataFrame
        Indexed by ``(date, company_id)`` -- ``date`` the snapshot date as given (datetime64), not
        the trading day used -- one float column per horizon (named by the int horizon). A row for
        every snapshot date and every company with a close on that date's trading day; NaN where
        there are not ``h`` later trading days or the later close is missing.
    """
    horizons = [int(h) for h in horizons]
    if not horizons or min(horizons) < 1:
        raise NexusError(f"Horizons must be positive numbers of trading days (got {horizons}).")
    return _returns_at_offsets(prices, dates, horizons, delistings)


def trailing_returns(prices: pd.DataFrame, dates: Iterable[pd.Timestamp | str], window: int) -> pd.Series:
    """Simple return over the ``window`` trading days up to each snapshot date's close: known at t.

    The close of the last trading day on or before the date divided by the close ``window`` trading
    days earlier, minus one (NaN when either is missing or there are not that many earlier days).
    Indexed by ``(date, company_id)`` like :func:`forward_returns`, named ``trailing_<window>``.
    """
    window = int(window)
    if window < 1:
        raise NexusError(f"The trailing window must be a positive number of trading days (got {window}).")
    return _returns_at_offsets(prices, dates, [-window])[-window].rename(f"trailing_{window}")


def exit_values(close: pd.DataFrame, delistings: pd.DataFrame | None) -> pd.DataFrame:
    """Closes where each delisted name is worth ``last close x (1 + delisting return)`` after its last day.

    The value after the last close is constant (the position has become cash). ``close`` is a
    :func:`close_matrix`; names in ``delistings`` that it lacks are ignored.
    """
    if delistings is None or delistings.empty:
        return close
    filled = close.copy()
    events = delistings[["company_id", "last_day", "last_close", "delisting_return"]]
    for company, last_day, last, ret in events.itertuples(index=False, name=None):
        if company in filled.columns:
            filled.loc[filled.index > pd.Timestamp(last_day), company] = float(last) * (1.0 + float(ret))
    return filled


def _returns_at_offsets(prices: pd.DataFrame, dates: Iterable[pd.Timestamp | str], offsets: list[int],
                        delistings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Returns between each snapshot's close and the close ``offset`` trading days away, per offset.

    Positive offsets: forward return ``close(t + o) / close(t) - 1``; negative: trailing return
    ``close(t) / close(t + o) - 1``. Rows as in :func:`forward_returns`.
    """
    wide = close_matrix(prices)
    closes = wide.to_numpy()
    ends = exit_values(wide, delistings).to_numpy()  # a horizon may end at a delisting exit; a start never
    days = pd.DatetimeIndex(wide.index)
    snapshots = pd.DatetimeIndex(pd.to_datetime(list(dates))).astype("datetime64[ns]").unique().sort_values()
    positions = snapshot_positions(days, snapshots)
    keep = positions >= 0
    snapshots, positions = snapshots[keep], positions[keep]
    companies = wide.columns.to_numpy()

    start = closes[positions]  # (snapshot, company)
    columns: dict[int, np.ndarray] = {}
    for offset in offsets:
        other = positions + offset
        inside = (other >= 0) & (other < len(days))
        values = np.full_like(start, np.nan)
        values[inside] = (ends if offset > 0 else closes)[other[inside]]
        columns[offset] = values / start - 1.0 if offset > 0 else start / values - 1.0

    index = pd.MultiIndex.from_product([snapshots, companies], names=list(INDEX_NAMES))
    out = pd.DataFrame({o: values.reshape(-1) for o, values in columns.items()}, index=index)
    # Rows without a start close carry no information at any horizon.
    return out.loc[np.isfinite(start.reshape(-1))]


def dates_with_return(returns: pd.DataFrame) -> pd.Series:
    """Number of snapshot dates with at least one return, per horizon column."""
    present = returns.notna().groupby(level="date").any()
    return present.sum()
