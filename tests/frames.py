"""Small hand-written graph tables for unit tests of the snapshot, the heuristics and past edges."""

from __future__ import annotations

import pandas as pd

from nexus_graph.schema import edge_columns


def edge_frame(edge_type: tuple[str, str, str], rows: list[tuple]) -> pd.DataFrame:
    """An edge table of ``edge_type`` from rows given in column order (missing trailing columns blank)."""
    columns = edge_columns(edge_type)
    frame = pd.DataFrame(rows, columns=columns[: len(rows[0])] if rows else columns).reindex(columns=columns)
    for column in ("valid_from", "valid_to", "known_from", "end_known_from"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def late_supply_row(supply: pd.DataFrame, customer_id: str, cut: pd.Timestamp, as_of: pd.Timestamp) -> pd.DataFrame:
    """One supply interval valid long before ``cut`` but known only 40 days after ``as_of`` (look-ahead bait)."""
    extra = supply.iloc[:1].copy()
    extra[["valid_from", "known_from"]] = [cut - pd.Timedelta(days=400), as_of + pd.Timedelta(days=40)]
    extra["customer_id"] = customer_id
    extra[["valid_to", "end_known_from"]] = pd.NaT
    return extra
