"""Parser for MCS 2025 table T4, the end uses of each critical mineral in USGS's own words.

``trends/MCS2025_T4_Critical_Minerals_End_Use.csv`` (MCS 2025 data release,
doi:10.5066/P13XCP3R): one row per mineral of the 2022 U.S. critical minerals list, columns
``Source, Critical Mineral, Primary Applications, Category_Note``, behind a byte-order mark.
The text is kept as published (spaces normalised); it is prose, not figures.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._csv import check_exact_header, read_csv_file
from transforms.parsers._provenance import LINE_PROVENANCE
from transforms.parsers._text import squash

END_USES_HEADER = ("Source", "Critical Mineral", "Primary Applications", "Category_Note")

END_USES_SCHEMA: dict[str, pl.DataType] = {
    "edition": pl.Int16(),
    "critical_mineral": pl.String(),
    "primary_applications": pl.String(),
    "category_note": pl.String(),
    **LINE_PROVENANCE,
}


def parse_end_uses(path: str | Path) -> pl.DataFrame:
    """Table T4 as one row per mineral; columns as :data:`END_USES_SCHEMA`.

    Raises :class:`UpstreamFormatError` for a changed header, a Source that is not MCS<year>,
    a row without mineral or applications, or a mineral listed twice.
    """
    path = Path(path)
    name = path.name
    rows = read_csv_file(path, check_header=check_exact_header(name, END_USES_HEADER))
    records = []
    seen: dict[str, int] = {}
    for row, line in zip(rows.rows, rows.lines, strict=True):
        source, mineral, uses, note = (squash(c) for c in row)
        if not (source.startswith("MCS") and source[3:].isdigit()):
            raise UpstreamFormatError(
                name, "Source is not MCS<year>", line=line, column="Source", value=source
            )
        for column, text in (("Critical Mineral", mineral), ("Primary Applications", uses)):
            if not text:
                raise UpstreamFormatError(name, "empty cell", line=line, column=column)
        if mineral.casefold() in seen:
            raise UpstreamFormatError(
                name,
                f"mineral listed twice (first on line {seen[mineral.casefold()]})",
                line=line,
                column="Critical Mineral",
                value=mineral,
            )
        seen[mineral.casefold()] = line
        records.append((int(source[3:]), mineral, uses, note or None, name, line))
    return pl.DataFrame(records, schema=END_USES_SCHEMA, orient="row")
