"""The multiple-testing family: stored p-values + this run's, M = max(tests so far, 400), described."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from nexus_graph.errors import NexusError
from nexus_graph.evaluation import stats
from nexus_graph.evaluation.family import TestFamily


def test_holm_uses_the_stored_pvalues_and_is_not_bonferroni() -> None:
    # 450 tests already made, many with small p: this run's Holm p is not M * p any more
    rng = np.random.default_rng(0)
    prior = np.r_[np.full(200, 1e-9), rng.uniform(0.001, 1, 250)]
    family = TestFamily.of(prior)
    ours = np.array([2e-5, 0.3, np.nan])
    adjusted = family.adjusted(ours)
    everything = np.r_[ours[:2], prior]
    assert family.size(2) == 452
    assert adjusted["holm"][:2] == pytest.approx(multipletests(everything, method="holm")[1][:2])
    assert adjusted["bhy"][:2] == pytest.approx(multipletests(everything, method="fdr_by")[1][:2])
    assert adjusted["holm"][0] < 452 * 2e-5 * 0.9  # well below Bonferroni: the family is known
    assert np.isnan(adjusted["holm"][2])


def test_the_stored_pvalues_change_the_run_s_adjustment() -> None:
    # the old code padded this run's p with p = 1 whatever the registry held (Holm = Bonferroni)
    ours = np.array([1e-4])
    alone = TestFamily().adjusted(ours)["holm"][0]
    with_registry = TestFamily.of([1e-6] * 100).adjusted(ours)["holm"][0]
    assert alone == pytest.approx(400 * 1e-4)
    assert with_registry == pytest.approx(300 * 1e-4)


def test_m_is_max_of_tests_so_far_and_the_configured_count() -> None:
    assert TestFamily().size(3) == 400
    assert TestFamily.of([0.5] * 500).size(3) == 503
    assert TestFamily.of([0.5] * 10, configured=5).size(3) == 13
    assert TestFamily.of([0.5] * 500).trials == 500  # the DSR's N: every test so far
    # a stored test without a p-value is still a test, counted at p = 1
    fam = TestFamily.of([None, 1e-8, float("nan")], configured=3)
    assert fam.prior_tests == 3
    assert fam.adjusted([0.01])["holm"][0] == pytest.approx(multipletests([0.01, 1, 1e-8, 1], method="holm")[1][0])


def test_the_family_is_described_for_the_report() -> None:
    text = TestFamily.of([0.2, None]).describe(3)
    assert text.startswith("Multiple-testing family: M = 400 tests = 2 made before this run")
    assert "unregistered runs included; 1 with a stored robust p) + 3 of this run" in text
    assert "+ 395 more assumed by the configured prior count (400) at p = 1" in text and "upper bounds" in text
    assert "assumed" not in TestFamily.of([0.5] * 450).describe(3)


def test_summary_table_uses_the_family() -> None:
    rng = np.random.default_rng(1)
    ic = pd.DataFrame({21: rng.normal(0.05, 0.1, 50), 63: rng.normal(0.0, 0.1, 50)},
                      index=pd.date_range("2021-06-30", periods=50, freq="ME"))
    family = TestFamily.of(np.full(600, 1e-7))
    table = stats.summary_table(ic, family=family)
    assert (table["m"] == 602).all()
    assert table.loc[21, "hlz_bar"] == pytest.approx(stats.hlz_bar(50, 602))
    expected = multipletests(np.r_[table["robust_p"].to_numpy(), np.full(600, 1e-7)], method="holm")[1][:2]
    assert table["holm_p"].to_numpy() == pytest.approx(expected)


def test_family_from_the_registry_rows_leaves_this_run_out() -> None:
    rows = pd.DataFrame({"run_id": ["a", "a", "b", "this"], "robust_p": [0.01, None, 0.2, 0.03]})
    family = TestFamily.from_tests(rows, exclude_run="this", configured=2)
    assert family.prior_tests == 3 and family.size(3) == 6
    assert np.isnan(family.prior_pvalues[1]) and family.prior_pvalues[2] == 0.2
    assert TestFamily.from_tests(rows).prior_tests == 4
    with pytest.raises(NexusError, match=r"lacks column\(s\) \['robust_p'\]"):
        TestFamily.from_tests(rows.drop(columns="robust_p"))
