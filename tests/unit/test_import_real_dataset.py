"""The real dataset built from ../shared/data: companies, edges, prices, and the loader's own validation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nexus_graph import schema
from nexus_graph.settings import shared_data_dir
from nexus_graph.sources.dataset import read_dataset_with_warnings
from nexus_graph.sources.imports.real_dataset import (
    DELISTED_AT_DATA_END,
    EXCLUDED,
    build_real_import,
    dataset_readme,
    summary,
)
from nexus_graph.sources.tables import write_dataset

DATA = shared_data_dir()
pytestmark = pytest.mark.skipif(not (DATA / "prices-yf-daily-2014-2024").is_dir(),
                                reason=f"shared real data not found at {DATA} (set NEXUS_GRAPH_SHARED_DATA)")


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory):
    # a data root without the CC BY-NC folder: building must not need (or read) it
    root = tmp_path_factory.mktemp("shared-data")
    for folder in DATA.iterdir():
        if folder.is_dir() and folder.name != "eto-chip-supply-chain":
            (root / folder.name).symlink_to(folder, target_is_directory=True)
    return build_real_import(root)


def test_companies_are_priced_equities_plus_extended_endpoints(real) -> None:
    data = real.dataset
    companies = data.companies.set_index("company_id")
    priced = set(data.prices["company_id"])
    assert set(companies.index[companies["kind"] == "equity"]) == priced
    endpoints = set(data.supply["supplier_id"]) | set(data.supply["customer_id"]) | set(data.board["company_id"])
    assert endpoints <= set(companies.index)
    assert set(companies.index[companies["kind"] == "extended"]) == endpoints - priced
    assert not set(EXCLUDED) & set(companies.index)
    assert {"ENPH", "FSLR", "KEYS", "2317.TW"} <= set(companies.index[companies["kind"] == "extended"])
    assert companies[["name", "segment", "country"]].notna().all().all()


def test_listing_dates_follow_the_prices(real) -> None:
    data = real.dataset
    companies = data.companies.set_index("company_id")
    spans = data.prices.groupby("company_id")["date"].agg(["min", "max"])
    equity = companies.loc[spans.index]
    assert (equity["listed_from"] == spans["min"]).all()
    delisted = list(DELISTED_AT_DATA_END)
    assert (equity.loc[delisted, "listed_to"] == pd.Timestamp("2020-12-12")).all()
    assert equity.drop(index=delisted)["listed_to"].isna().all()
    assert companies.loc[companies["kind"] == "extended", ["listed_from", "listed_to"]].isna().all().all()


def test_no_13f_means_empty_funds_and_ownership(real) -> None:
    data = real.dataset
    assert data.funds.empty and list(data.funds.columns) == ["fund_id", "name", "fund_type"]
    assert data.ownership.empty and list(data.ownership.columns) == list(schema.rel_columns(schema.OWNERSHIP))
    assert (data.ownership[list(schema.INTERVAL_COLUMNS)].dtypes == "datetime64[ns]").all()


def test_written_dataset_passes_the_loaders_validation(real, tmp_path: Path) -> None:
    write_dataset(real.dataset, tmp_path, "parquet")
    result = read_dataset_with_warnings(tmp_path)
    assert result.warnings == []
    for name, frame in real.dataset.tables().items():
        assert len(getattr(result.dataset, name)) == len(frame), name


def test_summary_and_dataset_md(real) -> None:
    info = summary(real)
    data = real.dataset
    assert info["data"] == "REAL"
    assert info["companies"]["total"] == len(data.companies)
    assert info["relationships"] == {"supply": len(data.supply), "ownership": 0, "board": len(data.board)}
    assert info["prices"]["span"] == ["2014-01-02", "2026-04-24"]
    assert info["price_stitching"]["interleaved_files_resolved"] == 4
    assert info["apple"]["unmatched_names"] == len(real.apple.unmatched)
    text = dataset_readme(real)
    assert text.startswith("# REAL data")
    for needle in ("The Unlicense", "MIT", "CC BY-NC 4.0", "Survivorship bias", "No 13F holdings"):
        assert needle in text
