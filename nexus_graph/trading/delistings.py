"""Delistings for the paper trader: a name whose prices stop is sold at a delisting return. Pure.

A company is **delisted** after its last close when the prices frame goes on without it for at least
:data:`MIN_GAP_DAYS` trading days (a gap followed by more closes is not a delisting, and neither is
a name missing only the frame's last few days -- a holiday on its exchange, or a late data feed).
On the first trading day after its last close the position is worth

* ``value / last close`` of what it was, where ``value`` is the delisting value when known (the
  price received, in the same adjusted units as ``adj_close``, e.g. a cash-merger price or the
  CRSP delisting price); or
* ``1 + DEFAULT_DELISTING_RETURN`` otherwise: -30 %, the conservative figure of the CRSP literature
  for performance-related delistings (Shumway 1997, "The Delisting Bias in CRSP Data", J. Finance
  52(1): about -30 % on average for NYSE/AMEX performance delistings).

and it is then **exited**: the proceeds are cash (earning 0, like all cash here) until the next
rebalance, which trades from the book without it. Holding a delisted name flat at its last price
would hide exactly the losses that made it disappear.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.evaluation.returns import exit_values

DEFAULT_DELISTING_RETURN = -0.30
MIN_GAP_DAYS = 5  # trading days without a close at the end of the frame before a name counts as delisted
COLUMNS = ["company_id", "last_day", "delisting_day", "last_close", "delisting_return", "source"]


def delisting_events(close: pd.DataFrame, values: Mapping[str, float] | None = None,
                     default_return: float = DEFAULT_DELISTING_RETURN) -> pd.DataFrame:
    """One row per delisted company of a (trading day x company) close matrix.

    Parameters
    ----------
    close : closes, NaN where a company has no close (:func:`nexus_graph.evaluation.returns.close_matrix`).
    values : delisting value per company id (price units of ``adj_close``); NaN or absent = unknown.
    default_return : the delisting return used when the value is unknown (default -30 %).

    Returns
    -------
    pd.DataFrame
        Columns :data:`COLUMNS`: ``last_day`` (last close), ``delisting_day`` (the next trading day,
        when the return is booked), ``last_close``, ``delisting_return`` (fraction) and ``source``
        (``"value"`` or ``"default"``), sorted by company id.
    """
    if not default_return >= -1.0:
        raise NexusError(f"The default delisting return must be >= -1 (a loss of at most 100 %; got {default_return}).")
    values = dict(values or {})
    priced = close.notna().to_numpy()
    any_close = priced.any(axis=0)
    last_row = len(close) - 1 - np.argmax(priced[::-1], axis=0)
    rows = []
    for j in np.nonzero(any_close & (last_row < len(close) - MIN_GAP_DAYS))[0]:
        company, row = close.columns[j], int(last_row[j])
        last = float(close.iat[row, j])
        value = values.get(company, np.nan)
        known = value is not None and np.isfinite(value)
        if known and value < 0:
            raise NexusError(f"Delisting value of {company!r} is negative ({value}); expected a price >= 0.")
        rows.append((company, close.index[row], close.index[row + 1], last,
                     float(value) / last - 1.0 if known else float(default_return), "value" if known else "default"))
    return pd.DataFrame(rows, columns=COLUMNS).sort_values("company_id", ignore_index=True)


def delisted_closes(close: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Closes filled forward, each delisted name held at ``last close * (1 + delisting return)`` after it.

    The value after the last close is constant: the position has become cash (see the module notes).
    """
    return exit_values(close.ffill(), events)
