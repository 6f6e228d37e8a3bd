"""Driver failures become one-line errors that say truthfully what was committed (no server needed)."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j.exceptions import IncompleteCommit, ServiceUnavailable

from nexus_graph.errors import ServerUnavailable
from nexus_graph.settings import Neo4jSettings
from nexus_graph.store import Store

SETTINGS = Neo4jSettings("bolt://127.0.0.1:1", "neo4j", "not-printed-secret", "neo4j", local=False)


class _Driver:
    """A driver whose every managed transaction fails with ``error`` (after the driver's own retries)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def session(self, **_: Any) -> _Driver:
        return self

    def __enter__(self) -> _Driver:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def execute_write(self, work: Any) -> None:
        raise self.error


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


def test_lost_connection_during_commit_does_not_claim_a_rollback() -> None:
    message = _message(IncompleteCommit("Failed to read from defunct connection"))
    assert "may or may not have been committed" in message
    assert "nothing of the failed transaction was committed" not in message
