"""Relationship families of the SYNTHETIC demo dataset: universe arrays, candidate pairs, link probabilities.

Pure numpy (dates are int64 days, see :mod:`~nexus_graph.sources.demo.graph`); :mod:`~nexus_graph.sources.demo`
calibrates, trims and turns the histories into frames. What makes the graph *learnable* lives here:

- **Ownership** -- a fund holds only companies inside its style's segments and its size band
  (:data:`~nexus_graph.sources.demo.universe.FUNDS`), and inside them most of the names: index funds,
  sector ETFs and the pension/sovereign funds hold their whole rule-defined universe for decades;
  active, quant and hedge funds hold ~90 % of theirs and rotate at the margin (a position lasts 0.75-2
  years on average; a name sold is usually bought back within a quarter or two). So a fund's new
  positions come from its own segments, readable from what it already holds. New listings are held only
  after their first full quarter (seasoning, lock-ups, index inclusion).
- **Supply** -- a pair can link only when the segments trade (``SUPPLY_FLOWS``); its log-odds add both
  companies' sizes, and each company deals with only some partner segments (:func:`focus`, more for
  larger companies), so a supplier's next customer is most likely a peer of a current one.
- **Board** -- one live seat per director at the reference date, a few moves in 2021-22 and 2024-25.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nexus_graph.sources.demo import graph as g
from nexus_graph.sources.demo import universe as uni

SIM_START, EARLIEST_START = "2015-01-01", "2008-01-02"  # simulation start; earliest start of a spell on at SIM_START
SIM_END = "2026-04-24"  # last simulated day: the data cut-off (and last price day)
SHAKEUP_RATE = 0.02  # probability per listed equity and month (SIM_START .. SHAKEUP_END)
SHAKEUP_END = "2026-03"
SUPPLY_YEARS = 5.0  # mean length of a supply link
SUPPLY_SIZE = 1.0  # log-odds of a supply link per unit of latent size, at each end
FOCUS_BASE = -0.5  # log-odds that a company of size 0 deals with a given partner segment (+1 per size unit)
FOCUS_PENALTY = 6.0  # log-odds lost per end of a supply link that lies outside that end's focus
PASSIVE_YEARS = 5.0  # funds holding positions longer than this on average never take part in shake-ups
STREAMS = {"universe": 1, "supply": 2, "ownership": 3, "board": 4, "shakeups": 5, "trim": 6, "prices": 7, "payload": 8,
           "focus": 9}
_TIER_SIZE = np.array([-1.0, 0.0, 1.0, 2.0])  # latent size of tiers 0 (small cap) .. 3 (mega cap)


def stream(seed: int, name: str) -> np.random.Generator:
    """The random stream ``name`` of ``seed``: one independent generator per concern."""
    return np.random.default_rng(np.random.SeedSequence([seed, STREAMS[name]]))


@dataclass
class Universe:
    """Companies, funds and directors of all replicas as parallel arrays."""

    scale: int
    rows: list[uni.CompanyRow]
    ids: np.ndarray
    replica: np.ndarray
    equity: np.ndarray
    segment: np.ndarray
    size: np.ndarray
    fye: np.ndarray
    tenk_lag: np.ndarray
    proxy_lag: np.ndarray
    lo: np.ndarray  # first listed day (int days; very small = always)
    hi: np.ndarray  # exclusive end of listing (OPEN = still listed)
    funds: list[tuple[uni.FundRow, int]]
    fund_ids: np.ndarray
    directors: list[tuple[str, str, int]]


def _suffix(k: int) -> str:
    return "" if k == 0 else f"_R{k + 1:02d}"


def build_universe(seed: int, scale: int) -> Universe:
    """``scale`` replicas of the reference universe with sizes, filing lags and listing windows drawn."""
    rng = stream(seed, "universe")
    base = list(uni.EQUITIES) + list(uni.EXTENDED)
    rows = base * scale
    n = len(rows)
    replica = np.repeat(np.arange(scale), len(base))
    never = g.day(EARLIEST_START) - 10_000
    return Universe(
        scale=scale,
        rows=rows,
        ids=np.array([r.company_id + _suffix(k) for r, k in zip(rows, replica, strict=True)], dtype=object),
        replica=replica,
        equity=np.array([i % len(base) < len(uni.EQUITIES) for i in range(n)]),
        segment=np.array([r.segment for r in rows], dtype=object),
        size=_TIER_SIZE[[r.tier for r in rows]] + rng.normal(0.0, 0.35, n),
        fye=np.array([r.fye_month for r in rows]),
        tenk_lag=rng.integers(55, 76, n),
        proxy_lag=rng.integers(95, 121, n),
        lo=np.array([g.day(r.listed_from) if r.listed_from else never for r in rows], np.int64),
        hi=np.array([g.day(r.listed_to) if r.listed_to else g.OPEN for r in rows], np.int64),
        funds=[(f, k) for k in range(scale) for f in uni.FUNDS],
        fund_ids=np.array([f.fund_id + _suffix(k) for k in range(scale) for f in uni.FUNDS], dtype=object),
        directors=[(f"D{i + 1:03d}{_suffix(k)}", name, k) for k in range(scale)
                   for i, name in enumerate(uni.DIRECTOR_NAMES)],
    )


def listed_at(lo: np.ndarray, hi: np.ndarray, t: int) -> np.ndarray:
    """Rows whose window ``[lo, hi)`` contains day ``t``."""
    return (lo <= t) & (hi > t)


def focus(u: Universe, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Partner segments each company sells to and buys from (``[company, segment]`` bool, twice).

    A company deals with only some of the segments its own segment trades with -- a larger company
    with more of them -- so a supplier's next customer is most likely a peer of a current customer,
    and peers share suppliers (triadic closure that a model can read off the current links).
    """
    rng = stream(seed, "focus")
    p = 1.0 / (1.0 + np.exp(-(FOCUS_BASE + u.size)))
    shape = (u.ids.size, len(uni.SEGMENTS))
    return rng.random(shape) < p[:, None], rng.random(shape) < p[:, None]


