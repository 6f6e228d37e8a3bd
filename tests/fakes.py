"""A recording fake of the store (:class:`nexus_graph.store.protocol.Store`) for fast unit tests of pipeline steps.

It runs nothing: every statement is recorded with its parameters (:attr:`RecordingStore.calls`), and
answered from ``answers`` -- rows, or a function of the parameters returning rows (so a test can
keep a little state, e.g. read back what an upsert "wrote"). Unknown statements answer no rows. It
checks that each name is a catalogued statement, so a typo fails here as it would against Neo4j.
It tests query composition only; every path that touches Neo4j is also tested against the real
server (``tests/integration``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

from nexus_graph.store import catalog

T = TypeVar("T")
Answer = list[dict[str, Any]] | Callable[[dict[str, Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Call:
    """One statement run: ``kind`` is ``read`` or ``write`` (inside a write transaction)."""

    kind: str
    name: str
    params: dict[str, Any]


class FakeTx:
    """A transaction of the fake: records and answers each statement."""

    def __init__(self, store: RecordingStore, kind: str) -> None:
        self._store, self._kind = store, kind

    def run(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return self._store.run(self._kind, name, params)


@dataclass
class RecordingStore:
    """Records statements and parameters; answers from ``answers`` (statement name -> rows or function)."""

    answers: dict[str, Answer] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    transactions: int = 0

    def run(self, kind: str, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        catalog.statement(name)  # an unknown name raises, as the real store would
        if kind == "read":
            catalog.refuse_write_in_read(name)  # as the real store does: a read may land on a read-only cluster member
        self.calls.append(Call(kind, name, dict(params)))
        answer = self.answers.get(name, [])
        return [dict(row) for row in (answer(params) if callable(answer) else answer)]

    # --- the Store protocol --------------------------------------------------------------------
    def records(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return self.run("read", name, params)

    def write(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return self.transaction(lambda tx: tx.run(name, **params))

    def frame(self, name: str, columns: Sequence[str] | None = None, **params: Any) -> pd.DataFrame:
        frame = pd.DataFrame(self.records(name, **params), columns=list(columns) if columns is not None else None)
        for column in frame.columns:
            sample = frame[column].dropna()
            if len(sample) and isinstance(sample.iloc[0], dt.date):
                frame[column] = pd.to_datetime(frame[column])
        return frame

    def transaction(self, work: Callable[[FakeTx], T], verify: Callable[[FakeTx], bool] | None = None) -> T:
        self.transactions += 1
        return work(FakeTx(self, "write"))

    def read_transaction(self, work: Callable[[FakeTx], T]) -> T:
        return work(FakeTx(self, "read"))

    # --- what the tests look at ----------------------------------------------------------------
    def names(self, kind: str | None = None) -> list[str]:
        """Statement names run, in order (of one kind, or all)."""
        return [c.name for c in self.calls if kind is None or c.kind == kind]

    def written(self, name: str | None = None) -> list[Call]:
        """Write calls (of one statement, or all)."""
        return [c for c in self.calls if c.kind == "write" and (name is None or c.name == name)]

    def answer(self, mapping: Mapping[str, Answer]) -> RecordingStore:
        """Add answers; returns the store (chainable)."""
        self.answers.update(mapping)
        return self
