"""(:ModelVersion) nodes against the real Neo4j: idempotent recording, one promoted version."""

from __future__ import annotations

import json

import pytest

from nexus_graph.store import Store
from nexus_graph.store.admin import schema_objects
from nexus_graph.store.models import model_version, model_versions, record_model_version

pytestmark = pytest.mark.neo4j


def meta(version: str, auc: float, promoted: bool | None = None) -> dict:
    out = {"version": version, "as_of": "2023-12-31", "seed": 0, "split": "time", "val_auc": auc,
           "min_auc": 0.6, "gate_passed": auc >= 0.6, "params": 1234, "device": "cpu", "seconds": 1.5,
           "graph_fingerprint": "ab" * 32, "created_at": f"2026-01-01T00:00:0{len(version) % 10}+00:00",
           "hyperparameters": {"hidden": 64, "lr": 0.005},
           "curve": [{"epoch": 20, "loss": 0.6, "val_auc": auc}]}
    if promoted is not None:
        out["promoted"] = promoted
    return out


def test_recording_twice_leaves_one_node_with_the_same_properties(store: Store) -> None:
    m = meta("hgt-2023-12-31-s0-aaaa1111", 0.91)
    record_model_version(store, m)
    first = model_version(store, m["version"])
    record_model_version(store, m)
    assert model_version(store, m["version"]) == first
    frame = model_versions(store)
    assert list(frame["version"]) == [m["version"]]
    row = frame.iloc[0]
    assert row["val_auc"] == 0.91 and bool(row["gate_passed"]) and row["as_of"].strftime("%Y-%m-%d") == "2023-12-31"
    assert first is not None and json.loads(first["curve"]) == m["curve"] and first["hidden"] == 64


def test_one_promoted_version(store: Store) -> None:
    record_model_version(store, meta("hgt-a", 0.9, promoted=True))
    record_model_version(store, meta("hgt-b", 0.5, promoted=False))
    record_model_version(store, meta("hgt-c", 0.95, promoted=True))
    frame = model_versions(store).set_index("version")
    assert frame["promoted"].to_dict() == {"hgt-a": False, "hgt-b": False, "hgt-c": True}


def test_version_is_unique(store: Store) -> None:
    names = {row["name"] for row in schema_objects(store)[1]}
    assert "model_version_unique" in names
    assert model_version(store, "never-recorded") is None
