"""What USGS revised between Mineral Commodity Summaries editions (MCS 2023 -> ... -> 2026).

Each edition republishes the previous year's production, often revised (China's 2024 antimony
output in MCS 2026, for instance). :func:`usgs_revisions` compares every figure that two
editions publish for the same mineral, stage, economy (or world total) and year, on the same
tonnage basis, and keeps those that changed, with the size of the revision in tonnes, as a
fraction of the earlier figure and as a fraction of the newer edition's world total (so a
revision of a large producer ranks above a large percentage of a tiny one). Rows are ordered
largest revision first (by its share of world output, then its absolute size), ties by mineral
and code. Pure function on the snapshot's USGS world tables.
"""

from __future__ import annotations

import polars as pl

from transforms.clean import production_candidates

KEY = ["mineral", "stage", "country_code", "year"]
WORLD = "WORLD"
# Two figures are the same when they differ by less than this fraction of the larger
# (unit conversions such as kt -> t leave float noise, not revisions).
SAME = 1e-9

COLUMNS = [
    "mineral", "stage", "country_code", "country_kind", "year", "edition", "previous_edition",
    "production_t", "previous_production_t", "revision_t", "revision_rel", "revision_world_share",
    "unit_basis",
]


def usgs_revisions(
    world: pl.DataFrame, world2026: pl.DataFrame | None, world2025: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Every production figure an MCS edition revised from the previous edition that had it."""
    rows = (
        production_candidates(world, world2026, world2025)
        .filter(pl.col("production_t").is_not_null())
        .sort([*KEY, "edition"])
        .with_columns(
            pl.col("edition").shift(1).over(KEY).alias("previous_edition"),
            pl.col("production_t").shift(1).over(KEY).alias("previous_production_t"),
            pl.col("unit_basis").shift(1).over(KEY).alias("_previous_basis"),
        )
        .filter(pl.col("previous_edition").is_not_null())
    )
    revision = pl.col("production_t") - pl.col("previous_production_t")
    larger = pl.max_horizontal(pl.col("production_t").abs(), pl.col("previous_production_t").abs())
    # A change of tonnage basis (gross weight -> contained) is not a revision of the figure.
    revised = rows.filter(
        (pl.col("unit_basis") == pl.col("_previous_basis")) & (revision.abs() > SAME * larger)
    ).with_columns(revision.alias("revision_t"))
    world_totals = rows.filter(pl.col("country_code") == WORLD).select(
        "mineral", "stage", "year", "edition", pl.col("production_t").alias("_world_t")
    )
    out = revised.join(
        world_totals, on=["mineral", "stage", "year", "edition"], how="left", nulls_equal=True
    ).with_columns(
        pl.when(pl.col("previous_production_t") != 0)
        .then(pl.col("revision_t") / pl.col("previous_production_t"))
        .alias("revision_rel"),
        pl.when(pl.col("_world_t") > 0)
        .then(pl.col("revision_t") / pl.col("_world_t"))
        .alias("revision_world_share"),
    )
    return out.sort(
        pl.col("revision_world_share").abs(),
        pl.col("revision_t").abs(),
        "mineral",
        "country_code",
        "stage",
        "year",
        "edition",
        descending=[True, True, False, False, False, False, False],
        nulls_last=True,
    ).select(
        *COLUMNS[:5],
        pl.col("edition").cast(pl.Int16),
        pl.col("previous_edition").cast(pl.Int16),
        *COLUMNS[7:],
    )
