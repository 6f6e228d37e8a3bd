"""APOC core for the local server, from Maven Central, without the classes the server already has.

``org.neo4j.procedure:apoc-core:5.26.0`` is published twice: the plain jar holds only the
procedures of the core module (``apoc.ApocConfig`` and the rest of apoc-common are missing, so the
server cannot load it), and the ``core`` classifier is the release jar, with apoc-common and its
third-party libraries shaded in. Those libraries (commons-lang3 3.12, commons-text, slf4j) are older
copies of jars in the server's ``lib/``; two versions of one package on a server would mix classes
at run time. :func:`strip_jar` therefore drops every package of the release jar that ``lib/``
already provides, and the classes of optional integrations whose libraries APOC core does not ship
(Arrow, S3, Google Cloud Storage, Gson / Jakarta JSON, opencsv's bean binding): the server tries to
load every class of a plugin jar and logs a ``NoClassDefFoundError`` warning for each of those.
The stripped jar is cached beside the server jars (it depends on both).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from nexus_graph.errors import NexusError

APOC_VERSION = "5.26.0"
APOC_ARTIFACT = f"org.neo4j.procedure:apoc-core:{APOC_VERSION}:jar:core"
APOC_JAR = f"apoc-{APOC_VERSION}-core.jar"  # the name in plugins/
_KEEP = ("META-INF/MANIFEST.MF", "META-INF/services/", "META-INF/LICENSE", "META-INF/NOTICE")
# classes that need libraries APOC core does not bundle (they fail to load on every server start)
UNLOADABLE = (
    "apoc/export/arrow/", "apoc/load/LoadArrow", "apoc/util/s3/", "apoc/util/google/", "com/opencsv/bean/",
    "com/jayway/jsonpath/spi/json/GsonJsonProvider", "com/jayway/jsonpath/spi/json/JakartaJsonProvider",
    "com/jayway/jsonpath/spi/json/JsonOrgJsonProvider", "com/jayway/jsonpath/spi/mapper/GsonMappingProvider",
    "com/jayway/jsonpath/spi/mapper/JakartaMappingProvider",
)


_STRIP_KEY = hashlib.sha256(repr((UNLOADABLE, _KEEP)).encode()).hexdigest()[:8]  # a new strip rule, a new jar


def lib_packages(lib: Path) -> set[str]:
    """Every package folder (``org/slf4j/helpers/``) holding a class in the jars of ``lib``."""
    packages: set[str] = set()
    for jar in lib.glob("*.jar"):
        with zipfile.ZipFile(jar) as archive:
            packages |= {name.rsplit("/", 1)[0] + "/" for name in archive.namelist()
                         if name.endswith(".class") and "/" in name and not name.startswith("META-INF/")}
    return packages


def strip_jar(source: Path, target: Path, provided: set[str]) -> list[str]:
    """Copy ``source`` to ``target`` without the entries in ``provided`` packages; return those dropped.

    Dropped: classes and resources of a package the server provides (its version wins), the
    :data:`UNLOADABLE` integrations, and the ``META-INF/versions`` and ``META-INF/maven`` leftovers
    of the shaded libraries. Kept: APOC's own packages, its service registrations and its manifest.
    """
    dropped: list[str] = []
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            name = info.filename
            package = name.rsplit("/", 1)[0] + "/" if "/" in name.rstrip("/") else ""
            meta_leftover = name.startswith("META-INF/") and not name.startswith(_KEEP) and name != "META-INF/"
            if (not name.startswith("apoc/") and package in provided) or meta_leftover or name.startswith(UNLOADABLE):
                dropped.append(name)
                continue
            out.writestr(info, src.read(name))
    partial.replace(target)
    return dropped


def apoc_jar(lib: Path, cache: Path, log: Callable[[str], None] = print) -> Path:
    """The stripped APOC core jar for the server jars in ``lib``, cached under ``cache``."""
    target = cache / f"apoc-{APOC_VERSION}-core-stripped-{_STRIP_KEY}.jar"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as work:
        release = fetch_apoc(Path(work), log)
        dropped = strip_jar(release, Path(work) / target.name, lib_packages(lib))
        log(f"APOC {APOC_VERSION}: dropped {len(dropped)} entries the server's lib/ already provides.")
        (Path(work) / target.name).replace(target)
    return target


def fetch_apoc(folder: Path, log: Callable[[str], None] = print) -> Path:
    """Download the APOC core release jar from Maven Central into ``folder`` with Maven."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise NexusError("Maven (mvn) is not installed; run scripts/bootstrap.sh or `apt-get install maven`.")
    log(f"Fetching APOC core {APOC_VERSION} ({APOC_ARTIFACT}) from Maven Central ...")
    result = subprocess.run(
        [mvn, "-q", "-B", "dependency:copy", f"-Dartifact={APOC_ARTIFACT}", f"-DoutputDirectory={folder}"],
        cwd=folder, capture_output=True, text=True, check=False,
    )
    jar = folder / f"apoc-core-{APOC_VERSION}-core.jar"
    if result.returncode != 0 or not jar.is_file():
        raise NexusError(f"Maven could not fetch {APOC_ARTIFACT} (exit {result.returncode}):\n"
                         f"{(result.stdout + result.stderr)[-2000:]}")
    return jar


def install_plugin(jar: Path, plugins: Path, name: str = APOC_JAR) -> bool:
    """Copy ``jar`` into ``plugins`` as ``name`` (other APOC jars removed); False when already there."""
    plugins.mkdir(parents=True, exist_ok=True)
    target = plugins / name
    changed = False
    for other in plugins.glob("apoc-*.jar"):
        if other.name != name:
            other.unlink()
            changed = True
    if target.is_file() and _sha256(target) == _sha256(jar):
        return changed
    partial = target.with_suffix(".partial")  # a running server keeps the old file until it restarts
    shutil.copyfile(jar, partial)
    partial.replace(target)
    return True


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
