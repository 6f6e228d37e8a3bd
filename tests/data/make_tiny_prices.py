"""Regenerate ``tiny/prices.csv``: a deterministic random walk per equity over 2022-2023 business days.

Run ``python tests/data/make_tiny_prices.py``; the output is committed, this script documents it.
Each company has prices only while listed (XLNX until 2022-02-11, ARM from 2023-09-14).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TINY = Path(__file__).resolve().parent / "tiny"


def tiny_prices(seed: int = 7) -> pd.DataFrame:
    """Daily adj_close (rounded to cents) and integer volume for every equity of tiny/companies.csv."""
    rng = np.random.default_rng(seed)
    companies = pd.read_csv(TINY / "companies.csv", parse_dates=["listed_from", "listed_to"])
    days = pd.bdate_range("2022-01-03", "2023-12-29")
    frames = []
    for row in companies[companies["kind"] == "equity"].itertuples():
        mask = np.ones(len(days), dtype=bool)
        if not pd.isna(row.listed_from):
            mask &= days >= row.listed_from
        if not pd.isna(row.listed_to):
            mask &= days < row.listed_to
        dates = days[mask]
        returns = rng.normal(0.0004, 0.02, len(dates))
        close = np.round(50.0 * np.exp(np.cumsum(returns)), 2)
        volume = rng.integers(100_000, 5_000_000, len(dates))
        frames.append(pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "company_id": row.company_id,
                                    "adj_close": close, "volume": volume}))
    return pd.concat(frames, ignore_index=True)


if __name__ == "__main__":
    tiny_prices().to_csv(TINY / "prices.csv", index=False)
