"""Reading a dataset folder (``spec/dataset.md``): every check first, then the canonical frames.

:func:`read_dataset` reads all seven tables, collects every problem of every table (the first 50
are shown, all are counted) and raises :class:`~nexus_graph.errors.ValidationFailed` before anything
could be written. Each problem is one line: file, place (``line N`` in a CSV file, the header being
line 1; ``row N`` in a Parquet file, 1-based), column, the offending value and what was expected.
Columns the spec does not know are ignored with a warning; rows are never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nexus_graph import schema
from nexus_graph.errors import NexusError, ValidationFailed
from nexus_graph.sources import checks
from nexus_graph.sources.checks import Problems
from nexus_graph.sources.files import MAX_FORMATTED, RawTable, read_table, show
from nexus_graph.sources.prices import canonical_prices
from nexus_graph.sources.tables import Dataset, normalise_intervals

TABLES = ("companies", "funds", "directors", "supply", "ownership", "board", schema.PRICES_TABLE)
COLUMN_ORDER = ("name", "kind", "segment", "country", "listed_from", "listed_to", "fund_type")  # spec order
NEEDS_ROWS = {"companies": "at least one company", schema.PRICES_TABLE: "at least one price"}


@dataclass
class ReadResult:
    """A validated dataset and the warnings found on the way (unknown columns)."""

    dataset: Dataset
    warnings: list[str] = field(default_factory=list)


def duplicate_rows(raw: RawTable, key: list[str], values: pd.DataFrame, problems: Problems, what: str) -> None:
    """Report every row whose ``key`` repeats an earlier row's (naming the row it repeats)."""
    present = values[key].notna().all(axis=1)
    repeated = values[key].duplicated(keep="first") & present
    if not repeated.any():
        return
    first_of = values.loc[present].reset_index().groupby(key, sort=False)["index"].first()

    def line(i: int) -> str:
        row = tuple(values[k].iloc[i] for k in key)
        got = show(row[0]) if len(key) == 1 else "(" + ", ".join(show(_plain(v)) for v in row) + ")"
        first = int(first_of.loc[row if len(key) > 1 else row[0]])
        return f"{raw.file} {raw.where(i)}, column {'+'.join(key)}: got {got}; expected {what} (already on " \
               f"{raw.where(first)})"

    problems.add_rows(np.flatnonzero(repeated.to_numpy()), line)


def _plain(value: object) -> object:
    return f"{value:%Y-%m-%d}" if isinstance(value, pd.Timestamp) else value


def _node_table(raw: RawTable, spec: schema.NodeSpec, problems: Problems, warnings: list[str]) -> pd.DataFrame | None:
    if not checks.check_columns(raw, spec.required, spec.optional, problems, warnings):
        return None
    out = pd.DataFrame({spec.id_column: checks.id_column(raw, spec.id_column, problems)})
    for column in spec.required[1:] + spec.optional:
        if column in spec.date_columns:
            out[column] = checks.date_column(raw, column, problems)
        else:
            out[column] = checks.text_column(raw, column, problems, required=column in spec.required)
    if spec is schema.COMPANIES:
        kind = out["kind"]
        wrong = kind.notna().to_numpy() & ~kind.isin(schema.COMPANY_KINDS).to_numpy()
        problems.cell(raw, np.flatnonzero(wrong), "kind", kind, " or ".join(repr(k) for k in schema.COMPANY_KINDS))
        lf, lt = out["listed_from"].to_numpy(), out["listed_to"].to_numpy()
        with np.errstate(invalid="ignore"):
            inverted = ~np.isnat(lf) & ~np.isnat(lt) & (lt <= lf)
        listed_to, listed_from = out["listed_to"], out["listed_from"]
        problems.add_rows(np.flatnonzero(inverted), lambda i: (
            f"{raw.file} {raw.where(i)}, column listed_to: got {show(f'{listed_to.iloc[i]:%Y-%m-%d}')}; "
            f"expected a date after listed_from {listed_from.iloc[i]:%Y-%m-%d} (listed_to is exclusive)"))
    duplicate_rows(raw, [spec.id_column], out, problems, "a unique id")
    order = [spec.id_column] + [c for c in COLUMN_ORDER if c in out.columns and c != spec.id_column]
    return out[order]


def _endpoint(raw: RawTable, values: pd.Series, column: str, table: str, ids: dict[str, set[str]],
              problems: Problems) -> None:
    """Report ids of ``values`` that are not in node table ``table`` (naming the table they are in, if any)."""
    if table not in ids:
        return  # that node table is missing or broken: already reported
    known = values.isin(ids[table]).to_numpy() | values.isna().to_numpy()
    id_column = schema.NODES_BY_TABLE[table].id_column

    def line(i: int) -> str:
        value = values.iloc[i]
        elsewhere = [t for t, s in ids.items() if t != table and value in s]
        hint = f" (it is a {schema.NODES_BY_TABLE[elsewhere[0]].id_column} of {elsewhere[0]})" if elsewhere else ""
        return (f"{raw.file} {raw.where(i)}, column {column}: got {show(value)}; expected a {id_column} "
                f"of {table}{hint}")

    problems.add_rows(np.flatnonzero(~known), line)


