"""``DATASET.md``: the card written next to the demo dataset (what it is, its shape, how the signal is planted)."""

from __future__ import annotations

from pathlib import Path

from nexus_graph import schema
from nexus_graph.as_of import edges_as_of, month_ends
from nexus_graph.sources.demo import generator as demo
from nexus_graph.sources.demo.signal import Z_CLIP
from nexus_graph.sources.tables import Dataset

CARD_FILE = "DATASET.md"
GENERATOR_VERSION = "2"


def live_counts(dataset: Dataset, as_of: str = demo.REFERENCE_DATE) -> dict[str, int]:
    """Relationship rows live at ``as_of`` under the point-in-time rule, per relationship table."""
    return {spec.table: len(edges_as_of(dataset.relationships(spec), as_of)) for spec in schema.REL_SPECS}


def _table(rows: list[tuple[object, ...]], header: tuple[str, ...]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def dataset_card(dataset: Dataset, *, seed: int, scale: int, signal: str, strength: float, fmt: str = "csv") -> str:
    """Markdown text of ``DATASET.md`` for a generated demo dataset."""
    live = live_counts(dataset)
    prices = dataset.prices
    comp = dataset.companies
    snapshots = month_ends("2021-06-30", "2026-03-31")
    kinds = comp["kind"].value_counts()
    segments = comp.loc[comp["kind"] == "equity", "segment"].value_counts()
    fund_types = dataset.funds["fund_type"].value_counts()
    planted = signal == "drift" and strength != 0.0
    signal_text = (
        f"**Planted** (`--signal drift`, strength {strength:g}): more relationship change known by a "
        f"month-end -> higher return over the next 21 trading days." if planted else
        "**None planted** (`--signal none`" + (", or strength 0" if signal == "drift" else "") + "): the graph "
        "and the base prices are exactly those of `--signal drift` with the same seed, but no return depends "
        "on the graph. Any factor that 'works' here is a false positive.")
    sections = [
        "# SYNTHETIC demo dataset -- not real data",
        "",
        "> Every relationship, holding, board seat, price and volume in this folder was **generated at random** "
        "by `nexus-graph demo-data` (nexus-graph demo generator v" + GENERATOR_VERSION + "). Tickers and company "
        "names are real only so that the graph reads naturally; the links between them are invented and say "
        "nothing about those companies. Fund and director names are fictional. Do not use it for any "
        "conclusion about real markets.",
        "",
        "## Parameters",
        "",
        _table([(seed, scale, signal, f"{strength:g}" if signal == "drift" else "n/a", fmt)],
               ("seed", "scale", "signal", "strength", "format")),
        "",
        f"Re-create it exactly with `nexus-graph demo-data OUT_DIR --seed {seed} --scale {scale} "
        f"--signal {signal}" + (f" --strength {strength:g}" if signal == "drift" else "") + f" --format {fmt}`.",
        "",
        "## Shape",
        "",
        _table([(name, f"{len(frame):,}") for name, frame in dataset.tables().items()], ("table", "rows")),
        "",
        f"- Companies: {kinds.get('equity', 0):,} `equity` + {kinds.get('extended', 0):,} `extended` "
        f"(no prices, no fund holdings); equities by segment: "
        + ", ".join(f"{seg} {n}" for seg, n in segments.items()) + ".",
        "- Funds by type: " + ", ".join(f"{t} {n}" for t, n in fund_types.items()) + f"; directors: "
        f"{len(dataset.directors):,}.",
        f"- Live at {demo.REFERENCE_DATE} (point-in-time rule of `spec/dataset.md`): "
        f"{live['supply']:,} supply, {live['ownership']:,} ownership, {live['board']:,} board relationships "
        f"(reference x{scale}: {demo.REFERENCE_LIVE['supply'] * scale:,} / {demo.REFERENCE_LIVE['ownership'] * scale:,}"
        f" / {demo.REFERENCE_LIVE['board'] * scale:,}).",
        f"- Prices: {prices['company_id'].nunique():,} equities, {prices['date'].nunique():,} trading days "
        f"from {prices['date'].min():%Y-%m-%d} to {prices['date'].max():%Y-%m-%d} (US exchange holidays), "
        f"only while listed (`listed_from` / `listed_to`).",
        f"- Snapshot month-ends {snapshots[0]:%Y-%m-%d} .. {snapshots[-1]:%Y-%m-%d}: {len(snapshots)}.",
        "",
        "## How the graph is generated",
        "",
        "- `scale=K` builds K replicas of the 144-company universe (ids of replica k >= 2 end in `_Rkk`), each "
        "with its own random draws; relationships stay inside a replica.",
        "- Supply: every ordered company pair whose segments trade (materials/equipment -> foundry, memory, IDM; "
        "EDA/IP -> fabless; foundry -> fabless; chip makers -> distributors, OEMs, hyperscalers; distributors -> "
        "OEMs; ...) has a stationary link probability from a logit of the segment flow and both companies' sizes. "
        "Each company deals with only some of the segments it could trade with (larger companies with more): "
        "a link outside the supplier's customer segments or the customer's supplier segments is all but ruled "
        "out. So a supplier's next customer is most likely a peer of a current one, and peers share suppliers "
        "(triadic closure). Each pair switches on and off as a Markov process (mean link "
        f"length {demo.SUPPLY_YEARS:g} years). A link becomes known at the 10-K filing (55-75 days after the "
        "fiscal year end) of the fiscal year in which it started -- the supplier's 10-K, or the customer's when "
        "the supplier is `extended`; its end likewise.",
        "- Ownership (13F-like): a fund holds only companies inside its style's segments (broad; semiconductors; "
        "AI compute = all but materials and distributors; value/income = all but fabless and EDA/IP; hardware = "
        "all but equipment, materials and EDA/IP) and its size band (large cap, small and mid cap, or any), and "
        "inside them most of the names. Index funds, sector ETFs, the pension and the sovereign fund hold their "
        "whole universe for decades (the total-market, global, pension and sovereign funds every listed equity; "
        "the large-cap and extended-market indexes split the universe by size); the thematic ETF its theme. "
        "Active funds hold ~90 % of their names and rotate at the margin (positions last 1.5-2 years on average, "
        "quant and hedge funds 0.75; a name sold is usually bought back within a quarter or two), so a fund's "
        "new positions come from the segments it already holds -- about 70 % of all fund-company pairs are held. "
        "A new listing is held only after its first full quarter (seasoning, lock-ups, index inclusion). "
        "A position becomes known 45 days after the first quarter-end "
        "at which it is held; its end 45 days after the first quarter-end after it ended. Positions opened and "
        "closed inside one quarter never appear, and gaps no filing can see are merged.",
        "- Board: fictional directors, one live seat each at the reference date; some changed boards in 2021-22 "
        "or change in 2024-25. A seat becomes known at the company's next proxy filing (95-120 days after "
        "the fiscal year end).",
        f"- Shake-ups: each listed equity, each month from {demo.SIM_START[:7]} to 2026-03, has probability "
        f"{demo.SHAKEUP_RATE:g} of a shake-up on a random day of the first 20. Up to ~half of its supply and "
        "active-fund ownership links end that day (structurally unlikely links first, never more than it has "
        "free plausible partners) and as many new links start with plausible counterparties drawn from the same "
        "structure; all of it is disclosed within 0-6 days, inside the same month (supply rows started this way "
        "have `source = 8-K`). Shake-ups are the random part of the graph's change, by design.",
        "- Edges only exist while both companies are listed; a delisting ends them, known the same day. The data "
        f"is cut off at {demo.PRICE_END}: rows known later are absent and ends disclosed later are left open.",
        f"- Calibration: link probabilities are scaled so the expected live count at {demo.REFERENCE_DATE} is a "
        "little above the reference (re-simulated, same seed, when a draw falls short); then whole pair histories "
        "are dropped (randomly, unlikely links first, over all pairs so every date is thinned alike) until the "
        "reference count is met exactly.",
        "- Learnable: new links are predictable from the current graph. Trained as the `train` command does by "
        f"default (HGT, 300 epochs; train on the snapshot a quarter before {demo.REFERENCE_DATE}, validate on "
        "the relationships that became known in that quarter against sampled non-links), the validation "
        "ROC-AUC is 0.94-0.98 for seeds 7, 1 and 3, and about the same when trained at 2021-03-31 instead.",
        "",
        "## Prices",
        "",
        "Daily log return = beta x market + gamma x segment factor + idiosyncratic noise (+ planted drift). Market: "
        "8 %/yr drift, 18 %/yr volatility with slow volatility regimes; one factor per segment, 12 %/yr, no "
        "persistent trend; idiosyncratic volatility 15-70 %/yr, lower for larger companies; betas around 1.2 for "
        "semiconductors and 1.0 otherwise. Volume is log-normal around a size-dependent level, higher on big moves.",
        "",
        "## The planted signal",
        "",
        signal_text,
        "",
        "Definition (used for planting, and reproducible from the files alone): for each calendar month-end M "
        "from the first price month to the last, and each `equity` listed at M,",
        "",
        "1. `count` = number of interval rows touching the company (either end of a supply row; the company side "
        "of an ownership or board row) whose `known_from` falls in the calendar month ending at M, plus those "
        "whose `end_known_from` does;",
        f"2. `z` = cross-sectional z-score of `log1p(count)` over the equities listed at M, clipped to +-{Z_CLIP:g};",
        "3. over the 21 trading days after the last trading day on or before M, the company's daily log return "
        "gets `strength * z * sigma_idio * sqrt(21) / 21`, i.e. a 21-day drift of `strength * z` idiosyncratic "
        "21-day standard deviations. Overlapping windows add up.",
        "",
        "Only rows already known at M enter `z` (no look-ahead). With the default strength the Spearman IC "
        "between `count` and the next-21-day return is clearly positive (about 0.2 per month at scale 1).",
        "",
    ]
    return "\n".join(sections)


def write_card(out_dir: str | Path, text: str) -> Path:
    """Write ``DATASET.md`` into ``out_dir`` (via a temporary name, like the tables)."""
    final = Path(out_dir) / CARD_FILE
    partial = final.with_name(f".{CARD_FILE}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(final)
    return final

