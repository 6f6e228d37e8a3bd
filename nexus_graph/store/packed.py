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

import gc
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd

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
    ``toString``, parsed exactly by ``float``), ``text`` fields are ``'v' + value`` (so an empty
    text stays apart from null), the rest (ids, ISO dates) plain. Values are Python objects and
    ``None``, as the row form's records gave them, so pandas infers the same dtypes.
    """
    with _no_cyclic_gc():
        sources: list[Any] = []
        lines: list[str] = []
        for record in records:
            rows = record["rows"]
            sources += [record["source_id"]] * len(rows)
            lines += rows
        # one tuple per column; strict: every row has the same number of fields
        fields = list(zip(*(line.split(FIELD_SEPARATOR) for line in lines), strict=True))
        if lines and len(fields) != len(columns) - 1:
            raise ValueError(f"text rows of {len(fields)} fields, expected {len(columns) - 1}: {columns[1:]}")
        data: dict[str, list[Any]] = {columns[0]: sources}
        for name, values in zip(columns[1:], fields or [()] * (len(columns) - 1), strict=True):
            if name in numeric:
                data[name] = [float(v) if v else None for v in values]
            elif name in text:
                data[name] = [v[1:] if v else None for v in values]
            else:
                data[name] = [v if v else None for v in values]
        return pd.DataFrame(data, columns=list(columns))


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small objects are built.

    They hold no cycles, but each allocation burst triggers collections that walk every object
    alive: parsing 1M text rows took 12.5-13.6 s with the collector on and 4.7-6.3 s without (2 busy cores).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
