"""Write ``examples/margin_compression.csv``: a SYNTHETIC fundamentals factor for `nexus-graph factors import`.

A made-up quarterly "margin compression" score (the fall in gross margin over the quarter, higher =
more compression) for the first 40 equity companies of the demo dataset listed from 2023 on, filed 45 days after each
quarter end. Each month-end carries the latest quarter *filed* by then, with that filing date as
``known_from``: a point-in-time panel, as a fundamentals vendor's as-reported history would give it.

    python examples/make_margin_factor.py            # rewrites examples/margin_compression.csv
    nexus-graph factors import examples/margin_compression.csv --name margin_compression --origin fundamental
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nexus_graph.sources.demo.universe import EQUITIES

OUT = Path(__file__).with_name("margin_compression.csv")
FILING_LAG = pd.Timedelta(days=45)


def margin_panel(companies: list[str], seed: int = 17) -> pd.DataFrame:
    """Month-end rows ``date, company, value, known_from`` from quarterly filings (latest filed by then)."""
    rng = np.random.default_rng(seed)
    quarters = pd.date_range("2023-06-30", "2025-09-30", freq="QE")
    persistent = rng.normal(0, 1, len(companies))  # a company's margins tend to keep their direction
    filings = pd.DataFrame([
        {"company": c, "filed": q + FILING_LAG, "value": round(0.6 * persistent[i] + 0.8 * rng.normal(), 4)}
        for q in quarters for i, c in enumerate(companies)
    ])
    rows = []
    for month_end in pd.date_range("2024-01-31", "2025-12-31", freq="ME"):
        # a filing on a weekend month-end would be after the entry close: keep a margin of a few days
        known = filings.loc[filings["filed"] <= month_end - pd.Timedelta(days=3)]
        latest = known.sort_values("filed").groupby("company").tail(1)
        rows += [{"date": month_end, "company": r.company, "value": r.value, "known_from": r.filed}
                 for r in latest.itertuples()]
    return pd.DataFrame(rows).sort_values(["date", "company"])


if __name__ == "__main__":
    listed = [c.company_id for c in EQUITIES if c.listed_to is None and (c.listed_from or "") < "2023-01-01"]
    margin_panel(listed[:40]).to_csv(OUT, index=False, date_format="%Y-%m-%d")
    print(f"wrote {OUT}")
