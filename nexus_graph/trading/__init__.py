"""The paper trader (:mod:`~nexus_graph.trading.portfolio`, delistings in :mod:`~nexus_graph.trading.delistings`)
and its statistics (:mod:`~nexus_graph.trading.stats`).

Pure computation: factor panels and prices in, daily returns, turnover and statistics out. The
registry link (``(:PaperTradeRun)-[:USED_SIGNAL]->(:Signal)``) lives in :mod:`nexus_graph.store.trading`.
"""
