"""A drift backtest as a quant would write it: the read API, quintiles, monthly spread returns in pandas.

Each month-end t: rank the companies by the embedding drift of the snapshot at t (point in time: the
snapshot holds only what was known at t), enter at the first close after t, hold to the first close
after the next month-end. Prints the mean monthly return per quintile and the Q5 - Q1 spread.

    python examples/backtest_drift.py --start 2021-06-30 --end 2025-12-31
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from nexus_graph import read


def next_close_returns(prices: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Return from the first close after each date to the first close after the next date (date x company)."""
    closes = prices.pivot(index="date", columns="company_id", values="adj_close").sort_index()
    after = closes.index.searchsorted(dates, side="right")  # first trading day strictly after each date
    valid = after < len(closes)
    entries = closes.iloc[after[valid]].set_axis(dates[valid])
    return (entries.shift(-1) / entries - 1.0).iloc[:-1]


def quintile_table(drift: pd.DataFrame, returns: pd.DataFrame) -> pd.DataFrame:
    """Mean next-month return per drift quintile (1 = least drift) and month."""
    panel = drift.dropna(subset=["drift"]).copy()
    panel["ret"] = [returns.at[d, c] if d in returns.index and c in returns.columns else np.nan
                    for d, c in zip(panel["date"], panel["company_id"], strict=True)]
    panel = panel.dropna(subset=["ret"])
    panel["quintile"] = panel.groupby("date")["drift"].transform(
        lambda x: pd.qcut(x.rank(method="first"), 5, labels=False) + 1)
    return panel.groupby(["date", "quintile"])["ret"].mean().unstack("quintile")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2021-06-30")
    parser.add_argument("--end", default="2025-12-31")
    parser.add_argument("--model-version", default=None)
    args = parser.parse_args()
    with read.connect() as graph:
        drift = graph.drift(args.start, args.end, args.model_version)
        prices = graph.prices(args.start, read.today())
    dates = pd.DatetimeIndex(sorted(drift["date"].unique()))
    monthly = quintile_table(drift, next_close_returns(prices, dates))
    spread = (monthly[5] - monthly[1]).dropna()
    t = spread.mean() / (spread.std(ddof=1) / np.sqrt(len(spread))) if len(spread) > 1 else float("nan")
    print(f"model {drift.attrs['model_version']}, {len(monthly)} months, {drift['company_id'].nunique()} companies")
    print("mean monthly return by drift quintile (1 = least drift):")
    print((monthly.mean() * 100).round(3).rename("mean %").to_string())
    print(f"Q5 - Q1 spread: {spread.mean() * 100:+.3f} % a month, t {t:+.2f}, {len(spread)} months")


if __name__ == "__main__":
    main()
