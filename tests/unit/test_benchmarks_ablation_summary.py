"""The ablation's rolling-origin summary and its date arguments (no training: rows are made by hand)."""

from __future__ import annotations

import pandas as pd

from benchmarks.ablation import as_of_dates, summary


def test_quarterly_dates_expand_to_every_quarter_end_and_plain_dates_pass_through() -> None:
    dates = as_of_dates(["quarterly:2023-01-31:2023-12-31", "2021-05-31"])
    assert dates == [pd.Timestamp(d) for d in ("2023-03-31", "2023-06-30", "2023-09-30", "2023-12-31", "2021-05-31")]


def test_summary_averages_every_run_against_its_own_dates_baseline() -> None:
    rows = [
        {"variant": "baseline (logistic on heuristics)", "as_of": "2021-05-31", "val_auc": 0.9, "baseline_auc": 0.9},
        {"variant": "hgt", "as_of": "2021-05-31", "aucs": [0.91, 0.88], "baseline_auc": 0.9},
        {"variant": "hgt", "as_of": "2023-12-31", "aucs": [0.95, 0.95], "baseline_auc": 0.95},
    ]
    text = summary(rows)
    line = next(x for x in text.splitlines() if x.startswith("| hgt |"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    # differences +0.01, -0.02, 0, 0: mean -0.0025, s.e. sd/2 = 0.0125/2
    assert cells[1:] == ["2", "4", "-0.0025", "0.0063", "1 / 2 / 1"]
    assert "baseline (logistic" not in text
