"""The provenance columns every parser appends to its rows, in one place.

A parsed row points back to where it was read: the upstream file and line of a text file
(``LINE_PROVENANCE``), or the file, sheet, cell and line of a workbook (``CELL_PROVENANCE``).
Parsers end their output schema with one of these, so the columns and their types are the same
in every snapshot table.
"""

from __future__ import annotations

import polars as pl

LINE_PROVENANCE: dict[str, pl.DataType] = {"file": pl.Utf8(), "line": pl.Int32()}
CELL_PROVENANCE: dict[str, pl.DataType] = {
    "file": pl.Utf8(),
    "sheet": pl.Utf8(),
    "cell": pl.Utf8(),
    "line": pl.Int32(),
}
