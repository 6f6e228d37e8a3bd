"""``nexus-graph registry list | show NAME | note NAME``: the signal registry in Neo4j."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from nexus_graph.cli.common import console, open_store, print_json
from nexus_graph.errors import UsageError
from nexus_graph.pipeline.registry import SignalView, registry_list, registry_note, registry_show

ORDER = 80

registry_app = typer.Typer(help="The signal registry: every verdict and every test, rejected ones too.",
                           no_args_is_help=True)

STATUS_STYLE = {"alpha": "green", "candidate": "yellow", "rejected": "red", "declining": "magenta"}
# (header, SignalTest property, number format) of the `show` table; every property is in --json
SHOW_COLUMNS = [("tested", "testedAt", ""), ("run", "runId", ""), ("h", "horizon", ""), ("N", "n", ""),
                ("mean IC", "meanIc", "+.4f"), ("t", "t", "+.2f"), ("rob t", "robustT", "+.2f"),
                ("df", "robustDof", ""), ("rob bar", "robustBar", ".2f"), ("BHY p", "bhyP", ".2g"),
                ("", "passes", "")]


def compact_table(title: str) -> Table:
    """A borderless table that fits 80 columns."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
                 show_edge=False)


def _cell(value: object, spec: str = "") -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, float) and spec:
        return format(value, spec)
    return str(value)


