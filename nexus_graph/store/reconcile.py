"""Reconciliation: what a command asked to write, against what the graph holds afterwards.

A proven commit (:meth:`nexus_graph.store.neo4j_store.Store.transaction`) already makes a lost write
unlikely; reconciliation is the second line, and the source of every summary's figures. Each
date-keyed writer (embeddings, factor values, centralities) ends by reading back the rows stored per
date, repairs the dates that fall short by writing them again (the writes are idempotent), and
refuses with an error naming what is still missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from nexus_graph.errors import NexusError

Counts = Mapping[pd.Timestamp, int]


def short_dates(expected: Counts, stored: Counts) -> list[pd.Timestamp]:
    """Dates whose stored rows are fewer than requested, sorted."""
    return sorted(d for d, n in expected.items() if stored.get(pd.Timestamp(d), 0) < n)


def reconcile(what: str, expected: Counts, stored: Callable[[], Counts],
              repair: Callable[[pd.Timestamp], object]) -> dict[pd.Timestamp, int]:
    """Read back, repair each short date once, read back again; the stored counts of the expected dates.

    Raises :class:`NexusError` naming the dates still short after the repair.
    """
    have = stored()
    missing = short_dates(expected, have)
    if missing:
        for date in missing:
            repair(date)
        have = stored()
        missing = short_dates(expected, have)
    if missing:
        shown = ", ".join(f"{d:%Y-%m-%d} ({have.get(d, 0)} of {expected[d]})" for d in missing[:6])
        more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        raise NexusError(
            f"{what}: {len(missing)} date(s) are not wholly in the graph after writing them twice: {shown}{more}. "
            "Re-run the command when the server is healthy; it writes only what is missing."
        )
    return {d: have.get(pd.Timestamp(d), 0) for d in expected}
