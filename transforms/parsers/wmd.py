"""Read World Mining Data (Austrian BMF) production by country, 2018-2024, as published.

The file ``wmd_production_2018_2024.csv`` is long form, one row per commodity, country and year:
``commodity,country,country_code,country_iso,year,value,unit,data_source``. :func:`parse_wmd`
returns it typed, one output row per input row, nothing dropped:

    commodity, country (as published), wmd_country_code Int32, country_iso (as published),
    year Int16, value Float64 (null where the cell is empty), unit (as published),
    data_source (as published), is_estimate Boolean, is_total Boolean, file, line Int32.

Quirks of the 2018-2024 file, all kept:

- 455 ``Total`` rows (one per commodity and year) with ``country_code`` and ``country_iso``
  ``DELETE`` and ``data_source`` ``nan``: the world total, flagged ``is_total``, with a null
  ``wmd_country_code``. They are not always the last row of their commodity (Rare Earths lists
  Laos, Nigeria and Vietnam after its Total), and the Total includes those rows.
- 271 empty values (no figure for that country and year): null ``value``, never zero.
- ``data_source`` ``r`` reported, ``e`` estimated, and ``p`` (70 rows, India and Vietnam only,
  undocumented in this extract, probably "provisional"): ``is_estimate`` is True for ``e``,
  False for ``r`` and null for anything else.
- The numeric codes are BACI's country codes (India 699, USA 842), including its odd ones:
  Taiwan ``490``/``S19`` ("Other Asia, nes"), Kosovo ``697``/``R20`` (BACI's "Europe EFTA, nes"),
  and French Guiana filed under Guyana's ``328``/``GUY``.
- Units differ by commodity (see :data:`WMD_UNIT_TONNES`), and tonnes are often of a content or
  oxide (``Chromium (Cr2O3)``, ``Lithium (Li2O)``, ``Rare Earths (REO)``), as the name says.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError

WMD_COLUMNS: tuple[str, ...] = (
    "commodity",
    "country",
    "country_code",
    "country_iso",
    "year",
    "value",
    "unit",
    "data_source",
)

WMD_UNIT_TONNES: dict[str, float | None] = {
    # metric tonnes (of the commodity as named: metal content, oxide or gross ore/mineral)
    "metr. t": 1.0,
    # kilograms: precious metals (Gold, Silver, Platinum, Palladium, Rhodium) and Rhenium
    "kg": 1e-3,
    # metric carats (0.2 g): gem and industrial diamonds
    "ct": 2e-7,
    # million cubic metres of natural gas: a volume, no mass without a gas density
    "Mio m3": None,
}
"""Factor turning one unit of a WMD value into metric tonnes (None: not a mass)."""

WMD_DATA_SOURCES: dict[str, bool | None] = {"r": False, "e": True, "p": None, "nan": None, "": None}
"""Published ``data_source`` flags and what they say about ``is_estimate``."""

TOTAL_COUNTRY = "Total"
TOTAL_CODE = "DELETE"

WMD_SCHEMA: dict[str, pl.DataType] = {
    "commodity": pl.Utf8(),
    "country": pl.Utf8(),
    "wmd_country_code": pl.Int32(),
    "country_iso": pl.Utf8(),
    "year": pl.Int16(),
    "value": pl.Float64(),
    "unit": pl.Utf8(),
    "data_source": pl.Utf8(),
    "is_estimate": pl.Boolean(),
    "is_total": pl.Boolean(),
    "file": pl.Utf8(),
    "line": pl.Int32(),
}

_INT_RE = re.compile(r"^\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _read_rows(path: Path, expected: tuple[str, ...]) -> tuple[list[list[str]], list[int]]:
    """Data rows and the line each starts on; checks the header, skips empty trailing rows."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    if tuple(header) != expected:
        pos = next(
            (n for n, (a, b) in enumerate(zip(header, expected, strict=False)) if a != b),
            min(len(header), len(expected)),
        )
        column = expected[pos] if pos < len(expected) else header[pos]
        raise UpstreamFormatError(
            path.name,
            f"expected header {','.join(expected)}",
            line=1,
            column=column,
            value=",".join(header),
        )
    rows: list[list[str]] = []
    lines: list[int] = []
    start = reader.line_num + 1
    for row in reader:
        if any(cell.strip() for cell in row):
            if len(row) != len(expected):
                raise UpstreamFormatError(
                    path.name,
                    f"row has {len(row)} fields, expected {len(expected)}",
                    line=start,
                    value=",".join(row),
                )
            rows.append(row)
            lines.append(start)
        start = reader.line_num + 1
    return rows, lines


def parse_wmd(path: Path | str) -> pl.DataFrame:
    """The World Mining Data production table, typed, one row per published row."""
    path = Path(path)
    rows, lines = _read_rows(path, WMD_COLUMNS)
    name = path.name
    out: dict[str, list] = {c: [] for c in WMD_SCHEMA}
    for row, line in zip(rows, lines, strict=True):
        commodity, country, code, iso, year, value, unit, source = (c.strip() for c in row)

        if _INT_RE.match(code):
            wmd_code: int | None = int(code)
        elif code == TOTAL_CODE:
            wmd_code = None
        else:
            raise UpstreamFormatError(
                name,
                "country_code is neither a number nor DELETE",
                line=line,
                column="country_code",
                value=code,
            )
        if not (_INT_RE.match(year) and len(year) == 4):
            raise UpstreamFormatError(
                name, "year is not a 4-digit year", line=line, column="year", value=year
            )
        if value == "":
            number: float | None = None
        elif _FLOAT_RE.match(value):
            number = float(value)
            if number < 0 or not math.isfinite(number):
                raise UpstreamFormatError(
                    name,
                    "production value is negative or not finite",
                    line=line,
                    column="value",
                    value=value,
                )
        else:
            raise UpstreamFormatError(
                name, "value is not a number", line=line, column="value", value=value
            )
        if unit not in WMD_UNIT_TONNES:
            raise UpstreamFormatError(
                name,
                f"unit not in WMD_UNIT_TONNES ({', '.join(WMD_UNIT_TONNES)}); add it with its tonnes factor",
                line=line,
                column="unit",
                value=unit,
            )
        if source not in WMD_DATA_SOURCES:
            raise UpstreamFormatError(
                name,
                f"data_source flag not known ({', '.join(repr(s) for s in WMD_DATA_SOURCES)})",
                line=line,
                column="data_source",
                value=source,
            )

        out["commodity"].append(commodity)
        out["country"].append(country)
        out["wmd_country_code"].append(wmd_code)
        out["country_iso"].append(iso or None)
        out["year"].append(int(year))
        out["value"].append(number)
        out["unit"].append(unit)
        out["data_source"].append(source or None)
        out["is_estimate"].append(WMD_DATA_SOURCES[source])
        out["is_total"].append(country == TOTAL_COUNTRY or code == TOTAL_CODE)
        out["file"].append(name)
        out["line"].append(line)
    return pl.DataFrame(out, schema=WMD_SCHEMA)
