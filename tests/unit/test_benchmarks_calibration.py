"""The calibration benchmark plants one daily effect; horizons follow from it (issue #17, defect 10)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import calibration


def test_the_effect_is_daily_and_uses_the_factor_known_at_the_previous_close() -> None:
    fac = np.array([[[1.0], [10.0]]])  # one panel, snapshots at rows 2 and 5, one name
    cum = calibration.cumulative_exposure(fac, np.array([2, 5]), 8)
    daily = np.diff(np.r_[0.0, cum[0, :, 0]])
    # day d (the return from d-1 to d) earns the factor of the latest snapshot with row <= d - 1
    assert daily.tolist() == [0, 0, 0, 1, 1, 1, 10, 10]


def test_horizons_follow_from_one_planted_effect() -> None:
    rng = np.random.default_rng(0)
    days, _, pos = calibration.calendar()
    out, _ = calibration.simulate(rng, 20, len(days), pos)
    mean = {key: float(value.mean()) for key, value in out.items()}
    assert mean[("iid", 0.05, 21)] == pytest.approx(0.05, abs=0.006)
    assert mean[("AR", 0.05, 21)] == pytest.approx(0.05, abs=0.006)
    # not planted per horizon: an iid factor's effect is diluted at 126 d, a persistent one's grows
    assert mean[("iid", 0.05, 126)] < 0.03 < mean[("AR", 0.05, 126)]
    assert abs(mean[("iid", 0.0, 126)]) < 0.01


def test_effect_size_gives_the_planted_pearson_correlation() -> None:
    b = calibration.effect_per_day(0.05)
    days = 21
    pearson = days * b / np.sqrt((days * b) ** 2 + days * calibration.IDIO_SD**2)
    assert pearson == pytest.approx(2 * np.sin(np.pi * 0.05 / 6))
