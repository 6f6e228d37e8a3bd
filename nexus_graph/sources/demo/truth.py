"""What the demo generator knows and no model sees: each candidate pair's true link rate.

For ceiling studies (``python -m benchmarks.ceiling``): how well could ANY link predictor rank the
validation pairs if it knew the probabilities the demo links were drawn from? Every supply and
ownership pair of the demo follows an on/off Markov process (:mod:`~nexus_graph.sources.demo.graph`)
with a stationary probability ``pi`` of being linked and a mean on-spell of ``years``; an unlinked
pair starts a link at the rate ``pi / (1 - pi) / years`` a year. Its logarithm, ``log_rate``, is the
generator's own score for "this pair links next".

It is not the whole truth: shake-ups, disclosure lags, listing windows and the calibration trim also
decide which links appear, and they are left out. Board seats are drawn directly (no candidate pairs,
no rate), so they have no row here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nexus_graph import schema
from nexus_graph.sources.demo import links
from nexus_graph.sources.demo.generator import DEFAULT_SEED, _check_arguments, _relationships

PI_CLIP = (1e-9, 0.995)  # as the simulation clips it (graph.alternating_intervals)
TRUTH_COLUMNS = ("source_id", "target_id", "pi", "years", "log_rate")


def link_rates(seed: int = DEFAULT_SEED, scale: int = 1) -> dict[str, pd.DataFrame]:
    """The true link rate of every candidate pair of ``generate(seed=seed, scale=scale)``.

    Parameters
    ----------
    seed, scale
        As for :func:`~nexus_graph.sources.demo.generate` (the same random streams, so the same pairs
        and probabilities the generated dataset was drawn from).

    Returns
    -------
    dict of str to DataFrame
        Relationship table name (``"supply"``, ``"ownership"``) -> one row per candidate pair with
        :data:`TRUTH_COLUMNS`: the source and target ids as in the dataset's relationship frames,
        ``pi``, ``years`` and ``log_rate = log(pi / (1 - pi)) - log(years)``. A pair that is not a
        candidate never links (its rate is 0).
    """
    _check_arguments(seed, scale, "none", 0.0)
    u = links.build_universe(seed, scale)
    _, supply_fam, _, own_fam, own_fund = _relationships(u, seed, scale)
    assert supply_fam.cand_other is not None
    return {
        schema.SUPPLY.table: _frame(u.ids[supply_fam.cand_company], u.ids[supply_fam.cand_other], supply_fam.cand_pi,
                                    np.broadcast_to(np.asarray(supply_fam.years_on, float), supply_fam.cand_pi.shape)),
        schema.OWNERSHIP.table: _frame(u.fund_ids[own_fund], u.ids[own_fam.cand_company], own_fam.cand_pi,
                                       np.asarray(own_fam.years_on, float)),
    }


def _frame(source: np.ndarray, target: np.ndarray, pi: np.ndarray, years: np.ndarray) -> pd.DataFrame:
    p = np.clip(np.asarray(pi, float), *PI_CLIP)
    return pd.DataFrame({"source_id": source, "target_id": target, "pi": p, "years": years,
                         "log_rate": np.log(p / (1.0 - p)) - np.log(years)})
