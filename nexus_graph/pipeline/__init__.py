"""The pipeline: the only package that reads from or writes to the store and calls the core.

One module per step, each a function taking a :class:`~nexus_graph.store.protocol.Store` and plain
settings and returning a result object with ``summary()``; nothing here prints (the CLI does)::

    load        a validated dataset -> Neo4j (+ the prices file)          load.load_step
    snapshots   snapshots, centralities and their change factors        snapshots.centralities_step
    train       HGT link prediction at an as-of date, gated             train.train_model
    backfill    embeddings + drift per month-end, written back          backfill.backfill
    validate    embedding sanity checks, drift versus seed noise        validate.validate_embeddings, .drift_noise
    evaluate    IC / t / HLZ / verdict of a stored factor, registry     evaluate.evaluate_stored_factor
    paper_trade portfolios on registered signals, recorded              paper_trade.paper_trade_stored
    report      the run report from the run folder                      report.write_report
    demo        the steps above in order on the synthetic dataset       demo.run_demo

Data flows one way: sources -> store -> snapshot -> model -> embeddings -> evaluation/trading ->
report. The core packages (snapshot, model, embeddings, evaluation, trading) take and return
frames, arrays and ``HeteroData`` only; ``tests/unit/test_import_graph.py`` keeps it so.
"""
