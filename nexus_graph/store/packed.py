"""Bulk reads as packed rows: a statement returns its rows as lists, a chunk of them per record.

The Python driver spends most of a bulk read building one record (a dict, its keys, a
``neo4j.time.Date`` per date) per row: 164,020 centrality rows took 32 s as records and 7.5 s as
row lists on a loaded 2-core machine, while the server answered in 1.3 s. A packed statement ends
in the same ORDER BY as its row form, then::

    WITH collect([toString(a.date), a.companyId, ...]) AS rows
    UNWIND range(0, size(rows) - 1, $chunk) AS start
    RETURN rows[start..start + $chunk] AS rows

Dates travel as ISO strings (``toString``; null stays null) and are parsed here, so the frames
are the ones the row form gave (same columns, order, dtypes).

The bulk interval reads (``cypher/snapshot/intervals_*``) go one step further, as *text rows*
(:func:`text_rows_frame`): one record per source node, each row ONE string of its fields joined by
U+001F, the separator the loader writes with (``store/graph.py``; validated data never holds control
characters). The driver decodes one value per row instead of eight or nine, and the server never
collects more than one source node's rows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from nexus_graph.errors import NexusError
from nexus_graph.store.protocol import Store

PACKED_CHUNK = 20_000  # rows per record: bounds one Bolt message, not the server's sort
FIELD_SEPARATOR = "\x1f"  # of a text row; the loader's separator (store/graph.py)


def unpacked(records: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """The rows of a packed statement's records, in order."""
    return [row for record in records for row in record["rows"]]


def parse_dates(values: pd.Series) -> pd.Series:
    """ISO date strings (or dates; None = NaT) as ``datetime64[s]``, the dtype pandas gives ``datetime.date`` values."""
    return pd.to_datetime(values).astype("datetime64[s]")


def packed_frame(store: Store, name: str, columns: Sequence[str], dates: Sequence[str] = (),
                 **params: Any) -> pd.DataFrame:
    """A packed statement's rows as a frame; ``dates`` columns parsed to ``datetime64`` when any is set.

    Equal to ``store.frame`` of the row form, which converts a column whose values are dates.
    """
    frame = pd.DataFrame(unpacked(store.records(name, chunk=PACKED_CHUNK, **params)), columns=list(columns))
    for column in dates:
        if frame[column].notna().any():
            frame[column] = parse_dates(frame[column])
    return frame


def text_rows_frame(records: Iterable[dict[str, Any]], columns: Sequence[str], numeric: Collection[str] = (),
                    text: Collection[str] = ()) -> pd.DataFrame:
    """The rows of a text-rows statement as a frame: ``columns[0]`` from each record's ``source_id``.

    Each record holds ``source_id`` and ``rows``: strings of the other columns' fields joined by
    :data:`FIELD_SEPARATOR`, ``''`` for null. ``numeric`` fields are number text (Java's round-trip
    ``toString``, parsed exactly), ``text`` fields are ``'v' + value`` (so an empty text stays apart
    from null), the rest (ids, ISO dates) plain. Split and converted by Arrow, without a Python
    object per field (1M ownership rows: 1.8 s and +154 MiB, against 5.6 s and +822 MiB in Python).
    The frame is the row form's: text columns ``str``, numbers ``float64``, and a column without any
    value (or a frame without rows) of ``None`` objects, as pandas infers them from records.
    """
    records = list(records)
    counts = np.fromiter((len(r["rows"]) for r in records), dtype=np.int64, count=len(records))
    lines = pa.array([line for record in records for line in record["rows"]], pa.string())
    parts = pc.split_pattern(lines, FIELD_SEPARATOR)
    width = len(columns) - 1
    if len(lines) and not pc.all(pc.equal(pc.list_value_length(parts), width)).as_py():
        raise NexusError(
            f"A row read from Neo4j does not split into its {width} fields {list(columns[1:])}: a value in the graph "
            "holds the control character U+001F, which bulk reads use as their field separator. Data loaded by "
            "`nexus-graph load` never does (control characters are refused); find and fix the value written "
            "another way (e.g. in Neo4j Browser).")
    fields = parts.flatten()
    sources = pa.array(np.repeat(np.array([r["source_id"] for r in records], dtype=object), counts), pa.string())
    data = {columns[0]: _column(sources, numeric=False)}
    for i, name in enumerate(columns[1:]):
        values = fields.take(pa.array(np.arange(i, len(fields), width, dtype=np.int64)))
        empty = pc.equal(values, "")
        if name in text:
            values = pc.utf8_slice_codeunits(values, 1)
        data[name] = _column(pc.if_else(empty, pa.scalar(None, pa.string()), values), numeric=name in numeric)
    return pd.DataFrame(data, columns=list(columns))


def _column(values: pa.Array, numeric: bool) -> Any:
    """One frame column from Arrow text (nulls for blanks): float64, ``str``, or ``None`` objects when all blank."""
    if values.null_count == len(values):
        return [None] * len(values)
    if numeric:
        return pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    return pd.array(values, dtype="str")
