"""Steps ``db init`` and ``registry``: the schema, the signal registry's lifecycle, reads and notes.

Here the registry's store (``store/registry.py``) meets the pure rules that fill it
(``evaluation/lifecycle.py`` for the status, ``evaluation/evidence.py`` for type, tier and profile).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.evaluation import evidence
from nexus_graph.evaluation.evaluate import Evaluation
from nexus_graph.evaluation.lifecycle import Lifecycle, RunOutcome, Transition, sign_of, transition
from nexus_graph.store.admin import SchemaReport, init_schema
from nexus_graph.store.factors import stored_version
from nexus_graph.store.models import model_usage, model_version, model_versions
from nexus_graph.store.protocol import Store
from nexus_graph.store.registry import (
    SignalState,
    SignalUpdate,
    factor_origins,
    list_signals,
    set_note,
    signal_detail,
    status_history,
)


def init_database(store: Store) -> SchemaReport:
    """Apply the constraints and indexes of ``cypher/schema/`` (idempotent)."""
    return init_schema(store)


def data_horizon(store: Store) -> dict[str, pd.Timestamp | None]:
    """The last date the data knows about: ``events`` (the latest disclosure of any relationship, its
    start or its end) and ``prices`` (the last loaded close; None when no prices are loaded)."""
    from nexus_graph.errors import NexusError
    from nexus_graph.sources.prices import load_prices

    row = store.records("admin/data_horizon")[0]
    known = [pd.Timestamp(str(v)) for v in (row["last_known"], row["last_end_known"]) if v is not None]
    try:
        prices: pd.Timestamp | None = pd.Timestamp(load_prices()["date"].max())
    except NexusError:
        prices = None
    return {"events": max(known) if known else None, "prices": prices}


def beyond_data(store: Store, dates: dict[str, pd.Timestamp]) -> list[str]:
    """A warning for each date (by option name) after the data's last known event or last price."""
    horizon = data_horizon(store)
    warnings = []
    for option, date in dates.items():
        late = [f"the last known event ({horizon['events']:%Y-%m-%d})" if horizon["events"] is not None
                and date > horizon["events"] else "",
                f"the last loaded price ({horizon['prices']:%Y-%m-%d})" if horizon["prices"] is not None
                and date > horizon["prices"] else ""]
        if any(late):
            warnings.append(f"{option} {date:%Y-%m-%d} is after {' and '.join(x for x in late if x)}; "
                            "results for it rest on data that stops earlier.")
    return warnings


def factor_type(store: Store, factor: str, model_version: str | None) -> str:
    """The registry ``type`` of a stored factor from its rows' ``origin`` (``evidence.signal_type``)."""
    return evidence.signal_type(factor_origins(store, factor, stored_version(model_version)))


