"""Embedding sanity checks for one snapshot: spread, norms and peer-ordering checks. Pure.

A check ``NVDA~AMD > NVDA~ARW`` passes when cos(NVDA, AMD) > cos(NVDA, ARW): a peer should sit
closer than a distributor. Checks come from flags or a file with one check per line.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from nexus_graph.embeddings.panel import cosine
from nexus_graph.errors import NexusError

_CHECK = re.compile(r"^\s*([^~\s<>]+)\s*~\s*([^~\s<>]+)\s*([<>])\s*([^~\s<>]+)\s*~\s*([^~\s<>]+)\s*$")


@dataclass(frozen=True)
class OrderingCheck:
    """``a~b > c~d`` (or ``<``)."""

    a: str
    b: str
    op: str
    c: str
    d: str

    def __str__(self) -> str:
        return f"{self.a}~{self.b} {self.op} {self.c}~{self.d}"


def parse_check(text: str) -> OrderingCheck:
    """Parse ``A~B > C~D``; a clear error otherwise."""
    match = _CHECK.match(text)
    if not match:
        raise NexusError(f"Cannot read the ordering check {text!r}: expected the form 'NVDA~AMD > NVDA~ARW'.")
    return OrderingCheck(*match.groups())


def parse_check_lines(text: str) -> list[OrderingCheck]:
    """Checks from a file's text: one per line, blank lines and ``#`` comments ignored."""
    return [parse_check(line) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@dataclass
class ValidationReport:
    """Figures and verdicts of :func:`validate_snapshot`."""

    date: str
    rows: int
    dim: int
    component_std_median: float
    component_std_min: float
    component_std_max: float
    norm_median: float
    degenerate: bool
    checks: list[dict]

    @property
    def passed(self) -> bool:
        return not self.degenerate and all(check["passed"] for check in self.checks)

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}

    def summary(self) -> dict:
        """The figures as a plain dict (the pipeline's result interface)."""
        return self.as_dict()


def validate_snapshot(vectors: pd.DataFrame, checks: list[OrderingCheck], min_std: float = 1e-3) -> ValidationReport:
    """Check one snapshot's embeddings.

    Parameters
    ----------
    vectors : DataFrame
        Indexed by company_id, one column per dimension (one date of an embedding panel).
    checks : list of OrderingCheck
        Cosine ordering checks; an unknown company id is an error.
    min_std : float
        A component whose standard deviation across companies is below this is degenerate;
        the snapshot is degenerate when the MEDIAN component is (collapsed embeddings).
    """
    values = vectors.to_numpy(dtype=np.float64)
    std = values.std(axis=0)
    norms = np.linalg.norm(values, axis=1)
    index = {cid: i for i, cid in enumerate(vectors.index)}
    results = []
    for check in checks:
        missing = [cid for cid in (check.a, check.b, check.c, check.d) if cid not in index]
        if missing:
            raise NexusError(f"Check '{check}': no embedding for {', '.join(missing)} on this date.")
        left = float(cosine(values[[index[check.a]]], values[[index[check.b]]])[0])
        right = float(cosine(values[[index[check.c]]], values[[index[check.d]]])[0])
        passed = left > right if check.op == ">" else left < right
        results.append({"check": str(check), "left": round(left, 6), "right": round(right, 6), "passed": passed})
    date = vectors.attrs.get("date", "")
    return ValidationReport(
        date=str(date), rows=len(values), dim=values.shape[1],
        component_std_median=float(np.median(std)), component_std_min=float(std.min()),
        component_std_max=float(std.max()), norm_median=float(np.median(norms)),
        degenerate=bool(np.median(std) < min_std), checks=results,
    )
