"""``nexus-graph neo4j install|start|stop|status``: the project-managed local server."""

from __future__ import annotations

import typer

from nexus_graph.cli.common import console, err_console, print_json
from nexus_graph.errors import NexusError
from nexus_graph.server.local import NEO4J_VERSION, LocalServer, bolt_answers
from nexus_graph.settings import DEFAULT_BOLT_PORT, DEFAULT_HTTP_PORT, Neo4jSettings, mask

neo4j_app = typer.Typer(help="Install, start, stop and inspect the local Neo4j 5.26 server (no Docker).",
                        no_args_is_help=True)


def _log(message: str) -> None:
    err_console.print(message, markup=False, highlight=False)


@neo4j_app.command()
def install() -> None:
    """Fetch the Neo4j jars from Maven Central, write neo4j.conf, generate the password."""
    server = LocalServer.default()
    changed = server.install(_log)
    console.print(f"Neo4j {NEO4J_VERSION} {'installed' if changed else 'already installed'} in {server.home}")


@neo4j_app.command()
def start(timeout: float = typer.Option(120.0, help="Seconds to wait for Bolt to answer.")) -> None:
    """Start the local server (installing it first if needed) and wait until Bolt answers."""
    server = LocalServer.default()
    started = server.start(timeout=timeout, log=_log)
    state = "started" if started else "already running"
    console.print(f"Neo4j {state}: bolt://127.0.0.1:{DEFAULT_BOLT_PORT}  http://127.0.0.1:{DEFAULT_HTTP_PORT}/browser/")


@neo4j_app.command()
def stop() -> None:
    """Stop the local server (no-op when it is not running)."""
    stopped = LocalServer.default().stop()
    console.print("Neo4j stopped." if stopped else "Neo4j was not running.")


@neo4j_app.command()
def status(json_out: bool = typer.Option(False, "--json", help="Print a JSON summary.")) -> None:
    """Version, edition, URIs and state of the configured server (exit 1 when it is down)."""
    from nexus_graph.store import Store

    settings = Neo4jSettings.from_env()
    server = LocalServer.default()
    info: dict[str, object] = {
        "uri": settings.uri,
        "http": f"http://127.0.0.1:{DEFAULT_HTTP_PORT}/browser/" if settings.local else None,
        "database": settings.database,
        "username": settings.username,
        "password": mask(settings.password),
        "local_home": str(server.home) if settings.local else None,
        "installed": server.is_installed() if settings.local else None,
        "pid": server.pid() if settings.local else None,
    }
    up = bolt_answers() if settings.local else True
    if up:
        try:
            with Store.connect(settings) as store:
                info.update(store.components())
                info["running"] = True
        except NexusError as exc:
            info.update(running=False, error=str(exc))
    else:
        info["running"] = False
    if json_out:
        print_json(info)
    else:
        for key, value in info.items():
            if value is not None:
                console.print(f"{key:>10}: {value}", highlight=False)
    if not info["running"]:
        raise NexusError(str(info.get("error") or "Neo4j is not running. Start it with `nexus-graph neo4j start`."))


ORDER = 10


def register(app: typer.Typer) -> None:
    app.add_typer(neo4j_app, name="neo4j")
