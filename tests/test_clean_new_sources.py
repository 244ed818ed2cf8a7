"""The clean tables of the trade, policy and price sources added on 2026-11-30, as their assets
compute them: each test runs the table's ``COMPUTE`` entry (orchestration/assets/clean.py) on the
committed snapshot, validates it with the registry's blocking schema, and checks a figure read
off the upstream file.

Figures read off the upstream files (grep/awk, or the workbook opened in a spreadsheet):
``china_exports_hs6_monthly_2017_2024.csv`` line 2 is Australia 2017-01 HS 250410, 10,200 USD,
6,116.362 kg; line 5 is Belgium 811292, 87,500 USD with a quantity of 0 (``uv`` inf).
``us_imports_850511_by_partner_2018_2025.csv`` line 2 is China 2018, 264,505,233 USD, share
0.651066, rank 1. The USITC workbook's "Customs Value" sheet has China's HS 8505 "Value for:
number" at 344,128,552 USD in 2025, and its "Customs Value YTD" sheet 142,243,782 USD for 2026
(the download year). ``oecd_inventory_2024_china.csv`` line 2 is antimony, M1 export tax 20 % on HS 261710 and
811020 from 2024-01-01 (Announcement No.10, 2023). The Pink Sheet prices copper at 10,812.03
$/mt in 2025M11 (cell BM798).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from orchestration.assets.clean import COMPUTE, known_sets
from orchestration.assets.crosscheck import (
    export_controls_agree,
    export_controls_crosscheck,
    to_review,
)
from orchestration.snapshot_store import read_table
from transforms.cleaning.oecd import cross_check_export_controls
from transforms.metadata import QUALITY_TABLES, TABLES, dtypes, validate
from transforms.metadata.clean import CLEAN
from transforms.metadata.quality import QUALITY, REFERENCE
from transforms.metadata.snapshot import SNAPSHOT
from transforms.policy_frames import export_controls_frame

NEW_TABLES = (
    "china_exports_monthly",
    "magnet_imports",
    "usitc_imports",
    "export_restrictions",
    "prices_monthly",
)


def _asset_output(table: str, inputs: dict[str, pl.DataFrame | None] | None = None) -> pl.DataFrame:
    """What the clean asset computes: its COMPUTE function on its snapshot tables."""
    args, compute = COMPUTE[table]
    frames = inputs if inputs is not None else {arg: read_table(name) for arg, name in args.items()}
    return compute(**frames)


def _valid(table: str) -> pl.DataFrame:
    df = _asset_output(table)
    report = validate(table, df, known_sets())
    assert report.passed, report.summary()
    return df


@pytest.mark.parametrize("table", NEW_TABLES)
def test_a_snapshot_without_the_source_gives_an_empty_valid_table(table: str) -> None:
    args, _ = COMPUTE[table]
    empty = _asset_output(table, dict.fromkeys(args))
    assert empty.height == 0 and empty.schema == pl.Schema(dtypes(table))
    assert validate(table, empty, known_sets()).passed


def test_every_registry_table_name_is_declared_once_across_layers() -> None:
    # The registry is keyed by name alone: a snapshot table named like a clean one would vanish.
    names = [t.name for t in (*SNAPSHOT, *CLEAN, *QUALITY, *REFERENCE)]
    assert len(names) == len(set(names))
    assert "export_controls_crosscheck" in QUALITY_TABLES


def test_china_exports_monthly_maps_every_partner_and_keeps_the_published_figures(
    upstream_dir: Path,
) -> None:
    df = _valid("china_exports_monthly")
    upstream = pl.read_csv(
        upstream_dir / "trade-extra" / "china_exports_hs6_monthly_2017_2024.csv", infer_schema=False
    )
    assert df.height == upstream.height and df["partner"].null_count() == 0
    assert df["partner_name"].n_unique() == upstream["partner_name"].n_unique()
    australia = df.filter(line=2).row(0, named=True)
    assert (australia["month"], australia["partner"], australia["hs6"]) == (
        dt.date(2017, 1, 1),
        "AUS",
        "250410",
    )
    assert australia["value_usd"] == 10_200.0 and australia["quantity_t"] == pytest.approx(6.116362)
    assert australia["mineral"] == "graphite"
    belgium = df.filter(line=5).row(0, named=True)
    assert (belgium["value_usd"], belgium["quantity_t"], belgium["quantity_reported"]) == (
        87_500.0,
        None,
        False,
    )
    assert belgium["mineral"] is None and belgium["minerals_in_code"] == ["gallium", "germanium"]
    # The month before China's gallium/germanium licensing, summed from the upstream file itself.
    july = upstream.filter(pl.col("period_dt") == "2023-07-01", pl.col("hs6") == "811292")
    clean_july = df.filter(pl.col("month") == dt.date(2023, 7, 1), pl.col("hs6") == "811292")
    assert (
        clean_july["value_usd"].sum()
        == pytest.approx(july["val"].cast(pl.Float64).sum())
        == 12_118_646.0
    )


def test_magnet_imports_china_2018_and_every_partner_known() -> None:
    df = _valid("magnet_imports")
    assert df.height == 424 and df["partner_known"].all()
    china = df.filter(year=2018, partner="CHN").row(0, named=True)
    assert (china["value_usd"], china["share"], china["rank"], china["line"]) == (
        264_505_233.0,
        0.651066,
        1,
        2,
    )
    assert df.filter(partner="FRO")["partner_name"].unique().to_list() == ["Faroe Isds"]


def test_usitc_imports_value_by_heading_and_the_incomplete_year() -> None:
    df = _valid("usitc_imports")
    magnets = df.filter(
        hs4="8505",
        partner="CHN",
        year=2025,
        measure="customs_value",
        period="full_year",
        quantity_description="number",
    )
    assert magnets["value"].to_list() == [344_128_552.0] and magnets["unit"].to_list() == ["USD"]
    # 2026 is the download year: only its year-to-date figures are published.
    year_2026 = df.filter(year=2026)
    assert year_2026.height > 0 and year_2026["year_to_date"].all()
    current = year_2026.filter(
        hs4="8505", partner="CHN", measure="customs_value", quantity_description="number"
    )
    assert current["value"].to_list() == [142_243_782.0]
    assert df["year"].min() == 1993


def test_export_restrictions_keeps_every_oecd_measure() -> None:
    df = _valid("export_restrictions")
    assert df.height == 38
    first = df.filter(line=2).row(0, named=True)
    assert (first["mineral"], first["measure_type"], first["rate"], first["rate_unit"]) == (
        "antimony",
        "Export tax",
        20.0,
        "%",
    )
    assert first["hs6_lines"] == ["261710", "811020"] and first["introduced"] == dt.date(2024, 1, 1)
    assert (first["document_number"], first["document_year"]) == (10, 2023)
    assert set(df.filter(pl.col("mineral").is_null())["resource"]) == {"coal", "silver"}


def test_prices_monthly_copper_november_2025() -> None:
    df = _valid("prices_monthly")
    copper = df.filter(mineral="copper", month=dt.date(2025, 11, 1)).row(0, named=True)
    assert (copper["price"], copper["unit"], copper["cell"]) == (10_812.03, "$/mt", "BM798")
    assert set(df["mineral"]) == {
        "aluminium",
        "copper",
        "nickel",
        "tin",
        "zinc",
        "pgm",
        "phosphate-rock",
    }


def test_export_controls_crosscheck_lists_gaps_both_ways_with_reasons() -> None:
    df = cross_check_export_controls(_asset_output("export_restrictions"), export_controls_frame())
    assert validate("export_controls_crosscheck", df, known_sets()).passed
    status = {(n, y): s for s, n, y in df.select("status", "number", "number_year").iter_rows()}
    assert status[(65, 2023)] == "oecd_only"  # OECD's 2023 licensing list; no event in the YAML
    assert status[(46, 2024)] == "yaml_only"  # the 2024 ban on exports to the U.S.
    assert status[(23, 2023)] == "matched" and status[(10, 2025)] == "yaml_only_after_data_year"
    assert df["reason"].null_count() == 0
    gallium = df.filter(number=23, number_year=2023).row(0, named=True)
    assert gallium["minerals_only_in_yaml"] == ["germanium"]  # OECD lists only gallium under No. 23
    assert sorted(to_review(df)["number"].to_list()) == [23, 46, 65]


def test_the_crosscheck_warning_summarises_in_one_line() -> None:
    df = cross_check_export_controls(_asset_output("export_restrictions"), export_controls_frame())
    result = export_controls_agree(df)
    assert not result.passed and result.severity.value == "WARN"
    assert result.description.count("\n") == 0 and "1 oecd_only" in result.description
    assert result.description.endswith("3 to review")
    agreeing = df.filter(pl.col("status") == "matched", pl.col("number") != 23)
    assert export_controls_agree(agreeing).passed
    assert TABLES["export_controls_crosscheck"].layer == "quality"


def test_without_an_oecd_inventory_the_crosscheck_is_empty_not_all_gaps() -> None:
    empty = _asset_output("export_restrictions", {"parsed": None})
    df = export_controls_crosscheck(empty).value
    assert df.height == 0 and df.schema == pl.Schema(dtypes("export_controls_crosscheck"))
    assert export_controls_agree(df).passed
