"""Tests of the World Bank Pink Sheet parser and ``prices_monthly`` on the real workbook.

Read off the workbook (sheet "Monthly Prices"): cell BM8 is copper in 1960M01, 715.4 $/mt;
copper in 2025M11 is 10,812.03 $/mt (BM798); codes are not uniformly upper case ("Tin",
"Zinc"); missing prices are "…" or "...".
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tests._helpers import derived_fixture, upstream_fixture
from tests._sheet_grid import sheet_grid
from transforms.cleaning.prices import PINK_SHEET_MINERALS, clean_prices_monthly
from transforms.errors import UpstreamFormatError
from transforms.parsers._excel import SheetGrid
from transforms.parsers.pink_sheet import (
    PINK_SHEET_FILE,
    PINK_SHEET_SCHEMA,
    PINK_SHEET_TITLE,
    parse_pink_sheet,
    parse_pink_sheet_grid,
)
from transforms.reference import load_minerals

parsed = upstream_fixture(parse_pink_sheet, "prices", PINK_SHEET_FILE)


prices = derived_fixture(clean_prices_monthly, "parsed")


@pytest.mark.upstream
def test_copper_first_and_last_month_with_cells(prices: pl.DataFrame) -> None:
    copper = prices.filter(mineral="copper")
    first, last = copper.row(0, named=True), copper.row(-1, named=True)
    assert (first["month"], first["price"], first["unit"], first["cell"]) == (
        dt.date(1960, 1, 1),
        715.4,
        "$/mt",
        "BM8",
    )
    assert (last["month"], last["price"], last["cell"]) == (
        dt.date(2025, 11, 1),
        10_812.03,
        "BM798",
    )
    assert copper.height == 791  # 1960-01 .. 2025-11


@pytest.mark.upstream
def test_registry_metals_only_units_as_stated(prices: pl.DataFrame) -> None:
    slugs = {m["slug"] for m in load_minerals()}
    assert set(prices["mineral"]) <= slugs
    units = dict(prices.select("mineral", "unit").unique().iter_rows())
    assert units["pgm"] == "$/troy oz" and units["copper"] == "$/mt"
    assert set(prices["product"]) == {p for _, p in PINK_SHEET_MINERALS.values()}
    assert set(prices["currency"]) == {"USD"}


@pytest.mark.upstream
def test_mixed_case_codes_and_missing_markers(parsed: pl.DataFrame) -> None:
    assert parsed.schema == pl.Schema(PINK_SHEET_SCHEMA)
    codes = set(parsed["wb_code"])
    assert {"Tin", "Zinc", "COPPER"} <= codes
    # "…" and "..." are left out, not read as zero: phosphate rock misses one month.
    assert parsed.filter(wb_code="PHOSROCK").height == 790
    assert parsed["price"].null_count() == 0
    assert parsed["updated"].unique().to_list() == ["Updated on December 02, 2025"]


def _grid(rows: list[list[str | None]]) -> SheetGrid:
    return sheet_grid(rows, "Monthly Prices", first_row=1)


_HEAD = [
    [PINK_SHEET_TITLE],
    ["Updated on June 1, 2025"],
    [None, "Copper"],
    [None, "($/mt)"],
    [None, "COPPER"],
]


def test_text_price_is_refused_with_cell() -> None:
    with pytest.raises(UpstreamFormatError, match="not a number") as info:
        parse_pink_sheet_grid(_grid([*_HEAD, ["1960M01", "1.0"], ["1960M02", "n.a."]]))
    assert info.value.column == "B7"


def test_bad_month_and_unit_are_refused() -> None:
    with pytest.raises(UpstreamFormatError, match="YYYYMmm") as info:
        parse_pink_sheet_grid(_grid([*_HEAD, ["1960M01", "1.0"], ["1960-02", "2.0"]]))
    assert info.value.column == "A7"
    head = [r[:] for r in _HEAD]
    head[3] = [None, "$/mt"]
    with pytest.raises(UpstreamFormatError, match="parentheses"):
        parse_pink_sheet_grid(_grid([*head, ["1960M01", "1.0"]]))
    assert parse_pink_sheet_grid(_grid([*_HEAD, ["1960M01", "…"], ["1960M02", "2.5"]])).height == 1
