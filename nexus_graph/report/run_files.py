"""The JSON files of a run folder (layout in :mod:`nexus_graph.report`): write, read, convert.

Frames travel as ``{"index": [ISO dates], "columns": [...], "data": [[row], ...]}`` (pandas'
``split`` orientation with dates as ``YYYY-MM-DD`` and NaN as null), so they round-trip exactly up
to float64 repr (``json`` writes the shortest repr that reads back to the same double).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.trading.delistings import COLUMNS as DELISTING_COLUMNS
from nexus_graph.trading.portfolio import PortfolioConfig, PortfolioResult

SECTIONS: tuple[str, ...] = ("training", "validation", "evaluation", "portfolio")
META_FILE = "meta.json"


def jsonable(value: Any) -> Any:
    """Plain JSON types: dataclasses as dicts, dates as ISO strings, numpy scalars as Python, NaN/inf as None."""
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [jsonable(v) for v in items]
    if isinstance(value, pd.DataFrame):
        return frame_to_json(value)
    if isinstance(value, pd.Timestamp | dt.date):
        if pd.isna(value):
            return None
        stamp = pd.Timestamp(value)  # dates stay dates; instants (e.g. registry test times) keep their time
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def frame_to_json(frame: pd.DataFrame) -> dict[str, Any]:
    """A frame with a date index as ``{"index", "columns", "data"}``."""
    index = [pd.Timestamp(d).date().isoformat() for d in frame.index]
    data = [[jsonable(v) for v in row] for row in frame.to_numpy(dtype=object).tolist()]
    return {"index": index, "columns": [jsonable(c) for c in frame.columns], "data": data}


def table_to_json(frame: pd.DataFrame) -> dict[str, Any]:
    """A long table (no index) as ``{"columns", "data"}``, each value as :func:`jsonable` writes it.

    Column by column where the column allows it (a daily weights table holds month-ends x companies
    rows): float columns with NaN as None, date columns of whole days as ISO dates; other columns value
    by value.
    """
    columns: list[list[Any]] = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_float_dtype(column.dtype):
            values = column.to_numpy(dtype=float)
            columns.append(np.where(np.isfinite(values), values, None).tolist())
        elif (pd.api.types.is_datetime64_any_dtype(column.dtype) and column.dt.tz is None
              and bool((column.dropna() == column.dropna().dt.normalize()).all())):
            columns.append([None if pd.isna(v) else v for v in column.dt.strftime("%Y-%m-%d").tolist()])
        else:
            columns.append([jsonable(v) for v in column.tolist()])
    return {"columns": list(frame.columns), "data": [list(row) for row in zip(*columns, strict=True)]}


def frame_from_json(payload: Mapping[str, Any], index_name: str = "date") -> pd.DataFrame:
    """Inverse of :func:`frame_to_json`: a float frame on a ``datetime64`` index."""
    index = pd.DatetimeIndex(pd.to_datetime(payload["index"]), name=index_name)
    data = np.array([[np.nan if v is None else v for v in row] for row in payload["data"]], dtype=float)
    return pd.DataFrame(data.reshape(len(index), len(payload["columns"])), index=index,
                        columns=list(payload["columns"]))


# --- sections ------------------------------------------------------------------------------------
def evaluation_to_json(evaluation: Mapping[str, Any]) -> dict[str, Any]:
    """The evaluation dict with its ``ic`` frame (date x horizon) in split form."""
    out = {key: jsonable(value) for key, value in evaluation.items() if key != "ic"}
    if evaluation.get("ic") is not None:
        out["ic"] = frame_to_json(evaluation["ic"])
    return out


def evaluation_from_json(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`evaluation_to_json`."""
    out = dict(payload)
    if payload.get("ic") is not None:
        out["ic"] = frame_from_json(payload["ic"])
    return out


def portfolio_to_json(result: PortfolioResult) -> dict[str, Any]:
    """Everything needed to rebuild a :class:`PortfolioResult`, plus its statistics for reading."""
    config = result.config
    return {
        "signals": list(result.signals),
        "config": {"quantile": config.quantile, "weighting": config.weighting, "cost_bps": config.cost_bps,
                   "n_trials": config.n_trials, "periods_per_year": config.periods_per_year,
                   "delisting_return": config.delisting_return,
                   "universe": sorted(config.universe) if config.universe is not None else None},
        "returns": frame_to_json(result.returns),
        "gross_returns": frame_to_json(result.gross_returns),
        "turnover": frame_to_json(result.turnover),
        "costs": frame_to_json(result.costs),
        "trade_dates": {jsonable(k): jsonable(v) for k, v in result.trade_dates.items()},
        "weights": table_to_json(result.weights),
        "delistings": table_to_json(result.delistings),
        "statistics": jsonable(result.statistics()),
    }


