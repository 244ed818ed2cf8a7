"""Clean the OECD export-restrictions inventory into ``export_restrictions`` and cross-check it
against the project's curated export controls (data/reference/policy/export_controls.yaml).

``export_restrictions`` keeps every OECD measure (export taxes, licensing, VAT-rebate removal)
with the registry mineral where OECD's raw-material name maps to one (``pgms`` -> pgm,
``bauxite`` -> aluminium, ``phosphates`` -> phosphate-rock); coal and silver have no registry
entry and keep a null mineral.

:func:`cross_check_export_controls` compares the two lists. They overlap only on licensing:
the YAML lists China's export-control announcements, OECD also lists export taxes and VAT
rebates, which are outside the YAML's scope and are not reported as gaps. A licensing measure
matches an announcement by (number, year) read off OECD's ``document``; measures in one list
and not in the other are listed with the reason, as are matches whose dates differ; for
matched announcements the registry minerals that only one side names are listed too.
"""

from __future__ import annotations

import polars as pl

OECD_SOURCE = "OECD Inventory of Export Restrictions on Industrial Raw Materials 2024"
LICENSING = "M6"
OECD_RESOURCE_MINERALS = {
    "antimony": "antimony",
    "bauxite": "aluminium",
    "cobalt": "cobalt",
    "copper": "copper",
    "gallium": "gallium",
    "graphite": "graphite",
    "nickel": "nickel",
    "pgms": "pgm",
    "phosphates": "phosphate-rock",
    "rare-earths": "rare-earths",
    "silicon": "silicon",
    "tin": "tin",
    "tungsten": "tungsten",
}

EXPORT_RESTRICTIONS_COLUMNS = [
    "mineral",
    "resource",
    "measure_code",
    "measure_type",
    "rate",
    "rate_unit",
    "condition",
    "hs6_lines",
    "introduced",
    "ends",
    "temporary",
    "document",
    "document_number",
    "document_year",
    "link",
    "agency",
    "note",
    "data_year",
    "source",
    "file",
    "line",
]
CROSS_CHECK_SCHEMA: dict[str, pl.DataType] = {
    "status": pl.Utf8(),
    "number": pl.Int32(),
    "number_year": pl.Int16(),
    "event_id": pl.Utf8(),
    "oecd_resources": pl.Utf8(),
    "oecd_introduced": pl.Date(),
    "date_effective": pl.Date(),
    "reason": pl.Utf8(),
    "minerals_only_in_oecd": pl.List(pl.Utf8()),
    "minerals_only_in_yaml": pl.List(pl.Utf8()),
}


def clean_export_restrictions(parsed: pl.DataFrame) -> pl.DataFrame:
    """``export_restrictions``: the OECD measures with their registry mineral (see module)."""
    return parsed.with_columns(
        pl.col("resource").replace_strict(OECD_RESOURCE_MINERALS, default=None).alias("mineral"),
        pl.lit(OECD_SOURCE).alias("source"),
    ).select(EXPORT_RESTRICTIONS_COLUMNS)


def cross_check_export_controls(restrictions: pl.DataFrame, controls: pl.DataFrame) -> pl.DataFrame:
    """OECD licensing measures vs the YAML's announcements (see module).

    ``restrictions`` is :func:`clean_export_restrictions`' output, ``controls``
    :func:`transforms.policy_frames.export_controls_frame`. One row per announcement with
    ``status`` matched | dates_differ | oecd_only | yaml_only | yaml_only_after_data_year.
    """
    data_year = restrictions["data_year"].max()
    oecd = (
        restrictions.filter(pl.col("measure_code") == LICENSING)
        .group_by(
            pl.col("document_number").alias("number"), pl.col("document_year").alias("number_year")
        )
        .agg(
            pl.col("resource").unique().sort().str.join(", ").alias("oecd_resources"),
            pl.col("introduced").min().alias("oecd_introduced"),
            pl.col("mineral").drop_nulls().unique().sort().alias("oecd_minerals"),
        )
    )
    yaml = controls.select(
        "event_id",
        pl.col("number").cast(pl.Int32),
        pl.col("number_year").cast(pl.Int16),
        "date_effective",
        pl.col("minerals").str.split(", ").list.sort().alias("yaml_minerals"),
    )
    both = oecd.join(yaml, on=["number", "number_year"], how="full", coalesce=True)
    effective_year = pl.col("date_effective").dt.year()
    status = (
        pl.when(pl.col("event_id").is_null())
        .then(pl.lit("oecd_only"))
        .when(pl.col("oecd_resources").is_null() & (effective_year > data_year).fill_null(True))
        .then(pl.lit("yaml_only_after_data_year"))
        .when(pl.col("oecd_resources").is_null())
        .then(pl.lit("yaml_only"))
        .when(pl.col("oecd_introduced") != pl.col("date_effective"))
        .then(pl.lit("dates_differ"))
        .otherwise(pl.lit("matched"))
    )
    reasons = {
        "oecd_only": "OECD lists a licensing measure under this announcement; export_controls.yaml has no event for it",
        "yaml_only": f"in force by {data_year} per export_controls.yaml, not in the OECD {data_year} inventory",
        "yaml_only_after_data_year": f"takes effect after the OECD data year {data_year} (or never did)",
        "dates_differ": "OECD's introduction date differs from the YAML's date_effective",
        "matched": "same announcement, same date",
    }
    return (
        both.with_columns(status.alias("status"))
        .with_columns(
            pl.col("status").replace_strict(reasons).alias("reason"),
            pl.col("oecd_minerals")
            .list.set_difference("yaml_minerals")
            .alias("minerals_only_in_oecd"),
            pl.col("yaml_minerals")
            .list.set_difference("oecd_minerals")
            .alias("minerals_only_in_yaml"),
        )
        .select(list(CROSS_CHECK_SCHEMA))
        .cast(CROSS_CHECK_SCHEMA)
        .sort("status", "number_year", "number")
    )
