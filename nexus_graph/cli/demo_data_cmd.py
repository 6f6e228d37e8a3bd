"""``nexus-graph demo-data OUT_DIR``: write the SYNTHETIC demo dataset and its DATASET.md card."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path

import typer

from nexus_graph.cli.common import console, print_json, progress

ORDER = 25

DEFAULT_SEED = 7  # mirrors nexus_graph.sources.demo (kept literal so --help needs no heavy import)
DEFAULT_STRENGTH = 0.3


class Signal(StrEnum):
    none = "none"
    drift = "drift"


class Format(StrEnum):
    csv = "csv"
    parquet = "parquet"


def demo_data(
    out_dir: Path = typer.Argument(..., help="Folder to write the dataset into (created if missing; tables "
                                   "and DATASET.md are overwritten)."),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", min=0, help="Random seed; same arguments -> identical files."),
    scale: int = typer.Option(1, "--scale", min=1, help="Replicas of the 144-company universe (1 = reference "
                              "shape; 20 for benchmarks)."),
    signal: Signal = typer.Option(Signal.drift, "--signal", help="drift: plant the documented effect of "
                                  "relationship change on next-month returns; none: plant nothing."),
    strength: float = typer.Option(DEFAULT_STRENGTH, "--strength", help="Planted 21-day drift per unit of "
                                   "standardised change, in 21-day idiosyncratic standard deviations."),
    fmt: Format = typer.Option(Format.csv, "--format", help="File format of the tables."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Generate the synthetic semiconductor demo dataset (clearly marked as such in DATASET.md):
    144 companies, 22 funds, 14 directors per replica, quarterly-evolving relationships 2021-2026 and
    daily prices through late April 2026."""
    from nexus_graph.sources import demo
    from nexus_graph.sources.demo.card import dataset_card, live_counts, write_card
    from nexus_graph.sources.tables import write_dataset

    started = time.perf_counter()
    steps = ("universe", "relationships", "prices", "writing")
    with progress(enabled=not json_out) as bar:
        task = bar.add_task("demo-data", total=len(steps), status="")

        def on_step(label: str) -> None:
            bar.update(task, completed=steps.index(label), status=label)

        dataset = demo.generate(seed=seed, scale=scale, signal=signal.value, strength=strength, on_step=on_step)
        generated = time.perf_counter() - started
        on_step("writing")
        files = write_dataset(dataset, out_dir, fmt=fmt.value)
        card = write_card(out_dir, dataset_card(dataset, seed=seed, scale=scale, signal=signal.value,
                                                strength=strength, fmt=fmt.value))
        bar.update(task, completed=len(steps), status="done")
    live = live_counts(dataset)
    summary = {
        "out_dir": str(out_dir), "synthetic": True, "seed": seed, "scale": scale, "signal": signal.value,
        "strength": strength if signal is Signal.drift else None, "format": fmt.value,
        "rows": {name: len(frame) for name, frame in dataset.tables().items()},
        f"live_at_{demo.REFERENCE_DATE}": live,
        "files": [str(p) for p in [*files, card]],
        "seconds": {"generate": round(generated, 3), "total": round(time.perf_counter() - started, 3)},
    }
    if json_out:
        print_json(summary)
        return
    console.print(f"Wrote the SYNTHETIC demo dataset to {out_dir} (seed {seed}, scale {scale}, signal "
                  f"{signal.value}{f', strength {strength:g}' if signal is Signal.drift else ''}); see {card.name}.")
    for name, n in summary["rows"].items():
        console.print(f"  {name:<10} {n:>10,} rows")
    console.print(f"  live at {demo.REFERENCE_DATE}: {live['supply']:,} supply, {live['ownership']:,} ownership, "
                  f"{live['board']:,} board")


def register(app: typer.Typer) -> None:
    app.command(name="demo-data")(demo_data)
