"""Steps ``db init`` and ``registry``: the schema, and reads of the signal registry."""

from __future__ import annotations

import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.store.admin import SchemaReport, init_schema
from nexus_graph.store.models import model_usage, model_version, model_versions
from nexus_graph.store.protocol import Store
from nexus_graph.store.registry import list_signals, signal_detail


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


def registry_list(store: Store) -> pd.DataFrame:
    """Every registered signal with its status, tier, runs and tests (one row each)."""
    return list_signals(store)


def registry_show(store: Store, name: str) -> tuple[dict, pd.DataFrame]:
    """One signal's properties and every test recorded against it (one row per run and horizon)."""
    return signal_detail(store, name)


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
