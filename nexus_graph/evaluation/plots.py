"""IC plots as PNG files: the IC on every snapshot date per horizon, and the cumulative IC.

Presentation only (the numbers come from :mod:`nexus_graph.evaluation.ic`). Uses matplotlib's
object API (``Figure`` + Agg canvas), so no display and no global pyplot state is needed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

ROLLING = 12  # months in the rolling mean drawn over the IC bars


def plot_ic_over_time(ic: pd.DataFrame, path: Path, title: str) -> Path:
    """Bars of the IC per date, one panel per horizon, with its mean and a 12-month rolling mean.

    ``ic`` is the (date x horizon) IC frame.
    """
    horizons = list(ic.columns)
    fig = Figure(figsize=(10, 2.6 * max(len(horizons), 1)), layout="constrained")
    axes = fig.subplots(max(len(horizons), 1), 1, sharex=True, squeeze=False)[:, 0]
    for ax, h in zip(axes, horizons, strict=False):
        series = ic[h].dropna()
        colours = np.where(series.to_numpy() >= 0, "tab:blue", "tab:red")
        ax.bar(series.index, series.to_numpy(), width=20, color=colours, alpha=0.7)
        ax.plot(series.index, series.rolling(ROLLING, min_periods=3).mean(), color="black", lw=1.2,
                label=f"{ROLLING}-month mean")
        if len(series):
            ax.axhline(series.mean(), color="tab:green", ls="--", lw=1, label=f"mean {series.mean():+.3f}")
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_ylabel(f"IC {h} d")
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    axes[0].set_title(title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def plot_cumulative_ic(ic: pd.DataFrame, path: Path, title: str) -> Path:
    """Cumulative sum of the IC over dates, one line per horizon (a straight rising line = steady)."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax = fig.subplots()
    for h in ic.columns:
        series = ic[h].dropna()
        ax.plot(series.index, series.cumsum(), lw=1.5, label=f"{h} d")
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_ylabel("cumulative IC")
    ax.set_title(title)
    ax.legend(frameon=False)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path
