"""The factor store: factor panels written back to Neo4j and read as (date, company) panels.

Graph model: ``(:Company)-[:HAS_FACTOR]->(:FactorValue {factor, modelVersion, date, companyId,
value, lookAhead})``, unique on (factor, modelVersion, date, companyId) (``cypher/schema/factor_value_key``).
A factor that does not come from a model (e.g. a centrality change) is stored with
``modelVersion = ''`` -- a uniqueness constraint ignores nodes with a null key property, so null
would let duplicates in -- and is read back as model version ``None``.

Writes are upserts, one transaction per snapshot date, so a reader never sees half a month and a
re-run converges to the same rows; within one (factor, model version, date) the stored rows are
exactly the panel's non-missing values (rows of companies no longer in the panel are removed).
Other model versions and other factors are never touched. ``lookAhead`` is true on the values of
the dates a look-ahead backfill embedded (a model trained on data known after that date), so the
label follows the data into ``evaluate`` and ``paper-trade`` (:func:`look_ahead_dates`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

import numpy as np
import pandas as pd

from nexus_graph import schema
from nexus_graph.errors import NexusError, UsageError
from nexus_graph.store.fresh import create_or_merge
from nexus_graph.store.packed import packed_frame
from nexus_graph.store.protocol import Store, Tx
from nexus_graph.store.reconcile import reconcile

NO_MODEL = ""  # stored modelVersion of model-free factors


def stored_version(model_version: str | None) -> str:
    """The ``modelVersion`` property for a model version (None -> '')."""
    return NO_MODEL if model_version is None else str(model_version)


def _check_panel(panel: pd.Series, factor: str) -> pd.Series:
    """The panel's finite values, validated against the frame contract."""
    if not isinstance(panel, pd.Series) or list(panel.index.names) != ["date", "company_id"]:
        names = list(getattr(getattr(panel, "index", None), "names", []) or [])
        raise NexusError(
            f"A factor panel must be a pd.Series indexed by (date, company_id) (got {type(panel).__name__} "
            f"with index names {names}); build it with the frame contract of nexus_graph.evaluation."
        )
    if not factor or not factor.strip():
        raise NexusError("The factor name is empty; pass the name the panel is stored under.")
    values = pd.to_numeric(panel, errors="coerce").astype(float)
    if panel.index.duplicated().any():
        first = panel.index[panel.index.duplicated()][0]
        raise NexusError(f"Factor {factor!r} has more than one value for {first}; one per (date, company_id).")
    return values[np.isfinite(values.to_numpy())]


def write_factor_panel(
    store: Store,
    panel: pd.Series,
    factor: str,
    model_version: str | None,
    on_date: Callable[[int], None] | None = None,
    look_ahead_dates: Collection[pd.Timestamp] = (),
) -> int:
    """Upsert a factor panel, one transaction per snapshot date; returns the rows written.

    Parameters
    ----------
    store
        The Neo4j store.
    panel
        Float Series indexed by ``(date, company_id)``, ``date`` the snapshot date (datetime64).
        NaN values are not stored (no value that month).
    factor
        Factor name, e.g. ``graph_gnn_embedding_drift``.
    model_version
        Model version the factor was computed with; ``None`` for model-free factors.
    on_date
        Called with the rows of each date once it is committed (progress bars).
    look_ahead_dates
        Snapshot dates whose values are look-ahead (stored ``lookAhead: true``; every other date false).

    Every company must exist as ``(:Company)``; otherwise nothing is written. Ends with a
    reconciliation (:mod:`nexus_graph.store.reconcile`): the returned count is what the graph holds
    for the panel's dates, read back, not what was sent.
    """
    return write_factor_panels(store, {factor: panel}, model_version, on_date=on_date,
                               look_ahead_dates=look_ahead_dates)[factor]


def write_factor_panels(
    store: Store,
    panels: Mapping[str, pd.Series],
    model_version: str | None,
    on_date: Callable[[int], None] | None = None,
    look_ahead_dates: Collection[pd.Timestamp] = (),
) -> dict[str, int]:
    """Upsert several factor panels of one model version; one transaction per snapshot date for all of them.

    Each factor is stored exactly as :func:`write_factor_panel` stores it (upsert, prune of the
    date's other companies, reconciliation per factor); the factors of a date commit together, so
    the five centrality changes take 58 transactions instead of 290. Returns factor -> rows stored.
    """
    ahead = {pd.Timestamp(d) for d in look_ahead_dates}
    values = {factor: _check_panel(panel, factor) for factor, panel in panels.items()}
    _require_companies(store, values)
    by_date: dict[pd.Timestamp, dict[str, list[dict]]] = {}
    for factor, series in values.items():
        for date, day in series.groupby(level="date", sort=True):
            ids = day.index.get_level_values("company_id").astype(str).tolist()
            by_date.setdefault(pd.Timestamp(date), {})[factor] = [
                {"company_id": c, "value": float(v)} for c, v in zip(ids, day.to_numpy(), strict=True)]
    stored = _upsert_dates(store, stored_version(model_version), by_date, ahead, None, on_date)
    return {factor: stored.get(factor, 0) for factor in values}  # a panel without values stores none


