"""Read the IEA Critical Minerals Data Explorer's supply sheet (2024 edition).

Sheet ``2 Total supply for key minerals`` of ``CM_Data_Explorer_May2024.xlsx`` is laid out for
reading, not for machines: a title row ("Total supply for key energy transition minerals, base
case (kt)"), a row of years (2023, 2030, 2035, 2040) above each of two blocks, then per mineral
two blocks side by side — mining on the left (columns A-E), refining on the right (G-K), a
blank spacer column between — each headed ``"<Mineral> - <Stage>"`` ("Copper - Mining",
"Lithium - Chemicals", "Graphite - Battery grade"). Under each heading come the top countries,
then ``Rest of world``, ``Total`` (``Total clean technologies`` for cobalt refining) and
``Top 3 share``. The two blocks of one mineral need not have the same number of countries, so a
blank row on one side is padding. Notes close the sheet.

:func:`parse_iea_supply` returns one row per (block, row label, year):

    iea_mineral (as published: "Magnet rare earth elements"), stage_label ("Refining",
    "Chemicals", "Mining (natural)"), stage (mine | refinery), country (the row label as
    published), row_kind (economy | rest_of_world | total | top3_share), year Int16,
    scenario ("base case", from the title), value_kt Float64 (null for top3_share),
    share Float64 (top3_share rows only, a fraction), file, sheet, cell (``H48``), line (the
    Excel row).

``Rest of world``, the totals and the top-3 share are typed by ``row_kind`` and never taken
for a country. Refused with file, sheet, row and cell: a missing title or year row, a block
heading that is not ``"<Mineral> - <Stage>"`` with a known stage, a value that is not a number,
a data row outside a block.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from transforms.parsers._excel import SheetGrid, read_sheet
from transforms.parsers._provenance import CELL_PROVENANCE
from transforms.parsers._rows import append_row, empty_columns

IEA_FILE = "CM_Data_Explorer_May2024.xlsx"
IEA_SUPPLY_SHEET = "2 Total supply for key minerals"
IEA_YEARS = (2023, 2030, 2035, 2040)
IEA_STAGES: dict[str, str] = {
    # IEA's block headings -> the registry's stages. Lithium's processing block is headed
    # "Chemicals" (lithium chemicals), graphite's "Battery grade": both are the refining step.
    "Mining": "mine",
    "Mining (natural)": "mine",
    "Refining": "refinery",
    "Chemicals": "refinery",
    "Battery grade": "refinery",
}
IEA_ROW_KINDS: dict[str, str] = {
    "Rest of world": "rest_of_world",
    "Total": "total",
    # Cobalt's refining block labels its total this way; it is the sum of the rows above it.
    "Total clean technologies": "total",
    "Top 3 share": "top3_share",
}
IEA_SUPPLY_SCHEMA: dict[str, pl.DataType] = {
    "iea_mineral": pl.Utf8(),
    "stage_label": pl.Utf8(),
    "stage": pl.Utf8(),
    "country": pl.Utf8(),
    "row_kind": pl.Utf8(),
    "year": pl.Int16(),
    "scenario": pl.Utf8(),
    "value_kt": pl.Float64(),
    "share": pl.Float64(),
    **CELL_PROVENANCE,
}

_TITLE_RE = re.compile(
    r"^Total supply for key energy transition minerals, (?P<scenario>.+) \(kt\)$"
)
_HEADING_RE = re.compile(r"^(?P<mineral>.+?) - (?P<stage>.+)$")
_BLOCK_WIDTH = 1 + len(IEA_YEARS)


def _title_scenario(grid: SheetGrid) -> str:
    title = grid.cell(0, 0)
    match = _TITLE_RE.match(title or "")
    if match is None:
        raise grid.error(
            0,
            0,
            "expected the title 'Total supply for key energy transition minerals, <scenario> (kt)'",
        )
    return match.group("scenario")


def _block_starts(grid: SheetGrid) -> tuple[int, list[int]]:
    """The year row and the first column of each block (the column left of its years)."""
    for row in range(1, min(grid.height, 6)):
        starts = [
            col - 1
            for col in range(1, grid.width - len(IEA_YEARS) + 1)
            if all(grid.cell(row, col + k) == str(year) for k, year in enumerate(IEA_YEARS))
        ]
        if starts:
            if len(starts) != 2:
                raise grid.error(
                    row, 0, f"expected two blocks of years {IEA_YEARS}, found {len(starts)}"
                )
            return row, starts
    raise grid.error(1, 1, f"no row of years {IEA_YEARS} under the title")


def parse_iea_supply(path: Path | str) -> pl.DataFrame:
    """The supply sheet of the IEA Critical Minerals Data Explorer as a long table (see module)."""
    return parse_iea_supply_grid(read_sheet(path, IEA_SUPPLY_SHEET))


def parse_iea_supply_grid(grid: SheetGrid) -> pl.DataFrame:
    """:func:`parse_iea_supply` of a sheet already read as text cells."""
    scenario = _title_scenario(grid)
    year_row, starts = _block_starts(grid)
    out = empty_columns(IEA_SUPPLY_SCHEMA)
    for start in starts:
        block: tuple[str, str, str] | None = None  # iea_mineral, stage_label, stage
        for row in range(year_row + 1, grid.height):
            label = grid.cell(row, start)
            if label is None:
                continue  # spacer row, or padding where the other block is longer
            if label.startswith("Notes:"):
                break
            heading = _HEADING_RE.match(label)
            if heading and grid.cell(row, start + 1) is None:
                stage = IEA_STAGES.get(heading.group("stage"))
                if stage is None:
                    raise grid.error(
                        row, start, f"unknown stage in block heading (known: {sorted(IEA_STAGES)})"
                    )
                block = (heading.group("mineral"), heading.group("stage"), stage)
                continue
            if block is None:
                raise grid.error(row, start, "data row before any '<Mineral> - <Stage>' heading")
            kind = IEA_ROW_KINDS.get(label, "economy")
            for offset, year in enumerate(IEA_YEARS, start=1):
                value = grid.number(row, start + offset)
                if value is None:
                    raise grid.error(row, start + offset, f"empty value for {label} {year}")
                append_row(
                    out,
                    iea_mineral=block[0],
                    stage_label=block[1],
                    stage=block[2],
                    country=label,
                    row_kind=kind,
                    year=year,
                    scenario=scenario,
                    value_kt=None if kind == "top3_share" else value,
                    share=value if kind == "top3_share" else None,
                    **grid.provenance(row, start + offset),
                )
    return pl.DataFrame(out, schema=IEA_SUPPLY_SCHEMA)
