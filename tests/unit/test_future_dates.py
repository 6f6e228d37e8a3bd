"""No dates from the future (issue #21): every command that takes a date refuses one after today.

Today is pinned with ``NEXUS_GRAPH_TODAY``. The server address is a closed port, so a command that
connected (or wrote) before checking its dates would fail with a connection error instead: the
refusal comes first, and nothing can have been written.
"""

from __future__ import annotations

import pandas as pd
import pytest

from nexus_graph.clock import latest_month_end, refuse_future, today
from nexus_graph.errors import NexusError
from tests.unit.test_cli_errors import run_cli

TODAY = "2024-06-15"
FUTURE = "2024-07-31"
ENV = {"NEXUS_GRAPH_TODAY": TODAY, "NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x" * 12}

COMMANDS = [
    ("snapshot", "--asof", FUTURE),
    ("centralities", "--start", "2024-01-31", "--end", FUTURE),
    ("train", "--asof", FUTURE),
    ("train", "--asof", "2023-12-31", "--walk-forward", "QUARTERLY", "--until", FUTURE),
    ("backfill", "--start", "2024-01-31", "--end", FUTURE),
    ("backfill", "--start", FUTURE, "--end", FUTURE),
    ("drift-noise", "--start", "2024-01-31", "--end", FUTURE),
    ("validate-embeddings", "--date", FUTURE),
    ("demo", "--end", FUTURE),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
def test_every_dated_command_refuses_a_future_date_before_connecting(args: tuple[str, ...]) -> None:
    result = run_cli(*args, env=ENV)
    assert result.returncode == 2, result.stderr  # a bad argument
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"{FUTURE} is in the future (today is {TODAY})" in lines[0]
    assert "The latest month-end you can use is 2024-05-31." in lines[0]


def test_today_comes_from_one_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEXUS_GRAPH_TODAY", "2024-02-29")
    assert today() == pd.Timestamp("2024-02-29")
    assert latest_month_end() == pd.Timestamp("2024-02-29")  # today is itself a month-end
    assert latest_month_end(pd.Timestamp("2024-03-30")) == pd.Timestamp("2024-02-29")
    assert refuse_future(pd.Timestamp("2024-02-29"), "--asof") == pd.Timestamp("2024-02-29")
    with pytest.raises(NexusError, match="2024-03-01 is in the future"):
        refuse_future(pd.Timestamp("2024-03-01"), "--asof")
    monkeypatch.setenv("NEXUS_GRAPH_TODAY", "tomorrow")
    with pytest.raises(NexusError, match="NEXUS_GRAPH_TODAY must be an ISO date"):
        today()
