"""The multiple-testing family: every test ever made, of which this run's are the newest. Pure.

A test is one (signal, run, horizon) robust p-value. The family of a run is

* every test already made -- the registry's stored robust p-values of all signals, runs and
  horizons, rejected ones and runs evaluated with ``--no-register`` included (they are trials too);
* plus this run's tests;
* plus, while that is fewer than the configured prior count (the Harvey-Liu-Zhu reference's
  M = 400), as many further tests as make it up: tests we know were made elsewhere but whose p-values
  we do not have.

Its size ``M = max(tests so far + this run's, configured)`` is the M of the HLZ bar and the N of the
deflated Sharpe ratio. Holm and BHY adjusted p-values come from
``statsmodels.stats.multitest.multipletests`` over the whole family; a test without a known p-value
(the configured prior, or a stored test without a robust p) enters at p = 1. Lowering any p-value in
the family can only lower the adjusted p-values of the others (both procedures are monotone), so
with unknown tests at p = 1 the adjusted p-values are an *upper* bound on what the full family would
give: conservative, never flattering. When the registry holds more tests than the prior count,
every test is known and the adjustment is exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from nexus_graph.errors import NexusError

CONFIGURED_TESTS = 400  # the reference's M: tests assumed made before the registry existed
ALPHA = 0.05
METHODS = {"holm": "holm", "bhy": "fdr_by"}


@dataclass(frozen=True)
class TestFamily:
    """The tests made before this run and the configured prior count.

    prior_pvalues : robust p-values of the tests already made (registry: every signal, run and
        horizon, unregistered runs included; NaN where a test has no stored p-value).
    configured : the prior count M is never below (HLZ's 400).
    """

    __test__ = False  # not a pytest class, despite the name

    prior_pvalues: tuple[float, ...] = ()
    configured: int = CONFIGURED_TESTS

    @classmethod
    def of(cls, prior_pvalues: Iterable[float | None] = (), configured: int = CONFIGURED_TESTS) -> TestFamily:
        """A family from stored p-values (None or NaN for a test without one)."""
        values = tuple(float("nan") if p is None else float(p) for p in prior_pvalues)
        return cls(values, int(configured))

    @classmethod
    def from_tests(cls, tests: pd.DataFrame, exclude_run: str | None = None,
                   configured: int = CONFIGURED_TESTS) -> TestFamily:
        """A family from the registry's test rows: columns ``run_id`` and ``robust_p`` (one row per test).

        Rows of ``exclude_run`` (this run's own earlier registration, when re-run) are left out, so
        registering the same run twice does not count it twice.
        """
        missing = {"run_id", "robust_p"} - set(tests.columns)
        if missing:
            raise NexusError(f"The registry's test table lacks column(s) {sorted(missing)} (got "
                             f"{list(tests.columns)}); expected one row per test with run_id and robust_p.")
        rows = tests if exclude_run is None else tests.loc[tests["run_id"] != exclude_run]
        return cls.of(pd.to_numeric(rows["robust_p"], errors="coerce").tolist(), configured)

    @property
    def prior_tests(self) -> int:
        """Tests made before this run."""
        return len(self.prior_pvalues)

    def size(self, new: int = 0) -> int:
        """M: the family's size once ``new`` tests of this run join it."""
        return max(self.prior_tests + int(new), int(self.configured))

    @property
    def trials(self) -> int:
        """N of the deflated Sharpe ratio: the family as it stands (every test made so far)."""
        return self.size(0)

    def adjusted(self, pvalues: Iterable[float]) -> dict[str, np.ndarray]:
        """Holm and BHY adjusted p-values of this run's ``pvalues`` within the family.

        NaN entries (horizons without a test) stay NaN and are not counted as tests.
        """
        p = np.asarray(list(pvalues), dtype=float)
        finite = np.isfinite(p)
        known = np.asarray(self.prior_pvalues, dtype=float)
        family = np.ones(self.size(int(finite.sum())))  # unknown tests at p = 1 (see the module notes)
        family[: finite.sum()] = p[finite]
        family[finite.sum() : finite.sum() + len(known)] = np.where(np.isfinite(known), known, 1.0)
        out: dict[str, np.ndarray] = {}
        for key, method in METHODS.items():
            adjusted = np.full(p.shape, np.nan)
            if finite.any():
                adjusted[finite] = multipletests(family, alpha=ALPHA, method=method)[1][: finite.sum()]
            out[key] = adjusted
        return out

    def describe(self, new: int) -> str:
        """One sentence for the report: what the family was."""
        known = int(np.isfinite(np.asarray(self.prior_pvalues, dtype=float)).sum())
        m = self.size(new)
        assumed = m - self.prior_tests - int(new)
        text = (f"Multiple-testing family: M = {m} tests = {self.prior_tests} made before this run "
                f"(registry, every signal, run and horizon, unregistered runs included; {known} with a stored "
                f"robust p) + {int(new)} of this run")
        if assumed > 0:
            text += (f" + {assumed} more assumed by the configured prior count ({self.configured}) at p = 1, so "
                     "Holm and BHY p-values are upper bounds")
        return text + "."
