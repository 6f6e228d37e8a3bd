"""How much room does the demo leave above the link-prediction baseline? (issue 22)

    python -m benchmarks.ceiling                                  # demo seed 7, x1, both as-of dates
    python -m benchmarks.ceiling --demo-seed 11 --scale 20 --json ceiling.json
    python -m benchmarks.ceiling --asof quarterly:2019-06-30:2025-12-31  # every quarter-end, and the mean

The baseline (:mod:`nexus_graph.model.baselines`) is scored on the trainer's validation pairs (the
default ``time_forward_split``: snapshot at ``as_of - gap`` against ``as_of``, degree negatives, split
seed 0), as in ``benchmarks.ablation``. Beside it, what no model can see: the generator's own link
rate of each pair (:func:`nexus_graph.sources.demo.truth.link_rates`, ``log_rate``):

- ``truth alone``: the validation pairs ranked by the true rate;
- ``baseline + truth``: the baseline's logistic with the true rate as one more input, fitted exactly
  as the baseline is (the same four earlier windows that end at the training cut, never a validation
  label). A model that learned the generator's probabilities perfectly from the graph could add at
  most about this much to the baseline; ``headroom`` is the difference;
- ``bootstrap s.e.``: the standard error of the baseline's AUC when the validation positives and
  negatives are resampled with replacement within each relationship type (stratified bootstrap), i.e.
  how far the AUC of these few hundred pairs moves by the luck of which links happened.

Only the relationship types the generator draws from a rate (supply, ownership) are scored; board
seats have no rate and at most a couple of validation positives. No Neo4j and no training: the demo
is generated in-process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
from torch import Tensor

from benchmarks.ablation import add_dataset_arguments, as_of_dates
from nexus_graph import schema
from nexus_graph.model.baselines import (
    FittedCombination,
    HeuristicGraph,
    fit_combination,
    months_before,
)
from nexus_graph.model.metrics import roc_auc, weighted_auc
from nexus_graph.model.spec import EdgeType
from nexus_graph.model.splits import time_forward_split
from nexus_graph.snapshot.hetero import OWNS, SITS_ON, SUPPLIES, build_snapshot
from nexus_graph.snapshot.tables import GraphTables, graph_tables_from_dataset

PREDICT = [SUPPLIES, OWNS, SITS_ON]  # the trainer's split predicts all three (same pairs as the ablation)
SCORED = {SUPPLIES: schema.SUPPLY.table, OWNS: schema.OWNERSHIP.table}  # types with a true rate
NOT_A_CANDIDATE = -30.0  # log rate of a pair the generator never links (about e^-30 a year)
BOOTSTRAP = 1000


class TruthLookup:
    """The true log rate of (source row, target row) pairs of the snapshot's node index."""

    def __init__(self, tables: GraphTables, rates: dict[str, pd.DataFrame]) -> None:
        self.tables, self.rates = tables, rates
        self._keys: dict[EdgeType, pd.Series] = {}
        for et, table in SCORED.items():
            frame = rates[table]
            self._keys[et] = pd.Series(frame.log_rate.to_numpy(),
                                       index=pd.MultiIndex.from_arrays([frame.source_id, frame.target_id]))

    def __call__(self, et: EdgeType, pairs: Tensor) -> np.ndarray:
        if et not in self._keys:  # board seats: no rate (a constant column, which the fit gives no weight)
            return np.full(pairs.size(1), NOT_A_CANDIDATE)
        p = pairs.numpy()
        src = self.tables.nodes[et[0]].node_id.to_numpy()[p[0]]
        dst = self.tables.nodes[et[2]].node_id.to_numpy()[p[1]]
        found = self._keys[et].reindex(pd.MultiIndex.from_arrays([src, dst]))
        return found.fillna(NOT_A_CANDIDATE).to_numpy(np.float64)


def bootstrap_se(scores: dict[str, tuple[np.ndarray, np.ndarray]], reps: int = BOOTSTRAP, seed: int = 0) -> float:
    """Stratified-bootstrap standard error of the positive-weighted AUC over types.

    ``scores`` maps a type name to ``(labels, scores)``; each replicate resamples that type's positives
    and negatives with replacement (so every type keeps its counts and weight).
    """
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(reps):
        by_type = {}
        for name, (labels, s) in scores.items():
            pos, neg = s[labels > 0.5], s[labels < 0.5]
            p, q = rng.choice(pos, pos.size), rng.choice(neg, neg.size)
            by_type[name] = (roc_auc(np.r_[np.ones(p.size), np.zeros(q.size)], np.r_[p, q]), int(pos.size))
        draws.append(weighted_auc(by_type))
    return float(np.std(draws, ddof=1))


