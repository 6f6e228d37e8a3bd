"""Ablation of the HGT's inputs against the heuristic baseline, on the trainer's own validation pairs.

    python -m benchmarks.ablation                                   # demo x1 at 2021-05-31 and 2023-12-31
    python -m benchmarks.ablation --scale 20 --seeds 0 --epochs 100 # x20 (slow on 2 cores)
    python -m benchmarks.ablation --variants hgt past past+id --markdown table.md
    python -m benchmarks.ablation --asof quarterly:2019-06-30:2025-12-31 --seeds 0 --variants hgt stack+win+mix

No Neo4j: the demo dataset is generated in-process and sliced with the same point-in-time code the
pipeline uses. For each as-of date the split is the pipeline's default: ``time_forward_split`` of the
snapshots at ``as_of - gap`` and ``as_of``, degree negatives, split seed 0 (pairs identical in every
variant, checked). The baseline (:func:`nexus_graph.model.baselines.baseline_auc`) scores the same
pairs. Each variant trains ``TrainConfig(epochs=..., seed=s)`` once per training seed; the table gives
the mean (and min..max) final val AUC and the mean training seconds (single torch thread).

Variants (``+`` combines): ``hgt`` the default inputs; ``past`` past relationships as ``past_<rel>``
edge types (:mod:`nexus_graph.snapshot.past`); ``rw`` 8 random-walk return probabilities per node;
``id`` 16 hashed identity columns per node (:mod:`nexus_graph.model.encodings`); ``recent`` the
time-forward training objective (:func:`nexus_graph.model.temporal.hold_out_recent`: the edges that
became known in the last ``gap`` months before the cut are hidden from messages and are the
positives), ``holdout`` the same with the visible edges kept as positives too; ``pair`` (EXPERIMENTAL,
:mod:`nexus_graph.model.pair_prior`) the decoder also gets a learned linear term over the baseline's
pair heuristics at the cut, ``pairpast`` the same over ``past_link`` only; ``stack`` the stacked
decoder (:mod:`nexus_graph.model.stacking`): the baseline's fitted logit as a fixed offset, the HGT
trained as the residual on top; ``win`` the time-forward objective (:mod:`nexus_graph.model.windows`:
the new links of the baseline's four earlier windows, each predicted from its start snapshot) instead
of reconstruction, ``both`` the two objectives summed; ``mix`` (with ``stack+win``) leaves the most
recent window out of training and fits the residual's weight on it (``offset + beta * bilinear``);
``sel`` (with ``mix``) also chooses the checkpoint there (:mod:`nexus_graph.model.selection`: the
evaluation point with the lowest held-back log-loss, weights and ``beta``), never on validation labels;
``wd`` weight decay 1e-2 instead of 1e-4 and ``small`` hidden width 16 instead of 64 (a smaller, more
regularised residual; note ``small`` also narrows the embeddings); ``z2`` (with ``sel``) counts a
residual only if its log-loss gain on the held-back window is at least 2 standard errors; ``combo`` scores
the validation pairs with the baseline's logistic plus the trained HGT's logit as one more input, fitted on
the baseline's own windows (the trainer's ``--decoder combined``, :mod:`nexus_graph.model.combined`; the
"beta" column then shows the HGT input's standardised weight): what the HGT adds to the heuristics.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pandas as pd
import torch
from torch_geometric.data import HeteroData

from nexus_graph.model import trainer
from nexus_graph.model.baselines import FEATURES, HeuristicGraph, baseline_auc, months_before
from nexus_graph.model.combined import combine_with_baseline
from nexus_graph.model.encodings import with_encodings
from nexus_graph.model.hgt import HGTLinkPredictor
from nexus_graph.model.pair_prior import PairFeatures, PairPriorPredictor
from nexus_graph.model.splits import LinkSplit, leaked_edges, time_forward_split
from nexus_graph.model.temporal import hold_out_recent
from nexus_graph.model.train import TrainConfig, embed, train_link_predictor
from nexus_graph.model.windows import training_inputs
from nexus_graph.snapshot.hetero import OWNS, SITS_ON, SUPPLIES, build_snapshot
from nexus_graph.snapshot.past import with_past_edges
from nexus_graph.snapshot.tables import GraphTables, graph_tables_from_dataset

PREDICT = [SUPPLIES, OWNS, SITS_ON]
DEFAULT_VARIANTS = ("hgt", "past", "rw", "id", "past+id", "past+rw+id")
RW_STEPS, ID_DIM = 8, 16
WD_STRONG = 1e-2  # ``wd``: 100x the default weight decay, set once before any run (not tuned)


def variant_graph(tables: GraphTables, at: pd.Timestamp, variant: str) -> HeteroData:
    """The snapshot at ``at`` with the inputs ``variant`` names."""
    parts = set(variant.split("+")) - {"hgt", "recent", "holdout", "pair", "pairpast", "stack", "win", "both", "mix",
                                       "sel", "z2", "wd", "small", "combo"}
    unknown = parts - {"past", "rw", "id"}
    if unknown:
        raise SystemExit(f"Unknown variant part(s) {sorted(unknown)} in {variant!r}; "
                         "use hgt, past, rw, id, recent, holdout, pair, pairpast, stack, win, both, mix, sel, z2, "
                         "wd, small, combo.")
    data = build_snapshot(tables, at)
    if "past" in parts:
        data = with_past_edges(data, tables, at)
    return with_encodings(data, rw_steps=RW_STEPS if "rw" in parts else 0,
                          identity_dim=ID_DIM if "id" in parts else 0)


def _capacity(parts: set[str]) -> dict:
    """TrainConfig overrides: ``wd`` weight decay 1e-2, ``small`` hidden 16, ``z2`` held-back gain >= 2 SE."""
    return {**({"weight_decay": WD_STRONG} if "wd" in parts else {}), **({"hidden": 16} if "small" in parts else {}),
            **({"select_min_z": 2.0} if "z2" in parts else {})}


@contextmanager
def _decoder(tables: GraphTables, cut: pd.Timestamp, parts: set[str], split: LinkSplit) -> Iterator[None]:
    """Train the experimental pair-prior model instead of the plain HGT while inside (``pair`` variants)."""
    if not parts & {"pair", "pairpast"}:
        yield
        return
    columns = FEATURES if "pair" in parts else ("past_link",)
    # over the split's message graph: edges a hold-out variant hides stay hidden from the heuristics too
    features = PairFeatures(HeuristicGraph(tables, cut, edges=split.message_edges), split.predict, columns)
    # the trainer builds HGTLinkPredictor itself and has no model hook yet: swap the class it uses
    with mock.patch.object(trainer, "HGTLinkPredictor", lambda spec: PairPriorPredictor(spec, features)):
        yield


def combined_auc(tables: GraphTables, split: LinkSplit, cut: pd.Timestamp, model: HGTLinkPredictor, variant: str,
                 gap_months: int) -> tuple[float, float]:
    """``combo``: the combined decoder's validation AUC (:mod:`nexus_graph.model.combined`) and the HGT
    input's standardised weight (0 or below: the HGT adds nothing to the heuristics)."""
    combined = combine_with_baseline(tables, split, cut, model, lambda d: variant_graph(tables, d, variant),
                                     lambda m, g: embed(m, g, device="cpu"), gap_months=gap_months)
    return combined.auc, combined.hgt_weight


