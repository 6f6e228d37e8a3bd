"""Cypher statements by name, from the ``.cypher`` files of the top-level ``cypher/`` folder.

One parameterised statement per file; the name is the path below ``cypher/`` without the suffix,
e.g. ``schema/company_id_unique``. Labels and relationship types appear only in these files:
nothing in the package formats Cypher from values.
"""

from __future__ import annotations

import re
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


# clauses and procedures that change the graph or the schema, or must run where the schema changed (the
# leader of a cluster): a statement with one of them is run through a write transaction
WRITE_CLAUSE = re.compile(r"\b(CREATE|MERGE|SET|DELETE|REMOVE|DROP|FOREACH|LOAD\s+CSV)\b", re.IGNORECASE)
WRITE_PROCEDURE = re.compile(r"\bCALL\s+(db\.create\.|db\.awaitIndex|apoc\.(create|merge|refactor|periodic|"
                             r"nodes\.delete|atomic)\.?)", re.IGNORECASE)
QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`")


def cypher_writes(text: str) -> bool:
    """Whether Cypher ``text`` has a write clause or a writing procedure (see :data:`WRITE_CLAUSE`)."""
    text = QUOTED.sub("''", text)  # a keyword inside a string or a quoted name is not a clause
    return bool(WRITE_CLAUSE.search(text) or WRITE_PROCEDURE.search(text))


@cache
def writes(name: str) -> bool:
    """Whether statement ``name`` writes (or waits on the schema): it must run in a write transaction.

    Everything else is read-only and runs as a read, which a ``neo4j://`` routing driver sends to any
    member of a cluster (a read replica or follower); writes go to the leader.
    """
    return cypher_writes(statement(name))


def refuse_write_in_read(name: str) -> None:
    """Raise when statement ``name`` writes: a read may run on a cluster member that cannot write."""
    if writes(name):
        raise NexusError(f"Statement {name!r} writes, but it was run as a read (which a cluster may route to a "
                         "read-only member); run it with Store.write or inside Store.transaction.")


def names(folder: str = "") -> list[str]:
    """All statement names, optionally below one folder, sorted."""
    root = cypher_root()
    base = root / folder if folder else root
    return sorted(str(p.relative_to(root).with_suffix("")) for p in base.rglob("*.cypher"))
