"""The one seam to Neo4j: run catalogued statements, return plain rows or DataFrames.

Everything else in nexus-graph takes a :class:`Store` (or plain frames) and never imports
``neo4j``. Reads and writes go through the driver's managed transactions, which retry transient
errors (leader switch, deadlock, a server restart within ``max_transaction_retry_time``).

Reads run as reads (``routing_=READ``, ``execute_read``) and writes as writes (``execute_write``), so
that with a ``neo4j://`` URI a cluster serves reads from any member and writes from the leader
(``docs/cluster.md``). Every session and query of one :class:`Store` shares one bookmark manager,
so a read that follows a write sees it even when a cluster member that lags serves the read
(causal consistency). A read refuses a statement that writes (:func:`~nexus_graph.store.catalog.refuse_write_in_read`)
before sending it, naming the method to use instead.

A write counts only when its commit is proven. The server answers a committed transaction with a
bookmark; a COMMIT whose answer carries none, or whose connection drops while committing, has an
unknown outcome (the driver 6.4 returns normally from such a commit even when the server had
already rolled the transaction back, see ``docs/reliability.md``). :meth:`Store.transaction` then
reads back what the transaction should have written (its ``verify`` function) or, without one,
simply runs it again: every write of nexus-graph is idempotent (MERGE on its key, or an idempotency
key), so a second run of a committed transaction changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from neo4j import Driver, GraphDatabase, ManagedTransaction, RoutingControl, Session
from neo4j.exceptions import IncompleteCommit, Neo4jError, ServiceUnavailable, SessionExpired
from neo4j.time import Date, DateTime

from nexus_graph.errors import KeyTaken, NexusError, ServerUnavailable
from nexus_graph.settings import Neo4jSettings
from nexus_graph.store import faults
from nexus_graph.store.catalog import refuse_write_in_read, statement
from nexus_graph.store.connection import open_driver, start_hint

T = TypeVar("T")
KEY_TAKEN = "Neo.ClientError.Schema.ConstraintValidationFailed"  # a CREATE met an existing unique key
PROOF_ATTEMPTS = 3  # runs of one write whose commit stays unproven before the command gives up


class _Unknown:
    """The outcome of a commit that may or may not have happened."""


UNKNOWN = _Unknown()


_PLAIN = (str, int, bool)


def to_param(value: Any) -> Any:
    """A Python value the driver accepts: dates as ``datetime.date``, NaN/NaT as None."""
    kind = type(value)  # exact types first: a backfill sends millions of plain floats
    if kind is float:
        return value if math.isfinite(value) else None
    if kind in _PLAIN or value is None:
        return value
    if kind is list:
        return [to_param(v) for v in value]
    if kind is dict:
        return {k: to_param(v) for k, v in value.items()}
    if kind is np.ndarray and value.dtype.kind == "f" and np.isfinite(value).all():
        return value.tolist()  # plain Python floats, checked at C speed: an embedding vector per row
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.ndarray):
        return [to_param(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [to_param(v) for v in value]
    if isinstance(value, dict):
        return {k: to_param(v) for k, v in value.items()}
    if value is pd.NaT:
        return None
    return value


def rows_from_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as driver-ready dicts (dates -> ``date``, missing -> None)."""
    columns = list(frame.columns)
    out: list[dict[str, Any]] = []
    for values in frame.itertuples(index=False, name=None):
        out.append({c: to_param(v) for c, v in zip(columns, values, strict=True)})
    return out


def from_value(value: Any) -> Any:
    """A driver value as plain Python (neo4j.time types -> datetime types)."""
    if isinstance(value, Date | DateTime):
        return value.to_native()
    return value


def from_values(value: Any) -> Any:
    """:func:`from_value`, also inside lists (e.g. a list property of dates)."""
    if isinstance(value, list):
        return [from_values(v) for v in value]
    return from_value(value)


class Tx:
    """A transaction handle that runs catalogued statements by name (only read-only ones in a read)."""

    def __init__(self, tx: ManagedTransaction, read_only: bool = False) -> None:
        self._tx, self._read_only = tx, read_only

    def run(self, name: str, **params: Any) -> list[dict[str, Any]]:
        if self._read_only:
            refuse_write_in_read(name)
        result = self._tx.run(statement(name), {k: to_param(v) for k, v in params.items()})
        return [{k: from_value(v) for k, v in record.items()} for record in result]


