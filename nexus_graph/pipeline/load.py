"""Step ``load``: a validated dataset into Neo4j, its prices into the prices file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nexus_graph.sources.prices import save_prices
from nexus_graph.sources.tables import Dataset
from nexus_graph.store.admin import init_schema, wipe
from nexus_graph.store.graph import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_WORKERS,
    ProgressCallback,
    graph_counts,
    load_dataset,
)
from nexus_graph.store.protocol import Store

__all__ = ["DEFAULT_BATCH_SIZE", "DEFAULT_WORKERS", "LoadResult", "load_step"]


@dataclass
class LoadResult:
    """Rows of each table the graph holds after the load (read back), counts per label/type, the prices file."""

    written: dict[str, int]
    counts: dict[str, dict[str, int]]
    prices_rows: int
    prices_file: Path
    replace: bool = False
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"replace": self.replace, "rows_written": self.written,
                "prices": {"rows": self.prices_rows, "file": str(self.prices_file)}, "warnings": self.warnings,
                **self.counts}


def load_step(
    store: Store,
    dataset: Dataset,
    *,
    replace: bool = False,
    keep_registry: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = DEFAULT_WORKERS,
    on_progress: ProgressCallback | None = None,
    prices_path: Path | None = None,
) -> LoadResult:
    """Apply the schema, (optionally) wipe, load ``dataset``, save its prices; counts read back.

    ``replace`` deletes the graph first: everything, or with ``keep_registry`` the graph data only
    (the signal registry and model versions keep every earlier test).
    """
    init_schema(store)  # MERGE needs the id indexes; idempotent
    if replace and keep_registry:
        wipe(store, keep_registry=True)
    written = load_dataset(store, dataset, replace=replace and not keep_registry, batch_size=batch_size,
                           workers=workers, on_progress=on_progress)
    prices_file = save_prices(dataset.prices, prices_path)
    return LoadResult(written, graph_counts(store), len(dataset.prices), prices_file, replace)
