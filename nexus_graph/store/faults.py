"""A fault-injection point for tests: pause a writer inside an open transaction, just before COMMIT.

Off unless the environment variable :data:`PAUSE_ENV` is set, which only tests and ``make soak`` do.
Its value is ``DIR:N``: the N-th write transaction of this process (counting from 1) pauses after
its last statement returned (results consumed, transaction still open) and before the driver sends
COMMIT. The writer creates ``DIR/paused`` (holding N and the process id) and waits until
``DIR/resume`` exists, then goes on. The test takes the server down and up in between, so the
commit meets a restarted server every time, not one run in five.

Only the first matching transaction pauses; a retry or a repair of the same write does not.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from pathlib import Path

PAUSE_ENV = "NEXUS_GRAPH_TEST_PAUSE_BEFORE_COMMIT"
WAIT_LIMIT_S = 600.0  # a test that never resumes must not hang the writer forever

_counter = itertools.count(1)
_lock = threading.Lock()


def _target() -> tuple[Path, int] | None:
    raw = os.environ.get(PAUSE_ENV, "")
    if not raw:
        return None
    folder, _, number = raw.rpartition(":")
    return Path(folder), int(number)


def before_commit() -> None:
    """Called by :meth:`Store.transaction` after the work function returned, before COMMIT."""
    target = _target()
    if target is None:
        return
    folder, wanted = target
    with _lock:
        number = next(_counter)
    if number != wanted:
        return
    (folder / "paused").write_text(f"{number} {os.getpid()}\n", encoding="utf-8")
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not (folder / "resume").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
