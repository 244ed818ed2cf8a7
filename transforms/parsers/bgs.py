"""Read the British Geological Survey World Mineral Statistics production downloads.

``bgs-wms/BGS_<mineral>_production.csv``: 14 files, production by country 1971-2023, in BGS's
long download layout of 28 columns whose **order differs from file to file** (so columns are
taken by name). The columns kept, as :func:`parse_bgs` returns them:

    country_code (``country_iso3_code`` as published: ISO3, BGS's own codes for historical
    economies such as SUN, YUG, CSK, DDR, ZAR, ``1A0`` for Kosovo, empty for Rhodesia),
    country_name (``country_trans``: "German Federal Republic" and "Germany" share DEU),
    commodity (``bgs_commodity_trans``: "cobalt, refined"), sub_commodity
    (``bgs_sub_commodity_trans``, null when empty), statistic (``bgs_statistic_type_trans``),
    yearbook_table, units ("tonnes (metal content)", "tonnes (metric)", "kilograms (metal
    content)"), year Int16 (from the timestamp ``1971-01-01 00:00:00``), quantity Float64
    (null where BGS has no figure), quantity_book (``quantity_in_book_style``: "..." for no
    figure), precision_code (``sdmx_code``: A normal, N not significant, O missing),
    precision (``data_precision_description``), figure_notes_code, figure_notes,
    table_notes_code, table_notes, file, line.

Refused with file, line and column: anything :func:`read_csv_rows` refuses, a missing column,
a year that is not a 1 January timestamp, a quantity that is not a number, an empty quantity
whose precision code does not say "missing" (O).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._csv import read_csv_file
from transforms.parsers._provenance import LINE_PROVENANCE

BGS_GLOB = "BGS_*_production.csv"
BGS_COLUMNS: dict[str, str] = {
    # output column -> BGS column
    "country_code": "country_iso3_code",
    "country_name": "country_trans",
    "commodity": "bgs_commodity_trans",
    "sub_commodity": "bgs_sub_commodity_trans",
    "statistic": "bgs_statistic_type_trans",
    "yearbook_table": "yearbook_table_trans",
    "units": "units",
    "year": "year",
    "quantity": "quantity",
    "quantity_book": "quantity_in_book_style",
    "precision_code": "sdmx_code",
    "precision": "data_precision_description",
    "figure_notes_code": "concat_figure_notes_code",
    "figure_notes": "concat_figure_notes_text",
    "table_notes_code": "concat_table_notes_code",
    "table_notes": "concat_table_notes_text",
}
BGS_SCHEMA: dict[str, pl.DataType] = {
    **{c: pl.Utf8() for c in BGS_COLUMNS},
    "year": pl.Int16(),
    "quantity": pl.Float64(),
    **LINE_PROVENANCE,
}
BGS_MISSING_CODE = "O"
_YEAR_RE = re.compile(r"^([0-9]{4})-01-01 00:00:00$")


def _parse_file(path: Path) -> dict[str, list]:
    table = read_csv_file(path)
    header = [h.strip() for h in table.header]
    index: dict[str, int] = {}
    for out, col in BGS_COLUMNS.items():
        if col not in header:
            raise UpstreamFormatError(path.name, "missing column", line=1, column=col)
        index[out] = header.index(col)
    out: dict[str, list] = {c: [] for c in BGS_SCHEMA}
    for row, line in zip(table.rows, table.lines, strict=True):
        cells = {c: (row[i].strip() or None) for c, i in index.items()}
        match = _YEAR_RE.match(cells["year"] or "")
        if match is None:
            raise UpstreamFormatError(
                path.name,
                "year is not a 'YYYY-01-01 00:00:00' timestamp",
                line=line,
                column="year",
                value=cells["year"],
            )
        cells["year"] = int(match.group(1))
        text = cells["quantity"]
        if text is None:
            if cells["precision_code"] != BGS_MISSING_CODE:
                raise UpstreamFormatError(
                    path.name,
                    f"empty quantity without precision code {BGS_MISSING_CODE} (missing)",
                    line=line,
                    column="quantity",
                )
        else:
            try:
                cells["quantity"] = float(text)
            except ValueError:
                raise UpstreamFormatError(
                    path.name, "quantity is not a number", line=line, column="quantity", value=text
                ) from None
        for col, value in cells.items():
            out[col].append(value)
        out["file"].append(path.name)
        out["line"].append(line)
    return out


def parse_bgs(directory: Path | str) -> pl.DataFrame:
    """Every ``BGS_*_production.csv`` of ``directory`` as one long table (see module)."""
    paths = sorted(Path(directory).glob(BGS_GLOB))
    if not paths:
        raise UpstreamFormatError(str(directory), f"no {BGS_GLOB} files")
    return parse_bgs_files(paths)


def parse_bgs_files(paths: list[Path]) -> pl.DataFrame:
    """:func:`parse_bgs` of a list of files (the snapshot builder's calling convention)."""
    frames = [pl.DataFrame(_parse_file(Path(p)), schema=BGS_SCHEMA) for p in sorted(paths)]
    return pl.concat(frames)
