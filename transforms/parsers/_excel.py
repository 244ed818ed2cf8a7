"""Reading publishers' xlsx workbooks as grids of text cells that keep their Excel address.

The new upstream workbooks (IEA Critical Minerals Data Explorer, USITC DataWeb, World Bank Pink
Sheet) are read with ``polars.read_excel`` (calamine engine, via fastexcel). Every cell comes
back as text, exactly as the workbook stores it, so that each parser decides what is a number
and can refuse anything else naming the file, the sheet and the cell (``B7``).

calamine returns the sheet's *used range*, which starts at the first cell holding a value, not
at A1 (the IEA supply sheet's title sits in A2). To give true cell addresses, the origin of the
used range is read from the sheet's XML part with the standard library (the workbook is a zip
of XML files); nothing else is read that way.
"""

from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import polars as pl

from transforms.errors import UpstreamFormatError

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# A cell element with content (not self-closing): its column letters and row number.
_FILLED_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?(?<!/)>')


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - ord("A") + 1)
    return index - 1


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = next(
        (
            node.get(f"{_REL_NS}id")
            for node in workbook.iter(f"{_MAIN_NS}sheet")
            if node.get("name") == sheet
        ),
        None,
    )
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(
        (n.get("Target") for n in rels.iter(f"{_PKG_REL_NS}Relationship") if n.get("Id") == rel_id),
        None,
    )
    if target is None:
        raise KeyError(sheet)
    target = target.lstrip("/")
    return target if target.startswith("xl/") else f"xl/{target}"


def _used_range_origin(path: Path, sheet: str) -> tuple[int, int]:
    """1-based row and 0-based column of the first cell holding a value (calamine's origin).

    Cells with content are the non-empty ``<c ...>...</c>`` elements; empty styled cells are
    self-closing (``<c r="A1" s="3"/>``). A regular expression over the part is used instead of
    an XML parser because only these attributes are needed and the parts can be megabytes.
    """
    with zipfile.ZipFile(path) as archive:
        part = archive.read(_sheet_part(archive, sheet))
    refs = _FILLED_CELL.findall(part)
    if not refs:
        return (1, 0)
    first_row = int(refs[0][1])  # rows are stored in order
    first_col = min(_column_index(letters.decode()) for letters in {c for c, _ in refs})
    return (first_row, first_col)


@dataclass(frozen=True)
class SheetGrid:
    """One worksheet as text cells; ``frame`` row 0 is Excel row ``first_row``."""

    file: str
    sheet: str
    frame: pl.DataFrame
    first_row: int
    first_col: int

    @property
    def height(self) -> int:
        return self.frame.height

    @property
    def width(self) -> int:
        return self.frame.width

    @functools.cached_property
    def _rows(self) -> list[tuple]:
        # Row tuples once: indexing the frame cell by cell is far slower.
        return self.frame.rows()

    def cell(self, row: int, col: int) -> str | None:
        """The stripped text of a cell (0-based grid position), None when empty."""
        if row >= self.frame.height or col >= self.frame.width:
            return None
        value = self._rows[row][col]
        if value is None:
            return None
        text = str(value).strip()
        return text or None

    def ref(self, row: int, col: int) -> str:
        """The Excel address (``B7``) of a 0-based grid position."""
        return f"{column_letter(col + self.first_col)}{row + self.first_row}"

    def provenance(self, row: int, col: int) -> dict[str, object]:
        """The :data:`~transforms.parsers._provenance.CELL_PROVENANCE` values of one cell."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.ref(row, col),
            "line": row + self.first_row,
        }

    def error(self, row: int, col: int, message: str) -> UpstreamFormatError:
        """An error naming file, sheet, Excel row (as ``line``) and cell."""
        return UpstreamFormatError(
            self.file,
            f"sheet {self.sheet!r}: {message}",
            line=row + self.first_row,
            column=self.ref(row, col),
            value=self.cell(row, col),
        )

    def number(self, row: int, col: int) -> float | None:
        """A numeric cell as float (None when empty); anything else is refused with its cell."""
        text = self.cell(row, col)
        if text is None:
            return None
        try:
            return float(text)
        except ValueError:
            raise self.error(row, col, "not a number") from None


def read_sheet(path: Path | str, sheet: str) -> SheetGrid:
    """The used range of ``sheet`` as text cells (see module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise UpstreamFormatError(path.name, "workbook not found")
    try:
        frame = pl.read_excel(
            path,
            sheet_name=sheet,
            engine="calamine",
            has_header=False,
            infer_schema_length=0,
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
        first_row, first_col = _used_range_origin(path, sheet)
    except (zipfile.BadZipFile, ElementTree.ParseError) as exc:
        raise UpstreamFormatError(path.name, f"not a readable xlsx workbook: {exc}") from None
    except (KeyError, ValueError) as exc:
        raise UpstreamFormatError(path.name, f"no sheet {sheet!r} ({exc})") from None
    return SheetGrid(path.name, sheet, frame, first_row, first_col)


def sheet_names(path: Path | str) -> list[str]:
    """The sheet names of a workbook, in order."""
    import fastexcel

    return list(fastexcel.read_excel(str(path)).sheet_names)
