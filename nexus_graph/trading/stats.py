"""Portfolio statistics: CAGR, volatility, Sharpe, drawdown with dates, turnover, deflated Sharpe. Pure.

CAGR, annualised volatility, Sharpe and maximum drawdown come from empyrical-reloaded (the maintained
fork of Quantopian's library), so our figures are the ones pyfolio users know:

* CAGR ``= prod(1 + r) ** (periods_per_year / T) - 1`` (T daily returns);
* volatility ``= std(r, ddof=1) * sqrt(periods_per_year)``; Sharpe ``= mean(r) / std(r, ddof=1) *
  sqrt(periods_per_year)`` with a zero risk-free rate;
* maximum drawdown ``= min(W / cummax(W) - 1)`` over the wealth ``W`` that starts at 1 before the first
  return, so a loss on day one counts.

The **deflated Sharpe ratio** (Bailey & López de Prado 2014, "The Deflated Sharpe Ratio", JPM 40(5))
is the probability that the true Sharpe exceeds the best Sharpe expected from ``N`` unskilled trials:

``SR0 = sqrt(V) * ((1 - g) * Phi^-1(1 - 1/N) + g * Phi^-1(1 - 1/(N e)))`` (g = Euler–Mascheroni), and
``DSR = Phi((SR - SR0) * sqrt(T - 1) / sqrt(1 - skew * SR + (kurt - 1) / 4 * SR**2))``,

with SR the per-period (daily, not annualised) Sharpe, T the number of returns, skew and kurt the
sample skewness and (non-excess, normal = 3) kurtosis of the returns (population moments), and V the
variance of the per-period Sharpe ratios across the N trials. N is the size of the multiple-testing
family (:class:`nexus_graph.evaluation.family.TestFamily`, ``trials``): every test ever made --
rejected, unregistered and other signals' included, at least the configured 400 -- because the
strategy traded is the survivor of all of them; it is returned beside the DSR as ``n_trials``. The
registry keeps the tests' p-values but not their Sharpe ratios, so V defaults to ``1 / (T - 1)``: the
sampling variance of the Sharpe estimate of a strategy whose true Sharpe is zero, i.e. every trial
assumed unskilled. With N = 1 there is nothing to deflate: SR0 = 0 and DSR is the probabilistic
Sharpe ratio against 0.
"""

from __future__ import annotations

import math

import empyrical
import numpy as np
import pandas as pd
from scipy import stats as sps

EULER_GAMMA = 0.5772156649015329


def wealth(returns: pd.Series) -> pd.Series:
    """Growth of 1 invested before the first return (same index as ``returns``)."""
    return (1.0 + returns.astype(float)).cumprod()


def drawdown(returns: pd.Series) -> pd.Series:
    """Drawdown from the running peak (<= 0), the initial capital of 1 counting as a peak."""
    w = wealth(returns)
    peak = np.maximum(w.cummax(), 1.0)
    return w / peak - 1.0


