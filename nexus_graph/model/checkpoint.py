"""Checkpoints: ``models/<version>/{weights.pt, metadata.json}`` and the promoted pointer.

Layout under a models directory::

    models/
      hgt-2023-12-31-s0-1a2b3c4d/
        weights.pt          plain ``state_dict`` (tensors only), read with torch.load(weights_only=True)
        metadata.json       hyperparameters, as-of date, split, seed, graph fingerprint, curve, ...,
                            the ModelSpec that rebuilds the network, and the sha256 of weights.pt
      hgt_link_pred.pt      the PROMOTED model: a small torch-saved dict
                            {"version": str, "weights": "<version>/weights.pt", "weights_sha256": str}
                            (strings only, so weights_only=True reads it); no copy of the weights

:func:`load_checkpoint` recomputes the sha256 of ``weights.pt`` and refuses a file that does not
match its metadata (tampered, truncated or swapped), before unpickling anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy
import torch
import torch_geometric
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.model.hgt import HGTLinkPredictor
from nexus_graph.model.metrics import passes_gate
from nexus_graph.model.spec import ModelSpec
from nexus_graph.model.train import TrainResult

WEIGHTS = "weights.pt"
METADATA = "metadata.json"
PROMOTED = "hgt_link_pred.pt"
FORMAT = 1  # metadata.json layout version


def graph_fingerprint(data: HeteroData) -> str:
    """sha256 (hex) of a snapshot's node types, ids, features, masks and edges, in a fixed order.

    Two snapshots with equal tensors and ids give the same fingerprint; any change to a feature
    value, an id, the ``present`` mask or an edge changes it.
    """
    h = hashlib.sha256()

    def add(tag: str, tensor: torch.Tensor | None = None) -> None:
        h.update(tag.encode())
        if tensor is not None:
            t = tensor.detach().cpu().contiguous()
            h.update(f"{t.dtype}{tuple(t.shape)}".encode())
            h.update(t.numpy().tobytes())

    for nt in data.node_types:
        store = data[nt]
        add(f"node:{nt}:{store.num_nodes}")
        if "x" in store:
            add("x", store.x)
        if "present" in store:
            add("present", store.present.bool())
        if "node_id" in store:
            add("ids:" + "\x1f".join(map(str, store.node_id)))
    for et in data.edge_types:
        add("edge:" + "|".join(et), data[et].edge_index.long())
    return h.hexdigest()


def model_version(asof: str | dt.date | pd.Timestamp, seed: int, fingerprint: str) -> str:
    """``hgt-<asof>-s<seed>-<first 8 hex of the graph fingerprint>``, e.g. ``hgt-2023-12-31-s0-1a2b3c4d``."""
    return f"hgt-{pd.Timestamp(asof):%Y-%m-%d}-s{seed}-{fingerprint[:8]}"


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape the weights."""
    return {"python": platform.python_version(), "torch": torch.__version__,
            "torch_geometric": torch_geometric.__version__, "numpy": np.__version__, "scipy": scipy.__version__}