@registry_app.command("list")
def list_command(json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Every registered signal: type, evidence tier, status, headline robust t, runs and tests."""
    with open_store() as store:
        frame = registry_list(store)
    if json_out:
        from nexus_graph.report.run_files import jsonable

        print_json(jsonable(frame.to_dict(orient="records")))
        return
    if frame.empty:
        console.print("The registry is empty: run `nexus-graph evaluate FACTOR` to register a signal.")
        return
    table = compact_table("Signal registry (rob t: highest |robust t| across horizons, at h; * has a note; "
                          "all fields: --json)")
    for column in ("name", "type", "tier", "status", "rob t", "h", "HLZ", "runs", "tests"):
        table.add_column(column, no_wrap=column != "name", min_width=12 if column == "name" else None,
                         justify="right" if column in ("rob t", "runs", "tests") else "left")
    for r in frame.itertuples(index=False):
        table.add_row(r.name + (" *" if r.has_note is True else ""), _cell(r.type), _cell(r.tier), _status(r.status),
                      _cell(_float(r.t_stat), "+.2f"), _horizon(r.t_stat_horizon), _yes(r.hlz_passes),
                      str(r.runs), str(r.tests))
    console.print(table)


def _float(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _horizon(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{int(value)} d"  # type: ignore[call-overload]


def _yes(value: object) -> str:
    return "–" if value is None or (isinstance(value, float) and pd.isna(value)) else ("pass" if value else "fail")


def _date(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"  # type: ignore[arg-type]


def _status(status: object) -> str:
    style = STATUS_STYLE.get(str(status or ""), "")
    return f"[{style}]{status}[/]" if style else _cell(status)


@registry_app.command("show")
def show_command(
    name: str = typer.Argument(..., help="Signal name, e.g. graph_gnn_embedding_drift."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """One signal: status, tier, headline t, the evidence note, your note, its status history and every test."""
    with open_store() as store:
        view = registry_show(store, name)
    if json_out:
        from nexus_graph.report.run_files import jsonable

        signal = {k: v for k, v in view.signal.items() if k != "regimeProfile"}
        print_json(jsonable({"signal": signal, "regime_profile": view.profile, "history": view.history,
                             "tests": view.tests.to_dict(orient="records")}))
        return
    print_signal(name, view)


def print_signal(name: str, view: SignalView) -> None:
    """The terminal form of ``registry show``: facts, reasons, evidence, note, history, tests."""
    signal, profile = view.signal, view.profile or {}
    t, h = _float(signal.get("tStat")), signal.get("tStatHorizon")
    console.print(f"[bold]{escape(name)}[/]: {_status(signal.get('status'))} (verdict {signal.get('verdict')}, "
                  f"type {signal.get('type')}, tier {signal.get('tier')}, robust t {_cell(t, '+.2f')}"
                  + (f" at {h} d" if h is not None else "")
                  + f", HLZ {_yes(signal.get('hlzPasses'))}, model {signal.get('modelVersion') or '–'})",
                  highlight=False)
    if signal.get("statusReason"):
        console.print(f"  status: {escape(str(signal['statusReason']))}", highlight=False)
    for reason in signal.get("reasons") or []:
        console.print(f"  - {escape(str(reason))}", highlight=False)
    if signal.get("everRejected"):
        console.print("  [red]rejected at least once[/]")
    if profile.get("evidence"):
        console.print(f"\n[bold]Evidence[/]: {escape(profile['evidence'])}", highlight=False)
    if signal.get("noteMarkdown"):
        console.print("\n[bold]Note[/]:", highlight=False)
        console.print(escape(str(signal["noteMarkdown"])), highlight=False)
    if view.history:
        history = compact_table(f"\nStatus history ({len(view.history)} change(s))")
        for column in ("at", "from", "to", "run", "data to", "why"):
            history.add_column(column, no_wrap=column != "why")
        for change in view.history:
            history.add_row(_date(change.get("at")), _cell(change.get("from")), _status(change.get("status")),
                            str(change.get("run_id") or "")[:8], _date(change.get("last_date")),
                            escape(str(change.get("reason") or "")))
        console.print(history)
    tests = view.tests
    if tests.empty:
        console.print("No tests recorded.")
        return
    table = compact_table(f"{len(tests)} test(s), one per run and horizon (figures: `registry show --json`)")
    for header, _, _ in SHOW_COLUMNS:
        table.add_column(header, justify="left" if header in ("tested", "run", "") else "right", no_wrap=True)
    for record in tests.to_dict(orient="records"):
        cells = []
        for _, key, spec in SHOW_COLUMNS:
            value = record.get(key)
            if key == "testedAt" and value is not None:
                value = f"{pd.Timestamp(value):%Y-%m-%d}"
            elif key == "runId" and isinstance(value, str):
                value = value[:8]
            elif key == "horizon" and value is not None:
                value = f"{value} d"
            elif key == "passes":
                value = "pass" if value else "fail"
            cells.append(_cell(value, spec))
        table.add_row(*cells)
    console.print(table)


def note_text(text: str | None, file: Path | None, clear: bool) -> str | None:
    """The note from exactly one of ``--text``, ``--file``, stdin (None with ``--clear``); checked before connecting."""
    given = [option for option, value in (("--text", text), ("--file", file)) if value is not None]
    if clear and given:
        raise UsageError(f"--clear removes the note; do not pass {given[0]} with it.")
    if clear:
        return None
    if len(given) > 1:
        raise UsageError("Pass the note with one of --text or --file (or on stdin), not both.")
    if file is not None:
        try:
            body = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"Cannot read --file {file}: {exc.__class__.__name__}: {exc}.") from None
    elif text is not None:
        body = text
    elif sys.stdin is None or sys.stdin.isatty():
        raise UsageError("No note given: pass --text TEXT, --file PATH, or pipe the text on stdin.")
    else:
        body = sys.stdin.read()
    if not body.strip():
        raise UsageError("The note is empty; pass some text (or --clear to remove the note).")
    return body.rstrip("\n")


@registry_app.command("note")
def note_command(
    name: str = typer.Argument(..., help="Signal name, e.g. graph_gnn_embedding_drift."),
    text: str | None = typer.Option(None, "--text", help="The note (Markdown)."),
    file: Path | None = typer.Option(None, "--file", help="Read the note (Markdown) from this file."),
    clear: bool = typer.Option(False, "--clear", help="Remove the signal's note."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Set a signal's free-text note (Markdown) from --text, --file or stdin; it replaces the previous note."""
    body = note_text(text, file, clear)
    with open_store() as store:
        stored = registry_note(store, name, body)
    if json_out:
        print_json({"signal": name, "note": stored})
        return
    if stored is None:
        console.print(f"Removed the note of {escape(name)}.", highlight=False)
    else:
        console.print(f"Saved the note of {escape(name)} ({len(stored)} characters); "
                      f"see `nexus-graph registry show {escape(name)}`.", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(registry_app, name="registry")
