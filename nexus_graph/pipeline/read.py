"""The read API for backtest jobs: embeddings, drift, factors, centralities and the graph, point in time.

A backtest job reads what nexus-graph wrote back onto the graph without knowing Cypher::

    from nexus_graph import read

    with read.connect() as graph:                       # NEO4J_* variables or the local server, as the CLI
        drift = graph.drift("2022-01-31", "2024-12-31")  # date, company_id, drift (promoted model)
        print(drift.attrs["model_version"])
        factor = graph.factor("graph_owner_count_change", "2022-01-31", "2024-12-31")
        data = graph.graph_as_of("2023-12-31")          # a PyG HeteroData, as the snapshots build it

Every call is point in time by construction:

- dates are month-ends or days not after today (:mod:`nexus_graph.clock`); a future date is refused;
- rows written by a look-ahead backfill (``lookAhead``) are left out unless ``allow_look_ahead=True``;
- the graph as of a date holds only what was valid and known on that date (the snapshot rule);
- each frame names the model version it was read for in ``frame.attrs["model_version"]``; the default
  is the promoted (current) model; an unknown version, an empty range or mixed embedding dimensions
  raise :class:`~nexus_graph.errors.NexusError` with what to do.

It lives in the pipeline package, the one place that joins the store and the core; the public name
is :mod:`nexus_graph.read`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nexus_graph import schema
from nexus_graph.clock import refuse_future, today
from nexus_graph.errors import NexusError
from nexus_graph.pipeline.backfill import latest_embeddings
from nexus_graph.pipeline.snapshots import read_graph_tables
from nexus_graph.settings import Neo4jSettings
from nexus_graph.sources.prices import load_prices
from nexus_graph.store import Store
from nexus_graph.store.factors import NO_MODEL, resolve_model_version
from nexus_graph.store.models import model_versions as _model_versions
from nexus_graph.store.registry import list_signals
from nexus_graph.store.snapshots import read_edges_as_of

if TYPE_CHECKING:
    from torch_geometric.data import HeteroData

__all__ = ["DateLike", "GraphReader", "connect", "today"]

DateLike = str | pd.Timestamp


def _date(value: DateLike, what: str) -> pd.Timestamp:
    try:
        date = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise NexusError(f"{what} must be a date such as '2023-12-31' (got {value!r}).") from None
    return refuse_future(date.normalize(), what)


def _range(start: DateLike, end: DateLike) -> tuple[pd.Timestamp, pd.Timestamp]:
    first, last = _date(start, "start"), _date(end, "end")
    if first > last:
        raise NexusError(f"start {first:%Y-%m-%d} is after end {last:%Y-%m-%d}.")
    return first, last


def _labelled(frame: pd.DataFrame, model_version: str | None) -> pd.DataFrame:
    frame.attrs["model_version"] = model_version
    return frame


class GraphReader:
    """Point-in-time reads of one Neo4j database. Get one from :func:`connect`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- model versions ------------------------------------------------------------------------
    def current_model(self) -> str:
        """The promoted model version (the one "latest" refers to)."""
        rows = self.store.records("read/promoted_model")
        if not rows:
            raise NexusError("No promoted model in the graph: train one first (`nexus-graph train`), "
                             "or pass model_version=... explicitly.")
        return str(rows[0]["version"])

    def _model(self, model_version: str | None) -> str:
        if model_version is None:
            return self.current_model()
        if not self.store.records("read/model_version", version=model_version):
            known = list(_model_versions(self.store)["version"])
            raise NexusError(f"Unknown model version {model_version!r}; the graph holds {known or 'none'}.")
        return model_version

    # --- embeddings and drift ------------------------------------------------------------------
    def embeddings(self, start: DateLike, end: DateLike, model_version: str | None = None,
                   allow_look_ahead: bool = False) -> pd.DataFrame:
        """Dated embeddings: columns ``date``, ``company_id``, ``drift``, ``e0`` … ``e{dim-1}``."""
        version = self._model(model_version)
        first, last = _range(start, end)
        rows = self.store.records("read/embeddings", model_version=version, start=first, end=last,
                                  allow_look_ahead=allow_look_ahead)
        if not rows:
            self._explain_empty(version, first, last)
        dims = {len(r["vector"]) for r in rows}
        if len(dims) > 1:
            raise NexusError(f"Embeddings of model {version} between {first:%Y-%m-%d} and {last:%Y-%m-%d} "
                             f"have different dimensions {sorted(dims)}; re-run the backfill of that range.")
        vectors = np.array([r["vector"] for r in rows], dtype=np.float64)
        frame = pd.DataFrame(vectors, columns=[f"e{i}" for i in range(vectors.shape[1])])
        frame.insert(0, "date", pd.to_datetime([r["date"] for r in rows]))
        frame.insert(1, "company_id", [r["company_id"] for r in rows])
        frame.insert(2, "drift", [np.nan if r["drift"] is None else float(r["drift"]) for r in rows])
        return _labelled(frame, version)

    def _explain_empty(self, version: str, first: pd.Timestamp, last: pd.Timestamp) -> None:
        counts = self.store.records("read/range_counts", model_version=version, start=first, end=last)[0]
        if counts["rows"]:
            raise NexusError(f"All {counts['rows']} embeddings of model {version} between {first:%Y-%m-%d} and "
                             f"{last:%Y-%m-%d} come from a look-ahead backfill; pass allow_look_ahead=True "
                             "to read them anyway (results are then not point in time).")
        raise NexusError(f"No embeddings of model {version} between {first:%Y-%m-%d} and {last:%Y-%m-%d}; "
                         "run `nexus-graph backfill` for that range first.")

    def drift(self, start: DateLike, end: DateLike, model_version: str | None = None,
              allow_look_ahead: bool = False) -> pd.DataFrame:
        """Month-over-month cosine drift: columns ``date``, ``company_id``, ``drift`` (NaN on a first month)."""
        frame = self.embeddings(start, end, model_version, allow_look_ahead)
        return _labelled(frame[["date", "company_id", "drift"]].copy(), frame.attrs["model_version"])

    def latest(self) -> pd.DataFrame:
        """The companies' latest embeddings (the properties behind the vector index): ``date``,
        ``company_id``, ``drift``, ``e0`` ….

        They follow one contract: the current model's latest embedded month-end, all companies on one
        date and model (``attrs["model_version"]``). While the current model has no embedding yet they
        are the previous model's; a warning says so (``attrs["note"]``).
        """
        state = latest_embeddings(self.store)
        if state.model_version is None:
            raise NexusError(state.note() or "No latest embeddings.")
        rows = self.store.records("read/latest")
        vectors = np.array([r["vector"] for r in rows], dtype=np.float64)
        frame = pd.DataFrame(vectors, columns=[f"e{i}" for i in range(vectors.shape[1])])
        frame.insert(0, "date", pd.to_datetime([str(r["date"]) for r in rows]))
        frame.insert(1, "company_id", [r["company_id"] for r in rows])
        frame.insert(2, "drift", [np.nan if r["drift"] is None else float(r["drift"]) for r in rows])
        frame.attrs["note"] = state.note()
        if state.note():
            warnings.warn(state.note() or "", stacklevel=2)
        return _labelled(frame, state.model_version)

    # --- factors and centralities ----------------------------------------------------------------
    def factor(self, name: str, start: DateLike, end: DateLike, model_version: str | None = None,
               allow_look_ahead: bool = False) -> pd.DataFrame:
        """One stored factor: columns ``date``, ``company_id``, ``value``.

        ``model_version`` defaults to the only version the factor is stored under (model-free factors
        have none).
        """
        first, last = _range(start, end)
        version = resolve_model_version(self.store, name, model_version)
        rows = self.store.frame("read/factor", columns=["date", "company_id", "value", "look_ahead"], factor=name,
                                model_version=NO_MODEL if version is None else version, start=first, end=last,
                                allow_look_ahead=allow_look_ahead)
        if rows.empty:
            raise NexusError(f"No point-in-time values of factor {name!r} between {first:%Y-%m-%d} and "
                             f"{last:%Y-%m-%d}; compute it for that range first (or allow_look_ahead=True).")
        return _labelled(rows.drop(columns="look_ahead"), version)

    def centralities(self, start: DateLike, end: DateLike, company_id: str | None = None) -> pd.DataFrame:
        """Centrality snapshots (degrees, PageRank, board interlocks) per date and company."""
        first, last = _range(start, end)
        columns = ["date", "company_id", "supplies_out", "supplies_in", "owners", "board_seats", "pagerank",
                   "board_interlocks"]
        frame = self.store.frame("read/centralities", columns=columns, start=first, end=last, company_id=company_id)
        if frame.empty:
            raise NexusError(f"No centralities between {first:%Y-%m-%d} and {last:%Y-%m-%d}; run "
                             "`nexus-graph centralities` for that range first.")
        return _labelled(frame, None)

    # --- the graph itself --------------------------------------------------------------------------
    def edges_as_of(self, date: DateLike) -> dict[str, pd.DataFrame]:
        """The relationships valid and known on ``date``, one frame per Neo4j type (SUPPLIES, OWNS, SITS_ON)."""
        as_of = _date(date, "date")
        by_pyg = read_edges_as_of(self.store, as_of)
        return {spec.rel_type: by_pyg[spec.pyg] for spec in schema.REL_SPECS}

    def graph_as_of(self, date: DateLike) -> HeteroData:
        """The PyG ``HeteroData`` snapshot on ``date``: the same object ``nexus-graph snapshot`` builds."""
        from nexus_graph.snapshot.hetero import build_snapshot

        as_of = _date(date, "date")
        return build_snapshot(read_graph_tables(self.store, known_until=as_of), as_of)

    # --- prices (the columnar side store, not Neo4j) ---------------------------------------------------
    def prices(self, start: DateLike, end: DateLike, path: Path | None = None) -> pd.DataFrame:
        """Loaded daily prices between two dates: ``date``, ``company_id``, ``adj_close``, ``volume``."""
        first, last = _range(start, end)
        frame = load_prices(path)
        frame = frame.loc[(frame["date"] >= first) & (frame["date"] <= last)].reset_index(drop=True)
        if frame.empty:
            raise NexusError(f"No prices between {first:%Y-%m-%d} and {last:%Y-%m-%d} in the loaded prices.")
        return frame

    # --- registry and provenance -------------------------------------------------------------------
    def signals(self) -> pd.DataFrame:
        """The signal registry: one row per signal with its verdict and how often it was tested."""
        return list_signals(self.store)

    def model_versions(self) -> pd.DataFrame:
        """Every recorded model version with its provenance (as-of, AUC, fingerprint, promoted)."""
        return _model_versions(self.store)


@contextmanager
def connect(settings: Neo4jSettings | None = None) -> Iterator[GraphReader]:
    """A :class:`GraphReader` on the configured database (``NEO4J_*`` variables or the local server)."""
    store = Store.connect(settings)
    try:
        yield GraphReader(store)
    finally:
        store.close()
