"""The scale scenario: a fast, vectorised random dataset far bigger than the demo (SYNTHETIC).

Default shape (issue 9): 5,000 companies, 3,000 funds, 1,000 directors, 1,000,000 ownership and
50,000 supply intervals over 2016-2026, plus about 2,500 board seats. Frames follow the canonical
``Dataset`` contract of :mod:`nexus_graph.sources.tables`, so the data goes through the ordinary
``read_dataset`` validation and ``load_dataset``.

Structure, so that link prediction has something to learn (cheaply, with numpy only):

- companies get a segment (the demo's ten) and a Zipf-like size; bigger companies are picked more
  often as owned, supplied and board companies;
- each fund concentrates on two or three segments (Dirichlet weights); ownership draws a fund (by a
  lognormal activity), one of its segments, then a company of that segment by size;
- supply links follow the demo's segment-to-segment flows (``SUPPLY_FLOWS``);
- ownership lives in quarters (13F-like: starts and ends on quarter-ends, known 45 days later);
  supply intervals are known at a 10-K-like lag of 1-13 months; board seats 30 days after the start.

Intervals of the same pair never overlap: they are sorted by start and each is cut at the next
start of its pair (exact duplicate starts are dropped, then the table is topped up to the count).
Prices (needed by none of the scenario's steps, but a dataset has them) are a 21-business-day random
walk to 2026-03-31 for the listed equities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nexus_graph import schema
from nexus_graph.sources.demo.universe import SEGMENTS, SUPPLY_FLOWS
from nexus_graph.sources.tables import Dataset, normalise_intervals

START, END = pd.Timestamp("2016-01-01"), pd.Timestamp("2026-03-31")
FUND_TYPES = ("active", "index", "hedge", "pension")


@dataclass(frozen=True)
class ScenarioShape:
    """Sizes of the scenario (defaults: issue 9)."""

    companies: int = 5_000
    funds: int = 3_000
    directors: int = 1_000
    ownership: int = 1_000_000
    supply: int = 50_000
    seats_per_director: float = 2.5

    def scaled(self, fraction: float) -> ScenarioShape:
        """Every count times ``fraction`` (at least 10 nodes of each type): for quick trials."""
        def n(value: int) -> int:
            return max(10, round(value * fraction))

        return ScenarioShape(n(self.companies), n(self.funds), n(self.directors), n(self.ownership),
                             n(self.supply), self.seats_per_director)


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.array([f"{prefix}{i:05d}" for i in range(n)], dtype=object)


def _pick_by_weight(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices drawn with probability proportional to ``weights``."""
    cdf = np.cumsum(weights)
    return np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), len(weights) - 1)


def _pick_in_segment(rng: np.random.Generator, segment_of: np.ndarray, size: np.ndarray,
                     wanted: np.ndarray) -> np.ndarray:
    """For each wanted segment, a company of that segment drawn by size."""
    out = np.empty(len(wanted), dtype=np.int64)
    for seg in np.unique(wanted):
        members = np.flatnonzero(segment_of == seg)
        rows = np.flatnonzero(wanted == seg)
        out[rows] = members[_pick_by_weight(rng, size[members], len(rows))]
    return out


