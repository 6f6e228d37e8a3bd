"""The analysts' Neo4j Browser guide, rendered from the queries in ``cypher/browser/``.

Each query file starts with a header comment: what it answers, then one ``// :param name => value``
line per parameter with the demo's default. The guide (``:play`` HTML: a carousel of slides) shows
the graph model and the point-in-time rule, then one slide per query with a runnable ``:params``
block and the statement itself -- the file's text, so the guide can never drift from the catalog.

The local server serves the guide from its ``web/`` folder: Neo4j 5 serves Neo4j Browser from a
``neo4j-browser*.zip`` found there (setting ``internal.dbms.web_dir_path``, default ``<home>/web``)
instead of the copy on its class path, so :func:`write_browser_zip` repacks the Browser jar with the
guide added under ``browser/guides/``; the guide is then same-origin with the Browser.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nexus_graph.errors import NexusError
from nexus_graph.store import catalog

GUIDE_FILE = "nexus-graph.html"
GUIDE_PATH = f"guides/{GUIDE_FILE}"  # below /browser/ on the local server
# story order of the slides; a test keeps it equal to the files of cypher/browser/
ORDER = (
    "snapshot_counts", "supply_chain", "customers_sharing_supplier", "common_fund_owners", "board_interlocks",
    "relationship_changes", "late_disclosures", "nearest_peers", "drift_leaders_laggards", "company_history",
    "centrality_over_time", "embedding_drift_over_time", "factor_history", "signal_registry", "model_versions",
)
_PARAM = re.compile(r"^//\s*:param\s+(?P<name>\w+)\s*=>\s*(?P<value>.+?)\s*$")
_DATE = re.compile(r"^date\('(\d{4}-\d{2}-\d{2})'\)$")


@dataclass(frozen=True)
class BrowserQuery:
    """One query of ``cypher/browser/``: its header and its statement."""

    name: str
    description: str  # the header's prose
    params: dict[str, str]  # parameter -> Cypher literal of its demo default, in header order
    text: str  # the statement, comments removed

    @property
    def title(self) -> str:
        return self.name.replace("_", " ").capitalize()

    def params_command(self) -> str | None:
        """The Browser command setting this query's parameters to the demo defaults, or None."""
        if not self.params:
            return None
        return ":params {" + ", ".join(f"{k}: {v}" for k, v in self.params.items()) + "}"

    def param_values(self) -> dict[str, Any]:
        """The demo defaults as Python values (for the driver)."""
        return {k: param_value(v) for k, v in self.params.items()}


def param_value(literal: str) -> Any:
    """The Python value of a header literal: ``date('2023-12-31')``, ``'NVDA'``, ``10``, ``null``."""
    literal = literal.strip()
    if literal == "null":
        return None
    if (match := _DATE.match(literal)) is not None:
        return dt.date.fromisoformat(match.group(1))
    if len(literal) >= 2 and literal[0] == literal[-1] == "'":
        return literal[1:-1]
    try:
        return int(literal)
    except ValueError:
        raise NexusError(f"Unsupported :param literal {literal!r} in a cypher/browser/ header "
                         "(expected date('YYYY-MM-DD'), a quoted string, an integer or null).") from None


def browser_query(name: str) -> BrowserQuery:
    """The query ``cypher/browser/<name>.cypher`` with its parsed header."""
    raw = (catalog.cypher_root() / "browser" / f"{name}.cypher").read_text(encoding="utf-8")
    prose: list[str] = []
    params: dict[str, str] = {}
    for line in raw.splitlines():
        if not line.lstrip().startswith("//"):
            break
        if (match := _PARAM.match(line.strip())) is not None:
            params[match["name"]] = match["value"]
        elif not params:
            prose.append(line.strip().removeprefix("//").strip())
    statements = {full.removeprefix("browser/"): full for full in catalog.names("browser")}  # a closed set
    return BrowserQuery(name, " ".join(p for p in prose if p), params, catalog.statement(statements[name]))


def browser_queries() -> list[BrowserQuery]:
    """Every query of ``cypher/browser/`` in the guide's order."""
    return [browser_query(name) for name in ORDER]


_STYLE = """<style type="text/css" media="screen">
.nexus-graph table { border-collapse: collapse; margin: 6px 0; }
.nexus-graph td, .nexus-graph th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
</style>"""

