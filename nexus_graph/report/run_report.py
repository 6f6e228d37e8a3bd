"""The run report: one folder with ``report.md``, PNG plots and ``report.json`` (the numbers behind them).

Input contracts (every argument may be None: its section then says "Not run."):

* ``training``: ``{"curve": [{"epoch", "loss", "val_auc"}, ...], <scalars>}``; a numeric ``min_auc``
  (or ``gate``) is drawn as the gate line; other scalars (params, seconds, device, passed, ...) are
  listed as facts.
* ``validation``: ``{"checks": [{"name" or "check": str, "passed": bool, <other figures>}, ...],
  <scalars>}``; scalars (rows, dim, component_std_median, degenerate, passed, ...) are listed as facts.
* ``evaluation``: ``{"ic": DataFrame (date x horizon), "summary": [per-horizon dicts with horizon, n,
  mean_ic, ic_std, t, robust_t, bar (or hlz_bar), passed (or passes), ...], "verdict": str,
  "reasons": [str], "factor": str (optional)}``.
* ``portfolio``: a :class:`~nexus_graph.trading.portfolio.PortfolioResult`.
* ``extra``: free scalars shown at the end (run id, data fingerprint, timings...).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from nexus_graph.report import plots
from nexus_graph.report.markdown import NOT_RUN, facts, num, pct, table, verdict_mark
from nexus_graph.report.run_files import frame_to_json, jsonable
from nexus_graph.trading.portfolio import STRATEGIES, STRATEGY_LABELS, PortfolioResult
from nexus_graph.trading.stats import drawdown, wealth

PLOT_FILES = ("training_curve.png", "ic_per_date.png", "cumulative_ic.png", "equity_curve.png", "turnover.png")
SUMMARY_COLUMNS = (  # (header, keys tried in order, formatter)
    ("horizon (days)", ("horizon",), lambda v: num(v)),
    ("N", ("n",), lambda v: num(v)),
    ("mean IC", ("mean_ic",), lambda v: num(v, 4)),
    ("IC std", ("ic_std",), lambda v: num(v, 4)),
    ("t", ("t",), lambda v: num(v, 2)),
    ("NW t", ("nw_t",), lambda v: num(v, 2)),
    ("robust t", ("robust_t",), lambda v: num(v, 2)),
    ("bar |t|", ("bar", "hlz_bar"), lambda v: num(v, 3)),
    ("robust bar", ("robust_bar",), lambda v: num(v, 3)),
    ("robust p", ("robust_p",), lambda v: num(v, 4)),
    ("horizon Holm p", ("horizon_holm_p",), lambda v: num(v, 4)),
    ("Holm p (M)", ("holm_p",), lambda v: num(v, 4)),
    ("BHY p (M)", ("bhy_p",), lambda v: num(v, 4)),
    ("result", ("passed", "passes"), verdict_mark),
)


def _training(training: Mapping[str, Any], out: Path, synthetic: bool) -> tuple[list[str], dict, list[str]]:
    # the trainer's CurvePoint dataclasses or plain dicts: both read as dicts
    curve = [asdict(p) if is_dataclass(p) and not isinstance(p, type) else dict(p) for p in training.get("curve") or []]
    scalars = {k: v for k, v in training.items() if k != "curve"}
    lines = [facts(scalars)] if facts(scalars) else []
    shown = []
    if curve:
        gate = next((training[k] for k in ("min_auc", "gate_auc", "gate") if isinstance(training.get(k), int | float)
                     and not isinstance(training.get(k), bool)), None)
        plots.plot_training_curve(curve, out / "training_curve.png", synthetic=synthetic, gate=gate)
        shown.append("training_curve.png")
        lines += ["", "![Training loss and validation AUC](training_curve.png)", "",
                  table(["epoch", "training loss (BCE)", "validation ROC-AUC"],
                        [(num(p.get("epoch")), num(p.get("loss"), 4), num(p.get("val_auc"), 4)) for p in curve])]
    else:
        lines += ["", "_No training curve was recorded._"]
    return lines, {"status": "ok", **jsonable({**training, "curve": curve})}, shown


def _validation(validation: Mapping[str, Any]) -> tuple[list[str], dict]:
    checks = list(validation.get("checks") or [])
    scalars = {k: v for k, v in validation.items() if k != "checks"}
    lines = [facts(scalars)] if facts(scalars) else []
    if checks:
        keys: list[str] = []
        for check in checks:
            keys += [k for k in check if k not in keys and k not in ("name", "check", "passed")]
        passed = sum(bool(c.get("passed")) for c in checks)
        lines += ["", f"**{passed} of {len(checks)} checks passed.**", "",
                  table(["check", *keys, "result"],
                        [(c.get("name", c.get("check", "")), *(num(c.get(k), 4) for k in keys),
                          verdict_mark(c.get("passed"))) for c in checks])]
    else:
        lines += ["", "_No checks were recorded._"]
    return lines, {"status": "ok", **jsonable(validation)}


def _evaluation(evaluation: Mapping[str, Any], out: Path, synthetic: bool) -> tuple[list[str], dict, list[str]]:
    summary = list(evaluation.get("summary") or [])
    lines: list[str] = []
    if evaluation.get("factor"):
        lines.append(f"Factor: **{evaluation['factor']}**")
    if evaluation.get("verdict"):
        label = " (LOOK-AHEAD)" if evaluation.get("look_ahead") else ""
        rule = f" · decision rule `{evaluation['rule']}`" if evaluation.get("rule") else ""
        lines += ["", f"Verdict: **{evaluation['verdict']}**{label}{rule}"]
    lines += [f"- {reason}" for reason in evaluation.get("reasons") or []]
    if evaluation.get("family"):
        lines += ["", str(evaluation["family"])]
    if evaluation.get("m") is not None:
        lines += ["", f"M = {evaluation['m']} is also the N of the deflated Sharpe ratio (every trial made)."]
    if summary:
        columns = [c for c in SUMMARY_COLUMNS if any(any(k in row for k in c[1]) for row in summary)]

        def value(row: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
            return next((row[k] for k in keys if k in row), None)

        lines += ["", table([c[0] for c in columns], [[c[2](value(row, c[1])) for c in columns] for row in summary])]
    shown = []
    ic = evaluation.get("ic")
    if ic is not None and len(ic):
        plots.plot_ic_per_date(ic, out / "ic_per_date.png", synthetic=synthetic, summary=summary)
        plots.plot_cumulative_ic(ic, out / "cumulative_ic.png", synthetic=synthetic)
        shown += ["ic_per_date.png", "cumulative_ic.png"]
        lines += ["", "![IC per rebalance date](ic_per_date.png)", "", "![Cumulative IC](cumulative_ic.png)"]
    payload = {"status": "ok", **{k: jsonable(v) for k, v in evaluation.items() if k != "ic"}}
    if ic is not None:
        payload["ic"] = frame_to_json(ic)
    return lines, payload, shown


def _delistings(result: PortfolioResult) -> list[str]:
    """The delistings paragraph: each delisted name with its return and where it came from."""
    events = result.delistings
    default = f"{result.config.delisting_return:+.0%}"
    if events is None or events.empty:
        return [f"Delistings: none in the prices (a delisted name would earn its delisting value, or {default} "
                "when unknown, and leave the book)."]
    return [f"Delistings: {len(events)} name(s); a holder earns the return to its delisting value, or {default} "
            "when unknown (Shumway 1997), and the position becomes cash.", "",
            table(["company", "last close day", "booked on", "last close", "delisting return", "source"],
                  [(r.company_id, f"{pd.Timestamp(r.last_day):%Y-%m-%d}", f"{pd.Timestamp(r.delisting_day):%Y-%m-%d}",
                    num(r.last_close, 2), pct(r.delisting_return), r.source)
                   for r in events.itertuples(index=False)])]


def _portfolio(result: PortfolioResult, out: Path, synthetic: bool,
               notes: list[str] | None = None) -> tuple[list[str], dict, list[str]]:
    stats = result.statistics()
    cfg = result.config
    universe = f"{len(cfg.universe)} names" if cfg.universe is not None else "every priced company"
    lines = [f"> **{note}**" for note in notes or []] + ([""] if notes else []) + [
        f"Signals: **{', '.join(result.signals)}** · quantile {cfg.quantile:g} · {cfg.weighting}-weighted · "
        f"costs {cfg.cost_bps:g} bps of traded notional · universe: {universe} · {len(result.turnover)} monthly "
        f"rebalances, {len(result.returns)} trading days held ({stats['benchmark']['start']} → "
        f"{stats['benchmark']['end']}) · deflated Sharpe over N = {cfg.n_trials} trial(s) (the multiple-testing "
        "family: every test in the registry, at least the configured 400).",
        "",
        table(["strategy", "CAGR", "ann. vol", "Sharpe", "max DD", "DD peak", "DD trough", "recovered",
               "turnover / rebalance", "deflated Sharpe"],
              [(STRATEGY_LABELS[name], pct(s["cagr"]), pct(s["annual_volatility"]).lstrip("+"), num(s["sharpe"]),
                pct(s["max_drawdown"]), s["max_drawdown_peak"] or "–", s["max_drawdown_trough"] or "–",
                s["max_drawdown_recovery"] or "not yet", pct(s.get("turnover_per_rebalance"), 0).lstrip("+"),
                num(s["deflated_sharpe"], 3)) for name, s in stats.items()]),
        "",
        "Positions are decided at each month-end from the factor and closes known then, entered at that "
        "close and held from the next trading day; costs are charged on the first day held; the benchmark "
        "pays none. Turnover / rebalance excludes the initial build from cash. The deflated Sharpe is the "
        "probability that the true Sharpe beats the best of N unskilled trials (Bailey & López de Prado 2014).",
        "",
        *_delistings(result),
    ]
    plots.plot_equity_curve(result.returns, out / "equity_curve.png", synthetic=synthetic, statistics=stats)
    plots.plot_turnover(result.turnover[["long_only", "long_short"]], out / "turnover.png", synthetic=synthetic)
    lines += ["", "![Equity curve and drawdown](equity_curve.png)", "", "![Turnover per rebalance](turnover.png)"]
    payload = {
        "status": "ok", "signals": list(result.signals),
        "config": {"quantile": cfg.quantile, "weighting": cfg.weighting, "cost_bps": cfg.cost_bps,
                   "n_trials": cfg.n_trials, "universe_size": len(cfg.universe) if cfg.universe else None},
        "statistics": jsonable(stats), "notes": list(notes or []),
        "delistings": jsonable(result.delistings.to_dict(orient="records")),
        "wealth": frame_to_json(result.returns.apply(wealth)),
        "drawdown": frame_to_json(result.returns.apply(drawdown)),
        "turnover": frame_to_json(result.turnover),
        "costs": frame_to_json(result.costs),
    }
    return lines, payload, ["equity_curve.png", "turnover.png"]


def write_run_report(
    out_dir: Path,
    *,
    synthetic: bool,
    title: str,
    training: Mapping[str, Any] | None = None,
    validation: Mapping[str, Any] | None = None,
    evaluation: Mapping[str, Any] | None = None,
    portfolio: PortfolioResult | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``report.md``, the PNG plots and ``report.json`` into ``out_dir``; return the ``report.md`` path.

    See the module notes for each argument's contract. Plots left over from an earlier report in
    the same folder are removed first, so every PNG in the folder belongs to this report.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in PLOT_FILES:
        (out / name).unlink(missing_ok=True)
    label = f"{plots.SYNTHETIC_LABEL} — " if synthetic else ""
    banner = (f"> **{plots.SYNTHETIC_LABEL}.** Every figure on this page comes from generated data; it shows "
              "what the pipeline does, not how any market behaved.") if synthetic else ""
    generated = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    md = [f"# {label}{title}", ""] + ([banner, ""] if banner else []) + [f"Generated {generated}.", ""]
    payload: dict[str, Any] = {"title": title, "synthetic": synthetic, "generated_at": generated, "sections": {}}
    made: list[str] = []

    sections: list[tuple[str, str, Any, Callable[[Any], tuple[list[str], dict, list[str]]]]] = [
        ("training", "1. Training (HGT link prediction)", training, lambda t: _training(t, out, synthetic)),
        ("validation", "2. Embedding validation", validation, lambda v: (*_validation(v), [])),
        ("evaluation", "3. Factor evaluation (IC by horizon)", evaluation, lambda e: _evaluation(e, out, synthetic)),
        ("portfolio", "4. Paper trade", portfolio,
         lambda r: _portfolio(r, out, synthetic, list((extra or {}).get("paper_trade_notes") or []))),
    ]
    for number, (key, heading, given, build) in enumerate(sections):
        md += ([""] if number else []) + [f"## {heading}", ""]
        if given is None:
            md.append(NOT_RUN)
            payload["sections"][key] = {"status": "not run"}
            continue
        lines, payload["sections"][key], shown = build(given)
        md += lines
        made += shown
    if extra:
        md += ["", "## Run details", "", facts(extra)]
        payload["extra"] = jsonable(extra)
    if banner:
        md += ["", "---", "", banner]
    payload["plots"] = made
    (out / "report.md").write_text("\n".join(md).rstrip() + "\n", encoding="utf-8")
    (out / "report.json").write_text(json.dumps(payload, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return out / "report.md"


__all__ = ["PLOT_FILES", "STRATEGIES", "write_run_report"]
