"""``registry note``'s argument handling: exactly one source of text, checked before connecting."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nexus_graph.cli.registry_cmd import note_text
from nexus_graph.errors import UsageError


class Stdin(io.StringIO):
    def __init__(self, text: str, tty: bool = False) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_the_note_comes_from_text_file_or_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", Stdin("piped\n\n"))
    assert note_text("**bold**", None, False) == "**bold**"
    note = tmp_path / "n.md"
    note.write_text("# Title\n\nbody\n", encoding="utf-8")
    assert note_text(None, note, False) == "# Title\n\nbody"
    assert note_text(None, None, False) == "piped"
    assert note_text(None, None, True) is None


@pytest.mark.parametrize(("text", "file", "clear", "stdin", "message"), [
    ("a", "FILE", False, "", "Pass the note with one of --text or --file (or on stdin), not both."),
    ("a", None, True, "", "--clear removes the note; do not pass --text with it."),
    (None, None, False, None, "No note given: pass --text TEXT, --file PATH, or pipe the text on stdin."),
    (" \n", None, False, "", "The note is empty; pass some text (or --clear to remove the note)."),
    (None, None, False, "\n", "The note is empty"),
    (None, "MISSING", False, "", "Cannot read --file "),
])
def test_bad_note_arguments_are_usage_errors(text: str | None, file: str | None, clear: bool, stdin: str | None,
                                             message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    existing = tmp_path / "n.md"
    existing.write_text("x", encoding="utf-8")
    path = {"FILE": existing, "MISSING": tmp_path / "missing.md", None: None}[file]
    monkeypatch.setattr("sys.stdin", Stdin("", tty=True) if stdin is None else Stdin(stdin))
    with pytest.raises(UsageError) as error:
        note_text(text, path, clear)
    assert str(error.value).startswith(message)