def _same_pairs(a: LinkSplit, b: LinkSplit) -> bool:
    return all(torch.equal(a.val_edges[et], b.val_edges[et]) and torch.equal(a.val_labels[et], b.val_labels[et])
               for et in a.val_edges)


def run_date(tables: GraphTables, as_of: pd.Timestamp, variants: list[str], seeds: list[int], epochs: int,
             gap_months: int, objective_windows: int = 4) -> list[dict]:
    """Rows of the table for one as-of date: the baseline, then each variant."""
    cut = months_before(as_of, gap_months)
    later = build_snapshot(tables, as_of)
    reference = time_forward_split(build_snapshot(tables, cut), later, predict=PREDICT, seed=0)
    started = time.perf_counter()
    base = baseline_auc(tables, reference, cut, gap_months=gap_months)
    rows = [{"variant": "baseline (logistic on heuristics)", "as_of": f"{as_of:%Y-%m-%d}", "val_auc": base.auc,
             "by_type": base.auc_by_type, "seconds": time.perf_counter() - started, "baseline_auc": base.auc,
             "past_link_auc": base.heuristic_auc.get("past_link")}]
    for variant in variants:
        graph = variant_graph(tables, cut, variant)
        split = time_forward_split(graph, later, predict=PREDICT, seed=0)
        parts = set(variant.split("+"))
        if parts & {"recent", "holdout"}:
            earlier = build_snapshot(tables, months_before(cut, gap_months))
            split = hold_out_recent(split, earlier, positives="recent" if "recent" in parts else "all")
        if not _same_pairs(split, reference) or leaked_edges(split):
            raise SystemExit(f"variant {variant!r} changed the validation pairs or leaks them; "
                             "the ablation would be unfair.")
        config = TrainConfig(epochs=epochs, decoder="stacked" if "stack" in parts else "bilinear",
                             mix="fitted" if "mix" in parts else "fixed",
                             select="held-back" if "sel" in parts else "last",
                             objective="windows" if "win" in parts else "both" if "both" in parts else "reconstruct",
                             **_capacity(parts))
        # validation offsets over the full cut graph, whatever a hold-out variant hides from messages
        offsets, tasks = training_inputs(tables, split, cut, config, lambda d, v=variant: variant_graph(tables, d, v),
                                         val_edges=reference.message_edges, gap_months=gap_months,
                                         windows=objective_windows)
        with _decoder(tables, cut, parts, split):
            runs = [train_link_predictor(graph, split, dataclasses.replace(config, seed=s), device="cpu",
                                         offsets=offsets, tasks=tasks) for s in seeds]
        aucs = [r.val_auc for r in runs]
        weights: list[float | None] = [r.decoder.get("residual_weight") for r in runs]
        if "combo" in parts:  # the HGT's score as one more input of the baseline's logistic
            combined = [combined_auc(tables, reference, cut, r.model, variant, gap_months) for r in runs]
            aucs, weights = [c[0] for c in combined], [c[1] for c in combined]
        rows.append({"variant": variant, "as_of": f"{as_of:%Y-%m-%d}", "val_auc": statistics.mean(aucs),
                     "min": min(aucs), "max": max(aucs), "aucs": aucs, "baseline_auc": base.auc,
                     "residual_weight": weights,
                     "selected_epoch": [r.decoder.get("selected_epoch") for r in runs],
                     "selection_trace": [r.decoder.get("selection_trace") for r in runs],
                     "by_type": {k: statistics.mean(r.val_auc_by_type[k] for r in runs)
                                 for k in runs[0].val_auc_by_type},
                     "seconds": statistics.mean(r.seconds for r in runs)})
        print(json.dumps({k: v for k, v in rows[-1].items() if k not in ("by_type", "selection_trace")}), flush=True)
    return rows


