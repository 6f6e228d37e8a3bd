"""Evaluate one factor panel against forward returns: IC, statistics, splits, verdict.

Frame contracts (``STYLE.md``): the factor panel is a float ``pd.Series`` named after the factor,
indexed by ``(date, company_id)`` with ``date`` the month-end snapshot date (datetime64); forward
returns are a DataFrame on the same index, one column per horizon in trading days (ints); prices are
the canonical prices frame (``date, company_id, adj_close[, volume]``).

Two steps, so the caller can ask the registry for the tests made before this one without knowing
this run's id in advance: :func:`prepare` (returns + fingerprints) then :func:`evaluate`, which
takes that multiple-testing family (:class:`~nexus_graph.evaluation.family.TestFamily`) and the
decision rule. Pure: no connection, no configuration.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.evaluation import evidence, regimes, stats
from nexus_graph.evaluation.decision import DEFAULT_RULE, Decision, decide, horizon_holm_p
from nexus_graph.evaluation.family import TestFamily
from nexus_graph.evaluation.ic import aligned, cross_section_sizes, information_coefficient
from nexus_graph.evaluation.returns import DEFAULT_HORIZONS, forward_returns, trailing_returns

METHOD = "spearman-ic/ewc-v2"  # changes when the statistics change, so old runs stay distinct tests


@dataclass(frozen=True)
class Inputs:
    """A factor panel and its forward returns on the universe, with their fingerprints."""

    name: str
    model_version: str | None
    factor: pd.Series
    returns: pd.DataFrame
    market: pd.Series
    horizons: tuple[int, ...]
    data_fingerprint: str
    run_id: str
    coverage: float = float("nan")  # evidence.universe_coverage: share of the universe with a factor value


@dataclass(frozen=True)
class Evaluation:
    """Everything one evaluation produced (see :func:`summary` for its JSON form)."""

    inputs: Inputs
    ic: pd.DataFrame  # date x horizon
    sizes: pd.DataFrame  # date x horizon, companies with both values
    table: pd.DataFrame  # one row per horizon, stats.summary_table columns
    splits: pd.DataFrame | None  # regimes.regime_splits, when any |robust t| > 1.5
    decision: Decision
    m: int
    prior_tests: int
    family: TestFamily = field(default_factory=TestFamily)
    look_ahead: bool = False  # the factor values came from a look-ahead backfill (allowed explicitly)

    @property
    def months(self) -> int:
        """Month-ends the evidence rests on (:func:`~nexus_graph.evaluation.evidence.evidence_months`)."""
        return evidence.evidence_months(self.table)

    @property
    def tier(self) -> str:
        """The evidence tier A / B / C (:func:`~nexus_graph.evaluation.evidence.evidence_tier`)."""
        return evidence.evidence_tier(self.months, self.inputs.coverage, self.look_ahead)

    @property
    def tier_reason(self) -> str:
        """Why the tier is what it is, in one clause."""
        return evidence.tier_reason(self.months, self.inputs.coverage, self.look_ahead)

    @property
    def evidence_note(self) -> str:
        """The registry's one-paragraph evidence note (:func:`nexus_graph.evaluation.evidence.evidence_note`)."""
        return evidence.evidence_note(self.table, self.splits, verdict=self.decision.verdict, rule=self.decision.rule,
                                      tier=self.tier, months=self.months, coverage=self.inputs.coverage,
                                      first_date=self.ic.index.min(), last_date=self.ic.index.max(),
                                      look_ahead=self.look_ahead)

    @property
    def tests(self) -> int:
        """Tests this run adds to the family (horizons with at least ``stats.MIN_DATES`` ICs)."""
        return int((self.table["n"] >= stats.MIN_DATES).sum())

    @property
    def family_note(self) -> str:
        """What the multiple-testing family was, in one sentence (for the report)."""
        return self.family.describe(self.tests)

    @property
    def n_trials(self) -> int:
        """N of the deflated Sharpe ratio: the family including this run (= ``m``)."""
        return self.m


