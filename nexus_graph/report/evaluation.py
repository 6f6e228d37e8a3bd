"""The human report of one factor evaluation: a Markdown file and its two PNG plots (:mod:`.plots`)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from nexus_graph.evaluation.decision import __doc__ as DECISION_RULES
from nexus_graph.evaluation.evaluate import METHOD, Evaluation
from nexus_graph.report.plots import plot_cumulative_ic, plot_ic_per_date


def file_stem(name: str, model_version: str | None) -> str:
    """A safe file name for a factor (and model version)."""
    raw = name if not model_version else f"{name}@{model_version}"
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", raw)


def _num(value: float, spec: str) -> str:
    return "–" if value is None or not np.isfinite(value) else format(value, spec)


def horizon_rows(table: pd.DataFrame) -> list[list[str]]:
    """The per-horizon table as strings (the columns of :data:`HEADER`)."""
    rows = []
    for h, r in table.iterrows():
        rows.append([
            f"{h} d", str(int(r["n"])), _num(r["mean_ic"], "+.4f"), _num(r["t"], "+.2f"), _num(r["nw_t"], "+.2f"),
            f"{_num(r['robust_t'], '+.2f')} ({int(r['robust_dof'])})", _num(r["hlz_bar"], ".3f"),
            _num(r["robust_bar"], ".2f"), _num(r["robust_p"], ".2g"), _num(r.get("horizon_holm_p", np.nan), ".2g"),
            _num(r["holm_p"], ".2g"), _num(r["bhy_p"], ".2g"), "pass" if r["passes"] else "fail",
        ])
    return rows


HEADER = ["horizon", "N", "mean IC", "t", "NW t", "robust t (df)", "HLZ bar", "robust bar", "robust p",
          "horizon Holm p", "Holm p (M)", "BHY p (M)", "bar"]


def report_markdown(evaluation: Evaluation, plots: dict[str, str], warning: str | None = None,
                    look_ahead: bool = False) -> str:
    """The Markdown text of the report; ``plots`` maps a caption to a relative image path.

    ``look_ahead``: the factor values came from a look-ahead backfill (allowed explicitly); the title
    and the verdict say so.
    """
    inputs, table = evaluation.inputs, evaluation.table
    decision = evaluation.decision
    label = " — LOOK-AHEAD" if look_ahead else ""
    lines = [
        f"# Factor evaluation: `{inputs.name}`" + (f" (model {inputs.model_version})" if inputs.model_version else "")
        + label,
        "",
        f"**Verdict: {decision.verdict}{' (LOOK-AHEAD)' if look_ahead else ''}** (status `{decision.status}`, "
        f"rule `{decision.rule}`; evidence {evaluation.tier_reason})",
        "",
        *[f"- {reason}" for reason in decision.reasons],
        "",
        f"*Evidence:* {evaluation.evidence_note}",
        "",
    ]
    if warning:
        lines += [f"> **Warning:** {warning}", ""]
    avg = table["avg_names"].mean()
    lines += [
        f"{evaluation.ic.shape[0]} snapshot dates {evaluation.ic.index.min():%Y-%m-%d} .. "
        f"{evaluation.ic.index.max():%Y-%m-%d}; average cross-section {avg:.1f} companies; "
        f"M = {evaluation.m} tests ({evaluation.prior_tests} in the registry before this run; the N of the deflated "
        f"Sharpe); method `{METHOD}`; "
        f"decision rule `{decision.rule}`; run `{inputs.run_id}`, data sha256 `{inputs.data_fingerprint[:16]}…`.",
        "",
        evaluation.family_note,
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
        *["| " + " | ".join(row) + " |" for row in horizon_rows(table)],
        "",
        "t: plain t of the mean IC; NW t: Newey-West with k-1 Bartlett lags; robust t: equal-weighted-cosine "
        "long-run variance, Student t with the df shown (calibrated in `benchmarks/calibration.py`). HLZ bar: "
        "two-sided Bonferroni 5 % over M with t(N-1); robust bar: the same level in t(df), which the robust t "
        "must clear. Horizon Holm p: robust p Holm-adjusted across the horizons tested (the `holm` rule's gate). "
        "Holm / BHY (M): adjusted robust p within the multiple-testing family above.",
        "",
    ]
    if evaluation.splits is not None:
        lines += ["## Sub-windows and market regimes", "",
                  "| split | part | horizon | N | mean IC | t | robust t |", "|---|---|---|---|---|---|---|"]
        for r in evaluation.splits.itertuples(index=False):
            lines.append(f"| {r.split} | {r.part} | {r.horizon} d | {r.n} | {_num(r.mean_ic, '+.4f')} | "
                         f"{_num(r.t, '+.2f')} | {_num(r.robust_t, '+.2f')} |")
        lines.append("")
    for caption, rel in plots.items():
        lines += [f"## {caption}", "", f"![{caption}]({rel})", ""]
    lines += ["## Decision rules", "", "```text", (DECISION_RULES or "").strip(), "```", ""]
    return "\n".join(lines)


def write_report(evaluation: Evaluation, out_dir: Path, warning: str | None = None,
                 look_ahead: bool = False) -> list[Path]:
    """Write ``<stem>.md``, ``<stem>-ic.png`` and ``<stem>-cumulative-ic.png`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = file_stem(evaluation.inputs.name, evaluation.inputs.model_version)
    rows = evaluation.table.reset_index().to_dict(orient="records")
    ic_png = plot_ic_per_date(evaluation.ic, out / f"{stem}-ic.png", synthetic=False, summary=rows)
    cum_png = plot_cumulative_ic(evaluation.ic, out / f"{stem}-cumulative-ic.png", synthetic=False)
    text = report_markdown(evaluation, {"IC over time": ic_png.name, "Cumulative IC": cum_png.name}, warning,
                           look_ahead)
    md = out / f"{stem}.md"
    md.write_text(text, encoding="utf-8")
    return [md, ic_png, cum_png]
