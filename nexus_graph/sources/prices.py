"""The prices side store: daily adjusted closes as one Parquet file, not graph data.

Prices are read whole by the evaluation layer (forward returns) and never queried by graph
pattern, so they live beside the database in ``settings.data_home()/prices.parquet``
(``NEXUS_GRAPH_DATA_HOME`` moves it). ``nexus-graph load`` writes the dataset's prices there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from nexus_graph import schema, settings
from nexus_graph.errors import NexusError

PRICES_FILE = "prices.parquet"


def prices_path() -> Path:
    """Where the loaded prices live by default."""
    return settings.data_home() / PRICES_FILE


def canonical_prices(prices: pd.DataFrame) -> pd.DataFrame:
    """The canonical prices frame: ``date`` (datetime64[ns]), ``company_id`` (str), ``adj_close`` and
    ``volume`` (float64, volume may be NaN), sorted by (company_id, date), default index."""
    missing = [c for c in schema.PRICE_COLUMNS if c not in prices.columns]
    if missing:
        raise NexusError(f"prices frame lacks column(s) {missing}; expected {list(schema.PRICE_COLUMNS)} "
                         f"plus optional {list(schema.PRICE_OPTIONAL)}.")
    out = pd.DataFrame({
        "date": pd.to_datetime(prices["date"]).astype("datetime64[ns]"),
        "company_id": prices["company_id"].astype(str),
        "adj_close": prices["adj_close"].astype("float64"),
        "volume": (prices["volume"] if "volume" in prices.columns
                   else pd.Series(float("nan"), index=prices.index)).astype("float64"),
    })
    return out.sort_values(["company_id", "date"], kind="stable").reset_index(drop=True)


def save_prices(prices: pd.DataFrame, path: Path | None = None) -> Path:
    """Write ``prices`` (canonical frame contract, see :func:`canonical_prices`) as Parquet, atomically.

    The file is written under a temporary name in the same folder and renamed over the target, so
    a reader never sees a half-written file and a crash leaves the previous prices intact.
    Returns the path written (default :func:`prices_path`).
    """
    target = Path(path) if path is not None else prices_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        canonical_prices(prices).to_parquet(partial, index=False)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def load_prices(path: Path | None = None) -> pd.DataFrame:
    """The loaded prices: canonical frame (``date``, ``company_id``, ``adj_close``, ``volume``),
    sorted by (company_id, date). Raises :class:`NexusError` when nothing was loaded yet."""
    source = Path(path) if path is not None else prices_path()
    if not source.is_file():
        raise NexusError(f"no prices loaded; run nexus-graph load DATA_DIR (or nexus-graph demo-data OUT_DIR "
                         f"and load it) first. Expected {source}.")
    try:
        frame = pd.read_parquet(source)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise NexusError(f"prices file {source} is unreadable ({type(exc).__name__}: {exc}); "
                         "re-run nexus-graph load DATA_DIR.") from None
    return canonical_prices(frame)
