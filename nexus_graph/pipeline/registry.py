"""Steps ``db init`` and ``registry``: the schema, and reads of the signal registry."""

from __future__ import annotations

import pandas as pd

from nexus_graph.store.admin import SchemaReport, init_schema
from nexus_graph.store.protocol import Store
from nexus_graph.store.registry import list_signals, signal_detail


def init_database(store: Store) -> SchemaReport:
    """Apply the constraints and indexes of ``cypher/schema/`` (idempotent)."""
    return init_schema(store)


def registry_list(store: Store) -> pd.DataFrame:
    """Every registered signal with its status, tier, runs and tests (one row each)."""
    return list_signals(store)


def registry_show(store: Store, name: str) -> tuple[dict, pd.DataFrame]:
    """One signal's properties and every test recorded against it (one row per run and horizon)."""
    return signal_detail(store, name)
