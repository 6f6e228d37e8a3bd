"""SEC 13F data-set adapter on hand-written samples in the official SUBMISSION/COVERPAGE/INFOTABLE layout.

The samples (tests/data/sec13f) hold two quarterly data sets: fund 1000001 reports NVDA on two lines, AAPL,
an AAPL call and an unknown CUSIP for 2022-09-30 (values in thousands), then NVDA and AMD (a line repeated)
for 2022-12-31 (values in dollars) plus a restatement that changes NVDA and adds MSFT; fund 1000002 holds
INTC and a bond; fund 1000003 files a notice only. The 2023q1 set repeats one 2022 filing of fund 1000002.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from nexus_graph import schema
from nexus_graph.sources.imports import InputRejected
from nexus_graph.sources.imports.sec13f import import_13f, read_cusip_map

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "sec13f"
CUSIPS = read_cusip_map(SAMPLES / "cusip_map.csv")


@pytest.fixture(scope="module")
def result():
    return import_13f(SAMPLES / "quarters", CUSIPS)


def rows(frame: pd.DataFrame) -> list[tuple]:
    out = []
    for r in frame.itertuples(index=False):
        out.append((r.fund_id, r.company_id, *(f"{getattr(r, c):%Y-%m-%d}" for c in schema.INTERVAL_COLUMNS),
                    r.shares, r.value_usd))
    return sorted(out)


def test_ownership_per_fund_company_and_quarter(result) -> None:
    a, b = "CIK0001000001", "CIK0001000002"
    assert rows(result.ownership) == sorted([
        # 2022-09-30 report, filed 2022-11-14 in thousands; ends when the fund's 2022-12-31 report is filed
        (a, "NVDA", "2022-09-30", "2022-12-31", "2022-11-14", "2023-02-14", 15000.0, 1_823_000.0),
        (a, "AAPL", "2022-09-30", "2022-12-31", "2022-11-14", "2023-02-14", 100000.0, 13_818_000.0),
        (b, "INTC", "2022-09-30", "2022-12-31", "2022-11-10", "2023-02-13", 100000.0, 2_573_000.0),
        # 2022-12-31 reports filed after 2023-01-03: dollars; no 2023-03-31 filing -> deadline (+45 days)
        (a, "NVDA", "2022-12-31", "2023-03-31", "2023-02-14", "2023-05-15", 15000.0, 2_192_100.0),
        (a, "AMD", "2022-12-31", "2023-03-31", "2023-02-14", "2023-05-15", 20000.0, 1_295_400.0),
        (a, "MSFT", "2022-12-31", "2023-03-31", "2023-03-01", "2023-05-15", 1000.0, 239_820.0),
        (b, "INTC", "2022-12-31", "2023-03-31", "2023-02-13", "2023-05-15", 100000.0, 2_643_000.0),
    ])
    assert result.ownership["pct_outstanding"].isna().all()
    assert list(result.ownership.columns) == list(schema.rel_columns(schema.OWNERSHIP))


def test_funds_notices_unknown_cusips_and_skipped_lines(result) -> None:
    assert result.funds.to_dict("records") == [
        {"fund_id": "CIK0001000001", "name": "ALPHA CAPITAL MANAGEMENT LLC", "fund_type": None},
        {"fund_id": "CIK0001000002", "name": "BETA ADVISORS LP (NEW NAME)", "fund_type": None},  # latest name
    ]
    assert result.notices == 1
    assert result.unknown_cusips.to_dict("records") == [
        {"cusip": "88160R101", "name_of_issuer": "TESLA INC", "lines": 1, "value_usd": 2_650_000.0}]
    assert result.skipped_lines == 2  # the call option and the bond
    assert result.duplicate_lines == 2  # the repeated AMD line and the 2022 filing present in both sets


def test_a_single_data_set_folder_is_read_too() -> None:
    one = import_13f(SAMPLES / "quarters" / "2022q4_form13f", CUSIPS)
    assert sorted(one.ownership["company_id"]) == ["AAPL", "INTC", "NVDA"]
    # without the next quarter's filings in the data, the end is known at the filing deadline
    assert set(one.ownership[schema.END_KNOWN_FROM]) == {pd.Timestamp("2023-02-14")}


# --- malformed input ----------------------------------------------------------------------------------

def rejected(root: Path, cusips: dict[str, str] = CUSIPS) -> str:
    with pytest.raises(InputRejected) as info:
        import_13f(root, cusips)
    return str(info.value)


def test_malformed_samples() -> None:
    message = rejected(SAMPLES / "malformed_dates")
    sub, info = SAMPLES / "malformed_dates" / "SUBMISSION.tsv", SAMPLES / "malformed_dates" / "INFOTABLE.tsv"
    assert f"{sub}:2: column 'FILING_DATE': expected a date like 31-DEC-2023, got '2023-02-14'" in message
    assert f"{sub}:3: column 'PERIODOFREPORT': expected a calendar quarter end, got '15-DEC-2022'" in message
    assert f"{info}:3: column 'VALUE': expected a non-negative number, got '2,643,000'" in message
    assert message.startswith("3 problem(s) in the input")
    missing = SAMPLES / "malformed_infotable" / "INFOTABLE.tsv"
    assert f"{missing}: missing column 'VALUE'" in rejected(SAMPLES / "malformed_infotable")


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "set"
    shutil.copytree(SAMPLES / "quarters" / "2023q1_form13f", target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_missing_or_empty_file(copy: Path) -> None:
    (copy / "COVERPAGE.tsv").unlink()
    (copy / "INFOTABLE.tsv").write_text("")
    message = rejected(copy)
    assert f"{copy}/COVERPAGE.tsv: file not found" in message
    assert f"{copy}/INFOTABLE.tsv: empty file" in message


def test_no_data_set_at_all(tmp_path: Path) -> None:
    assert "no SUBMISSION.tsv here or in any sub-folder" in rejected(tmp_path)


def test_negative_shares_and_bad_cik(copy: Path) -> None:
    edit(copy / "INFOTABLE.tsv", "\t15000\tSH\t", "\t-15000\tSH\t")
    edit(copy / "SUBMISSION.tsv", "\t1000002\t", "\tABC\t")
    message = rejected(copy)
    assert "column 'SSHPRNAMT': expected a non-negative number, got '-15000'" in message
    assert "column 'CIK': expected up to 10 digits, got 'ABC'" in message


def test_conflicting_duplicate_line_and_orphan_accession(copy: Path) -> None:
    text = (copy / "INFOTABLE.tsv").read_text().splitlines()
    clash = text[1].replace("\t2192100\t", "\t999\t")
    orphan = text[1].replace("0001000001-23-000001", "0009999999-23-000001")
    (copy / "INFOTABLE.tsv").write_text("\n".join([*text, clash, orphan]) + "\n")
    message = rejected(copy)
    assert "INFOTABLE key 0001000001-23-000001/1 repeats" in message
    assert "accession 0009999999-23-000001 is not in SUBMISSION.tsv" in message


def test_holdings_report_without_cover_and_unknown_type(copy: Path) -> None:
    lines = (copy / "COVERPAGE.tsv").read_text().splitlines()
    (copy / "COVERPAGE.tsv").write_text("\n".join(line for line in lines if "0001000002-23-000004" not in line) + "\n")
    edit(copy / "SUBMISSION.tsv", "13F-HR/A", "10-K")
    message = rejected(copy)
    assert "holdings report 0001000002-23-000004 has no COVERPAGE.tsv row" in message
    assert "column 'SUBMISSIONTYPE': expected one of 13F-HR, 13F-HR/A, 13F-NT, 13F-NT/A, got '10-K'" in message


def test_wrong_field_count(copy: Path) -> None:
    with (copy / "SUBMISSION.tsv").open("a") as f:
        f.write("0001000001-23-000009\t14-FEB-2023\n")
    assert f"{copy}/SUBMISSION.tsv:6: expected 5 tab-separated fields, got 2" in rejected(copy)


def test_cusip_map_errors(tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text("cusip,ticker\n67066G10,NVDA\n037833100,AAPL\n037833100,MSFT\n458140100,\n")
    with pytest.raises(InputRejected) as info:
        read_cusip_map(path)
    message = str(info.value)
    assert f"{path}:2: column 'cusip': expected 9 letters/digits, got '67066G10'" in message
    assert f"{path}:4: CUSIP 037833100 maps to 'AAPL' on line 3 and to 'MSFT' here" in message
    assert f"{path}:5: column 'ticker': expected a company id, got an empty cell" in message
    header = tmp_path / "bad_header.csv"
    header.write_text("CUSIP_ID,symbol\n67066G104,NVDA\n")
    with pytest.raises(InputRejected, match="missing column 'cusip'"):
        read_cusip_map(header)
