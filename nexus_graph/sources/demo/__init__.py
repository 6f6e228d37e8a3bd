"""The embedded SYNTHETIC demo dataset (``nexus-graph demo-data``, ``nexus-graph demo``).

Modules, in the order the generator uses them: :mod:`~nexus_graph.sources.demo.universe` (the
companies, funds and directors), :mod:`~nexus_graph.sources.demo.links` (which pairs link and why),
:mod:`~nexus_graph.sources.demo.graph` (how links start, end and become known),
:mod:`~nexus_graph.sources.demo.signal` (the planted effect), :mod:`~nexus_graph.sources.demo.prices`
(trading days and returns), :mod:`~nexus_graph.sources.demo.generator` (:func:`generate`, which joins
them) and :mod:`~nexus_graph.sources.demo.card` (the ``DATASET.md`` card).
"""

from nexus_graph.sources.demo.generator import (
    DEFAULT_SEED,
    DEFAULT_SIGNAL,
    DEFAULT_STRENGTH,
    PRICE_END,
    PRICE_START,
    REFERENCE_DATE,
    REFERENCE_LIVE,
    SIGNALS,
    generate,
)
from nexus_graph.sources.demo.universe import DEMO_CHECKS

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_SIGNAL",
    "DEFAULT_STRENGTH",
    "DEMO_CHECKS",
    "PRICE_END",
    "PRICE_START",
    "REFERENCE_DATE",
    "REFERENCE_LIVE",
    "SIGNALS",
    "generate",
]