def _finite(value: float) -> float | None:
    """JSON has no NaN: missing values become null."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def training_metadata(result: TrainResult, data: HeteroData, asof: str | dt.date | pd.Timestamp, *,
                      split: str | None = None, gap_months: int | None = None, **extra: Any) -> dict[str, Any]:
    """The ``metadata.json`` content of a training run on snapshot ``data`` (the training graph).

    ``asof`` is the date whose knowledge the model may use (for a time-forward split, the validation
    date; the training graph is as of ``asof - gap``). ``split`` names the split as the caller calls
    it (default: the split's own kind); ``gap_months`` and any ``extra`` keys are recorded as given.
    Top-level keys: format, version, created_at, as_of, seed, split, split_details, gap_months,
    hyperparameters (``decoder``, ``mix``, ``select`` and ``objective`` among them), decoder_details
    (``{"kind": "bilinear"}`` or the stacked offsets' provenance: cut, windows, coefficients, residual
    weight), objective_details (kind, windows), execution, graph_fingerprint, params, curve [{epoch,
    loss, val_auc}], first_loss, final_loss, val_auc, best_val_auc, best_epoch, val_auc_by_type,
    min_auc, gate_passed, seconds, device, mode, libraries, spec (node types, feature widths, edge
    types: rebuilds the network); :func:`save_checkpoint` adds weights_sha256.
    """
    fingerprint = graph_fingerprint(data)
    cfg = result.config
    meta: dict[str, Any] = {
        "format": FORMAT,
        "version": model_version(asof, cfg.seed, fingerprint),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "as_of": f"{pd.Timestamp(asof):%Y-%m-%d}",
        "seed": cfg.seed,
        "split": split or result.split_info.get("kind"),
        "split_details": result.split_info,
        "gap_months": gap_months,
        "hyperparameters": {k: v for k, v in cfg.to_json().items() if k in (
            "hidden", "heads", "layers", "dropout", "lr", "weight_decay", "epochs", "eval_every", "neg_ratio",
            "decoder", "mix", "select", "select_min_z", "objective")},
        "decoder_details": result.decoder,
        "objective_details": result.objective,
        "execution": {k: v for k, v in cfg.to_json().items() if k in (
            "minibatch", "minibatch_edges", "batch_size", "fanout", "steps_per_epoch", "threads", "processes")},
        "graph_fingerprint": fingerprint,
        "params": result.params,
        "curve": [{"epoch": p.epoch, "loss": _finite(p.loss), "val_auc": _finite(p.val_auc)} for p in result.curve],
        "first_loss": _finite(result.first_loss),
        "final_loss": _finite(result.final_loss),
        "val_auc": _finite(result.val_auc),
        "best_val_auc": _finite(result.best_val_auc),
        "best_epoch": result.best_epoch,
        "val_auc_by_type": {k: _finite(v) for k, v in result.val_auc_by_type.items()},
        "min_auc": cfg.min_auc,
        "gate_passed": passes_gate(result.val_auc, cfg.min_auc),
        "seconds": round(result.seconds, 3),
        "device": result.device,
        "mode": result.mode,
        "libraries": library_versions(),
        "spec": result.spec.to_json(),
    }
    meta.update(extra)
    return meta


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_write(path: Path, write: Any) -> None:
    """Write through a temporary file in the same folder, then rename: never a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save_checkpoint(result: TrainResult, models_dir: str | Path, metadata: dict[str, Any]) -> Path:
    """Write ``models_dir/<metadata['version']>/`` (weights + metadata); returns that folder.

    Saving the same version again with identical weights changes nothing; with different weights it
    is refused (a version names one set of weights).
    """
    version = metadata.get("version")
    if not version:
        raise NexusError("metadata has no 'version'; build it with training_metadata(result, data, asof).")
    version_dir = Path(models_dir) / version
    version_dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in result.model.state_dict().items()}
    existing = version_dir / WEIGHTS
    fd, tmp = tempfile.mkstemp(dir=version_dir, prefix=f".{WEIGHTS}.")
    os.close(fd)
    try:
        torch.save(state, tmp)
        digest = sha256_file(Path(tmp))
        if existing.exists() and sha256_file(existing) != digest:
            raise NexusError(f"{version_dir} already holds different weights for version {version}; delete that "
                             "folder or train with another seed.")
        os.replace(tmp, existing)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    meta = dict(metadata, weights_sha256=digest)
    _atomic_write(version_dir / METADATA,
                  lambda p: p.write_text(json.dumps(meta, indent=2, sort_keys=False) + "\n", encoding="utf-8"))
    return version_dir


def promote(models_dir: str | Path, version: str) -> Path:
    """Point ``models_dir/hgt_link_pred.pt`` at ``version`` (verified first); returns the pointer path."""
    models_dir = Path(models_dir)
    _, meta = load_checkpoint(models_dir / version)  # refuses a missing or tampered version
    pointer = {"version": version, "weights": f"{version}/{WEIGHTS}", "weights_sha256": meta["weights_sha256"]}
    path = models_dir / PROMOTED
    _atomic_write(path, lambda p: torch.save(pointer, p))
    return path


def promoted_version(models_dir: str | Path) -> str | None:
    """The version ``hgt_link_pred.pt`` points to, or None when nothing was promoted."""
    path = Path(models_dir) / PROMOTED
    return _read_pointer(path)["version"] if path.exists() else None


