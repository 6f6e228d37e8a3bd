"""The one mapping between dataset tables, Neo4j labels/types/properties, snapshot tables and PyG types.

Every other module takes labels, relationship types, column and property names and PyG type names
from here: the loader (:mod:`nexus_graph.store.graph`, dataset column -> Neo4j property), the
snapshot reader (:mod:`nexus_graph.store.snapshots`, :func:`node_columns` / :func:`edge_columns`)
and the snapshot builder (:mod:`nexus_graph.snapshot.tables`). The ``.cypher`` files spell the same
properties and alias them back to these column names (``c.listedFrom AS listed_from``). Cypher
never receives a label or type from user input: the store picks statements by the table names
below, and those names are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- canonical column names of the date fields of every temporal relationship table ------------
VALID_FROM = "valid_from"
VALID_TO = "valid_to"
KNOWN_FROM = "known_from"
END_KNOWN_FROM = "end_known_from"
INTERVAL_COLUMNS = (VALID_FROM, VALID_TO, KNOWN_FROM, END_KNOWN_FROM)

COMPANY_KINDS = ("equity", "extended")


@dataclass(frozen=True)
class NodeSpec:
    """A node table of the dataset and its graph identity."""

    table: str  # dataset file stem, e.g. "companies"
    label: str  # Neo4j label, e.g. "Company"
    id_column: str  # key column in the dataset, e.g. "company_id"
    pyg: str  # PyG node type, e.g. "company"
    required: tuple[str, ...]  # required columns (besides nothing else)
    optional: tuple[str, ...]  # known optional columns
    date_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelSpec:
    """A temporal relationship table of the dataset and its graph identity."""

    table: str  # dataset file stem, e.g. "supply"
    rel_type: str  # Neo4j relationship type, e.g. "SUPPLIES"
    source: str  # node table of the source, e.g. "companies"
    source_column: str  # e.g. "supplier_id"
    target: str  # node table of the target
    target_column: str  # e.g. "customer_id"
    pyg: tuple[str, str, str]  # PyG edge type, e.g. ("company", "supplies", "company")
    numeric: tuple[str, ...]  # optional non-negative numeric payload columns
    text: tuple[str, ...]  # optional text payload columns
    allow_self_loops: bool = False


COMPANIES = NodeSpec(
    table="companies",
    label="Company",
    id_column="company_id",
    pyg="company",
    required=("company_id", "kind"),
    optional=("name", "segment", "country", "listed_from", "listed_to"),
    date_columns=("listed_from", "listed_to"),
)
FUNDS = NodeSpec(
    table="funds",
    label="Fund",
    id_column="fund_id",
    pyg="fund",
    required=("fund_id",),
    optional=("name", "fund_type"),
)
DIRECTORS = NodeSpec(
    table="directors",
    label="Director",
    id_column="director_id",
    pyg="director",
    required=("director_id",),
    optional=("name",),
)

SUPPLY = RelSpec(
    table="supply",
    rel_type="SUPPLIES",
    source="companies",
    source_column="supplier_id",
    target="companies",
    target_column="customer_id",
    pyg=("company", "supplies", "company"),
    numeric=("weight",),
    text=("source",),
)
OWNERSHIP = RelSpec(
    table="ownership",
    rel_type="OWNS",
    source="funds",
    source_column="fund_id",
    target="companies",
    target_column="company_id",
    pyg=("fund", "owns", "company"),
    numeric=("shares", "value_usd", "pct_outstanding"),
    text=(),
)
BOARD = RelSpec(
    table="board",
    rel_type="SITS_ON",
    source="directors",
    source_column="director_id",
    target="companies",
    target_column="company_id",
    pyg=("director", "sits_on", "company"),
    numeric=(),
    text=("role",),
)

NODE_SPECS: tuple[NodeSpec, ...] = (COMPANIES, FUNDS, DIRECTORS)
REL_SPECS: tuple[RelSpec, ...] = (SUPPLY, OWNERSHIP, BOARD)
NODES_BY_TABLE = {spec.table: spec for spec in NODE_SPECS}
RELS_BY_TABLE = {spec.table: spec for spec in REL_SPECS}
RELS_BY_TYPE = {spec.rel_type: spec for spec in REL_SPECS}
NODES_BY_LABEL = {spec.label: spec for spec in NODE_SPECS}
NODES_BY_PYG = {spec.pyg: spec for spec in NODE_SPECS}
RELS_BY_PYG = {spec.pyg: spec for spec in REL_SPECS}

# Prices are not graph data: they live in a columnar file next to the store (see README).
PRICES_TABLE = "prices"
PRICE_COLUMNS = ("date", "company_id", "adj_close")
PRICE_OPTIONAL = ("volume",)


# --- dataset column -> Neo4j property (ids and the source/target columns excepted) --------------
NODE_PROPERTIES: dict[str, dict[str, str]] = {
    "companies": {"name": "name", "kind": "kind", "segment": "segment", "country": "country",
                  "listed_from": "listedFrom", "listed_to": "listedTo"},
    "funds": {"name": "name", "fund_type": "fundType"},
    "directors": {"name": "name"},
}
INTERVAL_PROPERTIES = {VALID_FROM: "validFrom", VALID_TO: "validTo", KNOWN_FROM: "knownFrom",
                       END_KNOWN_FROM: "endKnownFrom"}
REL_PAYLOAD: dict[str, dict[str, str]] = {
    "supply": {"weight": "weight", "source": "source"},
    "ownership": {"shares": "shares", "value_usd": "valueUsd", "pct_outstanding": "pctOutstanding"},
    "board": {"role": "role"},
}
# --- the payload columns a snapshot table carries (provenance text such as supply.source stays out)
SNAPSHOT_PAYLOAD: dict[str, tuple[str, ...]] = {
    "supply": ("weight",),
    "ownership": ("value_usd", "shares", "pct_outstanding"),
    "board": ("role",),
}


def node_columns(node_type: str) -> list[str]:
    """Columns of a snapshot node table (PyG node type): ``node_id`` and the dataset columns of its properties."""
    return ["node_id", *NODE_PROPERTIES[NODES_BY_PYG[node_type].table]]


def edge_columns(edge_type: tuple[str, str, str]) -> list[str]:
    """Columns of a snapshot edge table (PyG edge type): endpoints, the interval dates, the payload."""
    return ["source_id", "target_id", *INTERVAL_COLUMNS, *SNAPSHOT_PAYLOAD[RELS_BY_PYG[tuple(edge_type)].table]]


def camel(key: str) -> str:
    """A snake_case name as the camelCase Neo4j property: ``val_auc_by_type`` -> ``valAucByType``."""
    head, *rest = [part for part in key.split("_") if part] or [""]
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def embedding_columns(dim: int) -> list[str]:
    """Columns of an embedding panel (:mod:`nexus_graph.embeddings.panel`): ``e0 .. e{dim-1}``."""
    return [f"e{i}" for i in range(dim)]


def rel_columns(spec: RelSpec) -> tuple[str, ...]:
    """All known columns of a relationship table, in canonical order."""
    return (spec.source_column, spec.target_column, *INTERVAL_COLUMNS, *spec.numeric, *spec.text)
