"""Read U.S. imports of permanent magnets (HS 850511) by partner, 2018-2025 (UN Comtrade).

``trade-extra/us_imports_850511_by_partner_2018_2025.csv`` is transcribed from
akashok1/semiconductor-rare-earth-supply-chain-risk (``exports/fct_supplier_share.csv``):
``basket,canonical_product_id,year,partner_code,partner_iso3,partner_name,
is_aggregate_partner,import_value_usd,share,rank``, one row per year and partner, with the
partner's share of the year's U.S. imports and its rank. Partners carry Comtrade's numeric code,
ISO3 and Comtrade's English name ("China, Hong Kong SAR", "Rep. of Korea", "Faroe Isds");
``is_aggregate_partner`` is ``t``/``f``.

:func:`parse_magnet_imports` returns

    basket, hs6, year Int16, partner_code Int32, partner_iso3, partner_name,
    is_aggregate_partner Boolean, value_usd Float64, share Float64, rank Int32, file, line.

Refused with file, line and column: anything :func:`read_csv_rows` refuses, a wrong header, an
HS code that is not six digits, a year, code or rank that is not an integer, an ISO3 that is
not three capital letters, a value that is not a non-negative number, a share outside 0..1, a
flag other than t/f.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._csv import check_exact_header, read_csv_file
from transforms.parsers._provenance import LINE_PROVENANCE
from transforms.parsers._values import non_negative

MAGNETS_FILE = "us_imports_850511_by_partner_2018_2025.csv"
MAGNETS_HEADER = (
    "basket",
    "canonical_product_id",
    "year",
    "partner_code",
    "partner_iso3",
    "partner_name",
    "is_aggregate_partner",
    "import_value_usd",
    "share",
    "rank",
)
MAGNETS_SCHEMA: dict[str, pl.DataType] = {
    "basket": pl.Utf8(),
    "hs6": pl.Utf8(),
    "year": pl.Int16(),
    "partner_code": pl.Int32(),
    "partner_iso3": pl.Utf8(),
    "partner_name": pl.Utf8(),
    "is_aggregate_partner": pl.Boolean(),
    "value_usd": pl.Float64(),
    "share": pl.Float64(),
    "rank": pl.Int32(),
    **LINE_PROVENANCE,
}
_PATTERNS = {
    "canonical_product_id": re.compile(r"^[0-9]{6}$"),
    "year": re.compile(r"^[0-9]{4}$"),
    "partner_code": re.compile(r"^[0-9]{1,4}$"),
    "partner_iso3": re.compile(r"^[A-Z]{3}$"),
    "is_aggregate_partner": re.compile(r"^[tf]$"),
    "rank": re.compile(r"^[0-9]+$"),
}


def parse_magnet_imports(path: Path | str) -> pl.DataFrame:
    """The U.S. HS 850511 imports by partner as a typed table (see module)."""
    path = Path(path)
    table = read_csv_file(path, check_header=check_exact_header(path.name, MAGNETS_HEADER))
    rows = []
    for row, line in zip(table.rows, table.lines, strict=True):
        cells = dict(zip(MAGNETS_HEADER, (c.strip() for c in row), strict=True))
        for column, pattern in _PATTERNS.items():
            if not pattern.match(cells[column]):
                raise UpstreamFormatError(
                    path.name,
                    f"does not match {pattern.pattern}",
                    line=line,
                    column=column,
                    value=cells[column],
                )
        share = non_negative(cells["share"], path.name, line, "share")
        if share > 1:
            raise UpstreamFormatError(
                path.name, "share above 1", line=line, column="share", value=cells["share"]
            )
        rows.append(
            (
                cells["basket"],
                cells["canonical_product_id"],
                int(cells["year"]),
                int(cells["partner_code"]),
                cells["partner_iso3"],
                cells["partner_name"],
                cells["is_aggregate_partner"] == "t",
                non_negative(cells["import_value_usd"], path.name, line, "import_value_usd"),
                share,
                int(cells["rank"]),
                path.name,
                line,
            )
        )
    return pl.DataFrame(rows, schema=MAGNETS_SCHEMA, orient="row")
