"""Step ``report``: a run's report (Markdown, PNG plots, JSON) rebuilt from the JSON files of its run folder."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nexus_graph.report.run_files import read_run_files, write_run_files
from nexus_graph.report.run_report import write_run_report


@dataclass
class ReportResult:
    """Where the report went, and the status of each of its sections."""

    path: Path
    synthetic: bool
    sections: dict[str, str]
    plots: list[Path]

    def summary(self) -> dict[str, Any]:
        return {"report": str(self.path), "synthetic": self.synthetic, "sections": self.sections,
                "plots": [str(p) for p in self.plots]}


def write_report(run_dir: Path, out: Path | None = None, *, synthetic: bool = False,
                 title: str | None = None) -> ReportResult:
    """(Re)build the report of ``run_dir`` into ``out`` (default ``run_dir/report``) from its run files."""
    inputs = read_run_files(run_dir)
    inputs["synthetic"] = inputs["synthetic"] or synthetic
    if title:
        inputs["title"] = title
    path = write_run_report(out or Path(run_dir) / "report", **inputs)
    payload = json.loads((path.parent / "report.json").read_text(encoding="utf-8"))
    sections = {name: section.get("status", "ok") for name, section in payload["sections"].items()}
    return ReportResult(path, bool(payload["synthetic"]), sections, [path.parent / p for p in payload["plots"]])


def write_paper_trade_report(run_dir: Path, result: Any, run_id: str, synthetic: bool,
                             notes: list[str] | None = None) -> Path:
    """Save ``portfolio.json`` in the run folder and (re)build its report in ``run_dir/report``.

    ``notes`` (a --force trade, look-ahead values) are stated at the top of the paper-trade section.
    """
    title = f"Paper trade {', '.join(result.signals)}"
    write_run_files(run_dir, title=title, synthetic=synthetic, portfolio=result,
                    extra={"paper_trade_run_id": run_id, "paper_trade_notes": list(notes or []),
                           "paper_trade_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    return write_run_report(run_dir / "report", **read_run_files(run_dir))
