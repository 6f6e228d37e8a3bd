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
        from nexus_graph.pipeline.report import write_report

        result = write_report(run_dir, out, synthetic=synthetic, title=title)
        if json_out:
            print_json(result.summary())
            return
        for name, status in result.sections.items():
            console.print(f"  {name:<11} {status}", highlight=False)
        console.print(f"Report: {result.path}  ({len(result.plots)} plots)", highlight=False)
