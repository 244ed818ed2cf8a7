"""Read the World Bank Commodity Price Data ("Pink Sheet"), monthly nominal USD prices.

``prices/CMO-Historical-Data-Monthly.xlsx``, sheet "Monthly Prices": four title rows ("World
Bank Commodity Price Data (The Pink Sheet)", "monthly prices in nominal US dollars, 1960 to
present", ..., "Updated on December 02, 2025"), then three header rows — commodity names
("Copper", "Coal, South African **"), units in parentheses ("($/mt)", "($/troy oz)",
"(2010=100)") and World Bank codes ("COPPER", "Tin", "Zinc": the case is not uniform) — and
one row per month, ``1960M01`` onwards. Missing prices are written ``…`` (an ellipsis
character) or ``...``.

:func:`parse_pink_sheet` returns one row per commodity and month with a price:

    wb_code, commodity (the name as published, "**" markers kept), unit (without the
    parentheses: "$/mt"), month Date, price Float64, updated (the "Updated on" text), file,
    sheet, cell, line.

Refused with file, sheet, row and cell: a missing title or "Updated on" row, no month rows, a
header column without name, unit or code, a unit not in parentheses, a month label that is not
``YYYYMmm``, a price that is neither a number nor a missing marker.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl

from transforms.metadata import dtypes
from transforms.parsers._excel import SheetGrid, read_sheet
from transforms.parsers._rows import append_row, empty_columns

PINK_SHEET_FILE = "CMO-Historical-Data-Monthly.xlsx"
PINK_SHEET_SHEET = "Monthly Prices"
PINK_SHEET_TITLE = "World Bank Commodity Price Data (The Pink Sheet)"
PINK_SHEET_MISSING = frozenset({"…", "..."})
# The snapshot table's columns and types are declared once, in the metadata registry.
PINK_SHEET_SCHEMA: dict[str, pl.DataType] = dtypes("pink_sheet_prices")
_MONTH_RE = re.compile(r"^([0-9]{4})M([0-9]{2})$")
_UNIT_RE = re.compile(r"^\((.+)\)$")


def _month(grid: SheetGrid, row: int) -> dt.date | None:
    match = _MONTH_RE.match(grid.cell(row, 0) or "")
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return None
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def parse_pink_sheet(path: Path | str) -> pl.DataFrame:
    """The monthly prices sheet as a long table of published prices (see module)."""
    return parse_pink_sheet_grid(read_sheet(path, PINK_SHEET_SHEET))


def parse_pink_sheet_grid(grid: SheetGrid) -> pl.DataFrame:
    """:func:`parse_pink_sheet` of a sheet already read as text cells."""
    if grid.cell(0, 0) != PINK_SHEET_TITLE:
        raise grid.error(0, 0, f"expected the title {PINK_SHEET_TITLE!r}")
    updated = next(
        (grid.cell(r, 0) for r in range(1, 6) if (grid.cell(r, 0) or "").startswith("Updated on")),
        None,
    )
    if updated is None:
        raise grid.error(3, 0, "no 'Updated on ...' row under the title")
    first = next((r for r in range(grid.height) if _month(grid, r)), None)
    if first is None or first < 3:
        raise grid.error(0, 0, "no month rows (YYYYMmm) under three header rows")
    names_row, units_row, codes_row = first - 3, first - 2, first - 1
    columns: list[tuple[int, str, str, str]] = []
    for col in range(1, grid.width):
        name, unit, code = (grid.cell(r, col) for r in (names_row, units_row, codes_row))
        if name is None and unit is None and code is None:
            continue
        for row, text in ((names_row, name), (units_row, unit), (codes_row, code)):
            if text is None:
                raise grid.error(row, col, "header column without a name, unit or code")
        unit_match = _UNIT_RE.match(unit)
        if unit_match is None:
            raise grid.error(units_row, col, "unit is not in parentheses")
        columns.append((col, code, name, unit_match.group(1)))
    out = empty_columns(PINK_SHEET_SCHEMA)
    for row in range(first, grid.height):
        if grid.cell(row, 0) is None:
            continue
        month = _month(grid, row)
        if month is None:
            raise grid.error(row, 0, "month label is not YYYYMmm")
        for col, code, name, unit in columns:
            text = grid.cell(row, col)
            if text is None or text in PINK_SHEET_MISSING:
                continue
            append_row(
                out,
                wb_code=code,
                commodity=name,
                unit=unit,
                month=month,
                price=grid.number(row, col),
                updated=updated,
                **grid.provenance(row, col),
            )
    return pl.DataFrame(out, schema=PINK_SHEET_SCHEMA)
