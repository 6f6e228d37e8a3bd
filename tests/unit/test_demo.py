"""The synthetic demo dataset: determinism, reference shape, frame contract, planted signal, learnability."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from nexus_graph import schema
from nexus_graph.as_of import edges_as_of, listed_mask, visible_mask
from nexus_graph.cli import app
from nexus_graph.errors import NexusError
from nexus_graph.sources import demo
from nexus_graph.sources.demo.signal import relationship_changes
from nexus_graph.sources.tables import Dataset, write_dataset

REF = "2023-12-31"
TOLERANCE = 0.03
MONTH_ENDS = pd.date_range("2021-06-30", "2026-03-31", freq="ME")


@pytest.fixture(scope="module")
def drift() -> Dataset:
    return demo.generate()


@pytest.fixture(scope="module")
def null() -> Dataset:
    return demo.generate(signal="none")


def _assert_same(a: Dataset, b: Dataset, tables: tuple[str, ...]) -> None:
    for name in tables:
        pd.testing.assert_frame_equal(a.tables()[name], b.tables()[name], obj=name)


# --- determinism ---------------------------------------------------------------------------------------------

def test_same_seed_gives_identical_frames(drift: Dataset) -> None:
    _assert_same(demo.generate(), drift, tuple(drift.tables()))


def test_different_seed_gives_different_graph_and_prices(drift: Dataset) -> None:
    other = demo.generate(seed=8)
    for name in ("supply", "ownership", "prices"):
        a, b = drift.tables()[name], other.tables()[name]
        assert a.shape != b.shape or not a.equals(b), name


def test_none_and_drift_share_the_graph_but_not_the_prices(drift: Dataset, null: Dataset) -> None:
    _assert_same(drift, null, ("companies", "funds", "directors", "supply", "ownership", "board"))
    assert drift.prices[["date", "company_id"]].equals(null.prices[["date", "company_id"]])
    differs = drift.prices["adj_close"].to_numpy() != null.prices["adj_close"].to_numpy()
    # nothing is planted before the first month-end's anchor day (2021-01-29)
    assert not differs[(drift.prices["date"] <= "2021-01-29").to_numpy()].any()
    assert differs.mean() > 0.5


# --- reference shape -----------------------------------------------------------------------------------------

def test_universe_has_the_reference_shape(drift: Dataset) -> None:
    kinds = drift.companies["kind"].value_counts()
    assert (kinds["equity"], kinds["extended"]) == (140, 4)
    assert len(drift.funds) == 22 and len(drift.directors) == 14
    assert drift.companies["company_id"].is_unique
    assert set(drift.companies["segment"]) == {"fabless", "foundry", "idm", "memory", "equipment", "materials",
                                               "eda_ip", "distributor", "oem", "hyperscaler"}
    assert {"NVDA", "AMD", "AVGO", "QCOM", "TSM", "INTC", "TXN", "MU", "ASML", "AMAT", "LRCX", "KLAC", "SNPS",
            "CDNS", "ARW", "AVT", "AAPL"} <= set(drift.companies["company_id"])
    extended = set(drift.companies.loc[drift.companies["kind"] == "extended", "company_id"])
    assert extended.isdisjoint(drift.prices["company_id"]) and extended.isdisjoint(drift.ownership["company_id"])


@pytest.mark.parametrize("table", ["supply", "ownership", "board"])
def test_live_counts_at_the_training_date_match_the_reference(drift: Dataset, table: str) -> None:
    live = len(edges_as_of(drift.tables()[table], REF))
    expected = demo.REFERENCE_LIVE[table]
    assert abs(live - expected) <= TOLERANCE * expected, (table, live, expected)


def test_relationships_evolve_and_persist(drift: Dataset) -> None:
    quarters = pd.date_range("2021-03-31", "2026-03-31", freq="QE")
    for table in ("supply", "ownership"):
        frame = drift.tables()[table]
        spec = schema.RELS_BY_TABLE[table]
        sets = [set(zip(*(edges_as_of(frame, q)[c] for c in (spec.source_column, spec.target_column)),
                        strict=True)) for q in quarters]
        kept = [len(a & b) / len(a) for a, b in itertools.pairwise(sets)]
        changed = [len(a ^ b) for a, b in itertools.pairwise(sets)]
        assert np.mean(kept) > 0.85, table  # an edge of last quarter is likely still there
        assert min(changed) > 0, table  # ...but every quarter some start or end
        assert frame[schema.VALID_TO].notna().sum() > 0.3 * len(frame), table


def test_month_end_snapshots_all_have_prices(drift: Dataset) -> None:
    days = pd.DatetimeIndex(np.sort(drift.prices["date"].unique()))
    assert len(MONTH_ENDS) == 58
    assert days[0] == pd.Timestamp("2021-01-04")
    assert pd.Timestamp("2026-04-20") <= days[-1] <= pd.Timestamp("2026-04-30")
    assert (days.dayofweek < 5).all()
    last_price = drift.prices.groupby("company_id")["date"].min()
    for month_end in MONTH_ENDS:
        listed = drift.companies.loc[listed_mask(drift.companies, month_end) & (drift.companies["kind"] == "equity")]
        assert (last_price.reindex(listed["company_id"]) <= month_end).all(), month_end
    # as in the reference run: 57 / 55 / 52 month-ends have a 21 / 63 / 126-day forward return
    anchors = days.searchsorted(MONTH_ENDS, side="right") - 1
    assert [int((anchors + h < len(days)).sum()) for h in (21, 63, 126)] == [57, 55, 52]


# --- frame contract ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", schema.REL_SPECS, ids=lambda s: s.table)
def test_relationship_endpoints_exist_with_the_right_type(drift: Dataset, spec: schema.RelSpec) -> None:
    frame = drift.relationships(spec)
    assert list(frame.columns) == list(schema.rel_columns(spec))
    for column, table in ((spec.source_column, spec.source), (spec.target_column, spec.target)):
        ids = set(drift.nodes(schema.NODES_BY_TABLE[table])[schema.NODES_BY_TABLE[table].id_column])
        assert frame[column].isin(ids).all(), column
    if spec is schema.SUPPLY:
        assert (frame["supplier_id"] != frame["customer_id"]).all()


@pytest.mark.parametrize("spec", schema.REL_SPECS, ids=lambda s: s.table)
def test_intervals_are_well_formed(drift: Dataset, spec: schema.RelSpec) -> None:
    frame = drift.relationships(spec)
    for column in schema.INTERVAL_COLUMNS:
        assert frame[column].dtype == "datetime64[ns]", column
    closed = frame[schema.VALID_TO].notna()
    assert frame[schema.KNOWN_FROM].notna().all() and frame[schema.VALID_FROM].notna().all()
    assert (frame[schema.END_KNOWN_FROM].notna() == closed).all()
    assert (frame.loc[closed, schema.VALID_TO] > frame.loc[closed, schema.VALID_FROM]).all()
    assert (frame.loc[closed, schema.END_KNOWN_FROM] >= frame.loc[closed, schema.VALID_TO]).all()
    assert (frame[schema.KNOWN_FROM] >= frame[schema.VALID_FROM]).all()  # nothing is known before it starts
    assert (frame[schema.KNOWN_FROM] <= demo.PRICE_END).all()  # nor after the data cut-off
    for column in spec.numeric:
        assert (frame[column] >= 0).all() and np.isfinite(frame[column]).all(), column


@pytest.mark.parametrize("spec", schema.REL_SPECS, ids=lambda s: s.table)
def test_no_overlapping_intervals_per_pair(drift: Dataset, spec: schema.RelSpec) -> None:
    frame = drift.relationships(spec).sort_values([spec.source_column, spec.target_column, schema.VALID_FROM])
    same_pair = (frame[spec.source_column].eq(frame[spec.source_column].shift())
                 & frame[spec.target_column].eq(frame[spec.target_column].shift()))
    previous_end = frame[schema.VALID_TO].shift()
    overlapping = same_pair & (previous_end.isna() | (frame[schema.VALID_FROM] < previous_end))
    assert not overlapping.any(), frame[overlapping | overlapping.shift(-1, fill_value=False)].head()


def test_relationships_only_while_companies_are_listed(drift: Dataset) -> None:
    listing = drift.companies.set_index("company_id")
    for spec in schema.REL_SPECS:
        frame = drift.relationships(spec)
        for column, table in ((spec.source_column, spec.source), (spec.target_column, spec.target)):
            if table != "companies":
                continue
            lo = listing["listed_from"].reindex(frame[column]).to_numpy()
            hi = listing["listed_to"].reindex(frame[column]).to_numpy()
            end = frame[schema.VALID_TO].fillna(pd.Timestamp("2100-01-01")).to_numpy()
            assert (pd.isna(lo) | (frame[schema.VALID_FROM].to_numpy() >= lo)).all(), (spec.table, column)
            assert (pd.isna(hi) | (end <= hi)).all(), (spec.table, column)


def test_prices_are_positive_sorted_unique_and_inside_listing(drift: Dataset) -> None:
    prices = drift.prices
    assert list(prices.columns) == ["date", "company_id", "adj_close", "volume"]
    assert (prices["adj_close"] > 0).all() and np.isfinite(prices["adj_close"]).all()
    assert not prices.duplicated(["date", "company_id"]).any()
    assert prices.equals(prices.sort_values(["company_id", "date"], ignore_index=True))
    equities = drift.companies.loc[drift.companies["kind"] == "equity"].set_index("company_id")
    assert set(prices["company_id"]) == set(equities.index)
    first = prices.groupby("company_id")["date"].min().reindex(equities.index)
    last = prices.groupby("company_id")["date"].max().reindex(equities.index)
    assert (equities["listed_from"].isna() | (first >= equities["listed_from"])).all()
    assert (equities["listed_to"].isna() | (last < equities["listed_to"])).all()
    daily = np.log(drift.prices.pivot(index="date", columns="company_id", values="adj_close")).diff()
    vol = daily.std() * np.sqrt(252)
    assert 0.2 < vol.median() < 0.6 and vol.min() > 0.1  # realistic annual volatility


def test_round_trip_through_read_dataset(drift: Dataset, tmp_path: Path) -> None:
    from nexus_graph.sources.dataset import read_dataset_with_warnings

    write_dataset(drift, tmp_path, "csv")
    result = read_dataset_with_warnings(tmp_path)  # raises ValidationFailed on any problem
    assert result.warnings == []
    for name, frame in drift.tables().items():
        pd.testing.assert_frame_equal(result.dataset.tables()[name].reset_index(drop=True), frame,
                                      check_dtype=False, obj=name)


# --- planted signal ------------------------------------------------------------------------------------------

def _monthly_ic(dataset: Dataset, horizon: int = 21) -> np.ndarray:
    """Spearman IC per month-end between changes known that month and the next-``horizon``-day return.

    Written here from the frames alone (not with the generator's helpers).
    """
    events = []
    for frame, columns in ((dataset.supply, ("supplier_id", "customer_id")), (dataset.ownership, ("company_id",)),
                           (dataset.board, ("company_id",))):
        for column in columns:
            for when in ("known_from", "end_known_from"):
                events.append(pd.DataFrame({"company_id": frame[column], "month": frame[when].dt.to_period("M")}))
    counts = pd.concat(events).dropna().groupby(["month", "company_id"]).size()
    close = dataset.prices.pivot(index="date", columns="company_id", values="adj_close")
    ics = []
    for month_end in MONTH_ENDS:
        anchor = close.index.searchsorted(month_end, side="right") - 1
        if anchor + horizon >= len(close.index):
            continue
        forward = (close.iloc[anchor + horizon] / close.iloc[anchor] - 1.0).dropna()
        month = month_end.to_period("M")
        changed = counts.xs(month, level="month") if month in counts.index.get_level_values("month") else None
        x = (changed.reindex(forward.index) if changed is not None else pd.Series(0, forward.index)).fillna(0)
        if x.nunique() > 1:
            ics.append(stats.spearmanr(x, forward).statistic)
    return np.asarray(ics)


def _t(ics: np.ndarray) -> float:
    return float(ics.mean() / ics.std(ddof=1) * np.sqrt(len(ics)))


def test_planted_drift_is_detectable(drift: Dataset) -> None:
    ics = _monthly_ic(drift)
    assert len(ics) >= 50
    assert ics.mean() > 0.1 and _t(ics) > 3.0, (ics.mean(), _t(ics))


def test_no_signal_is_indistinguishable_from_zero(null: Dataset) -> None:
    ics = _monthly_ic(null)
    assert len(ics) >= 50
    assert abs(_t(ics)) < 2.0, (ics.mean(), _t(ics))


def test_planting_uses_only_what_is_known_at_the_month_end(drift: Dataset) -> None:
    month_end = pd.Timestamp("2023-06-30")
    known: dict[str, pd.DataFrame] = {}
    for spec in schema.REL_SPECS:  # what an investor held on month_end: later rows and later ends removed
        frame = drift.relationships(spec)
        frame = frame.loc[frame[schema.KNOWN_FROM] <= month_end].copy()
        late_end = frame[schema.END_KNOWN_FROM] > month_end
        frame.loc[late_end, [schema.VALID_TO, schema.END_KNOWN_FROM]] = pd.NaT
        known[spec.table] = frame
    truncated = Dataset(drift.companies, drift.funds, drift.directors, known["supply"], known["ownership"],
                        known["board"], drift.prices)
    full = relationship_changes(drift, [month_end])
    pd.testing.assert_frame_equal(relationship_changes(truncated, [month_end]), full)
    assert full.to_numpy().sum() > 0


# --- learnability --------------------------------------------------------------------------------------------

def test_future_supply_links_follow_the_structure(drift: Dataset) -> None:
    """Supply links first known in 2024 are predictable at 2023-12-31 from segment flows and degrees."""
    seg = drift.companies.set_index("company_id")["segment"]
    live = edges_as_of(drift.supply, REF)
    seen = set(zip(live["supplier_id"], live["customer_id"], strict=True))
    later = drift.supply.loc[(drift.supply["known_from"] > REF) & (drift.supply["known_from"] <= "2024-12-31")]
    pos = [p for p in zip(later["supplier_id"], later["customer_id"], strict=True) if p not in seen]
    ids = drift.companies["company_id"].to_numpy()
    rng = np.random.default_rng(0)
    ever = set(zip(drift.supply["supplier_id"], drift.supply["customer_id"], strict=True))
    neg = [(a, b) for a, b in zip(rng.choice(ids, 3000), rng.choice(ids, 3000), strict=True)
           if a != b and (a, b) not in ever]
    block = live.groupby([seg[live["supplier_id"]].to_numpy(), seg[live["customer_id"]].to_numpy()]).size()
    out_deg, in_deg = live["supplier_id"].value_counts(), live["customer_id"].value_counts()

    def score(pair: tuple[str, str]) -> float:
        a, b = pair
        return block.get((seg[a], seg[b]), 0) * (1 + out_deg.get(a, 0)) * (1 + in_deg.get(b, 0))

    auc = stats.mannwhitneyu([score(p) for p in pos], [score(n) for n in neg]).statistic / (len(pos) * len(neg))
    assert len(pos) > 50 and auc > 0.85, auc


def test_new_holdings_come_from_the_fund_style(drift: Dataset) -> None:
    """A fund's new 13F positions are in segments it already holds most of; idle pairs mostly are not.

    Scored from the frames alone by the share of the company's segment the fund held a quarter
    earlier; the first version of the demo (soft, overlapping styles) scored 0.79-0.85 here.
    """
    seg = drift.companies.set_index("company_id")["segment"]
    for before, after in (("2021-03-31", "2021-06-30"), ("2023-09-30", REF), ("2024-09-30", "2024-12-31")):
        listed = drift.companies.loc[listed_mask(drift.companies, after) & (drift.companies["kind"] == "equity"),
                                     "company_id"]
        a, b = edges_as_of(drift.ownership, before), edges_as_of(drift.ownership, after)
        held_a = set(zip(a["fund_id"], a["company_id"], strict=True))
        held_b = set(zip(b["fund_id"], b["company_id"], strict=True))
        share = pd.crosstab(a["fund_id"], seg[a["company_id"]].to_numpy()).div(seg[listed].value_counts(), axis=1)
        share = share.fillna(0.0)
        new = [share.at[f, seg[c]] for f, c in held_b - held_a]
        idle = [share.at[f, seg[c]] for f in drift.funds["fund_id"] for c in listed if (f, c) not in held_a | held_b]
        auc = stats.mannwhitneyu(new, idle).statistic / (len(new) * len(idle))
        assert len(new) > 50 and auc > 0.87, (before, len(new), auc)


def test_new_listings_are_held_only_after_their_first_full_quarter(drift: Dataset) -> None:
    listed_from = drift.companies.set_index("company_id")["listed_from"].dropna()
    first_held = drift.ownership.groupby("company_id")["valid_from"].min().reindex(listed_from.index).dropna()
    seasoned = (listed_from[first_held.index] + pd.offsets.QuarterEnd(0) + pd.offsets.QuarterEnd(1))
    assert len(first_held) >= 8
    assert (first_held >= seasoned).all(), first_held[first_held < seasoned]
    # ... and then promptly: passive funds hold every seasoned listing they track
    assert ((first_held - seasoned) < pd.Timedelta(days=30)).mean() > 0.8


def test_funds_have_segment_styles(drift: Dataset) -> None:
    live = edges_as_of(drift.ownership, REF)
    seg = drift.companies.set_index("company_id")["segment"]
    share = pd.crosstab(live["fund_id"], seg[live["company_id"]].to_numpy(), normalize="index")
    assert share.loc["COBALT-SEMI", ["oem", "hyperscaler", "distributor"]].sum() == 0
    assert share.loc["SUMMIT-SCAP", ["equipment", "materials"]].sum() > 2 * share.loc[
        "PINECREST-HW", ["equipment", "materials"]].sum()


# --- scale, arguments, CLI -----------------------------------------------------------------------------------

def test_scale_multiplies_the_universe_and_the_counts() -> None:
    big = demo.generate(scale=2, signal="none")
    assert (big.companies["kind"] == "equity").sum() == 280 and len(big.funds) == 44 and len(big.directors) == 28
    assert big.companies["company_id"].is_unique and "NVDA_R02" in set(big.companies["company_id"])
    for table in ("supply", "ownership", "board"):
        live = visible_mask(big.tables()[table], REF).sum()
        assert abs(live - 2 * demo.REFERENCE_LIVE[table]) <= TOLERANCE * 2 * demo.REFERENCE_LIVE[table], table
    replica = big.supply["supplier_id"].str.endswith("_R02")
    assert (replica == big.supply["customer_id"].str.endswith("_R02")).all()  # links stay inside a replica


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scale": 0}, "scale must be a whole number >= 1 (got 0); use 1 for the reference shape."),
    ({"signal": "up"}, "signal must be one of none, drift (got 'up')."),
    ({"strength": float("nan")}, "strength must be a finite number (got nan); the default is 0.3."),
])
def test_bad_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(NexusError) as info:
        demo.generate(**kwargs)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_cli_defaults_mirror_the_generator() -> None:
    from nexus_graph.cli import demo_data_cmd

    assert (demo_data_cmd.DEFAULT_SEED, demo_data_cmd.DEFAULT_STRENGTH) == (demo.DEFAULT_SEED, demo.DEFAULT_STRENGTH)


def test_cli_writes_tables_and_a_synthetic_card(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo-data", str(tmp_path), "--signal", "none", "--format", "parquet",
                                      "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["synthetic"] is True and summary["signal"] == "none" and summary["strength"] is None
    assert summary[f"live_at_{REF}"] == demo.REFERENCE_LIVE
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{name}.parquet" for name in summary["rows"]] + ["DATASET.md"])
    card = (tmp_path / "DATASET.md").read_text(encoding="utf-8")
    assert card.startswith("# SYNTHETIC demo dataset")
    assert "--seed 7 --scale 1 --signal none --format parquet" in card
    assert "None planted" in card and "2,141 ownership" in card


def test_cli_rejects_an_unknown_signal(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo-data", str(tmp_path), "--signal", "up"])
    assert result.exit_code == 2
    assert not any(tmp_path.iterdir())
