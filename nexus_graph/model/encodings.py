"""Node encodings that let the HGT tell alike nodes apart: structure and identity, as extra ``x`` columns.

The snapshot's features are segment, kind and degrees, so two companies of the same segment and
degree enter the encoder identical. Two remedies, both pure functions of one snapshot that append
columns to ``data[nt].x`` (the model itself is unchanged; its input widths follow the snapshot):

- :func:`random_walk_encoding` -- position/structure: the return probabilities ``(P^k)_ii``,
  ``k = 1 .. steps``, of a random walk on the snapshot's undirected projection (every node type one
  node set, every edge type one undirected edge; RWSE, Dwivedi et al. 2022). Isolated nodes get 0.
- :func:`identity_codes` -- identity: a fixed pseudo-random Gaussian code per node, a hash of its
  ``node_id`` (BLAKE2b, so the same in every snapshot, process and machine). The rule for a node first
  seen after training is the same as for any node: its code comes from its id, so it gets a code the
  model never saw, which the input layer maps like noise around the codes it did see.

Both are computed per snapshot, so a backfill must add them to every month's snapshot the same way
(:func:`with_encodings`).
"""

from __future__ import annotations

import copy
import hashlib

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor
from torch_geometric.data import HeteroData


def _projection(data: HeteroData) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Symmetric 0/1 adjacency over all node rows (type offsets in ``data.node_types`` order)."""
    offset, total = {}, 0
    for nt in data.node_types:
        offset[nt], total = total, total + int(data[nt].num_nodes)
    rows, cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for et in data.edge_types:
        ei = data[et].edge_index.numpy()
        src, dst = ei[0] + offset[et[0]], ei[1] + offset[et[2]]
        rows += [src, dst]
        cols += [dst, src]
    r, c = np.concatenate(rows), np.concatenate(cols)
    keep = r != c
    a = sp.csr_matrix((np.ones(int(keep.sum())), (r[keep], c[keep])), shape=(total, total))
    a.data[:] = 1.0
    return a, offset


def random_walk_encoding(data: HeteroData, steps: int = 8) -> dict[str, Tensor]:
    """Per node type, float32 ``[N, steps]``: column ``k-1`` is the ``k``-step return probability."""
    a, offset = _projection(data)
    degree = np.asarray(a.sum(1)).ravel()
    p = sp.diags(np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)) @ a
    walk = sp.identity(a.shape[0], format="csr")
    columns = []
    for _ in range(steps):
        walk = walk @ p
        columns.append(walk.diagonal())
    enc = np.stack(columns, 1).astype(np.float32) if columns else np.zeros((a.shape[0], 0), np.float32)
    return {nt: torch.from_numpy(enc[offset[nt]: offset[nt] + int(data[nt].num_nodes)].copy())
            for nt in data.node_types}


def identity_codes(node_ids: list[str], dim: int, salt: str = "") -> Tensor:
    """float32 ``[len(node_ids), dim]`` standard-normal codes, each a deterministic function of ``salt + id``."""
    out = np.empty((len(node_ids), dim), dtype=np.float32)
    for i, node_id in enumerate(node_ids):
        seed = int.from_bytes(hashlib.blake2b(f"{salt}{node_id}".encode(), digest_size=8).digest(), "little")
        out[i] = np.random.default_rng(seed).standard_normal(dim)
    return torch.from_numpy(out)


def with_encodings(data: HeteroData, rw_steps: int = 0, identity_dim: int = 0) -> HeteroData:
    """A copy of ``data`` whose ``x`` has ``rw_steps`` RWSE columns then ``identity_dim`` identity columns appended.

    Absent nodes (``present`` False) keep all-zero rows, as the snapshot gives them.
    """
    out = copy.copy(data)
    extra: dict[str, list[Tensor]] = {nt: [] for nt in data.node_types}
    if rw_steps:
        for nt, enc in random_walk_encoding(data, rw_steps).items():
            extra[nt].append(enc)
    if identity_dim:
        for nt in data.node_types:
            extra[nt].append(identity_codes([f"{nt}:{i}" for i in data[nt].node_id], identity_dim))
    for nt, parts in extra.items():
        if not parts:
            continue
        x = torch.cat([data[nt].x, *parts], 1)
        if "present" in data[nt]:
            x[~data[nt].present.bool()] = 0.0
        out[nt].x = x
    return out
