"""Load benchmark: validation and Neo4j write timed apart, one JSON line.

    python -m benchmarks.load DATA_DIR [--make demo|synthetic] [--scale 20] [--format csv|parquet]
                              [--batch-size 5000] [--workers 2] [--rounds 3] [--wipe]

``--make`` writes a dataset into DATA_DIR first when it holds none: ``demo`` uses the demo generator
(``nexus_graph.sources.demo.generate(seed=7, scale=...)``), ``synthetic`` a random dataset of about
100,000 intervals per 20 scale units with the same table sizes, for when the generator is absent.
The database must be empty, or ``--wipe`` given (it deletes everything, untimed, before the load).
Three phases are timed: ``validate`` (read_dataset), ``write_new`` (load into an empty graph: the
CREATE fast path) and ``write_again`` (the same load again: every row found and updated, nothing
changes). Relationships per second count the dataset's relationships over the phase's seconds.

The two writes run ``--rounds`` times (the database is wiped, untimed, between rounds). Neo4j's JIT
compiler warms up on the first writes after a server start: on 2 cores the first round after
``nexus-graph neo4j start`` ran at about a third of the later ones. Every round is printed; the
headline figures are the median round's (``write_new_s`` ...) and the first round's
(``first_write_new_s`` ...), so a cold start is never hidden.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from nexus_graph import schema
from nexus_graph.sources.dataset import read_dataset
from nexus_graph.sources.tables import Dataset, normalise_intervals, write_dataset
from nexus_graph.store import Store
from nexus_graph.store.admin import init_schema, wipe
from nexus_graph.store.graph import DEFAULT_BATCH_SIZE, DEFAULT_WORKERS, graph_counts, load_dataset


def synthetic(scale: int, seed: int = 7) -> Dataset:
    """A random valid dataset shaped like the demo one: per scale unit 144 companies, 22 funds, 14 directors,
    ~2,400 supply, ~2,600 ownership and ~22 board intervals, prices for 2 years of business days."""
    rng = np.random.default_rng(seed)
    n_comp, n_fund, n_dir = 144 * scale, 22 * scale, 14 * scale
    companies = pd.DataFrame({"company_id": [f"C{i:05d}" for i in range(n_comp)], "name": "Company",
                              "kind": np.where(np.arange(n_comp) % 36 == 35, "extended", "equity"),
                              "segment": "fabless", "country": "US",
                              "listed_from": pd.NaT, "listed_to": pd.NaT})
    funds = pd.DataFrame({"fund_id": [f"F{i:04d}" for i in range(n_fund)], "name": "Fund", "fund_type": "active"})
    directors = pd.DataFrame({"director_id": [f"D{i:04d}" for i in range(n_dir)], "name": "Director"})

    def intervals(source: np.ndarray, n_target: int, n: int, self_loops: bool) -> pd.DataFrame:
        pairs = pd.DataFrame({"s": rng.integers(0, len(source), n), "t": rng.integers(0, n_target, n)})
        if not self_loops:
            pairs = pairs[pairs["s"] != pairs["t"]]
        pairs = pairs.drop_duplicates()  # one interval per pair keeps them trivially non-overlapping
        start = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 1200, len(pairs)), unit="D")
        length = rng.integers(30, 900, len(pairs))
        ended = rng.random(len(pairs)) < 0.5
        end = (start + pd.to_timedelta(length, unit="D")).where(ended)
        return pd.DataFrame({"s": pairs["s"].to_numpy(), "t": pairs["t"].to_numpy(), "valid_from": start,
                             "valid_to": end, "known_from": start + pd.to_timedelta(45, unit="D"),
                             "end_known_from": end})

    comp_ids = companies["company_id"].to_numpy()
    sup = intervals(comp_ids, n_comp, 2_400 * scale, self_loops=False)
    supply = sup.assign(supplier_id=comp_ids[sup["s"]], customer_id=comp_ids[sup["t"]],
                        weight=rng.random(len(sup)).round(4), source="10-K")
    own = intervals(funds["fund_id"].to_numpy(), n_comp, 2_600 * scale, self_loops=True)
    ownership = own.assign(fund_id=funds["fund_id"].to_numpy()[own["s"]], company_id=comp_ids[own["t"]],
                           shares=rng.integers(1, 10**7, len(own)).astype(float), value_usd=1.0e6,
                           pct_outstanding=0.001)
    brd = intervals(directors["director_id"].to_numpy(), n_comp, 22 * scale, self_loops=True)
    board = brd.assign(director_id=directors["director_id"].to_numpy()[brd["s"]], company_id=comp_ids[brd["t"]],
                       role="independent")
    days = pd.bdate_range("2022-01-03", "2023-12-29")
    equities = comp_ids[companies["kind"].to_numpy() == "equity"]
    prices = pd.DataFrame({"date": np.tile(days, len(equities)), "company_id": np.repeat(equities, len(days)),
                           "adj_close": rng.uniform(10, 500, len(days) * len(equities)).round(2),
                           "volume": 1_000_000.0})
    rel = {spec.table: normalise_intervals(frame[list(schema.rel_columns(spec))])
           for spec, frame in ((schema.SUPPLY, supply), (schema.OWNERSHIP, ownership), (schema.BOARD, board))}
    return Dataset(companies, funds, directors, rel["supply"], rel["ownership"], rel["board"], prices)


def _make(data_dir: Path, how: str, scale: int, fmt: str) -> str:
    if how == "demo":
        try:
            from nexus_graph.sources.demo import generate
        except ImportError:
            how = "synthetic"
        else:
            write_dataset(generate(seed=7, scale=scale), data_dir, fmt=fmt)
            return f"demo scale {scale}"
    write_dataset(synthetic(scale), data_dir, fmt=fmt)
    return f"synthetic scale {scale}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--make", choices=("demo", "synthetic"), help="write a dataset into DATA_DIR if it has none")
    parser.add_argument("--scale", type=int, default=20)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="relationship batches in flight")
    parser.add_argument("--rounds", type=int, default=3, help="repeat the two writes (median and first reported)")
    parser.add_argument("--wipe", action="store_true", help="empty the database first (deletes everything)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    source = "given"
    has_data = any((args.data_dir / f"companies.{ext}").exists() for ext in ("csv", "parquet"))
    if args.make and not has_data:
        source = _make(args.data_dir, args.make, args.scale, args.format)

    started = time.perf_counter()
    dataset = read_dataset(args.data_dir)
    validate_s = time.perf_counter() - started
    rows = sum(len(frame) for frame in dataset.tables().values())
    rels = sum(len(dataset.relationships(spec)) for spec in schema.REL_SPECS)
    nodes = sum(len(dataset.nodes(spec)) for spec in schema.NODE_SPECS)

    with Store.connect() as store:
        init_schema(store)
        existing = graph_counts(store)
        if (any(existing["nodes"].values()) or any(existing["relationships"].values())) and not args.wipe:
            raise SystemExit("The database is not empty; pass --wipe to delete everything before the benchmark.")
        rounds: list[dict] = []
        for _ in range(args.rounds):
            wipe(store)  # untimed; instant on an empty graph
            timings: dict[str, float] = {}
            per_table: dict[str, dict[str, float]] = {}
            for phase in ("write_new", "write_again"):
                clock = {"last": time.perf_counter()}
                tables = per_table.setdefault(phase, {})

                def lap(table: str, done: int, total: int, clock: dict = clock, tables: dict = tables) -> None:
                    now = time.perf_counter()
                    tables[table] = round(tables.get(table, 0.0) + now - clock["last"], 3)
                    clock["last"] = now

                started = time.perf_counter()
                load_dataset(store, dataset, batch_size=args.batch_size, workers=args.workers, on_progress=lap)
                timings[phase] = time.perf_counter() - started
            rounds.append({**{f"{phase}_s": round(seconds, 3) for phase, seconds in timings.items()},
                           **{f"{phase}_relationships_per_s": round(rels / seconds)
                              for phase, seconds in timings.items()},
                           "seconds_per_table": per_table})
        counts = graph_counts(store)
        server = store.components()["version"]
    assert sum(counts["relationships"].values()) == rels, counts
    median = sorted(rounds, key=lambda r: r["write_new_s"])[len(rounds) // 2]
    print(json.dumps({
        "benchmark": "load", "dataset": source, "data_dir": str(args.data_dir), "format": args.format,
        "rows": rows, "nodes": nodes, "relationships": rels, "prices": len(dataset.prices),
        "validate_s": round(validate_s, 3), "validate_rows_per_s": round(rows / validate_s),
        **{key: value for key, value in median.items() if key != "seconds_per_table"},
        **{f"first_{key}": value for key, value in rounds[0].items() if key != "seconds_per_table"},
        "rounds": rounds, "batch_size": args.batch_size, "workers": args.workers, "neo4j": server,
    }))


if __name__ == "__main__":
    main()
