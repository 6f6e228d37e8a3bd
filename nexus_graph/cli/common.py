"""Shared CLI plumbing: consoles, JSON output, progress bars, opening the store."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nexus_graph.errors import NexusError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from nexus_graph.store import Store

console = Console()
err_console = Console(stderr=True)


def print_json(payload: Any) -> None:
    """Machine-readable output on stdout (plain, no colour codes)."""
    sys.stdout.write(json.dumps(payload, indent=2, default=str, sort_keys=False) + "\n")


def progress(enabled: bool = True) -> Progress:
    """A progress bar on stderr (so ``--json`` stdout stays clean); disabled -> invisible.

    Shown only on a terminal: in logs and pipes a bar's final frame would precede error messages.
    """
    enabled = enabled and err_console.is_terminal
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=not enabled,
        transient=False,
    )


def parse_date(value: str, option: str) -> pd.Timestamp:
    """An ISO date (YYYY-MM-DD) from a CLI option, not after today, or a clear error naming the option."""
    import pandas as pd

    from nexus_graph.clock import refuse_future

    try:
        date = pd.Timestamp(pd.to_datetime(value, format="%Y-%m-%d"))
    except (ValueError, TypeError):
        raise UsageError(f"{option} must be an ISO date YYYY-MM-DD (got {value!r}).") from None
    try:
        return refuse_future(date, option)
    except NexusError as exc:
        raise UsageError(str(exc)) from None


@contextmanager
def open_store() -> Iterator[Store]:
    """The store for the configured database (NEO4J_* variables or the local server)."""
    from nexus_graph.store import Store

    store = Store.connect()
    try:
        yield store
    finally:
        store.close()


def warn_beyond_data(store: Store, **dates: pd.Timestamp) -> None:
    """Print a warning for each date (keyword: option name without dashes) after the data's horizon."""
    from nexus_graph.pipeline.registry import beyond_data

    named = {f"--{name.replace('_', '-')}": date for name, date in dates.items() if date is not None}
    for warning in beyond_data(store, named):
        err_console.print(f"Warning: {warning}", markup=False, highlight=False, soft_wrap=True)
