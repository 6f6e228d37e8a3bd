"""Step ``evaluate``: a factor stored in Neo4j end to end: read, forward returns, statistics, registry, report.

Used by ``nexus-graph evaluate`` and ``nexus-graph demo``; prints nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.evaluation.evaluate import Evaluation, evaluate, prepare, registry_tests, summary
from nexus_graph.evaluation.returns import DEFAULT_HORIZONS
from nexus_graph.report.evaluation import write_report
from nexus_graph.sources.prices import load_prices
from nexus_graph.store.factors import equity_universe, factor_panel, resolve_model_version
from nexus_graph.store.protocol import Store
from nexus_graph.store.registry import count_tests, record_run, rejection_warning, signal_state


@dataclass
class EvaluateOutcome:
    """An evaluation with what happened in the registry and the files written."""

    evaluation: Evaluation
    warning: str | None
    registration: dict[str, Any]
    note: str
    files: list[Path] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The evaluation as plain data (IC frame included), with the registry outcome and the report files."""
        return {**summary(self.evaluation), "previously_rejected": self.warning is not None,
                "warning": self.warning, "registration": self.registration,
                "report_files": [str(p) for p in self.files]}


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
    on_step: Callable[[str], None] | None = None,
) -> EvaluateOutcome:
    """Evaluate ``factor`` (one model version) against the loaded prices; register and report it."""
    step = on_step or (lambda _status: None)
    step("reading the factor")
    model_version = resolve_model_version(store, factor, model_version)
    panel = factor_panel(store, factor, model_version)
    universe = equity_universe(store)
    if not universe:
        raise NexusError("No (:Company {kind: 'equity'}) in Neo4j: load a dataset first (`nexus-graph load`).")
    step("loading prices")
    prices = load_prices(prices_path) if prices is None else prices
    step("forward returns")
    inputs = prepare(panel, prices, universe, tuple(horizons), model_version=model_version, name=factor)
    prior = count_tests(store, exclude_run=inputs.run_id)
    step("statistics")
    evaluation = evaluate(inputs, prior)
    step("registry")
    if not register:
        warning = rejection_warning(factor, signal_state(store, factor, inputs.run_id))
        registration: dict[str, Any] = {"registered": False}
        note = "Not registered (--no-register)."
    else:
        decision = evaluation.decision
        done = record_run(store, factor, run_id=inputs.run_id, data_fingerprint=inputs.data_fingerprint,
                          status=decision.status, verdict=decision.verdict, tier=decision.tier,
                          reasons=decision.reasons, tests=registry_tests(evaluation), model_version=model_version)
        warning = done.warning
        registration = {"registered": True, "tests_written": done.tests_written, "tests_new": done.tests_new}
        note = (f"Registered signal {factor!r}: {done.tests_new} new test(s)"
                + (" (this run was already recorded; nothing changed)." if done.tests_new == 0 else "."))
    files: list[Path] = []
    if report_dir is not None:
        step("report")
        files = write_report(evaluation, report_dir, warning)
    step("done")
    return EvaluateOutcome(evaluation, warning, registration, note, files)
