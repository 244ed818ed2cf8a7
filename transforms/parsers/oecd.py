"""Read the OECD Inventory of Export Restrictions on Industrial Raw Materials (China, 2024).

``oecd-export-restrictions/oecd_inventory_2024_china.csv``: the 38 measures on China of data
year 2024, transcribed from the OECD data-API extract in bitbaum/substrata. Header
``data_year,iso2,resource,type,typeLabel,value,valueUnit,condition,introduced,ends,temporary,
document,link,agency,note,hs6_lines``. Quirks: ``value`` is empty for licensing requirements
(no rate); ``hs6_lines`` is a ``;``-separated list; conditions and notes hold commas inside
quotes; the ``document`` cell spells "Annoucement" once and writes numbers as "No.10, 2023",
"No.57. 2010" or "No.260, 2024".

:func:`parse_oecd_inventory` returns

    data_year Int16, iso2, resource (OECD's raw-material name: "pgms", "bauxite"),
    measure_code ("M1"), measure_type ("Export tax"), rate Float64, rate_unit ("%"),
    condition, introduced Date, ends Date, temporary Boolean, document,
    document_number Int32 and document_year Int16 (read off ``document``; null if absent),
    link, agency, note, hs6_lines List(Utf8), file, line.

Refused with file, line and column: anything :func:`read_csv_rows` refuses, a wrong header, a
date that is not ISO ``YYYY-MM-DD``, a rate that is not a number or has no unit, ``temporary``
other than true/false, an HS line that is not six digits, a link that is not http(s).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._csv import check_exact_header, read_csv_file
from transforms.parsers._provenance import LINE_PROVENANCE

OECD_FILE = "oecd_inventory_2024_china.csv"
OECD_HEADER = (
    "data_year",
    "iso2",
    "resource",
    "type",
    "typeLabel",
    "value",
    "valueUnit",
    "condition",
    "introduced",
    "ends",
    "temporary",
    "document",
    "link",
    "agency",
    "note",
    "hs6_lines",
)
OECD_SCHEMA: dict[str, pl.DataType] = {
    "data_year": pl.Int16(),
    "iso2": pl.Utf8(),
    "resource": pl.Utf8(),
    "measure_code": pl.Utf8(),
    "measure_type": pl.Utf8(),
    "rate": pl.Float64(),
    "rate_unit": pl.Utf8(),
    "condition": pl.Utf8(),
    "introduced": pl.Date(),
    "ends": pl.Date(),
    "temporary": pl.Boolean(),
    "document": pl.Utf8(),
    "document_number": pl.Int32(),
    "document_year": pl.Int16(),
    "link": pl.Utf8(),
    "agency": pl.Utf8(),
    "note": pl.Utf8(),
    "hs6_lines": pl.List(pl.Utf8()),
    **LINE_PROVENANCE,
}
_DOCUMENT_RE = re.compile(r"No\.\s*([0-9]+)[.,]\s*([0-9]{4})")
_HS6_RE = re.compile(r"^[0-9]{6}$")


def _date(text: str, file: str, line: int, column: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UpstreamFormatError(
            file, "not an ISO date (YYYY-MM-DD)", line=line, column=column, value=text
        ) from None


def _row(cells: dict[str, str], file: str, line: int) -> dict:
    def fail(column: str, message: str) -> UpstreamFormatError:
        return UpstreamFormatError(file, message, line=line, column=column, value=cells[column])

    rate = None
    if cells["value"]:
        try:
            rate = float(cells["value"])
        except ValueError:
            raise fail("value", "rate is not a number") from None
        if not cells["valueUnit"]:
            raise fail("valueUnit", "a rate without a unit")
    if cells["temporary"] not in ("true", "false"):
        raise fail("temporary", "expected true or false")
    lines = [h.strip() for h in cells["hs6_lines"].split(";") if h.strip()]
    if not lines or not all(_HS6_RE.match(h) for h in lines):
        raise fail("hs6_lines", "expected ';'-separated six-digit HS codes")
    if not cells["link"].startswith(("http://", "https://")):
        raise fail("link", "not an http(s) link")
    if not cells["data_year"].isdigit():
        raise fail("data_year", "not a year")
    document = _DOCUMENT_RE.search(cells["document"])
    return {
        "data_year": int(cells["data_year"]),
        "iso2": cells["iso2"],
        "resource": cells["resource"],
        "measure_code": cells["type"],
        "measure_type": cells["typeLabel"],
        "rate": rate,
        "rate_unit": cells["valueUnit"] or None,
        "condition": cells["condition"] or None,
        "introduced": _date(cells["introduced"], file, line, "introduced"),
        "ends": _date(cells["ends"], file, line, "ends"),
        "temporary": cells["temporary"] == "true",
        "document": cells["document"] or None,
        "document_number": int(document.group(1)) if document else None,
        "document_year": int(document.group(2)) if document else None,
        "link": cells["link"],
        "agency": cells["agency"] or None,
        "note": cells["note"] or None,
        "hs6_lines": lines,
        "file": file,
        "line": line,
    }


def parse_oecd_inventory(path: Path | str) -> pl.DataFrame:
    """The OECD inventory extract as a typed table (see module)."""
    path = Path(path)
    table = read_csv_file(path, check_header=check_exact_header(path.name, OECD_HEADER))
    rows = [
        _row(dict(zip(OECD_HEADER, (c.strip() for c in row), strict=True)), path.name, line)
        for row, line in zip(table.rows, table.lines, strict=True)
    ]
    return pl.DataFrame(rows, schema=OECD_SCHEMA)
