"""``nexus-graph paper-trade``: monthly rebalanced portfolios on registered alphas (or named factors)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from nexus_graph.cli.common import console, err_console, open_store, print_json, progress

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


def _cell(row: Mapping[str, Any], key: str, pattern: str) -> str:
    """One figure formatted; a drawdown not recovered yet says so."""
    value = row.get(key)
    if value is None or (isinstance(value, float) and value != value):
        return "not yet" if key == "max_drawdown_recovery" and row.get("max_drawdown_trough") else "–"
    return pattern.format(value)


def print_statistics(stats: Mapping[str, Mapping[str, Any]], result: Any, run_id: str,
                     notes: list[str] | None = None) -> None:
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
                  f"({bench['start']} → {bench['end']}); deflated Sharpe over N = {cfg.n_trials} trial(s) (the "
                  "multiple-testing family); turnover excludes the initial build; the benchmark (equal-weighted "
                  "universe) pays no costs.", highlight=False)
    events = result.delistings
    if len(events):
        shown = ", ".join(f"{r.company_id} {r.delisting_return:+.0%} ({r.source})" for r in events.itertuples())
        console.print(f"Delistings: {shown}.", highlight=False)
    for note in notes or []:
        err_console.print(f"Warning: {note}", style="bold yellow", highlight=False)


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
        trials: int = typer.Option(None, "--trials", help="N for the deflated Sharpe (default: the multiple-testing "
                                   "family, every test in the registry, at least 400)."),
        prices_path: Path = typer.Option(None, "--prices", help="Prices Parquet file (default: the loaded prices)."),
        report_dir: Path = typer.Option(None, "--report-dir", help="Run folder: writes portfolio.json there and the "
                                        "report into DIR/report (see `nexus-graph report`)."),
        synthetic: bool = typer.Option(False, "--synthetic", help="Label the report SYNTHETIC DATA (demo data)."),
        force: bool = typer.Option(False, "--force", help="Trade a --signal whose status is rejected or missing "
                                   "(the report says it was forced)."),
        allow_look_ahead: bool = typer.Option(False, "--allow-look-ahead", help="Trade factor values from a "
                                              "look-ahead backfill (the report labels them)."),
        composite: str = typer.Option(None, "--composite", help="Trade one rank-averaged composite of these "
                                      "comma-separated factors (A,B): per date, each factor's cross-sectional "
                                      "percentile rank, weighted mean over the factors a company has."),
        weights: str = typer.Option(None, "--weights", help="Comma-separated weights of the --composite factors "
                                    "(finite, >= 0, normalised to sum 1; default equal)."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary instead of the table."),
    ) -> None:
        """Paper-trade factors: monthly long-only / long-short portfolios against the equal-weighted universe.

        Long-only holds the top quantile, long-short the top minus the bottom, over the equity universe,
        decided at each month-end with only what was known then and held from the next trading day.
        Prints CAGR, volatility, Sharpe, max drawdown (dates), turnover and the deflated Sharpe, and
        records the run against its signals in Neo4j. A --signal whose registry status is rejected (or
        that was never registered) is refused unless --force; with --composite, each of its factors is."""
        from nexus_graph.errors import NexusError, UsageError
        from nexus_graph.pipeline.paper_trade import paper_trade_stored
        from nexus_graph.trading.composite import parse_composite
        from nexus_graph.trading.portfolio import PortfolioConfig

        if composite is not None and signal:
            raise UsageError("Pass either --signal or --composite, not both.")
        if weights is not None and composite is None:
            raise UsageError("--weights needs --composite A,B (the factors the weights belong to).")
        try:  # the settings are checked before connecting
            PortfolioConfig(quantile=quantile, weighting=weighting, cost_bps=cost_bps,  # type: ignore[arg-type]
                            n_trials=trials or 1).validated()
            weighted = parse_composite(composite, weights) if composite is not None else None
        except NexusError as exc:
            raise UsageError(str(exc)) from None

        with open_store() as store, progress(not json_out) as bar:
            task = bar.add_task("paper-trade", total=5, status="")
            outcome = paper_trade_stored(
                store, signal, model_version=model_version, quantile=quantile, weighting=weighting,
                cost_bps=cost_bps, trials=trials, prices_path=prices_path, report_dir=report_dir,
                synthetic=synthetic, force=force, allow_look_ahead=allow_look_ahead, composite=weighted,
                on_step=lambda status: bar.update(task, advance=1, status=status))
        if json_out:
            from nexus_graph.report.run_files import jsonable

            print_json(jsonable(outcome.summary()))
            return
        print_statistics(outcome.stats, outcome.result, outcome.run_id, outcome.notes)
        if outcome.composite:
            shown = ", ".join(f"{name} {w:.0%}" for name, w in outcome.composite.items())
            console.print(f"Composite: per-date percentile ranks weighted {shown}; a company missing a factor is "
                          "scored by the factors it has (weights renormalised).", highlight=False, markup=False)
        console.print(f"Recorded (:PaperTradeRun {{id: '{outcome.run_id}'}})-[:USED_SIGNAL]->(:Signal) for "
                      f"{', '.join(outcome.signals)}.", highlight=False, markup=False)
        if outcome.report:
            console.print(f"Report: {outcome.report}", highlight=False)
