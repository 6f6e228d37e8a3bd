"""``nexus-graph report --run-dir DIR``: (re)build a run's report from the JSON files it wrote."""

from __future__ import annotations

from pathlib import Path

import typer

from nexus_graph.cli.common import console, print_json

ORDER = 95


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report_command(
        run_dir: Path = typer.Option(..., "--run-dir", help="Run folder holding meta/training/validation/evaluation/"
                                     "portfolio .json files, e.g. runs/<run_id>."),
        out: Path = typer.Option(None, "--out", help="Report folder (default: RUN_DIR/report)."),
        synthetic: bool = typer.Option(False, "--synthetic", help="Force the SYNTHETIC DATA label (it is also set "
                                       "when the run's meta.json says synthetic)."),
        title: str = typer.Option(None, "--title", help="Report title (default: the run's title)."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
    ) -> None:
        """(Re)build a run's report (Markdown, PNG plots, JSON) from its run folder.

        Writes report.md, PNG plots (training curve, IC per date, cumulative IC, equity curve and drawdown,
        turnover) and report.json for one run; sections whose JSON is missing say "Not run"."""
        import json

        from nexus_graph.report.run_files import read_run_files
        from nexus_graph.report.run_report import write_run_report

        inputs = read_run_files(run_dir)
        inputs["synthetic"] = inputs["synthetic"] or synthetic
        if title:
            inputs["title"] = title
        path = write_run_report(out or Path(run_dir) / "report", **inputs)
        payload = json.loads((path.parent / "report.json").read_text(encoding="utf-8"))
        sections = {name: section.get("status", "ok") for name, section in payload["sections"].items()}
        if json_out:
            print_json({"report": str(path), "synthetic": payload["synthetic"], "sections": sections,
                        "plots": [str(path.parent / p) for p in payload["plots"]]})
            return
        for name, status in sections.items():
            console.print(f"  {name:<11} {status}", highlight=False)
        console.print(f"Report: {path}  ({len(payload['plots'])} plots)", highlight=False)