def supply(u: Universe, seed: int, expected_live: float, at: int) -> tuple[g.Intervals, g.ShakeupInputs]:
    """Background supply histories and the candidate pairs shake-ups draw from.

    Parameters
    ----------
    u, seed
        The universe and the seed (stream ``supply``; focus from stream ``focus``).
    expected_live
        Link probabilities are shifted by one log-odds offset so that this many candidate pairs are
        expected to be linked on day ``at`` (int days).

    Returns
    -------
    tuple
        ``(intervals, family)``: ``intervals.pair`` indexes the candidate pairs of ``family``
        (``cand_company`` = supplier row, ``cand_other`` = customer row of ``u``, ``cand_pi``).
    """
    rng = stream(seed, "supply")
    scale = u.scale
    per = len(u.rows) // scale
    seg = u.segment[:per]
    flow = np.array([[uni.SUPPLY_FLOWS.get((a, b), 0.0) for b in seg] for a in seg])
    flow[~u.equity[:per, None] & ~u.equity[None, :per]] = 0.0  # extended companies link to equities only
    i0, j0 = np.nonzero(flow)
    offsets = np.repeat(np.arange(scale) * per, i0.size)
    src, dst = np.tile(i0, scale) + offsets, np.tile(j0, scale) + offsets
    sells, buys = focus(u, seed)
    seg_code = np.array([uni.SEGMENTS.index(x) for x in u.segment])
    outside = (~sells[src, seg_code[dst]]).astype(float) + (~buys[dst, seg_code[src]]).astype(float)
    logit = (np.log(flow[np.tile(i0, scale), np.tile(j0, scale)]) + SUPPLY_SIZE * (u.size[src] + u.size[dst])
             - FOCUS_PENALTY * outside)
    lo, hi = np.maximum(u.lo[src], u.lo[dst]), np.minimum(u.hi[src], u.hi[dst])
    offset = g.calibrate_offset(logit[listed_at(lo, hi, at)], expected_live)
    pi = 1.0 / (1.0 + np.exp(-(logit + offset)))
    years = np.full(pi.size, SUPPLY_YEARS)
    # the supplier's 10-K discloses the link; for an extended supplier, the customer's
    reporter = np.where(u.equity[src], src, dst)

    def rule(pair: np.ndarray, days: np.ndarray) -> np.ndarray:
        return g.tenk_known(days, u.fye[reporter[pair]], u.tenk_lag[reporter[pair]])

    iv = _background(rng, pi, years, lo, hi, rule)
    return iv, g.ShakeupInputs(iv, src, dst, pi, years, lo, hi, rule)


