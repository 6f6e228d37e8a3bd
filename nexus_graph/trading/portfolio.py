"""The paper trader: monthly rebalanced factor portfolios from a factor panel and daily closes. Pure.

Conventions (all tested in ``tests/unit/test_trading_portfolio.py``)
-------------------------------------------------------------------
* **Decision date.** Each date ``t`` of the factor panel (a month-end) is a rebalance. Positions are
  decided from the factor at ``t`` and from closes up to ``t`` only. The close "at t" is the close of
  the last trading day on or before ``t`` (DESIGN §4), called ``t*`` below; that close is the entry
  price. A company is eligible at ``t`` when it is in the universe, has a factor value at ``t`` and
  has a close ON ``t*`` itself (a stale price never makes a name tradeable).
* **Holding period.** Positions decided at ``t`` are held over the trading days ``d`` with
  ``t* < d <= t'*``, where ``t'`` is the next rebalance date; the first day held is the first trading
  day after ``t*``. The last rebalance is held until the last trading day on or before the next
  calendar month-end (or the last price, if earlier). Rebalance dates that map to the same ``t*``
  keep only the latest; dates before the first price are skipped.
* **Daily returns.** A company's return on day ``d`` is ``close(d) / close(d-1) - 1`` over
  consecutive trading days of the prices frame; a missing close inside its history is carried
  forward (return 0).
* **Delistings.** A name whose closes stop before the prices frame ends is delisted
  (:mod:`nexus_graph.trading.delistings`): on the first trading day after its last close it earns
  the delisting return (to its delisting value when known, else ``delisting_return``, -30 % by
  default) and is exited into cash; the next rebalance trades from a book without it.
* **Weights drift.** Within a period holdings are bought and held: with target weights ``w`` set at
  ``t*`` (cash ``1 - sum(w)`` earns 0) the net asset value is ``V(d) = 1 - sum(w) + sum_i w_i
  close_i(d) / close_i(t*)`` and the portfolio return is ``V(d) / V(d-1) - 1``. The weights found at
  the end of a period, ``w_i close_i / close_i(t*) / V``, are what the next rebalance trades from.
* **Selection.** Eligible names are ranked by the combined score (ties broken by ``company_id``);
  the top ``floor(quantile * n)`` (at least 1) are the long leg, the bottom as many the short leg.
  Long-only holds the long leg at total weight 1; long-short holds the long leg at +1 and the short
  leg at -1 (dollar neutral, gross 2, cash collateral earning 0). A date whose scores are all equal
  (no information) or with fewer than two eligible names holds cash.
* **Weighting.** ``equal``: ``1/k`` per name in a leg. ``factor``: in each leg, weight proportional to
  the score's distance from the cross-sectional median of the eligible scores (equal weights if a
  leg's distances are all zero). For a single factor this is proportional to ``x_i - median(x)``.
* **Combining factors.** Each factor is z-scored per date across the universe companies that have a
  value (population standard deviation; a constant cross-section scores 0); the combined score is
  the mean of the z-scores a company has. With one factor the combined score is an increasing affine map of it, so
  selection and factor weights are those of the raw factor.
* **Costs and turnover.** At each rebalance turnover is ``sum_i |w_target_i - w_drifted_i|`` (the
  traded notional over NAV, both sides; the first rebalance trades from cash). The cost,
  ``c = cost_bps / 1e4 * turnover``, is paid out of NAV at the entry close, pro rata from the book
  (weights unchanged by it), so it compounds: the first day held returns ``(1 - c)(1 + gross) - 1``
  and the net wealth is exactly the gross wealth times ``prod(1 - c)`` over the rebalances. Every
  statistic is computed on these net returns.
* **Benchmark.** The equal-weighted universe: every eligible-priced universe company (factor or not)
  at ``1/n``, rebalanced on the same dates with the same drift; no costs charged (a passive index).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.evaluation.family import CONFIGURED_TESTS
from nexus_graph.evaluation.returns import close_matrix, snapshot_positions
from nexus_graph.trading.delistings import COLUMNS as DELISTING_COLUMNS
from nexus_graph.trading.delistings import DEFAULT_DELISTING_RETURN, delisted_closes, delisting_events

STRATEGIES: tuple[str, ...] = ("long_only", "long_short", "benchmark")
STRATEGY_LABELS = {"long_only": "Long-only top quantile", "long_short": "Long-short top minus bottom",
                   "benchmark": "Benchmark (equal-weighted universe)"}
Weighting = Literal["equal", "factor"]


@dataclass(frozen=True)
class PortfolioConfig:
    """How the paper trader builds portfolios.

    quantile : fraction of eligible names in each leg, in (0, 0.5].
    weighting : ``"equal"`` or ``"factor"`` (see the module notes).
    cost_bps : cost in basis points of traded notional (turnover), charged on the first day held.
    universe : company ids allowed (the ``equity`` companies); None = every company in the prices.
    n_trials : N of the deflated Sharpe ratio: the size of the multiple-testing family, every test
        made so far (``TestFamily.trials``, at least the configured 400), not the signals traded.
    periods_per_year : trading days per year for annualisation.
    delisting_return : return of a delisted name whose delisting value is unknown (default -30 %).
    """

    quantile: float = 0.2
    weighting: Weighting = "equal"
    cost_bps: float = 10.0
    universe: frozenset[str] | None = None
    n_trials: int = CONFIGURED_TESTS
    periods_per_year: int = 252
    delisting_return: float = DEFAULT_DELISTING_RETURN

    def validated(self) -> PortfolioConfig:
        """This config, or a NexusError naming the bad field."""
        if not 0 < self.quantile <= 0.5:
            raise NexusError(f"quantile must be in (0, 0.5] so the long and short legs cannot overlap "
                             f"(got {self.quantile}); e.g. 0.2 for quintiles.")
        if self.weighting not in ("equal", "factor"):
            raise NexusError(f"weighting must be 'equal' or 'factor' (got {self.weighting!r}).")
        if not (math.isfinite(self.cost_bps) and self.cost_bps >= 0):
            raise NexusError(f"cost_bps must be a finite number >= 0 (got {self.cost_bps}).")
        if self.n_trials < 1:
            raise NexusError(f"n_trials must be >= 1 (got {self.n_trials}).")
        if not (math.isfinite(self.delisting_return) and self.delisting_return >= -1):
            raise NexusError(f"delisting_return must be a finite fraction >= -1 (got {self.delisting_return}); "
                             "e.g. -0.3 for the CRSP-literature default.")
        return self


@dataclass
class PortfolioResult:
    """What :func:`paper_trade` returns.

    returns : DataFrame indexed by trading day ``date`` (datetime64), columns :data:`STRATEGIES`;
        daily net returns (fractions, after costs; the benchmark pays none).
    gross_returns : same shape, before costs.
    turnover : DataFrame indexed by rebalance ``date`` (the panel month-end), columns :data:`STRATEGIES`;
        ``sum |w_target - w_drifted|`` at that rebalance (1.0 = 100 % of NAV traded).
    costs : same shape as ``turnover``; the cost charged, as a fraction of NAV.
    weights : long frame ``date, strategy, company_id, weight`` of the target weights at each rebalance.
    trade_dates : Series mapping each rebalance ``date`` to its entry trading day ``t*``.
    signals : names of the factors combined.
    config : the :class:`PortfolioConfig` used.
    delistings : :func:`nexus_graph.trading.delistings.delisting_events` of the universe's prices
        (every delisted name, held or not; ``delisting_return`` is what a holder earned).
    """

    returns: pd.DataFrame
    gross_returns: pd.DataFrame
    turnover: pd.DataFrame
    costs: pd.DataFrame
    weights: pd.DataFrame
    trade_dates: pd.Series
    signals: tuple[str, ...]
    config: PortfolioConfig = field(default_factory=PortfolioConfig)
    delistings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DELISTING_COLUMNS))

    def statistics(self, n_trials: int | None = None, sharpe_variance: float | None = None) -> dict[str, dict]:
        """Per-strategy statistics (see :func:`nexus_graph.trading.stats.performance_stats`)."""
        from nexus_graph.trading.stats import performance_stats

        trials = self.config.n_trials if n_trials is None else n_trials
        start = self.trade_dates.iloc[0] if len(self.trade_dates) else None
        return {
            name: performance_stats(
                self.returns[name], turnover=self.turnover[name], n_trials=trials,
                sharpe_variance=sharpe_variance, periods_per_year=self.config.periods_per_year,
                inception=start,
            )
            for name in STRATEGIES
        }


def composite_score(panels: Mapping[str, pd.Series]) -> pd.Series:
    """Mean of per-date cross-sectional z-scores of one or more factor panels.

    Each panel is a Series indexed by (date, company_id); NaN values are dropped. The result is
    indexed the same way (union of the panels' rows), named ``score``.
    """
    if not panels:
        raise NexusError("No factor panel was given; pass at least one signal's panel.")
    scores = []
    for name, panel in panels.items():
        if not isinstance(panel.index, pd.MultiIndex) or panel.index.nlevels != 2:
            raise NexusError(f"Factor panel {name!r} must be a Series indexed by (date, company_id) "
                             f"(got index levels {list(panel.index.names)}).")
        values = panel.astype(float).dropna()
        values.index = values.index.set_names(["date", "company_id"])
        values = values.rename(name)
        by_date = values.groupby(level="date")
        std = by_date.transform(lambda s: s.std(ddof=0))
        centred = values - by_date.transform("mean")
        # a constant cross-section carries no ranking information: z = 0, not NaN
        scores.append((centred / std.where(std > 0)).fillna(0.0))
    combined = pd.concat(scores, axis=1).mean(axis=1, skipna=True)
    return combined.rename("score").sort_index()


def leg_weights(scores: pd.Series, quantile: float, weighting: Weighting) -> tuple[pd.Series, pd.Series]:
    """Target weights of the long-only and the long-short book for one cross-section.

    ``scores`` is indexed by company_id (eligible names only). Returns two Series indexed by
    company_id: long-only (sums to 1) and long-short (long leg +1, short leg -1); empty when the
    date holds cash.
    """
    empty = pd.Series(dtype=float)
    n = len(scores)
    if n == 0 or scores.max() == scores.min():
        return empty, empty
    ordered = pd.DataFrame({"score": scores.to_numpy(), "company_id": scores.index.to_numpy()})
    ordered = ordered.sort_values(["score", "company_id"], ascending=[False, True], kind="mergesort")
    k = max(1, math.floor(quantile * n + 1e-9))
    top, bottom = ordered.iloc[:k], ordered.iloc[n - k:]
    median = float(np.median(scores.to_numpy()))

    def leg(rows: pd.DataFrame, distance: np.ndarray) -> pd.Series:
        raw = distance if weighting == "factor" and distance.sum() > 0 else np.ones(len(rows))
        return pd.Series(raw / raw.sum(), index=rows["company_id"].to_numpy())

    long_leg = leg(top, np.clip(top["score"].to_numpy() - median, 0, None))
    if n < 2 * k:
        return long_leg, empty
    short_leg = leg(bottom, np.clip(median - bottom["score"].to_numpy(), 0, None))
    return long_leg, pd.concat([long_leg, -short_leg])


def trade_calendar(dates: pd.DatetimeIndex, trading_days: pd.DatetimeIndex) -> pd.DataFrame:
    """Rebalance schedule: one row per kept rebalance ``date`` with rows ``entry`` and ``exit``.

    ``entry`` is the position in ``trading_days`` of ``t*`` (last trading day <= date); ``exit`` is
    the position of the last day held (the next rebalance's ``t*``, or for the last one the last
    trading day on or before the next calendar month-end).
    """
    dates = pd.DatetimeIndex(sorted(set(pd.to_datetime(dates))))
    entry = snapshot_positions(trading_days, dates)
    frame = pd.DataFrame({"date": dates, "entry": entry})
    frame = frame.loc[frame["entry"] >= 0].drop_duplicates("entry", keep="last").reset_index(drop=True)
    if frame.empty:
        return frame.assign(exit=pd.Series(dtype=int))
    last_date = frame["date"].iloc[-1]
    last_exit = int(snapshot_positions(trading_days, [last_date + pd.offsets.MonthEnd(1)])[0])
    frame["exit"] = [*frame["entry"].iloc[1:].tolist(), last_exit]
    return frame.loc[frame["exit"] > frame["entry"]].reset_index(drop=True)


@dataclass
class _Book:
    """Running state of one strategy: drifted weights and the per-day / per-rebalance records."""

    cost_rate: float
    drifted: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    gross: list[np.ndarray] = field(default_factory=list)
    net: list[np.ndarray] = field(default_factory=list)
    turnover: list[float] = field(default_factory=list)
    costs: list[float] = field(default_factory=list)

    def hold(self, target: pd.Series, growth: pd.DataFrame, gone: frozenset[str] = frozenset()) -> None:
        """Trade to ``target`` at the entry close, then buy-and-hold over ``growth`` (days x names).

        Names in ``gone`` were delisted during the period: their value is cash at its end.
        """
        traded = target.sub(self.drifted, fill_value=0.0).abs().sum()
        cost = self.cost_rate * float(traded)
        w = target.to_numpy(dtype=float)
        g = growth[target.index].to_numpy(dtype=float) if len(target) else np.ones((len(growth), 0))
        nav = (1.0 - w.sum()) + g @ w  # NAV per unit of NAV at entry; row 0 is the entry day (=1)
        gross = nav[1:] / nav[:-1] - 1.0
        net = gross.copy()
        net[0] = (1.0 - cost) * (1.0 + gross[0]) - 1.0  # the cost leaves NAV at the entry close
        held = ~target.index.isin(list(gone))
        self.drifted = pd.Series(w[held] * g[-1][held] / nav[-1], index=target.index[held])
        self.gross.append(gross)
        self.net.append(net)
        self.turnover.append(float(traded))
        self.costs.append(cost)


def paper_trade(
    panels: Mapping[str, pd.Series],
    prices: pd.DataFrame,
    config: PortfolioConfig | None = None,
    delisting_values: Mapping[str, float] | None = None,
) -> PortfolioResult:
    """Simulate the monthly rebalanced long-only, long-short and benchmark portfolios.

    Parameters
    ----------
    panels : mapping of signal name -> factor panel
        Each a Series indexed by (date, company_id), date = month-end (datetime64), higher = buy.
        Several panels are combined by averaging per-date cross-sectional z-scores.
    prices : DataFrame
        Canonical prices frame ``date, company_id, adj_close[, volume]``; trading days are the dates present.
    config : PortfolioConfig, optional
        Quantile, weighting, costs, universe, trials, default delisting return (see the module notes).
    delisting_values : mapping company_id -> delisting value, optional
        What a delisted name's holders received, in ``adj_close`` units (NaN or absent: unknown, the
        config's ``delisting_return`` applies). Names are found delisted from the prices themselves.

    Returns
    -------
    PortfolioResult
        Daily net and gross returns per strategy from the first day held after the first
        rebalance, turnover and costs per rebalance, and target weights.
    """
    config = (config or PortfolioConfig()).validated()
    close = close_matrix(prices)
    if config.universe is not None:
        members = list(config.universe)
        close = close.loc[:, close.columns.isin(members)]
        # z-scores are taken over the universe only: an out-of-universe name must not move them
        panels = {name: p.loc[p.index.get_level_values(-1).isin(members)] for name, p in panels.items()}
    score = composite_score(panels)
    if close.empty or score.empty:
        raise NexusError(f"Nothing to trade: {close.shape[1]} priced and {score.index.size} scored universe "
                         "rows. Check the factor names, the prices and the universe (equity companies).")
    events = delisting_events(close, delisting_values, config.delisting_return)
    filled = delisted_closes(close, events)
    last_day = dict(zip(events["company_id"], events["last_day"], strict=True))
    days = close.index
    schedule = trade_calendar(score.index.get_level_values("date").unique(), days)
    if schedule.empty:
        raise NexusError(f"No rebalance date of the panel ({score.index.get_level_values('date').min().date()} .. "
                         f"{score.index.get_level_values('date').max().date()}) has trading days after it in the "
                         f"prices ({days.min().date()} .. {days.max().date()}).")
    rate = config.cost_bps / 1e4
    books = {"long_only": _Book(rate), "long_short": _Book(rate), "benchmark": _Book(0.0)}
    held_days: list[pd.DatetimeIndex] = []
    weight_rows: list[pd.DataFrame] = []
    by_date = score.groupby(level="date")
    for date, entry, exit_ in schedule.itertuples(index=False, name=None):
        at_entry = close.iloc[entry]
        priced = at_entry.index[at_entry.notna()]
        cross = by_date.get_group(date).droplevel("date") if date in by_date.groups else score.iloc[:0]
        cross = cross.loc[cross.index.isin(priced)]
        long_only, long_short = leg_weights(cross, config.quantile, config.weighting)
        bench = pd.Series(1.0 / len(priced), index=priced) if len(priced) else pd.Series(dtype=float)
        growth = filled.iloc[entry : exit_ + 1] / filled.iloc[entry]
        gone = frozenset(c for c in priced if c in last_day and last_day[c] < days[exit_])
        for name, target in (("long_only", long_only), ("long_short", long_short), ("benchmark", bench)):
            books[name].hold(target, growth, gone)
            weight_rows.append(pd.DataFrame({"date": date, "strategy": name, "company_id": target.index.astype(str),
                                             "weight": target.to_numpy(dtype=float)}))
        held_days.append(days[entry + 1 : exit_ + 1])
    index = pd.DatetimeIndex(np.concatenate([d.to_numpy() for d in held_days]), name="date")
    rebalances = pd.DatetimeIndex(schedule["date"], name="date")

    def frame(attr: str, idx: pd.DatetimeIndex) -> pd.DataFrame:
        def column(book: _Book) -> np.ndarray:
            values = getattr(book, attr)
            return np.concatenate(values) if attr in ("gross", "net") else np.asarray(values)

        return pd.DataFrame({name: column(books[name]) for name in STRATEGIES}, index=idx)

    return PortfolioResult(
        returns=frame("net", index),
        gross_returns=frame("gross", index),
        turnover=frame("turnover", rebalances),
        costs=frame("costs", rebalances),
        weights=pd.concat(weight_rows, ignore_index=True),
        trade_dates=pd.Series(days[schedule["entry"].to_numpy()], index=rebalances, name="trade_date"),
        signals=tuple(panels),
        config=replace(config),
        delistings=events,
    )
