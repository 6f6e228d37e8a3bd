"""Trained model versions in Neo4j: one ``(:ModelVersion {version})`` node per checkpoint.

The node carries the checkpoint's ``metadata.json`` (see :mod:`nexus_graph.model.checkpoint`) as
camelCase properties: scalar entries as they are (``asOf`` as a Neo4j ``date``), the
``hyperparameters`` and ``execution`` groups flattened (``hidden``, ``weightDecay``, ``batchSize``...),
library versions as ``<library>Version``, and every other nested entry (``curve``, ``splitDetails``,
``valAucByType``, ``spec``) as a JSON string. Recording the same version again overwrites the same
properties (MERGE on the unique ``version``), so it is idempotent.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.schema import camel
from nexus_graph.store.neo4j_store import from_value
from nexus_graph.store.protocol import Store

FLATTENED = ("hyperparameters", "execution")  # groups whose keys become top-level properties
DATE_KEYS = ("as_of",)  # ISO date strings stored as Neo4j dates
Scalar = str | int | float | bool


def _scalar_or_list(value: Any) -> bool:
    if isinstance(value, Scalar):
        return True
    return isinstance(value, list | tuple) and all(isinstance(v, Scalar) for v in value) and (
        len({type(v) for v in value}) <= 1)


def model_properties(metadata: dict[str, Any]) -> dict[str, Any]:
    """Neo4j properties of a model version from its metadata (pure; ``version`` excluded)."""
    props: dict[str, Any] = {}
    for key, value in metadata.items():
        if key == "version" or value is None:
            continue
        if isinstance(value, float) and math.isnan(value):
            continue
        if key in DATE_KEYS and isinstance(value, str):
            props[camel(key)] = dt.date.fromisoformat(value)
        elif key in FLATTENED and isinstance(value, dict):
            for child, v in value.items():
                if v is not None and _scalar_or_list(v):
                    props[camel(child)] = list(v) if isinstance(v, tuple) else v
        elif key == "libraries" and isinstance(value, dict):
            for lib, version in value.items():
                props[camel(f"{lib}_version")] = str(version)
        elif _scalar_or_list(value):
            props[camel(key)] = list(value) if isinstance(value, tuple) else value
        else:
            props[camel(key)] = json.dumps(value, sort_keys=True, default=str)
    return props


def record_model_version(store: Store, metadata: dict[str, Any]) -> str:
    """MERGE the ``(:ModelVersion)`` of ``metadata['version']`` with the metadata as properties.

    Idempotent: recording the same metadata twice leaves one node with the same properties. When
    ``metadata['promoted']`` is true, every other version's ``promoted`` becomes false (one promoted
    model, like ``models/hgt_link_pred.pt``). Returns the version.
    """
    version = metadata.get("version")
    if not isinstance(version, str) or not re.fullmatch(r"[A-Za-z0-9._\-]+", version):
        raise NexusError(f"Model metadata has no usable 'version' (got {version!r}); pass a checkpoint's "
                         "metadata.json content.")
    rows = store.write("models/merge_model_version", version=version, props=model_properties(metadata))
    if metadata.get("promoted") is True:
        mark_promoted(store, version)
    return rows[0]["version"]


def mark_promoted(store: Store, version: str) -> int:
    """Set ``promoted`` true on ``version`` and false on every other version; returns the version count."""
    def work(tx) -> int:  # the current model and the companies' latest embeddings change together
        versions = int(tx.run("models/mark_promoted", version=version)[0]["versions"])
        tx.run("embeddings/derive_latest")
        return versions

    return store.transaction(work)


def model_versions(store: Store) -> pd.DataFrame:
    """Every recorded version, oldest first.

    Columns: version, as_of (datetime64), split, seed, val_auc, min_auc, gate_passed, promoted, params,
    device, seconds, graph_fingerprint, created_at (ISO string), baseline_auc, label.
    """
    columns = ["version", "as_of", "split", "seed", "val_auc", "min_auc", "gate_passed", "promoted", "params",
               "device", "seconds", "graph_fingerprint", "created_at", "baseline_auc", "label"]
    return store.frame("models/model_versions", columns=columns)


def model_version(store: Store, version: str) -> dict[str, Any] | None:
    """All properties of one version (camelCase, JSON strings as stored), or None if never recorded."""
    rows = store.records("models/model_version", version=version)
    return {k: from_value(v) for k, v in rows[0]["props"].items()} if rows else None


def model_usage(store: Store, version: str) -> dict[str, Any]:
    """What used ``version``: embeddings (rows, month-ends, first, last), factors and registry signals."""
    row = store.records("models/usage", version=version)[0]
    return {"embeddings": int(row["embeddings"]), "month_ends": int(row["month_ends"]),
            "first": None if row["first"] is None else str(row["first"]),
            "last": None if row["last"] is None else str(row["last"]),
            "factors": sorted(row["factors"]), "signals": sorted(row["signals"])}
