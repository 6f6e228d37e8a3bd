"""Labels and relationship types in ``cypher/**/*.cypher`` come only from the fixed schema mapping.

The allowed set is the dataset's node labels and relationship types from :mod:`nexus_graph.schema`
plus the write-back labels and link types listed below (embeddings, factors, centralities, model
versions, the signal registry, paper trading). A statement naming anything else -- a typo, a label
built from a parameter (``:$(...)``), an APOC procedure that creates labels -- fails this test.
"""

from __future__ import annotations

import re

import pytest

from nexus_graph import schema
from nexus_graph.store import catalog

WRITE_BACK_LABELS = frozenset({
    "CentralitySnapshot", "Embedding", "FactorValue", "ModelVersion", "Signal", "SignalTest", "StatusChange",
    "PaperTradeRun",
})
WRITE_BACK_TYPES = frozenset({"HAS_CENTRALITY", "HAS_EMBEDDING", "HAS_FACTOR", "HAS_TEST", "HAD_STATUS",
                              "USED_SIGNAL"})
ALLOWED_LABELS = frozenset(spec.label for spec in schema.NODE_SPECS) | WRITE_BACK_LABELS
ALLOWED_TYPES = frozenset(spec.rel_type for spec in schema.REL_SPECS) | WRITE_BACK_TYPES

NAME = r"(?:[A-Za-z_]\w*|`[^`]*`)"
# a colon glued to a name (map entries are written 'key: value', with a space), followed by more
# names joined with ':', '&' or '|' (label and type expressions)
LABELLED = re.compile(rf"(?<!:):(?P<names>{NAME}(?:\s*[:&|]\s*{NAME})*)")
RELATIONSHIP = re.compile(rf"\[\s*\w*\s*:(?P<names>{NAME}(?:\s*[:&|]\s*{NAME})*)")
DYNAMIC = re.compile(r"(?<!:):\$(?:any|all)?\(|apoc\.(?:create|merge|refactor)\.", re.IGNORECASE)
STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
QUOTED_KEY = re.compile(r"(?<![:&|\s])`[^`]*`")  # backticked map keys such as `vector.dimensions`


def _names(expression: str) -> set[str]:
    return {n.strip("`") for n in re.split(r"\s*[:&|]\s*", expression.strip()) if n}


def labels_and_types(text: str) -> tuple[set[str], set[str], list[str]]:
    """(node labels, relationship types, dynamic-label findings) named by one statement's text."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    body = STRING.sub("''", body)  # strings first: a '//' or ':' inside one is text, not Cypher
    body = QUOTED_KEY.sub("", re.sub(r"//[^\n]*", "", body))
    types: set[str] = set()
    spans = []
    for match in RELATIONSHIP.finditer(body):
        types |= _names(match["names"])
        spans.append(match.span("names"))
    labels: set[str] = set()
    for match in LABELLED.finditer(body):
        if not any(a <= match.start("names") < b for a, b in spans):
            labels |= _names(match["names"])
    return labels, types, DYNAMIC.findall(body)


def test_the_scanner_finds_what_it_should() -> None:
    text = (
        "// a comment naming :Nothing\n"
        "MATCH (c:Company {id: $id})-[:SUPPLIES|OWNS]->(:Fund:`Director`), (x)<-[r:HAS_TEST]-(s)\n"
        "WHERE n:Signal OR n:PaperTradeRun AND c.name = 'a:Bogus'\n"
        "SET c.kind = 'x', c:Embedding\n"
        "RETURN {value: CASE WHEN c.x THEN 1 END} AS m\n"
    )
    labels, types, dynamic = labels_and_types(text)
    assert labels == {"Company", "Fund", "Director", "Signal", "PaperTradeRun", "Embedding"}
    assert types == {"SUPPLIES", "OWNS", "HAS_TEST"}
    assert not dynamic
    assert labels_and_types("MATCH (n) SET n:$($label)")[2]
    assert labels_and_types("CALL apoc.create.addLabels(n, $labels)")[2]
    assert labels_and_types("MATCH (n:Compnay) RETURN n")[0] - ALLOWED_LABELS == {"Compnay"}


@pytest.mark.parametrize("name", catalog.names())
def test_statement_uses_only_schema_labels_and_types(name: str) -> None:
    labels, types, dynamic = labels_and_types((catalog.cypher_root() / f"{name}.cypher").read_text(encoding="utf-8"))
    assert not dynamic, f"{name}: labels or types built at run time: {dynamic}"
    assert labels <= ALLOWED_LABELS, f"{name}: labels outside the schema mapping: {sorted(labels - ALLOWED_LABELS)}"
    assert types <= ALLOWED_TYPES, f"{name}: types outside the schema mapping: {sorted(types - ALLOWED_TYPES)}"


def test_every_allowed_name_is_used() -> None:
    """The allowed lists stay honest: each label and type is named by at least one statement."""
    used_labels: set[str] = set()
    used_types: set[str] = set()
    for name in catalog.names():
        labels, types, _ = labels_and_types((catalog.cypher_root() / f"{name}.cypher").read_text(encoding="utf-8"))
        used_labels |= labels
        used_types |= types
    assert used_labels == ALLOWED_LABELS
    assert used_types == ALLOWED_TYPES
