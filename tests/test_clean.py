"""Clean layer: edition choice, product combination, unit conversion, and real USGS figures."""

from __future__ import annotations

import polars as pl
import pytest

from orchestration.snapshot_store import read_table
from transforms import clean


def _rows(**cols):
    return pl.DataFrame(cols)


def test_latest_edition_is_chosen_per_table_not_per_row():
    # Edition 2023 lists CHN and OTHER for 2022; edition 2024 folds CHN into OTHER for 2022.
    df = _rows(
        mineral=["co"] * 4,
        stage=["mine"] * 4,
        country_code=["CHN", "OTHER", "OTHER", "COD"],
        year=[2022] * 4,
        edition=[2023, 2023, 2024, 2024],
        production_t=[10.0, 5.0, 20.0, 100.0],
    )
    out = clean.pick_latest_edition(
        df, ["mineral", "stage", "country_code", "year"], table_key=["mineral", "stage", "year"]
    )
    assert sorted(out["country_code"].to_list()) == ["COD", "OTHER"]  # CHN's 2023 figure is not kept
    other = out.filter(pl.col("country_code") == "OTHER").row(0, named=True)
    assert other["production_t"] == 20.0 and other["editions_available"] == "2023,2024"


def _parts(products, values, names=None, lines=None):
    n = len(products)
    return _rows(
        mineral=["ti"] * n,
        stage=["mine"] * n,
        country_code=["AUS"] * n,
        country_kind=["economy"] * n,
        year=[2023] * n,
        edition=[2024] * n,
        product=products,
        production_t=values,
        value_text=[None if v is None else str(v) for v in values],
        value_flag=[None] * n,
        unit_basis=["oxide_equivalent"] * n,
        is_estimate=[False] * n,
        usgs_type=[f"type {p}" for p in products],
        source_file=["f.csv"] * n,
        source_line=lines or list(range(2, 2 + n)),
        source_name=names or ["Australia"] * n,
    )


KEY = ["mineral", "stage", "country_code", "country_kind", "year", "edition"]


def test_products_of_one_stage_are_summed():
    out = clean.combine_products(_parts(["ilmenite", "rutile"], [400.0, 200.0]), KEY)
    assert out.height == 1
    assert out["production_t"][0] == 600.0
    assert out["value_text"][0] == "400.0 + 200.0"


def test_a_published_combined_figure_beats_its_parts():
    df = _parts(["ilmenite", "rutile", "ilmenite_and_rutile"], [8800.0, 640.0, 9400.0])
    out = clean.combine_products(df, KEY)
    assert out["production_t"].to_list() == [9400.0]


def test_a_part_published_as_text_does_not_blank_the_sum():
    out = clean.combine_products(_parts(["ilmenite", "rutile"], [200.0, None]), KEY)
    assert out["production_t"][0] == 200.0


def test_the_same_product_under_the_same_name_twice_is_kept_as_a_duplicate():
    df = _parts([None, None], [600.0, 600.0], lines=[3, 4])
    out = clean.combine_products(df, KEY)
    assert out.height == 2 and sorted(out["source_line"].to_list()) == [3, 4]


def test_two_published_names_of_one_economy_are_parts():
    df = _parts([None, None], [69.0, 7.0], names=["United States (natural gas)", "United States (Cliffside)"])
    out = clean.combine_products(df, KEY)
    assert out["production_t"].to_list() == [76.0]


@pytest.mark.parametrize(
    ("text", "factor"),
    [
        ("metric tons, antimony content", 1.0),
        ("thousand metric tons, copper content", 1e3),
        ("million metric tons, metal", 1e6),
        ("kilograms, gallium content", 1e-3),
        ("million carats", None),
    ],
)
def test_2026_unit_texts_convert_to_tonnes(text, factor):
    out = pl.DataFrame({"unit": [text]}).select(clean.unit_text_factor_t("unit"))
    assert out.item() == factor


def test_price_per_pound_becomes_usd_per_tonne():
    unit, factor = clean.SALIENT_UNIT_CONVERSIONS["dlb"]
    assert unit == "usd_per_t" and 3.0 * factor == pytest.approx(6613.87, rel=1e-5)


