"""Today's date, from one place: no command may compute anything for a date that has not happened.

``NEXUS_GRAPH_TODAY`` (YYYY-MM-DD) sets it, for tests and for reproducing a run as of an earlier
day; otherwise it is the machine's local date.
"""

from __future__ import annotations

import os

import pandas as pd

from nexus_graph.errors import NexusError

TODAY_ENV = "NEXUS_GRAPH_TODAY"


def today() -> pd.Timestamp:
    """Today (midnight), from ``NEXUS_GRAPH_TODAY`` when set."""
    raw = os.environ.get(TODAY_ENV, "").strip()
    if raw:
        try:
            return pd.Timestamp(pd.to_datetime(raw, format="%Y-%m-%d"))
        except ValueError:
            raise NexusError(f"{TODAY_ENV} must be an ISO date YYYY-MM-DD (got {raw!r}).") from None
    return pd.Timestamp.today().normalize()


def latest_month_end(on: pd.Timestamp | None = None) -> pd.Timestamp:
    """The last calendar month-end on or before ``on`` (default: today)."""
    day = (on or today()).normalize()
    return day if day.is_month_end else day - pd.offsets.MonthEnd(1)


def refuse_future(date: pd.Timestamp, what: str) -> pd.Timestamp:
    """``date`` itself, or a clear error when it is after today (naming the latest allowed month-end)."""
    now = today()
    if date.normalize() > now:
        raise NexusError(
            f"{what} {date:%Y-%m-%d} is in the future (today is {now:%Y-%m-%d}); nothing is known about it "
            f"yet. The latest month-end you can use is {latest_month_end(now):%Y-%m-%d}."
        )
    return date
