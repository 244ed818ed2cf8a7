"""Build in-memory worksheets for the xlsx parser tests (no spreadsheet writer is installed)."""

from __future__ import annotations

import polars as pl

from transforms.parsers._excel import SheetGrid


def sheet_grid(rows: list[list[str | None]], sheet: str, *, first_row: int) -> SheetGrid:
    """A :class:`SheetGrid` of text cells whose row 0 is Excel row ``first_row``, column A."""
    width = max(len(r) for r in rows)
    frame = pl.DataFrame(
        [r + [None] * (width - len(r)) for r in rows],
        schema={f"column_{i}": pl.Utf8 for i in range(width)},
        orient="row",
    )
    return SheetGrid("test.xlsx", sheet, frame, first_row=first_row, first_col=0)
