"""Step ``evaluate``: a factor stored in Neo4j end to end: read, forward returns, statistics, registry, report.

Used by ``nexus-graph evaluate`` and ``nexus-graph demo``; prints nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.evaluation.decision import DEFAULT_RULE, Decision
from nexus_graph.evaluation.evaluate import Evaluation, evaluate, prepare, registry_tests, summary
from nexus_graph.evaluation.family import CONFIGURED_TESTS, TestFamily
from nexus_graph.evaluation.returns import DEFAULT_HORIZONS, close_matrix
from nexus_graph.pipeline.registry import factor_type, lifecycle_update
from nexus_graph.report.evaluation import write_report
from nexus_graph.sources.prices import load_prices
from nexus_graph.store.factors import equity_universe, factor_panel, look_ahead_dates, resolve_model_version
from nexus_graph.store.protocol import Store
from nexus_graph.store.registry import family_tests, record_run, record_trial, rejection_warning, signal_state
from nexus_graph.trading.delistings import delisting_events

LOOK_AHEAD = "LOOK-AHEAD"


def look_ahead_refusal(factor: str, model_version: str | None, dates: Sequence[pd.Timestamp], command: str) -> str:
    """The error of ``evaluate`` / ``paper-trade`` on factor values labelled look-ahead.

    With a model version they come from a look-ahead backfill; without one (graph factors without a
    model are never look-ahead) from ``factors import --allow-look-ahead``.
    """
    shown = ", ".join(f"{d:%Y-%m-%d}" for d in list(dates)[:3]) + (", ..." if len(dates) > 3 else "")
    if model_version is None:
        why, fix = ("they were imported with --allow-look-ahead, known only after those dates' entry close",
                    "Re-import the factor with each value at the first month-end it was known")
    else:
        why, fix = ("they come from a model trained on data known after those dates",
                    "Backfill only dates at or after the model's as-of date")
    return (f"Factor {factor!r} (model {model_version or 'none'}) has look-ahead values on {len(dates)} date(s) "
            f"({shown}): {why}. Refusing to {command} them. {fix}, or pass --allow-look-ahead to go on with the "
            "results labelled LOOK-AHEAD.")


def look_ahead_note(dates: Sequence[pd.Timestamp], imported: bool = False) -> str:
    """The label a verdict and report carry when look-ahead values were allowed in (``imported``: from
    ``factors import --allow-look-ahead`` rather than a look-ahead backfill)."""
    source = ("values known only after their entry close" if imported
              else "embeddings of a model trained on later data")
    return (f"{LOOK_AHEAD}: {len(dates)} snapshot date(s) ({dates[0]:%Y-%m-%d} .. {dates[-1]:%Y-%m-%d}) use "
            f"{source} (--allow-look-ahead); not evidence of a tradeable signal")


@dataclass
class EvaluateOutcome:
    """An evaluation with what happened in the registry and the files written."""

    evaluation: Evaluation
    warning: str | None
    registration: dict[str, Any]
    note: str
    files: list[Path] = field(default_factory=list)
    look_ahead: bool = False
    signal_type: str = "graph"

    def summary(self) -> dict[str, Any]:
        """The evaluation as plain data (IC frame included), with the registry outcome and the report files."""
        return {**summary(self.evaluation), "look_ahead": self.look_ahead, "type": self.signal_type,
                "previously_rejected": self.warning is not None,
                "warning": self.warning, "registration": self.registration,
                "report_files": [str(p) for p in self.files]}


def labelled_look_ahead(evaluation: Evaluation, dates: Sequence[pd.Timestamp], imported: bool = False) -> Evaluation:
    """The evaluation with its decision's first reason saying it used look-ahead values."""
    decision = evaluation.decision
    labelled = Decision(decision.verdict, [look_ahead_note(dates, imported), *decision.reasons], decision.rule)
    return replace(evaluation, decision=labelled, look_ahead=True)