def _disjoint(source: np.ndarray, target: np.ndarray, start: np.ndarray, end: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Row order and end dates so that intervals of a (source, target) pair never overlap.

    ``start`` / ``end`` are int64 day numbers (``end`` = ``np.iinfo.max`` when open). Rows are sorted
    by (source, target, start); a row starting on the same day as the previous one of its pair is
    dropped; each remaining end is cut at the next start of its pair.
    """
    order = np.lexsort((start, target, source))
    s, t, b, e = source[order], target[order], start[order], end[order].copy()
    same_pair_prev = np.r_[False, (s[1:] == s[:-1]) & (t[1:] == t[:-1])]
    keep = ~(same_pair_prev & np.r_[False, b[1:] == b[:-1]])
    order, s, t, b, e = order[keep], s[keep], t[keep], b[keep], e[keep]
    same_pair_next = np.r_[(s[1:] == s[:-1]) & (t[1:] == t[:-1]), False]
    next_start = np.r_[b[1:], 0]
    e = np.where(same_pair_next, np.minimum(e, next_start), e)
    return order, e


def _interval_frame(source: np.ndarray, target: np.ndarray, start: np.ndarray, end: np.ndarray,
                    known_lag: np.ndarray, end_lag: np.ndarray, count: int, rng: np.random.Generator
                    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rows (indices into the drawn arrays) and the four interval columns, ``count`` rows exactly."""
    order, cut_end = _disjoint(source, target, start, end)
    if len(order) < count:
        raise _TooFew(f"only {len(order)} distinct intervals drawn for {count}")
    pick = np.sort(rng.choice(len(order), size=count, replace=False))  # dropping rows keeps them disjoint
    rows, cut_end = order[pick], cut_end[pick]
    open_ = cut_end >= (END - pd.Timestamp(0)).days
    epoch = np.datetime64("1970-01-01", "D")
    valid_from = epoch + start[rows].astype("timedelta64[D]")
    valid_to = epoch + np.where(open_, 0, cut_end).astype("timedelta64[D]")
    valid_to = np.where(open_, np.datetime64("NaT"), valid_to)
    known = valid_from + known_lag[rows].astype("timedelta64[D]")
    end_known = np.where(open_, np.datetime64("NaT"), valid_to + end_lag[rows].astype("timedelta64[D]"))
    cols = {schema.VALID_FROM: valid_from, schema.VALID_TO: valid_to, schema.KNOWN_FROM: known,
            schema.END_KNOWN_FROM: end_known}
    return rows, {k: np.asarray(v, dtype="datetime64[ns]") for k, v in cols.items()}


def _quarter_days(first: pd.Timestamp, last: pd.Timestamp) -> np.ndarray:
    return (pd.date_range(first, last, freq="QE") - pd.Timestamp(0)).days.to_numpy(dtype=np.int64)


def generate_scenario(shape: ScenarioShape = ScenarioShape(), seed: int = 7) -> Dataset:
    """The scale-scenario dataset (canonical frames; SYNTHETIC).

    Parameters
    ----------
    shape
        Node and interval counts; the ownership and supply tables have exactly these many rows.
    seed
        Seed of every random draw: the same shape and seed give identical frames.

    Returns
    -------
    Dataset
        Frames in the contract of :mod:`nexus_graph.sources.tables` (intervals ``datetime64[ns]``,
        ``known_from`` never NaT, ``end_known_from`` NaT exactly when ``valid_to`` is).
    """
    rng = np.random.default_rng(seed)
    n_c, n_f, n_d = shape.companies, shape.funds, shape.directors
    segments = np.array(SEGMENTS, dtype=object)
    seg_of = rng.permutation(np.arange(n_c) % len(SEGMENTS))  # every segment has companies
    size = 1.0 / (1.0 + rng.permutation(n_c)) ** 0.8  # Zipf-like company size
    kind = np.where(rng.random(n_c) < 0.85, "equity", "extended")
    listed_from = pd.to_datetime(np.where(rng.random(n_c) < 0.10, START + pd.to_timedelta(
        rng.integers(0, (END - START).days, n_c), unit="D"), pd.NaT))
    listed_to = pd.to_datetime(np.where(rng.random(n_c) < 0.05, END - pd.to_timedelta(
        rng.integers(30, 1500, n_c), unit="D"), pd.NaT))
    listed_to = listed_to.where(listed_from.isna() | (listed_to > listed_from + pd.Timedelta(days=30)))
    company_ids = _ids("S", n_c)
    companies = pd.DataFrame({"company_id": company_ids, "name": [f"Scenario company {i}" for i in range(n_c)],
                              "kind": kind, "segment": segments[seg_of],
                              "country": rng.choice(np.array(["US", "TW", "KR", "JP", "NL", "DE"]), n_c),
                              "listed_from": listed_from, "listed_to": listed_to})
    fund_ids, director_ids = _ids("F", n_f), _ids("D", n_d)
    funds = pd.DataFrame({"fund_id": fund_ids, "name": [f"Scenario fund {i}" for i in range(n_f)],
                          "fund_type": rng.choice(np.array(FUND_TYPES), n_f)})
    directors = pd.DataFrame({"director_id": director_ids, "name": [f"Scenario director {i}" for i in range(n_d)]})

    ownership = _with_margin(lambda m: _ownership(rng, shape, seg_of, size, company_ids, fund_ids, m))
    supply = _with_margin(lambda m: _supply(rng, shape, seg_of, size, company_ids, m))
    board = _with_margin(lambda m: _board(rng, shape, size, company_ids, director_ids, m))
    prices = _prices(rng, companies)
    return Dataset(companies, funds, directors, supply, ownership, board, prices)


class _TooFew(ValueError):
    """Fewer distinct intervals than asked for: draw again with a larger margin."""


def _with_margin(draw: Callable[[float], pd.DataFrame]) -> pd.DataFrame:
    """``draw(margin)`` with margins 1.2, 1.8, 2.7, ... until it yields enough distinct intervals."""
    margin = 1.2
    while True:
        try:
            return draw(margin)
        except _TooFew:
            margin *= 1.5


def _ownership(rng: np.random.Generator, shape: ScenarioShape, seg_of: np.ndarray, size: np.ndarray,
               company_ids: np.ndarray, fund_ids: np.ndarray, margin: float) -> pd.DataFrame:
    n = int(shape.ownership * margin)  # margin for dropped duplicate starts
    style = rng.dirichlet(np.full(len(SEGMENTS), 0.15), shape.funds)  # 2-3 segments carry most weight
    fund = _pick_by_weight(rng, rng.lognormal(0, 1, shape.funds), n)
    cdf = np.cumsum(style, axis=1)[fund]
    wanted = np.minimum((rng.random(n)[:, None] * cdf[:, -1:] > cdf).sum(axis=1), len(SEGMENTS) - 1)
    company = _pick_in_segment(rng, seg_of, size, wanted)
    quarters = _quarter_days(START - pd.DateOffset(months=3), END)
    q0 = rng.integers(0, len(quarters) - 1, n)
    q1 = q0 + rng.geometric(1 / 6, n)  # about six quarters held
    start = quarters[q0]
    end = np.where(q1 < len(quarters), quarters[np.minimum(q1, len(quarters) - 1)], np.iinfo(np.int64).max)
    lag = np.full(n, 45)
    rows, iv = _interval_frame(fund, company, start, end, lag, lag, shape.ownership, rng)
    shares = np.round(rng.lognormal(12, 1.5, len(rows)))
    price = 5 + 300 * size[company[rows]] / size.max()
    return normalise_intervals(pd.DataFrame({
        "fund_id": fund_ids[fund[rows]], "company_id": company_ids[company[rows]], **iv,
        "shares": shares, "value_usd": np.round(shares * price, 2),
        "pct_outstanding": np.round(rng.uniform(0.0001, 0.05, len(rows)), 6)}))


def _supply(rng: np.random.Generator, shape: ScenarioShape, seg_of: np.ndarray, size: np.ndarray,
            company_ids: np.ndarray, margin: float) -> pd.DataFrame:
    n = int(shape.supply * margin)
    index = {seg: i for i, seg in enumerate(SEGMENTS)}
    flows = np.zeros((len(SEGMENTS), len(SEGMENTS)))
    for (a, b), rate in SUPPLY_FLOWS.items():
        flows[index[a], index[b]] = rate
    has_customers = flows.sum(axis=1) > 0
    supplier = _pick_by_weight(rng, size * has_customers[seg_of], n)
    cdf = np.cumsum(flows, axis=1)[seg_of[supplier]]
    wanted = np.minimum((rng.random(n)[:, None] * cdf[:, -1:] > cdf).sum(axis=1), len(SEGMENTS) - 1)
    customer = _pick_in_segment(rng, seg_of, size, wanted)
    ok = supplier != customer
    supplier, customer = supplier[ok], customer[ok]
    n = len(supplier)
    first = (START - pd.Timestamp(0)).days - 400
    start = first + rng.integers(0, (END - START).days + 400, n)
    end = start + rng.exponential(3 * 365, n).astype(np.int64) + 30
    end = np.where(end >= (END - pd.Timestamp(0)).days, np.iinfo(np.int64).max, end)
    rows, iv = _interval_frame(supplier, customer, start, end, rng.integers(30, 400, n), rng.integers(30, 400, n),
                               shape.supply, rng)
    return normalise_intervals(pd.DataFrame({
        "supplier_id": company_ids[supplier[rows]], "customer_id": company_ids[customer[rows]], **iv,
        "weight": np.round(rng.uniform(0.01, 0.3, len(rows)), 4), "source": "10-K"}))


def _board(rng: np.random.Generator, shape: ScenarioShape, size: np.ndarray, company_ids: np.ndarray,
           director_ids: np.ndarray, margin: float) -> pd.DataFrame:
    count = int(shape.directors * shape.seats_per_director)
    n = int(count * margin)
    director = rng.integers(0, shape.directors, n)
    company = _pick_by_weight(rng, size, n)
    first = (START - pd.Timestamp(0)).days - 1000
    start = first + rng.integers(0, (END - START).days + 1000, n)
    end = start + rng.exponential(5 * 365, n).astype(np.int64) + 90
    end = np.where(end >= (END - pd.Timestamp(0)).days, np.iinfo(np.int64).max, end)
    lag = np.full(n, 30)
    rows, iv = _interval_frame(director, company, start, end, lag, lag, count, rng)
    return normalise_intervals(pd.DataFrame({
        "director_id": director_ids[director[rows]], "company_id": company_ids[company[rows]], **iv,
        "role": rng.choice(np.array(["independent", "chair", "executive"]), len(rows), p=[0.8, 0.1, 0.1])}))


def _prices(rng: np.random.Generator, companies: pd.DataFrame) -> pd.DataFrame:
    days = pd.bdate_range(end=END, periods=21)
    listed = (companies.kind.eq("equity") & companies.listed_to.isna()
              & (companies.listed_from.isna() | (companies.listed_from <= days[0])))
    ids = np.sort(companies.company_id[listed].to_numpy())
    steps = rng.normal(0, 0.02, (len(ids), len(days)))
    close = 50 * np.exp(np.cumsum(steps, axis=1))
    return pd.DataFrame({"date": np.tile(days.to_numpy(), len(ids)), "company_id": np.repeat(ids, len(days)),
                         "adj_close": np.round(close.ravel(), 4), "volume": 1e6})
