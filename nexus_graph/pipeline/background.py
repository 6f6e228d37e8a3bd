"""Fit a model in a second process while this one goes on.

The demo trains its seed-noise model (the same training with another seed, step 6) while the main
process trains the first model and writes the backfill: the two trainings are independent, each runs
on one torch thread, and the backfill mostly waits on Neo4j, so on a machine with two cores or more
the second training costs little wall time. The fit is :func:`~nexus_graph.pipeline.train.fit_model`,
pure (no Neo4j): the child gets the graph tables and returns the trained network, which the parent
then saves, gates and records (``train_model(..., fitted=...)``), exactly as if it had trained it.
Same inputs, same seed, same single thread: the weights are those an in-process training gives
(tested).
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any

import pandas as pd

from nexus_graph.errors import NexusError
from nexus_graph.model.config import TrainConfig
from nexus_graph.model.walk_forward import DEFAULT_GAP_MONTHS
from nexus_graph.pipeline.train import Fitted, fit_model
from nexus_graph.snapshot.tables import GraphTables


class BackgroundFit:
    """:func:`fit_model` running in one spawned process; :meth:`result` waits for it.

    Use as a context manager: leaving it stops the process if the result was never collected (an
    error in the main process does not wait for a training nobody will use).
    """

    def __init__(self, tables: GraphTables, as_of: pd.Timestamp, config: TrainConfig, *, device: str = "auto",
                 gap_months: int = DEFAULT_GAP_MONTHS, split: str = "time") -> None:
        # spawn, not fork: a forked child would inherit torch's thread pools and the driver's sockets
        context = multiprocessing.get_context("spawn")
        self._receive, send = context.Pipe(duplex=False)
        inbox, hand_over = context.Pipe(duplex=False)
        options = {"gap_months": gap_months, "split": split, "config": config, "device": device}
        process = context.Process(target=_fit_and_send, args=(inbox, send), name="nexus-graph background fit",
                                  daemon=True)
        process.start()
        self._process: BaseProcess | None = process
        send.close()  # the child holds the only sending end: its exit ends the pipe (EOFError, not a hang)
        inbox.close()  # ... and the only receiving end of its inputs: if it dies first, handing over fails
        # The inputs go down a pipe of our own, not as the process's arguments: spawn writes those while this
        # process still holds the reading end too, so a child that died at start-up would block it for ever.
        # A thread hands them over while the child imports, so this process goes on at once.
        payload = pickle.dumps((tables, pd.Timestamp(as_of), options))
        self._handing = threading.Thread(target=_hand_over, args=(hand_over, payload), daemon=True,
                                         name="nexus-graph background fit inputs")
        self._handing.start()

    def result(self) -> Fitted:
        """The fit (waits for it); an error of the child is raised here."""
        try:
            ok, value = pickle.loads(self._receive.recv_bytes())
        except EOFError:
            if self._process is not None:
                self._process.join(timeout=10)
            code = self._process.exitcode if self._process is not None else None
            raise NexusError(f"The background training process ended without a result (exit code {code}); "
                             "see its error above.") from None
        finally:
            self.close()
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Stop the child process (at once, whether it finished or not)."""
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._handing.join()  # the child's end is closed now: the hand-over has finished or failed
            self._receive.close()
            self._process = None

    def __enter__(self) -> BackgroundFit:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _hand_over(connection: Connection, payload: bytes) -> None:
    """Send the child its inputs; a child that is gone is not an error here (:meth:`BackgroundFit.result` says so)."""
    try:
        connection.send_bytes(payload)
    except OSError:  # BrokenPipeError: the child ended before it read them
        pass
    finally:
        connection.close()


def _fit_and_send(inbox: Connection, send: Connection) -> None:
    """The child's work: read the inputs, then ``(True, fit)`` or ``(False, the error)`` down the pipe."""
    tables, as_of, options = pickle.loads(inbox.recv_bytes())
    inbox.close()
    try:
        outcome: tuple[bool, Any] = (True, fit_model(tables, as_of, **options))
    except Exception as exc:  # every error goes back to the parent, which raises it
        outcome = (False, exc)
    # plain pickle, not the connection's: torch's multiprocessing pickler would pass tensors as shared-memory
    # handles that die with this process
    try:
        payload = pickle.dumps(outcome)
    except Exception as exc:  # an error that does not pickle goes back as its text
        payload = pickle.dumps((False, NexusError(f"The background training failed: {type(exc).__name__}: {exc}")))
    send.send_bytes(payload)
    send.close()
