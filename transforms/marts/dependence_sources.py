"""China's part in the allies' supply from sources other than BACI: for the forms the BACI codes
miss (gallium, antimony oxide and metal, synthetic graphite, magnets ...).

One row per mineral × importer × evidence × form × period, three kinds of evidence, each with
its own basis and source, never mixed with the BACI shares of the dependence mart:

* ``usgs_import_sources`` — USGS MCS 2026 U.S. import sources (snapshot
  ``usgs2026_import_sources``): China's share of U.S. imports of each form USGS lists, as USGS
  publishes it for 2021-24. Where China is not among the named sources, ``china_share`` is null,
  ``china_listed`` False and ``other_share`` (the "Other countries" share) bounds it from above.
* ``us_magnet_imports`` — UN Comtrade, U.S. imports of permanent magnets of metal (HS 8505.11;
  clean ``magnet_imports``): China's share of their value per year.
* ``china_exports`` — UN Comtrade with China as reporter (clean ``china_exports_monthly``):
  China's exports to each ally, the EU27 bloc and the alliance bloc per calendar year, value and
  gross weight. Not a share: the destination's total imports of these codes are not in the data.
  HS 8112.92 holds gallium, germanium and other metals together: its rows are listed under each
  mineral the code holds, with the form saying so.

Pure polars; the registry's USGS 2026 commodity per mineral and who is who are arguments.
"""

from __future__ import annotations

import polars as pl

from transforms import blocs
from transforms.stable import exact_sum

EVIDENCE = ("usgs_import_sources", "us_magnet_imports", "china_exports")
KEY = ["mineral", "importer", "evidence", "form", "period"]
OUTPUT_COLUMNS = [
    *KEY,
    "year",
    "china_share",
    "china_listed",
    "other_share",
    "value_usd",
    "quantity_t",
    "basis",
    "source",
]
USGS_SOURCE = "USGS Mineral Commodity Summaries 2026, U.S. import sources"
USGS_BASIS = "share of U.S. imports as USGS publishes it, 2021-24"
MAGNET_BASIS = "share of the value of U.S. imports (current USD)"
EXPORTS_BASIS = "China's reported exports to the importer: value (current USD) and gross weight"
CHINA_NAME = "China"
OTHERS_NAME = "Other countries"
MONTHS = 12


def _usgs(import_sources: pl.DataFrame, minerals: pl.DataFrame) -> pl.DataFrame:
    rows = import_sources.join(
        minerals.select(
            pl.col("slug").alias("mineral"), pl.col("usgs2026_commodity").alias("commodity")
        ),
        on="commodity",
        how="inner",
    )
    # The form: the category, prefixed with the product where a commodity has several (PGM:
    # platinum, palladium; titanium: sponge, pigment).
    several = pl.col("commodity_name").n_unique().over("commodity") > 1
    form = (
        pl.when(several)
        .then(pl.col("commodity_name") + ": " + pl.col("category"))
        .otherwise(pl.col("category"))
    )
    share = pl.col("share_pct") / 100
    return (
        rows.with_columns(form.alias("form"))
        .group_by("mineral", "form", "period")
        .agg(
            share.filter(pl.col("partner_country") == CHINA_NAME).first().alias("china_share"),
            (pl.col("partner_country") == CHINA_NAME).any().alias("china_listed"),
            share.filter(pl.col("partner_country") == OTHERS_NAME).first().alias("other_share"),
        )
        .with_columns(
            pl.lit("USA").alias("importer"),
            pl.lit("usgs_import_sources").alias("evidence"),
            # "2021-24" -> 2024, the last year of the period.
            (pl.lit(2000) + pl.col("period").str.extract(r"-(\d{2})$").cast(pl.Int32)).alias(
                "year"
            ),
            pl.lit(None, pl.Float64).alias("value_usd"),
            pl.lit(None, pl.Float64).alias("quantity_t"),
            pl.lit(USGS_BASIS).alias("basis"),
            pl.lit(USGS_SOURCE).alias("source"),
        )
    )


