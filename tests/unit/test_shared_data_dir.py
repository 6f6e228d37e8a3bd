"""Where the shared real-data folder is looked for: the variable, beside the checkout, beside its origin."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from nexus_graph import settings


def _git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """work/main (a repository) beside work/shared/data, and a clone of it elsewhere."""
    main = tmp_path / "work" / "main"
    (tmp_path / "work" / "shared" / "data").mkdir(parents=True)
    main.mkdir()
    _git("init", "-q", str(main))
    _git("-C", str(main), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x")
    clone = tmp_path / "elsewhere" / "clone"
    _git("clone", "-q", str(main), str(clone))
    return {"main": main, "clone": clone, "shared": tmp_path / "work" / "shared" / "data"}


def test_beside_the_checkout(layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEXUS_GRAPH_SHARED_DATA", raising=False)
    monkeypatch.setattr(settings, "project_root", lambda: layout["main"])
    assert settings.shared_data_dir() == layout["shared"]


def test_a_clone_elsewhere_finds_it_beside_its_origin(layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEXUS_GRAPH_SHARED_DATA", raising=False)
    monkeypatch.setattr(settings, "project_root", lambda: layout["clone"])
    assert settings.shared_data_dir() == layout["shared"].resolve()


def test_the_variable_wins_and_a_network_origin_is_ignored(layout: dict[str, Path], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "project_root", lambda: layout["clone"])
    monkeypatch.setenv("NEXUS_GRAPH_SHARED_DATA", str(tmp_path / "mine"))
    assert settings.shared_data_dir() == (tmp_path / "mine").resolve()
    monkeypatch.delenv("NEXUS_GRAPH_SHARED_DATA")
    _git("-C", str(layout["clone"]), "remote", "set-url", "origin", "https://example.org/nexus-graph.git")
    assert settings._clone_origin() is None
    assert settings.shared_data_dir() == layout["clone"].parent / "shared" / "data"  # beside the clone, absent
