"""Step ``paper_trade``: factors stored in Neo4j end to end: read panels and prices, simulate, record, report.

Used by ``nexus-graph paper-trade`` and ``nexus-graph demo``; prints nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.pipeline.report import write_paper_trade_report
from nexus_graph.sources.prices import load_prices
from nexus_graph.store.factors import equity_universe, factor_panel, factor_versions
from nexus_graph.store.protocol import Store
from nexus_graph.store.trading import record_paper_trade, registry_signals, signals_with_status, trial_count
from nexus_graph.trading.portfolio import PortfolioConfig, PortfolioResult, paper_trade


def run_fingerprint(panels: Mapping[str, Any], prices: Any, config: Any, model_version: str | None) -> str:
    """A stable id for the same signals, data and settings: ``pt-`` + 16 hex digits of a SHA-256."""
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


@dataclass
class TradeOutcome:
    """A paper-trade run: the result, its statistics, its id and where its report went."""

    result: PortfolioResult
    stats: dict[str, dict[str, Any]]
    run_id: str
    signals: list[str]
    model_version: str | None
    universe_size: int
    report: Path | None

    def summary(self) -> dict[str, Any]:
        cfg = self.result.config
        return {"run_id": self.run_id, "signals": self.signals, "model_version": self.model_version,
                "config": {"quantile": cfg.quantile, "weighting": cfg.weighting, "cost_bps": cfg.cost_bps,
                           "n_trials": cfg.n_trials, "universe_size": self.universe_size},
                "statistics": self.stats, "report": str(self.report) if self.report else None}


def paper_trade_stored(
    store: Store,
    signals: Sequence[str] | None = None,
    *,
    model_version: str | None = None,
    quantile: float = 0.2,
    weighting: str = "equal",
    cost_bps: float = 10.0,
    trials: int | None = None,
    prices: pd.DataFrame | None = None,
    prices_path: Path | None = None,
    report_dir: Path | None = None,
    synthetic: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> TradeOutcome:
    """Trade ``signals`` (default: the registered alphas), record the run against them, report it."""
    step = on_step or (lambda _status: None)
    registry = registry_signals(store)
    names = list(dict.fromkeys(signals)) if signals else signals_with_status(registry, "alpha")
    if not names:
        shown = ", ".join(f"{n} ({s})" for n, s in zip(registry["name"], registry["status"], strict=True))
        raise NexusError("No registered alpha to trade and no --signal given. Registry: "
                         f"{shown or 'empty'}. Pass --signal NAME (e.g. --signal graph_gnn_embedding_drift) "
                         "or register an alpha with `nexus-graph evaluate FACTOR`.")
    config = PortfolioConfig(quantile=quantile, weighting=weighting, cost_bps=cost_bps,  # type: ignore[arg-type]
                             n_trials=trials or trial_count(registry)).validated()
    step("factor panels")
    panels = {name: factor_panel(store, name, model_version) for name in names}
    if model_version is None:  # record the version actually read (the only one stored)
        found = {v for name in names for v in factor_versions(store, name)}
        model_version = next(iter(found)) if len(found) == 1 else None
    universe = frozenset(equity_universe(store))
    if not universe:
        raise NexusError("No (:Company {kind: 'equity'}) in Neo4j: load a dataset first (`nexus-graph load`).")
    step("prices")
    prices = load_prices(prices_path) if prices is None else prices
    step("simulating")
    config = replace(config, universe=universe)
    result = paper_trade(panels, prices, config)
    stats = result.statistics()
    run_id = run_fingerprint(panels, prices, config, model_version)
    step("recording the run")
    record_paper_trade(store, run_record(run_id, result, stats, model_version), names)
    report = write_paper_trade_report(Path(report_dir), result, run_id, synthetic) if report_dir is not None else None
    step("done")
    return TradeOutcome(result, stats, run_id, names, model_version, len(universe), report)
