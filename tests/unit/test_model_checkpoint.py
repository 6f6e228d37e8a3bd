"""Checkpoints: round trip with weights_only, tamper detection, promotion pointer, fingerprints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from nexus_graph.errors import NexusError
from nexus_graph.model.checkpoint import (
    METADATA,
    PROMOTED,
    WEIGHTS,
    graph_fingerprint,
    load_checkpoint,
    model_version,
    promote,
    promoted_version,
    read_metadata,
    save_checkpoint,
    training_metadata,
)
from nexus_graph.model.splits import time_forward_split
from nexus_graph.model.synthetic import SUPPLIES, BlockModelShape, block_model_snapshots
from nexus_graph.model.train import TrainConfig, embed, train_link_predictor

# torch labels its CSR tensors "beta" once per process; the kernels using them are tested here
pytestmark = pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")

TINY = BlockModelShape(companies=40, funds=6, directors=6, segments=4, supplies=100, owns=60, sits_on=12,
                       fund_segments=1, growth=0.3)


@pytest.fixture(scope="module")
def trained():
    earlier, later = block_model_snapshots(TINY, seed=0)
    split = time_forward_split(earlier, later)
    result = train_link_predictor(earlier, split, TrainConfig(epochs=10, eval_every=5, seed=3), device="cpu")
    return result, earlier, later


def test_round_trip_with_weights_only(tmp_path: Path, trained) -> None:
    result, earlier, later = trained
    meta = training_metadata(result, earlier, asof="2023-12-31", split="time", gap_months=3)
    version_dir = save_checkpoint(result, tmp_path, meta)
    assert version_dir.name == meta["version"] == model_version("2023-12-31", 3, graph_fingerprint(earlier))
    assert meta["version"].startswith("hgt-2023-12-31-s3-")
    state = torch.load(version_dir / WEIGHTS, weights_only=True)  # a plain state_dict
    assert set(state) == set(result.model.state_dict())
    model, loaded = load_checkpoint(version_dir)
    assert not model.training
    original = result.model.state_dict()
    assert all(torch.equal(model.state_dict()[k], original[k]) for k in original)
    z0, z1 = embed(result.model, later, device="cpu"), embed(model, later, device="cpu")
    assert torch.equal(z0["company"], z1["company"])
    for key in ("as_of", "seed", "split", "split_details", "gap_months", "hyperparameters", "graph_fingerprint",
                "params", "curve", "val_auc", "min_auc", "gate_passed", "seconds", "device", "libraries", "spec",
                "weights_sha256"):
        assert key in loaded, key
    assert loaded["as_of"] == "2023-12-31" and loaded["split"] == "time" and loaded["gap_months"] == 3
    assert loaded["curve"] == [{"epoch": p.epoch, "loss": p.loss, "val_auc": p.val_auc} for p in result.curve]
    assert loaded["hyperparameters"]["hidden"] == 64 and loaded["params"] == result.params
    assert loaded["spec"]["node_dims"] == {"company": 7, "fund": 5, "director": 2}
    assert read_metadata(version_dir) == loaded


def test_tampered_weights_are_refused(tmp_path: Path, trained) -> None:
    result, earlier, _ = trained
    version_dir = save_checkpoint(result, tmp_path, training_metadata(result, earlier, asof="2023-12-31"))
    weights = version_dir / WEIGHTS
    raw = bytearray(weights.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    weights.write_bytes(bytes(raw))
    with pytest.raises(NexusError, match=r"does not match its metadata .* the file was modified or corrupted"):
        load_checkpoint(version_dir)


def test_corrupt_file_with_matching_hash_is_refused(tmp_path: Path, trained) -> None:
    result, earlier, _ = trained
    version_dir = save_checkpoint(result, tmp_path, training_metadata(result, earlier, asof="2023-12-31"))
    (version_dir / WEIGHTS).write_bytes(b"not a checkpoint")
    meta = json.loads((version_dir / METADATA).read_text())
    import hashlib

    meta["weights_sha256"] = hashlib.sha256(b"not a checkpoint").hexdigest()
    (version_dir / METADATA).write_text(json.dumps(meta))
    with pytest.raises(NexusError, match="could not be loaded into the recorded architecture"):
        load_checkpoint(version_dir)


def test_promote_writes_a_weights_only_pointer(tmp_path: Path, trained) -> None:
    result, earlier, _ = trained
    assert promoted_version(tmp_path) is None
    with pytest.raises(NexusError, match="holds no promoted model"):
        load_checkpoint(tmp_path)
    version_dir = save_checkpoint(result, tmp_path, training_metadata(result, earlier, asof="2023-12-31"))
    pointer_path = promote(tmp_path, version_dir.name)
    assert pointer_path == tmp_path / PROMOTED
    pointer = torch.load(pointer_path, weights_only=True)
    assert pointer["version"] == version_dir.name and pointer["weights"] == f"{version_dir.name}/{WEIGHTS}"
    assert promoted_version(tmp_path) == version_dir.name
    for where in (tmp_path, pointer_path):
        _, meta = load_checkpoint(where)
        assert meta["version"] == version_dir.name
    _, meta = load_checkpoint(tmp_path, version_dir.name)
    assert meta["version"] == version_dir.name
    with pytest.raises(NexusError, match="No model version 'hgt-nope'"):
        load_checkpoint(tmp_path, "hgt-nope")


def test_saving_a_version_twice(tmp_path: Path, trained) -> None:
    result, earlier, _ = trained
    meta = training_metadata(result, earlier, asof="2023-12-31")
    first = save_checkpoint(result, tmp_path, meta)
    digest = read_metadata(first)["weights_sha256"]
    assert save_checkpoint(result, tmp_path, meta) == first  # same weights: nothing changes
    assert read_metadata(first)["weights_sha256"] == digest
    with torch.no_grad():
        next(result.model.parameters()).add_(1.0)
    try:
        with pytest.raises(NexusError, match="already holds different weights"):
            save_checkpoint(result, tmp_path, meta)
    finally:
        with torch.no_grad():
            next(result.model.parameters()).sub_(1.0)
    assert [p.name for p in first.iterdir() if p.name.startswith(".")] == []  # no temporary left behind


def test_graph_fingerprint_sees_every_change() -> None:
    a, _ = block_model_snapshots(TINY, seed=0)
    b, _ = block_model_snapshots(TINY, seed=0)
    assert graph_fingerprint(a) == graph_fingerprint(b)
    base = graph_fingerprint(a)
    b[SUPPLIES].edge_index[1, 0] = (b[SUPPLIES].edge_index[1, 0] + 1) % TINY.companies
    assert graph_fingerprint(b) != base
    c, _ = block_model_snapshots(TINY, seed=0)
    c["fund"].x[0, 0] += 1e-3
    assert graph_fingerprint(c) != base
    d, _ = block_model_snapshots(TINY, seed=0)
    d["company"].node_id[0] = "RENAMED"
    assert graph_fingerprint(d) != base
