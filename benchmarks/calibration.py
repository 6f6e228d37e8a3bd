"""Calibration of the IC tests and the decision rules: size (false positives) and power.

    python -m benchmarks.calibration [--panels 1000] [--seed 1] [--json FILE]

Simulates panels like the demo (140 names, 58 month-ends 2021-06-30..2026-03-31, business-day prices
to 2026-04-24). Daily log returns are a market part (s.d. 1 %) plus an idiosyncratic part (s.d. 2 %)
plus **one planted daily effect**: on every trading day each name earns ``b * z``, ``z`` its factor
value at the latest snapshot whose entry close is before that day (known at the previous close).
Nothing is planted per horizon: a 63- or 126-day forward return collects the effect of the factor
values of the months it spans, so an iid factor (fresh every month) shows its effect at 21 days and
a diluted one later, while a persistent AR(1) factor (rho = 0.9) carries it to the long horizons. ``b``
is set so the expected 21-day Spearman IC is the planted level (0 = the null, then 0.02, 0.05, 0.10):
Pearson ``2 sin(pi IC / 6)`` for Gaussian margins over 21 days of 2 % noise.

Reported, per factor kind and planted level:

* the verdicts of the two decision rules of :mod:`nexus_graph.evaluation.decision` -- ``holm``
  (default) and ``seed`` -- run by the package's own ``decide`` on each panel's summary table
  (M = 400): the share of panels not NULL (at level 0: the false-positive rate, the *size*) and ALPHA;
* per horizon, the share where that horizon counts as evidence under the rule (``holm``: Holm-adjusted
  robust p <= 5 % across the three horizons; ``seed``: robust |t| >= 2) and where it clears the rule's
  ALPHA bars (``holm``: robust t over its bar AND plain t over the HLZ bar; ``seed``: robust bar);
* the per-test false-positive rate and power (at 0.05) of the four t-tests compared in ``stats.py``.

One panel is also run through the package's pipeline (prices frame -> forward returns -> IC) to
check that the vectorised fast path computes the same ICs. 1000 panels take about a minute.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from nexus_graph.evaluation import stats
from nexus_graph.evaluation.decision import ALPHA, NULL, decide, horizon_holm_p
from nexus_graph.evaluation.ic import information_coefficient
from nexus_graph.evaluation.returns import forward_returns, snapshot_positions

NAMES = 140
HORIZONS = (21, 63, 126)
RHO = 0.9
MARKET_SD, IDIO_SD = 0.01, 0.02
LEVELS = (0.0, 0.02, 0.05, 0.10)  # planted expected 21-day Spearman IC; 0 = the null
METHOD_LEVEL = 0.05
FACTORS = ("iid", "AR")
RULES = ("holm", "seed")
M = stats.DEFAULT_TESTS
BATCH = 50
METHODS = ("plain t, t(N-1)", "Newey-West k-1 lags, normal", "non-overlapping, t(N/k-1)", "EWC, t(nu)  [chosen]")


def calendar() -> tuple[pd.DatetimeIndex, pd.DatetimeIndex, np.ndarray]:
    """Business days, month-end snapshots and the trading-day row of each snapshot."""
    days = pd.bdate_range("2021-06-01", "2026-04-24")
    snaps = pd.date_range("2021-06-30", "2026-03-31", freq="ME")
    return days, snaps, snapshot_positions(days, snaps)


def effect_per_day(ic: float, days: int = stats.PERIOD_DAYS) -> float:
    """Daily effect ``b`` per unit of factor giving an expected Spearman IC ``ic`` over ``days`` days."""
    pearson = 2 * np.sin(np.pi * ic / 6)
    return float(pearson * IDIO_SD / (np.sqrt(days) * np.sqrt(1 - pearson**2)))


def centred_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks along the last axis minus their mean (continuous data: no ties)."""
    r = x.argsort(-1).argsort(-1).astype(float)
    return r - r.mean(-1, keepdims=True)


