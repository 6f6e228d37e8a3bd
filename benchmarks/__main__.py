"""``python -m benchmarks``: the benchmark table (and JSON) of nexus-graph.

    python -m benchmarks                                  # x1 and x20, every step
    python -m benchmarks --scale 1                        # x1 only
    python -m benchmarks --scenario                       # the scale scenario only (~15 min)
    python -m benchmarks --scale 1 --scale 20 --scenario  # all three
    python -m benchmarks --steps generate load snapshots  # a subset (steps read what earlier ones left)

Needs a running Neo4j (``nexus-graph neo4j start``, or ``NEO4J_URI``): every load WIPES it. Work files go
to ``--work-dir`` (default ``$NEXUS_GRAPH_DATA_HOME/bench``); prices are saved to the data home and models
to the work folder. See benchmarks/README.md for what each step times.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from rich.console import Console

from benchmarks.suite import DEMO_STEPS, SCENARIO_STEPS, Size, machine_info, report, run_suite, subprocess_runner

SCENARIO_EPOCHS = 20


def sizes_from(args: argparse.Namespace) -> list[Size]:
    """Demo sizes (``--scale``; default 1 and 20 unless only ``--scenario`` was asked) and the scenario."""
    scales = args.scale or ([] if args.scenario else [1, 20])
    sizes = []
    for scale in dict.fromkeys(scales):
        repeats = args.train_repeats
        options = {"epochs": args.epochs, "train_repeats": repeats, "torch_threads": args.torch_threads,
                   "load_rounds": args.load_rounds,
                   "reference_as_shipped": scale == 1 or args.reference_as_shipped}
        sizes.append(Size(f"x{scale}", scale, DEMO_STEPS, options))
    if args.scenario:
        config = {"minibatch": True, "epochs": args.scenario_epochs, "eval_every": args.scenario_epochs,
                  "steps_per_epoch": args.scenario_steps, "batch_size": 2048}
        sizes.append(Size("scenario", 1, SCENARIO_STEPS, {"train_config": config, "fraction": args.scenario_size,
                                                          "torch_threads": args.scenario_threads}))
    return sizes


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, action="append", help="demo scale K (repeatable; default 1 and 20)")
    ap.add_argument("--scenario", action="store_true", help="also run the scale scenario (not in the default run)")
    ap.add_argument("--steps", nargs="+", choices=sorted(set(DEMO_STEPS) | set(SCENARIO_STEPS)),
                    help="run only these steps")
    ap.add_argument("--json-out", type=Path, help="JSON file (default: <work-dir>/bench.json)")
    ap.add_argument("--work-dir", type=Path, help="work folder (default: $NEXUS_GRAPH_DATA_HOME/bench)")
    ap.add_argument("--seed", type=int, default=7, help="dataset seed")
    ap.add_argument("--epochs", type=int, default=300, help="training epochs of the demo sizes (train, demo)")
    ap.add_argument("--train-repeats", type=int, default=1,
                    help="interleaved repeats of ours vs the reference (medians are reported)")
    ap.add_argument("--load-rounds", type=int, default=3,
                    help="timed loads of the demo sizes, each into an emptied graph (the median and the first are "
                         "reported: Neo4j's JIT warms up on the first loads after a server start)")
    ap.add_argument("--scenario-epochs", type=int, default=SCENARIO_EPOCHS,
                    help="mini-batch epochs of the scenario's training")
    ap.add_argument("--scenario-steps", type=int, default=5, help="optimiser steps per scenario epoch")
    ap.add_argument("--reference-as-shipped", action="store_true",
                    help="also time the reference with torch's default threads above x1 (always done at x1; at "
                         "x20 it takes tens of minutes on 2 busy cores); the 1-thread reference always runs")
    ap.add_argument("--torch-threads", type=int, help="torch intra-op threads in the demo sizes' steps (default: "
                    "torch's, one per core; 1 avoids OpenMP stalls on an oversubscribed machine)")
    ap.add_argument("--scenario-threads", type=int, help="the same for the scenario's steps")
    ap.add_argument("--scenario-size", type=float, default=1.0,
                    help="multiply the scenario's counts (e.g. 0.05 for a quick trial; 1 = the issue's shape)")
    ap.add_argument("--render", type=Path, nargs="+", metavar="JSON",
                    help="print the table of saved JSON file(s) instead of running (several: merged, later wins); "
                         "with --json-out, write the merged document")
    ap.add_argument("--markdown", type=Path, help="with --render: also write the table as Markdown to this file")
    args = ap.parse_args(argv)
    if args.render:
        import json

        from benchmarks.suite import markdown_table, merge_documents, print_document, write_document

        document = merge_documents([json.loads(p.read_text(encoding="utf-8")) for p in args.render])
        print_document(document, Console(width=max(Console().width, 160)))
        if args.json_out:
            write_document(document, args.json_out)
        if args.markdown:
            args.markdown.write_text(markdown_table(document), encoding="utf-8")
        return document
    if any(k < 1 for k in args.scale or []):
        ap.error("--scale must be >= 1")

    from nexus_graph import settings

    work = (args.work_dir or settings.data_home() / "bench").resolve()
    json_out = args.json_out or work / "bench.json"
    console = Console(width=max(Console().width, 160))
    warn = Console(stderr=True)
    sizes = sizes_from(args)
    machine = machine_info()
    local_home = settings.neo4j_home() if settings.Neo4jSettings.from_env().local else None  # RSS of ours only
    warn.print(f"Work folder {work}; load average {machine['load_average_start']}; steps run one process each.",
               highlight=False)
    runner = subprocess_runner(args.seed, local_home, warn.print)
    results = run_suite(sizes, runner, work, args.steps)
    return report(results, sizes, machine, "python -m benchmarks " + " ".join(sys.argv[1:]),
                  json_out, console)


if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=FutureWarning)
    main()