_INTRO = """<slide class="row-fluid">
  <div class="col-sm-12">
    <h3>nexus-graph: the company graph, point in time</h3>
    <p class="lead">Who supplied whom, which funds owned which companies, which directors sat on which
    boards -- each relationship with the dates it was true and the date the market could first know it.</p>
    <table>
      <tr><th>element</th><th>properties</th></tr>
      <tr><td>(:Company)</td><td>id, name, kind (equity / extended), segment, country, listedFrom, listedTo;
        latest embedding, embeddingDrift, embeddingDate, modelVersion</td></tr>
      <tr><td>(:Fund)-[:OWNS]-&gt;(:Company)</td><td>validFrom, validTo, knownFrom, endKnownFrom, shares,
        valueUsd, pctOutstanding</td></tr>
      <tr><td>(:Director)-[:SITS_ON]-&gt;(:Company)</td><td>the interval dates, role</td></tr>
      <tr><td>(:Company)-[:SUPPLIES]-&gt;(:Company)</td><td>the interval dates, weight, source</td></tr>
      <tr><td>(:Company)-[:HAS_EMBEDDING]-&gt;(:Embedding)</td><td>date, modelVersion, vector, drift,
        lookAhead</td></tr>
      <tr><td>(:Company)-[:HAS_CENTRALITY]-&gt;(:CentralitySnapshot)</td><td>date, pagerank, degrees,
        boardInterlocks</td></tr>
      <tr><td>(:Company)-[:HAS_FACTOR]-&gt;(:FactorValue)</td><td>factor, modelVersion, date, value</td></tr>
      <tr><td>(:Signal)-[:HAS_TEST]-&gt;(:SignalTest), (:ModelVersion)</td><td>the signal registry and
        model provenance</td></tr>
    </table>
    <p>Set every parameter of the guide to the demo's defaults (each query slide also sets its own):</p>
    <pre class="pre-scrollable code runnable">{all_params}</pre>
  </div>
</slide>
<slide class="row-fluid">
  <div class="col-sm-12">
    <h3>The point-in-time rule</h3>
    <p class="lead">A relationship interval is visible at date <code>t</code> iff it was known and had
    started, and had not both ended and had its end made public:</p>
    <pre>r.knownFrom &lt;= t AND r.validFrom &lt;= t
AND NOT (r.validTo IS NOT NULL AND r.validTo &lt;= t
         AND coalesce(r.endKnownFrom, r.validTo) &lt;= t)</pre>
    <p>and both of its companies are listed at <code>t</code> (<code>listedFrom &lt;= t &lt; listedTo</code>,
    blank = open). An interval that has ended but whose end is not yet public still counts: that is
    what an investor at <code>t</code> believed. Every query of this guide applies the rule exactly as the
    snapshots the model is trained on (<code>cypher/snapshot/as_of_*.cypher</code>), and the tests check
    each one against the Python snapshot at the same date. Embeddings labelled <code>lookAhead</code>
    are left out.</p>
  </div>
</slide>"""

_QUERY = """<slide class="row-fluid">
  <div class="col-sm-12">
    <h3>{title}</h3>
    <p class="lead">{description}</p>
    {params_block}<pre class="pre-scrollable code runnable" data-query="{name}">{text}</pre>
    <p><small>cypher/browser/{name}.cypher</small></p>
  </div>
</slide>"""


def all_params_command(queries: list[BrowserQuery]) -> str:
    """One ``:params`` command with every parameter of the guide at its demo default."""
    merged: dict[str, str] = {}
    for query in queries:
        for key, value in query.params.items():
            merged.setdefault(key, value)
    return ":params {" + ", ".join(f"{k}: {v}" for k, v in merged.items()) + "}"


def guide_html() -> str:
    """The ``:play`` guide: the graph model, the point-in-time rule, then one slide per query."""
    queries = browser_queries()
    slides = [_INTRO.replace("{all_params}", html.escape(all_params_command(queries)))]
    for query in queries:
        command = query.params_command()
        block = "" if command is None else (
            f'<pre class="pre-scrollable code runnable" data-params="{query.name}">{html.escape(command)}</pre>\n    ')
        slides.append(_QUERY.format(title=html.escape(query.title), description=html.escape(query.description),
                                    params_block=block, name=query.name, text=html.escape(query.text)))
    body = "\n".join(slides)
    deck = f'<carousel class="deck container-fluid">\n{body}\n</carousel>'
    return f'{_STYLE}\n<div class="style nexus-graph">\n{deck}\n</div>\n'


def write_browser_zip(browser_jar: Path, target: Path, guide: str) -> None:
    """``target``: the Browser of ``browser_jar`` plus the guide, as the zip Neo4j serves from ``web/``.

    The server extracts the zip and serves its first entry (a folder) at ``/browser``; it creates
    folders one level at a time, so every folder entry precedes what it holds.
    """
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(browser_jar) as source, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
        names = [n for n in source.namelist() if n.startswith("browser/")]
        if not names:
            raise NexusError(f"{browser_jar} holds no browser/ folder; is it the Neo4j Browser jar?")
        folders = {n for n in names if n.endswith("/")} | {"browser/guides/"}
        folders |= {n[: i + 1] for n in names for i, ch in enumerate(n) if ch == "/"}  # parents without entries
        folders = sorted(folders, key=lambda n: (n.count("/"), n))
        for folder in folders:
            out.writestr(folder, b"")
        for name in names:
            if not name.endswith("/") and name != f"browser/{GUIDE_PATH}":
                out.writestr(name, source.read(name))
        out.writestr(f"browser/{GUIDE_PATH}", guide.encode("utf-8"))
    partial.replace(target)
