"""Clean the permanent-magnet and USITC import sources: ``magnet_imports`` (U.S. imports of HS
850511 by partner, UN Comtrade, 2018-2025) and ``usitc_imports`` (U.S. imports for consumption
of 25 HS4 headings from 18 partners, USITC DataWeb, 1993-2026).

``magnet_imports``: the partner is Comtrade's ISO3 as published; where the partner's name is in
data/reference/country_names.csv the two must agree (a disagreement raises). ``partner_known``
is False for codes that are not in data/reference/economies.csv; such rows are kept (the Faroe
Islands, FRO, were added to economies.csv for this source, so none are today). HS 850511 is
"permanent magnets of metal", the downstream product of rare earths (NdFeB and SmCo magnets):
``mineral`` rare-earths, ``product`` says so.

``usitc_imports``: long (hs4, partner, year, measure, period, quantity_description) with
``value`` and ``unit`` (USD for customs value; the quantity unit as DataWeb states it
otherwise). The annual sheets carry a column for the download year that is all zeros: that year
is incomplete, so its full-year rows are dropped and the year-to-date sheets' rows for it are
the figure, ``year_to_date`` True. Year-to-date rows of earlier years are kept (same months,
for comparing the current year), flagged the same way.
"""

from __future__ import annotations

import polars as pl

from transforms import reference
from transforms.cleaning._common import first_row_error, harmonise_or_raise
from transforms.errors import UpstreamFormatError

MAGNETS_SOURCE = (
    "UN Comtrade (U.S. as reporter), via akashok1/semiconductor-rare-earth-supply-chain-risk"
)
USITC_SOURCE = "USITC DataWeb, U.S. imports for consumption"
MAGNET_PRODUCT = "permanent magnets of metal (HS 850511)"
_VALUE_FOR = "Value for: "

MAGNET_IMPORTS_COLUMNS = [
    "year",
    "partner",
    "partner_name",
    "partner_known",
    "hs6",
    "mineral",
    "product",
    "value_usd",
    "share",
    "rank",
    "source",
    "file",
    "line",
]
USITC_IMPORTS_COLUMNS = [
    "hs4",
    "description",
    "partner",
    "partner_name",
    "year",
    "measure",
    "period",
    "year_to_date",
    "value",
    "unit",
    "quantity_description",
    "source",
    "file",
    "sheet",
    "cell",
]


def clean_magnet_imports(parsed: pl.DataFrame) -> pl.DataFrame:
    """``magnet_imports`` from :func:`transforms.parsers.magnets.parse_magnet_imports`."""
    named = reference.harmonise_countries(parsed, "partner_name", "any")
    disagree = named.filter(
        pl.col("code").is_not_null() & (pl.col("code") != pl.col("partner_iso3"))
    )
    if disagree.height:
        code = disagree["code"][0]
        raise first_row_error(
            disagree,
            f"partner name maps to {code}, the row says {disagree['partner_iso3'][0]}",
            column="partner_iso3",
            value_col="partner_name",
        )
    known = reference.economies_frame()["iso3"].to_list()
    return parsed.with_columns(
        pl.col("partner_iso3").alias("partner"),
        pl.col("partner_iso3").is_in(known).alias("partner_known"),
        pl.lit("rare-earths").alias("mineral"),
        pl.lit(MAGNET_PRODUCT).alias("product"),
        pl.lit(MAGNETS_SOURCE).alias("source"),
    ).select(MAGNET_IMPORTS_COLUMNS)


def incomplete_year(parameters: pl.DataFrame) -> int:
    """The year of the query's download date (its figures cover part of the year only)."""
    date = parameters.filter(pl.col("parameter") == "Download Date")
    if date.height != 1:
        raise UpstreamFormatError("Query Parameters", "expected one 'Download Date'")
    return int(date["value"].item()[:4])


def clean_usitc_imports(parsed: pl.DataFrame, parameters: pl.DataFrame) -> pl.DataFrame:
    """``usitc_imports`` from :func:`transforms.parsers.usitc.parse_usitc` (see module)."""
    partial = incomplete_year(parameters)
    annual_partial = parsed.filter(pl.col("period") == "full_year", pl.col("year") == partial)
    if annual_partial["value"].abs().sum() != 0:
        raise first_row_error(
            annual_partial.filter(pl.col("value") != 0),
            f"a full-year figure for {partial}, the download year "
            "(expected the zeros of an incomplete year)",
        )
    rows = parsed.filter(~((pl.col("period") == "full_year") & (pl.col("year") == partial)))
    rows = harmonise_or_raise(rows, "partner_name")
    is_value = pl.col("measure") == "customs_value"
    return rows.with_columns(
        pl.col("economy").alias("partner"),
        (pl.col("period") == "year_to_date").alias("year_to_date"),
        pl.when(is_value)
        .then(pl.lit("USD"))
        .otherwise(pl.col("quantity_description"))
        .alias("unit"),
        pl.col("quantity_description").str.strip_prefix(_VALUE_FOR),
        pl.lit(USITC_SOURCE).alias("source"),
    ).select(USITC_IMPORTS_COLUMNS)
