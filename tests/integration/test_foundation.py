"""The local server, settings and schema against the real Neo4j."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pytest

from nexus_graph.errors import NexusError
from nexus_graph.settings import Neo4jSettings
from nexus_graph.store import Store
from nexus_graph.store.admin import init_schema, schema_objects

pytestmark = pytest.mark.neo4j


def test_server_is_neo4j_5_26_community(store: Store) -> None:
    info = store.components()
    assert info["version"].startswith("5.26.")
    assert info["edition"] == "community"


def test_wrong_password_is_refused(store: Store) -> None:
    wrong = Neo4jSettings(store.settings.uri, store.settings.username, "not-the-password", "neo4j", local=False)
    with pytest.raises(NexusError, match="refused user 'neo4j'"):
        Store.connect(wrong)


def test_db_init_twice_changes_nothing(store: Store) -> None:
    first = init_schema(store)
    second = init_schema(store)
    assert second.created == []
    assert schema_objects(store) == (first.indexes, first.constraints)
    names = {row["name"] for row in second.constraints}
    assert {"company_id_unique", "fund_id_unique", "director_id_unique"} <= names


def test_uniqueness_constraint_holds(store: Store) -> None:
    store.write("test/create_company", id="NVDA")
    with pytest.raises(NexusError, match="ConstraintValidationFailed"):
        store.write("test/create_company", id="NVDA")


def test_local_server_listens_on_loopback_only(store: Store) -> None:
    if not store.settings.local:
        pytest.skip("NEO4J_URI points at an external server")
    from nexus_graph.server.local import LocalServer

    conf = LocalServer.default().conf_file.read_text()
    assert "server.default_listen_address=127.0.0.1" in conf
    assert "dbms.security.auth_enabled=true" in conf
    from nexus_graph.settings import DEFAULT_BOLT_PORT, DEFAULT_HTTP_PORT

    ports = (f":{DEFAULT_BOLT_PORT}", f":{DEFAULT_HTTP_PORT}")
    out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=False).stdout
    listeners = [line.split()[3] for line in out.splitlines() if line.split()[3].endswith(ports)]
    assert len(listeners) == 2, out
    # IPv4 loopback, possibly shown as an IPv4-mapped IPv6 address by a dual-stack JVM socket
    assert all(addr.startswith(("127.0.0.1:", "[::ffff:127.0.0.1]:")) for addr in listeners), listeners


def test_browser_page_is_served(store: Store) -> None:
    if not store.settings.local:
        pytest.skip("NEO4J_URI points at an external server")
    from nexus_graph.settings import DEFAULT_HTTP_PORT

    with urllib.request.urlopen(f"http://127.0.0.1:{DEFAULT_HTTP_PORT}/browser/", timeout=10) as response:
        body = response.read().decode("utf-8", errors="replace")
        assert response.status == 200
    assert "<title>Neo4j Browser</title>" in body


def test_cli_status_reports_version_and_hides_password(store: Store) -> None:
    out = subprocess.run([sys.executable, "-m", "nexus_graph", "neo4j", "status", "--json"],
                         capture_output=True, text=True, check=True).stdout
    assert '"version": "5.26.' in out
    assert '"edition": "community"' in out
    if store.settings.password:
        assert store.settings.password not in out
