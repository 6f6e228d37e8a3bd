"""Daily prices of the synthetic demo dataset: an exchange-like calendar and a factor model.

Log return of company ``c`` on day ``t``::

    r[t, c] = beta[c] * market[t] + gamma[c] * segment[seg(c), t] + sigma[c] * eps[t, c] + drift[t, c]

``market`` has slowly varying volatility (log-vol AR(1)), ``segment`` one factor per segment, ``eps``
i.i.d. standard normal, and ``drift`` is the planted signal (zero for ``--signal none``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.holiday import (
    AbstractHolidayCalendar,
    GoodFriday,
    Holiday,
    USLaborDay,
    USMartinLutherKingJr,
    USMemorialDay,
    USPresidentsDay,
    USThanksgivingDay,
    nearest_workday,
    sunday_to_monday,
)
from pandas.tseries.offsets import CustomBusinessDay

TRADING_DAYS_PER_YEAR = 252


class ExchangeHolidays(AbstractHolidayCalendar):
    """US equity exchange full-day holidays (NYSE rules; one-off closures ignored)."""

    rules = [  # noqa: RUF012 -- pandas reads this class attribute
        Holiday("New Year's Day", month=1, day=1, observance=sunday_to_monday),
        USMartinLutherKingJr,
        USPresidentsDay,
        GoodFriday,
        USMemorialDay,
        Holiday("Juneteenth", month=6, day=19, start_date="2022-01-01", observance=nearest_workday),
        Holiday("Independence Day", month=7, day=4, observance=nearest_workday),
        USLaborDay,
        USThanksgivingDay,
        Holiday("Christmas Day", month=12, day=25, observance=nearest_workday),
    ]


def trading_days(start: str, end: str) -> pd.DatetimeIndex:
    """Exchange trading days from ``start`` to ``end`` inclusive."""
    return pd.date_range(start, end, freq=CustomBusinessDay(calendar=ExchangeHolidays()))


@dataclass(frozen=True)
class FactorLoadings:
    """Per-company parameters of the factor model (arrays of length n_companies)."""

    beta: np.ndarray
    gamma: np.ndarray
    sigma: np.ndarray  # daily idiosyncratic volatility
    log_p0: np.ndarray
    log_volume: np.ndarray


def draw_loadings(rng: np.random.Generator, size: np.ndarray, semis: np.ndarray) -> FactorLoadings:
    """Betas near 1.2 for semiconductors (1.0 otherwise); idiosyncratic vol 15-70 %/yr, lower for large caps."""
    n = size.size
    beta = np.clip(rng.normal(np.where(semis, 1.2, 1.0), 0.25, n), 0.4, 2.2)
    gamma = np.clip(rng.normal(1.0, 0.2, n), 0.3, 1.8)
    annual = np.clip(0.32 - 0.06 * size + rng.normal(0.0, 0.05, n), 0.15, 0.7)
    log_p0 = rng.normal(np.log(60.0) + 0.4 * size, 0.6, n)
    log_volume = rng.normal(np.log(2e6) + 0.8 * size, 0.4, n)
    return FactorLoadings(beta, gamma, annual / np.sqrt(TRADING_DAYS_PER_YEAR), log_p0, log_volume)


def simulate_returns(rng: np.random.Generator, n_days: int, segment_code: np.ndarray, n_segments: int,
                     loadings: FactorLoadings) -> np.ndarray:
    """Daily log returns ``(n_days, n_companies)`` without the planted drift."""
    log_vol = np.zeros(n_days)
    shocks = rng.normal(0.0, 0.12, n_days)
    for t in range(1, n_days):  # slow volatility regimes: half-life ~ 35 days
        log_vol[t] = 0.98 * log_vol[t - 1] + shocks[t]
    market = 0.08 / TRADING_DAYS_PER_YEAR + 0.18 / np.sqrt(TRADING_DAYS_PER_YEAR) * np.exp(log_vol) * rng.normal(
        0.0, 1.0, n_days)
    # no persistent segment trends: they would make any segment-correlated factor "work" under the null
    segment = 0.12 / np.sqrt(TRADING_DAYS_PER_YEAR) * rng.normal(0.0, 1.0, (n_days, n_segments))
    eps = rng.normal(0.0, 1.0, (n_days, segment_code.size))
    return (market[:, None] * loadings.beta + segment[:, segment_code] * loadings.gamma
            + eps * loadings.sigma)


def planted_drift(days: pd.DatetimeIndex, change_z: pd.DataFrame, column_of: dict[str, int], sigma: np.ndarray,
                  strength: float, horizon: int = 21) -> np.ndarray:
    """Daily drift ``(n_days, n_companies)`` planted after each month-end.

    ``change_z`` is indexed by month-end with one column per company (standardised change, NaN = not
    in that month's cross-section). After month-end ``M`` (anchor = last trading day on or before
    ``M``) each of the next ``horizon`` trading days gets ``strength * z * sigma * sqrt(h) / h``, i.e.
    a total drift of ``strength * z`` 21-day idiosyncratic standard deviations.
    """
    drift = np.zeros((len(days), sigma.size))
    cols = np.asarray([column_of[c] for c in change_z.columns])
    per_day = strength * sigma[cols] * np.sqrt(horizon) / horizon
    values = np.nan_to_num(change_z.to_numpy(float), nan=0.0)
    for month_end, z in zip(change_z.index, values, strict=True):
        anchor = int(days.searchsorted(month_end, side="right")) - 1
        if anchor < 0:
            continue
        drift[anchor + 1:anchor + 1 + horizon, cols] += z * per_day
    return drift


def price_frame(days: pd.DatetimeIndex, company_ids: np.ndarray, log_returns: np.ndarray,
                loadings: FactorLoadings, listed_from: np.ndarray, listed_to: np.ndarray,
                rng: np.random.Generator) -> pd.DataFrame:
    """Long price table for the listed days of each company, sorted by (company_id, date).

    ``listed_from`` / ``listed_to`` are ``datetime64[ns]`` (NaT = open); ``listed_to`` is exclusive.
    """
    log_price = loadings.log_p0 + np.cumsum(log_returns, axis=0)
    day_values = days.to_numpy("datetime64[ns]")
    lo = np.where(np.isnat(listed_from), day_values[0], listed_from)
    hi = np.where(np.isnat(listed_to), day_values[-1] + np.timedelta64(1, "D"), listed_to)
    order = np.argsort(company_ids, kind="stable")
    listed = (day_values[None, :] >= lo[order, None]) & (day_values[None, :] < hi[order, None])
    comp_pos, day_pos = np.nonzero(listed)  # company-major: already sorted by (company_id, date)
    col = order[comp_pos]
    volume = np.exp(loadings.log_volume[col] + rng.normal(0.0, 0.3, col.size)) * (
        1.0 + 15.0 * np.abs(log_returns[day_pos, col]))
    return pd.DataFrame({
        "date": day_values[day_pos],
        "company_id": company_ids[col],
        "adj_close": np.maximum(np.round(np.exp(log_price[day_pos, col]), 4), 1e-4),
        "volume": np.round(volume),
    })
