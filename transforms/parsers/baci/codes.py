"""BACI's country and product code tables: parsed as tables, and as the code sets a trade
table's ``i``, ``j`` and ``k`` are checked against.

The tables are small; they are read whole (UTF-8, or Windows-1252 as some releases were
published), from a file or straight from a release zip.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._csv import check_exact_header, find_markup
from transforms.parsers._guards import read_upstream_bytes
from transforms.parsers.baci.layout import (
    _HS6_RE,
    _INT_RE,
    BaciCodeTables,
    BaciSource,
    CodeTablesOption,
)

CodeT = TypeVar("CodeT", int, str)

# ---------------------------------------------------------------------------------------------
# Code tables next to a trade table


def _code_table_candidates(names: Iterable[str]) -> tuple[list[str], list[str]]:
    countries, products = [], []
    for name in names:
        base = name.rsplit("/", 1)[-1].lower()
        if base.endswith(".csv") and base.startswith("country_codes"):
            countries.append(name)
        elif base.endswith(".csv") and base.startswith("product_codes"):
            products.append(name)
    return sorted(countries), sorted(products)


def load_code_tables(country_codes: Path | str, product_codes: Path | str) -> BaciCodeTables:
    """The code sets of BACI's ``country_codes_*.csv`` and ``product_codes_*.csv``."""
    return _code_sets(_file_bytes(country_codes), _file_bytes(product_codes))


def _code_sets(countries: tuple[str, bytes], products: tuple[str, bytes]) -> BaciCodeTables:
    """The code sets of the two tables, each given as (file name, bytes)."""
    return BaciCodeTables(
        countries=frozenset(_country_codes(*countries)["baci_code"].to_list()),
        products=frozenset(_product_codes(*products)["hs6"].to_list()),
        countries_file=countries[0],
        products_file=products[0],
    )


def find_code_tables(source: BaciSource) -> BaciCodeTables | None:
    """BACI's code tables shipped with a trade table: in its folder, or in its release zip.

    None unless exactly one country table and one product table are found, so a folder of
    several releases is read without code checks rather than checked against the wrong table.
    """
    if source.member is not None:
        with zipfile.ZipFile(source.path) as zf:
            countries, products = _code_table_candidates(i.filename for i in zf.infolist())
            if len(countries) != 1 or len(products) != 1:
                return None
            # Small tables: read from the zip in memory, named as the member's base name.
            return _code_sets(
                (countries[0].rsplit("/", 1)[-1], zf.read(countries[0])),
                (products[0].rsplit("/", 1)[-1], zf.read(products[0])),
            )
    folder = source.path.parent
    countries, products = _code_table_candidates(p.name for p in folder.iterdir() if p.is_file())
    if len(countries) != 1 or len(products) != 1:
        return None
    return load_code_tables(folder / countries[0], folder / products[0])


_CODE_CACHE: dict[tuple, BaciCodeTables | None] = {}


def codes_for(
    source: BaciSource, code_tables: CodeTablesOption
) -> BaciCodeTables | None:
    if code_tables != "auto":
        return code_tables
    where = source.path if source.member is not None else source.path.parent
    stat = where.stat()
    key = (str(where.resolve()), stat.st_mtime_ns, source.member is not None)
    if key not in _CODE_CACHE:
        _CODE_CACHE[key] = find_code_tables(source)
    return _CODE_CACHE[key]


# ---------------------------------------------------------------------------------------------
# Parsing the code tables


def _decode(data: bytes) -> tuple[str, str]:
    """Text of a small code table and the encoding it was read with.

    BACI's code tables have been published in UTF-8 and in Windows-1252 over the releases; a
    byte that is invalid UTF-8 means the latter (latin-1 as a last resort, as it never fails).
    """
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def repair_mojibake(text: str | None) -> str | None:
    """Undo UTF-8 text that was decoded as Windows-1252/latin-1 and re-encoded (``CuraÃ§ao``).

    Returns the text unchanged when it does not round-trip, so correct names are left alone.
    """
    if text is None or text.isascii():
        return text
    for encoding in ("cp1252", "latin-1"):
        try:
            fixed = text.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        return fixed
    return text


def _file_bytes(path: Path | str) -> tuple[str, bytes]:
    path = Path(path)
    if not path.is_file() and not path.is_symlink():
        raise UpstreamFormatError(path.name, "BACI code table not found")
    return path.name, read_upstream_bytes(path)