def evaluate_stored_factor(
    store: Store,
    factor: str,
    *,
    model_version: str | None = None,
    horizons: Sequence[int] = DEFAULT_HORIZONS,
    prices: pd.DataFrame | None = None,
    prices_path: Path | None = None,
    register: bool = True,
    report_dir: Path | None = None,
    rule: str = DEFAULT_RULE,
    allow_look_ahead: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> EvaluateOutcome:
    """Evaluate ``factor`` (one model version) against the loaded prices; register and report it.

    The multiple-testing family is every test in the registry (stored robust p-values, unregistered
    runs included, this run's own earlier record excluded) with M at least the configured 400
    (:class:`~nexus_graph.evaluation.family.TestFamily`). With ``register`` False the run's tests are
    still stored, as unregistered trials that leave the signal's status alone. Factor values labelled
    look-ahead are refused (nothing written) unless ``allow_look_ahead``; then the verdict, report
    and registry entry say LOOK-AHEAD.
    """
    step = on_step or (lambda _status: None)
    step("reading the factor")
    model_version = resolve_model_version(store, factor, model_version)
    ahead = look_ahead_dates(store, factor, model_version)
    if ahead and not allow_look_ahead:
        raise NexusError(look_ahead_refusal(factor, model_version, ahead, "evaluate"))
    panel = factor_panel(store, factor, model_version)
    kind = factor_type(store, factor, model_version)
    universe = equity_universe(store)
    if not universe:
        raise NexusError("No (:Company {kind: 'equity'}) in Neo4j: load a dataset first (`nexus-graph load`).")
    step("loading prices")
    prices = load_prices(prices_path) if prices is None else prices
    step("forward returns")
    delistings = delisting_events(close_matrix(prices))  # delisted names end at -30 %, not dropped
    inputs = prepare(panel, prices, universe, tuple(horizons), model_version=model_version, name=factor,
                     delistings=delistings)
    family = TestFamily.from_tests(family_tests(store), exclude_run=inputs.run_id, configured=CONFIGURED_TESTS)
    step("statistics")
    evaluation = evaluate(inputs, family, rule=rule)
    if ahead:
        evaluation = labelled_look_ahead(evaluation, ahead, imported=model_version is None)
    step("registry")
    decision = evaluation.decision
    if not register:
        warning = rejection_warning(factor, signal_state(store, factor, inputs.run_id))
        stored = record_trial(store, factor, run_id=inputs.run_id, data_fingerprint=inputs.data_fingerprint,
                              status=decision.status, verdict=decision.verdict, tests=registry_tests(evaluation),
                              model_version=model_version, look_ahead=bool(ahead))
        registration: dict[str, Any] = {"registered": False, "trials_stored": stored}
        note = (f"Not registered (--no-register); its {stored} test(s) are kept as trials in the family "
                "(the signal's status is unchanged).")
    else:
        done = record_run(store, factor, run_id=inputs.run_id, data_fingerprint=inputs.data_fingerprint,
                          status=decision.status, verdict=decision.verdict, tier=evaluation.tier,
                          reasons=decision.reasons, tests=registry_tests(evaluation), model_version=model_version,
                          signal_type=kind, look_ahead=bool(ahead), update=lifecycle_update(evaluation))
        warning = done.warning
        registration = {"registered": True, "tests_written": done.tests_written, "tests_new": done.tests_new,
                        "status": done.status, "status_change": done.status_change}
        change = done.status_change
        moved = (f"; status {change['from'] or '(new)'} -> {change['status']} ({change['reason']})" if change
                 else f"; status stays {done.status}")
        note = (f"Registered signal {factor!r}: {done.tests_new} new test(s)"
                + (" (this run was already recorded; nothing changed)." if done.tests_new == 0 else f"{moved}."))
    files: list[Path] = []
    if report_dir is not None:
        step("report")
        files = write_report(evaluation, report_dir, warning, look_ahead=bool(ahead))
    step("done")
    return EvaluateOutcome(evaluation, warning, registration, note, files, look_ahead=bool(ahead), signal_type=kind)
