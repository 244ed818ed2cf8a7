"""Tests of the IEA Critical Minerals Data Explorer supply-sheet parser and its clean tables.

Figures read off the workbook (sheet "2 Total supply for key minerals", cell H60 holds 70.3 and
A60/G60 "China"): magnet rare earth refining 2023 is China 70.3 of a 76.3 kt total; cobalt's
refining block ends with "Total clean technologies" (223.8 = the sum of its rows).
"""

from __future__ import annotations

import polars as pl
import pytest

from tests._helpers import upstream_fixture
from tests._sheet_grid import sheet_grid
from transforms.cleaning.iea import IEA_PRODUCTS, clean_iea_outlook, clean_iea_refinery
from transforms.errors import UpstreamFormatError
from transforms.parsers._excel import SheetGrid
from transforms.parsers.iea import (
    IEA_FILE,
    IEA_SUPPLY_SCHEMA,
    parse_iea_supply,
    parse_iea_supply_grid,
)

supply = upstream_fixture(parse_iea_supply, "iea-cmde", IEA_FILE)


def _grid(rows: list[list[str | None]]) -> SheetGrid:
    return sheet_grid(rows, "2 Total supply for key minerals", first_row=2)


_TITLE = ["Total supply for key energy transition minerals, base case (kt)"]
_YEARS = [None, "2023", "2030", "2035", "2040", None, None, "2023", "2030", "2035", "2040"]


@pytest.mark.upstream
def test_magnet_ree_refining_2023_china_of_total(supply: pl.DataFrame) -> None:
    ree = supply.filter(iea_mineral="Magnet rare earth elements", stage="refinery", year=2023)
    china = ree.filter(country="China").row(0, named=True)
    total = ree.filter(row_kind="total").row(0, named=True)
    assert (china["value_kt"], total["value_kt"]) == (70.3, 76.3)
    # Provenance is the true Excel cell: calamine's range starts at the title in A2.
    assert (china["cell"], china["line"]) == ("H60", 60)
    refinery = clean_iea_refinery(supply).filter(mineral="rare-earths")
    assert refinery.filter(economy="CHN")["quantity_t"].item() == pytest.approx(70_300)
    assert refinery.filter(economy="WORLD")["quantity_t"].item() == pytest.approx(76_300)


@pytest.mark.upstream
def test_shape_blocks_and_stages(supply: pl.DataFrame) -> None:
    assert supply.schema == pl.Schema(IEA_SUPPLY_SCHEMA)
    blocks = set(supply.select("iea_mineral", "stage_label").unique().iter_rows())
    assert blocks == set(IEA_PRODUCTS)
    # Lithium's refining block is headed "Chemicals", graphite's "Battery grade".
    stages = dict(
        supply.filter(stage="refinery").select("iea_mineral", "stage_label").unique().iter_rows()
    )
    assert stages["Lithium"] == "Chemicals" and stages["Graphite"] == "Battery grade"
    assert sorted(supply["year"].unique().to_list()) == [2023, 2030, 2035, 2040]
    assert supply["scenario"].unique().to_list() == ["base case"]


@pytest.mark.upstream
def test_aggregate_rows_are_never_economies(supply: pl.DataFrame) -> None:
    kinds = dict(supply.group_by("country").agg(pl.col("row_kind").unique()).iter_rows())
    assert kinds["Rest of world"] == ["rest_of_world"]
    assert kinds["Total"] == ["total"]
    assert kinds["Total clean technologies"] == ["total"]
    assert kinds["Top 3 share"] == ["top3_share"]
    shares = supply.filter(row_kind="top3_share")
    assert shares["value_kt"].null_count() == shares.height
    assert shares["share"].is_between(0, 1).all()
    clean = clean_iea_refinery(supply)
    assert set(clean.filter(economy_kind="aggregate")["economy"]) == {"OTHER", "WORLD"}


@pytest.mark.upstream
def test_cobalt_total_clean_technologies_is_block_sum(supply: pl.DataFrame) -> None:
    block = supply.filter(iea_mineral="Cobalt", stage="refinery", year=2023)
    rows = block.filter(pl.col("row_kind").is_in(["economy", "rest_of_world"]))["value_kt"].sum()
    total = block.filter(row_kind="total")["value_kt"].item()
    assert total == pytest.approx(rows, abs=0.11)
    # The blocks differ in length (5 refining countries vs 4 mining): padding is skipped.
    assert block.filter(row_kind="economy").height == 5


@pytest.mark.upstream
def test_outlook_projections(supply: pl.DataFrame) -> None:
    outlook = clean_iea_outlook(supply)
    assert sorted(outlook["year"].unique().to_list()) == [2030, 2035, 2040]
    assert set(outlook["stage"]) == {"mine", "refinery"}
    assert outlook.filter(pl.col("economy").is_null()).height == 0
    china = outlook.filter(mineral="graphite", stage="refinery", economy="CHN", year=2030)
    assert china["quantity_t"].item() == pytest.approx(5_124_700)


def test_unknown_stage_heading_is_refused() -> None:
    grid = _grid([_TITLE, _YEARS, ["Copper - Smelting"], ["Chile", "1", "2", "3", "4"]])
    with pytest.raises(UpstreamFormatError, match="unknown stage") as info:
        parse_iea_supply_grid(grid)
    assert info.value.column == "A4"


def test_text_in_a_value_cell_is_refused_with_its_cell() -> None:
    grid = _grid([_TITLE, _YEARS, ["Copper - Mining"], ["Chile", "1", "n/a", "3", "4"]])
    with pytest.raises(UpstreamFormatError, match="not a number") as info:
        parse_iea_supply_grid(grid)
    assert (info.value.line, info.value.column, info.value.value) == (5, "C5", "n/a")


def test_missing_title_is_refused() -> None:
    with pytest.raises(UpstreamFormatError, match="title"):
        parse_iea_supply_grid(_grid([["Something else"], _YEARS]))


def test_unmapped_country_is_refused() -> None:
    grid = _grid(
        [
            _TITLE,
            _YEARS,
            ["Copper - Mining", None, None, None, None, None, "Copper - Refining"],
            ["Atlantis", "1", "2", "3", "4", None, "Chile", "1", "2", "3", "4"],
        ]
    )
    with pytest.raises(UpstreamFormatError, match="not in data/reference/country_names"):
        clean_iea_refinery(parse_iea_supply_grid(grid))
