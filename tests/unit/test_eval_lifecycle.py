"""The registry lifecycle (``evaluation/lifecycle.py``): one transition per registered run, by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from nexus_graph.errors import NexusError
from nexus_graph.evaluation.lifecycle import (
    ALPHA,
    CANDIDATE,
    DECLINING,
    REJECTED,
    Lifecycle,
    RunOutcome,
    sign_of,
    transition,
)

D1, D2, D3 = pd.Timestamp("2024-12-31"), pd.Timestamp("2025-06-30"), pd.Timestamp("2025-12-31")


def run(status: str, sign: int = 1, last: pd.Timestamp = D2) -> RunOutcome:
    return RunOutcome(status, sign, last)


def alpha_at(last: pd.Timestamp = D1, sign: int = 1, status: str = ALPHA) -> Lifecycle:
    return Lifecycle(status, last, sign)


@pytest.mark.parametrize("status", [CANDIDATE, ALPHA, REJECTED])
def test_a_first_run_gives_its_own_status(status: str) -> None:
    step = transition(Lifecycle(), run(status))
    assert (step.previous, step.status, step.changed) == (None, status, True)
    assert step.reason.startswith("first registered run")


def test_candidate_goes_to_alpha_or_rejected_and_alpha_records_its_evidence() -> None:
    up = transition(Lifecycle(CANDIDATE), run(ALPHA, +1, D1))
    assert (up.status, up.after) == (ALPHA, Lifecycle(ALPHA, D1, 1))
    down = transition(Lifecycle(CANDIDATE), run(REJECTED, -1, D1))
    assert (down.status, down.changed, down.after.alpha_last_date) == (REJECTED, True, None)
    same = transition(Lifecycle(CANDIDATE), run(CANDIDATE))
    assert (same.status, same.changed) == (CANDIDATE, False)


@pytest.mark.parametrize("below", [CANDIDATE, REJECTED])
def test_alpha_declines_on_newer_data_below_the_bar_with_the_same_sign(below: str) -> None:
    step = transition(alpha_at(D1, +1), run(below, +1, D2))
    assert (step.status, step.changed) == (DECLINING, True)
    assert "newer data (to 2025-06-30)" in step.reason and "ALPHA evidence to 2024-12-31, sign +" in step.reason
    assert step.after == alpha_at(D1, +1, DECLINING)  # the evidence to compare with stays the ALPHA run's
    negative = transition(alpha_at(D1, -1), run(below, -1, D2))
    assert negative.status == DECLINING


def test_alpha_is_unchanged_by_a_run_on_data_that_is_not_newer() -> None:
    for last in (D1, pd.Timestamp("2024-06-30")):
        step = transition(alpha_at(D1, +1), run(REJECTED, +1, last))
        assert (step.status, step.changed) == (ALPHA, False)
        assert "not newer" in step.reason


@pytest.mark.parametrize(("below", "sign"), [(CANDIDATE, -1), (REJECTED, -1), (REJECTED, 0)])
def test_alpha_on_newer_data_with_the_opposite_sign_takes_the_runs_status(below: str, sign: int) -> None:
    step = transition(alpha_at(D1, +1), run(below, sign, D2))
    assert (step.status, step.after) == (below, Lifecycle(below))
    assert "the effect turned" in step.reason


def test_declining_comes_back_only_by_a_new_alpha_run() -> None:
    declining = alpha_at(D1, +1, DECLINING)
    for below in (CANDIDATE, REJECTED):
        stays = transition(declining, run(below, +1, D3))
        assert (stays.status, stays.changed) == (DECLINING, False)
        assert transition(declining, run(below, +1, D1)).status == DECLINING  # older data: unchanged
    back = transition(declining, run(ALPHA, +1, D3))
    assert (back.status, back.changed, back.after) == (ALPHA, True, Lifecycle(ALPHA, D3, 1))
    assert back.reason.startswith("back to ALPHA from declining")


def test_a_confirming_alpha_run_moves_the_evidence_forward() -> None:
    confirmed = transition(alpha_at(D1, +1), run(ALPHA, +1, D2))
    assert (confirmed.status, confirmed.changed, confirmed.after.alpha_last_date) == (ALPHA, False, D2)
    # a run between the first and the confirming ALPHA run's data is not newer than the evidence
    assert transition(confirmed.after, run(CANDIDATE, +1, pd.Timestamp("2025-03-31"))).status == ALPHA
    assert transition(confirmed.after, run(CANDIDATE, +1, D3)).status == DECLINING


def test_a_sequence_of_runs() -> None:
    state, seen = Lifecycle(), []
    for outcome in (run(CANDIDATE, +1, D1), run(ALPHA, +1, D1), run(CANDIDATE, +1, D1), run(REJECTED, +1, D2),
                    run(REJECTED, +1, D3), run(ALPHA, +1, D3), run(CANDIDATE, -1, pd.Timestamp("2026-03-31"))):
        step = transition(state, outcome)
        assert step.after.status == step.status
        state = step.after
        seen.append(step.status)
    assert seen == [CANDIDATE, ALPHA, ALPHA, DECLINING, DECLINING, ALPHA, CANDIDATE]


def test_signs_and_bad_statuses() -> None:
    assert [sign_of(t) for t in (2.5, -0.1, 0.0, float("nan"))] == [1, -1, 0, 0]
    with pytest.raises(NexusError, match=r"A run's status must be one of \['candidate', 'alpha', 'rejected'\] "
                                         r"\(got 'declining'\)"):
        transition(Lifecycle(), run(DECLINING))
    with pytest.raises(NexusError, match="Unknown signal status 'retired'"):
        transition(Lifecycle("retired"), run(ALPHA))
