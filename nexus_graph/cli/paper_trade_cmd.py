"""``nexus-graph paper-trade``: monthly rebalanced portfolios on registered alphas (or named factors)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from nexus_graph.cli.common import console, open_store, print_json, progress
from nexus_graph.errors import NexusError

ORDER = 90

STAT_ROWS = (  # (label, key, format): one row per figure, one column per strategy (fits 80 columns)
    ("CAGR", "cagr", "{:+.2%}"),
    ("annualised volatility", "annual_volatility", "{:.2%}"),
    ("Sharpe (rf = 0)", "sharpe", "{:.3f}"),
    ("max drawdown", "max_drawdown", "{:.2%}"),
    ("  peak", "max_drawdown_peak", "{}"),
    ("  trough", "max_drawdown_trough", "{}"),
    ("  recovered", "max_drawdown_recovery", "{}"),
    ("total return", "total_return", "{:+.2%}"),
    ("turnover / rebalance", "turnover_per_rebalance", "{:.0%}"),
    ("turnover / year", "annual_turnover", "{:.0%}"),
    ("deflated Sharpe", "deflated_sharpe", "{:.3f}"),
)
COLUMN_LABELS = {"long_only": "long-only", "long_short": "long-short", "benchmark": "benchmark"}


def run_fingerprint(panels: Mapping[str, Any], prices: Any, config: Any, model_version: str | None) -> str:
    """A stable id for the same signals, data and settings: ``pt-`` + 16 hex digits of a SHA-256."""
    import pandas as pd

    digest = hashlib.sha256()
    for name in sorted(panels):
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(panels[name].sort_index(), index=True).to_numpy().tobytes())
    frame = prices[["date", "company_id", "adj_close"]].sort_values(["company_id", "date"])
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    settings = {"quantile": config.quantile, "weighting": config.weighting, "cost_bps": config.cost_bps,
                "n_trials": config.n_trials, "model_version": model_version,
                "universe": sorted(config.universe) if config.universe is not None else None}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return "pt-" + digest.hexdigest()[:16]


def run_record(run_id: str, result: Any, stats: Mapping[str, Mapping[str, Any]],
               model_version: str | None) -> dict[str, Any]:
    """The properties of the ``(:PaperTradeRun)`` node: settings and headline figures per strategy."""
    keep = ("cagr", "annual_volatility", "sharpe", "max_drawdown", "max_drawdown_peak", "max_drawdown_trough",
            "turnover_per_rebalance", "deflated_sharpe")
    cfg = result.config
    bench = stats["benchmark"]
    return {
        "id": run_id, "signals": list(result.signals), "model_version": model_version, "quantile": cfg.quantile,
        "weighting": cfg.weighting, "cost_bps": cfg.cost_bps, "n_trials": cfg.n_trials,
        "rebalances": len(result.turnover), "start": bench["start"], "end": bench["end"], "days": bench["days"],
        **{name: {k: stats[name].get(k) for k in keep} for name in stats},
    }


def _cell(row: Mapping[str, Any], key: str, pattern: str) -> str:
    """One figure formatted; a drawdown not recovered yet says so."""
    value = row.get(key)
    if value is None or (isinstance(value, float) and value != value):
        return "not yet" if key == "max_drawdown_recovery" and row.get("max_drawdown_trough") else "–"
    return pattern.format(value)


def print_statistics(stats: Mapping[str, Mapping[str, Any]], result: Any, run_id: str) -> None:
    """The statistics table (rows: figures; columns: long-only, long-short, benchmark) with rich."""
    from rich.table import Table

    cfg = result.config
    table = Table(title=f"Paper trade {run_id}: {', '.join(result.signals)}\nquantile {cfg.quantile:g} · "
                        f"{cfg.weighting}-weighted · costs {cfg.cost_bps:g} bps", title_justify="left")
    table.add_column("")
    for name in stats:
        table.add_column(COLUMN_LABELS.get(name, name), justify="right")
    for label, key, fmt in STAT_ROWS:
        table.add_row(label, *(_cell(row, key, fmt) for row in stats.values()))
    console.print(table)
    bench = stats["benchmark"]
    console.print(f"{len(result.turnover)} monthly rebalances, {bench['days']} trading days held "
                  f"({bench['start']} → {bench['end']}); deflated Sharpe over N = {cfg.n_trials} trial(s); "
                  "turnover excludes the initial build; the benchmark (equal-weighted universe) pays no costs.",
                  highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("paper-trade")
    def paper_trade_command(
        signal: list[str] = typer.Option(None, "--signal", help="Factor to trade (repeatable; several are combined "
                                         "by averaging cross-sectional z-scores). Default: the registered alphas."),
        model_version: str = typer.Option(None, "--model-version", help="Model version of the factors (default: the "
                                          "only one stored)."),
        quantile: float = typer.Option(0.2, "--quantile", help="Fraction of names in each leg, in (0, 0.5]."),
        weighting: str = typer.Option("equal", "--weighting", help="equal | factor (proportional to the score's "
                                      "distance from the cross-sectional median)."),
        cost_bps: float = typer.Option(10.0, "--cost-bps", help="Cost in basis points of traded notional."),
        trials: int = typer.Option(None, "--trials", help="N for the deflated Sharpe (default: signals tested in "
                                   "the registry)."),
        prices_path: Path = typer.Option(None, "--prices", help="Prices Parquet file (default: the loaded prices)."),
        report_dir: Path = typer.Option(None, "--report-dir", help="Run folder: writes portfolio.json there and the "
                                        "report into DIR/report (see `nexus-graph report`)."),
        synthetic: bool = typer.Option(False, "--synthetic", help="Label the report SYNTHETIC DATA (demo data)."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary instead of the table."),
    ) -> None:
        """Paper-trade factors: monthly long-only / long-short portfolios against the equal-weighted universe.

        Long-only holds the top quantile, long-short the top minus the bottom, over the equity universe,
        decided at each month-end with only what was known then and held from the next trading day.
        Prints CAGR, volatility, Sharpe, max drawdown (dates), turnover and the deflated Sharpe, and
        records the run against its signals in Neo4j."""
        from nexus_graph.sources.prices import load_prices
        from nexus_graph.store.factors import equity_universe, factor_panel, factor_versions
        from nexus_graph.store.trading import record_paper_trade, registry_signals, signals_with_status, trial_count
        from nexus_graph.trading.portfolio import PortfolioConfig, paper_trade

        with open_store() as store:
            registry = registry_signals(store)
            names = list(dict.fromkeys(signal)) if signal else signals_with_status(registry, "alpha")
            if not names:
                shown = ", ".join(f"{n} ({s})" for n, s in zip(registry["name"], registry["status"], strict=True))
                raise NexusError("No registered alpha to trade and no --signal given. Registry: "
                                 f"{shown or 'empty'}. Pass --signal NAME (e.g. --signal graph_gnn_embedding_drift) "
                                 "or register an alpha with `nexus-graph evaluate FACTOR`.")
            config = PortfolioConfig(quantile=quantile, weighting=weighting, cost_bps=cost_bps,  # type: ignore[arg-type]
                                     n_trials=trials or trial_count(registry)).validated()
            with progress(not json_out) as bar:
                task = bar.add_task("paper-trade", total=4, status="factor panels")
                panels = {name: factor_panel(store, name, model_version) for name in names}
                if model_version is None:  # record the version actually read (the only one stored)
                    found = {v for name in names for v in factor_versions(store, name)}
                    model_version = next(iter(found)) if len(found) == 1 else None
                universe = frozenset(equity_universe(store))
                if not universe:
                    raise NexusError("No (:Company {kind: 'equity'}) in Neo4j: load a dataset first "
                                     "(`nexus-graph load`).")
                bar.update(task, advance=1, status="prices")
                prices = load_prices(prices_path)
                bar.update(task, advance=1, status="simulating")
                config = replace(config, universe=universe)
                result = paper_trade(panels, prices, config)
                stats = result.statistics()
                run_id = run_fingerprint(panels, prices, config, model_version)
                bar.update(task, advance=1, status="recording the run")
                record_paper_trade(store, run_record(run_id, result, stats, model_version), names)
                report = None
                if report_dir is not None:
                    report = write_paper_trade_report(Path(report_dir), result, run_id, synthetic)
                bar.update(task, advance=1, status="done")
        if json_out:
            from nexus_graph.report.run_files import jsonable

            print_json(jsonable({"run_id": run_id, "signals": names, "model_version": model_version,
                                 "config": {"quantile": quantile, "weighting": weighting, "cost_bps": cost_bps,
                                            "n_trials": config.n_trials, "universe_size": len(universe)},
                                 "statistics": stats, "report": str(report) if report else None}))
            return
        print_statistics(stats, result, run_id)
        console.print(f"Recorded (:PaperTradeRun {{id: '{run_id}'}})-[:USED_SIGNAL]->(:Signal) for "
                      f"{', '.join(names)}.", highlight=False, markup=False)
        if report:
            console.print(f"Report: {report}", highlight=False)


def write_paper_trade_report(run_dir: Path, result: Any, run_id: str, synthetic: bool) -> Path:
    """Save ``portfolio.json`` in the run folder and (re)build its report in ``run_dir/report``."""
    from nexus_graph.report.run_files import read_run_files, write_run_files
    from nexus_graph.report.run_report import write_run_report

    title = f"Paper trade {', '.join(result.signals)}"
    write_run_files(run_dir, title=title, synthetic=synthetic, portfolio=result,
                    extra={"paper_trade_run_id": run_id,
                           "paper_trade_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    return write_run_report(run_dir / "report", **read_run_files(run_dir))
