"""``nexus-graph browser``: where Neo4j Browser is, and the ``:play`` command of the analysts' guide.

The local server serves the guide itself (``nexus_graph/server/guide.py``) and opens it on connect.
For the compose setup the guide is served beside Neo4j (``docker/guide/``); for any other server,
``--write-guide`` writes the HTML to serve from a host the server's
``browser.remote_content_hostname_whitelist`` names, and ``--guide-url`` says where it is.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.parse
import urllib.request
import webbrowser
from pathlib import Path

import typer

from nexus_graph.cli.common import console, print_json
from nexus_graph.errors import NexusError

ORDER = 12
COMPOSE_GUIDE_URL = "http://127.0.0.1:7475/nexus-graph.html"  # the guide service of docker/compose.yaml


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def browser(
    guide_url: str = typer.Option(None, help="Where the guide is served (default: the local server's copy; with "
                                             "NEO4J_URI set, $NEXUS_GRAPH_GUIDE_URL or the compose guide service)."),
    browser_url: str = typer.Option(None, help="Neo4j Browser's address (default: the local server's, or port 7474 "
                                               "of NEO4J_URI's host)."),
    write_guide: Path = typer.Option(None, help="Also write the guide HTML to this file, to serve it beside a "
                                                "remote Neo4j (see the README)."),
    open_browser: bool = typer.Option(True, "--open/--no-open", help="Open the Browser when a display exists."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Print Neo4j Browser's URL and the :play command of the analysts' guide (slides and 15 as-of queries)."""
    from nexus_graph.server.guide import guide_html
    from nexus_graph.server.local import guide_url as local_guide_url
    from nexus_graph.settings import DEFAULT_HTTP_PORT, Neo4jSettings, password_file

    settings = Neo4jSettings.from_env()
    if write_guide is not None:
        write_guide.parent.mkdir(parents=True, exist_ok=True)
        write_guide.write_text(guide_html(), encoding="utf-8")
    if settings.local:
        browser_url = browser_url or f"http://127.0.0.1:{DEFAULT_HTTP_PORT}/browser/"
        guide_url = guide_url or local_guide_url()
        if not _answers(guide_url):
            raise NexusError(f"The local Neo4j does not serve the guide at {guide_url}. Start (or restart) it with "
                             "`nexus-graph neo4j start`, which installs the guide, then run `nexus-graph browser` "
                             "again.")
    else:
        host = urllib.parse.urlsplit(settings.uri).hostname or "127.0.0.1"
        browser_url = browser_url or f"http://{host}:7474/browser/"
        guide_url = guide_url or os.environ.get("NEXUS_GRAPH_GUIDE_URL") or COMPOSE_GUIDE_URL
    play = f":play {guide_url}"
    open_url = f"{browser_url}?{urllib.parse.urlencode({'cmd': 'play', 'arg': guide_url})}"
    opened = bool(open_browser and _has_display() and webbrowser.open(open_url))
    summary = {
        "browser_url": browser_url, "guide_url": guide_url, "play": play, "open_url": open_url,
        "username": settings.username,
        "password": f"in {password_file()}" if settings.local else "$NEO4J_PASSWORD",
        "guide_file": str(write_guide) if write_guide else None, "opened": opened,
    }
    if json_out:
        print_json(summary)
        return
    console.print(f"Neo4j Browser: {browser_url}  (user {settings.username}, password {summary['password']})",
                  highlight=False, soft_wrap=True)
    console.print(f"Guide, typed into the Browser's editor:  {play}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"Or open the Browser on the guide:  {open_url}", highlight=False, soft_wrap=True)
    if settings.local:
        console.print("(The local server also opens the guide right after you connect.)", highlight=False,
                      soft_wrap=True)
    else:
        console.print("The server must allow the guide's host: browser.remote_content_hostname_whitelist "
                      "(the compose file does; see the README for a remote server).", highlight=False, soft_wrap=True)
    if write_guide:
        console.print(f"Guide written to {write_guide}", highlight=False, soft_wrap=True)
    if opened:
        console.print("Opened in your web browser.", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("browser")(browser)