def ownership(u: Universe, seed: int, expected_live: float, at: int
              ) -> tuple[g.Intervals, g.ShakeupInputs, np.ndarray]:
    """Background 13F holdings of every fund in the equities of its replica.

    Parameters
    ----------
    u, seed
        The universe and the seed (stream ``ownership``).
    expected_live
        Holding probabilities are shifted by one log-odds offset so that this many candidate pairs
        are expected to be held on day ``at`` (int days).

    Returns
    -------
    tuple
        ``(intervals, family, fund)``: ``intervals.pair`` indexes the candidate pairs; a pair's
        company row is ``family.cand_company[pair]`` and its fund index (into ``u.funds``)
        ``fund[pair]``. Only in-style, in-band equity pairs are candidates.
    """
    rng = stream(seed, "ownership")
    per = len(u.rows) // u.scale
    fund_pos, comp = [], []
    for fi, (fund, k) in enumerate(u.funds):
        segments, (small, large) = uni.STYLES[fund.style], fund.size_band
        for c in range(k * per, (k + 1) * per):
            if u.equity[c] and u.segment[c] in segments and small <= u.size[c] < large:
                fund_pos.append(fi)
                comp.append(c)
    f, c = np.asarray(fund_pos), np.asarray(comp)
    breadth = np.array([fr.breadth for fr, _ in u.funds])[f]
    tilt = np.array([fr.size_tilt for fr, _ in u.funds])[f]
    logit = breadth + tilt * u.size[c]
    # funds open positions in a new listing only after its first full quarter (seasoning, lock-ups,
    # index inclusion), so a listing first shows up in 13F data about five months after it lists
    lo = np.where(u.lo[c] > g.day(EARLIEST_START), g.quarter_end(g.quarter_end(u.lo[c]) + 1), u.lo[c])
    offset = g.calibrate_offset(logit[listed_at(lo, u.hi[c], at)], expected_live)
    pi = 1.0 / (1.0 + np.exp(-(logit + offset)))
    years = np.array([fr.holding_years for fr, _ in u.funds])[f]

    def rule(pair: np.ndarray, days: np.ndarray) -> np.ndarray:
        return g.thirteen_f_known(days)

    iv = _background(rng, pi, years, lo, u.hi[c], rule)
    # passive holders (index funds, sector ETFs, pensions) do not take part in shake-ups
    return iv, g.ShakeupInputs(iv, c, None, pi, years, lo, u.hi[c], rule, sticky=years > PASSIVE_YEARS), f