def _rel_table(raw: RawTable, spec: schema.RelSpec, ids: dict[str, set[str]], problems: Problems,
               warnings: list[str]) -> pd.DataFrame | None:
    required = (spec.source_column, spec.target_column, schema.VALID_FROM)
    optional = tuple(c for c in schema.rel_columns(spec) if c not in required)
    if not checks.check_columns(raw, required, optional, problems, warnings):
        return None
    out = pd.DataFrame({spec.source_column: checks.id_column(raw, spec.source_column, problems),
                        spec.target_column: checks.id_column(raw, spec.target_column, problems)})
    _endpoint(raw, out[spec.source_column], spec.source_column, spec.source, ids, problems)
    _endpoint(raw, out[spec.target_column], spec.target_column, spec.target, ids, problems)
    if not spec.allow_self_loops:
        loop = (out[spec.source_column] == out[spec.target_column]).to_numpy() & out[spec.source_column].notna()
        problems.add_rows(np.flatnonzero(loop.to_numpy()), lambda i: (
            f"{raw.file} {raw.where(i)}, columns {spec.source_column}/{spec.target_column}: got "
            f"{show(out[spec.source_column].iloc[i])} twice; expected two different ids (a {spec.rel_type} "
            "relationship from a node to itself is not allowed)"))
    dates = checks.intervals(raw, spec, problems)
    ok = dates.attrs.pop("ok")
    out = pd.concat([out, dates], axis=1)
    checks.overlapping(raw, spec, out, ok, problems)
    for column in spec.numeric:
        out[column] = checks.number_column(raw, column, problems, maximum=1.0 if column == "weight" else None)
    for column in spec.text:
        out[column] = checks.text_column(raw, column, problems)
    return normalise_intervals(out[list(schema.rel_columns(spec))])


def _prices(raw: RawTable, ids: dict[str, set[str]], problems: Problems, warnings: list[str]) -> pd.DataFrame | None:
    if not checks.check_columns(raw, schema.PRICE_COLUMNS, schema.PRICE_OPTIONAL, problems, warnings):
        return None
    out = pd.DataFrame({
        "date": checks.date_column(raw, "date", problems, required=True),
        "company_id": checks.id_column(raw, "company_id", problems),
        "adj_close": checks.number_column(raw, "adj_close", problems, positive=True, required=True),
        "volume": checks.number_column(raw, "volume", problems),
    })
    _endpoint(raw, out["company_id"], "company_id", "companies", ids, problems)
    duplicate_rows(raw, ["date", "company_id"], out, problems, "one price per (date, company_id)")
    return out


def read_dataset_with_warnings(path: str | Path) -> ReadResult:
    """:func:`read_dataset`, also returning the warnings (columns ignored) for the caller to print."""
    data_dir = Path(path)
    if not data_dir.is_dir():
        raise NexusError(f"{data_dir} is not a folder; expected a dataset folder holding companies.csv, "
                         "funds.csv, ... (see spec/dataset.md), e.g. from `nexus-graph demo-data OUT_DIR`.")
    problems = Problems()
    warnings: list[str] = []
    raws: dict[str, RawTable] = {}
    for name in TABLES:
        raw, found = read_table(data_dir, name)
        for line in found:
            problems.add(line)
        if raw is not None:
            problems.total += max(0, raw.broken_rows - MAX_FORMATTED)  # counted, not shown
            raws[name] = raw
            if name in NEEDS_ROWS and len(raw.frame) == 0 and raw.broken_rows == 0:
                problems.add(f"{raw.file}: no rows; expected {NEEDS_ROWS[name]}")
    frames: dict[str, pd.DataFrame | None] = {}
    ids: dict[str, set[str]] = {}
    for spec in schema.NODE_SPECS:
        if spec.table in raws:
            frames[spec.table] = _node_table(raws[spec.table], spec, problems, warnings)
            # an empty companies table is reported once, not once per relationship and price row
            if frames[spec.table] is not None and not (spec.table in NEEDS_ROWS and len(raws[spec.table].frame) == 0
                                                       and raws[spec.table].broken_rows == 0):
                ids[spec.table] = set(frames[spec.table][spec.id_column].dropna())
    for rel in schema.REL_SPECS:
        if rel.table in raws:
            frames[rel.table] = _rel_table(raws[rel.table], rel, ids, problems, warnings)
    if schema.PRICES_TABLE in raws:
        frames[schema.PRICES_TABLE] = _prices(raws[schema.PRICES_TABLE], ids, problems, warnings)
    if problems.total:
        raise ValidationFailed(problems.lines, problems.total)
    tables = {name: frame for name, frame in frames.items() if frame is not None}
    tables[schema.PRICES_TABLE] = canonical_prices(tables[schema.PRICES_TABLE])
    return ReadResult(Dataset(**tables), warnings)


def read_dataset(path: str | Path) -> Dataset:
    """Read and validate the dataset folder ``path``; canonical frames (``sources.tables``) or an error.

    Parameters
    ----------
    path
        A folder with ``companies``, ``funds``, ``directors``, ``supply``, ``ownership``, ``board`` and
        ``prices``, each as ``.csv`` (UTF-8, optional BOM) or ``.parquet``.

    Returns
    -------
    Dataset
        Node frames keyed by their id column, relationship frames with normalised intervals
        (``known_from`` filled from ``valid_from``, ``end_known_from`` from ``valid_to``), dates as
        ``datetime64[ns]``, numbers as float64, prices sorted by (company_id, date).

    Raises
    ------
    ValidationFailed
        Every problem of every table (first 50 shown, all counted), before anything is written.
    """
    return read_dataset_with_warnings(path).dataset