def _hash_frame(digest: Any, frame: pd.DataFrame) -> None:
    """Feed a (date, company_id)-indexed float frame into ``digest``, byte-for-byte canonical."""
    frame = frame.sort_index()
    digest.update(repr([str(c) for c in frame.columns]).encode())
    dates = frame.index.get_level_values("date").to_numpy("datetime64[ns]").astype("<i8")
    digest.update(dates.tobytes())
    digest.update("\x1f".join(map(str, frame.index.get_level_values("company_id"))).encode())
    values = frame.to_numpy(dtype="<f8", na_value=np.nan)
    values = np.where(np.isnan(values), np.nan, values)  # one NaN bit pattern
    digest.update(np.ascontiguousarray(values).tobytes())


def data_fingerprint(factor: pd.Series, returns: pd.DataFrame) -> str:
    """sha256 of the factor panel and the forward returns (index, columns and values)."""
    digest = hashlib.sha256()
    _hash_frame(digest, factor.to_frame("factor"))
    _hash_frame(digest, returns)
    return digest.hexdigest()


def prepare(
    factor: pd.Series,
    prices: pd.DataFrame,
    universe: Collection[str] | None = None,
    horizons: Sequence[int] = DEFAULT_HORIZONS,
    model_version: str | None = None,
    name: str | None = None,
    delistings: pd.DataFrame | None = None,
) -> Inputs:
    """Forward returns at the factor's snapshot dates, restricted to ``universe``, and fingerprints.

    ``factor`` follows the factor-panel contract; ``prices`` the canonical prices frame;
    ``delistings`` the delisting events, which end a delisted name's forward returns at its delisting
    value (:func:`~nexus_graph.evaluation.returns.forward_returns`) instead of dropping the name.
    """
    name = name or (str(factor.name) if factor.name is not None else "")
    if not name:
        raise NexusError("The factor panel has no name; name the Series after the factor.")
    horizons = tuple(int(h) for h in horizons)
    dates = factor.index.get_level_values("date").unique()
    returns = forward_returns(prices, dates, horizons, delistings)
    trailing = trailing_returns(prices, dates, regimes.MARKET_HORIZON)
    if universe is not None:
        members = list(universe)
        returns = returns.loc[returns.index.get_level_values("company_id").isin(members)]
        trailing = trailing.loc[trailing.index.get_level_values("company_id").isin(members)]
    frame = aligned(factor, returns, universe)
    if frame.empty:
        raise NexusError(
            f"Factor {name!r} and the prices share no (date, company) rows in the universe: factor dates "
            f"{dates.min().date()}..{dates.max().date()}; check that prices are loaded for these companies."
        )
    fingerprint = data_fingerprint(frame["factor"], frame[list(horizons)])
    run = hashlib.sha256(f"{name}|{model_version or ''}|{horizons}|{METHOD}|{fingerprint}".encode()).hexdigest()
    coverage = evidence.universe_coverage(factor, returns[list(horizons)])
    return Inputs(name, model_version, frame["factor"].rename(name), frame[list(horizons)],
                  regimes.market_months(trailing), horizons, fingerprint, run[:32], coverage)


def evaluate(inputs: Inputs, prior: TestFamily | int = 0, *, rule: str = DEFAULT_RULE) -> Evaluation:
    """IC per date and horizon, per-horizon statistics, splits and the verdict.

    Parameters
    ----------
    inputs : from :func:`prepare`.
    prior : the tests made before this run: a :class:`TestFamily` of their stored robust p-values
        (every registry test, every signal, run and horizon, unregistered runs included, this run's
        own earlier registration excluded), or just their number (p-values unknown, counted at p = 1).
        M is ``max(prior tests + this run's, the family's configured count, 400 by default)``.
    rule : decision rule, ``"holm"`` (default) or ``"seed"`` (:mod:`nexus_graph.evaluation.decision`).
    """
    family = prior if isinstance(prior, TestFamily) else TestFamily.of([float("nan")] * int(prior))
    ic = information_coefficient(inputs.factor, inputs.returns)
    sizes = cross_section_sizes(inputs.factor, inputs.returns)
    table = stats.summary_table(ic, sizes, family)
    table["horizon_holm_p"] = horizon_holm_p(table)  # the holm rule's gate, shown whatever the rule
    m = int(table["m"].iloc[0]) if len(table) else family.size(0)
    splits = regimes.regime_splits(ic, inputs.market) if regimes.splits_wanted(table) else None
    return Evaluation(inputs, ic, sizes, table, splits, decide(table, rule), m, family.prior_tests, family)


