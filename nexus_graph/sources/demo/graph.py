"""Relationship histories of the synthetic demo dataset (pure numpy; dates are int64 days since 1970-01-01).

Shape being built, per relationship family:

1. *Candidate pairs* with a stationary probability ``pi`` of being linked (built in
   :mod:`~nexus_graph.sources.demo.links`: the segment-to-segment supply flow, both companies' sizes
   and their partner-segment focus; the fund's style, size band and breadth) -- so peers in a segment
   share suppliers, customers and owners.
2. Each pair follows an on/off continuous-time Markov process (stationary at ``SIM_START``, mean
   on-spell = the family's / fund's holding period), so links persist for years and the graph drifts
   slowly.
3. Disclosure: supply links become known at the reporter's 10-K filing for the fiscal year that
   contains the start (end likewise); 13F holdings 45 days after the first quarter-end they are held
   (positions opened and closed inside one quarter never show up); board seats at the next proxy filing.
4. *Shake-ups* (see :func:`apply_shakeups`) end many of one company's links inside one month and
   replace them with plausible new partners, disclosed within that month (8-K / 13D-like).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

OPEN = np.int64(10_000_000)  # "no end" sentinel (year ~29000), turned into NaT in the frames
THIRTEEN_F_LAG = 45  # days after quarter-end
# a shake-up's new partners are drawn among the plausible ones only: a pair the structure all but
# rules out (pi below this) is never picked, so a company with few free plausible partners loses few links
PLAUSIBLE_PI = 0.05


def day(iso: str) -> int:
    """ISO date -> int days since epoch."""
    return int(np.datetime64(iso, "D").astype(np.int64))


def month_end(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Last day (int days) of ``month`` (1..12) of ``year``, vectorised."""
    months = (np.asarray(year, np.int64) - 1970) * 12 + (np.asarray(month, np.int64) - 1)
    return (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1


def next_anchor(days: np.ndarray, month: np.ndarray) -> np.ndarray:
    """First end-of-``month`` (e.g. fiscal-year end) on or after each day."""
    days = np.asarray(days, np.int64)
    year = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    same = month_end(year, month)
    return np.where(same >= days, same, month_end(year + 1, month))


def quarter_end(days: np.ndarray) -> np.ndarray:
    """Calendar quarter-end on or after each day."""
    months = np.asarray(days, np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    last = (months // 3) * 3 + 2
    return (last + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1


def tenk_known(days: np.ndarray, fye_month: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """10-K filing date of the fiscal year containing each day."""
    return next_anchor(days, fye_month) + lag


def proxy_known(days: np.ndarray, fye_month: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """First proxy (DEF 14A-like) filing on or after each day; proxies are filed ``lag`` days after FYE."""
    return next_anchor(np.asarray(days, np.int64) - lag, fye_month) + lag


def thirteen_f_known(days: np.ndarray) -> np.ndarray:
    """13F filing date (quarter-end + 45 days) of the first quarter-end on or after each day."""
    return quarter_end(days) + THIRTEEN_F_LAG


def calibrate_offset(logit: np.ndarray, target: float) -> float:
    """Offset ``k`` such that ``sum(sigmoid(logit + k)) == target`` (bisection)."""
    lo, hi = -30.0, 30.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if (1.0 / (1.0 + np.exp(-(logit + mid)))).sum() > target:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


@dataclass
class Intervals:
    """Validity intervals of candidate pairs: ``pair`` indexes the candidate arrays; days as int64.

    ``shake`` marks links started by a shake-up (disclosed by an 8-K / 13D-like filing).
    """

    pair: np.ndarray
    start: np.ndarray
    end: np.ndarray
    known: np.ndarray
    end_known: np.ndarray
    shake: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def take(self, keep: np.ndarray) -> Intervals:
        return Intervals(self.pair[keep], self.start[keep], self.end[keep], self.known[keep],
                         self.end_known[keep], self.shake[keep])


def alternating_intervals(rng: np.random.Generator, pi: np.ndarray, years_on: np.ndarray, t0: int, t1: int,
                          earliest: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """On-spells of a stationary two-state Markov process per pair, simulated from ``t0`` to ``t1``.

    Returns ``(pair, start, end)``; ``end == OPEN`` when the spell outlives ``t1``. Spells already on at
    ``t0`` started an exponential age earlier (never before ``earliest``).
    """
    n = pi.size
    pi = np.clip(pi, 1e-9, 0.995)
    rate_off = np.broadcast_to(1.0 / (np.asarray(years_on, float) * 365.25), n).copy()
    rate_on = rate_off * pi / (1.0 - pi)
    state = rng.random(n) < pi
    age = rng.exponential(1.0, n) / rate_off
    cur_start = np.where(state, np.maximum(t0 - age, earliest), np.nan)
    clock = np.full(n, float(t0))
    idx = np.arange(n)
    pairs, starts, ends = [], [], []
    while idx.size:
        on = state[idx]
        next_t = clock[idx] + rng.exponential(1.0, idx.size) / np.where(on, rate_off[idx], rate_on[idx])
        beyond = next_t >= t1
        pairs.append(idx[on])
        starts.append(cur_start[idx[on]])
        ends.append(np.where(beyond[on], np.inf, next_t[on]))
        go = ~beyond
        idx, next_t, on = idx[go], next_t[go], on[go]
        cur_start[idx[~on]] = next_t[~on]
        state[idx] = ~on
        clock[idx] = next_t
    pair = np.concatenate(pairs) if pairs else np.zeros(0, np.int64)
    start = np.floor(np.concatenate(starts)).astype(np.int64) if starts else np.zeros(0, np.int64)
    end_f = np.concatenate(ends) if ends else np.zeros(0)
    end = np.where(np.isinf(end_f), OPEN, np.floor(np.where(np.isinf(end_f), 0, end_f))).astype(np.int64)
    keep = end > start
    return pair[keep].astype(np.int64), start[keep], end[keep]


def merge_unseen_gaps(pair: np.ndarray, start: np.ndarray, end: np.ndarray,
                      rule: Callable[[np.ndarray, np.ndarray], np.ndarray]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Join consecutive spells of a pair whose gap no filing can see (same 13F quarter / fiscal year).

    A gap is unseen when the end and the next start would be disclosed by the same filing
    (``rule(pair, end) >= rule(pair, next start)``); the data source then shows one continuous
    relationship. Returns the spells sorted by (pair, start).
    """
    order = np.lexsort((start, pair))
    pair, start, end = pair[order], start[order], end[order]
    joins = np.zeros(pair.size, bool)
    if pair.size > 1:
        nxt = pair[1:]
        prev_end = np.minimum(end[:-1], OPEN - 1)
        joins[1:] = (nxt == pair[:-1]) & (end[:-1] < OPEN) & (rule(nxt, prev_end) >= rule(nxt, start[1:]))
    first = np.flatnonzero(~joins)
    last = np.append(first[1:] - 1, pair.size - 1)
    return pair[first], start[first], end[last]


def clip_to_window(pair: np.ndarray, start: np.ndarray, end: np.ndarray, lo: np.ndarray, hi: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Clip spells to the pair's window [lo, hi) (both endpoints listed); returns also 'ended by hi'."""
    s = np.maximum(start, lo[pair])
    e = np.minimum(end, hi[pair])
    delisted = (hi[pair] < OPEN) & (end >= hi[pair])
    keep = e > s
    return pair[keep], s[keep], e[keep], delisted[keep]


def disclose(start: np.ndarray, end: np.ndarray, delisted: np.ndarray, rule: Callable[[np.ndarray], np.ndarray]
             ) -> tuple[np.ndarray, np.ndarray]:
    """``known`` / ``end_known`` by a filing rule; an end caused by delisting is known on the day."""
    known = rule(start)
    end_known = np.where(end >= OPEN, OPEN, np.where(delisted, end, rule(np.minimum(end, OPEN - 1))))
    return known, end_known


def visible_ever(iv: Intervals) -> np.ndarray:
    """Rows that are visible on at least one day (the end is not known before the start is)."""
    return iv.end_known > iv.known


@dataclass
class ShakeupInputs:
    """What :func:`apply_shakeups` needs about one relationship family."""

    iv: Intervals
    cand_company: np.ndarray  # candidate pair -> the company (or companies, via cand_other) it involves
    cand_other: np.ndarray | None  # second company of a supply pair, None for ownership
    cand_pi: np.ndarray
    years_on: np.ndarray  # per candidate pair: mean spell length of a new link
    lo: np.ndarray  # per candidate pair: start of the pair's listing window (both endpoints listed)
    hi: np.ndarray  # per candidate pair: end of the pair's listing window
    rule: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (pair ids, end days) -> end disclosure days
    sticky: np.ndarray | None = None  # per candidate pair: never cut by a shake-up (e.g. index funds)


def _group(keys: np.ndarray, values: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """``values`` grouped by integer ``keys`` (0..n_groups-1), one array per group."""
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(n_groups + 1))
    return [values[order[bounds[g]:bounds[g + 1]]] for g in range(n_groups)]


def _by_company(fam: ShakeupInputs, pair: np.ndarray, n_companies: int) -> list[np.ndarray]:
    """Positions in ``pair`` grouped by the company (either endpoint) of each pair."""
    positions = np.arange(pair.size)
    if fam.cand_other is None:
        return _group(fam.cand_company[pair], positions, n_companies)
    keys = np.concatenate([fam.cand_company[pair], fam.cand_other[pair]])
    return _group(keys, np.concatenate([positions, positions]), n_companies)


def apply_shakeups(rng: np.random.Generator, families: list[ShakeupInputs], events: list[tuple[int, int, int]],
                   n_companies: int, t_end: int) -> list[Intervals]:
    """Apply relationship shake-ups ``(company, day, disclosed_day)`` in date order.

    For each event and family: every link of the company that is live and known on ``day`` ends
    there with probability ``phi * min(1, 2 * (1 - pi))``, ``phi ~ U(0.4, 0.7)`` (end disclosed on
    ``disclosed_day``; at most as many as there are free plausible counterparties); as many new
    links start on ``day`` (disclosed on ``disclosed_day``) with counterparties not linked to the
    company on that day (any earlier link ended and disclosed) and plausible (``pi >=
    PLAUSIBLE_PI``), drawn with probability proportional to their ``pi`` -- so the new links follow
    the same structure as the old ones. New links last an exponential spell and their end is
    disclosed by the family's usual filing rule.
    """
    out = []
    for fam in families:
        iv = fam.iv
        pair_index = _by_company(fam, np.arange(fam.cand_pi.size), n_companies)
        # a pair may get a new link on day d only when all its earlier links ended and were disclosed
        busy_until = np.full(fam.cand_pi.size, -1, np.int64)
        np.maximum.at(busy_until, iv.pair, iv.end_known)
        rows = [list(r) for r in _by_company(fam, iv.pair, n_companies)]
        start, end = list(iv.start), list(iv.end)
        known, end_known, shake, pair = list(iv.known), list(iv.end_known), list(iv.shake), list(iv.pair)
        new_rows: list[int] = []
        for company, d, k in events:
            mine = np.asarray(rows[company], int)
            if mine.size:
                s, e, kn = (np.asarray([col[r] for r in mine]) for col in (start, end, known))
                live = mine[(s <= d) & (e > d) & (kn <= d)]
                if fam.sticky is not None:
                    live = live[~fam.sticky[np.asarray([pair[r] for r in live], int)]]
                # structurally unlikely links go first: cutting a link the structure expects would
                # leave a long hole (the pair stays off for the rest of its spell)
                keep_pi = fam.cand_pi[np.asarray([pair[r] for r in live], int)]
                cut = live[rng.random(live.size) < rng.uniform(0.4, 0.7) * np.minimum(1.0, 2.0 * (1.0 - keep_pi))]
            else:
                cut = np.zeros(0, int)
            free = pair_index[company]
            free = free[(busy_until[free] < d) & (fam.lo[free] <= d) & (fam.hi[free] > d + 30)
                        & (fam.cand_pi[free] >= PLAUSIBLE_PI)]
            # one-for-one swaps keep the expected number of links unchanged (dense ownership has few
            # free counterparties, so fewer links are cut there)
            cut = cut[:free.size]
            for r in cut.tolist():
                end[r], end_known[r] = d, k
            n_new = cut.size
            if n_new == 0:
                continue
            weights = fam.cand_pi[free] / fam.cand_pi[free].sum()
            chosen = rng.choice(free, size=n_new, replace=False, p=weights)
            spell = np.floor(rng.exponential(1.0, n_new) * fam.years_on[chosen] * 365.25).astype(np.int64) + 30
            for p, length in zip(chosen.tolist(), spell.tolist(), strict=True):
                busy_until[p] = OPEN
                e = d + length
                e = fam.hi[p] if e >= fam.hi[p] else (OPEN if e >= t_end else e)
                r = len(start)
                start.append(d)
                end.append(e)
                known.append(k)
                end_known.append(OPEN)  # filled below by the family's rule
                shake.append(True)
                pair.append(p)
                new_rows.append(r)
                rows[fam.cand_company[p]].append(r)
                if fam.cand_other is not None:
                    rows[fam.cand_other[p]].append(r)
        res = Intervals(np.asarray(pair, np.int64), np.asarray(start, np.int64), np.asarray(end, np.int64),
                        np.asarray(known, np.int64), np.asarray(end_known, np.int64), np.asarray(shake, bool))
        if new_rows:
            nr = np.asarray(new_rows)
            ended = nr[res.end[nr] < OPEN]
            delisted = res.end[ended] == fam.hi[res.pair[ended]]
            res.end_known[ended] = np.where(delisted, res.end[ended], fam.rule(res.pair[ended], res.end[ended]))
        out.append(res)
    return out


def censor(iv: Intervals, cutoff: int) -> Intervals:
    """What a data vendor knows on ``cutoff``: later rows dropped, ends disclosed later reopened."""
    iv = iv.take(iv.known <= cutoff)
    late = iv.end_known > cutoff
    iv.end[late] = OPEN
    iv.end_known[late] = OPEN
    return iv


def trim_to_target(rng: np.random.Generator, iv: Intervals, live: np.ndarray, target: int, pi: np.ndarray
                   ) -> Intervals:
    """Drop whole pair histories until exactly ``target`` rows are ``live`` (when there are more).

    Pairs are dropped in a random order weighted by ``1 - pi`` (weighted sampling without
    replacement), over all pairs whether live at the reference date or not: the thinning is the same
    at every date and removes mostly the structurally unlikely links, rather than punching holes
    where the structure says a link should be.
    """
    excess = int(live.sum()) - target
    if excess <= 0:
        return iv
    pairs = np.unique(iv.pair)
    live_per_pair = np.bincount(iv.pair[live], minlength=pi.size)[pairs]
    keys = rng.random(pairs.size) ** (1.0 / np.maximum(1.0 - pi[pairs], 1e-6))
    order = np.argsort(-keys, kind="stable")
    reached = np.cumsum(live_per_pair[order])
    n_drop = int(np.searchsorted(reached, excess) + 1)
    dropped = np.zeros(pi.size, bool)
    dropped[pairs[order[:n_drop]]] = True
    return iv.take(~dropped[iv.pair])
