"""Connection and path settings, read once from the environment.

Standard Neo4j variables: ``NEO4J_URI``, ``NEO4J_USERNAME``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``.
When ``NEO4J_URI`` is unset the local server managed by ``nexus-graph neo4j ...`` is used, with the
password generated at install time (a git-ignored file in the local server home).

``NEXUS_GRAPH_NEO4J_HOME`` moves the local server home (default: ``.neo4j`` in the project
checkout, or in the working directory when the package is not run from a checkout).
``NEXUS_GRAPH_BOLT_PORT`` / ``NEXUS_GRAPH_HTTP_PORT`` move the local server's ports (default 7687 /
7474), e.g. to run a second one beside it. ``NEXUS_GRAPH_DATA_HOME`` moves the columnar side store
(prices), default ``.nexus-data`` beside it. ``NEXUS_GRAPH_SHARED_DATA`` names the shared real-data
folder (default: ``shared/data`` next to the checkout, or next to the local repository it was cloned
from), read by ``nexus-graph import real-dataset`` and the tests.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BOLT_PORT = int(os.environ.get("NEXUS_GRAPH_BOLT_PORT", "7687"))
DEFAULT_HTTP_PORT = int(os.environ.get("NEXUS_GRAPH_HTTP_PORT", "7474"))


def project_root() -> Path:
    """The checkout this package runs from, or the working directory for a plain install."""
    here = Path(__file__).resolve().parents[1]
    if (here / "pyproject.toml").is_file() and (here / "cypher").is_dir():
        return here
    return Path.cwd()


def neo4j_home() -> Path:
    """Folder holding the local Neo4j server (conf, data, logs, lib link, password file)."""
    configured = os.environ.get("NEXUS_GRAPH_NEO4J_HOME")
    return Path(configured).expanduser().resolve() if configured else project_root() / ".neo4j"


def data_home() -> Path:
    """Folder of the columnar side store (prices as Parquet)."""
    configured = os.environ.get("NEXUS_GRAPH_DATA_HOME")
    return Path(configured).expanduser().resolve() if configured else project_root() / ".nexus-data"


def models_dir() -> Path:
    """Folder of model checkpoints (``models/<version>/``)."""
    configured = os.environ.get("NEXUS_GRAPH_MODELS")
    return Path(configured).expanduser().resolve() if configured else project_root() / "models"


def shared_data_dir() -> Path:
    """The shared real-data folder (prices, Apple's supplier list, Form 4).

    ``$NEXUS_GRAPH_SHARED_DATA``, else ``shared/data`` next to the checkout, else next to the local
    repository the checkout was cloned from (a fresh clone in a temporary folder still finds it).
    """
    configured = os.environ.get("NEXUS_GRAPH_SHARED_DATA")
    if configured:
        return Path(configured).expanduser().resolve()
    beside = project_root().parent / "shared" / "data"
    origin = _clone_origin()
    if not beside.is_dir() and origin is not None and (origin.parent / "shared" / "data").is_dir():
        return origin.parent / "shared" / "data"
    return beside


def _clone_origin() -> Path | None:
    """The local folder git's ``origin`` of this checkout points to; None for a network remote or no git."""
    try:
        url = subprocess.run(["git", "-C", str(project_root()), "config", "--get", "remote.origin.url"],
                             capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    url = url.removeprefix("file://")
    if not url or "://" in url or (":" in url and not Path(url).exists()):  # https://, ssh://, host:path
        return None
    return (project_root() / url).resolve()


def password_file(home: Path | None = None) -> Path:
    """The git-ignored file holding the generated password of the local server."""
    return (home or neo4j_home()) / "password"


def mask(secret: str) -> str:
    """A secret shown safely: only whether it is set, never any of its characters or its length."""
    return "(set, hidden)" if secret else "(empty)"


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and how to connect. ``password`` is never printed; use :func:`mask`."""

    uri: str
    username: str
    password: str = field(repr=False)
    database: str
    local: bool  # True when this is the project-managed local server

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Neo4jSettings:
        """Settings from the standard variables, defaulting to the local server."""
        env = dict(os.environ if env is None else env)
        uri = env.get("NEO4J_URI", "").strip()
        username = env.get("NEO4J_USERNAME", "neo4j").strip() or "neo4j"
        database = env.get("NEO4J_DATABASE", "neo4j").strip() or "neo4j"
        if uri:
            return cls(uri, username, env.get("NEO4J_PASSWORD", ""), database, local=False)
        password = env.get("NEO4J_PASSWORD", "")
        pw_file = password_file()
        if not password and pw_file.is_file():
            password = pw_file.read_text(encoding="utf-8").strip()
        return cls(f"bolt://127.0.0.1:{DEFAULT_BOLT_PORT}", username, password, database, local=True)
