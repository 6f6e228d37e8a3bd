"""Step ``paper_trade``: factors stored in Neo4j end to end: read panels and prices, simulate, record, report.

Used by ``nexus-graph paper-trade`` and ``nexus-graph demo``; prints nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.evaluation.family import CONFIGURED_TESTS, TestFamily
from nexus_graph.pipeline.evaluate import look_ahead_refusal
from nexus_graph.pipeline.report import write_paper_trade_report
from nexus_graph.sources.prices import load_prices
from nexus_graph.store.factors import (
    equity_universe,
    factor_panel,
    factor_versions,
    look_ahead_dates,
    resolve_model_version,
)
from nexus_graph.store.protocol import Store
from nexus_graph.store.registry import family_tests
from nexus_graph.store.trading import record_paper_trade, registry_signals, signals_with_status
from nexus_graph.trading.composite import composite_name, rank_composite
from nexus_graph.trading.portfolio import PortfolioConfig, PortfolioResult, paper_trade

TRADEABLE = ("alpha", "candidate", "declining")  # registry statuses the gate lets through without --force


def gate_refusals(registry: pd.DataFrame, names: Sequence[str]) -> dict[str, str]:
    """Signals the paper-trade gate refuses, with why: status rejected (verdict NULL) or no status at all."""
    rows = {str(r["name"]): r for r in registry.to_dict(orient="records")}
    refused: dict[str, str] = {}
    for name in names:
        row = rows.get(name)
        status = None if row is None else row.get("status")
        if status in TRADEABLE:
            continue
        if row is None or status is None:
            refused[name] = "has no registered verdict (never evaluated with registration)"
        else:
            refused[name] = f"was last judged {row.get('verdict') or '?'} (status {status})"
    return refused


def gate_message(refused: Mapping[str, str]) -> str:
    """The error of the paper-trade gate."""
    listed = "; ".join(f"signal {name!r} {why}" for name, why in refused.items())
    return (f"Refusing to paper-trade: {listed}. Only signals whose status is "
            f"{', '.join(TRADEABLE)} are traded; "
            "evaluate it again (`nexus-graph evaluate FACTOR`) or pass --force to trade it anyway (the report "
            "will say so).")


def run_fingerprint(panels: Mapping[str, Any], prices: Any, config: Any, model_version: str | None,
                    delisting_values: Mapping[str, float] | None = None,
                    composite: Mapping[str, float] | None = None) -> str:
    """A stable id for the same signals, data and settings: ``pt-`` + 16 hex digits of a SHA-256.

    The settings include the default delisting return and the known delisting values, which change
    the returns of any held name whose prices stop, and a composite's factors and weights.
    """
    digest = hashlib.sha256()
    for name in sorted(panels):
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(panels[name].sort_index(), index=True).to_numpy().tobytes())
    frame = prices[["date", "company_id", "adj_close"]].sort_values(["company_id", "date"])
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    settings = {"quantile": config.quantile, "weighting": config.weighting, "cost_bps": config.cost_bps,
                "n_trials": config.n_trials, "model_version": model_version,
                "delisting_return": config.delisting_return,
                "delisting_values": {str(k): float(v) for k, v in sorted((delisting_values or {}).items())},
                "universe": sorted(config.universe) if config.universe is not None else None}
    if composite is not None:  # only then: the fingerprints of earlier runs stay as they were
        settings["composite"] = {str(k): float(v) for k, v in composite.items()}
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
        "delisting_return": cfg.delisting_return, "delistings": len(result.delistings),
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
    notes: list[str] = field(default_factory=list)  # --force and look-ahead labels, as the report states them
    composite: dict[str, float] | None = None  # factor -> normalised weight of a --composite run

    def summary(self) -> dict[str, Any]:
        cfg = self.result.config
        return {"run_id": self.run_id, "signals": self.signals, "model_version": self.model_version,
                "composite": self.composite,
                "config": {"quantile": cfg.quantile, "weighting": cfg.weighting, "cost_bps": cfg.cost_bps,
                           "n_trials": cfg.n_trials, "delisting_return": cfg.delisting_return,
                           "universe_size": self.universe_size},
                "delistings": self.result.delistings.to_dict(orient="records"), "notes": self.notes,
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
    force: bool = False,
    allow_look_ahead: bool = False,
    delisting_values: Mapping[str, float] | None = None,
    composite: Mapping[str, float] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> TradeOutcome:
    """Trade ``signals`` (default: the registered alphas), record the run against them, report it.

    The gate: a signal named in ``signals`` whose registry status is rejected (verdict NULL) or
    missing is refused, nothing written, unless ``force`` (the report then says so). Factor values
    labelled look-ahead are refused unless ``allow_look_ahead`` (then labelled). The deflated
    Sharpe's N is the multiple-testing family (every registry test, at least the configured 400)
    unless ``trials`` is given. ``delisting_values`` (company id -> value received) when the data
    has them; otherwise delisted names earn the config's default delisting return.

    ``composite`` (factor -> weight, :func:`nexus_graph.trading.composite.composite_weights`) trades
    one rank-averaged composite of those factors instead (:func:`~nexus_graph.trading.composite.rank_composite`);
    the gate and the look-ahead refusal apply to each factor, the run is recorded against each, and
    its record and fingerprint hold the factors and weights.
    """
    step = on_step or (lambda _status: None)
    if composite is not None and signals:
        raise NexusError("Pass either --signal or --composite, not both.")
    registry = registry_signals(store)
    if composite is not None:
        signals = list(composite)
    names = list(dict.fromkeys(signals)) if signals else signals_with_status(registry, "alpha")
    if not names:
        shown = ", ".join(f"{n} ({s})" for n, s in zip(registry["name"], registry["status"], strict=True))
        raise NexusError("No registered alpha to trade and no --signal given. Registry: "
                         f"{shown or 'empty'}. Pass --signal NAME (e.g. --signal graph_gnn_embedding_drift) "
                         "or register an alpha with `nexus-graph evaluate FACTOR`.")
    notes: list[str] = []
    refused = gate_refusals(registry, names)
    if refused and not force:
        raise NexusError(gate_message(refused))
    notes += [f"Traded with --force: signal {name!r} {why}." for name, why in refused.items()]
    n_trials = trials or TestFamily.from_tests(family_tests(store), configured=CONFIGURED_TESTS).trials
    config = PortfolioConfig(quantile=quantile, weighting=weighting, cost_bps=cost_bps,  # type: ignore[arg-type]
                             n_trials=n_trials).validated()
    step("factor panels")
    if model_version is None:  # record the version actually read (the only one stored)
        # model-free factors (centralities, imported ones) have none: they do not make it ambiguous
        found = {v for name in names for v in factor_versions(store, name)} - {None}
        model_version = next(iter(found)) if len(found) == 1 else None
    versions = {name: _version_of(store, name, model_version) for name in names}
    for name in names:
        ahead = look_ahead_dates(store, name, versions[name])
        if ahead and not allow_look_ahead:
            raise NexusError(look_ahead_refusal(name, versions[name], ahead, "paper-trade"))
        if ahead:
            source = "from a model trained on later data" if versions[name] else "known after their entry close"
            notes.append(f"LOOK-AHEAD: {name!r} has values on {len(ahead)} date(s) {source} (--allow-look-ahead); "
                         "these returns are not achievable.")
    panels = {name: factor_panel(store, name, versions[name]) for name in names}
    universe = frozenset(equity_universe(store))
    if not universe:
        raise NexusError("No (:Company {kind: 'equity'}) in Neo4j: load a dataset first (`nexus-graph load`).")
    if composite is not None:
        panels = {composite_name(composite): rank_composite(panels, composite, universe)}
    step("prices")
    prices = load_prices(prices_path) if prices is None else prices
    step("simulating")
    config = replace(config, universe=universe)
    result = paper_trade(panels, prices, config, delisting_values=delisting_values)
    stats = result.statistics()
    run_id = run_fingerprint(panels, prices, config, model_version, delisting_values, composite)
    step("recording the run")
    record = {**run_record(run_id, result, stats, model_version), "forced": bool(refused),
              "look_ahead": any(n.startswith("LOOK-AHEAD") for n in notes), "notes": notes}
    if composite is not None:
        record.update(composite=list(composite), composite_weights=list(composite.values()))
    record_paper_trade(store, record, names)
    report = (write_paper_trade_report(Path(report_dir), result, run_id, synthetic, notes)
              if report_dir is not None else None)
    step("done")
    return TradeOutcome(result, stats, run_id, names, model_version, len(universe), report, notes,
                        dict(composite) if composite is not None else None)


def _version_of(store: Store, name: str, model_version: str | None) -> str | None:
    """The model version to read ``name`` under: a model-free factor (e.g. an imported one) ignores
    ``--model-version``, so a composite can mix it with a graph factor of that version."""
    if model_version is not None and factor_versions(store, name) == [None]:
        return None
    return resolve_model_version(store, name, model_version)
