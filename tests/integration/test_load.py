"""Loading datasets into the real Neo4j: idempotent, resumable, replaceable, properties intact."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nexus_graph import schema
from nexus_graph.errors import NexusError
from nexus_graph.schema import INTERVAL_PROPERTIES, REL_PAYLOAD
from nexus_graph.sources.dataset import read_dataset
from nexus_graph.sources.tables import Dataset
from nexus_graph.store import Store
from nexus_graph.store.graph import dump_graph, graph_counts, load_dataset

pytestmark = pytest.mark.neo4j

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"


class Interrupted(Exception):
    """Raised from on_progress to stop a load part-way."""


@pytest.fixture(scope="module")
def tiny() -> Dataset:
    return read_dataset(TINY)


def _expected_counts(dataset: Dataset) -> dict[str, dict[str, int]]:
    return {
        "nodes": dict(sorted((s.label, len(dataset.nodes(s))) for s in schema.NODE_SPECS)),
        "relationships": dict(sorted((s.rel_type, len(dataset.relationships(s))) for s in schema.REL_SPECS)),
    }


def test_loading_twice_changes_nothing(store: Store, tiny: Dataset) -> None:
    written = load_dataset(store, tiny)
    assert written == {name: len(frame) for name, frame in tiny.tables().items() if name != "prices"}
    first = dump_graph(store)
    assert graph_counts(store) == _expected_counts(tiny)
    load_dataset(store, tiny)  # relationships exist now: the MERGE path
    assert json.dumps(dump_graph(store)) == json.dumps(first)


@pytest.mark.parametrize("stop_at", [("companies", 3), ("supply", 0), ("supply", 3), ("ownership", 3), ("board", 2)])
def test_interrupted_load_resumes_to_the_same_graph(store: Store, tiny: Dataset, stop_at: tuple[str, int]) -> None:
    load_dataset(store, tiny)
    complete = dump_graph(store)
    store_wipe(store)

    def stop(table: str, done: int, total: int) -> None:
        # batches of one row, two in flight: they finish in any order, so stop at the first report past the mark
        if table == stop_at[0] and done >= stop_at[1]:
            raise Interrupted

    with pytest.raises(Interrupted):
        load_dataset(store, tiny, batch_size=1, workers=2, on_progress=stop)
    partial = dump_graph(store)
    assert len(partial) < len(complete)  # it really stopped half-way (the batch in flight may have committed)
    load_dataset(store, tiny, batch_size=3)
    assert dump_graph(store) == complete


@pytest.mark.parametrize("workers", [1, 3])
def test_concurrent_batches_write_the_same_graph(store: Store, tiny: Dataset, workers: int) -> None:
    load_dataset(store, tiny, batch_size=1, workers=2)
    two = dump_graph(store)
    store_wipe(store)
    load_dataset(store, tiny, batch_size=1, workers=workers)
    assert json.dumps(dump_graph(store)) == json.dumps(two)
    load_dataset(store, tiny, batch_size=2, workers=workers)  # every row exists now: the update path, concurrently
    assert json.dumps(dump_graph(store)) == json.dumps(two)


def test_workers_must_be_positive(store: Store, tiny: Dataset) -> None:
    with pytest.raises(NexusError, match="workers must be at least 1"):
        load_dataset(store, tiny, workers=0)


def store_wipe(store: Store) -> None:
    from nexus_graph.store.admin import wipe

    wipe(store)


def test_replace_wipes_and_reloads(store: Store, tiny: Dataset) -> None:
    smaller = Dataset(**{name: frame.iloc[: max(1, len(frame) // 2)] for name, frame in tiny.tables().items()})
    smaller.supply = smaller.supply[smaller.supply["supplier_id"].isin(smaller.companies["company_id"])
                                    & smaller.supply["customer_id"].isin(smaller.companies["company_id"])]
    for spec in (schema.OWNERSHIP, schema.BOARD):
        frame = smaller.relationships(spec)
        keep = frame[spec.source_column].isin(smaller.nodes(schema.NODES_BY_TABLE[spec.source])[
            schema.NODES_BY_TABLE[spec.source].id_column]) & frame["company_id"].isin(smaller.companies["company_id"])
        setattr(smaller, spec.table, frame[keep])
    load_dataset(store, smaller)
    only_smaller = dump_graph(store)
    load_dataset(store, tiny)
    load_dataset(store, smaller)  # without --replace nothing is removed: a merge
    assert graph_counts(store) == _expected_counts(tiny)
    load_dataset(store, smaller, replace=True)
    assert dump_graph(store) == only_smaller
    assert graph_counts(store) == _expected_counts(smaller)


def _graph_frame(store: Store, spec: schema.RelSpec) -> pd.DataFrame:
    """The relationships of one type read back from the dump, in the dataset's columns."""
    to_column = {v: k for k, v in {**INTERVAL_PROPERTIES, **REL_PAYLOAD[spec.table]}.items()}
    rows = []
    for item in dump_graph(store):
        if item.get("rel") != spec.rel_type:
            continue
        row = {spec.source_column: item["source"][1], spec.target_column: item["target"][1]}
        for prop, value in item["properties"].items():
            row[to_column[prop]] = pd.Timestamp(value["$date"]) if isinstance(value, dict) else value
        rows.append(row)
    frame = pd.DataFrame(rows).reindex(columns=list(schema.rel_columns(spec)))
    for column in INTERVAL_PROPERTIES:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame.sort_values([spec.source_column, spec.target_column, "valid_from"]).reset_index(drop=True)