def rank_corr(x: np.ndarray, y: np.ndarray, x_ranked: bool = False) -> np.ndarray:
    """Spearman correlation along the last axis; ``x_ranked``: ``x`` is already :func:`centred_ranks`."""
    rx = x if x_ranked else centred_ranks(x)
    ry = centred_ranks(y)
    return (rx * ry).sum(-1) / np.sqrt((rx**2).sum(-1) * (ry**2).sum(-1))


def factors(rng: np.random.Generator, batch: int, dates: int) -> dict[str, np.ndarray]:
    """An iid and an AR(1) factor, (batch, dates, names), unit variance."""
    iid = rng.normal(size=(batch, dates, NAMES))
    shocks = rng.normal(size=(batch, dates, NAMES))
    ar = np.empty_like(iid)
    ar[:, 0] = iid[:, 0]
    for t in range(1, dates):
        ar[:, t] = RHO * ar[:, t - 1] + np.sqrt(1 - RHO**2) * shocks[:, t]
    return {"iid": iid, "AR": ar}


def cumulative_exposure(fac: np.ndarray, pos: np.ndarray, days: int) -> np.ndarray:
    """Running sum over days of the factor in force: day d uses the latest snapshot with pos <= d - 1."""
    which = np.searchsorted(pos, np.arange(days) - 1, side="right") - 1
    exposure = np.where((which >= 0)[None, :, None], fac[:, np.clip(which, 0, None)], 0.0)
    return np.cumsum(exposure, axis=1)


def log_prices(rng: np.random.Generator, batch: int, days: int) -> np.ndarray:
    """Cumulative log returns without the effect: market plus idiosyncratic noise, (batch, days, names)."""
    return np.cumsum(rng.normal(0, MARKET_SD, (batch, days, 1)) + rng.normal(0, IDIO_SD, (batch, days, NAMES)),
                     axis=1)


def simulate(rng: np.random.Generator, batch: int, days: int, pos: np.ndarray) -> tuple[dict, dict]:
    """IC series per (factor, level, horizon) for one batch, and the arrays that made them (for the probe)."""
    noise = log_prices(rng, batch, days)
    facs = factors(rng, batch, len(pos))
    exposure = {name: cumulative_exposure(f, pos, days) for name, f in facs.items()}
    out: dict[tuple[str, float, int], np.ndarray] = {}
    for h in HORIZONS:
        ok = pos + h < days
        start, end = pos[ok], pos[ok] + h
        base = noise[:, end] - noise[:, start]
        for name, f in facs.items():
            planted = exposure[name][:, end] - exposure[name][:, start]
            ranked = centred_ranks(f[:, ok])
            for level in LEVELS:
                out[(name, level, h)] = rank_corr(ranked, base + effect_per_day(level) * planted, x_ranked=True)
    return out, {"noise": noise, "facs": facs, "exposure": exposure}


def check_against_package(arrays: dict, days: pd.DatetimeIndex, snaps: pd.DatetimeIndex,
                          ics: dict[tuple[str, float, int], np.ndarray]) -> float:
    """Largest gap between the fast ICs of panel 0 (AR, level 0.05) and the package's pipeline (~0)."""
    level = METHOD_LEVEL
    log_p = arrays["noise"][0] + effect_per_day(level) * arrays["exposure"]["AR"][0]
    ids = [f"C{i:03d}" for i in range(NAMES)]
    prices = pd.DataFrame({"date": np.repeat(days.to_numpy(), NAMES), "company_id": np.tile(ids, len(days)),
                           "adj_close": np.exp(log_p).reshape(-1)})
    index = pd.MultiIndex.from_product([snaps, ids], names=["date", "company_id"])
    panel = pd.Series(arrays["facs"]["AR"][0].reshape(-1), index=index, name="f")
    ic = information_coefficient(panel, forward_returns(prices, snaps, HORIZONS))
    return max(float(np.nanmax(np.abs(ic[h].dropna().to_numpy() - ics[("AR", level, h)][0]))) for h in HORIZONS)


