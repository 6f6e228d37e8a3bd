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