def _read_code_table(
    name: str, data: bytes, expected: list[str]
) -> tuple[list[list[str]], list[int]]:
    text, _ = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise UpstreamFormatError(name, "file is empty", line=1)
    check_exact_header(name, expected)(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    start = reader.line_num + 1
    for row in reader:
        if not row or all(c.strip() == "" for c in row):
            start = reader.line_num + 1
            continue  # trailing empty rows carry nothing
        if len(row) != len(expected):
            raise UpstreamFormatError(
                name,
                f"row has {len(row)} fields, expected {len(expected)}",
                line=start,
                column=expected[min(len(row), len(expected) - 1)],
                value=",".join(row),
            )
        for column, cell in zip(expected, row, strict=True):
            markup = find_markup(cell)
            if markup is not None or "\ufeff" in cell:
                raise UpstreamFormatError(
                    name,
                    f"markup ({markup!r}) in a text cell: upstream cells are plain text"
                    if markup is not None
                    else "byte-order mark inside the file (two files pasted together?)",
                    line=start,
                    column=column,
                    value=cell[:200],
                )
        rows.append(row)
        lines.append(start)
        start = reader.line_num + 1
    return rows, lines


def _refuse_repeat(
    name: str, seen: dict, code: int | str, line: int, column: str, raw: str
) -> None:
    """A code listed twice is an error naming both lines; else remember where it is."""
    if code in seen:
        what = "country" if column == "country_code" else "product"
        raise UpstreamFormatError(
            name,
            f"{what} code listed twice (first on line {seen[code]})",
            line=line,
            column=column,
            value=raw,
        )
    seen[code] = line


def _unique_codes(
    name: str,
    rows: list[list[str]],
    lines: list[int],
    column: str,
    parse: Callable[[str], CodeT],
) -> list[CodeT]:
    """The first column of a code table, each cell read by ``parse`` (a ValueError says what is
    wrong with it) and listed once: else an error naming file, line and column."""
    codes: list[CodeT] = []
    seen: dict[CodeT, int] = {}
    for row, line in zip(rows, lines, strict=True):
        try:
            code = parse(row[0].strip())
        except ValueError as exc:
            raise UpstreamFormatError(
                name, str(exc), line=line, column=column, value=row[0]
            ) from None
        _refuse_repeat(name, seen, code, line, column, row[0])
        codes.append(code)
    return codes


def _country_code(raw: str) -> int:
    if not _INT_RE.match(raw):
        raise ValueError("country code is not an integer")
    code = int(raw)
    if not 0 <= code < 2**31:
        raise ValueError("country code out of range")
    return code


def _product_code(raw: str) -> str:
    if not _HS6_RE.match(raw):
        raise ValueError("product code is not an HS6 code")
    return raw.zfill(6)


def parse_baci_country_codes(path: Path | str) -> pl.DataFrame:
    """BACI's country table (``country_codes_V202401b.csv``).

    Columns: ``baci_code`` Int32, ``country_name`` (as published), ``country_name_repaired``
    (the same with UTF-8 mojibake undone: ``CuraÃ§ao`` -> ``Curaçao``), ``iso2``, ``iso3`` (as
    published: BACI's own pseudo-codes such as ``S19`` for "Other Asia, nes" = Taiwan are kept,
    and an empty cell stays null), ``file``, ``line``. Markup in a cell is refused.
    """
    return _country_codes(*_file_bytes(path))


def _country_codes(name: str, data: bytes) -> pl.DataFrame:
    rows, lines = _read_code_table(
        name, data, ["country_code", "country_name", "country_iso2", "country_iso3"]
    )
    codes = _unique_codes(name, rows, lines, "country_code", _country_code)

    def text(col: int) -> list[str | None]:
        return [r[col].strip() or None for r in rows]

    names = text(1)
    return pl.DataFrame(
        {
            "baci_code": pl.Series(codes, dtype=pl.Int32),
            "country_name": pl.Series(names, dtype=pl.Utf8),
            "country_name_repaired": pl.Series([repair_mojibake(n) for n in names], dtype=pl.Utf8),
            "iso2": pl.Series(text(2), dtype=pl.Utf8),
            "iso3": pl.Series(text(3), dtype=pl.Utf8),
            "file": pl.Series([name] * len(rows), dtype=pl.Utf8),
            "line": pl.Series(lines, dtype=pl.Int32),
        }
    )


def parse_baci_product_codes(path: Path | str) -> pl.DataFrame:
    """BACI's HS92 product table (``product_codes_HS92_V202401b.csv``).

    Columns: ``hs6`` Utf8 (6 chars, zero-padded even if the file lost the leading zero),
    ``description``, ``file``, ``line``. The file is read as UTF-8, or Windows-1252 if it is not
    valid UTF-8.
    """
    return _product_codes(*_file_bytes(path))


def _product_codes(name: str, data: bytes) -> pl.DataFrame:
    rows, lines = _read_code_table(name, data, ["code", "description"])
    codes = _unique_codes(name, rows, lines, "code", _product_code)
    return pl.DataFrame(
        {
            "hs6": pl.Series(codes, dtype=pl.Utf8),
            "description": pl.Series([r[1].strip() or None for r in rows], dtype=pl.Utf8),
            "file": pl.Series([name] * len(rows), dtype=pl.Utf8),
            "line": pl.Series(lines, dtype=pl.Int32),
        }
    )
