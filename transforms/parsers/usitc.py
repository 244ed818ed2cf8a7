"""Read the USITC DataWeb workbook of U.S. imports for consumption, 1993-2026.

``trade-extra/usitc_us_imports_for_consumption_1993-2026.xlsx`` is a DataWeb query export: a
"Query Parameters" sheet (key/value pairs: trade flow, years, countries, the 25 HS4 headings)
and one sheet per measure and timeframe — "Customs Value", "First Unit of Quantity", "Second
Unit of Quantity", each also as "... YTD". Every measure sheet has a title row ("Imports For
Consumption|Annual + Year-To-Date..."), a "Data Row Count" row, a header row ``Data Type,
Country, HTS Number, Description, Quantity Description, 1993, ..., 2026`` (``1993_Year_to_date``
in YTD sheets; quantity sheets add ``<year>_Suppressed`` columns), the data rows and, in the
value sheets, a ``Total:`` row whose figures carry thousands separators ("2,497,711,093").
Years are columns. Value rows are split by the unit in which their HTS lines count quantity
("Value for: kilograms", "Value for: number").

:func:`parse_usitc` returns one row per sheet, data row and year:

    measure (customs_value | first_unit_quantity | second_unit_quantity), period (full_year |
    year_to_date), partner_name, hs4, description, quantity_description, year Int16, value
    Float64, suppressed Float64 (quantity sheets; null elsewhere), file, sheet, cell, line.

:func:`parse_usitc_parameters` returns the "Query Parameters" pairs (parameter, value).

Refused with file, sheet, row and cell: a sheet missing, a title/count/header row that is not
where DataWeb puts it, a year column that is not a year, a data row whose "Data Type" is not
the sheet's measure, a value that is not a number, a data-row count that differs from "Data
Row Count", a ``Total:`` row that does not equal the sum of the rows above it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import polars as pl

from transforms.parsers._excel import SheetGrid, read_sheet
from transforms.parsers._provenance import CELL_PROVENANCE
from transforms.parsers._rows import append_row, empty_columns

USITC_FILE = "usitc_us_imports_for_consumption_1993-2026.xlsx"
USITC_PARAMETERS_SHEET = "Query Parameters"
# DataWeb's measure sheets, each also as a year-to-date copy named with the suffix " YTD".
_MEASURE_SHEETS = {
    "Customs Value": "customs_value",
    "First Unit of Quantity": "first_unit_quantity",
    "Second Unit of Quantity": "second_unit_quantity",
}
_PERIOD_SUFFIXES = {"": "full_year", " YTD": "year_to_date"}
# sheet -> (measure, period); the sheet's "Data Type" cells name the measure without "YTD".
USITC_SHEETS: dict[str, tuple[str, str]] = {
    name + suffix: (measure, period)
    for name, measure in _MEASURE_SHEETS.items()
    for suffix, period in _PERIOD_SUFFIXES.items()
}
USITC_LEAD = ("Data Type", "Country", "HTS Number", "Description", "Quantity Description")
USITC_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.Utf8(),
    "period": pl.Utf8(),
    "partner_name": pl.Utf8(),
    "hs4": pl.Utf8(),
    "description": pl.Utf8(),
    "quantity_description": pl.Utf8(),
    "year": pl.Int16(),
    "value": pl.Float64(),
    "suppressed": pl.Float64(),
    **CELL_PROVENANCE,
}
_YEAR_COL = re.compile(r"^([0-9]{4})(_Year_to_date)?(_Suppressed)?$")
_HS4 = re.compile(r"^[0-9]{4}$")
_TOTAL = "Total:"
_HEADER_ROW = 2


def _number(grid: SheetGrid, row: int, col: int) -> float:
    text = grid.cell(row, col)
    try:
        value = float((text or "").replace(",", ""))
    except ValueError:
        raise grid.error(row, col, "not a number") from None
    if not math.isfinite(value):
        raise grid.error(row, col, "not a finite number")
    return value


def _year_columns(grid: SheetGrid) -> tuple[dict[int, int], dict[int, int]]:
    """Column of each year's figure and of its ``_Suppressed`` companion, from the header."""
    header = [grid.cell(_HEADER_ROW, c) for c in range(grid.width)]
    if tuple(header[: len(USITC_LEAD)]) != USITC_LEAD:
        raise grid.error(_HEADER_ROW, 0, f"expected header {', '.join(USITC_LEAD)}, <years>")
    values: dict[int, int] = {}
    suppressed: dict[int, int] = {}
    for col in range(len(USITC_LEAD), grid.width):
        match = _YEAR_COL.match(header[col] or "")
        if match is None:
            raise grid.error(_HEADER_ROW, col, "column is not a year")
        (suppressed if match.group(3) else values)[int(match.group(1))] = col
    return values, suppressed