def _require_companies(store: Store, company_ids: Mapping[str, Collection[str] | pd.Series]) -> None:
    """Refuse (nothing written) when a factor has a company id that is not a ``(:Company)`` of the graph.

    ``company_ids``: factor -> its company ids (or its panel, indexed by ``(date, company_id)``).
    """
    ids = {factor: {str(c) for c in (v.index.get_level_values("company_id") if isinstance(v, pd.Series) else v)}
           for factor, v in company_ids.items()}
    companies = sorted(set().union(*ids.values())) if ids else []
    known = {row["company_id"] for row in store.records("factors/known_companies", ids=companies)}
    for factor, mine in ids.items():
        missing = sorted(mine - known)
        if missing:
            raise NexusError(
                f"Factor {factor!r} has values for {len(missing)} company id(s) not in Neo4j "
                f"(e.g. {missing[:5]}); nothing was written. Load the dataset first or drop those rows."
            )


def _upsert_dates(store: Store, version: str, by_date: dict[pd.Timestamp, dict[str, list[dict]]],
                  ahead: Collection[pd.Timestamp], origin: str | None,
                  on_date: Callable[[int], None] | None) -> dict[str, int]:
    """Write each date's rows of every factor in one transaction (upsert, then prune the rest), then
    reconcile each factor; returns factor -> rows the graph holds for its dates.

    A (factor, date) that held no value when the write began is created rather than merged
    (:mod:`nexus_graph.store.fresh`): most writes fill dates for the first time.
    """
    factors = sorted({factor for per in by_date.values() for factor in per})
    held = {factor: set(factor_date_counts(store, factor, version or None)) for factor in factors}

    def upsert(tx: Tx, factor: str, date: pd.Timestamp, create: bool = False) -> int:
        rows = by_date[date][factor]
        written = tx.run("factors/create_date" if create else "factors/upsert_date", rows=rows, factor=factor,
                         model_version=version, date=date, look_ahead=date in ahead, origin=origin)
        if written[0]["written"] != len(rows):
            raise NexusError(f"Factor {factor!r} on {date.date()}: a company vanished mid-write; rolled back.")
        tx.run("factors/prune_date", factor=factor, model_version=version, date=date,
               company_ids=[row["company_id"] for row in rows])
        return len(rows)

    def write_date(date: pd.Timestamp) -> int:
        fresh = {factor for factor in by_date[date] if date not in held[factor]}
        return create_or_merge(store, lambda tx, create: sum(
            upsert(tx, factor, date, create and factor in fresh) for factor in by_date[date]), bool(fresh))

    for date in sorted(by_date):
        done = write_date(date)
        if on_date:
            on_date(done)
    stored = {}
    for factor in factors:
        expected = {d: len(per[factor]) for d, per in by_date.items() if factor in per}
        stored[factor] = sum(reconcile(
            f"Factor {factor!r} (model version {version or 'none'})", expected,
            lambda factor=factor: factor_date_counts(store, factor, version or None),
            lambda date, factor=factor: store.transaction(lambda tx: upsert(tx, factor, date))).values())
    return stored


def write_imported_factor(store: Store, rows: pd.DataFrame, factor: str, origin: str,
                          on_date: Callable[[int], None] | None = None) -> dict[pd.Timestamp, int]:
    """Replace the stored panel of an imported (model-free) factor with ``rows``; the rows read back per date.

    Parameters
    ----------
    rows
        One row per (date, company_id): ``date``, ``company_id``, ``value`` (finite float),
        ``known_from`` (datetime64) and ``look_ahead`` (bool), as
        :class:`nexus_graph.sources.factor_file.FactorFile` holds them.
    origin
        Where the values come from (``fundamental``, ``price`` or ``external``), stored as
        ``FactorValue.origin`` on every row: the mark of an imported factor (graph factors have none).

    The name must not be taken by a graph factor (or stored under a model version): a
    :class:`UsageError` (a bad ``--name``), nothing written. Dates of an earlier import missing from
    ``rows`` are removed first, then each date is upserted in its own transaction and pruned to
    exactly its rows, so re-importing a file converges to the same graph. Ends with a
    reconciliation: the graph must hold exactly the file's dates and rows.
    """
    for row in store.records("factors/origins", factor=factor):
        if row["model_version"] != NO_MODEL or row["origin"] is None:
            what = (f"a graph factor of model version {row['model_version']!r}" if row["model_version"] != NO_MODEL
                    else "a graph factor")
            raise UsageError(f"Factor name {factor!r} is taken by {what} ({row['rows']} value(s)); nothing was "
                             "written. Import under another --name.")
    _require_companies(store, {factor: rows["company_id"].astype(str).tolist()})
    by_date: dict[pd.Timestamp, dict[str, list[dict]]] = {}
    for date, day in rows.groupby("date", sort=True):
        by_date[pd.Timestamp(date)] = {factor: [
            {"company_id": str(c), "value": float(v), "known_from": k, "look_ahead": bool(a)}
            for c, v, k, a in zip(day["company_id"], day["value"], day["known_from"], day["look_ahead"], strict=True)
        ]}
    store.transaction(lambda tx: tx.run("factors/prune_other_dates", factor=factor, model_version=NO_MODEL,
                                        dates=list(by_date)))
    _upsert_dates(store, NO_MODEL, by_date, (), origin, on_date)
    stored = factor_date_counts(store, factor, None)
    expected = {d: len(per[factor]) for d, per in by_date.items()}
    if stored != expected:
        extra = sorted(set(stored) - set(expected))
        raise NexusError(f"Factor {factor!r}: the graph holds {sum(stored.values())} value(s) on {len(stored)} date(s) "
                         f"after the import, expected {sum(expected.values())} on {len(expected)}"
                         + (f" (stale dates {[f'{d:%Y-%m-%d}' for d in extra[:3]]})" if extra else "")
                         + "; re-run the import.")
    return stored


