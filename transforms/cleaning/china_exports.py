"""Clean the monthly Chinese export extract into ``china_exports_monthly``.

Partners are English names harmonised to ISO3 through data/reference/country_names.csv
("USA", "UAE", "South Korea", "Czech Republic" were added for this extract); Hong Kong stays
separate from China. Quantities become metric tons (kg / 1000); where the extract has a value
but a quantity of 0, the quantity was not reported: ``quantity_t`` is null and
``quantity_reported`` False, never a zero that would make the unit value infinite.

Minerals come from the extract's own HS map (China's 8-digit lines): 250410 and 380110 are
graphite; 811292 (HS 2017: gallium, germanium, indium, niobium, rhenium, thallium, unwrought)
holds both the gallium and the germanium lines, so its ``mineral`` is null and
``minerals_in_code`` lists both — a monthly series for one of them cannot be read off it.
"""

from __future__ import annotations

import polars as pl

from transforms.cleaning._common import harmonise_or_raise, refuse_rows

CHINA_EXPORTS_SOURCE = "UN Comtrade (China as reporter), via qennis/ChinaCriticalMineralComtrade"
KG_PER_T = 1000.0
# The HS map's groups -> registry slugs (data/reference/minerals.yaml).
HS_MAP_GROUPS = {
    "gallium": "gallium",
    "germanium": "germanium",
    "graphite": "graphite",
    "silicon": "silicon",
    "rare_earths": "rare-earths",
}

CHINA_EXPORTS_MONTHLY_SCHEMA: dict[str, pl.DataType] = {
    "month": pl.Date(),
    "partner": pl.Utf8(),
    "partner_name": pl.Utf8(),
    "hs6": pl.Utf8(),
    "mineral": pl.Utf8(),
    "minerals_in_code": pl.List(pl.Utf8()),
    "value_usd": pl.Float64(),
    "quantity_t": pl.Float64(),
    "quantity_reported": pl.Boolean(),
    "source": pl.Utf8(),
    "file": pl.Utf8(),
    "line": pl.Int32(),
}


def _minerals_by_hs6(hs_map: pl.DataFrame) -> pl.DataFrame:
    refuse_rows(
        hs_map,
        ~pl.col("group").is_in(list(HS_MAP_GROUPS)),
        "HS map group has no registry mineral",
        "group",
    )
    return (
        hs_map.with_columns(pl.col("group").replace_strict(HS_MAP_GROUPS).alias("slug"))
        .group_by("hs6")
        .agg(pl.col("slug").unique().sort().alias("minerals_in_code"))
    )


def clean_china_exports_monthly(exports: pl.DataFrame, hs_map: pl.DataFrame) -> pl.DataFrame:
    """``china_exports_monthly`` (see module) from the parsed extract and its HS map."""
    minerals = _minerals_by_hs6(hs_map)
    rows = exports.join(minerals, on="hs6", how="left")
    refuse_rows(
        rows, pl.col("minerals_in_code").is_null(), "HS6 code has no line in the HS map", "hs6"
    )
    rows = harmonise_or_raise(rows, "partner_name", column="partner_name")
    reported = ~((pl.col("quantity_kg") == 0) & (pl.col("value_usd") > 0))
    return (
        rows.with_columns(
            pl.col("economy").alias("partner"),
            pl.when(pl.col("minerals_in_code").list.len() == 1)
            .then(pl.col("minerals_in_code").list.first())
            .alias("mineral"),
            pl.when(reported).then(pl.col("quantity_kg") / KG_PER_T).alias("quantity_t"),
            reported.alias("quantity_reported"),
            pl.lit(CHINA_EXPORTS_SOURCE).alias("source"),
        )
        .select(list(CHINA_EXPORTS_MONTHLY_SCHEMA))
        .cast(CHINA_EXPORTS_MONTHLY_SCHEMA)
        .sort("month", "hs6", "partner")
    )
