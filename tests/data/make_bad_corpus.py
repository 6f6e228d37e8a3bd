"""The bad-input corpus: copies of ``tiny/`` with exactly one defect each, and the error each must give.

``python tests/data/make_bad_corpus.py`` rewrites ``tests/data/bad/<case>/``: each folder holds only
the table file(s) that differ from ``tiny/`` (the defect), ``EXPECTED`` (the exact problem line the
loader must print; ``{data_dir}`` stands for the dataset folder) and, where a table is removed,
``REMOVED``. :func:`materialise` rebuilds the full dataset of a case (tiny + overlay) anywhere; the
tests use it, and one test checks that the committed corpus equals what this script writes.
The 10 MB line case is built at test time by :func:`ten_mb_line` (too big to commit).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
TINY = HERE / "tiny"
BAD = HERE / "bad"
TABLES = ("companies", "funds", "directors", "supply", "ownership", "board", "prices")
TEN_MB = 10 * 1024 * 1024


def _edit(table: str, old: str, new: str) -> Callable[[Path], None]:
    """Replace the one occurrence of ``old`` in ``<table>.csv``."""
    def apply(folder: Path) -> None:
        path = folder / f"{table}.csv"
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{table}.csv: {old!r} occurs {text.count(old)} times"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return apply


def _append(table: str, line: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        with (folder / f"{table}.csv").open("a", encoding="utf-8") as out:
            out.write(line + "\n")
    return apply


def _write_bytes(name: str, data: Callable[[Path], bytes]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        payload = data(folder)
        (folder / name).write_bytes(payload)
    return apply


def _remove(table: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / f"{table}.csv").unlink()
    return apply


def _header_only(table: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / f"{table}.csv"
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return apply


def _parquet(table: str, keep: float = 1.0, also_keep_csv: bool = False) -> Callable[[Path], None]:
    """Convert ``<table>.csv`` to Parquet, cut to the first ``keep`` fraction of its bytes."""
    def apply(folder: Path) -> None:
        csv = folder / f"{table}.csv"
        target = folder / f"{table}.parquet"
        pd.read_csv(csv, dtype=str, keep_default_na=False).to_parquet(target, index=False)
        data = target.read_bytes()
        target.write_bytes(data[: int(len(data) * keep)])
        if not also_keep_csv:
            csv.unlink()
    return apply


def _latin1_name(folder: Path) -> bytes:
    text = (folder / "directors.csv").read_text(encoding="utf-8")
    return text.replace("Carla Mendes", "Carla Mendès").encode("latin-1")


def _dup_header(folder: Path) -> bytes:
    text = (folder / "funds.csv").read_text(encoding="utf-8")
    return text.replace("fund_id,name,fund_type", "fund_id,name,name", 1).encode("utf-8")


# case -> (defect, expected problem line)
CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing_file": (_remove("board"),
                     "board: no board.csv or board.parquet in {data_dir}; expected one of them"),
    "both_csv_and_parquet": (_parquet("funds", also_keep_csv=True),
                             "funds: both funds.csv and funds.parquet in {data_dir}; expected exactly one "
                             "(remove the stale one)"),
    "missing_required_column": (
        _edit("supply", "supplier_id,customer_id,valid_from", "supplier_id,buyer_id,valid_from"),
        "supply.csv: missing required column 'customer_id'; expected columns supplier_id, customer_id, "
        "valid_from (optional: valid_to, known_from, end_known_from, weight, source)"),
    "duplicate_company_id": (
        _append("companies", "NVDA,NVIDIA Corp (again),equity,fabless,US,,"),
        "companies.csv line 10, column company_id: got 'NVDA'; expected a unique id (already on line 2)"),
    "duplicate_director_id": (
        _append("directors", "D002,Bruno Weiss Jr"),
        "directors.csv line 5, column director_id: got 'D002'; expected a unique id (already on line 3)"),
    "unknown_endpoint": (
        _edit("supply", "AMAT,TSM,2022-01-01", "AMAT,INTC,2022-01-01"),
        "supply.csv line 7, column customer_id: got 'INTC'; expected a company_id of companies"),
    "endpoint_of_wrong_kind": (
        _edit("ownership", "F_MACRO,ARM,", "F_MACRO,F_INDEX,"),
        "ownership.csv line 5, column company_id: got 'F_INDEX'; expected a company_id of companies "
        "(it is a fund_id of funds)"),
    "unknown_price_company": (
        _append("prices", "2023-12-29,INTC,45.1,1000"),
        "prices.csv line 2709, column company_id: got 'INTC'; expected a company_id of companies"),
    "unparseable_date": (
        _edit("board", "D001,NVDA,2019-01-01", "D001,NVDA,last tuesday"),
        "board.csv line 2, column valid_from: got 'last tuesday'; expected an ISO date YYYY-MM-DD from "
        "1900-01-01 to 2100-12-31"),
    "impossible_date": (
        _edit("supply", "AMAT,TSM,2022-01-01,,2022-03-15", "AMAT,TSM,2022-02-30,,2022-03-15"),
        "supply.csv line 7, column valid_from: got '2022-02-30'; expected a date that exists in the calendar"),
    "mixed_date_formats": (
        _edit("ownership", "F_GROWTH,ASML,2022-09-30,,2022-11-14", "F_GROWTH,ASML,09/30/2022,,2022-11-14"),
        "ownership.csv line 4, column valid_from: got '09/30/2022'; expected an ISO date YYYY-MM-DD from "
        "1900-01-01 to 2100-12-31"),
    "absurd_date_0001": (
        _edit("board", "D002,TSM,2020-06-01", "D002,TSM,0001-01-01"),
        "board.csv line 3, column valid_from: got '0001-01-01'; expected an ISO date YYYY-MM-DD from "
        "1900-01-01 to 2100-12-31"),
    "absurd_date_9999": (
        _edit("supply", "ASML,TSM,2021-01-01,,", "ASML,TSM,2021-01-01,9999-12-31,"),
        "supply.csv line 3, column valid_to: got '9999-12-31'; expected an ISO date YYYY-MM-DD from "
        "1900-01-01 to 2100-12-31"),
    "valid_to_not_after_valid_from": (
        _edit("board", "D002,TSM,2020-06-01,2023-06-01", "D002,TSM,2020-06-01,2020-06-01"),
        "board.csv line 3, column valid_to: got '2020-06-01'; expected a date after valid_from 2020-06-01 "
        "(valid_to is exclusive)"),
    "end_known_before_valid_to": (
        _edit("ownership", "2022-06-30,2021-05-15,2022-08-14", "2022-06-30,2021-05-15,2022-06-01"),
        "ownership.csv line 3, column end_known_from: got '2022-06-01'; expected a date on or after valid_to "
        "2022-06-30 (an end cannot be known before it happens)"),
    "end_known_without_end": (
        _edit("supply", "ZEISS,ASML,2021-01-01,,,,", "ZEISS,ASML,2021-01-01,,,2022-01-01,"),
        "supply.csv line 4, column end_known_from: got '2022-01-01'; expected blank, because valid_to is "
        "blank (an open interval has no known end)"),
    "overlapping_intervals": (
        _edit("supply", "MU,NVDA,2023-06-01", "MU,NVDA,2022-06-01"),
        "supply.csv line 6, columns valid_from/valid_to: got [2022-06-01, open) for 'MU' -> 'NVDA'; expected "
        "no overlap with [2021-06-01, 2023-01-01) on line 5 (one SUPPLIES interval at a time per pair)"),
    "self_loop_supply": (
        _edit("supply", "ZEISS,ASML,", "ASML,ASML,"),
        "supply.csv line 4, columns supplier_id/customer_id: got 'ASML' twice; expected two different ids "
        "(a SUPPLIES relationship from a node to itself is not allowed)"),
    "negative_number": (
        _edit("ownership", ",42000,", ",-42000,"),
        "ownership.csv line 5, column shares: got '-42000'; expected a finite number >= 0"),
    "non_finite_number": (
        _edit("ownership", ",150000000.5,", ",inf,"),
        "ownership.csv line 2, column value_usd: got 'inf'; expected a finite number >= 0"),
    "not_a_number": (
        _edit("supply", ",0.35,", ",35%,"),
        "supply.csv line 3, column weight: got '35%'; expected a number"),
    "weight_above_one": (
        _edit("supply", ",0.2,", ",1.5,"),
        "supply.csv line 7, column weight: got '1.5'; expected a finite number >= 0 and <= 1"),
    "price_zero": (
        _edit("prices", "2022-01-04,NVDA,50.34,", "2022-01-04,NVDA,0,"),
        "prices.csv line 3, column adj_close: got '0'; expected a finite number > 0"),
    "price_negative": (
        _edit("prices", "2022-01-04,NVDA,50.34,", "2022-01-04,NVDA,-50.34,"),
        "prices.csv line 3, column adj_close: got '-50.34'; expected a finite number > 0"),
    "duplicate_price": (
        _append("prices", "2022-01-04,NVDA,51.00,1000"),
        "prices.csv line 2709, column date+company_id: got ('2022-01-04', 'NVDA'); expected one price per "
        "(date, company_id) (already on line 3)"),
    "empty_companies": (
        _header_only("companies"), "companies.csv: no rows; expected at least one company"),
    "empty_prices": (_header_only("prices"), "prices.csv: no rows; expected at least one price"),
    "empty_file": (_write_bytes("funds.csv", lambda _: b""),
                   "funds.csv: no header row; expected a first line naming the columns"),
    "duplicate_header_column": (_write_bytes("funds.csv", _dup_header),
                                "funds.csv line 1: column 'name' appears twice; expected each column once"),
    "bad_kind": (
        _edit("companies", "MU,Micron Technology,equity", "MU,Micron Technology,stock"),
        "companies.csv line 5, column kind: got 'stock'; expected 'equity' or 'extended'"),
    "listed_to_before_listed_from": (
        _edit("companies", "GB,2023-09-14,", "GB,2023-09-14,2023-01-01"),
        "companies.csv line 8, column listed_to: got '2023-01-01'; expected a date after listed_from "
        "2023-09-14 (listed_to is exclusive)"),
    "blank_required_id": (
        _edit("board", "D003,ARM,", ",ARM,"),
        "board.csv line 4, column director_id: got blank; expected an id (this column is required)"),
    "id_with_control_character": (
        _edit("funds", "F_MACRO,", "F_\tMACRO,"),
        "funds.csv line 4, column fund_id: got 'F_\\tMACRO'; expected an id of at most 200 characters without "
        "control characters, line breaks or leading/trailing spaces"),
    "control_character_in_text": (
        _edit("board", "D001,NVDA,2019-01-01,,,,chair", "D001,NVDA,2019-01-01,,,,ch\x1fair"),
        "board.csv line 2, column role: got 'ch\\x1fair'; expected text without control characters (tab is allowed)"),
    "not_utf8": (_write_bytes("directors.csv", _latin1_name),
                 "directors.csv line 4: byte 0xe8 at offset 65 is not UTF-8; expected a UTF-8 text file "
                 "(re-save it as UTF-8)"),
    "csv_row_with_extra_field": (
        _edit("board", "D003,ARM,2023-09-14,,,,", "D003,ARM,2023-09-14,,,,,"),
        "board.csv line 4: 8 field(s); expected 7 as in the header (a comma too many or too few?): "
        "'D003,ARM,2023-09-14,,,,,'"),
    "csv_unclosed_quote": (
        _edit("companies", "ZEISS,Carl Zeiss SMT", 'ZEISS,"Carl Zeiss SMT'),
        "companies.csv line 9: 2 field(s); expected 7 as in the header (an unclosed quote?): "
        "'ZEISS,\"Carl Zeiss SMT,extended,materials'... (45 characters)"),
    "truncated_parquet": (
        _parquet("supply", keep=0.6),
        "supply.parquet: not a valid Parquet file (ArrowInvalid: Could not open Parquet input source "
        "'supply.parquet': Parquet magic bytes not found in footer. "
        "Either the file is corrupted or this is not a parquet file.); expected a complete Parquet file "
        "(re-export it)"),
}


def ten_mb_line(folder: Path) -> str:
    """Give one company a 10 MB name (a 10 MB line); returns the expected problem line."""
    _edit("companies", "Carl Zeiss SMT", "Z" * TEN_MB)(folder)
    return (f"companies.csv line 9, column name: got {'Z' * 40!r}... ({TEN_MB:,} characters); expected at most "
            "10,000 characters")


def materialise(case: str, dest: Path, corpus: Path = BAD) -> str:
    """Build the full dataset of ``case`` in ``dest`` (tiny + the case's overlay); returns EXPECTED."""
    shutil.copytree(TINY, dest, dirs_exist_ok=True)
    (dest / "README.md").unlink(missing_ok=True)
    source = corpus / case
    removed = (source / "REMOVED").read_text(encoding="utf-8").split() if (source / "REMOVED").exists() else []
    for name in removed:
        (dest / name).unlink()
    for path in source.iterdir():
        if path.name not in ("EXPECTED", "REMOVED"):
            shutil.copyfile(path, dest / path.name)
    return (source / "EXPECTED").read_text(encoding="utf-8").rstrip("\n")


def write_case(case: str, out: Path) -> None:
    """Write the overlay of ``case`` (changed files, REMOVED, EXPECTED) into ``out/<case>``."""
    import tempfile

    defect, expected = CASES[case]
    target = out / case
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copytree(TINY, work, dirs_exist_ok=True)
        defect(work)
        before = {p.name for p in TINY.iterdir()}
        after = {p.name for p in work.iterdir()}
        for name in sorted(after):
            if name not in before or (work / name).read_bytes() != (TINY / name).read_bytes():
                shutil.copyfile(work / name, target / name)
        gone = sorted(before - after)
        if gone:
            (target / "REMOVED").write_text("\n".join(gone) + "\n", encoding="utf-8")
    (target / "EXPECTED").write_text(expected + "\n", encoding="utf-8")


def write_corpus(out: Path = BAD) -> list[str]:
    """Rewrite every case of :data:`CASES` under ``out``; returns the case names."""
    for case in CASES:
        write_case(case, out)
    return list(CASES)


if __name__ == "__main__":
    print(f"wrote {len(write_corpus())} cases to {BAD}")