# --- real figures, from the embedded snapshot ------------------------------------------

@pytest.fixture(scope="module")
def production() -> pl.DataFrame:
    return clean.clean_production(read_table("usgs_world"), read_table("usgs2026_world"), read_table("usgs2025_world"))


def _china_share(production: pl.DataFrame, mineral: str, stage: str, year: int) -> float:
    rows = production.filter(
        (pl.col("mineral") == mineral) & (pl.col("stage") == stage) & (pl.col("year") == year)
    )
    china = rows.filter(pl.col("country_code") == "CHN")["production_t"].item()
    world = rows.filter(pl.col("country_code") == "WORLD")["production_t"].item()
    return china / world


# The shares USGS prints: China's figure over the world total of the same MCS table
# (MCS 2025 for 2023: its final figures replace MCS 2024's estimates; MCS 2026 for 2025),
# in the tables' own units.
@pytest.mark.parametrize(
    ("mineral", "stage", "year", "china", "world"),
    [
        ("antimony", "mine", 2023, 62_300, 106_000),
        ("gallium", "refinery", 2023, 621_000, 633_000),
        ("rare-earths", "mine", 2023, 255_000, 376_000),
        ("tungsten", "mine", 2023, 66_000, 79_500),
        ("graphite", "mine", 2023, 1_210_000, 1_530_000),
        ("rare-earths", "mine", 2025, 270_000, 390_000),
        ("tungsten", "mine", 2025, 67_000, 85_000),
    ],
)
def test_china_share_equals_the_share_usgs_prints(production, mineral, stage, year, china, world):
    assert _china_share(production, mineral, stage, year) == pytest.approx(china / world, abs=1e-9)


def test_gallium_is_converted_from_kilograms(production):
    row = production.filter(
        (pl.col("mineral") == "gallium") & (pl.col("country_code") == "CHN") & (pl.col("year") == 2023)
    ).row(0, named=True)
    assert row["production_t"] == 621.0 and row["value_text"] == "621000"
    assert row["edition"] == 2025 and row["source_file"] == "MCS2025_World_Data.csv"


def test_world_totals_are_aggregate_rows(production):
    kinds = production.filter(pl.col("country_code").is_in(["WORLD", "OTHER"]))["country_kind"].unique()
    assert kinds.to_list() == ["aggregate"]


def test_estimate_marker_glued_to_a_name_sets_is_estimate(production):
    japan = production.filter(
        (pl.col("mineral") == "gallium") & (pl.col("country_code") == "JPN") & (pl.col("year") == 2022)
    ).row(0, named=True)
    assert japan["is_estimate"] is True  # "Japane" in mcs2024-galli_world.csv


def test_production_covers_at_least_30_minerals(production):
    assert production["mineral"].n_unique() >= 30


def test_wgi_correction_removes_the_second_guyana_row():
    gov = clean.clean_governance(read_table("wgi_political_stability"))
    assert gov.filter((pl.col("country_code") == "GUY") & (pl.col("year") == 2020)).height == 1


def test_mcs2026_salient_prices_reach_the_clean_table():
    salient = clean.clean_us_salient(read_table("usgs_salient"), read_table("usgs2026_salient"))
    gallium = salient.filter(
        (pl.col("mineral") == "gallium")
        & (pl.col("edition") == 2026)
        & (pl.col("statistic") == "Price, average unit value of imports, dollars per kilogram")
        & (pl.col("year") == 2025)
    ).row(0, named=True)
    # MCS 2026 prints 580 dollars per kilogram for 2025.
    assert gallium["unit"] == "usd_per_t" and gallium["value"] == pytest.approx(580_000)
    antimony = salient.filter(
        (pl.col("mineral") == "antimony") & (pl.col("statistic") == "Price_Metal") & (pl.col("year") == 2022)
    ).row(0, named=True)
    assert antimony["unit"] == "usd_per_t" and antimony["value"] == pytest.approx(
        float(antimony["value_text"]) * clean.LB_PER_T
    )
