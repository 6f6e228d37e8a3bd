"""Apple Supplier List adapter: the reviewed mapping against the real list, the point-in-time rule, bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nexus_graph import schema
from nexus_graph.as_of import edges_as_of
from nexus_graph.settings import shared_data_dir
from nexus_graph.sources.imports import InputRejected
from nexus_graph.sources.imports.apple import (
    DEFAULT_MAPPING,
    DEFAULT_UNMATCHED,
    import_apple_suppliers,
    normalise_name,
    read_mapping,
    read_supplier_list,
    supplier_edges,
)
from nexus_graph.sources.imports.real_dataset import read_segments

LIST = shared_data_dir() / "apple-supplier-list" / "apple-supplier-list.csv"
needs_data = pytest.mark.skipif(not LIST.is_file(), reason=f"shared real data not found at {LIST.parent.parent} "
                                                            "(set NEXUS_GRAPH_SHARED_DATA)")


@pytest.fixture(scope="module")
def real():
    return import_apple_suppliers(LIST)


def edge(supply: pd.DataFrame, supplier: str) -> list[dict]:
    rows = supply.loc[supply["supplier_id"] == supplier].sort_values(schema.VALID_FROM)
    return [{k: (f"{v:%Y-%m-%d}" if isinstance(v, pd.Timestamp) else (None if pd.isna(v) else v))
             for k, v in r.items()} for r in rows[list(schema.INTERVAL_COLUMNS)].to_dict("records")]


@needs_data
def test_every_reviewed_name_is_spelled_as_in_the_real_list() -> None:
    listed = set(read_supplier_list(LIST)["name"])
    mapping = read_mapping()
    assert set(mapping["supplier_name"]) <= listed
    assert (mapping.loc[mapping["ticker"] == "", "note"] != "").all()  # a deliberate non-mapping says why


def test_every_mapped_ticker_is_described_in_the_company_table() -> None:
    mapping = read_mapping()
    described = set(read_segments()["company_id"])
    assert set(mapping.loc[mapping["ticker"] != "", "ticker"]) <= described


@needs_data
def test_committed_unmatched_report_is_what_the_command_regenerates(real) -> None:
    committed = pd.read_csv(DEFAULT_UNMATCHED, dtype=str, keep_default_na=False)
    fresh = real.unmatched.astype(str)
    assert list(committed.columns) == ["name", "years", "count", "note"]
    pd.testing.assert_frame_equal(committed, fresh, check_dtype=False)
    assert len(committed) == real.names - real.mapped_names


@needs_data
def test_runs_of_consecutive_lists_and_their_dates(real) -> None:
    # TI is on every list FY2012..FY2022: one open interval, public with the first list
    assert edge(real.supply, "TXN") == [{"valid_from": "2011-10-01", "valid_to": None,
                                         "known_from": "2013-06-30", "end_known_from": None}]
    # NVIDIA is on FY2012..FY2015 only: ends with FY2015, known when the FY2016 list appears
    assert edge(real.supply, "NVDA") == [{"valid_from": "2011-10-01", "valid_to": "2015-10-01",
                                          "known_from": "2013-06-30", "end_known_from": "2017-06-30"}]
    # Maxim is on FY2012..FY2018 and FY2020: the missing FY2019 list does not break the run
    assert edge(real.supply, "MXIM") == [{"valid_from": "2011-10-01", "valid_to": "2020-10-01",
                                          "known_from": "2013-06-30", "end_known_from": "2022-06-30"}]


@needs_data
def test_interval_invariants(real) -> None:
    s = real.supply
    assert (s["customer_id"] == "AAPL").all()
    closed = s[schema.VALID_TO].notna()
    assert (s.loc[closed, schema.VALID_TO] > s.loc[closed, schema.VALID_FROM]).all()
    assert (s.loc[closed, schema.END_KNOWN_FROM] >= s.loc[closed, schema.VALID_TO]).all()
    assert (s[schema.END_KNOWN_FROM].isna() == s[schema.VALID_TO].isna()).all()
    assert (s[schema.KNOWN_FROM] > s[schema.VALID_FROM]).all()
    for _, group in s.sort_values(schema.VALID_FROM).groupby("supplier_id"):
        ends = group[schema.VALID_TO].iloc[:-1].to_numpy()
        assert (ends <= group[schema.VALID_FROM].iloc[1:].to_numpy()).all()  # no overlap


@needs_data
def test_nothing_is_visible_before_the_first_list_is_public(real) -> None:
    assert edges_as_of(real.supply, "2013-06-29").empty
    first_list = set(read_supplier_list(LIST).query("year == 2012")["name"])
    mapped = read_mapping().query("ticker != ''").set_index("supplier_name")["ticker"]
    expected = {mapped[n] for n in first_list if n in mapped.index}
    assert set(edges_as_of(real.supply, "2013-06-30")["supplier_id"]) == expected


def test_normalise_name_undoes_pdf_artefacts_only() -> None:
    assert normalise_name("Taiwan Semiconductor Manufacturing\nCompany Limited") == \
        "Taiwan Semiconductor Manufacturing Company Limited"
    assert normalise_name("JCET Group Company Limited (continued)") == "JCET Group Company Limited"
    assert normalise_name("Broadcom Corp.") == "Broadcom Corp."


def test_edges_from_a_tiny_list(tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("year,supplier_name,country\n2014,Acme Inc.,US\n2014,Acme Inc.,CN\n2015,Acme Inc,US\n"
                       "2016,Other Ltd,JP\n2017,\"Acme\nInc.\",US\n", encoding="utf-8")
    mapping = tmp_path / "map.csv"
    mapping.write_text("supplier_name,ticker,note\nAcme Inc.,ACME,\nAcme Inc,ACME,\nOther Ltd,,private\n")
    result = import_apple_suppliers(listing, mapping)
    assert edge(result.supply, "ACME") == [
        {"valid_from": "2013-10-01", "valid_to": "2015-10-01", "known_from": "2015-06-30",
         "end_known_from": "2017-06-30"},
        {"valid_from": "2016-10-01", "valid_to": None, "known_from": "2018-06-30", "end_known_from": None},
    ]
    assert result.unmatched.to_dict("records") == [{"name": "Other Ltd", "years": "2016", "count": 1,
                                                    "note": "private"}]


# --- malformed input ----------------------------------------------------------------------------------

def rejected(listing: Path, mapping: Path = DEFAULT_MAPPING) -> str:
    with pytest.raises(InputRejected) as info:
        import_apple_suppliers(listing, mapping)
    return str(info.value)


def test_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("year,name\n2014,Acme\n")
    assert f"{path}: missing column 'supplier_name'" in rejected(path)


def test_bad_year_and_empty_name(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("year,supplier_name\n14,Acme\n2015,  \n2016,Acme\n")
    message = rejected(path)
    assert f"{path}:2: column 'year': expected a four-digit year, got '14'" in message
    assert f"{path}:3: column 'supplier_name': expected a name, got an empty cell" in message


def test_empty_file_and_wrong_field_count(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "empty file" in rejected(empty)
    short = tmp_path / "short.csv"
    short.write_text("year,supplier_name,country\n2014,Acme\n")
    assert f"{short}:2: expected 3 fields as in the header, got 2" in rejected(short)


def test_mapping_with_a_repeated_name_or_the_customer_itself(tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("year,supplier_name\n2014,Acme\n")
    twice = tmp_path / "twice.csv"
    twice.write_text("supplier_name,ticker\nAcme,ACME\nAcme,OTHER\n")
    assert f"{twice}:3: supplier name 'Acme' already mapped on line 2" in rejected(listing, twice)
    self_map = tmp_path / "self.csv"
    self_map.write_text("supplier_name,ticker\nAcme,AAPL\n")
    assert "map to the customer AAPL itself" in rejected(listing, self_map)


def test_supplier_edges_accepts_frames_directly() -> None:
    listing = pd.DataFrame({"year": [2020, 2021], "name": ["Acme", "Acme"]})
    mapping = pd.DataFrame({"supplier_name": ["Acme"], "ticker": ["ACME"], "note": [""]})
    result = supplier_edges(listing, mapping, customer="CUST")
    assert result.supply[["supplier_id", "customer_id"]].values.tolist() == [["ACME", "CUST"]]
    assert result.supply["source"].tolist() == ["apple-supplier-list FY2020-FY2021"]
