"""The analysts' guide and the Browser queries, without a database: headers, guide HTML, zip, APOC strip, CLI."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nexus_graph.server import guide, plugins
from nexus_graph.store import catalog

ROOT = Path(__file__).resolve().parents[2]


def test_guide_order_lists_every_browser_query_once() -> None:
    assert sorted(guide.ORDER) == [n.removeprefix("browser/") for n in catalog.names("browser")]
    assert len(set(guide.ORDER)) == len(guide.ORDER) >= 12


@pytest.mark.parametrize("name", guide.ORDER)
def test_header_declares_exactly_the_parameters_used(name: str) -> None:
    query = guide.browser_query(name)
    assert len(query.description) > 40, f"{name}: the header must say what the query answers"
    used = set(re.findall(r"\$(\w+)", query.text))
    assert used == set(query.params), f"{name}: header :param lines {sorted(query.params)} vs used {sorted(used)}"
    query.param_values()  # every default parses


def test_param_literals() -> None:
    assert guide.param_value("'NVDA'") == "NVDA"
    assert guide.param_value("10") == 10
    assert guide.param_value("null") is None
    assert guide.param_value("date('2023-12-31')") == dt.date(2023, 12, 31)
    with pytest.raises(Exception, match="Unsupported :param literal"):
        guide.param_value("[1, 2]")


def test_guide_html_offers_every_query_with_its_parameters() -> None:
    page = guide.guide_html()
    assert page.count("<slide") == len(guide.ORDER) + 2  # the graph model and the point-in-time rule first
    for query in guide.browser_queries():
        assert html.escape(query.text) in page
        if query.params:
            assert html.escape(query.params_command()) in page
    assert html.escape(":params {company: 'NVDA', asOf: '2023-12-31', hops: 2}") in page


def test_compose_copy_of_the_guide_is_current() -> None:
    served = (ROOT / "docker" / "guide" / guide.GUIDE_FILE).read_text(encoding="utf-8")
    assert served == guide.guide_html(), \
        "regenerate it: nexus-graph browser --write-guide docker/guide/nexus-graph.html"


def test_browser_zip_has_the_browser_and_the_guide_folders_first(tmp_path: Path) -> None:
    jar = tmp_path / "neo4j-browser-5.24.0.jar"
    with zipfile.ZipFile(jar, "w") as out:
        out.writestr("META-INF/MANIFEST.MF", "x")
        out.writestr("browser/index.html", "<title>Neo4j Browser</title>")
        out.writestr("browser/assets/images/a.png", "png")  # no folder entries: the zip must add them
    target = tmp_path / "web" / "neo4j-browser.zip"
    target.parent.mkdir()
    guide.write_browser_zip(jar, target, "<p>guide</p>")
    names = zipfile.ZipFile(target).namelist()
    assert names[0] == "browser/"  # the server serves the first entry
    for i, name in enumerate(names):  # the server creates folders one level at a time
        parent = name.rstrip("/").rsplit("/", 1)[0] + "/"
        assert name == "browser/" or parent in names[:i], name
    assert zipfile.ZipFile(target).read("browser/guides/nexus-graph.html") == b"<p>guide</p>"
    assert "browser/index.html" in names and "META-INF/MANIFEST.MF" not in names


def test_apoc_strip_drops_what_the_server_provides(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    with zipfile.ZipFile(lib / "commons-lang3.jar", "w") as out:
        out.writestr("org/apache/commons/lang3/StringUtils.class", "new")
    release = tmp_path / "apoc-core.jar"
    with zipfile.ZipFile(release, "w") as out:
        for name in ("META-INF/MANIFEST.MF", "META-INF/services/apoc.ApocGlobalComponents",
                     "META-INF/maven/org.apache.commons/commons-lang3/pom.xml", "apoc/path/PathExplorer.class",
                     "org/apache/commons/lang3/StringUtils.class", "org/apache/commons/lang3/OldOnly.class",
                     "org/roaringbitmap/RoaringBitmap.class", "apoc/util/s3/S3Aws.class",
                     "com/opencsv/bean/CsvToBeanBuilder.class", "com/opencsv/CSVReader.class"):
            out.writestr(name, "x")
    dropped = plugins.strip_jar(release, tmp_path / "stripped.jar", plugins.lib_packages(lib))
    kept = zipfile.ZipFile(tmp_path / "stripped.jar").namelist()
    assert sorted(kept) == sorted(["META-INF/MANIFEST.MF", "META-INF/services/apoc.ApocGlobalComponents",
                                   "apoc/path/PathExplorer.class", "org/roaringbitmap/RoaringBitmap.class",
                                   "com/opencsv/CSVReader.class"])
    assert len(dropped) == 5


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    return subprocess.run([sys.executable, "-m", "nexus_graph", *args], capture_output=True, text=True,
                          env={**clean, **env}, check=False, timeout=120)


def test_browser_command_help_and_error_without_a_server() -> None:
    assert _cli("browser", "--help", env={}).returncode == 0
    out = _cli("browser", "--no-open", env={"NEXUS_GRAPH_HTTP_PORT": "9"})
    assert out.returncode == 1
    assert out.stderr.strip() == (
        "Error: The local Neo4j does not serve the guide at http://127.0.0.1:9/browser/guides/nexus-graph.html. "
        "Start (or restart) it with `nexus-graph neo4j start`, which installs the guide, then run "
        "`nexus-graph browser` again.")


def test_browser_command_for_a_remote_server_writes_the_guide(tmp_path: Path) -> None:
    out = _cli("browser", "--json", "--no-open", "--write-guide", str(tmp_path / "g.html"),
               env={"NEO4J_URI": "neo4j://db.example.com:7687", "NEXUS_GRAPH_GUIDE_URL": "https://g.example.com/n.html"})
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["browser_url"] == "http://db.example.com:7474/browser/"
    assert summary["play"] == ":play https://g.example.com/n.html"
    assert (tmp_path / "g.html").read_text(encoding="utf-8") == guide.guide_html()
