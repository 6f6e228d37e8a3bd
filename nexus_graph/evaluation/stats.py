"""Per-horizon statistics of an IC series: t, Newey-West t, the overlap-robust t, HLZ bar, adjusted p.

Why a robust t at all
---------------------
Month-end snapshots with 63- and 126-trading-day forward returns overlap by two and five months,
so for a persistent factor consecutive ICs share most of their return window and the IC series is
strongly autocorrelated (about MA(k-1), k = ceil(h / 21)). The plain t then overstates the evidence,
and Newey-West with ``k - 1`` Bartlett lags (the textbook fix, shown as "NW t") only halves the
problem at N ~ 55: its Bartlett weights shrink exactly the autocovariances that matter, and the
normal critical value ignores how noisy a long-run variance from 55 numbers is.

The method chosen: equal-weighted cosine (EWC) long-run variance with Student-t critical values
(Müller 2007; Lazarus, Lewis, Stock & Watson 2018, "HAR Inference: Recommendations for Practice").
The demeaned IC series is projected on the first ``nu`` cosines of the DCT-II basis
(``scipy.fft.dct(..., norm="ortho")``); the long-run variance is the mean of their squares, and the
t statistic is exactly Student t with ``nu`` degrees of freedom under the null. ``nu`` is
``max(floor(0.4 N^(2/3)), floor(N / (2k)))``: the LLSW rule as a floor, and, when the overlap is
short, more cosines -- half the number of non-overlapping windows -- keeping the highest frequency
used inside the flat part of the spectrum of an MA(k-1) series. With ``nu = N - 1`` EWC is the plain
t (Parseval), so on a 21-day horizon it loses almost nothing.

Measured (``python -m benchmarks.calibration --panels 1000 --seed 1``: 140 names, 58 month-ends,
N = 57 / 55 / 52, nu = 28 / 9 / 5; Gaussian daily returns, the power columns plant one daily
effect giving an expected 21-day Spearman IC of 0.05, from which the longer horizons follow;
rejection rate at nominal 5 % two-sided; Monte Carlo s.e. of a 5 % rate is 0.007; the decision
rules' size and power are in ``docs/benchmarks.md``)::

    false-positive rate          iid 21   iid 63  iid 126    AR 21    AR 63   AR 126
    plain t, t(N-1)               0.051    0.055    0.060    0.049    0.245    0.397
    Newey-West k-1 lags, normal   0.054    0.076    0.095    0.058    0.130    0.160
    non-overlapping, t(N/k-1)     0.051    0.052    0.052    0.049    0.051    0.043
    EWC, t(nu)  [chosen]          0.050    0.056    0.053    0.049    0.062    0.047
    power at IC = 0.05 (21 d)
    plain t, t(N-1)               0.988    0.729    0.412    0.995    0.999    0.998
    Newey-West k-1 lags, normal   0.988    0.745    0.490    0.996    0.996    0.985
    non-overlapping, t(N/k-1)     0.988    0.320    0.093    0.995    0.971    0.861
    EWC, t(nu)  [chosen]          0.986    0.642    0.324    0.991    0.971    0.895

(AR = AR(1) factor with rho = 0.9, iid = fresh factor every month.) Non-overlapping sub-samples are
as well calibrated but throw away two thirds (63 d) or five sixths (126 d) of the dates, which costs
most of the power for a factor that is not persistent (0.09 against 0.32 at 126 days). Also tried
while choosing (an earlier simulation that planted the IC per horizon, not kept in the script):
Bartlett HAC with Kiefer-Vogelsang fixed-b critical values reached 11 % / 8 % for the AR factor at
63 / 126 days with bandwidth 2k (300 panels) and 6 % / 7.6 % with bandwidth 3k (3000 panels) -- at
the edge of the band, and it has no closed-form tail for a Bonferroni bar; Hansen-Hodrick (uniform
kernel, k-1 lags) with t(N/k-1) gave 8-9 %; EWC with the LLSW rule alone (nu = 5 everywhere) is as
well sized but drops the 21-day power to 0.94. EWC as chosen holds 4.7-6.2 % in every cell and keeps
the most power among the well-sized tests.

Multiple testing
----------------
The Harvey-Liu-Zhu bar is the reference's: two-sided Bonferroni at 5 % over ``M`` tests with Student
t and N-1 degrees of freedom (M = 400: 4.123 / 4.134 / 4.153 for N = 57 / 55 / 52). The robust t has
its own reference distribution t(nu), so the *same* Bonferroni level there ("robust bar") is what the
robust t must clear; it is never below the HLZ bar. ``M`` is the size of the run's multiple-testing
family (:mod:`nexus_graph.evaluation.family`: every test ever made plus this run's, at least the
configured 400), and the Holm and BHY adjusted p-values are taken over that family -- the registry's
stored robust p-values included -- with ``statsmodels.stats.multitest.multipletests``. Tests whose
p-values are unknown (the configured prior count) enter at p = 1, which makes the adjusted p-values
an *upper* bound on the full family's (conservative).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import fft, stats
from statsmodels.regression.linear_model import OLS

from nexus_graph.evaluation.family import CONFIGURED_TESTS, TestFamily

PERIOD_DAYS = 21  # trading days between month-end snapshots, to count overlapping windows
DEFAULT_TESTS = CONFIGURED_TESTS  # the reference's M
ALPHA = 0.05
MIN_DATES = 3


def overlap_periods(horizon: int, period: int = PERIOD_DAYS) -> int:
    """Number of snapshot periods one forward window spans, k = ceil(h / 21) (at least 1)."""
    return max(1, math.ceil(int(horizon) / period))


def hlz_bar(n: int, m: int = DEFAULT_TESTS, alpha: float = ALPHA) -> float:
    """Harvey-Liu-Zhu bar: two-sided Bonferroni critical |t| over ``m`` tests, Student t, n-1 df."""
    return float(stats.t.isf(alpha / (2 * m), n - 1))


def t_statistic(ic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plain one-sample t of the mean and its two-sided p (t with N-1 df), along the last axis."""
    x = np.asarray(ic, dtype=float)
    n = x.shape[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = x.mean(-1) / (x.std(-1, ddof=1) / np.sqrt(n))
    return t, 2 * stats.t.sf(np.abs(t), n - 1)


def newey_west_t(ic: np.ndarray, lags: int) -> float:
    """Newey-West (Bartlett, ``lags`` lags) t of the mean: OLS on a constant, statsmodels HAC."""
    x = np.asarray(ic, dtype=float)
    fit = OLS(x, np.ones((len(x), 1))).fit(cov_type="HAC", cov_kwds={"maxlags": int(lags)})
    return float(fit.tvalues[0])


def ewc_dof(n: int, k: int) -> int:
    """Cosines (= degrees of freedom) of the EWC estimator for N dates and k-period overlap."""
    nu = max(math.floor(0.4 * n ** (2 / 3)), n // (2 * max(k, 1)))
    return int(min(max(nu, 1), n - 1))


def ewc_t(ic: np.ndarray, nu: int) -> tuple[np.ndarray, np.ndarray]:
    """EWC t of the mean with ``nu`` cosines and its two-sided p (t with nu df), along the last axis."""
    x = np.asarray(ic, dtype=float)
    n = x.shape[-1]
    centred = x - x.mean(-1, keepdims=True)
    # DCT-II (orthonormal): coefficient j is sqrt(2/N) * sum_t cos(pi j (t + 1/2) / N) u_t.
    weights = fft.dct(centred, type=2, norm="ortho", axis=-1)[..., 1 : nu + 1]
    lrv = (weights**2).mean(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.sqrt(n) * x.mean(-1) / np.sqrt(lrv)
    return t, 2 * stats.t.sf(np.abs(t), nu)


def adjusted_pvalues(pvalues: np.ndarray, family: TestFamily | None = None) -> dict[str, np.ndarray]:
    """Holm and BHY adjusted p of ``pvalues`` (this run's; NaN = no test) within ``family``."""
    return (family or TestFamily()).adjusted(pvalues)


@dataclass(frozen=True)
class HorizonStats:
    """The figures of one horizon (robust = EWC, see the module docstring)."""

    horizon: int
    n: int
    mean_ic: float
    ic_std: float
    t: float
    p: float
    nw_t: float
    nw_lags: int
    robust_t: float
    robust_p: float
    robust_dof: int
    hlz_bar: float
    robust_bar: float
    passes: bool  # |robust t| clears the robust bar (robust p <= alpha / M)
    avg_names: float

    def as_dict(self) -> dict[str, float | int | bool]:
        return asdict(self)


def horizon_stats(ic: pd.Series, horizon: int, m: int = DEFAULT_TESTS, avg_names: float = float("nan")) -> HorizonStats:
    """All figures of one horizon from its IC series (dates in order; NaN dates dropped)."""
    x = ic.dropna().sort_index().to_numpy(dtype=float)
    n, k = len(x), overlap_periods(horizon)
    if n < MIN_DATES:
        nan = float("nan")
        return HorizonStats(int(horizon), n, nan, nan, nan, nan, nan, k - 1, nan, nan, 0, nan, nan, False, avg_names)
    t, p = t_statistic(x)
    nu = ewc_dof(n, k)
    rt, rp = ewc_t(x, nu)
    robust_bar = float(stats.t.isf(ALPHA / (2 * m), nu))
    return HorizonStats(
        horizon=int(horizon),
        n=n,
        mean_ic=float(x.mean()),
        ic_std=float(x.std(ddof=1)),
        t=float(t),
        p=float(p),
        nw_t=newey_west_t(x, k - 1),
        nw_lags=k - 1,
        robust_t=float(rt),
        robust_p=float(rp),
        robust_dof=nu,
        hlz_bar=hlz_bar(n, m),
        robust_bar=robust_bar,
        passes=bool(np.isfinite(rt) and abs(rt) >= robust_bar),
        avg_names=float(avg_names),
    )


def summary_table(ic: pd.DataFrame, sizes: pd.DataFrame | None = None,
                  family: TestFamily | None = None) -> pd.DataFrame:
    """One row per horizon: the :class:`HorizonStats` fields plus ``holm_p``, ``bhy_p`` and ``m``.

    ``ic`` is the (date x horizon) IC frame of :func:`nexus_graph.evaluation.ic.information_coefficient`;
    ``sizes`` the matching cross-section sizes (average taken over dates with an IC). ``family`` holds
    the tests made before this run (default: none, the configured 400); this run's tests (horizons
    with at least :data:`MIN_DATES` ICs) join it, ``m`` is its size and the bars use it. ``holm_p`` and
    ``bhy_p`` adjust the robust p over the whole family.
    """
    family = family or TestFamily()
    tested = int((ic.notna().sum() >= MIN_DATES).sum())
    m = family.size(tested)
    rows = []
    for h in ic.columns:
        names = float("nan")
        if sizes is not None:
            used = ic[h].notna()
            names = float(sizes.loc[used[used].index, h].mean()) if used.any() else float("nan")
        rows.append(horizon_stats(ic[h], int(h), m, names).as_dict())
    table = pd.DataFrame(rows).set_index("horizon")
    adjusted = adjusted_pvalues(table["robust_p"].to_numpy(), family)
    table["holm_p"], table["bhy_p"] = adjusted["holm"], adjusted["bhy"]
    table["m"] = int(m)
    return table