def _previous(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Status changes as the regime profile lists them (camelCase keys)."""
    return [{"status": h.get("status"), "from": h.get("from"), "at": h.get("at"), "runId": h.get("run_id"),
             "reason": h.get("reason")} for h in history]


def lifecycle_update(evaluation: Evaluation) -> Callable[[SignalState], SignalUpdate]:
    """What :func:`~nexus_graph.store.registry.record_run` applies, inside its transaction, to the state it reads.

    The lifecycle's transition (:func:`~nexus_graph.evaluation.lifecycle.transition`) from the signal's
    status and ALPHA evidence before the run, and the signal-level figures: headline robust t and its
    horizon, HLZ passes, and the regime profile with the statuses before this run.
    """
    t, horizon = evidence.headline_t(evaluation.table)
    last = pd.Timestamp(evaluation.ic.index.max())
    run = RunOutcome(evaluation.decision.status, sign_of(t), last)
    note = evaluation.evidence_note

    def update(before: SignalState) -> SignalUpdate:
        step = signal_transition(before, run)
        profile = evidence.regime_profile(evaluation.table, evaluation.splits, note, tier=evaluation.tier,
                                          months=evaluation.months, coverage=evaluation.inputs.coverage,
                                          previous=_previous(before.history))
        return SignalUpdate(step.status, step.reason, {
            **lifecycle_properties(step), "tStat": t, "tStatHorizon": horizon,
            "hlzPasses": evidence.hlz_passes(evaluation.table), "regimeProfile": evidence.profile_json(profile)})

    return update


def signal_transition(before: SignalState, run: RunOutcome) -> Transition:
    """The lifecycle's transition from the registry's record of a signal (``evaluation/lifecycle.py``)."""
    alpha_date = pd.Timestamp(before.alpha_last_date) if before.alpha_last_date is not None else None
    return transition(Lifecycle(before.status, alpha_date, before.alpha_sign), run)


def lifecycle_properties(step: Transition) -> dict[str, Any]:
    """The ``Signal`` properties that carry the lifecycle's state (the ALPHA evidence)."""
    return {"alphaLastDate": step.after.alpha_last_date, "alphaSign": step.after.alpha_sign}


@dataclass(frozen=True)
class SignalView:
    """One signal as ``registry show`` presents it."""

    signal: dict[str, Any]  # the Signal's properties (regimeProfile as stored: a JSON string)
    tests: pd.DataFrame  # one row per run and horizon, oldest first
    history: list[dict[str, Any]]  # status changes, oldest first

    @property
    def profile(self) -> dict[str, Any] | None:
        """The regime profile parsed (None when the signal has none yet)."""
        text = self.signal.get("regimeProfile")
        return json.loads(text) if text else None


def registry_list(store: Store) -> pd.DataFrame:
    """Every registered signal with its type, tier, status, headline t, runs and tests (one row each)."""
    return list_signals(store)


def registry_show(store: Store, name: str) -> SignalView:
    """One signal's properties, every test recorded against it (one row per run and horizon) and its history."""
    signal, tests = signal_detail(store, name)
    return SignalView(signal, tests, status_history(store, name))


def registry_note(store: Store, name: str, text: str | None) -> str | None:
    """Set (``text`` None: remove) the Markdown note of a registered signal; returns the note as stored."""
    if text is not None and not text.strip():
        raise NexusError("The note is empty; pass some text (or --clear to remove the note).")
    return set_note(store, name, text)


# the facts `models show` and `models compare` put first (ModelVersion properties, camelCase)
MODEL_FACTS = ("label", "asOf", "trainGraphAsOf", "split", "gapMonths", "seed", "valAuc", "baselineAuc",
               "belowBaseline", "minAuc", "gatePassed", "promoted", "promotedBelowBaseline", "graphFingerprint",
               "params", "hidden", "heads", "layers", "epochs", "device", "seconds", "createdAt")


def models_list(store: Store) -> pd.DataFrame:
    """Every recorded model version, oldest first (val AUC beside the baseline's, promoted or not)."""
    return model_versions(store)


def model_show(store: Store, version: str) -> dict:
    """One version's provenance (all its properties) and what used it (backfills, factors, signals)."""
    props = model_version(store, version)
    if props is None:
        known = list(model_versions(store)["version"])
        raise NexusError(f"Unknown model version {version!r}; recorded versions: {known or 'none'} "
                         "(`nexus-graph models list`).")
    return {"version": version, "facts": {k: props[k] for k in MODEL_FACTS if k in props},
            "properties": props, "used_by": model_usage(store, version)}


def models_compare(store: Store, first: str, second: str) -> list[tuple[str, object, object]]:
    """(fact, value in ``first``, value in ``second``) for every fact either version has, facts first."""
    a, b = model_show(store, first), model_show(store, second)
    keys = [k for k in MODEL_FACTS if k in a["properties"] or k in b["properties"]]
    keys += sorted((set(a["properties"]) | set(b["properties"])) - set(keys) - {"curve", "spec", "splitDetails"})
    rows = [(k, a["properties"].get(k), b["properties"].get(k)) for k in keys]
    rows += [(f"used by: {k}", a["used_by"][k], b["used_by"][k]) for k in a["used_by"]]
    return rows