def _background(rng: np.random.Generator, pi: np.ndarray, years: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                rule: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> g.Intervals:
    """Simulated spells, clipped to listing windows, disclosed by ``rule``; never-visible rows dropped."""
    pair, start, end = g.alternating_intervals(rng, pi, years, g.day(SIM_START), g.day(SIM_END) + 1,
                                               g.day(EARLIEST_START))
    pair, start, end = g.merge_unseen_gaps(pair, start, end, rule)
    pair, start, end, delisted = g.clip_to_window(pair, start, end, lo, hi)
    known, end_known = g.disclose(start, end, delisted, lambda days: rule(pair, days))
    iv = g.Intervals(pair, start, end, known, end_known, np.zeros(pair.size, bool))
    return iv.take(g.visible_ever(iv))


def board(u: Universe, seed: int) -> tuple[g.Intervals, np.ndarray, np.ndarray]:
    """Board seats: exactly one seat per director is live (and known) on the reference date.

    Some directors left an earlier board in 2021-22 (disclosed by the next proxy, before the
    reference date) and some move to a new board in 2024-25.

    Returns
    -------
    tuple
        ``(intervals, director, company)``: per seat (``intervals.pair`` = seat number) the
        director index into ``u.directors`` and the company row of ``u``.
    """
    rng = stream(seed, "board")
    per = len(u.rows) // u.scale
    tiers = np.array([r.tier for r in u.rows])
    seat_dir, seat_comp, seat_start, seat_end = [], [], [], []
    for di, (_, _, k) in enumerate(u.directors):
        pool = np.array([c for c in range(k * per, (k + 1) * per)
                         if u.equity[c] and u.lo[c] < g.day(EARLIEST_START) and u.hi[c] == g.OPEN])
        weights = (tiers[pool] + 1.0) / (tiers[pool] + 1.0).sum()
        first, second, third = rng.choice(pool, 3, replace=False, p=weights)
        start = int(rng.integers(g.day("2012-01-01"), g.day("2020-12-31")))
        seats = []
        if rng.random() < 0.3:
            left = int(rng.integers(g.day("2021-02-01"), g.day("2022-06-30")))
            seats.append((first, start, left))
            live = (second, left + int(rng.integers(1, 121)))
        else:
            live = (first, start)
        if rng.random() < 0.35:
            moved = int(rng.integers(g.day("2024-03-01"), g.day("2025-09-30")))
            seats += [(live[0], live[1], moved), (third, moved + int(rng.integers(1, 151)), int(g.OPEN))]
        else:
            seats.append((live[0], live[1], int(g.OPEN)))
        for comp, s, e in seats:
            seat_dir.append(di)
            seat_comp.append(comp)
            seat_start.append(s)
            seat_end.append(e)
    comp = np.asarray(seat_comp)
    start, end = np.asarray(seat_start, np.int64), np.asarray(seat_end, np.int64)
    known, end_known = g.disclose(start, end, np.zeros(end.size, bool),
                                  lambda days: g.proxy_known(days, u.fye[comp], u.proxy_lag[comp]))
    iv = g.Intervals(np.arange(comp.size), start, end, known, end_known, np.zeros(comp.size, bool))
    return iv, np.asarray(seat_dir), comp


def shakeup_events(u: Universe, seed: int) -> tuple[np.random.Generator, list[tuple[int, int, int]]]:
    """(company, day, disclosed day) of every shake-up, in date order, and the stream that applies them."""
    rng = stream(seed, "shakeups")
    months = pd.period_range(SIM_START[:7], SHAKEUP_END, freq="M")
    first = months.start_time.to_numpy("datetime64[D]").astype(np.int64)
    last = months.end_time.to_numpy("datetime64[D]").astype(np.int64)
    hit = rng.random((months.size, u.ids.size)) < SHAKEUP_RATE
    hit &= u.equity[None, :] & (u.lo[None, :] <= first[:, None]) & (u.hi[None, :] > last[:, None])
    month_pos, company = np.nonzero(hit)
    day = first[month_pos] + rng.integers(0, 20, company.size)
    disclosed = day + rng.integers(0, 7, company.size)  # 8-K / 13D-like: within the same month
    order = np.lexsort((company, day))
    return rng, list(zip(company[order].tolist(), day[order].tolist(), disclosed[order].tolist(), strict=True))
