"""Run reports: one folder per run with ``report.md``, PNG plots and ``report.json``.

How a run stores its results
----------------------------
Every pipeline run owns one folder, ``runs/<run_id>/`` (the demo pipeline picks the id; the
``paper-trade --report-dir DIR`` command uses ``DIR``). Each step writes its own JSON file there as
it finishes (:func:`nexus_graph.report.run_files.write_run_files`), so a report can be rebuilt at any
time from what is on disk, with ``nexus-graph report --run-dir runs/<run_id>``::

    runs/<run_id>/
      meta.json         {"run_id", "title", "synthetic": bool, "created_at", "extra": {...}}
      training.json     {"curve": [{"epoch", "loss", "val_auc"}, ...], "min_auc", <scalars>}
      validation.json   {"checks": [{"name"|"check", "passed", <figures>}, ...], <scalars>}
      evaluation.json   {"ic": FRAME, "summary": [{horizon, n, mean_ic, ic_std, t, robust_t, bar|hlz_bar,
                         passed|passes, ...}], "verdict", "reasons": [...], "factor"}
      portfolio.json    {"signals", "config", "returns": FRAME, "gross_returns": FRAME, "turnover": FRAME,
                         "costs": FRAME, "trade_dates": {date: trade_date}, "weights": {columns, data},
                         "statistics": {...}}
      report/           report.md, report.json, *.png   (written by write_run_report)

``FRAME`` is ``{"index": ["YYYY-MM-DD", ...], "columns": [...], "data": [[...], ...]}`` (NaN as null).
A missing file means the step did not run; its report section then says "Not run.". Once any step
marks the run ``synthetic``, it stays so, and every page and plot title of the report says
``SYNTHETIC DATA``.

Modules: :mod:`~nexus_graph.report.run_report` (``write_run_report``), :mod:`~nexus_graph.report.plots`,
:mod:`~nexus_graph.report.markdown`, :mod:`~nexus_graph.report.run_files`.
"""
