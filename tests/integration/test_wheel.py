"""The wheel a user installs: built from this checkout, installed with its declared dependencies only.

The fresh virtualenv sees no more than the closure of the wheel's ``Requires-Dist`` (markers
evaluated, extras left out), taken from the shared dependency environment through a folder of
symlinks -- so nothing is downloaded, and a module importing an undeclared package fails here. In it:
``nexus-graph --help`` works, every module of the package imports, and a ``.cypher`` file is read
from the installed package (not from the checkout).
"""

from __future__ import annotations

import importlib.metadata as md
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

CHECK = r"""
import importlib, pkgutil, sys
from pathlib import Path
import nexus_graph
from nexus_graph.store import catalog
here = Path(nexus_graph.__file__).resolve()
assert Path(sys.prefix).resolve() in here.parents, here  # the installed copy, not the checkout
names = [m.name for m in pkgutil.walk_packages(nexus_graph.__path__, "nexus_graph.")
         if m.name != "nexus_graph.__main__"]  # runs the CLI
for name in names:
    importlib.import_module(name)
root = catalog.cypher_root()
assert here.parent in root.parents, root
text = catalog.statement("browser/supply_chain")
assert "SUPPLIES" in text
print(len(names), "modules;", len(catalog.names()), "statements from", root)
"""


def _closure(requirements: list[str]) -> dict[str, md.Distribution]:
    """Installed distributions needed by ``requirements`` (markers evaluated, requested extras followed)."""
    found: dict[str, tuple[md.Distribution, set[str]]] = {}
    todo: list[tuple[Requirement, set[str]]] = [(Requirement(r), set()) for r in requirements]
    while todo:
        req, parent_extras = todo.pop()
        if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in parent_extras | {""}):
            continue
        name = req.name.lower().replace("_", "-")
        if name in found and set(req.extras) <= found[name][1]:
            continue
        # the first copy on sys.path that satisfies it (this checkout's .venv may hold an older pip/setuptools)
        candidates = [d for d in md.distributions(name=req.name) if req.specifier.contains(d.version, prereleases=True)]
        assert candidates, f"{req} (needed by the wheel) is not in the dependency environment"
        extras = set(req.extras) | (found[name][1] if name in found else set())
        found[name] = (candidates[0], extras)
        todo += [(Requirement(r), extras) for r in candidates[0].requires or []]
    return {name: dist for name, (dist, _) in found.items()}


def _view(dists: dict[str, md.Distribution], folder: Path) -> None:
    """``folder``: symlinks to the top-level files and folders of ``dists`` only."""
    folder.mkdir()
    for dist in dists.values():
        site = Path(dist.locate_file(""))
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops - {"__pycache__"}:
            if (site / top).exists() and not (folder / top).exists():
                (folder / top).symlink_to(site / top)


def test_wheel_installs_with_declared_dependencies_only(tmp_path: Path) -> None:
    dist_dir = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(dist_dir), str(ROOT)], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next(dist_dir.glob("nexus_graph-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))).decode()
        assert any(n.startswith("nexus_graph/cypher/browser/") for n in archive.namelist())
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    runtime = [r for r in requires if "extra ==" not in r]
    assert any(r.startswith("empyrical-reloaded") for r in runtime)  # imported by trading/stats.py at run time

    _view(_closure(runtime), tmp_path / "deps")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "declared_deps.pth").write_text(f"import site; site.addsitedir({str(tmp_path / 'deps')!r})\n")
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index",
                                "--no-build-isolation", "-q", str(wheel)], capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-3000:]

    helped = subprocess.run([str(venv / "bin" / "nexus-graph"), "--help"], capture_output=True, text=True,
                            cwd=tmp_path, check=False, timeout=300)
    assert helped.returncode == 0 and "browser" in helped.stdout, helped.stderr[-3000:]
    checked = subprocess.run([str(python), "-c", CHECK], capture_output=True, text=True, cwd=tmp_path, check=False,
                             timeout=600)
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "statements from" in checked.stdout
