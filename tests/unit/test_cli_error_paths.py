"""Every command of the ``nexus-graph`` CLI has an error-path test: a bad argument gives one ``Error:`` line.

The commands are enumerated from the typer app itself, so a new command fails
:func:`test_every_command_has_an_error_path` until it gets a row in :data:`BAD_ARGUMENTS`. Each row
is a bad argument, checked before anything is read or written: the process exits 2 with exactly
one line on stderr, nothing on stdout, and no file appears. The Neo4j address is a closed port, so
a command that connected before checking its arguments would exit 1 with a connection error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from nexus_graph.cli import app, main

FILE = "{file}"  # an existing plain file, where a folder is expected
MISSING = "{missing}"  # a path that does not exist
# command path -> (arguments, text the one error line must contain)
BAD_ARGUMENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "backfill": (("--start", "2021-13-01"), "--start must be an ISO date YYYY-MM-DD (got '2021-13-01')."),
    "browser": (("--write-guide", MISSING + "/sub/guide.html", "extra"), "Got unexpected extra argument(s) (extra)."),
    "centralities": (("--start", "2024-05-31", "--end", "2024-01-31"), "No month-end between --start 2024-05-31"),
    "db init": (("extra",), "Got unexpected extra argument(s) (extra)."),
    "db status": (("extra",), "Got unexpected extra argument(s) (extra)."),
    "demo": (("--signal", "momentum"), "--signal must be 'drift' or 'none' (got 'momentum')."),
    "demo-data": ((MISSING, "--scale", "0"), "Invalid value for '--scale'"),
    "drift-noise": (("--end", "31/03/2026"), "--end must be an ISO date YYYY-MM-DD (got '31/03/2026')."),
    "export": (("embeddings", "--start", "2021-13-01", "--end", "2021-12-31", "--out", MISSING),
               "--start must be an ISO date YYYY-MM-DD (got '2021-13-01')."),
    "evaluate": (("graph_gnn_embedding_drift", "--horizons", "21,x"), "--horizons must be comma-separated"),
    "factors import": ((FILE, "--name", "Margin Score"), "--name must be 2 to 64 lower-case letters"),
    "import 13f": ((MISSING, "--cusip-map", MISSING, "--out", FILE), "exists and is not a folder"),
    "import apple-suppliers": ((MISSING, "--out", FILE), "exists and is not a folder"),
    "import form4": ((MISSING, "--out", FILE), "exists and is not a folder"),
    "import prices": ((MISSING, "--out", FILE), "exists and is not a folder"),
    "import real-dataset": (("--out", MISSING, "--format", "xml"), "--format must be csv or parquet (got 'xml')"),
    "load": ((MISSING, "--batch-size", "0"), "Invalid value for '--batch-size'"),
    "models compare": (("only-one",), "Missing argument 'second'."),
    "models list": (("extra",), "Got unexpected extra argument(s) (extra)."),
    "models show": ((), "Missing argument 'version'."),
    "neo4j install": (("extra",), "Got unexpected extra argument(s) (extra)."),
    "neo4j start": (("--timeout", "soon"), "Invalid value for '--timeout'"),
    "neo4j status": (("extra",), "Got unexpected extra argument(s) (extra)."),
    "neo4j stop": (("extra",), "Got unexpected extra argument(s) (extra)."),
    "paper-trade": (("--quantile", "0.9"), "quantile must be in (0, 0.5]"),
    "registry list": (("extra",), "Got unexpected extra argument(s) (extra)."),
    "registry note": (("drift", "--text", "x", "--file", FILE), "Pass the note with one of --text or --file"),
    "registry show": ((), "Missing argument 'name'."),
    "report": (("--out", MISSING), "Missing option '--run-dir'."),
    "snapshot": (("--asof", "2023-12-31", "--via", "graphql"), "--via must be 'bulk' or 'cypher' (got 'graphql')."),
    "train": (("--device", "tpu"), "--device must be auto, cpu or cuda (got 'tpu')."),
    "validate-embeddings": (("--checks-file", MISSING), "Cannot read --checks-file"),
}


def leaf_commands() -> Iterator[str]:
    """Every command path of the typer app (``"load"``, ``"db init"``, ...)."""
    def walk(command: object, path: tuple[str, ...]) -> Iterator[str]:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                yield from walk(child, (*path, name))
        else:
            yield " ".join(path)

    yield from walk(typer.main.get_command(app), ())


def test_every_command_has_an_error_path() -> None:
    commands = set(leaf_commands())
    assert len(commands) >= 20
    missing, stale = sorted(commands - set(BAD_ARGUMENTS)), sorted(set(BAD_ARGUMENTS) - commands)
    assert not missing, f"commands without an error-path row in BAD_ARGUMENTS: {missing}"
    assert not stale, f"rows for commands that no longer exist: {stale}"


@pytest.mark.parametrize("command", sorted(BAD_ARGUMENTS))
def test_a_bad_argument_gives_one_error_line_exit_2_and_writes_nothing(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    existing = work / "a-file.txt"
    existing.write_text("not a folder\n", encoding="utf-8")
    args, expected = BAD_ARGUMENTS[command]
    args = tuple(a.format(file=existing, missing=work / "missing") for a in args)
    monkeypatch.chdir(work)
    for name, value in {"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x" * 12,
                        "NEXUS_GRAPH_DATA_HOME": str(work / "data"), "NEXUS_GRAPH_TODAY": "2026-04-30"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["nexus-graph", *command.split(), *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert exit_.value.code == 2, err
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert expected in lines[0]
    assert out == ""
    assert sorted(p.name for p in work.rglob("*")) == ["a-file.txt"]


def test_evaluate_rule_must_be_holm_or_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(BAD_ARGUMENTS, "evaluate", (("graph_gnn_embedding_drift", "--rule", "bonferroni"),
                                                    "--rule must be 'holm' or 'seed' (got 'bonferroni')."))
    test_a_bad_argument_gives_one_error_line_exit_2_and_writes_nothing("evaluate", tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize(("command", "args", "expected"), [
    ("paper-trade", ("--composite", "a,b", "--weights", "1"),
     "--weights needs one weight per --composite factor: 2 factor(s) (a, b) but 1 weight(s) (1)."),
    ("paper-trade", ("--composite", "a,b", "--weights", "1,-1"), "--weights must be finite and >= 0 (got -1)"),
    ("paper-trade", ("--composite", "a,b", "--weights", "0,0"), "--weights must not all be 0"),
    ("paper-trade", ("--composite", "a"), "--composite needs at least two factor names"),
    ("paper-trade", ("--signal", "a", "--composite", "a,b"), "Pass either --signal or --composite, not both."),
    ("paper-trade", ("--weights", "1,1"), "--weights needs --composite A,B"),
    ("factors import", (FILE, "--name", "graph_margin"), "--name must not start with 'graph_'"),
    ("factors import", (FILE, "--name", "margin", "--origin", "vendor"),
     "--origin must be fundamental, price or external (got 'vendor')."),
    ("factors import", (MISSING + ".csv", "--name", "margin"), "no such file; expected a .csv or .parquet"),
    ("factors import", (FILE, "--name", "margin"), "a-file.txt: got a .txt file; expected .csv or .parquet"),
])
def test_composite_and_factor_import_arguments(command: str, args: tuple[str, ...], expected: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(BAD_ARGUMENTS, command, (args, expected))
    test_a_bad_argument_gives_one_error_line_exit_2_and_writes_nothing(command, tmp_path, monkeypatch, capsys)


# further bad arguments of `train`: --processes
TRAIN_PROCESSES_ROWS = {
    "below one": (("--processes", "0"), "--processes must be at least 1 (got 0)."),
    "with --full-batch": (("--processes", "2", "--full-batch"),
                          "--processes 2 trains the mini-batch path over several processes, but --full-batch was "
                          "given; drop --full-batch (or pass --minibatch)."),
    "more than the GPUs": (("--processes", "64", "--device", "cuda"),
                           "--processes 64 with --device cuda needs 64 GPUs on this machine (nccl, one GPU per "
                           "process) but torch sees"),
    "with the stacked decoder": (("--processes", "2", "--decoder", "stacked"),
                                 "--processes 2 trains the bilinear decoder on the reconstruct objective only"),
}


@pytest.mark.parametrize("row", sorted(TRAIN_PROCESSES_ROWS))
def test_train_processes_bad_arguments(row: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setitem(BAD_ARGUMENTS, "train", TRAIN_PROCESSES_ROWS[row])
    test_a_bad_argument_gives_one_error_line_exit_2_and_writes_nothing("train", tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize(("args", "expected"), [
    (("--decoder", "mlp"), "--decoder must be one of bilinear, stacked, combined (got 'mlp')."),
    (("--objective", "future"), "--objective must be one of reconstruct, windows, both (got 'future')."),
    (("--mix", "half"), "--mix must be one of fixed, fitted (got 'half')."),
    (("--select", "best"), "--select must be one of last, held-back (got 'best')."),
    (("--select-min-z", "2"), "--select-min-z guards the held-back selection (got --select last); add --select "
                              "held-back --mix fitted, or leave --select-min-z at 0."),
])
def test_train_decoder_objective_and_mix_are_checked(args: tuple[str, ...], expected: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(BAD_ARGUMENTS, "train", (args, expected))
    test_a_bad_argument_gives_one_error_line_exit_2_and_writes_nothing("train", tmp_path, monkeypatch, capsys)
