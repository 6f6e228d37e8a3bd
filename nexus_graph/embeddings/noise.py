"""How much of the measured drift is seed noise.

Two models trained on the same data with different seeds give two drift factors, ``d_a`` and
``d_b``, for the same (date, company). If each is ``signal + independent noise``, then per date

    noise variance  = Var(d_a - d_b) / 2
    noise share     = noise variance / Var(d_a)        (0 = all signal, 1 = all noise)

and the cross-sectional Spearman correlation of ``d_a`` and ``d_b`` says how reproducible the
ranking (what the IC uses) is. The noise floor is the typical drift a seed change alone would
produce, ``median |d_a - d_b| / sqrt(2)``; a drift factor is meaningful only above it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr


def seed_noise(drift_a: pd.Series, drift_b: pd.Series) -> dict:
    """Noise share, rank agreement and noise floor of two same-data, different-seed drift factors.

    Both Series are indexed by (date, company_id); only common rows are used.
    """
    joined = pd.concat({"a": drift_a, "b": drift_b}, axis=1, join="inner").dropna()
    if joined.empty:
        raise ValueError("the two drift factors share no (date, company_id) rows")
    shares, corrs = [], []
    for _date, group in joined.groupby(level="date"):
        if len(group) < 3:
            continue
        var_a = group.a.var(ddof=1)
        if var_a > 0:
            shares.append(min(1.0, (group.a - group.b).var(ddof=1) / 2.0 / var_a))
        rho = spearmanr(group.a, group.b).statistic
        if np.isfinite(rho):
            corrs.append(rho)
    floor = float(np.median(np.abs(joined.a - joined.b)) / np.sqrt(2.0))
    median_drift = float(np.median(joined.a))
    return {
        "dates": int(joined.index.get_level_values("date").nunique()),
        "rows": len(joined),
        "noise_share": float(np.mean(shares)) if shares else float("nan"),
        "rank_correlation": float(np.mean(corrs)) if corrs else float("nan"),
        "noise_floor": floor,
        "median_drift": median_drift,
        "drift_to_floor": median_drift / floor if floor > 0 else float("inf"),
    }
