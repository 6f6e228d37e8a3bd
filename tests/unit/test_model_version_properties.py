"""How checkpoint metadata becomes (:ModelVersion) properties (pure; the write is an integration test)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from nexus_graph.errors import NexusError
from nexus_graph.store.models import camel, model_properties, record_model_version

META = {
    "version": "hgt-2023-12-31-s0-abcdef12", "as_of": "2023-12-31", "seed": 0, "split": "time",
    "gap_months": None, "val_auc": 0.93, "gate_passed": True,
    "hyperparameters": {"hidden": 64, "weight_decay": 1e-4}, "execution": {"fanout": [10, 5], "threads": None},
    "libraries": {"torch": "2.15.0", "torch_geometric": "2.8.1"},
    "curve": [{"epoch": 20, "loss": 0.5, "val_auc": 0.8}], "val_auc_by_type": {"company__supplies__company": 0.9},
}


def test_camel() -> None:
    assert camel("val_auc_by_type") == "valAucByType" and camel("seed") == "seed"


def test_properties_are_flat_and_neo4j_typed() -> None:
    props = model_properties(META)
    assert "version" not in props and "gapMonths" not in props and "threads" not in props
    assert props["asOf"] == dt.date(2023, 12, 31)
    assert props["valAuc"] == 0.93 and props["gatePassed"] is True and props["split"] == "time"
    assert props["hidden"] == 64 and props["weightDecay"] == 1e-4 and props["fanout"] == [10, 5]
    assert props["torchVersion"] == "2.15.0" and props["torchGeometricVersion"] == "2.8.1"
    assert json.loads(props["curve"]) == META["curve"]
    assert json.loads(props["valAucByType"]) == META["val_auc_by_type"]
    allowed = (str, int, float, bool, list, dt.date)
    assert all(isinstance(v, allowed) for v in props.values())


def test_a_version_is_required() -> None:
    with pytest.raises(NexusError, match="Model metadata has no usable 'version'"):
        record_model_version(None, {"seed": 0})  # type: ignore[arg-type]
