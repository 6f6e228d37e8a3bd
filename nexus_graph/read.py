"""The read API for backtest jobs (public name); the implementation is :mod:`nexus_graph.pipeline.read`.

    from nexus_graph import read

    with read.connect() as graph:
        drift = graph.drift("2022-01-31", "2024-12-31")
"""

from nexus_graph.pipeline.read import DateLike, GraphReader, connect, today

__all__ = ["DateLike", "GraphReader", "connect", "today"]
