"""Train -> backfill -> evaluate through the real Neo4j, and the demo end to end.

Also the look-ahead proof of DESIGN §4: adding data known only after t changes nothing computed
for t -- not the model trained at t, not the embeddings of dates <= t.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph.model import checkpoint
from nexus_graph.model.train import TrainConfig
from nexus_graph.pipeline.backfill import backfill
from nexus_graph.pipeline.train import train_model
from nexus_graph.sources.demo import generate
from nexus_graph.store import Store
from nexus_graph.store.embeddings import read_embedding_panel
from nexus_graph.store.graph import load_dataset
from nexus_graph.store.models import model_version

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]
AS_OF = pd.Timestamp("2021-05-31")
FAST = TrainConfig(epochs=40, eval_every=20, seed=0)


def _future_only(dataset, after: pd.Timestamp):
    """The same dataset plus one interval of each type that became known only after ``after``."""
    late = after + pd.Timedelta(days=40)
    extra = dataset.supply.iloc[:1].copy()
    extra[["valid_from", "known_from"]] = [after - pd.Timedelta(days=400), late]  # valid long before, known late
    extra["customer_id"] = dataset.companies.company_id.iloc[-1]
    extra[["valid_to", "end_known_from"]] = pd.NaT
    supply = pd.concat([dataset.supply, extra], ignore_index=True).drop_duplicates(
        ["supplier_id", "customer_id", "valid_from"])
    own = dataset.ownership.iloc[:1].copy()
    own[["valid_from", "known_from"]] = [late, late]
    own[["valid_to", "end_known_from"]] = pd.NaT
    own["company_id"] = dataset.companies.company_id.iloc[-2]
    ownership = pd.concat([dataset.ownership, own], ignore_index=True).drop_duplicates(
        ["fund_id", "company_id", "valid_from"])
    return supply, ownership


def test_train_gate_promote_and_model_version_node(store: Store, tmp_path: Path) -> None:
    load_dataset(store, generate(seed=7))
    strict = train_model(store, AS_OF, tmp_path / "strict", config=FAST, device="cpu")
    assert strict.baseline is not None and 0.5 < strict.baseline.auc <= 1.0  # scored on the same pairs
    assert strict.below_baseline == (strict.val_auc < strict.baseline.auc)  # margin 0
    assert strict.passed == strict.promoted == (not strict.below_baseline)
    assert (strict.baseline_note() is not None) == strict.below_baseline
    outcome = train_model(store, AS_OF, tmp_path, config=TrainConfig(epochs=40, eval_every=20, seed=1),
                          device="cpu", allow_below_baseline=True)
    assert outcome.passed and outcome.promoted
    assert checkpoint.promoted_version(tmp_path) == outcome.version
    node = model_version(store, outcome.version)
    assert node is not None and str(node["asOf"]) == "2021-05-31"
    assert node["baselineAuc"] == round(outcome.baseline.auc, 4)  # the provenance records both AUCs
    assert node["promotedBelowBaseline"] == outcome.below_baseline
    summary = outcome.summary()
    assert summary["baseline_auc"] == round(outcome.baseline.auc, 4) and set(summary["baseline_auc_by_type"])
    failing = train_model(store, AS_OF, tmp_path, config=TrainConfig(epochs=20, eval_every=20, seed=3,
                                                                     min_auc=0.999), device="cpu",
                          allow_below_baseline=True)
    assert not failing.passed and not failing.promoted
    assert checkpoint.promoted_version(tmp_path) == outcome.version  # the failed model promoted nothing


def test_no_look_ahead_model_and_embeddings(store: Store, tmp_path: Path) -> None:
    dataset = generate(seed=7)
    load_dataset(store, dataset)
    first = train_model(store, AS_OF, tmp_path / "a", config=FAST, device="cpu", allow_below_baseline=True)
    backfill(store, tmp_path / "a", first.version, AS_OF, pd.Timestamp("2021-09-30"), device="cpu")
    before, _ = read_embedding_panel(store, first.version)

    # the same graph plus relationships that became known only after 2021-09-30
    dataset.supply, dataset.ownership = _future_only(dataset, pd.Timestamp("2021-09-30"))
    load_dataset(store, dataset)
    second = train_model(store, AS_OF, tmp_path / "b", config=FAST, device="cpu", allow_below_baseline=True)
    assert second.version == first.version  # same graph fingerprint and seed
    weights_a = checkpoint.read_metadata(tmp_path / "a", first.version)["weights_sha256"]
    weights_b = checkpoint.read_metadata(tmp_path / "b", second.version)["weights_sha256"]
    assert weights_a == weights_b
    store.write("test/delete_embeddings", model_version=first.version)
    backfill(store, tmp_path / "b", second.version, AS_OF, pd.Timestamp("2021-09-30"), device="cpu")
    after, _ = read_embedding_panel(store, second.version)
    pd.testing.assert_frame_equal(before, after)
    assert np.isfinite(after.to_numpy()).all()


def _demo(*args: str, env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "nexus_graph", "demo", "--json", *args], capture_output=True,
                         text=True, env={**os.environ, **env}, check=False, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def test_demo_end_to_end_drift_then_none(store: Store, tmp_path: Path) -> None:
    env = {"NEXUS_GRAPH_MODELS": str(tmp_path / "models"), "NEXUS_GRAPH_DATA_HOME": str(tmp_path / "side")}
    # the seed-noise model in a second process (the default above 50,000 intervals), through `python -m`
    drift = _demo("--run-dir", str(tmp_path / "drift"), "--noise-background", env=env)
    assert drift["training"]["gate"] == "pass"
    assert drift["backfill"]["rows_total"] == drift["backfill"]["rows_written"] > 0
    assert drift["backfill"]["dim"] == 64
    assert all(check["passed"] for check in drift["validation"]["checks"])
    horizons = {row["horizon"]: row for row in drift["evaluation"]["horizons"]}
    assert [horizons[h]["n"] for h in (21, 63, 126)] == [57, 55, 52]
    assert abs(horizons[21]["t"]) > 2
    assert drift["evaluation"]["verdict"] in ("CANDIDATE", "ALPHA")
    for name in ("report.md", "training_curve.png", "equity_curve.png"):
        assert (tmp_path / "drift" / "report" / name).is_file()

    # the same run again, merging into the same graph: the registry gains no test
    again = _demo("--run-dir", str(tmp_path / "drift2"), "--keep", env=env)
    assert again["evaluation"]["run_id"] == drift["evaluation"]["run_id"]
    assert again["registration"]["tests_new"] == 0 and again["backfill"]["rows_written"] == 0

    none = _demo("--signal", "none", "--run-dir", str(tmp_path / "none"), env=env)
    assert none["evaluation"]["verdict"] == "NULL"
    assert none["registration"]["tests_new"] > 0  # a fresh graph keeps the registry: both runs are recorded
    assert none["registry_tests"] >= drift["registry_tests"] + none["registration"]["tests_new"]


def test_stacked_decoder_trains_records_and_backfills(store: Store, tmp_path: Path) -> None:
    """The opt-in stacked decoder with the windows objective, fitted mix and held-back selection, through the
    pipeline."""
    load_dataset(store, generate(seed=7))
    config = TrainConfig(epochs=20, eval_every=10, seed=0, decoder="stacked", objective="windows", mix="fitted",
                         select="held-back")
    outcome = train_model(store, AS_OF, tmp_path, config=config, device="cpu", allow_below_baseline=True)
    summary = outcome.summary()
    assert summary["decoder"] == "stacked" and summary["objective"] == "windows"
    assert summary["baseline_auc"] is not None and summary["val_auc"] is not None  # side by side
    assert summary["residual_weight"] is not None and summary["residual_weight"] >= 0.0
    node = model_version(store, outcome.version)
    assert node is not None and node["decoder"] == "stacked" and node["mix"] == "fitted"
    assert node["select"] == "held-back" and summary["selected_epoch"] in (10, 20)
    details = json.loads(node["decoderDetails"])
    assert details["cut"] == "2021-02-28" and [p["epoch"] for p in details["selection_trace"]] == [10, 20]
    backfill(store, tmp_path, outcome.version, AS_OF, pd.Timestamp("2021-07-31"), device="cpu")
    panel, _ = read_embedding_panel(store, outcome.version)
    assert len(panel) > 0 and np.isfinite(panel.to_numpy()).all()  # the encoder embeds as before


def test_combined_decoder_trains_records_and_keeps_the_hgt_alone(store: Store, tmp_path: Path) -> None:
    """The opt-in combined decoder through the pipeline: the combination's AUC gates, the HGT alone and its
    weight are recorded on the (:ModelVersion) node, and the encoder backfills as the default one."""
    load_dataset(store, generate(seed=7))
    config = TrainConfig(epochs=20, eval_every=10, seed=0, decoder="combined")
    outcome = train_model(store, AS_OF, tmp_path, config=config, device="cpu", allow_below_baseline=True)
    summary = outcome.summary()
    assert summary["decoder"] == "combined" and summary["baseline_auc"] is not None
    assert summary["hgt_auc"] is not None and summary["hgt_weight"] is not None
    assert summary["hgt_auc"] == pytest.approx(summary["val_auc_curve"][-1], abs=1e-4)  # the HGT alone's curve
    assert outcome.below_baseline == (summary["val_auc"] < summary["baseline_auc"] or summary["hgt_weight"] <= 0)
    node = model_version(store, outcome.version)
    assert node is not None and node["decoder"] == "combined"
    details = json.loads(node["decoderDetails"])
    assert details["kind"] == "combined" and len(details["windows"]) == 4
    assert set(details["coefficients"]["fund__owns__company"]) >= {"past_link", "hgt"}
    backfill(store, tmp_path, outcome.version, AS_OF, pd.Timestamp("2021-06-30"), device="cpu")
    panel, _ = read_embedding_panel(store, outcome.version)
    assert len(panel) > 0 and np.isfinite(panel.to_numpy()).all()
