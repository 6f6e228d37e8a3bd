"""The in-memory form of a dataset (``spec/dataset.md``): one DataFrame per table.

Frame contract (what every producer -- the file reader, the demo generator, the real-data
adapters -- returns, and what every consumer may rely on):

- node tables ``companies``, ``funds``, ``directors``: one row per id, columns as in
  :mod:`nexus_graph.schema` (missing optional columns present and empty); ``listed_from`` /
  ``listed_to`` as ``datetime64[ns]`` (NaT = open).
- relationship tables ``supply``, ``ownership``, ``board``: one row per validity interval, columns
  ``schema.rel_columns(spec)``; the four interval columns are ``datetime64[ns]``, normalised so that
  ``known_from`` is never NaT (blank -> ``valid_from``) and ``end_known_from`` is NaT exactly when
  ``valid_to`` is NaT (blank -> ``valid_to``).
- ``prices``: columns ``date`` (datetime64[ns]), ``company_id``, ``adj_close`` (float > 0),
  ``volume`` (float, may be NaN), sorted by (company_id, date).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from nexus_graph import schema


@dataclass
class Dataset:
    """All tables of one dataset, in the canonical frame contract above."""

    companies: pd.DataFrame
    funds: pd.DataFrame
    directors: pd.DataFrame
    supply: pd.DataFrame
    ownership: pd.DataFrame
    board: pd.DataFrame
    prices: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """Table name -> frame, in file order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def relationships(self, spec: schema.RelSpec) -> pd.DataFrame:
        return getattr(self, spec.table)

    def nodes(self, spec: schema.NodeSpec) -> pd.DataFrame:
        return getattr(self, spec.table)


def normalise_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill blank ``known_from`` with ``valid_from`` and blank ``end_known_from`` with ``valid_to``."""
    out = frame.copy()
    for column in schema.INTERVAL_COLUMNS:
        out[column] = pd.to_datetime(out[column])
    out[schema.KNOWN_FROM] = out[schema.KNOWN_FROM].fillna(out[schema.VALID_FROM])
    out[schema.END_KNOWN_FROM] = out[schema.END_KNOWN_FROM].fillna(out[schema.VALID_TO])
    return out


def write_dataset(dataset: Dataset, out_dir: str | Path, fmt: str = "csv") -> list[Path]:
    """Write every table as ``<table>.csv`` (ISO dates, blank = missing) or ``<table>.parquet``.

    Each file is written to a temporary name and renamed, so a crash never leaves a half-written
    table under its final name. A table's file in the other format, left by an earlier write, is
    removed (a dataset folder holds one file per table).
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet' (got {fmt!r})")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in dataset.tables().items():
        final = out / f"{name}.{fmt}"
        partial = out / f".{name}.{fmt}.partial"
        if fmt == "csv":
            frame.to_csv(partial, index=False, date_format="%Y-%m-%d")
        else:
            frame.to_parquet(partial, index=False)
        partial.replace(final)
        # a folder holds one file per table (read_dataset refuses two): the other format's file of an
        # earlier write (e.g. a run folder written as CSV by an older version) is stale now
        (out / f"{name}.{'parquet' if fmt == 'csv' else 'csv'}").unlink(missing_ok=True)
        written.append(final)
    return written
