"""Driver failures become one-line errors that say truthfully what was committed, and a commit counts
only when the server proved it with a bookmark (no server needed: a scripted driver)."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j.exceptions import IncompleteCommit, ServiceUnavailable

from nexus_graph.errors import ServerUnavailable
from nexus_graph.settings import Neo4jSettings
from nexus_graph.store import Store

SETTINGS = Neo4jSettings("bolt://127.0.0.1:1", "neo4j", "not-printed-secret", "neo4j", local=False)


class _Bookmarks:
    def __init__(self, values: frozenset[str]) -> None:
        self.raw_values = values


class _Driver:
    """A driver whose managed transactions follow a script, one entry per ``execute_write``/``execute_read``.

    An entry is an exception to raise, ``"committed"`` (the work runs, a bookmark comes back),
    ``"no-bookmark"`` (the work runs, the commit answers without a bookmark: the driver 6.4 case),
    or a bool for a read (the value the verify function sees).
    """

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.calls: list[str] = []
        self._bookmark: frozenset[str] = frozenset()

    def session(self, **_: Any) -> _Driver:
        self._bookmark = frozenset()
        return self

    def __enter__(self) -> _Driver:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def last_bookmarks(self) -> _Bookmarks:
        return _Bookmarks(self._bookmark)

    def execute_write(self, work: Any) -> Any:
        step = self.script.pop(0)
        self.calls.append(f"write:{step if isinstance(step, str) else type(step).__name__}")
        if isinstance(step, Exception):
            raise step
        result = work(_RecordingTx())
        self._bookmark = frozenset({"bm"}) if step == "committed" else frozenset()
        return result

    def execute_read(self, work: Any) -> Any:
        step = self.script.pop(0)
        self.calls.append(f"read:{step}")
        return step


class _RecordingTx:
    def run(self, *_: Any, **__: Any) -> list[Any]:
        return []


def _message(error: Exception) -> str:
    with pytest.raises(ServerUnavailable) as caught:
        Store(_Driver(error), SETTINGS).transaction(lambda tx: None)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message and "not-printed-secret" not in message
    return message


def test_lost_connection_before_commit_says_nothing_was_committed() -> None:
    message = _message(ServiceUnavailable("Connection refused"))
    assert "nothing of the failed transaction was committed" in message
    assert "Check that the server at NEO4J_URI is running" in message


def _store(driver: _Driver) -> Store:
    return Store(driver, SETTINGS)  # type: ignore[arg-type]


def test_a_commit_without_a_bookmark_is_run_again() -> None:
    """The lost month of issue #23: COMMIT answered without a bookmark is not taken as committed."""
    driver = _Driver("no-bookmark", "committed")
    runs: list[int] = []
    assert _store(driver).transaction(lambda tx: runs.append(1) or len(runs)) == 2
    assert driver.calls == ["write:no-bookmark", "write:committed"]


def test_an_unknown_commit_that_did_land_is_not_written_twice_blindly() -> None:
    """With a verify function: read back first; the write runs once more only to return its result."""
    driver = _Driver("no-bookmark", True, "committed")
    assert _store(driver).transaction(lambda tx: "ok", verify=lambda tx: True) == "ok"
    assert driver.calls == ["write:no-bookmark", "read:True", "write:committed"]


def test_an_unknown_commit_that_did_not_land_is_written_again() -> None:
    driver = _Driver(IncompleteCommit("Failed to read from defunct connection"), False, "committed")
    assert _store(driver).transaction(lambda tx: "ok", verify=lambda tx: False) == "ok"
    assert driver.calls == ["write:IncompleteCommit", "read:False", "write:committed"]


def test_commits_that_stay_unproven_end_in_a_clear_error() -> None:
    driver = _Driver(*(["no-bookmark"] * 3))
    with pytest.raises(ServerUnavailable) as caught:
        _store(driver).transaction(lambda tx: None)
    message = str(caught.value)
    assert "did not confirm a commit 3 times" in message and "Re-run the command" in message
    assert "\n" not in message and "not-printed-secret" not in message
