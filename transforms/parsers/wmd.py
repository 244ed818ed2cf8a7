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

Refused, with file, line and column: anything :func:`transforms.parsers._csv.read_csv_rows`
refuses (non-UTF-8 bytes, a stray byte-order mark, markup, rows of the wrong width), a wrong
header, a non-numeric, negative or absurd value (above
:data:`~transforms.parsers._text.MAX_PLAUSIBLE_TONNES` once in tonnes), an unknown unit or
data_source flag. A repeated commodity/country/year is left to the clean layer, whose unique-key
check names the file and both lines.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._csv import check_exact_header, read_csv_file
from transforms.parsers._provenance import LINE_PROVENANCE
from transforms.parsers._rows import append_row, empty_columns
from transforms.parsers._text import MAX_PLAUSIBLE_TONNES
from transforms.parsers._values import FLOAT_RE

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
    **LINE_PROVENANCE,
}

_INT_RE = re.compile(r"^[0-9]+$")


def _read_rows(path: Path, expected: tuple[str, ...]) -> tuple[list[list[str]], list[int]]:
    """Data rows and the line each starts on; checks the header, skips empty trailing rows."""
    table = read_csv_file(path, check_header=check_exact_header(path.name, expected))
    return table.rows, table.lines


def parse_wmd(path: Path | str) -> pl.DataFrame:
    """The World Mining Data production table, typed, one row per published row."""
    path = Path(path)
    rows, lines = _read_rows(path, WMD_COLUMNS)
    name = path.name
    out = empty_columns(WMD_SCHEMA)
    for row, line in zip(rows, lines, strict=True):
        commodity, country, code, iso, year, value, unit, source = (c.strip() for c in row)

        if _INT_RE.match(code) and int(code) < 2**31:
            wmd_code: int | None = int(code)
        elif code == TOTAL_CODE:
            wmd_code = None
        else:
            raise UpstreamFormatError(
                name,
                "country_code is neither a number (0 to 2^31-1) nor DELETE",
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
        elif FLOAT_RE.match(value):
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
        factor = WMD_UNIT_TONNES[unit]
        if number is not None and factor is not None and number * factor > MAX_PLAUSIBLE_TONNES:
            raise UpstreamFormatError(
                name,
                f"an absurd quantity (above {MAX_PLAUSIBLE_TONNES:,.0f} t a year)",
                line=line,
                column="value",
                value=value,
            )
        if source not in WMD_DATA_SOURCES:
            raise UpstreamFormatError(
                name,
                f"data_source flag not known ({', '.join(repr(s) for s in WMD_DATA_SOURCES)})",
                line=line,
                column="data_source",
                value=source,
            )

        append_row(
            out,
            commodity=commodity,
            country=country,
            wmd_country_code=wmd_code,
            country_iso=iso or None,
            year=int(year),
            value=number,
            unit=unit,
            data_source=source or None,
            is_estimate=WMD_DATA_SOURCES[source],
            is_total=country == TOTAL_COUNTRY or code == TOTAL_CODE,
            file=name,
            line=line,
        )
    return pl.DataFrame(out, schema=WMD_SCHEMA)
