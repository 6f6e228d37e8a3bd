"""Paper-trade runs in Neo4j: ``(:PaperTradeRun {id, ...})-[:USED_SIGNAL]->(:Signal {name})``.

A run node carries its configuration and headline statistics as flat camelCase properties
(``quantile``, ``weighting``, ``costBps``, ``longOnlySharpe``, ``longShortMaxDrawdown``, ...; see
:func:`run_properties`). Recording the same run id twice leaves the graph as after the first time.
Also the registry fact the paper trader needs, read from the registry's signal table: the registered
alphas (the deflated Sharpe's trial count is the multiple-testing family,
:func:`nexus_graph.store.registry.family_tests`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.schema import camel
from nexus_graph.store.neo4j_store import from_values
from nexus_graph.store.protocol import Store


def run_properties(run: Mapping[str, Any]) -> dict[str, Any]:
    """Flat camelCase node properties from a (possibly nested) run dict.

    Nested dicts are flattened by joining keys (``{"stats": {"long_only": {"sharpe": 1.2}}}`` ->
    ``statsLongOnlySharpe``); lists are kept when they hold scalars; None and non-finite numbers
    are dropped (Neo4j stores no nulls).
    """
    out: dict[str, Any] = {}

    def walk(prefix: tuple[str, ...], value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk((*prefix, str(key)), item)
            return
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return
        if isinstance(value, list | tuple):
            value = [v for v in value if v is not None]
            if any(isinstance(v, Mapping | list | tuple) for v in value):
                raise NexusError(f"Run property {'.'.join(prefix)!r} is a list of containers; only lists of "
                                 "numbers, strings or dates can be stored on a node.")
        out[camel("_".join(str(part) for part in prefix))] = value

    walk((), dict(run))
    return out


def record_paper_trade(store: Store, run: Mapping[str, Any], signals: Sequence[str]) -> int:
    """MERGE ``(:PaperTradeRun {id})`` with the run's properties and link it to each signal.

    Parameters
    ----------
    run : dict
        Must hold ``"id"`` (a non-empty string, stable for the same inputs); the other entries
        become properties through :func:`run_properties` (e.g. ``created_at`` -> ``createdAt``;
        pass times as ISO strings: the store layer sends ``datetime`` values as dates).
    signals : list of str
        Names of the factors used; each ``(:Signal {name})`` is MERGEd, so it need not exist yet.

    Returns
    -------
    int
        The number of signals linked.
    """
    run_id = run.get("id")
    if not isinstance(run_id, str) or not run_id:
        raise NexusError(f"A paper-trade run needs a non-empty string 'id' (got {run_id!r}).")
    names = sorted({str(s) for s in signals})
    if not names:
        raise NexusError(f"Paper-trade run {run_id!r} lists no signals; record the factors it traded.")
    props = run_properties(run)
    rows = store.write("trading/record_run", id=run_id, props=props, signals=names)
    return int(rows[0]["signals"]) if rows else 0


def paper_trade_run(store: Store, run_id: str) -> dict[str, Any] | None:
    """A recorded run's properties plus ``signals`` (sorted names), or None when unknown."""
    rows = store.records("trading/run", id=run_id)
    if not rows:
        return None
    props = {key: from_values(value) for key, value in rows[0]["run"].items()}
    return {**props, "signals": list(rows[0]["signals"])}


def runs_using(store: Store, signal: str) -> list[str]:
    """Ids of the runs that used ``signal``, newest first."""
    return [row["id"] for row in store.records("trading/runs_using", signal=signal)]


def signals_with_status(signals: pd.DataFrame, status: str = "alpha") -> list[str]:
    """Names of the registry's signals with this status (``alpha`` = registered alphas), sorted.

    ``signals`` is :func:`nexus_graph.store.registry.list_signals` (columns ``name, status, tests, ...``).
    """
    return sorted(signals.loc[signals["status"] == status, "name"].astype(str))


def registry_signals(store: Store) -> pd.DataFrame:
    """The registry's signal table (see :func:`nexus_graph.store.registry.list_signals`)."""
    from nexus_graph.store.registry import list_signals

    return list_signals(store)