def method_rejections(ic: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """Per t-test of ``stats.py``, which panels reject at nominal 5 % two-sided; ``ic`` is (panels, N)."""
    n, k = ic.shape[1], stats.overlap_periods(horizon)
    t, _ = stats.t_statistic(ic)
    nw = np.array([stats.newey_west_t(row, k - 1) for row in ic])
    _, p_sub = stats.t_statistic(ic[:, ::k])
    _, p_ewc = stats.ewc_t(ic, stats.ewc_dof(n, k))
    return {METHODS[0]: np.abs(t) > sps.t.isf(0.025, n - 1), METHODS[1]: np.abs(nw) > sps.norm.isf(0.025),
            METHODS[2]: p_sub < 0.05, METHODS[3]: p_ewc < 0.05}


def horizon_figures(ics: dict[int, np.ndarray]) -> pd.DataFrame:
    """The summary-table columns the rules read, for every panel: index (panel, horizon)."""
    parts = []
    for h, ic in ics.items():
        n, k = ic.shape[1], stats.overlap_periods(h)
        nu = stats.ewc_dof(n, k)
        t, _ = stats.t_statistic(ic)
        rt, rp = stats.ewc_t(ic, nu)
        parts.append(pd.DataFrame({"panel": np.arange(len(ic)), "horizon": h, "n": n, "mean_ic": ic.mean(-1),
                                   "t": t, "robust_t": rt, "robust_p": rp, "hlz_bar": stats.hlz_bar(n, M),
                                   "robust_bar": float(sps.t.isf(stats.ALPHA / (2 * M), nu)), "m": M}))
    return pd.concat(parts).set_index(["panel", "horizon"]).sort_index()


@contextmanager
def no_gc_collect() -> Iterator[None]:
    """statsmodels' Holm calls ``gc.collect()`` on every call; thousands of calls do not need it."""
    collect = gc.collect
    gc.collect = lambda *args: 0  # type: ignore[assignment]
    try:
        yield
    finally:
        gc.collect = collect


def rule_rates(ics: dict[int, np.ndarray]) -> dict[str, dict[str, float]]:
    """Per rule: share of panels not NULL, ALPHA, and per horizon 'evidence' and 'alpha bar' shares."""
    figures = horizon_figures(ics)
    out: dict[str, dict[str, float]] = {}
    counts = {rule: {} for rule in RULES}
    tables = [table.droplevel("panel") for _, table in figures.groupby(level="panel", sort=True)]
    with no_gc_collect():
        for table in tables:
            holm = horizon_holm_p(table)
            evidence = {"holm": holm <= 0.05, "seed": table["robust_t"].abs() >= 2.0}
            bars = {"holm": (table["robust_t"].abs() >= table["robust_bar"]) & (table["t"].abs() >= table["hlz_bar"]),
                    "seed": table["robust_t"].abs() >= table["robust_bar"]}
            for rule in RULES:
                verdict = decide(table, rule).verdict
                c = counts[rule]
                c["not NULL"] = c.get("not NULL", 0) + (verdict != NULL)
                c["ALPHA"] = c.get("ALPHA", 0) + (verdict == ALPHA)
                for h in HORIZONS:
                    c[f"evidence {h}"] = c.get(f"evidence {h}", 0) + bool(evidence[rule][h])
                    c[f"alpha bar {h}"] = c.get(f"alpha bar {h}", 0) + bool(bars[rule][h])
    for rule, c in counts.items():
        out[rule] = {key: value / len(tables) for key, value in c.items()}
    return out


def print_rule_table(rates: dict, n_panels: int) -> None:
    """The size / power table of the two rules, one block per factor kind."""
    se = np.sqrt(0.05 * 0.95 / n_panels)
    print(f"\nDecision rules (M = {M}); columns: planted 21-day IC (0 = null: size); "
          f"Monte Carlo s.e. of a 5% rate = {se:.3f}")
    rows = ["not NULL", "ALPHA", *[f"evidence {h}" for h in HORIZONS], *[f"alpha bar {h}" for h in HORIZONS]]
    for name in FACTORS:
        print(f"\n{name} factor" + " " * 22 + "".join(f"{'IC ' + format(lv, 'g'):>10s}" for lv in LEVELS))
        for rule in RULES:
            for row in rows:
                label = f"{rule:5s} {row}"
                print(f"  {label:32s}" + "".join(f"{rates[(name, lv)][rule][row]:10.3f}" for lv in LEVELS))


def print_method_table(method_rates: dict) -> None:
    """False-positive rate and power at :data:`METHOD_LEVEL` of the four t-tests per horizon."""
    columns = [(f, h) for f in FACTORS for h in HORIZONS]
    header = f"{'':30s}" + "".join(f"{f + ' ' + str(h):>9s}" for f, h in columns)
    titles = {0.0: "per-test false-positive rate (nominal 5%)", METHOD_LEVEL: f"per-test power at IC {METHOD_LEVEL}"}
    for level, title in titles.items():
        print(f"\n{title}\n{header}")
        for method in METHODS:
            print(f"{method:30s}" + "".join(f"{method_rates[(f, level, h)][method]:9.3f}" for f, h in columns))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panels", type=int, default=1000, help="simulated panels per factor (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the rates as JSON here")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    days, snaps, pos = calendar()
    started = time.perf_counter()
    chunks: dict[tuple[str, float, int], list[np.ndarray]] = {}
    gap = float("nan")
    for first in range(0, args.panels, BATCH):
        batch = min(BATCH, args.panels - first)
        out, arrays = simulate(rng, batch, len(days), pos)
        if first == 0:
            gap = check_against_package(arrays, days, snaps, out)
        del arrays
        for key, value in out.items():
            chunks.setdefault(key, []).append(value)
    simulated = time.perf_counter() - started
    ics = {key: np.concatenate(value) for key, value in chunks.items()}

    rates = {(f, lv): rule_rates({h: ics[(f, lv, h)] for h in HORIZONS}) for f in FACTORS for lv in LEVELS}
    method_rates = {(f, lv, h): {m: float(r.mean()) for m, r in method_rejections(ics[(f, lv, h)], h).items()}
                    for f in FACTORS for lv in (0.0, METHOD_LEVEL) for h in HORIZONS}
    elapsed = time.perf_counter() - started

    n_by_h = {h: ics[("iid", 0.0, h)].shape[1] for h in HORIZONS}
    print(f"{args.panels} panels x 2 factors x {len(LEVELS)} levels, {NAMES} names, {len(snaps)} month-ends, "
          f"N = {', '.join(str(n_by_h[h]) for h in HORIZONS)} at {', '.join(map(str, HORIZONS))} days; "
          f"nu (EWC) = {', '.join(str(stats.ewc_dof(n_by_h[h], stats.overlap_periods(h))) for h in HORIZONS)}; "
          f"one planted daily effect")
    print_rule_table(rates, args.panels)
    print_method_table(method_rates)
    planted = {f"{f} {lv:g} {h}": float(ics[(f, lv, h)].mean()) for f in FACTORS for lv in LEVELS for h in HORIZONS}
    print("\nrealised mean IC (factor, planted level: 21 / 63 / 126 d):")
    for f in FACTORS:
        print("  " + "; ".join(f"{f} {lv:g}: " + " / ".join(f"{planted[f'{f} {lv:g} {h}']:.3f}" for h in HORIZONS)
                               for lv in LEVELS))
    print(f"\nvectorised IC vs package pipeline, largest gap on one panel: {gap:.1e}")
    print(f"simulation {simulated:.1f} s, tests and decisions {elapsed - simulated:.1f} s")
    size = max(rates[(f, 0.0)]["holm"]["not NULL"] for f in FACTORS)
    print(f"rule holm: null factor not NULL in at most {size:.1%} of panels (target ~5%)")
    if args.json:
        args.json.write_text(json.dumps({
            "panels": args.panels, "seed": args.seed, "seconds": elapsed, "planted_mean_ic": planted,
            "rules": {f"{f} {lv:g}": rates[(f, lv)] for f in FACTORS for lv in LEVELS},
            "methods": {f"{f} {lv:g} {h}": method_rates[(f, lv, h)] for f, lv, h in method_rates},
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
