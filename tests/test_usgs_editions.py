"""USGS editions in the pipeline: MCS 2025 in the clean layer, T4 end uses, the unit-sanity
check (and that it blocks the build), and the MCS 2026 transcription-vs-release table."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from orchestration.snapshot_store import read_table
from transforms import clean
from transforms.cleaning.usgs import clean_mineral_end_uses
from transforms.parsers import usgs
from transforms.unit_sanity import find_cases, unit_sanity, unit_sanity_table

# A 2023-layout world file whose header says tons while the notes say thousand tons: the
# chromium slip of mcs2023-chrom_world.csv, in a commodity no correction covers.
SLIPPED = (
    "Source,Country,Type,Prod_t_2021,Prod_t_est_2022,Prod_notes,Reserves_kt,Reserves_notes\n"
    'MCS2023,Freedonia,"Mine production, marketable chromite ore",18600,18000,'
    '"Units are thousand metric tons, gross weight",1000,\n'
)


@pytest.fixture(scope="module")
def slipped(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    path = tmp_path_factory.mktemp("slip") / "mcs2023-xslip_world.csv"
    path.write_text(SLIPPED, encoding="utf-8")
    return usgs.parse_world_file(path)


def test_unit_slip_in_a_raw_file_is_an_unexplained_case(slipped: pl.DataFrame) -> None:
    hits = pl.DataFrame(schema={"file": pl.String, "line": pl.Int32, "correction_reason": pl.String})
    table = unit_sanity(slipped, slipped, hits)
    assert table["status"].unique().to_list() == ["unexplained"]
    assert sorted(table["column"]) == ["Prod_t_2021", "Prod_t_est_2022"]
    assert (table["case"] == "unit statement").all() and (table["ratio"] == 1000.0).all()


def test_a_fix_that_removes_the_case_reports_it_as_corrected(slipped: pl.DataFrame) -> None:
    fixed = slipped.with_columns(
        pl.when(pl.col("column").str.starts_with("Prod_t")).then(pl.lit("kt")).otherwise("unit").alias("unit"),
        pl.when(pl.col("column").str.starts_with("Prod_t")).then(1000.0).otherwise("unit_factor_t").alias("unit_factor_t"),
    )
    hits = slipped.filter(pl.col("column").str.starts_with("Prod_t")).select(
        "file", "line", pl.lit("notes say thousand metric tons").alias("correction_reason")
    )
    table = unit_sanity(slipped, fixed, hits)
    assert table["status"].unique().to_list() == ["corrected"]
    assert table["reason"].unique().to_list() == ["notes say thousand metric tons"]


def test_year_jump_is_a_case() -> None:
    frame = pl.DataFrame(
        {
            "commodity_code": ["x", "x"], "measure": ["production"] * 2, "country": ["A", "A"],
            "edition": [2024, 2024], "year": [2022, 2023], "value": [5.0, 5000.0], "unit": ["t", "t"],
            "unit_factor_t": [1.0, 1.0], "file": ["f", "f"], "column": ["P_2022", "P_2023"],
            "line": [2, 2], "notes": [None, None],
        }
    ).cast({"edition": pl.Int16, "year": pl.Int16, "line": pl.Int32, "notes": pl.String})
    cases = find_cases(frame)
    assert cases["case"].to_list() == ["year jump"] and cases["ratio"][0] == 1000.0


def test_unexplained_slip_fails_the_build_and_blocks_downstream(slipped: pl.DataFrame) -> None:
    from orchestration.assets.usgs_quality import units_explained, usgs_unit_sanity

    # The embedded snapshot's world tables (their corrections apply) plus the slipped file.
    frames = {
        "usgs_world": pl.concat([read_table("usgs_world"), slipped]),
        "usgs2025_world": read_table("usgs2025_world"),
        "usgs2026_world": read_table("usgs2026_world"),
    }

    def source(name: str) -> dg.AssetsDefinition:
        @dg.asset(key=["snapshot", name])
        def _source() -> pl.DataFrame:
            return frames[name]

        return _source

    @dg.asset(key=["marts", "downstream"], deps=[usgs_unit_sanity])
    def downstream() -> None:
        return None

    result = dg.materialize(
        [*(source(n) for n in frames), usgs_unit_sanity, units_explained, downstream],
        raise_on_error=False,
    )
    assert not result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    failing = evaluation.metadata["failure_sample"].value.replace("\\_", "_")  # markdown escapes
    assert "mcs2023-xslip_world.csv" in failing and "Prod_t_2021" in failing
    built = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey(["clean", "usgs_unit_sanity"]) in built
    assert dg.AssetKey(["marts", "downstream"]) not in built


# --- real data ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot() -> dict[str, pl.DataFrame | None]:
    names = ("usgs_world", "usgs2025_world", "usgs2026_world", "usgs2025_end_uses")
    return {n: read_table(n) for n in names}


def test_real_unit_cases_are_all_resolved(snapshot: dict[str, pl.DataFrame | None]) -> None:
    table = unit_sanity_table(snapshot["usgs_world"], snapshot["usgs2025_world"], snapshot["usgs2026_world"])
    assert table.filter(pl.col("status") == "unexplained").height == 0
    assert table["reason"].is_not_null().all()
    corrected = set(table.filter(pl.col("status") == "corrected")["commodity_code"])
    assert {"chrom", "vanad", "molyb", "selen", "talc", "rheni", "timin", "sandi"} <= corrected


def test_chromium_2021_south_africa_is_megatons_and_2023_comes_from_mcs2025(
    snapshot: dict[str, pl.DataFrame | None],
) -> None:
    production = clean.clean_production(snapshot["usgs_world"], snapshot["usgs2026_world"], snapshot["usgs2025_world"])
    zaf = production.filter(pl.col("mineral") == "chromium", pl.col("country_code") == "ZAF")
    by_year = {r["year"]: r for r in zaf.iter_rows(named=True)}
    assert by_year[2021]["production_t"] == pytest.approx(18.6e6)
    assert by_year[2023]["edition"] == 2025 and by_year[2023]["editions_available"] == "2024,2025"
    latest_2023 = production.filter(pl.col("year") == 2023)["edition"]
    assert (latest_2023 == 2025).mean() > 0.9


def test_end_uses_quote_t4_for_registry_minerals(snapshot: dict[str, pl.DataFrame | None]) -> None:
    uses = clean_mineral_end_uses(snapshot["usgs2025_end_uses"])
    assert uses.filter(pl.col("mineral") == "cobalt")["end_uses"].to_list() == ["Batteries and metallurgy."]
    assert set(uses.filter(pl.col("mineral") == "pgm")["usgs_mineral"]) == {
        "Iridium", "Palladium", "Platinum", "Rhodium", "Ruthenium",
    }
    assert "Hafnium" not in uses["usgs_mineral"].to_list()
    assert clean_mineral_end_uses(None).height == 0


def test_transcription_is_only_a_comparison_input() -> None:
    from orchestration.assets.clean import COMPUTE

    inputs = {table for ins, _ in COMPUTE.values() for table in ins.values()}
    assert not any(t.startswith("usgs2026_transcribed") for t in inputs)
    assert Path(clean.__file__).read_text(encoding="utf-8").count("transcribed") == 0
