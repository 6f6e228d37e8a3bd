"""The import graph keeps the one direction of data flow (read from the source tree with ``ast``).

sources -> store -> snapshot -> model -> embeddings -> evaluation -> trading -> report, joined by
``pipeline`` only, with ``cli`` on top. Every ``import`` counts, also those inside functions and
under ``TYPE_CHECKING``: a lazy import is still a dependency.

- the core packages (snapshot, model, embeddings, evaluation, trading) never import the store, the
  CLI, the reports or the pipeline -- they take and return frames, arrays and ``HeteroData``;
- a package imports only from its own layer or a lower one (:data:`LAYERS`), so no two packages
  import each other;
- no module imports itself back through others (no module-level cycle);
- the CLI reaches the store only to connect (``nexus_graph.store``) and to read the Browser query
  text (``nexus_graph.store.catalog``); every read and write goes through ``pipeline``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "nexus_graph"
CORE = ("snapshot", "model", "embeddings", "evaluation", "trading")
NEVER_FROM_CORE = ("store", "cli", "report", "pipeline", "server")
LAYERS: tuple[tuple[str, ...], ...] = (  # lowest first; a package may import its own layer and those below
    ("errors", "settings", "clock", "schema", "as_of"),
    ("sources",),
    ("store",),
    ("server",),
    ("snapshot",),
    ("model",),
    ("embeddings",),
    ("evaluation",),
    ("trading",),
    ("report",),
    ("pipeline",),
    ("read",),  # the public name of the read API (pipeline.read) for backtest jobs
    ("cli",),
    ("__main__",),
)
CLI_STORE_MODULES = {"nexus_graph.store", "nexus_graph.store.catalog"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def resolve(name: str) -> str | None:
    """The project module ``name`` refers to (itself, or the nearest package above it), or None."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


def imported(module: str, tree: ast.AST) -> set[str]:
    """Project modules imported anywhere in ``tree``; ``from pkg import sub`` counts as ``pkg.sub``."""
    package = module if modules()[module].name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base for alias in node.names]
        else:
            continue
        found |= {target for n in names if n.startswith("nexus_graph") and (target := resolve(n))}
    return found - {module}


@cache
def graph() -> dict[str, frozenset[str]]:
    return {m: frozenset(imported(m, ast.parse(p.read_text(encoding="utf-8")))) for m, p in modules().items()}


def package_of(module: str) -> str:
    """``nexus_graph.store.graph`` -> ``store``; ``nexus_graph.schema`` -> ``schema``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_of(package: str) -> int:
    for index, members in enumerate(LAYERS):
        if package in members:
            return index
    raise AssertionError(f"package {package!r} is in no layer of LAYERS; place it in the data flow")


def cycles(edges: dict[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for vertex in sorted(edges):
        if vertex not in index:
            visit(vertex)
    return found


def package_edges() -> dict[str, set[tuple[str, str]]]:
    """Package -> {(importing module, imported module)} for imports that cross packages."""
    out: dict[str, set[tuple[str, str]]] = {}
    for module, targets in graph().items():
        for target in targets:
            if package_of(module) != package_of(target) and package_of(target):
                out.setdefault(package_of(module), set()).add((module, target))
    return out


def test_the_scan_sees_imports() -> None:
    """The scanner itself: lazy, relative and ``from pkg import sub`` imports are all found."""
    tree = ast.parse("from nexus_graph.store import graph\nimport nexus_graph.schema\n"
                     "def f():\n    from nexus_graph.pipeline.load import load_step\n"
                     "from . import protocol\n")
    assert imported("nexus_graph.store.admin", tree) == {
        "nexus_graph.store.graph", "nexus_graph.schema", "nexus_graph.pipeline.load", "nexus_graph.store.protocol"}
    assert cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert len(graph()) > 100


@pytest.mark.parametrize("package", CORE)
def test_the_core_never_imports_store_cli_report_or_pipeline(package: str) -> None:
    offenders = sorted(f"{m} imports {t}" for m, t in package_edges().get(package, ())
                       if package_of(t) in NEVER_FROM_CORE)
    assert not offenders, f"the core package {package!r} must stay pure: {offenders}"


def test_packages_import_only_their_own_layer_or_lower() -> None:
    offenders = sorted(f"{m} imports {t}" for package, pairs in package_edges().items() for m, t in pairs
                       if layer_of(package_of(t)) > layer_of(package))
    assert not offenders, f"imports against the data flow (see LAYERS): {offenders}"


def test_no_cycle_between_packages() -> None:
    edges = {package: {package_of(t) for _, t in pairs} for package, pairs in package_edges().items()}
    assert cycles(edges) == []


def test_no_cycle_between_modules() -> None:
    assert cycles(dict(graph())) == []


def test_the_cli_reads_and_writes_only_through_the_pipeline() -> None:
    offenders = sorted(f"{m} imports {t}" for m, t in package_edges().get("cli", ())
                       if package_of(t) == "store" and t not in CLI_STORE_MODULES)
    assert not offenders, offenders
