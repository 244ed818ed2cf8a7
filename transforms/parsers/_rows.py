"""Column buffers that parsers fill one row at a time, then turn into one typed frame.

A parser that reads cell by cell collects its output as ``{column: [values]}`` (cheaper than a
frame per row). :func:`append_row` adds one row by column name and refuses a row that names
other columns than the buffer has, so a parser cannot silently shift or drop a column.
"""

from __future__ import annotations

import polars as pl


def empty_columns(schema: dict[str, pl.DataType]) -> dict[str, list]:
    """An empty buffer with one list per column of ``schema``."""
    return {column: [] for column in schema}


def append_row(out: dict[str, list], **cells: object) -> None:
    """Append one row given as ``column=value``; every column of ``out`` exactly once."""
    if cells.keys() != out.keys():
        raise ValueError(f"row columns {sorted(cells)} are not the buffer's {sorted(out)}")
    for column, value in cells.items():
        out[column].append(value)
