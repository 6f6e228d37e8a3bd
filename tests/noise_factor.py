"""A pure-noise factor on 30 random-walk equities, written to the real Neo4j (registry tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nexus_graph.store import Store
from nexus_graph.store.factors import write_factor_panel


def noise_data(store: Store, factor: str = "noise", seed: int = 21, look_ahead_until: str | None = None
               ) -> pd.DataFrame:
    """30 equities with random-walk prices and a pure-noise factor stored under model m1; returns the prices."""
    ids = [f"E{i:02d}" for i in range(30)]
    store.write("load/companies_merge", rows=[{"id": c, "name": c, "kind": "equity", "segment": None, "country": None,
                                               "listedFrom": None, "listedTo": None} for c in ids])
    days = pd.bdate_range("2021-06-01", "2026-04-24")
    rng = np.random.default_rng(seed)
    closes = 30 * np.exp(np.cumsum(rng.normal(0, 0.02, (len(days), len(ids))), axis=0))
    prices = pd.DataFrame({"date": np.repeat(days.to_numpy(), len(ids)), "company_id": np.tile(ids, len(days)),
                           "adj_close": closes.reshape(-1)})
    snaps = pd.date_range("2021-06-30", "2026-03-31", freq="ME").astype("datetime64[ns]")
    index = pd.MultiIndex.from_product([snaps, ids], names=["date", "company_id"])
    ahead = [d for d in snaps if look_ahead_until and d < pd.Timestamp(look_ahead_until)]
    write_factor_panel(store, pd.Series(rng.normal(size=len(index)), index=index, name=factor), factor, "m1",
                       look_ahead_dates=ahead)
    return prices