def run_date(tables: GraphTables, truth: TruthLookup, as_of: pd.Timestamp, gap_months: int = 3) -> dict:
    """One row: baseline, truth alone, baseline + truth, headroom and the baseline's bootstrap s.e."""
    started = time.perf_counter()
    cut = months_before(as_of, gap_months)
    split = time_forward_split(build_snapshot(tables, cut), build_snapshot(tables, as_of), predict=PREDICT, seed=0)
    fitted: FittedCombination = fit_combination(tables, split, cut, gap_months=gap_months)
    # the baseline's own fit (same windows, negatives and seed) with the true rate as one more input
    with_truth = fit_combination(tables, split, cut, gap_months=gap_months,
                                 extra=lambda _start, et, pairs: truth(et, pairs))
    graph = HeuristicGraph(tables, cut, edges=split.message_edges)
    base, alone, both, for_se, positives = {}, {}, {}, {}, {}
    for et in SCORED:
        pairs = split.val_edges.get(et)
        if pairs is None or pairs.size(1) == 0 or et not in with_truth.models:
            continue
        name, labels = "__".join(et), split.val_labels[et].numpy()
        n_pos = int((labels > 0.5).sum())
        raw = graph.features(et, pairs)
        rate = truth(et, pairs)
        base_score = fitted.decision(et, raw)
        base[name] = (roc_auc(labels, base_score), n_pos)
        alone[name] = (roc_auc(labels, rate), n_pos)
        both[name] = (roc_auc(labels, with_truth.decision(et, raw, rate)), n_pos)
        for_se[name] = (labels, base_score)
        positives[name] = n_pos
    row = {"as_of": f"{as_of:%Y-%m-%d}", "baseline": weighted_auc(base), "truth_alone": weighted_auc(alone),
           "baseline_plus_truth": weighted_auc(both), "bootstrap_se": bootstrap_se(for_se),
           "positives": positives, "by_type": {k: {"baseline": base[k][0], "truth_alone": alone[k][0],
                                                   "baseline_plus_truth": both[k][0]} for k in base}}
    row["headroom"] = row["baseline_plus_truth"] - row["baseline"]
    row["seconds"] = time.perf_counter() - started
    return row


def markdown(rows: list[dict], demo_seed: int, scale: int) -> str:
    lines = [f"Demo seed {demo_seed}, x{scale}; supply and ownership pairs of the trainer's split (split seed 0).", "",
             "| as-of | positives | baseline | truth alone | baseline + truth | headroom | bootstrap s.e. |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        pos = " + ".join(str(n) for n in r["positives"].values())
        lines.append(f"| {r['as_of']} | {pos} | {r['baseline']:.4f} | {r['truth_alone']:.4f} | "
                     f"{r['baseline_plus_truth']:.4f} | {r['headroom']:+.4f} | {r['bootstrap_se']:.4f} |")
    if len(rows) > 1:
        room = [r["headroom"] for r in rows]
        se = statistics.stdev(room) / len(room) ** 0.5
        mean_base = statistics.mean(r["baseline"] for r in rows)
        lines += ["", f"Mean over {len(rows)} as-of dates: baseline {mean_base:.4f}, "
                  f"headroom {statistics.mean(room):+.4f} (s.e. {se:.4f}), positive at {sum(h > 0 for h in room)}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_dataset_arguments(ap)
    ap.add_argument("--json", type=Path, help="also write the rows here")
    a = ap.parse_args(argv)
    from nexus_graph.sources.demo import generate
    from nexus_graph.sources.demo.truth import link_rates

    tables = graph_tables_from_dataset(generate(seed=a.demo_seed, scale=a.scale))
    truth = TruthLookup(tables, link_rates(a.demo_seed, a.scale))
    rows = []
    for as_of in as_of_dates(a.asof):
        rows.append(run_date(tables, truth, as_of, a.gap_months))
        print(json.dumps({k: v for k, v in rows[-1].items() if k != "by_type"}), flush=True)
    print(markdown(rows, a.demo_seed, a.scale))
    if a.json:
        a.json.write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()
