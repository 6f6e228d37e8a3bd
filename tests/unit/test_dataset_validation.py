"""Dataset validation (spec/dataset.md): one case per error class, each asserting the exact problem line."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import NexusError, ValidationFailed
from nexus_graph.sources.dataset import read_dataset, read_dataset_with_warnings
from nexus_graph.sources.prices import load_prices, save_prices
from nexus_graph.sources.tables import write_dataset

DATA = Path(__file__).resolve().parents[1] / "data"
TINY = DATA / "tiny"
_spec = importlib.util.spec_from_file_location("make_bad_corpus", DATA / "make_bad_corpus.py")
assert _spec is not None and _spec.loader is not None
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)


def _problems(folder: Path) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        read_dataset(folder)
    return info.value


def _tiny_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder)
    return folder


@pytest.mark.parametrize("case", sorted(corpus.CASES))
def test_bad_case_reports_its_exact_problem_first(case: str, tmp_path: Path) -> None:
    folder = tmp_path / case
    expected = corpus.materialise(case, folder).replace("{data_dir}", str(folder))
    failure = _problems(folder)
    assert failure.problems[0] == expected
    assert str(failure).startswith(f"{failure.total} problem(s) in the dataset; nothing was written:\n  {expected}")


def test_corpus_covers_enough_cases_and_matches_its_script(tmp_path: Path) -> None:
    committed = sorted(p.name for p in corpus.BAD.iterdir() if p.is_dir())
    assert committed == sorted(corpus.CASES)
    assert len(committed) >= 25
    corpus.write_corpus(tmp_path)
    for case in committed:
        fresh = sorted(p.name for p in (tmp_path / case).iterdir())
        assert fresh == sorted(p.name for p in (corpus.BAD / case).iterdir()), case
        for name in fresh:
            if not name.endswith(".parquet"):  # Parquet bytes carry the writer's version
                assert (tmp_path / case / name).read_bytes() == (corpus.BAD / case / name).read_bytes(), (case, name)


def test_ten_mb_line_is_refused_with_its_length(tmp_path: Path) -> None:
    folder = _tiny_copy(tmp_path)
    expected = corpus.ten_mb_line(folder)
    assert (folder / "companies.csv").stat().st_size > corpus.TEN_MB
    assert _problems(folder).problems == [expected]


def test_every_problem_is_reported_at_once_in_file_order(tmp_path: Path) -> None:
    folder = _tiny_copy(tmp_path)
    for case in ("bad_kind", "self_loop_supply", "price_zero"):
        corpus.CASES[case][0](folder)
    failure = _problems(folder)
    assert failure.problems == [corpus.CASES[c][1] for c in ("bad_kind", "self_loop_supply", "price_zero")]
    assert failure.total == 3


def test_problems_are_capped_at_50_but_all_counted(tmp_path: Path) -> None:
    folder = _tiny_copy(tmp_path)
    prices = pd.read_csv(folder / "prices.csv", dtype=str, keep_default_na=False)
    prices.loc[:59, "adj_close"] = "-1"
    prices.to_csv(folder / "prices.csv", index=False)
    failure = _problems(folder)
    assert failure.total == 60
    assert len(failure.problems) == 50
    assert failure.problems[49] == "prices.csv line 51, column adj_close: got '-1'; expected a finite number > 0"
    assert str(failure).endswith("\n  ... and 10 more")


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    folder = _tiny_copy(tmp_path)
    path = folder / "companies.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with_bom = read_dataset(folder)
    pd.testing.assert_frame_equal(with_bom.companies, read_dataset(TINY).companies)


def test_unknown_column_is_warned_about_and_no_row_is_dropped(tmp_path: Path) -> None:
    folder = _tiny_copy(tmp_path)
    supply = pd.read_csv(folder / "supply.csv", dtype=str, keep_default_na=False)
    supply["notes"] = "checked"
    supply.to_csv(folder / "supply.csv", index=False)
    result = read_dataset_with_warnings(folder)
    assert result.warnings == [
        "supply.csv: column 'notes' is not in the dataset spec and was ignored (known columns: supplier_id, "
        "customer_id, valid_from (optional: valid_to, known_from, end_known_from, weight, source)); every row "
        "was still read"
    ]
    assert len(result.dataset.supply) == len(supply)


def test_ids_with_quotes_backticks_and_cypher_are_plain_data(tmp_path: Path) -> None:
    folder = _tiny_copy(tmp_path)
    evil = "x'}) DETACH DELETE n // `MATCH` \"q\""
    for table in ("companies", "supply", "ownership", "board", "prices"):
        path = folder / f"{table}.csv"
        path.write_text(path.read_text(encoding="utf-8").replace("ZEISS", '"' + evil.replace('"', '""') + '"')
                        .replace("NVDA", "RETURN"), encoding="utf-8")
    dataset = read_dataset(folder)
    assert evil in set(dataset.companies["company_id"])
    assert "RETURN" in set(dataset.supply["customer_id"])


def test_intervals_are_normalised_and_typed() -> None:
    dataset = read_dataset(TINY)
    supply = dataset.supply.set_index(["supplier_id", "customer_id", "valid_from"])
    lagged = supply.loc[("TSM", "NVDA", pd.Timestamp("2021-01-01"))]
    assert lagged["known_from"] == pd.Timestamp("2021-02-20")
    plain = supply.loc[("ASML", "TSM", pd.Timestamp("2021-01-01"))]
    assert plain["known_from"] == pd.Timestamp("2021-01-01") and pd.isna(plain["end_known_from"])
    ended = supply.loc[("TSM", "XLNX", pd.Timestamp("2021-01-01"))]
    assert ended["end_known_from"] == ended["valid_to"] == pd.Timestamp("2022-02-14")
    assert dataset.supply["valid_from"].dtype == np.dtype("datetime64[ns]")
    assert dataset.ownership["shares"].dtype == np.dtype("float64")
    assert dataset.prices["date"].is_monotonic_increasing is False  # sorted by company, then date
    assert dataset.prices.groupby("company_id")["date"].apply(lambda s: s.is_monotonic_increasing).all()


def test_parquet_dataset_reads_the_same_as_csv(tmp_path: Path) -> None:
    dataset = read_dataset(TINY)
    write_dataset(dataset, tmp_path, fmt="parquet")
    again = read_dataset(tmp_path)
    for name, frame in dataset.tables().items():
        pd.testing.assert_frame_equal(getattr(again, name), frame, check_dtype=False, obj=name)


def test_writing_another_format_replaces_the_tables_of_an_earlier_write(tmp_path: Path) -> None:
    # a run folder written as CSV by an older version, written again as Parquet: one file per table, readable
    dataset = read_dataset(TINY)
    write_dataset(dataset, tmp_path, fmt="csv")
    write_dataset(dataset, tmp_path, fmt="parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{name}.parquet" for name in dataset.tables())
    pd.testing.assert_frame_equal(read_dataset(tmp_path).prices, dataset.prices, check_dtype=False)
    write_dataset(dataset, tmp_path, fmt="csv")  # and back
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{name}.csv" for name in dataset.tables())


def test_prices_round_trip_and_missing_file_error(tmp_path: Path) -> None:
    prices = read_dataset(TINY).prices
    path = save_prices(prices, tmp_path / "p" / "prices.parquet")
    pd.testing.assert_frame_equal(load_prices(path), prices)
    assert [p.name for p in path.parent.iterdir()] == ["prices.parquet"]  # no temporary file left
    with pytest.raises(NexusError, match=r"^no prices loaded; run nexus-graph load DATA_DIR"):
        load_prices(tmp_path / "absent.parquet")


def test_not_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NexusError, match="is not a folder; expected a dataset folder"):
        read_dataset(tmp_path / "nowhere")


def test_rows_after_a_broken_row_keep_their_line_numbers(tmp_path: Path) -> None:
    folder = _tiny_copy(tmp_path)
    corpus.CASES["csv_row_with_extra_field"][0](folder)  # board.csv line 4 has a field too many
    path = folder / "board.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("D003,AMAT,2021-01-01", "D003,AMAT,2021/01/01"),
                    encoding="utf-8")
    failure = _problems(folder)
    assert failure.problems == [
        corpus.CASES["csv_row_with_extra_field"][1],
        "board.csv line 5, column valid_from: got '2021/01/01'; expected an ISO date YYYY-MM-DD from 1900-01-01 "
        "to 2100-12-31",
    ]


def test_many_broken_rows_are_all_counted(tmp_path: Path) -> None:
    folder = _tiny_copy(tmp_path)
    path = folder / "prices.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0]] + [line + ",extra" for line in lines[1:]]) + "\n", encoding="utf-8")
    failure = _problems(folder)
    assert failure.total == len(lines) - 1
    assert len(failure.problems) == 50
    assert failure.problems[0].startswith("prices.csv line 2: 5 field(s); expected 4 as in the header")


def test_parquet_problems_name_the_row(tmp_path: Path) -> None:
    import datetime as dt

    folder = _tiny_copy(tmp_path)
    board = pd.read_csv(folder / "board.csv", dtype=str, keep_default_na=False)
    board["valid_from"] = [dt.date(2019, 1, 1), dt.date(1, 1, 1), dt.date(2023, 9, 14), dt.date(2021, 1, 1)]
    board.to_parquet(folder / "board.parquet", index=False)
    (folder / "board.csv").unlink()
    assert _problems(folder).problems == [
        "board.parquet row 2, column valid_from: got '0001-01-01'; expected an ISO date YYYY-MM-DD from 1900-01-01 "
        "to 2100-12-31"]
