"""The run report: every section, the SYNTHETIC DATA label on every page and plot, "not run", run folders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.report import plots
from nexus_graph.report.run_files import portfolio_from_json, portfolio_to_json, read_run_files, write_run_files
from nexus_graph.report.run_report import PLOT_FILES, write_run_report
from nexus_graph.trading.portfolio import PortfolioConfig, PortfolioResult, paper_trade

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def small_portfolio(seed: int = 0) -> PortfolioResult:
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2022-01-03", "2023-07-31")
    ids = [f"S{i:02d}" for i in range(20)]
    closes = 20 * np.exp(np.cumsum(rng.normal(0.0002, 0.015, (len(days), len(ids))), axis=0))
    prices = pd.DataFrame(closes, index=days, columns=ids).stack().rename("adj_close").reset_index()
    prices.columns = ["date", "company_id", "adj_close"]
    month_ends = pd.date_range("2022-01-31", "2023-06-30", freq="ME")
    factor = pd.DataFrame(rng.normal(size=(len(month_ends), len(ids))), index=month_ends, columns=ids).stack()
    return paper_trade({"drift": factor}, prices, PortfolioConfig(cost_bps=10, n_trials=3))


def sections() -> dict:
    dates = pd.date_range("2022-01-31", "2023-06-30", freq="ME")
    rng = np.random.default_rng(1)
    ic = pd.DataFrame({21: rng.normal(0.03, 0.1, len(dates)), 63: rng.normal(0.02, 0.1, len(dates))}, index=dates)
    ic.loc[dates[-2:], 63] = np.nan
    ic.index.name = "date"
    return {
        "training": {"params": 1234, "min_auc": 0.6, "passed": True,
                     "curve": [{"epoch": e, "loss": 0.7 / e**0.3, "val_auc": 0.6 + e / 1000} for e in (20, 40, 60)]},
        "validation": {"rows": 20, "dim": 8, "degenerate": False,
                       "checks": [{"check": "cos(A,B) > cos(A,C)", "left": 0.9, "right": 0.1, "passed": True},
                                  {"name": "norms finite", "passed": False}]},
        "evaluation": {"factor": "drift", "ic": ic, "verdict": "CANDIDATE", "reasons": ["|t| >= 2 at 21 days"],
                       "summary": [{"horizon": 21, "n": 18, "mean_ic": 0.03, "ic_std": 0.1, "t": 2.1,
                                    "robust_t": 1.7, "hlz_bar": 3.9, "passes": False},
                                   {"horizon": 63, "n": 16, "mean_ic": 0.02, "ic_std": 0.1, "t": 1.2,
                                    "robust_t": 0.9, "hlz_bar": 3.95, "passes": False}]},
    }


@pytest.fixture()
def captured_titles(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Every title text of every figure saved, by file name."""
    titles: dict[str, list[str]] = {}
    real_save = plots._save

    def save(fig, path: Path) -> Path:
        texts = [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right")]
        texts.append(fig._suptitle.get_text() if fig._suptitle is not None else "")
        titles[path.name] = [t for t in texts if t]
        return real_save(fig, path)

    monkeypatch.setattr(plots, "_save", save)
    return titles


def test_full_report_writes_every_section_plot_and_number(tmp_path: Path, captured_titles: dict) -> None:
    result = small_portfolio()
    path = write_run_report(tmp_path / "rep", synthetic=True, title="demo", portfolio=result,
                            extra={"run_id": "r1"}, **sections())
    assert path == tmp_path / "rep" / "report.md"
    for name in PLOT_FILES:
        data = (tmp_path / "rep" / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 20_000, name
    md = path.read_text()
    assert "Not run" not in md
    for heading in ("## 1. Training", "## 2. Embedding validation", "## 3. Factor evaluation", "## 4. Paper trade"):
        assert heading in md
    assert "**1 of 2 checks passed.**" in md and "**FAIL**" in md and "CANDIDATE" in md
    payload = json.loads((tmp_path / "rep" / "report.json").read_text())
    stats = result.statistics()
    assert payload["sections"]["portfolio"]["statistics"]["long_only"]["sharpe"] == stats["long_only"]["sharpe"]
    assert payload["sections"]["portfolio"]["statistics"]["long_short"]["cagr"] == stats["long_short"]["cagr"]
    wealth = payload["sections"]["portfolio"]["wealth"]
    assert wealth["data"][-1][0] == pytest.approx((1 + result.returns["long_only"]).prod(), rel=1e-12)
    assert payload["sections"]["evaluation"]["ic"]["data"][-1][1] is None  # NaN survives as null
    assert sorted(payload["plots"]) == sorted(PLOT_FILES)
    assert f"{stats['long_only']['cagr']:+.1%}" in md


def test_synthetic_label_on_every_page_and_every_plot_title(tmp_path: Path, captured_titles: dict) -> None:
    path = write_run_report(tmp_path, synthetic=True, title="demo", portfolio=small_portfolio(), **sections())
    lines = path.read_text().splitlines()
    assert lines[0] == "# SYNTHETIC DATA — demo"
    assert "SYNTHETIC DATA" in lines[-1]
    assert sorted(captured_titles) == sorted(PLOT_FILES)
    for name, titles in captured_titles.items():
        assert any(t.startswith("SYNTHETIC DATA — ") for t in titles), (name, titles)
    assert json.loads((tmp_path / "report.json").read_text())["synthetic"] is True


def test_real_data_report_carries_no_synthetic_label(tmp_path: Path, captured_titles: dict) -> None:
    path = write_run_report(tmp_path, synthetic=False, title="real", portfolio=small_portfolio(), **sections())
    assert "SYNTHETIC" not in path.read_text()
    assert not any("SYNTHETIC" in t for titles in captured_titles.values() for t in titles)


def test_missing_inputs_say_not_run_and_leave_no_stale_plots(tmp_path: Path) -> None:
    write_run_report(tmp_path, synthetic=False, title="full", portfolio=small_portfolio(), **sections())
    path = write_run_report(tmp_path, synthetic=True, title="empty", training=None, validation=None,
                            evaluation=None, portfolio=None, extra=None)
    assert path.read_text().count("_Not run._") == 4
    payload = json.loads((tmp_path / "report.json").read_text())
    assert {s["status"] for s in payload["sections"].values()} == {"not run"}
    assert payload["plots"] == [] and not list(tmp_path.glob("*.png"))


def test_report_shows_the_family_rule_horizon_holm_p_and_delistings(tmp_path: Path) -> None:
    evaluation = sections()["evaluation"]
    evaluation = {**evaluation, "rule": "holm", "m": 400,
                  "family": "Multiple-testing family: M = 400 tests = 9 made before",
                  "summary": [{**row, "robust_p": 0.2, "horizon_holm_p": 0.4} for row in evaluation["summary"]]}
    result = small_portfolio(2)
    text = write_run_report(tmp_path, synthetic=False, title="t", evaluation=evaluation, portfolio=result,
                            extra={"paper_trade_notes": ["Traded with --force: signal 'drift' was last judged NULL"]}
                            ).read_text()
    assert "decision rule `holm`" in text and "Multiple-testing family: M = 400 tests = 9 made before" in text
    assert "horizon Holm p" in text and "| 0.4000 |" in text
    assert "M = 400 is also the N of the deflated Sharpe ratio" in text
    assert "deflated Sharpe over N = 3 trial(s)" in text
    assert "> **Traded with --force: signal 'drift' was last judged NULL**" in text
    assert "Delistings: none in the prices" in text and "-30%" in text


def test_delisted_names_are_listed_in_the_report_and_survive_the_json(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    days = pd.bdate_range("2022-01-03", "2022-12-30")
    ids = [f"S{i:02d}" for i in range(10)]
    closes = pd.DataFrame(20 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(days), len(ids))), axis=0)),
                          index=days, columns=ids)
    closes.loc[days > "2022-08-15", "S03"] = np.nan  # S03 stops trading
    prices = closes.stack().rename("adj_close").reset_index()
    prices.columns = ["date", "company_id", "adj_close"]
    factor = pd.DataFrame(rng.normal(size=(11, len(ids))), index=pd.date_range("2022-01-31", "2022-11-30", freq="ME"),
                          columns=ids).stack()
    result = paper_trade({"drift": factor}, prices, PortfolioConfig(n_trials=400), delisting_values={"S03": 0.0})
    payload = json.loads(json.dumps(portfolio_to_json(result)))
    assert payload["config"]["delisting_return"] == -0.3
    back = portfolio_from_json(payload)
    pd.testing.assert_frame_equal(back.delistings, result.delistings)
    text = write_run_report(tmp_path, synthetic=False, title="t", portfolio=back).read_text()
    assert "Delistings: 1 name(s)" in text and "| S03 | 2022-08-15 |" in text and "| -100.0% | value |" in text


