"""Markdown building blocks of the run report: pipe tables and number formats."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

NOT_RUN = "_Not run._"


def is_missing(value: Any) -> bool:
    """None or a non-finite float."""
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def pct(value: Any, digits: int = 1) -> str:
    """A fraction as a signed percentage (``0.1234`` -> ``+12.3%``); ``–`` when missing."""
    return "–" if is_missing(value) else f"{float(value):+.{digits}%}"


def num(value: Any, digits: int = 2) -> str:
    """A number with fixed decimals; integers as integers; ``–`` when missing."""
    if is_missing(value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}" if abs(value) >= 10 ** (-digits) or value == 0 else f"{value:.2e}"
    return str(value)


def smart(value: Any) -> str:
    """A scalar for a facts table: integers with separators, floats to 4 significant digits."""
    if isinstance(value, float) and not is_missing(value):
        if abs(value) >= 1000:
            return f"{value:,.1f}"
        return f"{value:.4g}" if value == 0 or abs(value) >= 1e-4 else f"{value:.2e}"
    return num(value)


def verdict_mark(passed: Any) -> str:
    """``pass`` / ``FAIL`` (capitals draw the eye to failures); ``–`` when unknown."""
    if is_missing(passed):
        return "–"
    return "pass" if bool(passed) else "**FAIL**"


def cell(value: Any) -> str:
    """Text safe inside a pipe-table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: Sequence[str] | None = None) -> str:
    """A GitHub pipe table; ``align`` per column is ``l`` or ``r`` (default: first left, rest right)."""
    align = align or ["l", *["r"] * (len(headers) - 1)]
    rule = ["---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def facts(items: Mapping[str, Any]) -> str:
    """A two-column table of the scalar entries of a mapping (lists and dicts are skipped)."""
    rows = [(key.replace("_", " "), smart(value)) for key, value in items.items()
            if not isinstance(value, Mapping | list | tuple)]
    return table(["item", "value"], rows, ["l", "r"]) if rows else ""
