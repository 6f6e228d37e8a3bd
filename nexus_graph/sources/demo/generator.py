"""The embedded SYNTHETIC demo dataset: a semiconductor supply/ownership/board graph with prices.

:func:`generate` returns a :class:`~nexus_graph.sources.tables.Dataset` in the canonical frame
contract, deterministic for a seed (numpy ``Generator`` streams only, one per concern, so the graph
and the base prices are identical for ``signal="none"`` and ``signal="drift"``).

Reference shape (``scale=1``): 140 equities + 4 extended companies, 22 funds, 14 directors; at
2023-12-31 738 supply, 2,141 ownership and 14 board relationships are live under the point-in-time
rule (exactly: histories are simulated with a little headroom, then trimmed -- see
:func:`_relationships`); trading-day prices from 2021-01-04 to 2026-04-24. Which pairs link and why
(fund styles, supply focus -- the structure that makes new links predictable):
:mod:`~nexus_graph.sources.demo.links`; how links start, end and become known:
:mod:`~nexus_graph.sources.demo.graph`; the human-readable account is the ``DATASET.md`` card
(:mod:`~nexus_graph.sources.demo.card`). ``scale=K`` builds K replicas of that universe (ids of
replica k >= 2 end in ``_Rkk``) with their own random draws; relationships stay inside a replica,
so every count is multiplied by K.

Learnability, measured as issue 5 does (HGT, default hyperparameters, time-forward split: train on
the snapshot at 2023-09-30, validate on what became known by 2023-12-31): validation ROC-AUC
0.94-0.98 for seeds 7, 1 and 3 (``tests/unit/test_demo_learnable.py`` holds the default seed to >= 0.90).

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

import numpy as np
import pandas as pd

from nexus_graph import schema
from nexus_graph.as_of import month_ends, visible_mask
from nexus_graph.errors import NexusError
from nexus_graph.sources.demo import graph as g
from nexus_graph.sources.demo import links
from nexus_graph.sources.demo import prices as px
from nexus_graph.sources.demo import universe as uni
from nexus_graph.sources.demo.links import Universe
from nexus_graph.sources.demo.signal import change_scores, relationship_changes
from nexus_graph.sources.tables import Dataset

DEFAULT_SEED = 7
SIGNALS = ("none", "drift")
DEFAULT_SIGNAL = "drift"
DEFAULT_STRENGTH = 0.3
REFERENCE_DATE = "2023-12-31"
REFERENCE_LIVE = {"supply": 738, "ownership": 2141, "board": 14}
PRICE_START, PRICE_END = "2021-01-04", links.SIM_END
SIM_START, SHAKEUP_RATE, SUPPLY_YEARS = links.SIM_START, links.SHAKEUP_RATE, links.SUPPLY_YEARS  # for the card
CALIBRATION_MARGIN = {"supply": 1.06, "ownership": 1.012}
CALIBRATION_HEADROOM = {"supply": 0.01, "ownership": 0.004}  # aimed-at excess when a draw fell short
MAX_CALIBRATION_ROUNDS = 6


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
    u = links.build_universe(seed, scale)
    step("relationships")
    supply_iv, supply_fam, own_iv, own_fam, own_fund = _relationships(u, seed, scale)
    board_iv, board_dir, board_comp = links.board(u, seed)
    board_iv = g.censor(board_iv, g.day(PRICE_END))
    dataset = _frames(u, supply_iv, supply_fam, own_iv, own_fam, own_fund, board_iv, board_dir, board_comp, seed)
    step("prices")
    dataset.prices = _prices(u, dataset, seed, signal, strength)
    return dataset


def _simulate(u: Universe, seed: int, scale: int, margin: dict[str, float]
              ) -> tuple[g.Intervals, g.ShakeupInputs, g.Intervals, g.ShakeupInputs, np.ndarray]:
    """Supply and ownership histories with shake-ups, as a data vendor knows them at the price end."""
    ref = g.day(REFERENCE_DATE)
    supply_iv, supply_fam = links.supply(u, seed, REFERENCE_LIVE["supply"] * scale * margin["supply"], ref)
    own_iv, own_fam, own_fund = links.ownership(u, seed, REFERENCE_LIVE["ownership"] * scale * margin["ownership"], ref)
    shake_rng, events = links.shakeup_events(u, seed)
    supply_iv, own_iv = g.apply_shakeups(shake_rng, [supply_fam, own_fam], events, u.ids.size, g.day(PRICE_END) + 1)
    # a link known on the very day a shake-up ends it was never visible: drop such rows
    supply_iv, own_iv = (g.censor(iv.take(g.visible_ever(iv)), g.day(PRICE_END)) for iv in (supply_iv, own_iv))
    return supply_iv, supply_fam, own_iv, own_fam, own_fund


def _relationships(u: Universe, seed: int, scale: int
                   ) -> tuple[g.Intervals, g.ShakeupInputs, g.Intervals, g.ShakeupInputs, np.ndarray]:
    """Histories with exactly the reference live counts at ``REFERENCE_DATE``.

    Each family is simulated with a calibration margin a little above its target and the excess
    trimmed (whole pair histories, see :func:`~nexus_graph.sources.demo.graph.trim_to_target`). A
    trimmed pair never links, and a permanent hole where the structure expects a link is exactly what
    a link predictor cannot foresee, so the excess is kept small: a family that falls short is
    simulated again with its margin re-aimed from the count it got (same seed, so deterministic).
    """
    margin = dict(CALIBRATION_MARGIN)
    target = {name: REFERENCE_LIVE[name] * scale for name in margin}
    for attempt in range(MAX_CALIBRATION_ROUNDS + 1):
        supply_iv, supply_fam, own_iv, own_fam, own_fund = _simulate(u, seed, scale, margin)
        live = {"supply": _live_at_reference(supply_iv), "ownership": _live_at_reference(own_iv)}
        ratio = {name: live[name].sum() / target[name] for name in margin}
        short = [name for name in margin if ratio[name] < 1.0]
        if not short:
            break
        for name in short:
            # the last round aims high enough never to fall short
            aim = 1.10 if attempt == MAX_CALIBRATION_ROUNDS - 1 else 1.0 + CALIBRATION_HEADROOM[name]
            margin[name] *= aim / max(ratio[name], 0.5)
    trim_rng = links.stream(seed, "trim")
    supply_iv = g.trim_to_target(trim_rng, supply_iv, live["supply"], target["supply"], supply_fam.cand_pi)
    own_iv = g.trim_to_target(trim_rng, own_iv, live["ownership"], target["ownership"], own_fam.cand_pi)
    return supply_iv, supply_fam, own_iv, own_fam, own_fund


def _frames(u: Universe, supply_iv: g.Intervals, supply_fam: g.ShakeupInputs, own_iv: g.Intervals,
            own_fam: g.ShakeupInputs, own_fund: np.ndarray, board_iv: g.Intervals, board_dir: np.ndarray,
            board_comp: np.ndarray, seed: int) -> Dataset:
    """Node and relationship frames with payloads (sizes drawn from the universe stream's sizes)."""
    rng = links.stream(seed, "payload")
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


def _prices(u: Universe, dataset: Dataset, seed: int, signal: str, strength: float) -> pd.DataFrame:
    """Factor-model prices of the equities, plus the planted drift when ``signal == "drift"``."""
    rng = links.stream(seed, "prices")
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