def parse_usitc_sheet(grid: SheetGrid, measure: str, period: str, out: dict[str, list]) -> None:
    if not (grid.cell(0, 0) or "").startswith("Imports For Consumption"):
        raise grid.error(0, 0, "expected the DataWeb title 'Imports For Consumption|...'")
    if grid.cell(1, 0) != "Data Row Count":
        raise grid.error(1, 0, "expected 'Data Row Count'")
    declared = int(_number(grid, 1, 1))
    years, suppressed = _year_columns(grid)
    data_type = grid.sheet.removesuffix(" YTD")
    rows = 0
    sums = dict.fromkeys(years, 0.0)
    for row in range(_HEADER_ROW + 1, grid.height):
        first = grid.cell(row, 0)
        if first is None:
            continue
        if first == _TOTAL:
            for year, col in years.items():
                if not math.isclose(_number(grid, row, col), sums[year], abs_tol=0.5):
                    raise grid.error(
                        row, col, f"total differs from the sum of the rows ({sums[year]:,.0f})"
                    )
            continue
        if first != data_type:
            raise grid.error(row, 0, f"Data Type is not {data_type!r}")
        hs4 = grid.cell(row, 2) or ""
        if not _HS4.match(hs4):
            raise grid.error(row, 2, "HTS Number is not a four-digit heading")
        rows += 1
        for year, col in years.items():
            value = _number(grid, row, col)
            sums[year] += value
            append_row(
                out,
                measure=measure,
                period=period,
                partner_name=grid.cell(row, 1),
                hs4=hs4,
                description=grid.cell(row, 3),
                quantity_description=grid.cell(row, 4),
                year=year,
                value=value,
                suppressed=_number(grid, row, suppressed[year]) if year in suppressed else None,
                **grid.provenance(row, col),
            )
    if rows != declared:
        raise grid.error(1, 1, f"Data Row Count says {declared}, the sheet has {rows} data rows")


def parse_usitc(path: Path | str) -> pl.DataFrame:
    """Every measure sheet of the DataWeb workbook as one long table (see module)."""
    out = empty_columns(USITC_SCHEMA)
    for sheet, (measure, period) in USITC_SHEETS.items():
        parse_usitc_sheet(read_sheet(path, sheet), measure, period, out)
    return pl.DataFrame(out, schema=USITC_SCHEMA)


def parse_usitc_parameters(path: Path | str) -> pl.DataFrame:
    """The "Query Parameters" sheet as (parameter, value, cell) rows; step headings skipped."""
    grid = read_sheet(path, USITC_PARAMETERS_SHEET)
    rows = [
        (grid.cell(r, 0), grid.cell(r, 1) or "", grid.ref(r, 1))
        for r in range(grid.height)
        if grid.cell(r, 0) and not (grid.cell(r, 0) or "").startswith("Step ")
    ]
    return pl.DataFrame(
        rows, schema={"parameter": pl.Utf8, "value": pl.Utf8, "cell": pl.Utf8}, orient="row"
    )
