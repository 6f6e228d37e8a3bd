"""CLI behaviour that needs no server: help, errors, secrets."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "nexus_graph", *args], capture_output=True, text=True,
                          env=full_env, check=False, timeout=120)


def test_help_lists_every_command_with_a_description() -> None:
    out = run_cli("--help").stdout
    for command in ("neo4j", "db", "snapshot", "centralities"):
        assert command in out


def test_server_down_gives_one_line_error_with_the_fix() -> None:
    secret = "s3cret-Password-Value"
    result = run_cli("db", "init", env={"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": secret})
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: Neo4j is not reachable at bolt://127.0.0.1:1")
    assert "Check that the server at NEO4J_URI is running" in lines[0]
    assert secret not in result.stderr + result.stdout


def test_local_server_down_says_how_to_start_it(tmp_path) -> None:
    env = {"NEO4J_URI": "", "NEXUS_GRAPH_NEO4J_HOME": str(tmp_path), "NEXUS_GRAPH_BOLT_PORT": "1",
           "NEO4J_PASSWORD": "whatever-password"}
    result = run_cli("snapshot", "--asof", "2023-12-31", env=env)
    assert result.returncode == 1
    assert "nexus-graph neo4j start" in result.stderr


def test_bad_date_is_reported_before_connecting() -> None:
    result = run_cli("snapshot", "--asof", "31/12/2023", env={"NEO4J_URI": "bolt://127.0.0.1:1"})
    assert result.returncode == 2  # a bad argument
    assert result.stderr.strip() == "Error: --asof must be an ISO date YYYY-MM-DD (got '31/12/2023')."


@pytest.mark.parametrize("password", ["short-but-secret-1", "another-Secret-Value-2"])
def test_wrong_password_message_masks_it(password: str) -> None:
    from nexus_graph.settings import Neo4jSettings, mask

    settings = Neo4jSettings("bolt://x", "neo4j", password, "neo4j", local=False)
    assert password not in repr(settings)
    assert mask(password) == mask("x" * 40) != mask("")  # tells only whether one is set: no part, no length


def test_cli_help_does_not_import_torch() -> None:
    """Command modules import heavy libraries inside the commands, so --help and errors stay quick."""
    code = "import sys, nexus_graph.cli; print(sorted(m for m in ('torch', 'torch_geometric') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
