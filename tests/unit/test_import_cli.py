"""``nexus-graph import ...``: files written, JSON summaries, and nothing written on malformed input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from nexus_graph.cli import app, import_cmd
from nexus_graph.settings import shared_data_dir
from nexus_graph.sources.imports import InputRejected
from nexus_graph.sources.imports.apple import DEFAULT_MAPPING
from nexus_graph.sources.imports.real_dataset import PRICE_FOLDERS

DATA = shared_data_dir()
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "sec13f"
needs_data = pytest.mark.skipif(not (DATA / "prices-yf-daily-2014-2024").is_dir(),
                                reason=f"shared real data not found at {DATA} (set NEXUS_GRAPH_SHARED_DATA)")
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["import", *args])


def test_cli_defaults_match_the_adapters() -> None:
    assert import_cmd.DEFAULT_MAPPING == DEFAULT_MAPPING
    assert import_cmd.PRICE_FOLDERS == PRICE_FOLDERS


@needs_data
def test_prices_command_on_real_files(tmp_path: Path) -> None:
    # two real tickers from each folder: the base and its 2020-2026 extension
    for folder in ("prices-yf-daily-2014-2024", "prices-nasdaq100-daily-2020-2026"):
        (tmp_path / folder).mkdir()
        for ticker in ("NVDA", "TXN"):
            shutil.copy(DATA / folder / f"{ticker}.csv", tmp_path / folder)
    out = tmp_path / "out"
    result = invoke("prices", str(tmp_path / "prices-yf-daily-2014-2024"),
                    str(tmp_path / "prices-nasdaq100-daily-2020-2026"), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert (info["files"], info["companies"], info["tickers_extended"]) == (4, 2, 2)
    assert info["span"] == ["2014-01-02", "2026-04-24"]
    prices = pd.read_csv(out / "prices.csv")
    assert len(prices) == info["rows"]
    assert list(pd.read_csv(out / "price_overlaps.csv")["ticker"]) == ["NVDA", "TXN"]


@needs_data
def test_apple_command_regenerates_the_unmatched_report(tmp_path: Path) -> None:
    report = tmp_path / "unmatched.csv"
    result = invoke("apple-suppliers", str(DATA / "apple-supplier-list" / "apple-supplier-list.csv"),
                    "--out", str(tmp_path / "out"), "--unmatched-out", str(report), "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["unmatched_names"] == len(pd.read_csv(report))
    assert report.read_bytes() == (DEFAULT_MAPPING.parent / "apple_unmatched.csv").read_bytes()
    assert len(pd.read_csv(tmp_path / "out" / "supply.csv")) == info["supply_rows"]


def test_13f_command_writes_funds_ownership_and_the_unknown_cusips(tmp_path: Path) -> None:
    result = invoke("13f", str(SAMPLES / "quarters"), "--cusip-map", str(SAMPLES / "cusip_map.csv"),
                    "--out", str(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert (info["funds"], info["ownership_rows"], info["unknown_cusips"]) == (2, 7, 1)
    assert list(pd.read_csv(tmp_path / "unknown_cusips.csv")["cusip"]) == ["88160R101"]
    assert len(pd.read_csv(tmp_path / "ownership.csv")) == 7


def test_form4_command_on_a_tiny_folder(tmp_path: Path) -> None:
    root = tmp_path / "form4" / "AAA"
    root.mkdir(parents=True)
    record = {"reporting_owner": "DOE JANE", "reporting_owner_cik": "12345", "reporting_owner_position": None,
              "transaction_date": "2024-02-01", "transaction_shares": "10", "transaction_type": "A"}
    (root / "transactions.json").write_text(json.dumps({"ticker": "AAA", "transactions": [record]}))
    result = invoke("form4", str(tmp_path / "form4"), "--out", str(tmp_path / "out"), "--json",
                    "--observed-until", "2024-12-31")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["board_rows"] == 1
    board = pd.read_csv(tmp_path / "out" / "board.csv")
    assert board[["director_id", "company_id", "known_from", "role"]].values.tolist() == \
        [["CIK0000012345", "AAA", "2024-02-05", "director"]]
    bad = invoke("form4", str(tmp_path / "form4"), "--out", str(tmp_path / "o2"), "--observed-until", "2024/12/31")
    assert "--observed-until must be an ISO date YYYY-MM-DD" in str(bad.exception)


@pytest.mark.parametrize("command", [
    ["13f", str(SAMPLES / "malformed_dates"), "--cusip-map", str(SAMPLES / "cusip_map.csv")],
    ["prices", "MISSING_FOLDER"],
    ["apple-suppliers", str(SAMPLES / "cusip_map.csv")],
])
def test_malformed_input_writes_nothing(tmp_path: Path, command: list[str]) -> None:
    out = tmp_path / "out"
    result = invoke(*command, "--out", str(out))
    assert result.exit_code != 0
    assert isinstance(result.exception, InputRejected)
    assert not out.exists()


def test_error_is_printed_on_stderr_with_exit_code_1(tmp_path: Path) -> None:
    bad = tmp_path / "X.csv"
    bad.write_text("Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1,1,1,1,oops,5\n")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "nexus_graph", "import", "prices", str(tmp_path), "--out",
                             str(out)], capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Error:"))  # after the progress bar
    assert lines[at:] == ["Error: 1 problem(s) in the input; nothing was written:",
                          f"  {bad}:2: column 'Adj Close': expected a positive number, got 'oops'"]
    assert not out.exists()


@needs_data
def test_real_dataset_command_writes_a_complete_folder(tmp_path: Path) -> None:
    out = tmp_path / "real"
    result = invoke("real-dataset", "--data-root", str(DATA), "--out", str(out), "--format", "parquet", "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["data"] == "REAL"
    names = {p.name for p in out.iterdir()}
    assert names == {"companies.parquet", "funds.parquet", "directors.parquet", "supply.parquet",
                     "ownership.parquet", "board.parquet", "prices.parquet", "DATASET.md", "reports"}
    assert {p.name for p in (out / "reports").iterdir()} == {"price_overlaps.csv", "apple_unmatched.csv"}
    assert (out / "DATASET.md").read_text().startswith("# REAL data")
    assert len(pd.read_parquet(out / "board.parquet")) == info["relationships"]["board"]
    bad_root = invoke("real-dataset", "--data-root", str(tmp_path), "--out", str(tmp_path / "x"))
    assert "does not hold the price folders" in str(bad_root.exception)