def drawdown_dates(returns: pd.Series, inception: pd.Timestamp | None = None) -> dict[str, str | None]:
    """Peak, trough and recovery dates of the maximum drawdown (ISO strings; None when not reached).

    The peak is ``inception`` (the day the capital was invested) when the drawdown starts from the
    initial capital; the recovery is the first day wealth is back at the peak's level.
    """
    if returns.empty:
        return {"peak": None, "trough": None, "recovery": None}
    dd = drawdown(returns)
    if dd.min() >= 0:
        return {"peak": None, "trough": None, "recovery": None}
    trough_pos = int(np.argmin(dd.to_numpy()))
    w = wealth(returns).to_numpy()
    before = w[: trough_pos + 1]
    peak_level = max(1.0, before.max())
    if before.max() >= 1.0:
        peak_day: pd.Timestamp | None = returns.index[int(np.argmax(before))]
    else:
        peak_day = inception
    after = np.nonzero(w[trough_pos + 1 :] >= peak_level)[0]
    recovery = returns.index[trough_pos + 1 + int(after[0])] if after.size else None
    return {"peak": _iso(peak_day), "trough": _iso(returns.index[trough_pos]), "recovery": _iso(recovery)}


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Expected maximum per-period Sharpe of ``n_trials`` zero-skill trials (SR0 of the DSR)."""
    if n_trials <= 1:
        return 0.0
    z = sps.norm.ppf
    return float(math.sqrt(sharpe_variance)) * float(
        (1 - EULER_GAMMA) * z(1 - 1 / n_trials) + EULER_GAMMA * z(1 - 1 / (n_trials * math.e))
    )


def probabilistic_sharpe_ratio(
    sharpe: float, n_obs: int, skew: float, kurtosis: float, benchmark: float = 0.0
) -> float:
    """P(true per-period Sharpe > ``benchmark``) given the estimate, sample length and moments."""
    denominator = 1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe**2
    if n_obs < 2 or not math.isfinite(sharpe) or denominator <= 0:
        return float("nan")
    return float(sps.norm.cdf((sharpe - benchmark) * math.sqrt(n_obs - 1) / math.sqrt(denominator)))


def deflated_sharpe_ratio(
    sharpe: float, n_obs: int, skew: float, kurtosis: float, n_trials: int, sharpe_variance: float
) -> float:
    """Deflated Sharpe ratio from summary figures (per-period Sharpe; kurtosis non-excess)."""
    return probabilistic_sharpe_ratio(sharpe, n_obs, skew, kurtosis, expected_max_sharpe(n_trials, sharpe_variance))


def deflated_sharpe(returns: pd.Series, n_trials: int, sharpe_variance: float | None = None) -> dict[str, float]:
    """Deflated Sharpe ratio of a daily return series and the figures that went into it.

    ``sharpe_variance`` is the cross-trial variance of per-period Sharpe ratios; None uses
    ``1 / (T - 1)`` (see the module notes).
    """
    r = returns.dropna().to_numpy(dtype=float)
    n = len(r)
    std = r.std(ddof=1) if n > 1 else float("nan")
    sharpe = float(r.mean() / std) if n > 1 and std > 0 else float("nan")
    skew = float(sps.skew(r, bias=True)) if n > 2 else float("nan")
    kurt = float(sps.kurtosis(r, fisher=False, bias=True)) if n > 3 else float("nan")
    variance = (1.0 / (n - 1) if n > 1 else float("nan")) if sharpe_variance is None else float(sharpe_variance)
    sr0 = expected_max_sharpe(n_trials, variance)
    return {
        "deflated_sharpe": deflated_sharpe_ratio(sharpe, n, skew, kurt, n_trials, variance),
        "probabilistic_sharpe": probabilistic_sharpe_ratio(sharpe, n, skew, kurt, 0.0),
        "sharpe_per_period": sharpe, "expected_max_sharpe_per_period": sr0, "sharpe_variance": variance,
        "skew": skew, "kurtosis": kurt, "n_obs": n, "n_trials": int(n_trials),
    }


def performance_stats(
    returns: pd.Series,
    *,
    turnover: pd.Series | None = None,
    n_trials: int = 1,
    sharpe_variance: float | None = None,
    periods_per_year: int = 252,
    inception: pd.Timestamp | None = None,
) -> dict[str, float | int | str | None]:
    """Headline statistics of one daily return series.

    Parameters
    ----------
    returns : Series
        Daily simple returns (fractions) indexed by trading day, net of costs.
    turnover : Series, optional
        Turnover per rebalance (``sum |dw|``), indexed by rebalance date; the first entry is the
        initial build from cash and is left out of the averages when there are later ones.
    n_trials, sharpe_variance : for the deflated Sharpe (see :func:`deflated_sharpe`).
    periods_per_year : annualisation factor (252 trading days).
    inception : the day the capital was invested (shown as the drawdown peak when it is the start).

    Returns
    -------
    dict
        ``days, start, end, total_return, cagr, annual_volatility, sharpe, max_drawdown,
        max_drawdown_peak, max_drawdown_trough, max_drawdown_recovery, rebalances,
        turnover_per_rebalance, annual_turnover, deflated_sharpe, probabilistic_sharpe,
        expected_max_sharpe`` (annualised SR0), ``n_trials``, ``skew``, ``kurtosis``; fractions, not %.
    """
    r = returns.astype(float).dropna()
    ann = periods_per_year
    dates = drawdown_dates(r, inception)
    dsr = deflated_sharpe(r, n_trials, sharpe_variance)
    out: dict[str, float | int | str | None] = {
        "days": len(r),
        "start": _iso(r.index[0]) if len(r) else None,
        "end": _iso(r.index[-1]) if len(r) else None,
        "total_return": float(empyrical.cum_returns_final(r, starting_value=0)) if len(r) else float("nan"),
        "cagr": float(empyrical.cagr(r, annualization=ann)),
        "annual_volatility": float(empyrical.annual_volatility(r, annualization=ann)),
        "sharpe": float(empyrical.sharpe_ratio(r, risk_free=0, annualization=ann)),
        "max_drawdown": float(empyrical.max_drawdown(r)),
        "max_drawdown_peak": dates["peak"],
        "max_drawdown_trough": dates["trough"],
        "max_drawdown_recovery": dates["recovery"],
    }
    if turnover is not None and len(turnover):
        later = turnover.iloc[1:] if len(turnover) > 1 else turnover
        years = len(r) / ann if len(r) else float("nan")
        out.update(rebalances=len(turnover), turnover_per_rebalance=float(later.mean()),
                   annual_turnover=float(later.sum() / years) if years else float("nan"))
    out.update(
        deflated_sharpe=dsr["deflated_sharpe"], probabilistic_sharpe=dsr["probabilistic_sharpe"],
        expected_max_sharpe=dsr["expected_max_sharpe_per_period"] * math.sqrt(ann),
        n_trials=dsr["n_trials"], skew=dsr["skew"], kurtosis=dsr["kurtosis"],
    )
    return out


def _iso(day: pd.Timestamp | None) -> str | None:
    """A date as ``YYYY-MM-DD`` (None stays None)."""
    return None if day is None or pd.isna(day) else pd.Timestamp(day).date().isoformat()
