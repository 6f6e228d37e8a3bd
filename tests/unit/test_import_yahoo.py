"""Yahoo-layout price adapter: stitching on returns (real 2014-2024 + 2020-2026 files) and malformed input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph.settings import shared_data_dir
from nexus_graph.sources.imports import InputRejected
from nexus_graph.sources.imports.yahoo import MAX_RETURN_DISAGREEMENT, import_prices, read_yahoo_csv

DATA = shared_data_dir()
BASE = DATA / "prices-yf-daily-2014-2024"
EXTRA = DATA / "prices-yf-daily-2014-2020-extra"
NASDAQ = DATA / "prices-nasdaq100-daily-2020-2026"
needs_data = pytest.mark.skipif(not BASE.is_dir() or not NASDAQ.is_dir(),
                                reason=f"shared real data not found at {DATA} (set NEXUS_GRAPH_SHARED_DATA)")
HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"


def own_series(path: Path) -> pd.Series:
    """The single Adj Close series of a plain Yahoo file, read independently with pandas."""
    frame = pd.read_csv(path, parse_dates=["Date"])
    return frame.set_index("Date")["Adj Close"].astype(float)


@pytest.fixture(scope="module")
def stitched():
    return import_prices([BASE, NASDAQ])


@needs_data
def test_stitched_returns_equal_each_source_inside_its_span(stitched) -> None:
    prices = stitched.prices.set_index(["company_id", "date"])["adj_close"]
    overlaps = stitched.overlaps.set_index("ticker")
    assert len(overlaps) == len({p.stem for p in NASDAQ.glob("*.csv")} & {p.stem for p in BASE.glob("*.csv")})
    for ticker, row in overlaps.iterrows():
        series = prices.loc[ticker]
        base = own_series(BASE / f"{ticker}.csv")
        # inside the base span the levels are the base's own, so its returns are too
        np.testing.assert_array_equal(series.loc[base.index].to_numpy(), base.to_numpy())
        # after it, the returns are the later source's own (candidate chosen by the adapter)
        ext = read_yahoo_csv(NASDAQ / f"{ticker}.csv").candidates[int(row["candidate"]) - 1]["adj_close"]
        after = series.loc[series.index >= base.index.max()]
        want = ext.loc[after.index].pct_change().dropna()
        got = after.pct_change().dropna()
        assert len(got) == row["dates_added"]
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-9)


@needs_data
def test_overlap_agreement_is_reported_on_the_2020_2024_overlap(stitched) -> None:
    report = stitched.overlaps.set_index("ticker")
    assert (report["overlap_from"] >= pd.Timestamp("2020-01-02")).all()
    assert (report["overlap_to"] == pd.Timestamp("2024-03-08")).all()
    assert (report["max_abs_return_diff"] < MAX_RETURN_DISAGREEMENT).all()
    plain = report["series_in_file"] == 1
    # plain files agree to rounding: a constant level factor, identical returns
    assert (report.loc[plain, "max_abs_return_diff"] < 1e-5).all()
    assert (report.loc[plain, "level_ratio_rel_std"] < 1e-5).all()
    # NVDA's 2024 10:1 split is after the base download: its levels differ by ~10, its returns do not
    assert 9.9 < report.at["NVDA", "level_ratio"] < 10.1
    # the four files that repeat every column (two series merged) were resolved against the base
    assert set(report.index[~plain]) == {"AAPL", "ASML", "CSCO", "NXPI"}


@needs_data
def test_prices_frame_contract(stitched) -> None:
    prices = stitched.prices
    assert list(prices.columns) == ["date", "company_id", "adj_close", "volume"]
    assert prices["date"].dtype == "datetime64[ns]"
    assert (prices["adj_close"] > 0).all()
    assert not prices.duplicated(["company_id", "date"]).any()
    assert prices.equals(prices.sort_values(["company_id", "date"]).reset_index(drop=True))
    nvda = prices.loc[prices["company_id"] == "NVDA", "date"]
    assert (nvda.min(), nvda.max()) == (pd.Timestamp("2014-01-02"), pd.Timestamp("2026-04-24"))
    sndk = prices.loc[prices["company_id"] == "SNDK", "date"]  # only in the 2020-2026 folder
    assert sndk.min() == pd.Timestamp("2025-02-13")


@needs_data
def test_extra_folder_is_read_and_excludes_apply() -> None:
    result = import_prices([EXTRA], exclude=["SOXX", "SMH", "qqq"])
    assert set(result.prices["company_id"]) == {p.stem for p in EXTRA.glob("*.csv")} - {"SOXX", "SMH", "QQQ"}
    assert result.prices["date"].max() == pd.Timestamp("2020-12-11")


@needs_data
def test_interleaved_file_cannot_be_a_base_source() -> None:
    with pytest.raises(InputRejected, match="interleaved series"):
        import_prices([NASDAQ])


# --- hand-checkable stitching -----------------------------------------------------------------------

def write(folder: Path, ticker: str, rows: list[tuple[str, float]], header: str = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ticker}.csv"
    path.write_text(header + "".join(f"{d},1,1,1,1,{p},100\n" for d, p in rows), encoding="utf-8")
    return path


def test_later_source_is_chained_onto_the_base_level(tmp_path: Path) -> None:
    dates = pd.bdate_range("2024-01-01", periods=8).strftime("%Y-%m-%d")
    base = [(d, p) for d, p in zip(dates[:5], [10, 11, 12, 11, 13], strict=True)]
    ext = [(d, p) for d, p in zip(dates[2:], [24, 22, 26, 39, 26, 52], strict=True)]  # 2x base levels
    write(tmp_path / "a", "X", base)
    write(tmp_path / "b", "X", ext)
    result = import_prices([tmp_path / "a", tmp_path / "b"])
    got = result.prices["adj_close"].tolist()
    assert got == pytest.approx([10, 11, 12, 11, 13, 19.5, 13, 26])
    row = result.overlaps.iloc[0]
    assert (row["overlap_days"], row["dates_added"]) == (3, 3)
    assert row["level_ratio"] == pytest.approx(0.5)
    assert row["max_abs_return_diff"] == pytest.approx(0.0, abs=1e-12)


def test_earlier_dates_of_a_later_source_are_chained_backwards(tmp_path: Path) -> None:
    dates = pd.bdate_range("2024-01-01", periods=4).strftime("%Y-%m-%d")
    write(tmp_path / "a", "X", [(dates[2], 30), (dates[3], 33)])
    write(tmp_path / "b", "X", [(dates[0], 1), (dates[1], 2), (dates[2], 3), (dates[3], 3.3)])
    got = import_prices([tmp_path / "a", tmp_path / "b"]).prices["adj_close"].tolist()
    assert got == pytest.approx([10, 20, 30, 33])


def test_sources_without_overlap_cannot_be_chained(tmp_path: Path) -> None:
    write(tmp_path / "a", "X", [("2024-01-02", 1.0), ("2024-01-03", 1.1)])
    write(tmp_path / "b", "X", [("2024-02-01", 5.0), ("2024-02-02", 5.5)])
    with pytest.raises(InputRejected, match="no overlap with the earlier source"):
        import_prices([tmp_path / "a", tmp_path / "b"])


def test_junction_date_missing_in_the_later_source_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "a", "X", [("2024-01-02", 1.0), ("2024-01-03", 1.1), ("2024-01-04", 1.2)])
    write(tmp_path / "b", "X", [("2024-01-02", 2.0), ("2024-01-03", 2.2), ("2024-01-05", 2.6)])
    with pytest.raises(InputRejected, match="no price on 2024-01-04, the junction date"):
        import_prices([tmp_path / "a", tmp_path / "b"])


def test_sources_that_disagree_on_returns_are_not_stitched(tmp_path: Path) -> None:
    write(tmp_path / "a", "X", [("2024-01-02", 1.0), ("2024-01-03", 1.1), ("2024-01-04", 1.2)])
    write(tmp_path / "b", "X", [("2024-01-02", 5.0), ("2024-01-03", 4.0), ("2024-01-04", 6.0), ("2024-01-05", 7.0)])
    with pytest.raises(InputRejected, match="not the same security"):
        import_prices([tmp_path / "a", tmp_path / "b"])


def test_interleaved_file_picks_the_series_that_matches(tmp_path: Path) -> None:
    write(tmp_path / "a", "X", [("2024-01-02", 10.0), ("2024-01-03", 11.0), ("2024-01-04", 12.0)])
    header = "Date,Symbol,Open,Open,High,High,Low,Low,Close,Close,Adj Close,Adj Close,Volume,Volume\n"
    rows = [("2024-01-02", 50, 20), ("2024-01-03", 40, 22), ("2024-01-04", 60, 24), ("2024-01-05", 70, 26)]
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "X.csv").write_text(header + "".join(
        f"{d},X,1,1,1,1,1,1,1,1,{p1},{p2},5,6\n" for d, p1, p2 in rows), encoding="utf-8")
    result = import_prices([tmp_path / "a", tmp_path / "b"])
    assert result.overlaps.iloc[0]["candidate"] == 2
    assert result.prices["adj_close"].iloc[-1] == pytest.approx(13.0)


# --- malformed input ----------------------------------------------------------------------------------

def rejected(path: Path) -> str:
    with pytest.raises(InputRejected) as info:
        read_yahoo_csv(path)
    return str(info.value)


def test_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "X.csv"
    path.write_text("Date,Open,High,Low,Close,Volume\n2024-01-02,1,1,1,1,5\n")
    assert f"{path}: missing column 'Adj Close'" in rejected(path)


def test_bad_date_names_file_line_and_value(tmp_path: Path) -> None:
    path = write(tmp_path, "X", [("2024-01-02", 1.0), ("2024-13-01", 1.1)])
    assert f"{path}:3: column 'Date': expected a date YYYY-MM-DD, got '2024-13-01'" in rejected(path)


@pytest.mark.parametrize("value", ["abc", "0", "-3", "inf", ""])
def test_non_numeric_or_non_positive_price(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "X", [("2024-01-02", 1.0)])
    with path.open("a") as f:
        f.write(f"2024-01-03,1,1,1,1,{value},7\n")
    assert f"{path}:3: column 'Adj Close': expected a positive number, got {value!r}" in rejected(path)


def test_bad_volume(tmp_path: Path) -> None:
    path = tmp_path / "X.csv"
    path.write_text(HEADER + "2024-01-02,1,1,1,1,2.5,lots\n")
    assert "column 'Volume': expected a non-negative number, got 'lots'" in rejected(path)


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "E.csv"
    empty.write_text("")
    assert "empty file" in rejected(empty)
    header_only = tmp_path / "H.csv"
    header_only.write_text(HEADER)
    assert "no data rows" in rejected(header_only)


def test_wrong_field_count_and_not_utf8(tmp_path: Path) -> None:
    short = tmp_path / "S.csv"
    short.write_text(HEADER + "2024-01-02,1,1,1\n")
    assert f"{short}:2: expected 7 fields as in the header, got 4" in rejected(short)
    latin = tmp_path / "L.csv"
    latin.write_bytes(HEADER.encode() + "2024-01-02,1,1,1,1,1\xe9,5\n".encode("latin-1"))
    assert "not UTF-8" in rejected(latin)


def test_symbol_must_match_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "X.csv"
    path.write_text("Date,Symbol,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,Y,1,1,1,1,2,5\n")
    assert f"{path}:2: column 'Symbol': expected 'X' (the file name), got 'Y'" in rejected(path)


def test_duplicate_rows_are_deduplicated_but_conflicts_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "X", [("2024-01-02", 1.0), ("2024-01-03", 1.1), ("2024-01-03", 1.1)])
    parsed = read_yahoo_csv(path)
    assert parsed.duplicate_rows == 1
    assert len(parsed.candidates[0]) == 2
    clash = write(tmp_path, "Y", [("2024-01-02", 1.0), ("2024-01-03", 1.1), ("2024-01-03", 1.2)])
    assert "date 2024-01-03 appears on lines 3, 4 with different Adj Close values" in rejected(clash)


def test_yahoo_null_rows_are_dropped_and_counted(tmp_path: Path) -> None:
    path = write(tmp_path, "X", [("2024-01-02", 1.0)])
    with path.open("a") as f:
        f.write("2024-01-03,null,null,null,null,null,null\n2024-01-04,1,1,1,1,1.2,9\n")
    parsed = read_yahoo_csv(path)
    assert parsed.null_rows == 1
    assert parsed.candidates[0].index.strftime("%Y-%m-%d").tolist() == ["2024-01-02", "2024-01-04"]


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "A", [("2024-01-02", 1.0), ("bad", 1.1)])
    write(tmp_path, "B", [("2024-01-02", -1.0)])
    with pytest.raises(InputRejected) as info:
        import_prices([tmp_path])
    assert info.value.total == 2
    assert "A.csv:3" in str(info.value) and "B.csv:2" in str(info.value)
    assert str(info.value).startswith("2 problem(s) in the input; nothing was written:")