def factor_date_counts(store: Store, factor: str, model_version: str | None) -> dict[pd.Timestamp, int]:
    """Rows stored per snapshot date for one factor and model version."""
    rows = store.records("factors/date_counts", factor=factor, model_version=stored_version(model_version))
    return {pd.Timestamp(r["date"]): int(r["rows"]) for r in rows}


def factor_series(store: Store) -> pd.DataFrame:
    """Every stored (factor, model_version) with ``rows``, ``dates``, ``first_date``, ``last_date``.

    ``model_version`` is None for model-free factors.
    """
    columns = ["factor", "model_version", "rows", "dates", "first_date", "last_date"]
    frame = store.frame("factors/series", columns=columns)
    # object dtype: a string column would turn None into NaN
    versions = [None if v == NO_MODEL else v for v in frame["model_version"]]
    frame["model_version"] = pd.Series(versions, index=frame.index, dtype=object)
    return frame


def factor_names(store: Store) -> list[str]:
    """Names of the stored factors, sorted."""
    return sorted(set(factor_series(store)["factor"]))


def factor_versions(store: Store, factor: str) -> list[str | None]:
    """Model versions a factor is stored under (None = model-free)."""
    series = factor_series(store)
    return list(series.loc[series["factor"] == factor, "model_version"])


def resolve_model_version(store: Store, factor: str, model_version: str | None = None) -> str | None:
    """The model version to read: ``model_version`` when given, else the only one stored (None = model-free).

    Raises when the factor is not stored at all, or is stored under several versions and none was named.
    """
    if model_version is not None:
        return model_version
    versions = factor_versions(store, factor)
    if not versions:
        known = factor_names(store)
        raise NexusError(
            f"No values of factor {factor!r} in Neo4j. Stored factors: {known or 'none'}; "
            "compute and write the factor first (e.g. `nexus-graph backfill`)."
        )
    if len(versions) > 1:
        shown = ["(none)" if v is None else v for v in versions]
        raise NexusError(f"Factor {factor!r} is stored under model versions {shown}; pick one with --model-version.")
    return versions[0]


def factor_panel(store: Store, factor: str, model_version: str | None = None) -> pd.Series:
    """One stored factor panel.

    Parameters
    ----------
    factor
        Factor name.
    model_version
        The model version to read. ``None`` reads the only version the factor is stored under
        (model-free included) and fails when there are several (:func:`resolve_model_version`).

    Returns
    -------
    pd.Series
        Named ``factor``, float values, indexed by ``(date, company_id)`` (date = snapshot date,
        datetime64[ns]), sorted.
    """
    model_version = resolve_model_version(store, factor, model_version)
    rows = packed_frame(store, "factors/panel", ["date", "company_id", "value"], dates=["date"], factor=factor,
                        model_version=stored_version(model_version))
    if rows.empty:
        shown = factor_versions(store, factor)
        raise NexusError(
            f"No values of factor {factor!r} for model version {model_version!r}; "
            f"it is stored under {['(none)' if v is None else v for v in shown] or 'no version'}."
        )
    rows["date"] = pd.to_datetime(rows["date"]).astype("datetime64[ns]")
    index = pd.MultiIndex.from_frame(rows[["date", "company_id"]])
    return pd.Series(rows["value"].astype(float).to_numpy(), index=index, name=factor)


def look_ahead_dates(store: Store, factor: str, model_version: str | None) -> list[pd.Timestamp]:
    """Snapshot dates of one stored factor and model version whose values are labelled look-ahead."""
    rows = store.records("factors/look_ahead_dates", factor=factor, model_version=stored_version(model_version))
    return [pd.Timestamp(r["date"]) for r in rows]


def equity_universe(store: Store) -> list[str]:
    """Ids of the ``equity`` companies (the IC cross-section), sorted."""
    kind = schema.COMPANY_KINDS[0]
    return [row["company_id"] for row in store.records("factors/companies_of_kind", kind=kind)]
