"""Peak memory of benchmark steps: the step process's own high-water mark and Neo4j's, sampled.

Each step runs in its own worker process, so ``ru_maxrss`` of that process is the step's peak
(it includes the ~0.4-0.6 GiB of Python + torch + pandas imports, measured once as ``baseline``).
Subprocesses a step starts (the reference trainer, ``nexus-graph demo``) are reported through
``RUSAGE_CHILDREN`` -- the largest terminated child. Neo4j is a separate JVM: its resident set
is sampled by a thread in the parent while the step runs (pid from ``$NEO4J_HOME/run/neo4j.pid``).
"""

from __future__ import annotations

import resource
import sys
import threading
from pathlib import Path
from types import TracebackType

import psutil

MIB = 1024 * 1024


def _maxrss_mib(who: int) -> float:
    """``ru_maxrss`` in MiB (kilobytes on Linux, bytes on macOS)."""
    value = resource.getrusage(who).ru_maxrss
    return value / MIB if sys.platform == "darwin" else value / 1024


def self_peak_mib() -> float:
    """High-water resident set of this process so far, MiB."""
    return _maxrss_mib(resource.RUSAGE_SELF)


def children_peak_mib() -> float:
    """High-water resident set of the largest terminated (and waited-for) child, MiB; 0 if none."""
    return _maxrss_mib(resource.RUSAGE_CHILDREN)


def neo4j_pid(home: Path) -> int | None:
    """The pid of the local Neo4j server of ``home``, or None when it is not running (or remote)."""
    pid_file = home / "run" / "neo4j.pid"
    try:
        pid = int(pid_file.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
    return pid if psutil.pid_exists(pid) else None


class RssSampler:
    """Peak resident set of one process, sampled every ``interval`` seconds in a daemon thread.

    Use as a context manager around the work; ``peak_mib`` is None when the pid was not given or
    vanished before the first sample.
    """

    def __init__(self, pid: int | None, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_mib: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        try:
            proc = psutil.Process(self.pid)
            while True:
                rss = proc.memory_info().rss / MIB
                self.peak_mib = rss if self.peak_mib is None else max(self.peak_mib, rss)
                if self._stop.wait(self.interval):
                    return
        except psutil.Error:  # the process ended: keep what was seen
            return

    def __enter__(self) -> RssSampler:
        if self.pid is not None:
            self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
