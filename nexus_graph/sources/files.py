"""Reading one dataset table file (CSV or Parquet) into a raw frame, reporting what makes it unreadable.

Nothing here interprets values: CSV cells arrive as text exactly as written (blank = ``""``),
Parquet columns with their stored types. Every problem is one line naming the file and, where
there is one, the place: ``line N`` for CSV (the header is line 1, so the first data row is line 2,
as a text editor or spreadsheet shows it when no quoted cell spans lines) and ``row N`` for Parquet
(1-based data row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

BOM = b"\xef\xbb\xbf"
SHOW_CHARS = 40  # offending values are shown up to this many characters
MAX_FORMATTED = 50  # problems of one file formatted as text; the rest are only counted


def show(value: object) -> str:
    """An offending value as it should appear in a message: quoted, shortened, blanks named."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return "blank"
    text = value if isinstance(value, str) else str(value)
    if text == "":
        return "blank"
    if len(text) > SHOW_CHARS:
        return f"{text[:SHOW_CHARS]!r}... ({len(text):,} characters)"
    return repr(text)


@dataclass
class RawTable:
    """One table as read: its frame (default index 0..n-1) and how to name a row in messages."""

    name: str  # table name, e.g. "supply"
    file: str  # file name shown in messages, e.g. "supply.csv"
    frame: pd.DataFrame
    is_csv: bool
    lines: np.ndarray | None = None  # CSV only: the line number of each frame row
    header: list[str] = field(default_factory=list)
    broken_rows: int = 0  # CSV rows skipped for a wrong number of fields (the first MAX_FORMATTED reported)

    def where(self, row: int) -> str:
        """``line N`` (CSV) or ``row N`` (Parquet) of frame row ``row``."""
        if self.is_csv and self.lines is not None:
            return f"line {int(self.lines[row])}"
        return f"row {row + 1}"


def _utf8_problem(file: str, data: bytes, exc: UnicodeDecodeError) -> str:
    line = data.count(b"\n", 0, exc.start) + 1
    return (f"{file} line {line}: byte 0x{data[exc.start]:02x} at offset {exc.start:,} is not UTF-8; "
            "expected a UTF-8 text file (re-save it as UTF-8)")


def _header(file: str, text: str) -> tuple[list[str], list[str]]:
    """The header's column names and any problems with them (empty, duplicated)."""
    import csv
    import io

    first = next(csv.reader(io.StringIO(text.split("\n", 1)[0].rstrip("\r"))), [])
    problems = []
    if not any(name.strip() for name in first):
        problems.append(f"{file}: no header row; expected a first line naming the columns")
    seen: set[str] = set()
    for name in first:
        if name in seen:
            problems.append(f"{file} line 1: column {name!r} appears twice; expected each column once")
        seen.add(name)
    return first, problems


def read_csv_table(name: str, path: Path) -> tuple[RawTable | None, list[str]]:
    """A CSV file as text cells; rows with the wrong number of fields are reported, never dropped silently."""
    file = path.name
    data = path.read_bytes()
    if data.startswith(BOM):  # Excel writes one; it is not part of the first column name
        data = data[len(BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [_utf8_problem(file, data, exc)]
    header, problems = _header(file, text)
    if problems:
        return None, problems
    bad: list[tuple[int, int, int, str]] = []

    def invalid_row(row: pa_csv.InvalidRow) -> str:
        bad.append((row.number, row.expected_columns, row.actual_columns, row.text))
        return "skip"

    def parse(block_size: int) -> pa.Table:
        bad.clear()
        return pa_csv.read_csv(
            pa.BufferReader(data),
            # single-threaded so every invalid row comes with its number
            read_options=pa_csv.ReadOptions(use_threads=False, block_size=block_size),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                                              invalid_row_handler=invalid_row),
            convert_options=pa_csv.ConvertOptions(column_types={c: pa.string() for c in header},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False),
        )

    try:
        try:
            table = parse(1 << 22)
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc):
                raise
            table = parse(len(data) + 1)  # a row longer than a block: one block for the whole file
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        return None, [f"{file}: not valid CSV ({exc}); expected comma-separated rows with a header line"]
    broken = [(number, expected, actual, text) for number, expected, actual, text in bad if text.strip() != ""]
    for number, expected, actual, row_text in broken[:MAX_FORMATTED]:  # a blank line carries no data
        hint = "an unclosed quote?" if row_text.count('"') % 2 else "a comma too many or too few?"
        problems.append(f"{file} line {number}: {actual} field(s); expected {expected} as in the header "
                        f"({hint}): {show(row_text)}")
    frame = table.to_pandas()
    lines = _line_numbers(len(frame), [number for number, *_ in bad])
    raw = RawTable(name, file, frame, True, lines, header, broken_rows=len(broken))
    return raw, problems


def _line_numbers(n_rows: int, skipped: list[int]) -> np.ndarray:
    """Line number of each kept row, given the line numbers of the skipped rows (header = line 1)."""
    every = np.arange(2, n_rows + len(skipped) + 2, dtype=np.int64)
    return np.setdiff1d(every, np.asarray(skipped, dtype=np.int64), assume_unique=True)


def read_parquet_table(name: str, path: Path) -> tuple[RawTable | None, list[str]]:
    """A Parquet file with its stored column types (dates as ``datetime64``)."""
    file = path.name
    try:
        table = pq.read_table(path)
        frame = table.to_pandas(date_as_object=False, timestamp_as_object=False, ignore_metadata=True)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others for damaged files
        reason = str(exc).replace(str(path), file)  # the file name is enough; keep messages short and stable
        return None, [f"{file}: not a valid Parquet file ({type(exc).__name__}: {reason}); expected a complete "
                      "Parquet file (re-export it)"]
    return RawTable(name, file, frame.reset_index(drop=True), False, None, list(frame.columns)), []


def find_table_file(data_dir: Path, name: str) -> tuple[Path | None, str | None]:
    """The file of table ``name`` in ``data_dir`` (``.csv`` or ``.parquet``), or a problem line."""
    candidates = [data_dir / f"{name}.{ext}" for ext in ("csv", "parquet")]
    present = [p for p in candidates if p.is_file()]
    if not present:
        return None, f"{name}: no {name}.csv or {name}.parquet in {data_dir}; expected one of them"
    if len(present) > 1:
        return None, (f"{name}: both {name}.csv and {name}.parquet in {data_dir}; expected exactly one "
                      "(remove the stale one)")
    return present[0], None


def read_table(data_dir: Path, name: str) -> tuple[RawTable | None, list[str]]:
    """Find and read table ``name``; ``(None, problems)`` when it is missing or unreadable."""
    path, problem = find_table_file(data_dir, name)
    if path is None:
        return None, [problem or name]
    if path.suffix == ".csv":
        return read_csv_table(name, path)
    return read_parquet_table(name, path)
