"""Static checks of the code base: Cypher only from files, the driver only in the store layer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from nexus_graph.errors import NexusError
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


ROOTS = [PACKAGE, *(PACKAGE.parent / name for name in ("tests", "benchmarks", "scripts"))]
STORE_CALLS = {"run", "records", "write", "frame", "write_batches", "statement"}  # first argument: a statement name


def _trees() -> list[tuple[Path, ast.AST]]:
    paths = [path for root in ROOTS for path in sorted(root.rglob("*.py"))]
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in paths]


def test_every_statement_is_one_non_empty_statement() -> None:
    for name in catalog.names():
        text = catalog.statement(name)
        assert text, f"{name} is empty"
        # one statement per file: no statement separator inside
        assert ";" not in text.rstrip().rstrip(";"), f"{name} holds more than one statement"
    with pytest.raises(NexusError, match="Unknown Cypher statement 'nowhere/nothing'"):
        catalog.statement("nowhere/nothing")


def test_every_statement_file_is_used() -> None:
    """A ``.cypher`` file is used when its name is a string literal in the code or the tests, or its folder is
    applied whole (``names("schema")``); anything else is dead and must go."""
    known = set(catalog.names())
    used: set[str] = set()
    folders: set[str] = set()
    for _, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in known:
                used.add(node.value)
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "names"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                folders.add(str(node.args[0].value))
    unused = sorted(name for name in known - used if name.split("/")[0] not in folders)
    assert not unused, f"statements in cypher/ that nothing runs: {unused}"


def test_statement_names_are_literals_never_formatted() -> None:
    """Statement names come from literals or closed dicts of literals, never from f-strings or concatenation."""
    folder = re.compile(rf"^(?:{'|'.join(sorted({n.split('/')[0] for n in catalog.names()}))})/")
    offenders = []
    for path, tree in _trees():
        if PACKAGE not in path.parents:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name) and node.args
                    and getattr(node.func, "attr", getattr(node.func, "id", "")) in STORE_CALLS):
                first = node.args[0]
                formatted = isinstance(first, ast.JoinedStr | ast.BinOp) or (
                    isinstance(first, ast.Call) and getattr(first.func, "attr", "") == "format")
                if formatted and any(folder.match(part) for part in _literal_parts(first)):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not offenders, f"statement names built by formatting: {offenders}"


def test_statement_names_used_in_code_exist() -> None:
    known = set(catalog.names())
    used: set[str] = set()
    folders = "|".join(sorted({name.split("/")[0] for name in known}))
    pattern = re.compile(rf"^(?:{folders})/[a-z0-9_]+$")
    for _, tree in _trees():
        used |= {node.value for node in ast.walk(tree)
                 if isinstance(node, ast.Constant) and isinstance(node.value, str) and pattern.match(node.value)}
    missing = sorted(used - known)
    assert not missing, f"statements used in code but missing in cypher/: {missing}"


def test_no_importorskip_of_the_project_or_its_declared_dependencies() -> None:
    """A skipped import hides a broken module or a missing test dependency: both must fail instead."""
    text = (PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8")
    declared = {re.split(r"[<>=\[ ]", line.strip().strip('",'))[0].lower().replace("-", "_").removesuffix("_reloaded")
                for line in text.splitlines() if re.match(r'\s+"[A-Za-z]', line)}
    assert {"alphalens", "torch", "pytest"} <= declared
    offenders = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "importorskip" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                top = str(node.args[0].value).split(".")[0].lower()
                if top == "nexus_graph" or top in declared:
                    offenders.append(f"{path.name}:{node.lineno} importorskip({node.args[0].value!r})")
    assert not offenders, offenders
