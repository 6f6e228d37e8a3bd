"""Writes that create when a date is new and merge otherwise.

The write-backs store one node per key (factor value, embedding, centrality row) and one relationship
from its company. ``MERGE`` finds-or-creates both: it seeks the key with a lock and checks the
company's relationships first. When the writer knows the date holds nothing yet (it read the stored
dates before writing), ``CREATE`` does the same work without those checks (about a third less time
per date, measured on 2,780-row dates). The uniqueness constraint keeps this safe: if another writer
stored the same key in between, the ``CREATE`` fails (:class:`~nexus_graph.errors.KeyTaken`), nothing
of it is committed, and the date is written again with ``MERGE``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from nexus_graph.errors import KeyTaken
from nexus_graph.store.protocol import Store, Tx

T = TypeVar("T")


def create_or_merge(store: Store, work: Callable[[Tx, bool], T], fresh: bool) -> T:
    """Run ``work(tx, create)`` in one transaction: ``create=True`` when ``fresh``, then ``False`` if a key was taken.

    ``work`` writes with ``CREATE`` statements when ``create`` is true and with ``MERGE`` statements
    otherwise; both must leave the same graph.
    """
    if fresh:
        try:
            return store.transaction(lambda tx: work(tx, True))
        except KeyTaken:  # another writer stored one of the keys since we looked: upsert instead
            pass
    return store.transaction(lambda tx: work(tx, False))
