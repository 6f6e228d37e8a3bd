"""A signal's status across registered runs: the registry's lifecycle. Pure.

Each registered run has its own status from its verdict (``decision.py``: ALPHA -> ``alpha``,
CANDIDATE -> ``candidate``, NULL -> ``rejected``). The *signal's* status follows from its previous
status and that run, by :func:`transition`, the one place the rule is written:

::

    (none) ──► candidate ──► alpha ──► declining
                   │  ▲        ▲  │        │
                   ▼  │        │  └────────┘  (a new ALPHA run brings it back)
               rejected ───────┘

1. A run whose verdict is ALPHA makes the signal ``alpha`` (from any status; from ``declining`` it
   is the only way back). Its last evaluated date and the sign of its headline robust t become the
   signal's *ALPHA evidence* (the reference of rule 2).
2. A signal that is ``alpha`` or ``declining``, and a run below the bar (CANDIDATE or NULL):

   * run on **newer** data (its last evaluated date is after the ALPHA evidence's) with the **same**
     sign of headline robust t: ``declining`` -- the effect is fading (it stays ``declining``);
   * run on newer data with the **opposite** sign (or a zero t): the run's own status -- the effect
     has not faded but turned, and the signal starts over as ``candidate`` or ``rejected``;
   * run on data **not newer** (the same window re-tested, e.g. another rule or horizons): no
     change -- a re-test of the same months is not news about the effect's persistence.

3. Otherwise (a first registration, ``candidate``, ``rejected``) the signal takes the run's status.
   A rejected signal tested again is allowed (the registry warns, and the test counts in M).

The transition is applied once per run: re-registering a run already recorded changes nothing
(``store/registry.py`` skips it), so the history is idempotent under re-runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from nexus_graph.errors import NexusError

CANDIDATE, ALPHA, REJECTED, DECLINING = "candidate", "alpha", "rejected", "declining"
RUN_STATUSES = (CANDIDATE, ALPHA, REJECTED)  # what one run's verdict can say
STATUSES = (*RUN_STATUSES, DECLINING)  # what a signal can be


@dataclass(frozen=True)
class Lifecycle:
    """A signal's lifecycle state: its status and the ALPHA evidence a later run is compared with."""

    status: str | None = None
    alpha_last_date: pd.Timestamp | None = None  # last evaluated date of the latest ALPHA run
    alpha_sign: int = 0  # sign of that run's headline robust t


@dataclass(frozen=True)
class RunOutcome:
    """What one registered run says: its own status, direction and the last date it evaluated."""

    status: str
    sign: int
    last_date: pd.Timestamp


@dataclass(frozen=True)
class Transition:
    """The signal's status after a run, why, and the lifecycle state to store."""

    previous: str | None
    status: str
    reason: str
    after: Lifecycle  # the state to store (``after.status == status``)

    @property
    def changed(self) -> bool:
        return self.status != self.previous


def sign_of(t: float) -> int:
    """+1, -1, or 0 for a zero or missing t."""
    return 0 if not math.isfinite(t) or t == 0 else (1 if t > 0 else -1)


def _sign(sign: int) -> str:
    return {1: "+", -1: "-"}.get(sign, "0")


def _newer(run: RunOutcome, before: Lifecycle) -> bool:
    """The run evaluated data past the ALPHA evidence (no recorded evidence counts as older)."""
    return before.alpha_last_date is None or pd.Timestamp(run.last_date) > pd.Timestamp(before.alpha_last_date)


def transition(before: Lifecycle, run: RunOutcome) -> Transition:
    """The signal's status after registering ``run`` on top of ``before`` (rules in the module notes)."""
    if run.status not in RUN_STATUSES:
        raise NexusError(f"A run's status must be one of {list(RUN_STATUSES)} (got {run.status!r}).")
    if before.status is not None and before.status not in STATUSES:
        raise NexusError(f"Unknown signal status {before.status!r}; expected one of {list(STATUSES)}.")
    last = f"{pd.Timestamp(run.last_date):%Y-%m-%d}"
    if run.status == ALPHA:
        after = Lifecycle(ALPHA, pd.Timestamp(run.last_date), run.sign)
        why = {None: "first registered run is ALPHA", ALPHA: "ALPHA again",
               DECLINING: "back to ALPHA from declining by a new ALPHA run"}.get(before.status, "run is ALPHA")
        return Transition(before.status, ALPHA, f"{why} (data to {last}, sign {_sign(run.sign)})", after)
    if before.status in (ALPHA, DECLINING):
        evidence = ("no recorded ALPHA evidence" if before.alpha_last_date is None else
                    f"ALPHA evidence to {pd.Timestamp(before.alpha_last_date):%Y-%m-%d}, "
                    f"sign {_sign(before.alpha_sign)}")
        if not _newer(run, before):
            return Transition(before.status, before.status,
                              f"{run.status} run on data to {last}, not newer than the {evidence}: unchanged", before)
        if run.sign != 0 and run.sign == before.alpha_sign:
            return Transition(before.status, DECLINING,
                              f"{run.status} run on newer data (to {last}) below the bar with the same sign "
                              f"({evidence})", Lifecycle(DECLINING, before.alpha_last_date, before.alpha_sign))
        return Transition(before.status, run.status,
                          f"{run.status} run on newer data (to {last}) with sign {_sign(run.sign)} against the "
                          f"{evidence}: the effect turned", Lifecycle(run.status))
    why = "first registered run" if before.status is None else f"run after {before.status}"
    return Transition(before.status, run.status, f"{why}: {run.status} (data to {last})",
                      Lifecycle(run.status, before.alpha_last_date, before.alpha_sign))