def markdown(rows: list[dict], scale: int, seeds: list[int], epochs: int) -> str:
    """The ablation table as Markdown (four decimals: the stacked variants differ in the fourth)."""
    lines = [f"Demo x{scale}, {len(seeds)} training seed(s) {seeds}, {epochs} epochs, CPU 1 thread.", "",
             "| variant | as-of | val AUC (mean) | min..max | baseline AUC | HGT - baseline | beta | epoch | train s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        spread = f"{r['min']:.4f}..{r['max']:.4f}" if "min" in r else ""
        delta = f"{r['val_auc'] - r['baseline_auc']:+.4f}" if "min" in r else ""
        beta = ", ".join(f"{w:.3g}" for w in r.get("residual_weight", []) if w is not None)
        epoch = ", ".join(str(e) for e in r.get("selected_epoch", []) if e is not None)
        lines.append(f"| {r['variant']} | {r['as_of']} | {r['val_auc']:.4f} | {spread} | {r['baseline_auc']:.4f} | "
                     f"{delta} | {beta} | {epoch} | {r['seconds']:.1f} |")
    return "\n".join(lines)


def as_of_dates(values: list[str]) -> list[pd.Timestamp]:
    """The ``--asof`` arguments as dates; ``quarterly:2019-06-30:2025-12-31`` expands to every quarter-end."""
    out = []
    for value in values:
        if value.startswith("quarterly:"):
            _, first, last = value.split(":")
            out += list(pd.date_range(first, last, freq="QE"))
        else:
            out.append(pd.Timestamp(value))
    return out


def summary(rows: list[dict]) -> str:
    """Per variant over every as-of date (and training seed): mean of HGT - baseline, its s.e., wins.

    Over many as-of dates (e.g. every quarter-end) this is the comparison the two dates of the issue
    cannot give: one date's few hundred validation pairs move the AUC by about 0.01 (bootstrap s.e.,
    ``python -m benchmarks.ceiling``), the mean over N dates by about 1/sqrt(N) of the spread of the
    per-date differences. Dates are treated as independent (their validation windows do not overlap).
    """
    lines = ["| variant | as-of dates | runs | mean HGT - baseline | s.e. | wins / ties / losses |",
             "|---|---|---|---|---|---|"]
    variants = list(dict.fromkeys(r["variant"] for r in rows if "aucs" in r))
    for variant in variants:
        mine = [r for r in rows if r["variant"] == variant]
        diffs = [auc - r["baseline_auc"] for r in mine for auc in r["aucs"]]
        se = f"{statistics.stdev(diffs) / len(diffs) ** 0.5:.4f}" if len(diffs) > 1 else ""
        wins, ties = sum(d > 0 for d in diffs), sum(d == 0 for d in diffs)
        lines.append(f"| {variant} | {len(mine)} | {len(diffs)} | {statistics.mean(diffs):+.4f} | {se} | "
                     f"{wins} / {ties} / {len(diffs) - wins - ties} |")
    return "\n".join(lines)


def add_dataset_arguments(ap: argparse.ArgumentParser) -> None:
    """The demo and the as-of dates a study runs on (shared with ``benchmarks.ceiling``)."""
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--demo-seed", type=int, default=7)
    ap.add_argument("--asof", nargs="+", default=["2021-05-31", "2023-12-31"],
                    help="as-of dates; 'quarterly:FIRST:LAST' means every quarter-end from FIRST to LAST")
    ap.add_argument("--gap-months", type=int, default=3)


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_dataset_arguments(ap)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds per variant")
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--variants", nargs="+", default=list(DEFAULT_VARIANTS))
    ap.add_argument("--objective-windows", type=int, default=4,
                    help="windows the win/both objective supervises (mix holds the most recent one back)")
    ap.add_argument("--markdown", type=Path, help="also write the table here")
    ap.add_argument("--json", type=Path, help="also write the rows here")
    a = ap.parse_args(argv)
    from nexus_graph.sources.demo import generate

    tables = graph_tables_from_dataset(generate(seed=a.demo_seed, scale=a.scale))
    rows = []
    for as_of in as_of_dates(a.asof):
        rows += run_date(tables, as_of, a.variants, a.seeds, a.epochs, a.gap_months, a.objective_windows)
    table = markdown(rows, a.scale, a.seeds, a.epochs) + "\n\n" + summary(rows)
    print(table)
    if a.markdown:
        a.markdown.write_text(table + "\n")
    if a.json:
        a.json.write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()