def _read_pointer(path: Path) -> dict[str, str]:
    try:
        pointer = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # torch raises several types for a corrupt file
        raise NexusError(f"{path} is not a readable model pointer ({type(exc).__name__}); promote a model "
                         "again with the train command.") from None
    if not isinstance(pointer, dict) or not isinstance(pointer.get("version"), str):
        raise NexusError(f"{path} is not a model pointer (expected a dict with 'version'); promote again.")
    return pointer


def resolve_version_dir(path_or_version: str | Path, version: str | None = None) -> Path:
    """The version folder named by ``(models_dir, version)``, or by one path.

    With ``version``: ``path_or_version`` is the models folder and the result is its ``version``
    sub-folder. Without: a version folder, its ``weights.pt``, a ``hgt_link_pred.pt`` pointer, or a
    models folder holding one (the promoted model).
    """
    path = Path(path_or_version)
    if version:
        path = path / version
        if not path.is_dir():
            raise NexusError(f"No model version {version!r} under {path.parent}; train one or pick an existing "
                             "version folder.")
        return path
    if path.is_file() and path.name == PROMOTED:
        return path.parent / _read_pointer(path)["version"]
    if path.is_file() and path.name == WEIGHTS:
        return path.parent
    if path.is_dir() and not (path / METADATA).exists():
        if (path / PROMOTED).is_file():
            return path / _read_pointer(path / PROMOTED)["version"]
        raise NexusError(f"{path} holds no promoted model ({PROMOTED}); train one that passes the gate or name "
                         "a version.")
    if path.is_dir():
        return path
    raise NexusError(f"No model at {path}; pass a version folder, its {WEIGHTS}, {PROMOTED} or the models folder.")


def read_metadata(path_or_version: str | Path, version: str | None = None) -> dict[str, Any]:
    """``metadata.json`` of a version (resolved as in :func:`resolve_version_dir`)."""
    meta_path = resolve_version_dir(path_or_version, version) / METADATA
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NexusError(f"{meta_path} is not readable checkpoint metadata ({type(exc).__name__}: {exc}).") from None


def load_checkpoint(path_or_version: str | Path, version: str | None = None
                    ) -> tuple[HGTLinkPredictor, dict[str, Any]]:
    """The model (eval mode, CPU) and its metadata, after checking the weights' sha256.

    Parameters
    ----------
    path_or_version
        A version folder, its ``weights.pt``, a ``hgt_link_pred.pt`` pointer, or a models folder
        (then the promoted model, or ``version`` when given).
    version
        A version name under the models folder ``path_or_version``.

    Raises
    ------
    NexusError
        Missing files, unreadable metadata, a weights file whose sha256 differs from the one
        recorded (tampered or corrupt), or weights that do not fit the recorded architecture.
    """
    version_dir = resolve_version_dir(path_or_version, version)
    meta_path, weights_path = version_dir / METADATA, version_dir / WEIGHTS
    if not meta_path.is_file() or not weights_path.is_file():
        raise NexusError(f"{version_dir} is not a complete checkpoint (needs {METADATA} and {WEIGHTS}).")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        expected, spec = meta["weights_sha256"], ModelSpec.from_json(meta["spec"])
    except (ValueError, KeyError, TypeError) as exc:
        raise NexusError(f"{meta_path} is not valid checkpoint metadata ({type(exc).__name__}: {exc}).") from None
    actual = sha256_file(weights_path)
    if actual != expected:
        raise NexusError(f"{weights_path} does not match its metadata (sha256 {actual[:12]}... expected "
                         f"{expected[:12]}...): the file was modified or corrupted. Retrain or restore it; "
                         "it was not loaded.")
    try:
        state = torch.load(weights_path, weights_only=True, map_location="cpu")
        model = HGTLinkPredictor(spec)
        model.load_state_dict(state, strict=True)
    except Exception as exc:  # unpickling or shape errors of many types
        raise NexusError(f"{weights_path} could not be loaded into the recorded architecture "
                         f"({type(exc).__name__}: {exc}).") from None
    return model.eval(), meta