def test_portfolio_json_round_trip_is_exact() -> None:
    result = small_portfolio(3)
    back = portfolio_from_json(json.loads(json.dumps(portfolio_to_json(result))))
    for name in ("returns", "gross_returns", "turnover", "costs"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(result, name), check_freq=False)
    pd.testing.assert_frame_equal(back.weights, result.weights)
    assert back.trade_dates.equals(result.trade_dates) and back.config == result.config
    assert back.statistics() == result.statistics()


def run_main(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    """``nexus-graph ARGS`` in-process (the CLI's own error handling included): exit code, stdout, stderr."""
    from nexus_graph.cli import main

    monkeypatch.setattr(sys, "argv", ["nexus-graph", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_run_folder_rebuilds_the_report_from_json(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "runs" / "r42"
    parts = sections()
    write_run_files(run, title="demo run", synthetic=True, training=parts["training"])
    write_run_files(run, synthetic=False, evaluation=parts["evaluation"], portfolio=small_portfolio(),
                    extra={"fingerprint": "abc"})
    inputs = read_run_files(run)
    assert inputs["synthetic"] is True  # once synthetic, always labelled
    assert inputs["title"] == "demo run" and inputs["validation"] is None
    assert inputs["extra"]["fingerprint"] == "abc" and inputs["extra"]["run_id"] == "r42"
    pd.testing.assert_frame_equal(inputs["evaluation"]["ic"], parts["evaluation"]["ic"], check_names=False,
                                  check_freq=False, check_column_type=False)
    code, out, err = run_main(capsys, monkeypatch, "report", "--run-dir", str(run), "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["synthetic"] is True
    assert summary["sections"] == {"training": "ok", "validation": "not run", "evaluation": "ok", "portfolio": "ok"}
    assert Path(summary["report"]) == run / "report" / "report.md"
    assert len(summary["plots"]) == 5 and all(Path(p).is_file() for p in summary["plots"])


def test_report_of_a_folder_without_run_files_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NexusError, match="holds no run files"):
        read_run_files(tmp_path)
    code, _, err = run_main(capsys, monkeypatch, "report", "--run-dir", str(tmp_path))
    assert code == 1
    assert err.startswith(f"Error: {tmp_path} holds no run files")


def test_training_curve_may_hold_the_trainers_dataclasses(tmp_path: Path) -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Point:
        epoch: int
        loss: float
        val_auc: float

    curve = [Point(20, 0.69, 0.61), Point(40, 0.52, 0.74)]
    write_run_files(tmp_path / "run", training={"curve": curve, "min_auc": 0.6})
    assert json.loads((tmp_path / "run" / "training.json").read_text())["curve"][1] == \
        {"epoch": 40, "loss": 0.52, "val_auc": 0.74}
    path = write_run_report(tmp_path / "rep", synthetic=False, title="t", training={"curve": curve})
    assert "| 40 | 0.5200 | 0.7400 |" in path.read_text()
    empty = write_run_report(tmp_path / "rep2", synthetic=False, title="t", training={"params": 3},
                             validation={"rows": 5, "checks": []}).read_text()
    # a note after a facts table needs a blank line, or Markdown folds it into the table
    assert "| params | 3 |\n\n_No training curve was recorded._" in empty
    assert "| rows | 5 |\n\n_No checks were recorded._" in empty
    assert (tmp_path / "rep" / "training_curve.png").read_bytes().startswith(PNG_MAGIC)


def test_a_table_goes_to_json_column_by_column_as_value_by_value() -> None:
    from nexus_graph.report.run_files import jsonable, table_to_json

    frame = pd.DataFrame({
        "day": pd.to_datetime(["2021-01-31", None, "2021-02-28"]),
        "weight": [1.0, np.nan, np.inf],
        "company_id": pd.array(["a", "b", None], dtype="string"),
        "n": [1, 2, 3],
        "at": pd.to_datetime(["2021-01-31 10:00", "2021-01-31 00:00", None]),  # instants keep their time
    })
    value_by_value = [[jsonable(v) for v in row] for row in frame.itertuples(index=False)]
    assert table_to_json(frame) == {"columns": list(frame.columns), "data": value_by_value}
    assert value_by_value[0] == ["2021-01-31", 1.0, "a", 1, "2021-01-31T10:00:00"]
    assert value_by_value[2] == ["2021-02-28", None, None, 3, None]