def evaluate_factor(
    factor: pd.Series,
    prices: pd.DataFrame,
    universe: Collection[str] | None = None,
    horizons: Sequence[int] = DEFAULT_HORIZONS,
    model_version: str | None = None,
    prior: TestFamily | int = 0,
    rule: str = DEFAULT_RULE,
) -> Evaluation:
    """:func:`prepare` then :func:`evaluate` in one call."""
    return evaluate(prepare(factor, prices, universe, horizons, model_version), prior, rule=rule)


_CAMEL = {
    "n": "n", "mean_ic": "meanIc", "ic_std": "icStd", "t": "t", "p": "p", "nw_t": "nwT", "nw_lags": "nwLags",
    "robust_t": "robustT", "robust_p": "robustP", "robust_dof": "robustDof", "hlz_bar": "hlzBar",
    "robust_bar": "robustBar", "passes": "passes", "avg_names": "avgNames", "holm_p": "holmP", "bhy_p": "bhyP",
    "horizon_holm_p": "horizonHolmP", "m": "m",
}


def registry_tests(evaluation: Evaluation) -> list[dict[str, Any]]:
    """One flat camelCase dict per horizon with data, for ``store.registry.record_run``."""
    tests = []
    first, last = evaluation.ic.index.min(), evaluation.ic.index.max()
    for h, row in evaluation.table.iterrows():
        if row["n"] < stats.MIN_DATES:
            continue
        test: dict[str, Any] = {"horizon": int(h), "method": METHOD, "firstDate": first, "lastDate": last,
                                "rule": evaluation.decision.rule}
        for key, prop in _CAMEL.items():
            value = row[key]
            test[prop] = bool(value) if key == "passes" else (int(value) if key in ("n", "nw_lags", "robust_dof", "m")
                                                               else float(value))
        tests.append(test)
    return tests


def summary(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation as plain data: verdict, reasons, per-horizon rows, splits and the IC frame."""
    inputs = evaluation.inputs
    table = evaluation.table.reset_index()
    return {
        "factor": inputs.name,
        "model_version": inputs.model_version,
        "run_id": inputs.run_id,
        "data_fingerprint": inputs.data_fingerprint,
        "method": METHOD,
        "verdict": evaluation.decision.verdict,
        "status": evaluation.decision.status,
        "tier": evaluation.tier,
        "tier_reason": evaluation.tier_reason,
        "months": evaluation.months,
        "coverage": evaluation.inputs.coverage,
        "t_stat": evidence.headline_t(evaluation.table)[0],
        "t_stat_horizon": evidence.headline_t(evaluation.table)[1],
        "hlz_passes": evidence.hlz_passes(evaluation.table),
        "evidence": evaluation.evidence_note,
        "look_ahead": evaluation.look_ahead,
        "reasons": list(evaluation.decision.reasons),
        "rule": evaluation.decision.rule,
        "m": evaluation.m,
        "prior_tests": evaluation.prior_tests,
        "family": evaluation.family_note,
        "n_trials": evaluation.n_trials,
        "dates": int(evaluation.ic.shape[0]),
        "first_date": evaluation.ic.index.min(),
        "last_date": evaluation.ic.index.max(),
        "horizons": table.to_dict(orient="records"),
        "splits": None if evaluation.splits is None else evaluation.splits.to_dict(orient="records"),
        "ic": evaluation.ic,
    }