def portfolio_from_json(payload: Mapping[str, Any]) -> PortfolioResult:
    """Inverse of :func:`portfolio_to_json` (the statistics are recomputed from the returns)."""
    cfg = dict(payload["config"])
    universe = cfg.pop("universe", None)
    config = PortfolioConfig(**cfg, universe=frozenset(universe) if universe is not None else None)
    weights = pd.DataFrame(payload["weights"]["data"], columns=payload["weights"]["columns"])
    if "date" in weights:
        weights["date"] = pd.to_datetime(weights["date"])
    delistings = pd.DataFrame(columns=DELISTING_COLUMNS)
    if payload.get("delistings"):  # older run files have none
        delistings = pd.DataFrame(payload["delistings"]["data"], columns=payload["delistings"]["columns"])
        for column in ("last_day", "delisting_day"):
            delistings[column] = pd.to_datetime(delistings[column])
    trade_dates = pd.Series(pd.to_datetime(list(payload["trade_dates"].values())),
                            index=pd.DatetimeIndex(pd.to_datetime(list(payload["trade_dates"])), name="date"),
                            name="trade_date")
    return PortfolioResult(
        returns=frame_from_json(payload["returns"]),
        gross_returns=frame_from_json(payload["gross_returns"]),
        turnover=frame_from_json(payload["turnover"]),
        costs=frame_from_json(payload["costs"]),
        weights=weights,
        trade_dates=trade_dates,
        signals=tuple(payload["signals"]),
        config=config,
        delistings=delistings,
    )


# --- the run folder --------------------------------------------------------------------------------
def write_run_files(
    run_dir: Path,
    *,
    title: str | None = None,
    synthetic: bool | None = None,
    training: Mapping[str, Any] | None = None,
    validation: Mapping[str, Any] | None = None,
    evaluation: Mapping[str, Any] | None = None,
    portfolio: PortfolioResult | None = None,
    extra: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write the given sections as ``<section>.json`` and merge ``meta.json``; returns the files written.

    Sections passed as None are left as they are on disk, so pipeline steps can write their own
    section as they finish. ``meta.json`` keeps earlier keys (``extra`` is merged key by key).
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    written = []
    payloads = {
        "training": jsonable(training) if training is not None else None,
        "validation": jsonable(validation) if validation is not None else None,
        "evaluation": evaluation_to_json(evaluation) if evaluation is not None else None,
        "portfolio": portfolio_to_json(portfolio) if portfolio is not None else None,
    }
    for name, payload in payloads.items():
        if payload is not None:
            written.append(_dump(run_dir / f"{name}.json", payload))
    meta = _load(run_dir / META_FILE) if (run_dir / META_FILE).is_file() else {}
    meta.setdefault("run_id", run_dir.name)
    meta.setdefault("created_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    if title is not None:
        meta["title"] = title
    if synthetic is not None:
        # once a run holds synthetic data it stays labelled, whichever step wrote last
        meta["synthetic"] = bool(synthetic) or bool(meta.get("synthetic", False))
    if extra:
        meta["extra"] = {**meta.get("extra", {}), **jsonable(extra)}
    written.append(_dump(run_dir / META_FILE, meta))
    return written


def read_run_files(run_dir: Path) -> dict[str, Any]:
    """The keyword arguments of :func:`nexus_graph.report.run_report.write_run_report` from a run folder.

    Missing section files give None (the report says "not run"); a folder with neither a
    ``meta.json`` nor any section file is an error.
    """
    run_dir = Path(run_dir)
    found = [name for name in (*SECTIONS, "meta") if (run_dir / f"{name}.json").is_file()]
    if not found:
        raise NexusError(f"{run_dir} holds no run files (expected some of meta.json, "
                         f"{', '.join(f'{s}.json' for s in SECTIONS)}); pass the folder a pipeline run wrote, "
                         "e.g. runs/<run_id>.")
    meta = _load(run_dir / META_FILE) if "meta" in found else {}
    raw = {name: _load(run_dir / f"{name}.json") if name in found else None for name in SECTIONS}
    return {
        "synthetic": bool(meta.get("synthetic", False)),
        "title": str(meta.get("title") or f"nexus-graph run {meta.get('run_id', run_dir.name)}"),
        "training": raw["training"],
        "validation": raw["validation"],
        "evaluation": evaluation_from_json(raw["evaluation"]) if raw["evaluation"] is not None else None,
        "portfolio": portfolio_from_json(raw["portfolio"]) if raw["portfolio"] is not None else None,
        "extra": {"run_id": meta.get("run_id", run_dir.name), "created_at": meta.get("created_at"),
                  **meta.get("extra", {})},
    }


def _dump(path: Path, payload: Any) -> Path:
    """Write JSON atomically (a half-written file never replaces a good one)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def _load(path: Path) -> Any:
    """Read one JSON file, naming it in the error when it is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise NexusError(f"Could not read {path}: {exc}. Re-run the step that writes it.") from None
