"""Static checks of the code base: Cypher only from files, the driver only in the store layer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from nexus_graph.store import catalog

PACKAGE = Path(__file__).resolve().parents[2] / "nexus_graph"
CYPHER_WORDS = re.compile(r"\b(MATCH|MERGE|CREATE|DETACH|DELETE|UNWIND|RETURN|SET|REMOVE|CALL|WHERE|WITH)\b")
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _literal_parts(node: ast.AST) -> list[str]:
    return [v.value for v in ast.walk(node) if isinstance(v, ast.Constant) and isinstance(v.value, str)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_cypher_is_built_by_formatting(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    offenders = []
    for node in ast.walk(tree):
        formatted = isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
        ) or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add))
        if formatted:
            text = " ".join(_literal_parts(node))
            # Cypher needs a clause keyword AND graph punctuation; prose in error messages has neither pair
            if len(CYPHER_WORDS.findall(text)) >= 2 and re.search(r"[(\[]\w*:|\$\w+|\]->|<-\[|\(\w*\s*\{", text):
                offenders.append(f"line {node.lineno}: {text[:80]!r}")
    assert not offenders, f"Cypher built by string formatting in {path}: {offenders}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_store_imports_the_driver(path: Path) -> None:
    if path.parent.name == "store":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        assert not any(n == "neo4j" or n.startswith("neo4j.") for n in names), f"{path} imports the driver"


def test_cypher_catalog_matches_files_one_to_one() -> None:
    root = catalog.cypher_root()
    files = sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.cypher"))
    assert catalog.names() == files
    for name in files:
        text = catalog.statement(name)
        assert text, f"{name} is empty"
        # one statement per file: no statement separator inside
        assert ";" not in text.rstrip().rstrip(";"), f"{name} holds more than one statement"


def test_statement_names_used_in_code_exist() -> None:
    known = set(catalog.names())
    used = set()
    folders = "|".join(sorted({name.split("/")[0] for name in known}))
    pattern = re.compile(rf"""["']((?:{folders})/[a-z0-9_]+)["']""")
    for path in SOURCES:
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    missing = sorted(used - known)
    assert not missing, f"statements used in code but missing in cypher/: {missing}"
