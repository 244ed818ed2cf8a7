"""Strict reading of the publishers' small CSV files: bytes to rows, or an error with a place.

Every parser of a small upstream CSV (USGS, World Mining Data, WGI, the HS-code map) reads its
file through :func:`read_csv_rows`, which refuses, naming the file, the 1-based line (header =
line 1) and the column:

* anything :func:`transforms.parsers._guards.check_text` refuses (empty, UTF-16, NUL bytes,
  carriage-return-only line ends, a line longer than 1 MiB), said as such;
* bytes that are not UTF-8 (the files are UTF-8; a stray byte means a damaged or re-encoded
  file, and decoding it as another encoding would change names silently);
* a byte-order mark anywhere but at the very start (two files pasted together);
* an unterminated quote (a file cut off inside a quoted cell);
* a header without any data row (a table that would silently lose every row);
* a data row with more or fewer fields than the header (a file cut off inside a row; a shifted
  row) — fully empty rows are padding and are skipped;
* markup in a cell (``<script>``, ``<b>``, ``javascript:``): upstream cells are plain text, and
  a page that shows names must never receive HTML from a data file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from transforms.errors import UpstreamFormatError
from transforms.parsers._guards import check_text, read_upstream_bytes

_MARKUP_RE = re.compile(r"<\s*[/!?]?\s*[A-Za-z][A-Za-z0-9-]*|javascript\s*:", re.IGNORECASE)


def find_markup(cell: str | None) -> str | None:
    """The first markup-looking piece of a cell (``<script``, ``</b``, ``javascript:``), or None.

    A "<" followed by a digit or a space ("<0.5", "< 50") is a bound, not markup.
    """
    if not cell or ("<" not in cell and ":" not in cell):
        return None
    match = _MARKUP_RE.search(cell)
    return match.group(0) if match else None


@dataclass(frozen=True)
class CsvRows:
    """A CSV file as text: the header cells, the data rows and the line each row starts on."""

    name: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]


def _split_cells(text: str) -> list[str]:
    """The cells of one line, for locating a problem (lenient: never raises)."""
    flat = text.replace("\r", " ").replace("\n", " ")
    try:
        return next(csv.reader([flat]), [])
    except csv.Error:
        return flat.split(",")


def _header_names(data: bytes) -> list[str]:
    first = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff")
    return _split_cells(first)


def _column_at(header: list[str], index: int) -> str:
    if index < len(header) and header[index].strip():
        return header[index].strip()
    return f"column {index + 1}"


def _bad_byte_error(name: str, data: bytes, exc: UnicodeDecodeError) -> UpstreamFormatError:
    line_start = data.rfind(b"\n", 0, exc.start) + 1
    line = data.count(b"\n", 0, exc.start) + 1
    prefix = data[line_start : exc.start].decode("utf-8", errors="replace")
    fields = _split_cells(prefix) or [""]
    end = data.find(b"\n", exc.start)
    snippet = data[line_start : end if end >= 0 else len(data)]
    return UpstreamFormatError(
        name,
        f"byte {data[exc.start]:#04x} is not UTF-8 text ({exc.reason}); the file must be UTF-8",
        line=line,
        column=_column_at(_header_names(data), max(len(fields) - 1, 0)),
        value=snippet.decode("utf-8", errors="replace").rstrip("\r")[:200],
    )


def decode_utf8(name: str, data: bytes) -> str:
    """The text of a UTF-8 file without its leading byte-order mark; refuses other bytes."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad_byte_error(name, data, exc) from None
    return text[1:] if text.startswith("\ufeff") else text


def read_csv_rows(
    name: str,
    data: bytes,
    *,
    check_width: bool = True,
    check_header: Callable[[list[str]], None] | None = None,
) -> CsvRows:
    """Parse a small CSV strictly (see module docstring); ``name`` is used in errors.

    ``check_width`` False lets rows be shorter or longer than the header, for callers that
    handle ragged rows themselves. ``check_header`` is called with the header cells before any
    data row is looked at, so a wrong header (a wrong delimiter) is reported as such.
    """
    check_text(name, data)
    text = decode_utf8(name, data)
    if not text.strip():
        raise UpstreamFormatError(name, "file is empty (no header row)", line=1)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if header is None:
                header = row
                _check_cells(name, row, line, row)
                if check_header is not None:
                    check_header(row)
                continue
            if not any(cell.strip() for cell in row):
                continue  # spreadsheet padding: no data
            if check_width and len(row) != len(header):
                short = len(row) < len(header)
                at_end = short and not text.endswith("\n") and line == text.count("\n") + 1
                raise UpstreamFormatError(
                    name,
                    f"row has {len(row)} fields, the header has {len(header)}"
                    + (" (the file ends inside this row: truncated?)" if at_end else ""),
                    line=line,
                    column=_column_at(header, len(row) if short else len(header)),
                    value=",".join(row)[:200],
                )
            _check_cells(name, row, line, header)
            rows.append(row)
            lines.append(line)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise UpstreamFormatError(
                name,
                f"cell longer than {csv.field_size_limit():,} bytes at line {start}: not a publisher's table",
                line=start,
            ) from None
        raise UpstreamFormatError(
            name,
            f"malformed CSV ({exc}): an unterminated quote, e.g. a file cut off inside a cell",
            line=start,
        ) from None
    assert header is not None
    if not rows:
        # A header-only file would parse as a table that silently lost every row.
        raise UpstreamFormatError(name, "file has a header row but no data rows", line=2)
    return CsvRows(name=name, header=header, rows=rows, lines=lines)


def _check_cells(name: str, row: list[str], line: int, header: list[str]) -> None:
    for index, cell in enumerate(row):
        if "\ufeff" in cell:
            raise UpstreamFormatError(
                name,
                "byte-order mark inside the file (two files pasted together?)",
                line=line + cell[: cell.index("\ufeff")].count("\n"),
                column=_column_at(header, index),
                value=cell.replace("\ufeff", "<BOM>")[:200],
            )
        markup = find_markup(cell)
        if markup is not None:
            raise UpstreamFormatError(
                name,
                f"markup ({markup!r}) in a text cell: upstream cells are plain text",
                line=line + cell[: cell.find(markup)].count("\n"),
                column=_column_at(header, index),
                value=cell[:200],
            )


def read_csv_file(
    path: Path | str,
    *,
    check_width: bool = True,
    check_header: Callable[[list[str]], None] | None = None,
) -> CsvRows:
    """:func:`read_csv_rows` of a file on disk, named by its file name in errors."""
    path = Path(path)
    data = read_upstream_bytes(path)
    return read_csv_rows(path.name, data, check_width=check_width, check_header=check_header)


def check_exact_header(
    name: str, expected: tuple[str, ...] | list[str]
) -> Callable[[list[str]], None]:
    """A ``check_header`` that wants exactly ``expected`` (cells stripped of spaces)."""

    def check(header: list[str]) -> None:
        found = [h.strip() for h in header]
        if tuple(found) == tuple(expected):
            return
        pos = next(
            (n for n, (a, b) in enumerate(zip(found, expected, strict=False)) if a != b),
            min(len(found), len(expected)),
        )
        column = expected[pos] if pos < len(expected) else found[pos]
        raise UpstreamFormatError(
            name,
            f"expected header {','.join(expected)}",
            line=1,
            column=column,
            value=",".join(found)[:200],
        )

    return check
