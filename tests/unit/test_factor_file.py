"""Validation of an imported factor file (``nexus-graph factors import``): every bad file is refused with its lines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nexus_graph.errors import InvalidFile, UsageError
from nexus_graph.sources.factor_file import (
    checked_name,
    checked_origin,
    entry_closes,
    read_factor_table,
    validate_factor_table,
)

COMPANIES = {"AAA", "BBB", "CCC"}
TODAY = pd.Timestamp("2024-05-15")
# 2024-03-31 is a Sunday: its entry close is Friday 2024-03-29
DAYS = pd.DatetimeIndex(["2024-01-30", "2024-01-31", "2024-02-28", "2024-02-29", "2024-03-28", "2024-03-29",
                         "2024-04-30"])
HEADER = "date,company,value,known_from\n"
GOOD = ("2024-01-31,AAA,1.5,2024-01-15\n"
        "2024-01-31,BBB,-0.25,2024-01-31\n"
        "2024-03-31,AAA,2,2024-03-29\n")


def validate(tmp_path: Path, text: str, name: str = "f.csv", **kwargs: object) -> pd.DataFrame:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    options = {"companies": COMPANIES, "today": TODAY, "trading_days": DAYS, **kwargs}
    return validate_factor_table(read_factor_table(path), **options).rows  # type: ignore[arg-type]


def problems(tmp_path: Path, text: str, **kwargs: object) -> list[str]:
    with pytest.raises(InvalidFile) as failed:
        validate(tmp_path, text, **kwargs)
    return failed.value.problems


def test_a_good_file_gives_sorted_canonical_rows(tmp_path: Path) -> None:
    rows = validate(tmp_path, HEADER + GOOD)
    assert list(rows.columns) == ["date", "company_id", "value", "known_from", "look_ahead"]
    assert rows["value"].tolist() == [1.5, -0.25, 2.0]
    assert rows["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-31", "2024-01-31", "2024-03-31"]
    assert not rows["look_ahead"].any()


def test_company_id_is_accepted_as_the_company_column(tmp_path: Path) -> None:
    rows = validate(tmp_path, HEADER.replace("company", "company_id") + GOOD)
    assert rows["company_id"].tolist() == ["AAA", "BBB", "AAA"]


BAD_FILES = {
    "missing column": ("date,company,value\n2024-01-31,AAA,1\n",
                       "f.csv: missing required column 'known_from'; expected columns date, company, value, "
                       "known_from"),
    "bad date": (HEADER + "2024-13-31,AAA,1,2024-01-15\n",
                 "f.csv line 2, column date: got '2024-13-31'; expected a date that exists in the calendar"),
    "not a month-end": (HEADER + "2024-01-30,AAA,1,2024-01-15\n",
                        "f.csv line 2, column date: got '2024-01-30'; expected a calendar month-end such as "
                        "2024-01-31"),
    "non-numeric value": (HEADER + "2024-01-31,AAA,1.2.3,2024-01-15\n",
                          "f.csv line 2, column value: got '1.2.3'; expected a number"),
    "blank value": (HEADER + "2024-01-31,AAA,,2024-01-15\n",
                    "f.csv line 2, column value: got blank; expected a number (this column is required)"),
    "infinite value": (HEADER + "2024-01-31,AAA,inf,2024-01-15\n",
                       "f.csv line 2, column value: got 'inf'; expected a finite number"),
    "blank known_from": (HEADER + "2024-01-31,AAA,1,\n", "f.csv line 2, column known_from: got blank; expected"),
    "unknown company": (HEADER + "2024-01-31,ZZZ,1,2024-01-15\n",
                        "f.csv line 2, column company: got 'ZZZ'; expected the id of a company in the graph"),
    "date in the future": (HEADER + "2024-05-31,AAA,1,2024-05-01\n",
                           "f.csv line 2, column date: got '2024-05-31'; expected a date on or before today "
                           "(2024-05-15)"),
    "known_from in the future": (HEADER + "2024-04-30,AAA,1,2024-05-16\n",
                                 "f.csv line 2, column known_from: got '2024-05-16'; expected a date on or before "
                                 "today (2024-05-15)"),
    "known after the date": (HEADER + "2024-01-31,AAA,1,2024-02-10\n",
                             "f.csv line 2, column known_from: got '2024-02-10'; expected a date on or before "
                             "2024-01-31, the entry close of date 2024-01-31"),
    # a month-end on a Sunday enters at Friday's close: a Saturday disclosure is after it (issue #17, defect 6)
    "known after the entry close": (HEADER + "2024-03-31,AAA,1,2024-03-30\n",
                                    "f.csv line 2, column known_from: got '2024-03-30'; expected a date on or "
                                    "before 2024-03-29, the entry close of date 2024-03-31"),
    "duplicate (date, company)": (HEADER + GOOD + "2024-01-31,BBB,7,2024-01-02\n",
                                  "f.csv line 5, column date+company: got ('2024-01-31', 'BBB'); expected one value "
                                  "per (date, company) (already on line 3)"),
    "empty file": (HEADER, "f.csv: no rows; expected at least one (date, company, value, known_from) row"),
    "no header": ("", "f.csv: no header row"),
    "a field too many": (HEADER + "2024-01-31,AAA,1,2024-01-15,x\n",
                         "f.csv line 2: 5 field(s); expected 4 as in the header"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_naming_the_line_and_column(case: str, tmp_path: Path) -> None:
    text, expected = BAD_FILES[case]
    found = problems(tmp_path, text)
    assert any(expected in line for line in found), found


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    text = HEADER + "2024-01-31,AAA,x,2024-01-15\n2024-01-31,ZZZ,1,2024-01-15\n2024-02-29,BBB,1,2024-03-01\n"
    found = problems(tmp_path, text)
    assert [line.split(",")[0] for line in found] == ["f.csv line 2", "f.csv line 3", "f.csv line 4"]
    with pytest.raises(InvalidFile, match=r"^3 problem\(s\) in f.csv; nothing was written:"):
        validate(tmp_path, text)


def test_look_ahead_rows_are_kept_labelled_when_allowed(tmp_path: Path) -> None:
    rows = validate(tmp_path, HEADER + GOOD + "2024-02-29,AAA,1,2024-03-05\n", allow_look_ahead=True)
    assert rows.set_index("company_id").loc["AAA", "look_ahead"].tolist() == [False, True, False]


def test_without_trading_days_the_calendar_month_end_is_the_entry_close(tmp_path: Path) -> None:
    rows = validate(tmp_path, HEADER + "2024-03-31,AAA,1,2024-03-30\n", trading_days=None)
    assert not rows["look_ahead"].any()
    dates = pd.Series(pd.to_datetime(["2024-03-31", "2024-01-15", "2023-12-31"]))
    # before every trading day a date is its own entry close
    assert entry_closes(dates, DAYS).dt.strftime("%Y-%m-%d").tolist() == ["2024-03-29", "2024-01-15", "2023-12-31"]


def test_parquet_files_are_checked_the_same_way_with_row_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"date": pd.to_datetime(["2024-01-31", "2024-01-31"]), "company": ["AAA", "ZZZ"],
                          "value": [1.0, 2.0], "known_from": pd.to_datetime(["2024-01-02", "2024-01-02"])})
    path = tmp_path / "f.parquet"
    frame.to_parquet(path, index=False)
    with pytest.raises(InvalidFile) as failed:
        validate_factor_table(read_factor_table(path), companies=COMPANIES, today=TODAY, trading_days=DAYS)
    assert failed.value.problems == ["f.parquet row 2, column company: got 'ZZZ'; expected the id of a company in "
                                     "the graph (load it with `nexus-graph load`, or drop the row)"]
    ok = validate_factor_table(read_factor_table(path), companies=COMPANIES | {"ZZZ"}, today=TODAY,
                               trading_days=DAYS)
    assert ok.rows["value"].tolist() == [1.0, 2.0]


def test_a_file_of_another_kind_or_a_missing_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f.xlsx").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match=r"f.xlsx: got a .xlsx file; expected .csv or .parquet"):
        read_factor_table(tmp_path / "f.xlsx")
    with pytest.raises(UsageError, match="no such file"):
        read_factor_table(tmp_path / "gone.csv")


@pytest.mark.parametrize(("name", "expected"), [
    ("Margin", "--name must be 2 to 64 lower-case letters, digits or underscores starting with a letter "
               "(got 'Margin')"),
    ("1margin", "(got '1margin')"),
    ("x" * 65, "2 to 64"),
    ("graph_margin", "--name must not start with 'graph_' (got 'graph_margin')"),
])
def test_bad_factor_names_are_usage_errors(name: str, expected: str) -> None:
    with pytest.raises(UsageError) as failed:
        checked_name(name)
    assert expected in str(failed.value)


def test_names_and_origins_that_pass() -> None:
    assert checked_name("margin_compression") == "margin_compression"
    assert [checked_origin(o) for o in ("fundamental", "price", "external")] == ["fundamental", "price", "external"]
    with pytest.raises(UsageError, match=r"--origin must be fundamental, price or external \(got 'graph'\)"):
        checked_origin("graph")
