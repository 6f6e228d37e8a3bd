"""Parquet export for pools of backtest workers that should never touch the database.

``nexus-graph export KIND --start --end --out DIR`` writes ``DIR/KIND/data/date=YYYY-MM-DD/part-0.parquet``
(one partition per date, the layout pandas, pyarrow, polars and Spark read as a dataset:
``pd.read_parquet("DIR/KIND/data")``) and ``DIR/KIND/manifest.json``: the model version, the data
fingerprint (sha256 over the files), the rows per partition and the sha256 of each file.

Re-running the same export is a no-op: each partition is written to a temporary file and replaces
the existing one only when its bytes differ, and the manifest likewise; a partition of a date that
left the range is removed. A reader that sees a manifest sees the files it lists.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.pipeline.read import GraphReader, _range

KINDS = ("embeddings", "factors", "edges", "centralities")
MANIFEST = "manifest.json"


@dataclass
class ExportResult:
    """What an export wrote: per partition its rows; which files changed."""

    kind: str
    folder: Path
    model_version: str | None
    rows: dict[str, int] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"kind": self.kind, "folder": str(self.folder), "model_version": self.model_version,
                "partitions": len(self.rows), "rows": sum(self.rows.values()), "files_changed": len(self.changed)}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _replace_if_changed(target: Path, write: Any) -> bool:
    """Write through ``write(path)`` to a temporary file; move it over ``target`` only if the bytes differ."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    os.close(fd)
    partial = Path(name)
    try:
        write(partial)
        if target.is_file() and _sha256(target) == _sha256(partial):
            return False
        os.replace(partial, target)
        return True
    finally:
        partial.unlink(missing_ok=True)


def frame_for(reader: GraphReader, kind: str, start: pd.Timestamp, end: pd.Timestamp, factor: str | None,
              model_version: str | None) -> pd.DataFrame:
    """The rows one export kind holds, with a ``date`` column (point in time, as :mod:`nexus_graph.read`)."""
    if kind == "embeddings":
        return reader.embeddings(start, end, model_version)
    if kind == "factors":
        if not factor:
            raise NexusError("export factors needs --factor NAME (see `nexus-graph registry list`).")
        return reader.factor(factor, start, end, model_version)
    if kind == "centralities":
        return reader.centralities(start, end)
    if kind == "edges":
        dates = pd.date_range(start, end, freq="ME")
        if dates.empty:
            raise NexusError(f"No month-end between {start:%Y-%m-%d} and {end:%Y-%m-%d} to export edges for.")
        parts = [frame.assign(date=date, type=rel_type)
                 for date in dates for rel_type, frame in reader.edges_as_of(date).items()]
        return pd.concat(parts, ignore_index=True)
    raise NexusError(f"Unknown export kind {kind!r}; choose one of {', '.join(KINDS)}.")


def export(reader: GraphReader, kind: str, start: str | pd.Timestamp, end: str | pd.Timestamp, out: Path,
           factor: str | None = None, model_version: str | None = None) -> ExportResult:
    """Export one kind for ``start`` … ``end`` under ``out/kind`` (see the module docstring)."""
    first, last = _range(start, end)
    frame = frame_for(reader, kind, first, last, factor, model_version)
    folder = out / (kind if kind != "factors" else f"factors/{factor}")
    result = ExportResult(kind, folder, frame.attrs.get("model_version"))
    files: dict[str, dict[str, Any]] = {}
    for date, part in frame.groupby(pd.to_datetime(frame["date"]), sort=True):
        relative = f"data/date={date:%Y-%m-%d}/part-0.parquet"
        rows = part.drop(columns="date").reset_index(drop=True)
        if _replace_if_changed(folder / relative, lambda path, rows=rows: rows.to_parquet(path, index=False)):
            result.changed.append(relative)
        files[relative] = {"rows": len(rows), "sha256": _sha256(folder / relative)}
        result.rows[f"{date:%Y-%m-%d}"] = len(rows)
    for stale in sorted(folder.glob("data/date=*/part-0.parquet")):
        if str(stale.relative_to(folder)) not in files:
            stale.unlink()
            result.changed.append(str(stale.relative_to(folder)))
    fingerprint = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    manifest = {"kind": kind, "factor": factor, "model_version": result.model_version, "start": f"{first:%Y-%m-%d}",
                "end": f"{last:%Y-%m-%d}", "rows": sum(result.rows.values()), "data_fingerprint": fingerprint,
                "files": files}
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    if _replace_if_changed(folder / MANIFEST, lambda path: path.write_text(text, encoding="utf-8")):
        result.changed.append(MANIFEST)
    return result
