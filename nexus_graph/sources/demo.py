"""The embedded SYNTHETIC demo dataset: a semiconductor supply/ownership/board graph with prices.

:func:`generate` returns a :class:`~nexus_graph.sources.tables.Dataset` in the canonical frame
contract, deterministic for a seed (numpy ``Generator`` streams only, one per concern, so the graph
and the base prices are identical for ``signal="none"`` and ``signal="drift"``).

Reference shape (``scale=1``): 140 equities + 4 extended companies, 22 funds, 14 directors; at
2023-12-31 738 supply, 2,141 ownership and 14 board relationships are live under the point-in-time
rule (exactly: histories are simulated with a little headroom, then trimmed -- see
:func:`~nexus_graph.sources.demo_graph.trim_to_target`); trading-day prices from 2021-01-04 to
2026-04-24. How links start, end and become known: :mod:`~nexus_graph.sources.demo_graph`; the
human-readable account is the ``DATASET.md`` card (:mod:`~nexus_graph.sources.demo_card`). ``scale=K`` builds K replicas
of that universe (ids of replica k >= 2 end in ``_Rkk``) with their own random draws; relationships
stay inside a replica, so every count is multiplied by K.

The planted signal (``signal="drift"``, the default): for every month-end M, each listed equity's
*change count* -- the number of its supply, ownership and board intervals whose start
(``known_from``) or end (``end_known_from``) became known in the calendar month ending at M -- is
turned into ``x = log1p(count)`` and standardised across the listed equities (``z``, clipped to
+-3). Over the 21 trading days after M its log return gets ``strength * z`` 21-day idiosyncratic
standard deviations: more relationship change known by M -> higher next-month return (positive, so
that a non-negative change measure such as embedding drift has a positive IC). Only data known by M
enters ``z``. ``signal="none"`` plants nothing (same graph, same base prices), for false-positive
tests. The default strength gives a Spearman IC of about 0.2 between the change count and the
next-21-day return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nexus_graph import schema
from nexus_graph.errors import NexusError
from nexus_graph.snapshot.as_of import month_ends, visible_mask
from nexus_graph.sources import demo_graph as g
from nexus_graph.sources import demo_prices as px
from nexus_graph.sources import demo_universe as uni
from nexus_graph.sources.demo_signal import change_scores, relationship_changes
from nexus_graph.sources.tables import Dataset

DEFAULT_SEED = 7
SIGNALS = ("none", "drift")
DEFAULT_SIGNAL = "drift"
DEFAULT_STRENGTH = 0.3
REFERENCE_DATE = "2023-12-31"
REFERENCE_LIVE = {"supply": 738, "ownership": 2141, "board": 14}
PRICE_START, PRICE_END = "2021-01-04", "2026-04-24"
SIM_START, EARLIEST_START = "2015-01-01", "2008-01-02"
SHAKEUP_RATE = 0.02  # probability per listed equity and month (2015-01 .. 2026-03)
SUPPLY_YEARS = 5.0  # mean length of a supply link
# expected background live count at the reference date relative to the target: enough headroom for
# shake-up losses and sampling noise, removed again by the exact trim
CALIBRATION_MARGIN = {"supply": 1.10, "ownership": 1.04}
_STREAMS = {"universe": 1, "supply": 2, "ownership": 3, "board": 4, "shakeups": 5, "trim": 6, "prices": 7, "payload": 8}
_TIER_SIZE = np.array([-1.0, 0.0, 1.0, 2.0])


def _rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, _STREAMS[stream]]))


@dataclass
class _Universe:
    """Companies, funds and directors of all replicas as parallel arrays."""

    rows: list[uni.CompanyRow]
    ids: np.ndarray
    replica: np.ndarray
    equity: np.ndarray
    segment: np.ndarray
    size: np.ndarray
    latent: np.ndarray
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


def _universe(seed: int, scale: int) -> _Universe:
    rng = _rng(seed, "universe")
    base = list(uni.EQUITIES) + list(uni.EXTENDED)
    rows = base * scale
    n = len(rows)
    replica = np.repeat(np.arange(scale), len(base))
    never = g.day(EARLIEST_START) - 10_000
    return _Universe(
        rows=rows,
        ids=np.array([r.company_id + _suffix(k) for r, k in zip(rows, replica, strict=True)], dtype=object),
        replica=replica,
        equity=np.array([i % len(base) < len(uni.EQUITIES) for i in range(n)]),
        segment=np.array([r.segment for r in rows], dtype=object),
        size=_TIER_SIZE[[r.tier for r in rows]] + rng.normal(0.0, 0.35, n),
        latent=rng.normal(0.0, 1.0, (n, 3)),
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


def _listed_at(lo: np.ndarray, hi: np.ndarray, t: int) -> np.ndarray:
    return (lo <= t) & (hi > t)


def _supply(u: _Universe, seed: int, scale: int) -> tuple[g.Intervals, g.ShakeupInputs]:
    """Background supply histories and the candidate pairs shake-ups draw from."""
    rng = _rng(seed, "supply")
    per = len(u.rows) // scale
    seg = u.segment[:per]
    flow = np.array([[uni.SUPPLY_FLOWS.get((a, b), 0.0) for b in seg] for a in seg])
    flow[~u.equity[:per, None] & ~u.equity[None, :per]] = 0.0  # extended companies link to equities only
    i0, j0 = np.nonzero(flow)
    offsets = np.repeat(np.arange(scale) * per, i0.size)
    src, dst = np.tile(i0, scale) + offsets, np.tile(j0, scale) + offsets
    logit = (np.log(flow[np.tile(i0, scale), np.tile(j0, scale)]) + 0.7 * u.size[src] + 0.7 * u.size[dst]
             + 0.5 * np.einsum("ij,ij->i", u.latent[src], u.latent[dst]))
    lo, hi = np.maximum(u.lo[src], u.lo[dst]), np.minimum(u.hi[src], u.hi[dst])
    at_ref = _listed_at(lo, hi, g.day(REFERENCE_DATE))
    offset = g.calibrate_offset(logit[at_ref], REFERENCE_LIVE["supply"] * scale * CALIBRATION_MARGIN["supply"])
    pi = 1.0 / (1.0 + np.exp(-(logit + offset)))
    years = np.full(pi.size, SUPPLY_YEARS)
    # the supplier's 10-K discloses the link; for an extended supplier, the customer's
    reporter = np.where(u.equity[src], src, dst)

    def rule(pair: np.ndarray, days: np.ndarray) -> np.ndarray:
        return g.tenk_known(days, u.fye[reporter[pair]], u.tenk_lag[reporter[pair]])

    iv = _background(rng, pi, years, lo, hi, rule)
    return iv, g.ShakeupInputs(iv, src, dst, pi, years, lo, hi, rule)


def _ownership(u: _Universe, seed: int, scale: int) -> tuple[g.Intervals, g.ShakeupInputs, np.ndarray]:
    """Background 13F holdings of every fund in the equities of its replica."""
    rng = _rng(seed, "ownership")
    per = len(u.rows) // scale
    fund_pos, comp = [], []
    style_w = []
    for fi, (fund, k) in enumerate(u.funds):
        style = uni.STYLES[fund.style]
        for c in range(k * per, (k + 1) * per):
            w = style.get(u.segment[c], style["*"])
            if u.equity[c] and w > 0:
                fund_pos.append(fi)
                comp.append(c)
                style_w.append(w)
    f, c = np.asarray(fund_pos), np.asarray(comp)
    breadth = np.array([fr.breadth for fr, _ in u.funds])[f]
    tilt = np.array([fr.size_tilt for fr, _ in u.funds])[f]
    logit = breadth + np.log(style_w) + tilt * u.size[c]
    at_ref = _listed_at(u.lo[c], u.hi[c], g.day(REFERENCE_DATE))
    offset = g.calibrate_offset(logit[at_ref], REFERENCE_LIVE["ownership"] * scale * CALIBRATION_MARGIN["ownership"])
    pi = 1.0 / (1.0 + np.exp(-(logit + offset)))
    years = np.array([fr.holding_years for fr, _ in u.funds])[f]

    def rule(pair: np.ndarray, days: np.ndarray) -> np.ndarray:
        return g.thirteen_f_known(days)

    iv = _background(rng, pi, years, u.lo[c], u.hi[c], rule)
    # passive holders (index funds, sector ETFs, pensions) do not take part in shake-ups
    return iv, g.ShakeupInputs(iv, c, None, pi, years, u.lo[c], u.hi[c], rule, sticky=years > 5.0), f


def _background(rng: np.random.Generator, pi: np.ndarray, years: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                rule: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> g.Intervals:
    """Simulated spells, clipped to listing windows, disclosed by ``rule``; never-visible rows dropped."""
    pair, start, end = g.alternating_intervals(rng, pi, years, g.day(SIM_START), g.day(PRICE_END) + 1,
                                               g.day(EARLIEST_START))
    pair, start, end = g.merge_unseen_gaps(pair, start, end, rule)
    pair, start, end, delisted = g.clip_to_window(pair, start, end, lo, hi)
    known, end_known = g.disclose(start, end, delisted, lambda days: rule(pair, days))
    iv = g.Intervals(pair, start, end, known, end_known, np.zeros(pair.size, bool))
    return iv.take(g.visible_ever(iv))


def _board(u: _Universe, seed: int, scale: int) -> tuple[g.Intervals, np.ndarray, np.ndarray]:
    """Board seats: exactly one seat per director is live (and known) on the reference date.

    Some directors left an earlier board in 2021-22 (disclosed by the next proxy, before the
    reference date) and some move to a new board in 2024-25.
    """
    rng = _rng(seed, "board")
    per = len(u.rows) // scale
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


def _shakeup_events(u: _Universe, seed: int) -> tuple[np.random.Generator, list[tuple[int, int, int]]]:
    """(company, day, disclosed day) of every shake-up, in date order, and the stream that applies them."""
    rng = _rng(seed, "shakeups")
    months = pd.period_range(SIM_START[:7], "2026-03", freq="M")
    first = months.start_time.to_numpy("datetime64[D]").astype(np.int64)
    last = months.end_time.to_numpy("datetime64[D]").astype(np.int64)
    hit = rng.random((months.size, u.ids.size)) < SHAKEUP_RATE
    hit &= u.equity[None, :] & (u.lo[None, :] <= first[:, None]) & (u.hi[None, :] > last[:, None])
    month_pos, company = np.nonzero(hit)
    day = first[month_pos] + rng.integers(0, 20, company.size)
    disclosed = day + rng.integers(0, 7, company.size)  # 8-K / 13D-like: within the same month
    order = np.lexsort((company, day))
    return rng, list(zip(company[order].tolist(), day[order].tolist(), disclosed[order].tolist(), strict=True))


def _dates(days: np.ndarray) -> np.ndarray:
    """int days -> datetime64[ns] (OPEN -> NaT)."""
    out = np.asarray(days, np.int64).clip(max=g.OPEN - 1).astype("datetime64[D]").astype("datetime64[ns]")
    out[np.asarray(days) >= g.OPEN] = np.datetime64("NaT")
    return out


def _interval_columns(iv: g.Intervals) -> dict[str, np.ndarray]:
    return {schema.VALID_FROM: _dates(iv.start), schema.VALID_TO: _dates(iv.end),
            schema.KNOWN_FROM: _dates(iv.known), schema.END_KNOWN_FROM: _dates(iv.end_known)}


def _live_at_reference(iv: g.Intervals) -> np.ndarray:
    return visible_mask(pd.DataFrame(_interval_columns(iv)), REFERENCE_DATE)


def _relationship_frame(spec: schema.RelSpec, source: np.ndarray, target: np.ndarray, iv: g.Intervals,
                        payload: dict[str, np.ndarray]) -> pd.DataFrame:
    frame = pd.DataFrame({spec.source_column: source, spec.target_column: target, **_interval_columns(iv),
                          **payload})
    return frame.sort_values([spec.source_column, spec.target_column, schema.VALID_FROM], ignore_index=True)


def _check_arguments(seed: int, scale: int, signal: str, strength: float) -> None:
    if not isinstance(scale, (int, np.integer)) or scale < 1:
        raise NexusError(f"scale must be a whole number >= 1 (got {scale!r}); use 1 for the reference shape.")
    if signal not in SIGNALS:
        raise NexusError(f"signal must be one of {', '.join(SIGNALS)} (got {signal!r}).")
    if not np.isfinite(strength):
        raise NexusError(f"strength must be a finite number (got {strength!r}); the default is {DEFAULT_STRENGTH}.")
    if seed < 0:
        raise NexusError(f"seed must be >= 0 (got {seed}).")


def generate(seed: int = DEFAULT_SEED, scale: int = 1, signal: str = DEFAULT_SIGNAL,
             strength: float = DEFAULT_STRENGTH, *, on_step: Callable[[str], None] | None = None) -> Dataset:
    """Generate the synthetic demo dataset.

    Parameters
    ----------
    seed
        Seed of every random stream; the same arguments always give identical frames.
    scale
        Number of replicas of the reference universe (1 = 140 equities + 4 extended companies).
    signal
        ``"drift"`` (default) plants the documented effect of relationship change on the next 21
        trading days' returns (see the module docstring); ``"none"`` plants nothing.
    strength
        Drift over 21 trading days per unit of standardised change, in 21-day idiosyncratic
        standard deviations (ignored for ``signal="none"``; negative reverses the sign).
    on_step
        Called with a short label before each stage (for progress bars).

    Returns
    -------
    Dataset
        Canonical frames (``tables.py`` contract): intervals as ``datetime64[ns]``, ``known_from``
        never NaT, ``end_known_from`` NaT exactly when ``valid_to`` is; prices sorted by
        (company_id, date) for the listed trading days of each equity.
    """
    _check_arguments(seed, scale, signal, strength)
    step = on_step or (lambda _label: None)
    step("universe")
    u = _universe(seed, scale)
    step("relationships")
    supply_iv, supply_fam = _supply(u, seed, scale)
    own_iv, own_fam, own_fund = _ownership(u, seed, scale)
    shake_rng, events = _shakeup_events(u, seed)
    supply_iv, own_iv = g.apply_shakeups(shake_rng, [supply_fam, own_fam], events, u.ids.size, g.day(PRICE_END) + 1)
    cutoff = g.day(PRICE_END)
    trim_rng = _rng(seed, "trim")
    # a link known on the very day a shake-up ends it was never visible: drop such rows
    supply_iv, own_iv = (iv.take(g.visible_ever(iv)) for iv in (supply_iv, own_iv))
    supply_iv = g.censor(supply_iv, cutoff)
    supply_iv = g.trim_to_target(trim_rng, supply_iv, _live_at_reference(supply_iv), REFERENCE_LIVE["supply"] * scale,
                                 supply_fam.cand_pi)
    own_iv = g.censor(own_iv, cutoff)
    own_iv = g.trim_to_target(trim_rng, own_iv, _live_at_reference(own_iv), REFERENCE_LIVE["ownership"] * scale,
                              own_fam.cand_pi)
    board_iv, board_dir, board_comp = _board(u, seed, scale)
    board_iv = g.censor(board_iv, cutoff)
    dataset = _frames(u, supply_iv, supply_fam, own_iv, own_fam, own_fund, board_iv, board_dir, board_comp, seed)
    step("prices")
    dataset.prices = _prices(u, dataset, seed, signal, strength)
    return dataset


def _frames(u: _Universe, supply_iv: g.Intervals, supply_fam: g.ShakeupInputs, own_iv: g.Intervals,
            own_fam: g.ShakeupInputs, own_fund: np.ndarray, board_iv: g.Intervals, board_dir: np.ndarray,
            board_comp: np.ndarray, seed: int) -> Dataset:
    """Node and relationship frames with payloads (sizes drawn from the universe stream's sizes)."""
    rng = _rng(seed, "payload")
    assert supply_fam.cand_other is not None
    src, dst = supply_fam.cand_company[supply_iv.pair], supply_fam.cand_other[supply_iv.pair]
    supply = _relationship_frame(schema.SUPPLY, u.ids[src], u.ids[dst], supply_iv, {
        "weight": np.round(rng.beta(1.5, 14.0, src.size), 4),
        "source": np.where(supply_iv.shake, "8-K", "10-K"),
    })
    fund, comp = own_fund[own_iv.pair], own_fam.cand_company[own_iv.pair]
    fund_type = np.array([fr.fund_type for fr, _ in u.funds], dtype=object)[fund]
    pct = np.exp(rng.normal(np.where(fund_type == "index", np.log(2.0), np.log(0.25)), 0.6))
    market_cap = 10.0 ** (10.3 + 0.6 * u.size[comp])
    value = pct / 100.0 * market_cap
    ownership = _relationship_frame(schema.OWNERSHIP, u.fund_ids[fund], u.ids[comp], own_iv, {
        "shares": np.round(value / np.exp(np.log(60.0) + 0.4 * u.size[comp])),
        "value_usd": np.round(value, -3),
        "pct_outstanding": np.round(pct, 4),
    })
    director_ids = np.array([d for d, _, _ in u.directors], dtype=object)
    seat_dir, seat_comp = board_dir[board_iv.pair], board_comp[board_iv.pair]
    board = _relationship_frame(schema.BOARD, director_ids[seat_dir], u.ids[seat_comp], board_iv, {
        "role": np.asarray(rng.choice(uni.BOARD_ROLES, seat_comp.size), dtype=object),
    })
    rows = u.rows
    companies = pd.DataFrame({
        "company_id": u.ids,
        "name": [r.name + ("" if k == 0 else f" [replica {k + 1}]") for r, k in zip(rows, u.replica, strict=True)],
        "kind": np.where(u.equity, "equity", "extended"),
        "segment": u.segment,
        "country": [r.country for r in rows],
        "listed_from": pd.to_datetime([r.listed_from for r in rows]).astype("datetime64[ns]"),
        "listed_to": pd.to_datetime([r.listed_to for r in rows]).astype("datetime64[ns]"),
    })
    funds = pd.DataFrame({
        "fund_id": u.fund_ids,
        "name": [f.name + ("" if k == 0 else f" [replica {k + 1}]") for f, k in u.funds],
        "fund_type": [f.fund_type for f, _ in u.funds],
    })
    directors = pd.DataFrame({"director_id": director_ids,
                              "name": [n + ("" if k == 0 else f" [replica {k + 1}]") for _, n, k in u.directors]})
    empty_prices = pd.DataFrame({"date": pd.Series([], dtype="datetime64[ns]"), "company_id": [],
                                 "adj_close": [], "volume": []})
    return Dataset(companies, funds, directors, supply, ownership, board, empty_prices)


def _prices(u: _Universe, dataset: Dataset, seed: int, signal: str, strength: float) -> pd.DataFrame:
    """Factor-model prices of the equities, plus the planted drift when ``signal == "drift"``."""
    rng = _rng(seed, "prices")
    days = px.trading_days(PRICE_START, PRICE_END)
    eq = np.flatnonzero(u.equity)
    seg_code = np.array([uni.SEGMENTS.index(s) for s in u.segment[eq]])
    semis = np.isin(u.segment[eq], uni.SEMI_SEGMENTS)
    loadings = px.draw_loadings(rng, u.size[eq], semis)
    returns = px.simulate_returns(rng, len(days), seg_code, len(uni.SEGMENTS), loadings)
    if signal == "drift" and strength != 0.0:
        counts = relationship_changes(dataset, month_ends(PRICE_START, PRICE_END))
        z = change_scores(counts, dataset.companies)
        column_of = {cid: i for i, cid in enumerate(u.ids[eq])}
        returns = returns + px.planted_drift(days, z, column_of, loadings.sigma, strength)
    comp = dataset.companies.iloc[eq]
    return px.price_frame(days, u.ids[eq], returns, loadings, comp["listed_from"].to_numpy("datetime64[ns]"),
                          comp["listed_to"].to_numpy("datetime64[ns]"), rng)
