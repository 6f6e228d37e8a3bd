"""Writing a dataset into Neo4j, counting it, and exporting it whole.

Graph model (``DESIGN.md`` §3): ``(:Company {id, name, kind, segment, country, listedFrom, listedTo})``,
``(:Fund {id, name, fundType})``, ``(:Director {id, name})``; one ``SUPPLIES`` / ``OWNS`` / ``SITS_ON``
relationship per validity interval with ``validFrom, validTo, knownFrom, endKnownFrom`` (Neo4j ``date``)
and camelCase payload.

Loading is idempotent and resumable: nodes are merged on ``id``, relationships keyed by
(source, target, type, ``validFrom``) are updated when they exist and created otherwise, and every
dataset property is SET on each run, so running the same load twice -- or re-running one that was
interrupted after some committed batches -- converges to the same graph. Relationships are not
MERGEd: right after a bulk create the planner's stale index statistics made MERGE seek the validFrom
index per row (minutes instead of seconds); the update statement cannot take that plan. Within one
load, relationship batches are written by two transactions at once (each batch holds its own keys);
run one load at a time against a database (two concurrent loads of new rows could both create them).
Statements come from ``cypher/load/<table>_<merge|update|create|count|present>.cypher``, chosen from the
closed dictionaries :data:`NODE_STATEMENTS` and :data:`REL_STATEMENTS` by the table names of
:mod:`nexus_graph.schema`, so no label, type or statement name is ever built from data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import numpy as np
import pandas as pd
from neo4j.time import Date, DateTime, Duration, Time

from nexus_graph import schema
from nexus_graph.errors import NexusError
from nexus_graph.sources.tables import Dataset
from nexus_graph.store.admin import wipe
from nexus_graph.store.protocol import Store, Tx

ProgressCallback = Callable[[str, int, int], None]
FIELD_SEPARATOR = "\x1f"  # ASCII unit separator: never in validated data (control characters are refused)
ROW_SEPARATOR = "\x1e"  # ASCII record separator
DEFAULT_BATCH_SIZE = 5_000  # rows per transaction; with two in flight, 2,500-20,000 measured alike (55-66k rel/s)
DEFAULT_WORKERS = 2  # write transactions in flight: the server spends one core on each

def _column_values(frame: pd.DataFrame, column: str) -> list[Any]:
    """One column as driver-ready Python values: dates -> ``datetime.date``, missing -> None."""
    if column not in frame.columns:
        return [None] * len(frame)
    series = frame[column]
    if pd.api.types.is_datetime64_any_dtype(series):
        # datetime64[D] -> object gives datetime.date, and NaT -> None, without a Python loop
        return series.to_numpy("datetime64[D]").astype(object).tolist()
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype="float64")
        return [None if not math.isfinite(v) else v for v in values.tolist()]
    return [None if (v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA) else str(v)
            for v in series.astype(object).tolist()]


def _rows(frame: pd.DataFrame, mapping: dict[str, str]) -> list[dict[str, Any]]:
    """Rows as dicts keyed by the Neo4j property names of ``mapping`` (dataset column -> key)."""
    keys = list(mapping.values())
    columns = [_column_values(frame, column) for column in mapping]
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns, strict=True)]


def node_rows(dataset: Dataset, spec: schema.NodeSpec) -> list[dict[str, Any]]:
    """Driver-ready rows of one node table: ``id`` plus the camelCase properties."""
    return _rows(dataset.nodes(spec), {spec.id_column: "id", **schema.NODE_PROPERTIES[spec.table]})


def _rel_mapping(spec: schema.RelSpec) -> dict[str, str]:
    """Dataset column -> field name, in the field order of ``cypher/load/<table>_*.cypher``."""
    return {spec.source_column: "fromId", spec.target_column: "toId", **schema.INTERVAL_PROPERTIES,
            **schema.REL_PAYLOAD[spec.table]}


def _is_text(series: pd.Series) -> bool:
    """Whether a column is sent as text (neither dates nor numbers)."""
    return not (pd.api.types.is_datetime64_any_dtype(series)
                or (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)))


def _encoded_column(frame: pd.DataFrame, column: str) -> list[str]:
    """One column as text fields: ``""`` for null, else ``"v"`` + the value (dates ISO, floats exact)."""
    if column not in frame.columns:
        return [""] * len(frame)
    series = frame[column]
    if pd.api.types.is_datetime64_any_dtype(series):
        days = series.to_numpy("datetime64[D]")
        return ["" if text == "NaT" else "v" + text for text in days.astype(str).tolist()]
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        # repr() is the shortest text that parses back (Java's Double.parseDouble) to the same double
        return ["v" + repr(v) if math.isfinite(v) else "" for v in series.to_numpy(dtype="float64").tolist()]
    return ["" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
            else "v" + str(value) for value in series.astype(object).tolist()]


def _refuse_separators(frame: pd.DataFrame, spec: schema.RelSpec) -> None:
    """Raise when a text value holds U+001E or U+001F, the separators of :func:`encode_rows`."""
    for column in _rel_mapping(spec):
        if column not in frame.columns or not _is_text(frame[column]):
            continue
        texts = frame[column].dropna().astype(str)
        bad = texts[texts.str.contains(f"[{FIELD_SEPARATOR}{ROW_SEPARATOR}]", regex=True)]
        if len(bad):
            raise NexusError(
                f"{spec.table}.{column}: value {bad.iloc[0][:40]!r} contains a control character "
                "(U+001E or U+001F); expected printable text (validation refuses these in files).")


def encode_rows(frame: pd.DataFrame, spec: schema.RelSpec) -> list[str]:
    """Each row of a relationship frame as one text record for the ``$data`` parameter of the load statements.

    Fields are joined by U+001F in the order of :func:`_rel_mapping`; batches join records by U+001E.
    Sending one string per batch instead of a list of maps is what makes the write fast: the Python
    driver packs a single string in microseconds, but tens of thousands of maps with ``date`` values
    take seconds. The values remain a query parameter, parsed by a fixed statement.
    """
    _refuse_separators(frame, spec)
    columns = [_encoded_column(frame, column) for column in _rel_mapping(spec)]
    return [FIELD_SEPARATOR.join(fields) for fields in zip(*columns, strict=True)]


def _check_writable(dataset: Dataset) -> None:
    """Refuse, before anything is written, a dataset the load statements cannot take as it is.

    Relationship keys must not repeat (the update and create statements would then disagree), and no
    text value may hold the record separators of :func:`encode_rows` (validation refuses control
    characters in files; this covers datasets built in code).
    """
    for spec in schema.REL_SPECS:
        frame = dataset.relationships(spec)
        key = [spec.source_column, spec.target_column, schema.VALID_FROM]
        duplicated = frame.duplicated(key, keep=False)
        if duplicated.any():
            first = frame.loc[duplicated, key].iloc[0].tolist()
            raise NexusError(
                f"{spec.table}: {int(duplicated.sum())} rows share a key (source, target, valid_from), "
                f"e.g. {first}; each interval must start on its own date. Validate the dataset with "
                "`nexus-graph load` before loading it."
            )
        _refuse_separators(frame, spec)  # before any write: encode_rows runs per batch, after writes began


RECONCILE_BATCH = 20_000  # keys per read-back statement

NODE_STATEMENTS: dict[str, dict[str, str]] = {  # node table -> step -> statement
    "companies": {"merge": "load/companies_merge", "present": "load/companies_present"},
    "funds": {"merge": "load/funds_merge", "present": "load/funds_present"},
    "directors": {"merge": "load/directors_merge", "present": "load/directors_present"},
}
REL_STATEMENTS: dict[str, dict[str, str]] = {  # relationship table -> step -> statement
    "supply": {"count": "load/supply_count", "update": "load/supply_update", "create": "load/supply_create",
               "present": "load/supply_present"},
    "ownership": {"count": "load/ownership_count", "update": "load/ownership_update",
                  "create": "load/ownership_create", "present": "load/ownership_present"},
    "board": {"count": "load/board_count", "update": "load/board_update", "create": "load/board_create",
              "present": "load/board_present"},
}


def _count(store: Store, table: str) -> int:
    return int(store.records(REL_STATEMENTS[table]["count"])[0]["count"])


def _write_nodes(store: Store, spec: schema.NodeSpec, rows: list[dict[str, Any]], batch_size: int,
                 on_progress: ProgressCallback | None) -> int:
    """MERGE node rows in ``UNWIND $rows`` batches, one transaction each."""
    done = 0
    if on_progress:
        on_progress(spec.table, 0, len(rows))
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        store.transaction(lambda tx, chunk=chunk: tx.run(NODE_STATEMENTS[spec.table]["merge"], rows=chunk))
        done += len(chunk)
        if on_progress:
            on_progress(spec.table, done, len(rows))
    return done


def _write_relationships(store: Store, spec: schema.RelSpec, frame: pd.DataFrame, batch_size: int,
                         create_only: bool, workers: int, on_progress: ProgressCallback | None) -> int:
    """Write a relationship table in batches, one transaction each: update the rows that exist, create the rest.

    ``create_only`` (no relationship of this type in the graph yet) skips the update statement in a
    batch's first run: every row is new, and the dataset's keys are unique, so CREATE alone gives the
    same graph. A run after an unproven commit always updates first, so nothing is created twice.

    ``workers`` transactions run at once (threads; the driver is thread-safe, each transaction has its
    own session). The Neo4j server spends one core per write transaction, so two in flight use both
    cores of a small machine, and each worker encodes its own batch (:func:`encode_rows`) while the
    other one's statement runs. Rows are sorted by source id first, which keeps concurrent batches on
    mostly different source nodes and lets the create statement look each source up once per batch; a
    lock conflict that still ends in a deadlock is a transient error the driver retries. Batches hold
    disjoint keys, so the order in which they commit does not change the graph, and an interrupted
    load leaves whole batches only.
    """
    table = spec.table
    frame = frame.sort_values([spec.source_column, spec.target_column, schema.VALID_FROM], kind="stable")
    chunks = [frame.iloc[start : start + batch_size] for start in range(0, len(frame), batch_size)]

    def write(chunk: pd.DataFrame) -> int:
        records = encode_rows(chunk, spec)

        runs = 0

        def work(tx: Tx) -> int:
            # CREATE is not idempotent: only a first run may skip the update statement. A second run
            # (the first one's commit was not proven, so it may be in the graph) updates what exists.
            nonlocal runs
            runs += 1
            missing = records
            updated = 0
            if not (create_only and runs == 1):
                rows = tx.run(REL_STATEMENTS[table]["update"], data=ROW_SEPARATOR.join(records))
                found = {int(row["position"]) for row in rows}
                updated = len(found)
                missing = [record for position, record in enumerate(records) if position not in found]
            created = 0
            if missing:
                created = int(tx.run(REL_STATEMENTS[table]["create"], data=ROW_SEPARATOR.join(missing))[0]["written"])
            return updated + created

        written = store.transaction(work)
        if written != len(records):
            # a MATCH on an endpoint found nothing: the relationship would be silently missing
            raise NexusError(
                f"{table}: wrote {written} of {len(records)} rows of a batch; some endpoint ids are not in "
                "the database. Load the node tables of the same dataset first (validation checks this)."
            )
        return written

    done = 0
    if on_progress:
        on_progress(table, 0, len(frame))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"load-{table}")
    pending: set[Future[int]] = set()
    try:
        for chunk in chunks:
            if len(pending) >= workers:  # at most `workers` batches queued or running: nothing runs on after an error
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                done = _collect(finished, done, table, len(frame), on_progress)
            pending.add(pool.submit(write, chunk))
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            done = _collect(finished, done, table, len(frame), on_progress)
    finally:
        # on an error (or Ctrl-C) let the batches in flight finish, start no other
        pool.shutdown(wait=True, cancel_futures=True)
    return done


def _collect(finished: set[Future[int]], done: int, table: str, total: int,
             on_progress: ProgressCallback | None) -> int:
    """Add up finished batches (re-raising a batch's error) and report progress."""
    for future in finished:
        done += future.result()
        if on_progress:
            on_progress(table, done, total)
    return done


def load_dataset(store: Store, dataset: Dataset, replace: bool = False, batch_size: int = DEFAULT_BATCH_SIZE,
                 workers: int = DEFAULT_WORKERS, on_progress: ProgressCallback | None = None) -> dict[str, int]:
    """Write the nodes and temporal relationships of ``dataset`` into Neo4j (prices are not graph data).

    Parameters
    ----------
    store
        The target database; its schema (``db init``) should be applied so MERGE uses the id indexes.
    dataset
        Tables in the frame contract of :mod:`nexus_graph.sources.tables` (validated; intervals normalised).
    replace
        Delete every node and relationship first (:func:`nexus_graph.store.admin.wipe`).
    batch_size
        Rows per ``UNWIND`` transaction.
    workers
        Relationship batches written at once (see :func:`_write_relationships`); 1 writes them in order.
    on_progress
        Called as ``on_progress(table, rows_done, rows_total)`` before the first batch of a table and
        after each committed batch. An exception raised from it stops the load; what was committed
        stays, and re-running the same load completes it to the same graph.

    Returns
    -------
    dict
        Rows of each table that the graph holds after the load, read back by :func:`reconcile_load`
        (``companies`` ... ``board``).
    """
    if batch_size < 1:
        raise NexusError(f"batch size must be at least 1 (got {batch_size}).")
    if workers < 1:
        raise NexusError(f"workers must be at least 1 (got {workers}).")
    _check_writable(dataset)
    if replace:
        wipe(store)
    stored: dict[str, int] = {}
    for node_spec in schema.NODE_SPECS:
        rows = node_rows(dataset, node_spec)
        _write_nodes(store, node_spec, rows, batch_size, on_progress)
        stored[node_spec.table] = _reconcile_nodes(store, node_spec, rows, batch_size)
    for rel_spec in schema.REL_SPECS:
        # No relationship of this type yet -> nothing to update, and the dataset's keys are unique
        # (checked above), so CREATE alone gives the same graph without a lookup per row.
        create_only = _count(store, rel_spec.table) == 0
        frame = dataset.relationships(rel_spec)
        _write_relationships(store, rel_spec, frame, batch_size, create_only, workers, on_progress)
        stored[rel_spec.table] = _reconcile_relationships(store, rel_spec, frame, batch_size)
    return stored


def _missing_nodes(store: Store, spec: schema.NodeSpec, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [row["id"] for row in rows]
    found: set[str] = set()
    for start in range(0, len(ids), RECONCILE_BATCH):
        chunk = ids[start : start + RECONCILE_BATCH]
        found |= {row["id"] for row in store.records(NODE_STATEMENTS[spec.table]["present"], ids=chunk)}
    return [row for row in rows if row["id"] not in found]


def _missing_relationships(store: Store, spec: schema.RelSpec, frame: pd.DataFrame) -> pd.DataFrame:
    records = encode_rows(frame, spec)
    found: set[int] = set()
    for start in range(0, len(records), RECONCILE_BATCH):
        rows = store.records(REL_STATEMENTS[spec.table]["present"],
                             data=ROW_SEPARATOR.join(records[start : start + RECONCILE_BATCH]))
        found |= {start + int(row["position"]) for row in rows}
    return frame.iloc[[i for i in range(len(frame)) if i not in found]]


def _refuse_missing(table: str, keys: list[str], total: int) -> None:
    if keys:
        raise NexusError(
            f"{table}: {len(keys)} of {total} rows are not in the graph after writing them twice "
            f"(e.g. {keys[:3]}). Re-run the same load when the server is healthy; it writes only what is missing."
        )


def _reconcile_nodes(store: Store, spec: schema.NodeSpec, rows: list[dict[str, Any]], batch_size: int) -> int:
    """Every node key of a table against the graph: write the missing ones again, refuse what stays missing."""
    missing = _missing_nodes(store, spec, rows)
    if missing:
        _write_nodes(store, spec, missing, batch_size, None)
        missing = _missing_nodes(store, spec, rows)
    _refuse_missing(spec.table, [row["id"] for row in missing], len(rows))
    return len(rows)


def _reconcile_relationships(store: Store, spec: schema.RelSpec, frame: pd.DataFrame, batch_size: int) -> int:
    """Every interval key of a table against the graph: write the missing ones again, refuse what stays missing."""
    missing = _missing_relationships(store, spec, frame)
    if len(missing):
        _write_relationships(store, spec, missing, batch_size, False, 1, None)
        missing = _missing_relationships(store, spec, frame)
    keys = [f"{a}->{b} from {c:%Y-%m-%d}" for a, b, c in missing[
        [spec.source_column, spec.target_column, schema.VALID_FROM]].itertuples(index=False)]
    _refuse_missing(spec.table, keys, len(frame))
    return len(frame)


def reconcile_load(store: Store, dataset: Dataset, batch_size: int = DEFAULT_BATCH_SIZE) -> dict[str, int]:
    """Every key of ``dataset`` against the graph: write the missing rows again, then refuse what is still missing.

    Returns the rows of each table that the graph holds (read back). :func:`load_dataset` does this
    table by table, nodes before the relationships that need them.
    """
    stored = {spec.table: _reconcile_nodes(store, spec, node_rows(dataset, spec), batch_size)
              for spec in schema.NODE_SPECS}
    for rel_spec in schema.REL_SPECS:
        stored[rel_spec.table] = _reconcile_relationships(store, rel_spec, dataset.relationships(rel_spec), batch_size)
    return stored


def graph_counts(store: Store) -> dict[str, dict[str, int]]:
    """Nodes per label and relationships per type (schema labels/types always present, 0 if absent).

    Returns ``{"nodes": {label: count}, "relationships": {type: count}}``, keys sorted.
    """
    nodes = {spec.label: 0 for spec in schema.NODE_SPECS}
    nodes.update({row["label"]: int(row["count"]) for row in store.records("graph/node_counts")})
    rels = {spec.rel_type: 0 for spec in schema.REL_SPECS}
    rels.update({row["type"]: int(row["count"]) for row in store.records("graph/relationship_counts")})
    return {"nodes": dict(sorted(nodes.items())), "relationships": dict(sorted(rels.items()))}


def _plain(value: Any) -> Any:
    """A driver value as a JSON-stable plain value (temporal types -> ISO text, floats exact)."""
    if isinstance(value, Date | DateTime | Time | Duration):
        return {"$" + type(value).__name__.lower(): value.iso_format()}
    if isinstance(value, float):
        return {"$float": repr(value)} if not math.isfinite(value) else value
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):  # datetime.date / datetime from Store.from_value
        return {"$" + type(value).__name__.lower(): value.isoformat()}
    return value


def _sort_key(item: dict[str, Any]) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def dump_graph(store: Store) -> list[dict[str, Any]]:
    """The whole graph as a deterministic list: every node, then every relationship, each with all properties.

    Nodes are ``{"node": sorted labels, "properties": {...}}``; relationships are
    ``{"rel": type, "source": [labels, id or properties], "target": [...], "properties": {...}}``.
    Dates appear as ``{"$date": "YYYY-MM-DD"}``. Two databases holding the same graph give equal
    lists (and equal ``json.dumps``), whatever their internal ids or write order.
    """
    def work(tx: Tx) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return tx.run("graph/dump_nodes"), tx.run("graph/dump_relationships")

    node_records, rel_records = store.read_transaction(work)
    nodes = [{"node": sorted(r["labels"]), "properties": _plain(r["properties"])} for r in node_records]
    rels = [
        {
            "rel": r["type"],
            "source": [sorted(r["source_labels"]), _plain(r["source_id"]), _plain(r["source_properties"])],
            "target": [sorted(r["target_labels"]), _plain(r["target_id"]), _plain(r["target_properties"])],
            "properties": _plain(r["properties"]),
        }
        for r in rel_records
    ]
    return sorted(nodes, key=_sort_key) + sorted(rels, key=_sort_key)
