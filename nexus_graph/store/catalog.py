"""Cypher statements by name, from the ``.cypher`` files of the top-level ``cypher/`` folder.

One parameterised statement per file; the name is the path below ``cypher/`` without the suffix,
e.g. ``schema/company_id_unique``. Labels and relationship types appear only in these files:
nothing in the package formats Cypher from values.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from nexus_graph.errors import NexusError


def cypher_root() -> Path:
    """The ``cypher/`` folder: inside the installed package, or at the checkout root."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "cypher", package.parent / "cypher"):
        if candidate.is_dir():
            return candidate
    raise NexusError(f"The cypher/ folder was not found next to {package}; reinstall nexus-graph.")


@cache
def statement(name: str) -> str:
    """The text of statement ``name`` (e.g. ``"schema/company_id_unique"``)."""
    path = cypher_root() / f"{name}.cypher"
    if not path.is_file():
        raise NexusError(f"Unknown Cypher statement {name!r}: {path} does not exist.")
    return "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("//")
    ).strip()


def names(folder: str = "") -> list[str]:
    """All statement names, optionally below one folder, sorted."""
    root = cypher_root()
    base = root / folder if folder else root
    return sorted(str(p.relative_to(root).with_suffix("")) for p in base.rglob("*.cypher"))
