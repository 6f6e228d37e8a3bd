"""The PNG plots of the reports (matplotlib, Agg canvas; no pyplot global state): the run report and
the factor-evaluation report (:mod:`nexus_graph.report.evaluation`) draw the same IC plots.

Each function takes plain frames/lists, writes one PNG and returns its path. When ``synthetic`` is
true the title starts with ``SYNTHETIC DATA`` and the axes carry a faint watermark, so a plot copied
out of the report cannot be mistaken for a market result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator, PercentFormatter

from nexus_graph.trading.portfolio import STRATEGIES, STRATEGY_LABELS
from nexus_graph.trading.stats import drawdown, wealth

SYNTHETIC_LABEL = "SYNTHETIC DATA"
DPI = 130
STRATEGY_STYLE = {
    "long_only": {"color": "#1b6ca8", "linestyle": "-", "linewidth": 1.8},
    "long_short": {"color": "#e07b00", "linestyle": "-", "linewidth": 1.8},
    "benchmark": {"color": "#555555", "linestyle": "--", "linewidth": 1.4},
}
HORIZON_COLORS = ("#1b6ca8", "#2a9d8f", "#8e44ad", "#c0392b", "#7f8c8d")


def titled(text: str, synthetic: bool) -> str:
    """A plot title, prefixed with the synthetic-data label when needed."""
    return f"{SYNTHETIC_LABEL} — {text}" if synthetic else text


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _style(ax: Axes) -> None:
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _watermark(fig: Figure, synthetic: bool) -> None:
    if synthetic:
        fig.text(0.5, 0.5, SYNTHETIC_LABEL, fontsize=40, color="#c0392b", alpha=0.08, rotation=20,
                 ha="center", va="center", weight="bold")


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def plot_training_curve(curve: Sequence[Mapping[str, Any]], path: Path, *, synthetic: bool,
                        gate: float | None = None) -> Path:
    """Training BCE loss (left axis) and validation ROC-AUC (right axis) per evaluation epoch."""
    frame = pd.DataFrame(list(curve)).sort_values("epoch")
    fig = _figure(8.5, 4.6)
    ax = fig.add_subplot()
    _style(ax)
    loss_line = ax.plot(frame["epoch"], frame["loss"], marker="o", markersize=4, color="#1b6ca8",
                        label="training loss (BCE)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (binary cross-entropy)", color="#1b6ca8")
    ax.tick_params(axis="y", colors="#1b6ca8")
    auc_ax = ax.twinx()
    auc_ax.spines["top"].set_visible(False)
    handles = list(loss_line)
    if "val_auc" in frame and frame["val_auc"].notna().any():
        handles += auc_ax.plot(frame["epoch"], frame["val_auc"], marker="s", markersize=4, color="#e07b00",
                               label="validation ROC-AUC")
        last = frame.dropna(subset=["val_auc"]).iloc[-1]
        auc_ax.annotate(f"final {last['val_auc']:.3f}", (last["epoch"], last["val_auc"]), xytext=(-4, -16),
                        textcoords="offset points", ha="right", color="#e07b00", fontsize=9)
    if gate is not None:
        handles.append(auc_ax.axhline(gate, color="#c0392b", linestyle=":", linewidth=1.3,
                                      label=f"gate: AUC ≥ {gate:.2f}"))
    low = min([0.45, *(frame["val_auc"].dropna().tolist() if "val_auc" in frame else []), gate or 1.0])
    auc_ax.set_ylim(max(0.0, low - 0.05), 1.0)
    auc_ax.set_ylabel("validation ROC-AUC", color="#e07b00")
    auc_ax.tick_params(axis="y", colors="#e07b00")
    ax.legend(handles=handles, loc="center right", frameon=False)
    ax.set_title(titled("HGT link prediction: training loss and validation AUC", synthetic), loc="left")
    _watermark(fig, synthetic)
    return _save(fig, path)


def _horizon_label(column: Any) -> str:
    text = str(column)
    return f"{text} trading days" if text.isdigit() else text


def plot_ic_per_date(ic: pd.DataFrame, path: Path, *, synthetic: bool,
                     summary: Sequence[Mapping[str, Any]] = ()) -> Path:
    """One panel per horizon: the Spearman IC of each rebalance date (bars) and its mean (line)."""
    by_horizon = {str(row.get("horizon")): row for row in summary}
    columns = list(ic.columns)
    fig = _figure(9.5, 2.3 * len(columns) + 0.8)
    axes = fig.subplots(len(columns), 1, sharex=True, squeeze=False)[:, 0]
    span = np.nanmax(np.abs(ic.to_numpy(dtype=float))) if ic.notna().any().any() else 1.0
    width = max(5.0, 0.7 * float(np.median(np.diff(ic.index.to_numpy()).astype("timedelta64[D]").astype(float)))
                if len(ic) > 1 else 20.0)
    for ax, column in zip(axes, columns, strict=True):
        _style(ax)
        values = ic[column].astype(float)
        colors = np.where(values.to_numpy() >= 0, "#2a9d8f", "#c0392b")
        ax.bar(values.index, values.to_numpy(), width=width, color=colors, alpha=0.85)
        ax.axhline(0, color="#333333", linewidth=0.8)
        mean = values.mean()
        row = by_horizon.get(str(column), {})
        stats = [f"mean IC {mean:+.3f}"]
        for key, label in (("t", "t"), ("robust_t", "robust t"), ("n", "N")):
            if row.get(key) is not None:
                stats.append(f"{label} {row[key]:.2f}" if key != "n" else f"N {int(row[key])}")
        ax.axhline(mean, color="#1b6ca8", linewidth=1.4, linestyle="--", label=", ".join(stats))
        ax.set_ylim(-1.15 * span, 1.15 * span)
        ax.set_ylabel("Spearman IC")
        ax.set_title(_horizon_label(column), loc="left", fontsize=10)
        ax.legend(loc="upper right", frameon=False, fontsize=8.5)
        _date_axis(ax)
    axes[-1].set_xlabel("rebalance date (month-end)")
    fig.suptitle(titled("Cross-sectional rank IC per rebalance date", synthetic), x=0.01, ha="left")
    _watermark(fig, synthetic)
    return _save(fig, path)


def plot_cumulative_ic(ic: pd.DataFrame, path: Path, *, synthetic: bool) -> Path:
    """Running sum of the per-date IC, one line per horizon (a steady slope = a steady signal)."""
    fig = _figure(9.0, 4.6)
    ax = fig.add_subplot()
    _style(ax)
    for i, column in enumerate(ic.columns):
        values = ic[column].astype(float).dropna()
        ax.plot(values.index, values.cumsum(), color=HORIZON_COLORS[i % len(HORIZON_COLORS)], linewidth=1.8,
                label=f"{_horizon_label(column)} (mean {values.mean():+.3f}, N {len(values)})")
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_ylabel("cumulative IC (sum of per-date ICs)")
    ax.set_xlabel("rebalance date (month-end)")
    ax.legend(loc="best", frameon=False)
    _date_axis(ax)
    ax.set_title(titled("Cumulative rank IC by horizon", synthetic), loc="left")
    _watermark(fig, synthetic)
    return _save(fig, path)


def _growth_ticks(low: float, high: float, most: int = 9) -> list[float]:
    """Round tick values for a log-scaled growth-of-1 axis between ``low`` and ``high``."""
    nice = [m * 10.0**e for e in range(-2, 4) for m in (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8)]
    inside = [v for v in nice if low <= v <= high]
    while len(inside) > most:
        inside = [v for i, v in enumerate(inside) if i % 2 == 0 or v == 1.0]
    return inside


def plot_equity_curve(returns: pd.DataFrame, path: Path, *, synthetic: bool,
                      statistics: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    """Growth of 1 (log scale) per strategy against the benchmark, and drawdowns below it.

    The maximum drawdown of the long-only book is shaded from its peak to its trough.
    """
    statistics = statistics or {}
    fig = _figure(10.0, 6.4)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.4]})
    for ax in (top, bottom):
        _style(ax)
    for name in [s for s in STRATEGIES if s in returns]:
        r = returns[name].astype(float)
        stats = statistics.get(name, {})
        label = STRATEGY_LABELS.get(name, name)
        if stats.get("cagr") is not None and stats.get("sharpe") is not None:
            label += f": CAGR {stats['cagr']:+.1%}, Sharpe {stats['sharpe']:.2f}, max DD {stats['max_drawdown']:.1%}"
        top.plot(r.index, wealth(r), label=label, **STRATEGY_STYLE.get(name, {}))
        dd = drawdown(r)
        style = STRATEGY_STYLE.get(name, {})
        bottom.plot(dd.index, dd, color=style.get("color"), linestyle=style.get("linestyle", "-"), linewidth=1.2)
        if name == "long_only":
            bottom.fill_between(dd.index, dd, 0, color=style.get("color"), alpha=0.15)
    lo = statistics.get("long_only", {})
    if lo.get("max_drawdown_peak") and lo.get("max_drawdown_trough"):
        top.axvspan(pd.Timestamp(lo["max_drawdown_peak"]), pd.Timestamp(lo["max_drawdown_trough"]),
                    color="#1b6ca8", alpha=0.08, label="long-only max drawdown (peak → trough)")
    top.set_yscale("log")
    low, high = top.get_ylim()
    top.yaxis.set_major_locator(FixedLocator(_growth_ticks(low, high)))
    top.yaxis.set_minor_locator(NullLocator())
    top.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    top.axhline(1.0, color="#333333", linewidth=0.8)
    top.set_ylabel("growth of 1 (log scale, net of costs)")
    top.legend(loc="upper left", frameon=False, fontsize=8.5)
    bottom.set_ylabel("drawdown")
    bottom.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    bottom.set_xlabel("trading day")
    _date_axis(bottom)
    top.set_title(titled("Paper trade: equity curve and drawdown vs the equal-weighted universe", synthetic),
                  loc="left")
    _watermark(fig, synthetic)
    return _save(fig, path)


def plot_turnover(turnover: pd.DataFrame, path: Path, *, synthetic: bool) -> Path:
    """Turnover per rebalance (sum of |weight change|, % of NAV) for the traded books."""
    fig = _figure(9.0, 3.6)
    ax = fig.add_subplot()
    _style(ax)
    for name in [s for s in STRATEGIES if s in turnover]:
        style = STRATEGY_STYLE.get(name, {})
        ax.plot(turnover.index, turnover[name], marker="o", markersize=3, color=style.get("color"),
                linestyle=style.get("linestyle", "-"), linewidth=1.2, label=STRATEGY_LABELS.get(name, name))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, max(0.1, float(np.nanmax(turnover.to_numpy(dtype=float)))) * 1.08)
    ax.set_ylabel("turnover (Σ|Δw|, % of NAV)")
    ax.set_xlabel("rebalance date (month-end)")
    ax.legend(loc="lower center", ncol=2, frameon=True, framealpha=0.9, edgecolor="none", fontsize=8.5)
    _date_axis(ax)
    ax.set_title(titled("Turnover per rebalance (first = build from cash)", synthetic), loc="left")
    _watermark(fig, synthetic)
    return _save(fig, path)