class Store:
    """Catalogued Cypher against one database. Use as a context manager or call :meth:`close`."""

    def __init__(self, driver: Driver, settings: Neo4jSettings) -> None:
        self._driver = driver
        self.settings = settings
        # read-your-writes across a cluster: each transaction waits for the ones this store committed
        self._bookmarks = GraphDatabase.bookmark_manager()

    @classmethod
    def connect(cls, settings: Neo4jSettings | None = None) -> Store:
        settings = settings or Neo4jSettings.from_env()
        return cls(open_driver(settings), settings)

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- single statements -------------------------------------------------------------------
    def records(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run a read-only statement as a read (routed to any cluster member); rows as plain Python dicts."""
        refuse_write_in_read(name)
        return self._execute(name, params, RoutingControl.READ)

    def write(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run a write statement in its own (retried, proven) transaction."""
        return self.transaction(lambda tx: tx.run(name, **params))

    def frame(self, name: str, columns: Sequence[str] | None = None, **params: Any) -> pd.DataFrame:
        """Run a read statement; a DataFrame whose date columns are ``datetime64``."""
        rows = self.records(name, **params)
        frame = pd.DataFrame(rows, columns=list(columns) if columns is not None else None)
        for column in frame.columns:
            sample = frame[column].dropna()
            if len(sample) and isinstance(sample.iloc[0], dt.date):
                frame[column] = pd.to_datetime(frame[column])
        return frame

    def _execute(self, name: str, params: dict[str, Any], routing: RoutingControl) -> list[dict[str, Any]]:
        with self._translate():
            records, _, _ = self._driver.execute_query(
                statement(name),
                {k: to_param(v) for k, v in params.items()},
                database_=self.settings.database,
                routing_=routing,
                bookmark_manager_=self._bookmarks,
            )
        return [{k: from_value(v) for k, v in record.items()} for record in records]

    # --- transactions ------------------------------------------------------------------------
    def transaction(self, work: Callable[[Tx], T], verify: Callable[[Tx], bool] | None = None) -> T:
        """Run ``work`` in one managed write transaction: all of it is committed, or none, and proven.

        ``work`` must be idempotent (it may run again after a commit whose outcome is unknown).
        ``verify``, optional, reads back in a read transaction whether what ``work`` writes is in the
        graph; it spares the second run when the first one did commit. Without it an unproven commit
        is simply run again. Raises :class:`ServerUnavailable` when no run could be proven.
        """
        unproven = 0
        while True:
            result = self._commit_once(work)
            if result is not UNKNOWN:
                return result  # type: ignore[return-value]
            unproven += 1
            if verify is not None and self.read_transaction(verify):
                # the first run did commit; run it once more (a no-op) to get its result back
                result = self._commit_once(work)
                if result is not UNKNOWN:
                    return result  # type: ignore[return-value]
            if unproven >= PROOF_ATTEMPTS:
                raise ServerUnavailable(
                    f"Neo4j at {self.settings.uri} did not confirm a commit {unproven} times in a row; the "
                    f"last write may or may not be in the graph. Re-run the command: it completes what is "
                    f"missing and changes nothing else. {start_hint(self.settings)}"
                )

    def _commit_once(self, work: Callable[[Tx], T]) -> T | _Unknown:
        """One managed write transaction; :data:`UNKNOWN` when its commit is not proven by a bookmark."""

        def unit(tx: ManagedTransaction) -> T:
            result = work(Tx(tx))
            faults.before_commit()
            return result

        with self._translate(), self._session() as session:
            try:
                result = session.execute_write(unit)
            except IncompleteCommit:  # the connection dropped while committing: the outcome is unknown
                return UNKNOWN
            if not session.last_bookmarks().raw_values:  # committed transactions always answer with one
                return UNKNOWN
            return result

    def _session(self) -> Session:
        """A session on the configured database that shares this store's bookmarks."""
        return self._driver.session(database=self.settings.database, bookmark_manager=self._bookmarks)

    def read_transaction(self, work: Callable[[Tx], T]) -> T:
        """Run ``work`` in one managed read transaction (a consistent view)."""
        with self._translate(), self._session() as session:
            return session.execute_read(lambda tx: work(Tx(tx, read_only=True)))

    def write_batches(
        self,
        name: str,
        rows: Sequence[dict[str, Any]],
        batch_size: int = 5_000,
        on_batch: Callable[[int], None] | None = None,
        **params: Any,
    ) -> int:
        """``UNWIND $rows`` writes, one transaction per batch; returns the rows written."""
        done = 0
        for chunk in batched(rows, batch_size):
            self.transaction(lambda tx, chunk=chunk: tx.run(name, rows=chunk, **params))
            done += len(chunk)
            if on_batch:
                on_batch(len(chunk))
        return done

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except (ServiceUnavailable, SessionExpired) as exc:
            raise ServerUnavailable(
                f"Lost the connection to Neo4j at {self.settings.uri} ({type(exc).__name__}); "
                f"nothing of the failed transaction was committed. {start_hint(self.settings)}"
            ) from None
        except Neo4jError as exc:
            if exc.code == KEY_TAKEN:
                raise KeyTaken(f"Neo4j refused a statement: {exc.code}: {exc.message}") from None
            raise NexusError(f"Neo4j refused a statement: {exc.code}: {exc.message}") from None

    # --- server facts ------------------------------------------------------------------------
    def components(self) -> dict[str, str]:
        """Server name, version and edition."""
        row = self.records("admin/components")[0]
        return {"name": row["name"], "version": row["version"], "edition": row["edition"]}


def batched(rows: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    """Consecutive slices of at most ``size`` rows."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
