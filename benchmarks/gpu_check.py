"""CPU against CUDA on the same work: training and backfill inference at x1 and x20 (issue #19).

    python -m benchmarks.gpu_check                       # every available device, scales 1 and 20
    python -m benchmarks.gpu_check --devices cpu --scales 1 --epochs 5 --months 3   # the CPU half (tests)

No Neo4j: the demo dataset is generated in memory and the snapshots are built from its tables, so
the figures are the tensor work alone, through the same entry points the pipeline uses
(:func:`nexus_graph.model.train.train_link_predictor`, :func:`nexus_graph.embeddings.backfill.snapshot_embeddings`
with the pipeline's embedder). Prints one row per (scale, device): seconds to train, val AUC, seconds
to embed the month-ends, peak GPU memory.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import pandas as pd
import torch

from nexus_graph.as_of import month_ends
from nexus_graph.embeddings.backfill import snapshot_embeddings
from nexus_graph.model import splits, train
from nexus_graph.model.config import TrainConfig
from nexus_graph.model.walk_forward import train_date
from nexus_graph.pipeline.backfill import model_embedder
from nexus_graph.snapshot.hetero import build_snapshot
from nexus_graph.snapshot.tables import graph_tables_from_dataset
from nexus_graph.sources.demo import generate

AS_OF = pd.Timestamp("2021-05-31")


@dataclass
class Row:
    scale: int
    device: str
    train_s: float
    val_auc: float
    embed_s: float
    months: int
    peak_gpu_mib: float | None

    def line(self) -> str:
        peak = "–" if self.peak_gpu_mib is None else f"{self.peak_gpu_mib:,.0f}"
        return (f"| x{self.scale} | {self.device} | {self.train_s:.2f} | {self.val_auc:.4f} | {self.embed_s:.2f} "
                f"({self.months} month-ends) | {peak} |")


def measure(scale: int, device: str, epochs: int, months: int, seed: int = 0) -> Row:
    """Train at the demo's as-of date on ``device`` and embed ``months`` month-ends after it."""
    tables = graph_tables_from_dataset(generate(seed=7, scale=scale))
    later = build_snapshot(tables, AS_OF)
    train_graph = build_snapshot(tables, train_date(AS_OF, 3))
    link_split = splits.time_forward_split(train_graph, later, seed=seed)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    result = train.train_link_predictor(train_graph, link_split, TrainConfig(epochs=epochs, seed=seed), device=device)
    train_s = time.perf_counter() - started
    dates = month_ends(AS_OF, AS_OF + pd.offsets.MonthEnd(months - 1))
    started = time.perf_counter()
    embedded = list(snapshot_embeddings(tables, dates, model_embedder(result.model, device)))
    embed_s = time.perf_counter() - started
    peak = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None
    return Row(scale, device, train_s, float(result.val_auc), embed_s, len(embedded), peak)


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", nargs="+", default=["cuda", "cpu"] if torch.cuda.is_available() else ["cpu"])
    parser.add_argument("--scales", nargs="+", type=int, default=[1, 20])
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args(argv)
    if "cuda" in args.devices and not torch.cuda.is_available():
        parser.error("--devices cuda: no CUDA device is visible to torch on this machine.")
    card = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    print(f"torch {torch.__version__}, CUDA device: {card}, {args.epochs} epochs")
    print("| scale | device | train s | val AUC | embed s | peak GPU MiB |")
    print("|---|---|---|---|---|---|")
    rows = []
    for scale in args.scales:
        for device in args.devices:
            rows.append(measure(scale, device, args.epochs, args.months))
            print(rows[-1].line(), flush=True)
    return rows


if __name__ == "__main__":
    main()