@pytest.mark.parametrize("spec", schema.REL_SPECS, ids=lambda s: s.table)
def test_relationship_properties_round_trip(store: Store, tiny: Dataset, spec: schema.RelSpec) -> None:
    load_dataset(store, tiny)
    expected = tiny.relationships(spec).sort_values([spec.source_column, spec.target_column, "valid_from"])
    got = _graph_frame(store, spec)
    pd.testing.assert_frame_equal(got, expected.reset_index(drop=True), check_dtype=False)


def test_node_properties_round_trip(store: Store, tiny: Dataset) -> None:
    load_dataset(store, tiny)
    nodes = {(item["node"][0], item["properties"]["id"]): item["properties"]
             for item in dump_graph(store) if "node" in item}
    assert nodes[("Company", "ARM")] == {"id": "ARM", "name": "Arm Holdings", "kind": "equity", "segment": "eda_ip",
                                         "country": "GB", "listedFrom": {"$date": "2023-09-14"}}
    assert nodes[("Company", "XLNX")]["listedTo"] == {"$date": "2022-02-14"}
    assert nodes[("Fund", "F_MACRO")] == {"id": "F_MACRO", "name": "Global Macro Partners", "fundType": "hedge"}
    assert nodes[("Director", "D003")] == {"id": "D003", "name": "Carla Mendes"}
    assert len(nodes) == 14


def test_malicious_ids_load_as_plain_data(store: Store, tiny: Dataset, tmp_path: Path) -> None:
    evil = "x'}) DETACH DELETE n //"
    folder = tmp_path / "evil"
    shutil.copytree(TINY, folder)
    for table in ("companies", "supply", "ownership", "board"):
        path = folder / f"{table}.csv"
        path.write_text(path.read_text(encoding="utf-8").replace("ZEISS", evil).replace("D003", "`RETURN 1`"),
                        encoding="utf-8")
    path = folder / "directors.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("D003", "`RETURN 1`"), encoding="utf-8")
    load_dataset(store, read_dataset(folder))
    assert graph_counts(store) == _expected_counts(tiny)
    dump = dump_graph(store)
    assert any(item.get("properties", {}).get("id") == evil for item in dump)
    assert {"rel": "SUPPLIES", "source": [["Company"], evil, None], "target": [["Company"], "ASML", None]} in [
        {k: v for k, v in item.items() if k != "properties"} for item in dump if item.get("rel") == "SUPPLIES"]
    assert sum(item.get("source", [None, None])[1] == "`RETURN 1`" for item in dump) == 2


def test_duplicate_relationship_keys_are_refused_before_writing(store: Store, tiny: Dataset) -> None:
    doubled = Dataset(**tiny.tables())
    doubled.board = pd.concat([tiny.board, tiny.board.iloc[:1]], ignore_index=True)
    with pytest.raises(NexusError, match=r"^board: 2 rows share a key"):
        load_dataset(store, doubled)
    assert dump_graph(store) == []


def test_cli_load_prints_counts_as_json_and_keeps_prices(store: Store, tiny: Dataset, tmp_path: Path) -> None:
    env = {**os.environ, "NEXUS_GRAPH_DATA_HOME": str(tmp_path / "side")}
    result = subprocess.run([sys.executable, "-m", "nexus_graph", "load", str(TINY), "--json", "--batch-size", "4"],
                            capture_output=True, text=True, env=env, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {"nodes": summary["nodes"], "relationships": summary["relationships"]} == _expected_counts(tiny)
    assert summary["prices"]["rows"] == len(tiny.prices)
    saved = pd.read_parquet(tmp_path / "side" / "prices.parquet")
    assert len(saved) == len(tiny.prices)
    assert graph_counts(store) == _expected_counts(tiny)


def test_record_separator_in_text_is_refused_before_writing(store: Store, tiny: Dataset) -> None:
    # validation refuses control characters in files; a dataset built in code is checked before any write,
    # not when its batch comes up (batches are encoded by the workers, after earlier batches committed)
    broken = Dataset(**tiny.tables())
    broken.board = tiny.board.assign(role=["independent", "chair\x1eceo", None, "ceo"][: len(tiny.board)])
    with pytest.raises(NexusError, match=r"^board\.role: value 'chair\\x1eceo' contains a control character"):
        load_dataset(store, broken)
    assert dump_graph(store) == []
