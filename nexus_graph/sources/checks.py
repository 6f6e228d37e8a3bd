"""Validating raw dataset tables against ``spec/dataset.md`` and turning them into canonical frames.

Pure: takes :class:`~nexus_graph.sources.files.RawTable` objects, returns frames and problem lines;
opens nothing. Decisions the spec leaves open, made here:

- dates are ISO ``YYYY-MM-DD`` between 1900-01-01 and 2100-12-31 (anything else is a typo or a
  sentinel such as 0001-01-01 / 9999-12-31: leave an open end blank instead);
- ids are non-empty, at most 200 characters, without control characters, line breaks or
  surrounding spaces; quotes, backticks and Cypher keywords are ordinary characters -- every value
  reaches Neo4j as a query parameter, never as Cypher text;
- every cell is at most 10,000 characters; a line break inside a CSV cell is refused (it is almost
  always an unclosed quote), and so is any control character other than tab;
- a supplier cannot supply itself; ``weight`` lies in 0..1; ``known_from`` may precede
  ``valid_from`` (an announced deal); ``end_known_from`` must be blank when ``valid_to`` is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute

from nexus_graph import schema
from nexus_graph.sources.files import RawTable, show

MIN_DATE = pd.Timestamp("1900-01-01")
MAX_DATE = pd.Timestamp("2100-12-31")
DATE_RANGE = "an ISO date YYYY-MM-DD from 1900-01-01 to 2100-12-31"
MAX_ID = 200
MAX_CELL = 10_000
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # control characters except tab and line breaks


class Problems:
    """Problem lines in the order found; counts all of them, keeps the first ``cap`` as text."""

    def __init__(self, cap: int = 50) -> None:
        self.cap = cap
        self.lines: list[str] = []
        self.total = 0

    def add(self, line: str) -> None:
        self.total += 1
        if len(self.lines) < self.cap:
            self.lines.append(line)

    def add_rows(self, rows: np.ndarray, line: Callable[[int], str]) -> None:
        """One problem per row index of ``rows``; only those shown are formatted (tables can be large)."""
        rows = np.asarray(rows)
        for row in rows[: max(0, self.cap - len(self.lines))]:
            self.lines.append(line(int(row)))
        self.total += len(rows)

    def cell(self, raw: RawTable, rows: np.ndarray, column: str, values: pd.Series, expected: str) -> None:
        """``<file> <line>, column <c>: got <value>; expected <what>`` for each row of ``rows``."""
        self.add_rows(rows, lambda i: f"{raw.file} {raw.where(i)}, column {column}: got {show(values.iloc[i])}; "
                                      f"expected {expected}")


def check_columns(raw: RawTable, required: tuple[str, ...], optional: tuple[str, ...], problems: Problems,
                  warnings: list[str]) -> bool:
    """Report missing required columns (False if any) and warn about columns the spec does not know."""
    known = ", ".join(required) + (f" (optional: {', '.join(optional)})" if optional else "")
    ok = True
    for column in required:
        if column not in raw.frame.columns:
            problems.add(f"{raw.file}: missing required column {column!r}; expected columns {known}")
            ok = False
    for column in raw.frame.columns:
        if column not in required and column not in optional:
            warnings.append(f"{raw.file}: column {column!r} is not in the dataset spec and was ignored "
                            f"(known columns: {known}); every row was still read")
    return ok


def _as_text(raw: RawTable, column: str) -> pd.Series:
    """A column as text with blanks as NaN (Parquet values of other types become their text)."""
    if column not in raw.frame.columns:
        return pd.Series(np.nan, index=raw.frame.index, dtype="str")
    series = raw.frame[column]
    if not raw.is_csv:
        if pd.api.types.is_string_dtype(series) and not pd.api.types.is_object_dtype(series):
            series = series.astype(object).where(series.notna(), np.nan)  # text already: one vectorised pass
        else:  # mixed Parquet values (numbers, dates): each value's own text
            series = series.map(lambda v: np.nan if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    return series.astype("str").replace("", np.nan)


def text_column(raw: RawTable, column: str, problems: Problems, required: bool = False) -> pd.Series:
    """Free text (names, segments, roles): blank -> NaN; refuses over-long cells and line breaks."""
    values = _as_text(raw, column)
    present = values.notna().to_numpy()
    if required:
        problems.cell(raw, np.flatnonzero(~present), column, values, "a value (this column is required)")
    lengths = values.str.len().fillna(0).to_numpy()
    problems.cell(raw, np.flatnonzero(lengths > MAX_CELL), column, values, f"at most {MAX_CELL:,} characters")
    if raw.is_csv:
        broken = values.str.contains("\n|\r", regex=True, na=False).to_numpy() & (lengths <= MAX_CELL)
        problems.cell(raw, np.flatnonzero(broken), column, values,
                      "a single-line value (a line break inside a quoted cell: is a closing quote missing?)")
    else:
        broken = np.zeros(len(values), dtype=bool)
    control = values.str.contains(CONTROL, regex=True, na=False).to_numpy() & ~broken & (lengths <= MAX_CELL)
    problems.cell(raw, np.flatnonzero(control), column, values, "text without control characters (tab is allowed)")
    return values


def id_column(raw: RawTable, column: str, problems: Problems) -> pd.Series:
    """A required id: non-blank, short, no control characters or surrounding spaces."""
    values = _as_text(raw, column)
    blank = values.isna().to_numpy()
    problems.cell(raw, np.flatnonzero(blank), column, values, "an id (this column is required)")
    text = values.fillna("")
    bad = ~blank & (
        (text.str.len() > MAX_ID).to_numpy()
        | text.str.contains(r"[\x00-\x1f\x7f]", regex=True).to_numpy()
        | (text != text.str.strip()).to_numpy()
    )
    problems.cell(raw, np.flatnonzero(bad), column, values,
                  f"an id of at most {MAX_ID} characters without control characters, line breaks or "
                  "leading/trailing spaces")
    return values


def date_column(raw: RawTable, column: str, problems: Problems, required: bool = False) -> pd.Series:
    """ISO dates as ``datetime64[ns]`` (NaT = blank); bad, impossible or out-of-range dates reported."""
    index = raw.frame.index
    if column not in raw.frame.columns:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    series = raw.frame[column]
    if pd.api.types.is_datetime64_any_dtype(series):  # Parquet date/timestamp column
        stamps = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
        blank = stamps.isna().to_numpy()
        out_of_range = ~blank & ((stamps < MIN_DATE) | (stamps > MAX_DATE)).to_numpy()
        if out_of_range.any():  # the text of 3.6M stamps costs seconds: only when a row is reported
            problems.cell(raw, np.flatnonzero(out_of_range), column, stamps.astype(str), DATE_RANGE)
        parsed = stamps.where(~out_of_range).dt.normalize().astype("datetime64[ns]")
    else:
        text = _as_text(raw, column)
        blank = text.isna().to_numpy()
        shaped = text.str.fullmatch(ISO_DATE, na=False).to_numpy()
        problems.cell(raw, np.flatnonzero(~blank & ~shaped), column, text, DATE_RANGE)
        parsed = pd.to_datetime(text.where(shaped), format="%Y-%m-%d", errors="coerce")
        # a well-shaped date fails to parse when it is impossible (02-30) or, depending on the parser's unit,
        # beyond the representable range (0001, 9999)
        failed = shaped & parsed.isna().to_numpy()
        years = np.zeros(len(text), dtype=np.int64)
        years[failed] = text[failed].str.slice(0, 4).astype("int64").to_numpy()
        with np.errstate(invalid="ignore"):
            outside = ((parsed < MIN_DATE) | (parsed > MAX_DATE)).to_numpy()
        out_of_range = shaped & ((~failed & outside) | (failed & ((years < MIN_DATE.year) | (years > MAX_DATE.year))))
        problems.cell(raw, np.flatnonzero(out_of_range), column, text, DATE_RANGE)
        impossible = failed & ~out_of_range
        problems.cell(raw, np.flatnonzero(impossible), column, text, "a date that exists in the calendar")
        parsed = parsed.where(~out_of_range).astype("datetime64[ns]")
    if required and blank.any():
        problems.cell(raw, np.flatnonzero(blank), column, _as_text(raw, column), f"{DATE_RANGE} (required)")
    return parsed


def _to_float(text: pd.Series) -> pd.Series:
    """Text as float64 (NaN where not a number): Arrow's cast when every cell parses, else pandas'."""
    try:
        cast = pa_compute.cast(pa.array(text, type=pa.string(), from_pandas=True), pa.float64())
        return pd.Series(cast.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(text, errors="coerce").astype("float64")


def number_column(raw: RawTable, column: str, problems: Problems, *, positive: bool = False,
                  maximum: float | None = None, required: bool = False, signed: bool = False) -> pd.Series:
    """Finite numbers >= 0 (> 0 when ``positive``, any sign when ``signed``, <= ``maximum`` when given)
    as float64, NaN = blank."""
    index = raw.frame.index
    if column not in raw.frame.columns:
        return pd.Series(np.nan, index=index, dtype="float64")
    series = raw.frame[column]
    if raw.is_csv or not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        text = _as_text(raw, column)
        blank = text.isna().to_numpy()
        numbers = _to_float(text)
        not_number = ~blank & numbers.isna().to_numpy() & ~text.str.strip().str.lower().isin(
            ["nan", "-nan", "+nan"]).to_numpy()
        problems.cell(raw, np.flatnonzero(not_number), column, text, "a number")
        shown = text
    else:
        numbers = series.astype("float64")
        blank = numbers.isna().to_numpy()  # Parquet null and NaN both read as NaN: treated as blank
        not_number = np.zeros(len(numbers), dtype=bool)
        shown = numbers
    values = numbers.to_numpy()
    if required:
        problems.cell(raw, np.flatnonzero(blank), column, shown, "a number (this column is required)")
    checked = ~blank & ~not_number
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(values)
        low = values <= 0 if positive else values < 0
        if signed:
            low = np.zeros(len(values), dtype=bool)
        high = values > maximum if maximum is not None else np.zeros(len(values), dtype=bool)
    bound = ("" if signed else "> 0" if positive else ">= 0") + (f" and <= {maximum:g}" if maximum is not None else "")
    bad = checked & (~finite | low | high)
    problems.cell(raw, np.flatnonzero(bad), column, shown, f"a finite number {bound}".rstrip())
    return numbers.where(~bad & ~not_number)


def intervals(raw: RawTable, spec: schema.RelSpec, problems: Problems) -> pd.DataFrame:
    """The four interval columns parsed and checked row by row (not yet normalised)."""
    valid_from = date_column(raw, schema.VALID_FROM, problems, required=True)
    valid_to = date_column(raw, schema.VALID_TO, problems)
    known_from = date_column(raw, schema.KNOWN_FROM, problems)
    end_known = date_column(raw, schema.END_KNOWN_FROM, problems)
    shown = {c: _as_text(raw, c) for c in (schema.VALID_TO, schema.END_KNOWN_FROM)}
    vf = valid_from.to_numpy()
    vt = valid_to.to_numpy()
    ek = end_known.to_numpy()
    with np.errstate(invalid="ignore"):
        empty = ~np.isnat(vf) & ~np.isnat(vt) & (vt <= vf)
        early_end = ~np.isnat(vt) & ~np.isnat(ek) & (ek < vt)
    problems.add_rows(np.flatnonzero(empty), lambda i: (
        f"{raw.file} {raw.where(i)}, column valid_to: got {show(shown[schema.VALID_TO].iloc[i])}; expected a "
        f"date after valid_from {vf[i].astype('datetime64[D]')} (valid_to is exclusive)"))
    problems.add_rows(np.flatnonzero(early_end), lambda i: (
        f"{raw.file} {raw.where(i)}, column end_known_from: got {show(shown[schema.END_KNOWN_FROM].iloc[i])}; "
        f"expected a date on or after valid_to {vt[i].astype('datetime64[D]')} (an end cannot be known before "
        "it happens)"))
    orphan_end = np.isnat(vt) & ~np.isnat(ek)
    problems.cell(raw, np.flatnonzero(orphan_end), schema.END_KNOWN_FROM, shown[schema.END_KNOWN_FROM],
                  "blank, because valid_to is blank (an open interval has no known end)")
    frame = pd.DataFrame({schema.VALID_FROM: valid_from, schema.VALID_TO: valid_to,
                          schema.KNOWN_FROM: known_from, schema.END_KNOWN_FROM: end_known})
    frame.attrs["ok"] = ~(empty | early_end | orphan_end | np.isnat(vf))
    return frame


def overlapping(raw: RawTable, spec: schema.RelSpec, frame: pd.DataFrame, ok: np.ndarray,
                problems: Problems) -> None:
    """Report intervals of the same (source, target) that overlap an earlier one (by valid_from)."""
    src, dst = spec.source_column, spec.target_column
    usable = frame.loc[ok & frame[src].notna().to_numpy() & frame[dst].notna().to_numpy()]
    ordered = usable.sort_values([src, dst, schema.VALID_FROM], kind="stable")
    ends = ordered[schema.VALID_TO].fillna(pd.Timestamp.max)
    group = ordered[[src, dst]].ne(ordered[[src, dst]].shift()).any(axis=1).cumsum()
    reach = ends.groupby(group).cummax().groupby(group).shift()  # latest end among earlier intervals
    clash = (ordered[schema.VALID_FROM] < reach).to_numpy()

    def line(position: int) -> str:
        i = int(ordered.index[position])
        earlier = ordered.iloc[:position]
        same = earlier[(earlier[src] == ordered[src].iloc[position]) & (earlier[dst] == ordered[dst].iloc[position])]
        other = int(same.index[(same[schema.VALID_TO].fillna(pd.Timestamp.max) > ordered[schema.VALID_FROM].iloc[
            position]).to_numpy()][0])
        def span(j: int) -> str:
            end = frame[schema.VALID_TO].iloc[j]
            return f"[{frame[schema.VALID_FROM].iloc[j]:%Y-%m-%d}, {'open' if pd.isna(end) else f'{end:%Y-%m-%d}'})"
        return (f"{raw.file} {raw.where(i)}, columns valid_from/valid_to: got {span(i)} for "
                f"{show(frame[src].iloc[i])} -> {show(frame[dst].iloc[i])}; expected no overlap with "
                f"{span(other)} on {raw.where(other)} (one {spec.rel_type} interval at a time per pair)")

    problems.add_rows(np.flatnonzero(clash), line)