def _magnets(magnet_imports: pl.DataFrame) -> pl.DataFrame:
    return (
        magnet_imports.group_by("mineral", "year", "product")
        .agg(
            exact_sum(pl.col("share").filter(pl.col("partner") == "CHN")).alias("china_share"),
            (pl.col("partner") == "CHN").any().alias("china_listed"),
            exact_sum(pl.col("value_usd").filter(pl.col("partner") == "CHN")).alias("value_usd"),
            pl.col("source").first(),
        )
        .with_columns(
            pl.col("china_share").clip(upper_bound=1.0),  # the file's shares carry rounding
            pl.lit("USA").alias("importer"),
            pl.lit("us_magnet_imports").alias("evidence"),
            pl.col("product").alias("form"),
            pl.col("year").cast(pl.Utf8).alias("period"),
            pl.lit(None, pl.Float64).alias("other_share"),
            pl.lit(None, pl.Float64).alias("quantity_t"),
            pl.lit(MAGNET_BASIS).alias("basis"),
        )
    )


def _china_exports(china_exports: pl.DataFrame, economies: blocs.Economies) -> pl.DataFrame:
    rows = china_exports.with_columns(
        pl.when(pl.col("mineral").is_not_null())
        .then(pl.concat_list(pl.col("mineral")))
        .otherwise(pl.col("minerals_in_code"))
        .alias("mineral"),
        pl.col("month").dt.year().alias("year"),
    ).explode("mineral")
    # Calendar years the extract covers in full, so a year's sum is a year's exports.
    months = rows.group_by("year").agg(pl.col("month").dt.month().n_unique().alias("_months"))
    full = months.filter(pl.col("_months") == MONTHS).select("year")
    shared = pl.col("minerals_in_code").list.len() > 1
    form = (
        pl.lit("HS ")
        + pl.col("hs6").str.slice(0, 4)
        + "."
        + pl.col("hs6").str.slice(4, 2)
        + pl.when(shared)
        .then(
            pl.lit(" (")
            + pl.col("minerals_in_code").list.join(", ")
            + " and other metals together)"
        )
        .otherwise(pl.lit(""))
    )
    entities = economies.entities().select("importer", pl.col("member").alias("partner"))
    return (
        rows.join(full, on="year", how="inner")
        .join(entities, on="partner", how="inner")
        .with_columns(form.alias("form"))
        .group_by("mineral", "importer", "form", "year")
        .agg(
            pl.col("value_usd").sum(),
            blocs.null_sum(pl.col("quantity_t")).alias("quantity_t"),
            pl.col("source").first(),
        )
        .with_columns(
            pl.lit("china_exports").alias("evidence"),
            pl.col("year").cast(pl.Utf8).alias("period"),
            pl.lit(None, pl.Float64).alias("china_share"),
            pl.lit(None, pl.Boolean).alias("china_listed"),
            pl.lit(None, pl.Float64).alias("other_share"),
            pl.lit(EXPORTS_BASIS).alias("basis"),
        )
    )


def china_other_sources(
    import_sources: pl.DataFrame,
    magnet_imports: pl.DataFrame,
    china_exports: pl.DataFrame,
    minerals: pl.DataFrame,
    *,
    economies: blocs.Economies,
) -> pl.DataFrame:
    """The table of the module docstring, sorted by its key.

    ``minerals``: the registry frame (slug, usgs2026_commodity).
    """
    parts = [
        _usgs(import_sources, minerals),
        _magnets(magnet_imports),
        _china_exports(china_exports, economies),
    ]
    return (
        pl.concat([p.select(OUTPUT_COLUMNS) for p in parts], how="vertical_relaxed")
        .with_columns(pl.col("year").cast(pl.Int16))
        .sort(KEY)
    )
