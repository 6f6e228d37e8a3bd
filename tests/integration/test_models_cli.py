"""``nexus-graph models list | show | compare`` against the real Neo4j: provenance and what used a version."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.pipeline.registry import model_show, models_compare
from nexus_graph.sources.dataset import read_dataset
from nexus_graph.store import Store
from nexus_graph.store.embeddings import write_snapshot_embeddings
from nexus_graph.store.graph import load_dataset
from nexus_graph.store.models import record_model_version

pytestmark = pytest.mark.neo4j
TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"


def _meta(version: str, seed: int, val_auc: float, promoted: bool, label: str | None) -> dict:
    return {"version": version, "as_of": "2023-06-30", "seed": seed, "split": "time-forward", "val_auc": val_auc,
            "baseline_auc": 0.97, "min_auc": 0.6, "gate_passed": True, "promoted": promoted, "label": label,
            "graph_fingerprint": "abc123", "params": 1000 + seed, "created_at": f"2026-01-0{seed + 1}T00:00:00+00:00"}


def test_models_list_show_compare(store: Store) -> None:
    load_dataset(store, read_dataset(TINY))
    record_model_version(store, _meta("m-a", 0, 0.91, True, "first try"))
    record_model_version(store, _meta("m-b", 1, 0.93, True, None))
    companies = [r["company_id"] for r in store.records("factors/companies_of_kind", kind="equity")][:3]
    for date in ("2023-06-30", "2023-07-31"):
        write_snapshot_embeddings(store, pd.Timestamp(date), "m-a", companies, np.eye(3, 4), np.full(3, np.nan))

    shown = model_show(store, "m-a")
    assert shown["facts"]["label"] == "first try" and shown["facts"]["valAuc"] == 0.91
    assert shown["facts"]["baselineAuc"] == 0.97 and shown["facts"]["promoted"] is False  # m-b promoted later
    assert shown["used_by"]["embeddings"] == 6 and shown["used_by"]["month_ends"] == 2
    assert (shown["used_by"]["first"], shown["used_by"]["last"]) == ("2023-06-30", "2023-07-31")
    rows = {k: (a, b) for k, a, b in models_compare(store, "m-a", "m-b")}
    assert rows["valAuc"] == (0.91, 0.93) and rows["seed"] == (0, 1) and rows["graphFingerprint"] == ("abc123",) * 2
    assert rows["used by: embeddings"] == (6, 0)
    with pytest.raises(NexusError, match="Unknown model version 'nope'; recorded versions"):
        model_show(store, "nope")

    out = subprocess.run([sys.executable, "-m", "nexus_graph", "models", "list", "--json"], capture_output=True,
                         text=True, env=dict(os.environ), timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    listed = {row["version"]: row for row in json.loads(out.stdout)}
    assert listed["m-b"]["promoted"] is True and listed["m-a"]["label"] == "first try"
