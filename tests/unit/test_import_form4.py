"""SEC Form 4 adapter: real interlocks, de-duplication, the point-in-time rule and malformed files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nexus_graph import schema
from nexus_graph.settings import shared_data_dir
from nexus_graph.sources.imports import InputRejected
from nexus_graph.sources.imports.form4 import (
    DEDUP_KEY,
    STALE_AFTER_DAYS,
    dense_window,
    import_form4,
    insider_relationships,
    read_form4_folder,
)

FORM4 = shared_data_dir() / "sec-form4-insiders"
needs_data = pytest.mark.skipif(not FORM4.is_dir(), reason=f"shared real data not found at {FORM4.parent} "
                                                            "(set NEXUS_GRAPH_SHARED_DATA)")


@pytest.fixture(scope="module")
def raw():
    return read_form4_folder(FORM4)[0]


def companies_of(result, cik: str) -> dict[str, str]:
    rows = result.board.loc[result.board["director_id"] == f"CIK{cik}"]
    return dict(zip(rows["company_id"], rows["role"], strict=True))


@needs_data
def test_overlapping_quarterly_files_are_deduplicated(raw) -> None:
    result = insider_relationships(raw)
    assert result.unique_transactions == len(raw.drop_duplicates(list(DEDUP_KEY)))
    assert result.unique_transactions < result.transactions  # the two exporter runs overlap
    assert {"2023-Q2.json", "2023.0-Q2.0.json"} <= set(raw["file"])


@needs_data
def test_known_real_interlocks(raw) -> None:
    directors = insider_relationships(raw)
    # Lip-Bu Tan: CDNS and INTC (untitled filings at both, besides his executive titles)
    assert companies_of(directors, "0001008463") == {"CDNS": "director", "INTC": "director"}
    # Mercedes Johnson: ADI, SNPS and TER boards
    assert companies_of(directors, "0001225110") == {"ADI": "director", "SNPS": "director", "TER": "director"}
    # Aart de Geus: AMAT director; at SNPS only titled (executive) filings -> only with officers
    assert companies_of(directors, "0001249802") == {"AMAT": "director"}
    everyone = insider_relationships(raw, include_officers=True)
    assert companies_of(everyone, "0001249802") == {"AMAT": "director", "SNPS": "officer"}
    assert everyone.officers_skipped == 0 and directors.officers_skipped > 0


@needs_data
def test_entities_are_not_directors(raw) -> None:
    result = insider_relationships(raw, include_officers=True)
    assert "BERKSHIRE HATHAWAY INC" in result.entities_skipped
    assert not result.directors["name"].str.contains(r"L\.L\.C\.|HATHAWAY|Trust").any()


@needs_data
def test_real_intervals_follow_the_rule(raw) -> None:
    result = insider_relationships(raw)
    board, until = result.board, result.observed_until
    assert dense_window(raw) == (pd.Timestamp("2022-04-01"), pd.Timestamp("2025-03-31"))
    assert until == pd.Timestamp("2025-03-31")
    assert not board.duplicated(["director_id", "company_id"]).any()  # one interval per person and issuer
    assert (board[schema.KNOWN_FROM] > board[schema.VALID_FROM]).all()
    assert (board[schema.KNOWN_FROM] - board[schema.VALID_FROM] <= pd.Timedelta(days=6)).all()
    closed = board.loc[board[schema.VALID_TO].notna()]
    assert (closed[schema.END_KNOWN_FROM] <= until).all()
    assert (closed[schema.END_KNOWN_FROM] - closed[schema.VALID_TO]
            == pd.Timedelta(days=STALE_AFTER_DAYS - 1)).all()
    assert set(board["director_id"]) == set(result.directors["director_id"])
    assert result.directors["director_id"].str.fullmatch(r"CIK\d{10}").all()
    # Al Gore's February 2025 Apple grant is missing from the files; he must not be ended by it
    gore = board.loc[(board["director_id"] == "CIK0001224944") & (board["company_id"] == "AAPL")]
    assert gore[schema.VALID_TO].isna().all()


# --- hand-made folders ---------------------------------------------------------------------------------

def tx(owner: str, cik: str, date: str, position: str | None = None, shares: str = "100", kind: str = "A") -> dict:
    return {"id": 1, "issuer_name": "X", "reporting_owner": owner, "reporting_owner_cik": cik,
            "reporting_owner_position": position, "transaction_date": date, "transaction_shares": shares,
            "transaction_price": "0", "transaction_type": kind, "shares_after_transaction": "1"}


def folder(tmp_path: Path, files: dict[str, list[dict]]) -> Path:
    for rel, transactions in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"ticker": rel.split("/")[0], "transactions": transactions}))
    return tmp_path


def test_rule_on_a_tiny_folder(tmp_path: Path) -> None:
    root = folder(tmp_path, {
        "AAA/transactions.json": [tx("DOE JANE", "12345", "2023-12-22")],
        "AAA/quarterly/2023-Q4.json": [tx("DOE JANE", "12345", "2023-12-22"), tx("ROE RICHARD", "777", "2020-01-06")],
        "AAA/quarterly/2023.0-Q4.0.json": [tx("DOE JANE", "12345", "2023-12-22"),
                                           tx("BOSS ANN", "99", "2023-11-01", "CEO")],
        "BBB/quarterly/2023-Q1.json": [tx("DOE JANE", "0000012345", "2023-02-01"),
                                       tx("FUND PARTNERS LP", "55", "2023-02-01")],
    })
    result = import_form4(root, observed_until=pd.Timestamp("2024-06-30"))
    assert (result.transactions, result.unique_transactions) == (7, 5)
    assert result.entities_skipped == ["FUND PARTNERS LP"] and result.officers_skipped == 1
    rows = {(r.director_id, r.company_id): r for r in result.board.itertuples()}
    jane = rows[("CIK0000012345", "AAA")]
    # Friday 2023-12-22 + 2 business days skips the weekend and Christmas Day
    assert (jane.valid_from, jane.known_from) == (pd.Timestamp("2023-12-22"), pd.Timestamp("2023-12-27"))
    assert pd.isna(jane.valid_to)  # silence of < 730 days by the end of the complete data
    assert ("CIK0000012345", "BBB") in rows  # same person, zero-padded CIK: one director, two boards
    richard = rows[("CIK0000000777", "AAA")]
    assert (richard.valid_to, richard.end_known_from) == (pd.Timestamp("2020-01-07"), pd.Timestamp("2022-01-05"))
    assert result.directors["director_id"].tolist() == ["CIK0000000777", "CIK0000012345"]
    with_officers = import_form4(root, include_officers=True, observed_until=pd.Timestamp("2024-06-30"))
    assert with_officers.board.set_index("director_id").at["CIK0000000099", "role"] == "officer"


# --- malformed input ----------------------------------------------------------------------------------

def rejected(root: Path) -> str:
    with pytest.raises(InputRejected) as info:
        import_form4(root)
    return str(info.value)


def test_invalid_json_and_wrong_shape(tmp_path: Path) -> None:
    (tmp_path / "AAA").mkdir()
    (tmp_path / "AAA" / "transactions.json").write_text("{not json")
    (tmp_path / "BBB").mkdir()
    (tmp_path / "BBB" / "transactions.json").write_text(json.dumps({"ticker": "BBB", "rows": []}))
    message = rejected(tmp_path)
    assert f"{tmp_path}/AAA/transactions.json: not valid UTF-8 JSON" in message
    assert f"{tmp_path}/BBB/transactions.json: expected an object with a 'transactions' list" in message


def test_missing_field_bad_cik_bad_date_and_wrong_ticker(tmp_path: Path) -> None:
    bad = tx("DOE JANE", "12345", "2023-02-30")
    folder(tmp_path, {"AAA/transactions.json": [{"reporting_owner": "X", "transaction_date": "2023-01-03"},
                                               tx("ROE RICHARD", "12a45", "2023-01-03"), bad]})
    (tmp_path / "BBB").mkdir()
    (tmp_path / "BBB" / "transactions.json").write_text(json.dumps({"ticker": "CCC", "transactions": []}))
    message = rejected(tmp_path)
    where = f"{tmp_path}/AAA/transactions.json"
    assert f"{where}:transactions[0]: missing reporting_owner_cik" in message
    assert f"{where}:transactions[1]: field 'reporting_owner_cik': expected up to 10 digits, got '12a45'" in message
    assert f"{where}:transactions[2]: field 'transaction_date': expected YYYY-MM-DD, got '2023-02-30'" in message
    assert "field 'ticker' is 'CCC' but the folder is 'BBB'" in message


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    assert "no <TICKER>/transactions.json" in rejected(tmp_path)
    assert "Form 4 folder not found" in rejected(tmp_path / "nope")
    folder(tmp_path, {"AAA/transactions.json": []})
    assert "no transactions in any file" in rejected(tmp_path)
