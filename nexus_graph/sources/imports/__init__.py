"""Real-data adapters: published third-party formats -> canonical dataset frames.

Each adapter reads one real format and returns frames in the contract of
:mod:`nexus_graph.sources.tables`, applying the point-in-time rule of its source:

- :mod:`.yahoo` -- Yahoo-layout daily price CSVs, several sources stitched on returns;
- :mod:`.apple` -- Apple's published Supplier List -> supplier -> AAPL ``supply`` intervals;
- :mod:`.form4` -- SEC Form 4 insider filings -> person -> company ``board`` intervals;
- :mod:`.sec13f` -- SEC Form 13F data sets (SUBMISSION/COVERPAGE/INFOTABLE) -> ``ownership``;
- :mod:`.real_dataset` -- all of the above over ``../shared/data`` as one :class:`Dataset`.

Adapters are pure: they read the files they are given and return frames; they never write, open a
connection or read configuration. Every malformed input is reported with file, line, column and
value, all problems at once (capped), through :class:`InputRejected`; nothing is returned half-done.
The reviewed mapping files live in ``mappings/`` next to this module.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from nexus_graph import schema
from nexus_graph.errors import NexusError, ValidationFailed

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
MAX_PROBLEMS = 50


class InputRejected(ValidationFailed):
    """A source file broke its published format; ``problems`` lists every finding (capped)."""

    def __init__(self, problems: list[str], total: int | None = None) -> None:
        self.problems = problems
        self.total = len(problems) if total is None else total
        shown = "\n".join(f"  {p}" for p in problems)
        more = f"\n  ... and {self.total - len(problems)} more" if self.total > len(problems) else ""
        NexusError.__init__(self, f"{self.total} problem(s) in the input; nothing was written:\n{shown}{more}")


class Problems:
    """Collects input problems so that all of them are reported at once."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.total = 0

    def add(self, where: str, what: str) -> None:
        """Record one problem: ``where`` is ``file:line`` (or ``file``), ``what`` says what was expected."""
        self.total += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(f"{where}: {what}")

    def extend(self, other: Problems) -> None:
        """Take over every problem of ``other`` (keeping the cap)."""
        for item in other.items:
            if len(self.items) < MAX_PROBLEMS:
                self.items.append(item)
        self.total += other.total

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        """Raise :class:`InputRejected` when anything was recorded."""
        if self.total:
            raise InputRejected(self.items, self.total)


def read_delimited(path: Path, problems: Problems,
                   delimiter: str = ",") -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows and the line number where each row ends, from a UTF-8 delimited text file.

    Problems (missing file, not UTF-8, empty, invalid quoting) are recorded in ``problems``; on any of
    them the returned header and rows are empty.
    """
    if not path.is_file():
        problems.add(str(path), "file not found")
        return [], [], []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.add(str(path), f"not UTF-8 text (byte {exc.start}); re-save the file as UTF-8")
        return [], [], []
    if not text.strip():
        problems.add(str(path), "empty file; expected a header row and data rows")
        return [], [], []
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        header = [name.strip() for name in next(reader)]
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        problems.add(f"{path}:{reader.line_num}", f"not valid delimited text ({exc})")
        return [], [], []
    return header, rows, lines


def require_columns(path: Path, header: list[str], required: tuple[str, ...], problems: Problems) -> bool:
    """Record a problem for each required column missing from ``header``; True when all are there."""
    missing = [c for c in required if c not in header]
    for column in missing:
        problems.add(str(path), f"missing column {column!r}; expected columns {', '.join(required)} (got {header})")
    return not missing


def node_frame(spec: schema.NodeSpec, rows: list[dict[str, object]] | pd.DataFrame) -> pd.DataFrame:
    """A node table with every known column of ``spec`` (missing ones empty), in canonical order."""
    frame = pd.DataFrame(rows)
    columns = (*spec.required, *spec.optional)
    for column in columns:
        if column not in frame:
            frame[column] = pd.NaT if column in spec.date_columns else None
    for column in spec.date_columns:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame.loc[:, list(columns)].reset_index(drop=True)


def relationship_frame(spec: schema.RelSpec, rows: list[dict[str, object]] | pd.DataFrame) -> pd.DataFrame:
    """A relationship table with ``schema.rel_columns(spec)``, interval columns as ``datetime64[ns]``.

    Blank ``known_from`` / ``end_known_from`` are normalised as in :func:`tables.normalise_intervals`.
    """
    frame = pd.DataFrame(rows)
    columns = schema.rel_columns(spec)
    for column in columns:
        if column not in frame:
            frame[column] = pd.NaT if column in schema.INTERVAL_COLUMNS else None
    for column in schema.INTERVAL_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    frame[schema.KNOWN_FROM] = frame[schema.KNOWN_FROM].fillna(frame[schema.VALID_FROM])
    frame[schema.END_KNOWN_FROM] = frame[schema.END_KNOWN_FROM].fillna(frame[schema.VALID_TO])
    for column in spec.numeric:
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame.loc[:, list(columns)].reset_index(drop=True)


def write_frames(out_dir: str | Path, frames: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write each frame as ``<name>.csv`` (ISO dates, blank = missing) via a temporary file and rename.

    Call only once every frame is computed, so that a failure upstream writes nothing.
    """
    return [write_frame(Path(out_dir) / f"{name}.csv", frame) for name, frame in frames.items()]


def write_frame(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write one frame as CSV at exactly ``path`` (temporary file, then rename); parent folders created."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.name}.partial")
    frame.to_csv(partial, index=False, date_format="%Y-%m-%d")
    partial.replace(final)
    return final
