"""What the pipeline and the store functions need of a store: the :class:`Store` protocol.

:class:`nexus_graph.store.neo4j_store.Store` (Neo4j through the driver) is the implementation;
``tests/fakes.py`` holds a recording fake (statements and parameters, canned answers) for fast
unit tests of the pipeline steps. Everything runs catalogued statements by name
(:mod:`nexus_graph.store.catalog`), never Cypher text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import pandas as pd

T = TypeVar("T")


class Tx(Protocol):
    """An open transaction: runs catalogued statements by name."""

    def run(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run statement ``name`` with ``params``; rows as dicts of plain Python values."""
        ...


class Store(Protocol):
    """Catalogued statements against one graph database."""

    def records(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run a read statement; rows as dicts of plain Python values."""
        ...

    def write(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run a write statement in its own transaction."""
        ...

    def frame(self, name: str, columns: Sequence[str] | None = None, **params: Any) -> pd.DataFrame:
        """Run a read statement; a DataFrame (date columns as ``datetime64``)."""
        ...

    def transaction(self, work: Callable[[Tx], T], verify: Callable[[Tx], bool] | None = None) -> T:
        """Run ``work`` in one write transaction, committed whole or not at all (``verify`` reads it back)."""
        ...

    def read_transaction(self, work: Callable[[Tx], T]) -> T:
        """Run ``work`` in one read transaction (a consistent view)."""
        ...
