"""USGS MCS inputs of the clean layer, edition by edition: the 2025 data release beside 2023/2024.

The 2025 release parses into the same long layouts as the 2023/2024 releases (snapshot tables
``usgs2025_world``, ``usgs2025_salient``), so the clean USGS functions read every edition from
one frame: :func:`world_editions` and :func:`salient_editions` apply each snapshot table's own
row corrections (``data/reference/corrections.yaml``) and stack the editions.

:func:`clean_mineral_end_uses` turns MCS 2025 table T4 (``usgs2025_end_uses``) into the clean
table ``mineral_end_uses``: USGS's own words for what each registry mineral is used for.
"""

from __future__ import annotations

import polars as pl

from transforms import reference
from transforms.cleaning._common import source_place
from transforms.corrections import apply_row_corrections
from transforms.parsers.usgs_end_uses import END_USES_SCHEMA

#: T4 names the elements of the 2022 list; these are named otherwise in the registry.
T4_NAME_ALIASES: dict[str, str] = {"aluminum": "aluminium", "barite": "baryte"}
#: T4's Category_Note says which MCS chapter covers an element the registry groups.
T4_CHAPTER_SLUGS: dict[str, str] = {
    "Included in the Rare Earths chapter.": "rare-earths",
    "Included in the Platinum-Group Metals chapter.": "pgm",
}
T4_TABLE = "table T4, Critical minerals end use"


def _stack(frames: list[tuple[pl.DataFrame | None, str]]) -> pl.DataFrame:
    present = [apply_row_corrections(df, table) for df, table in frames if df is not None and df.height]
    return pl.concat(present, how="vertical")


def world_editions(world: pl.DataFrame, world2025: pl.DataFrame | None = None) -> pl.DataFrame:
    """``usgs_world`` (2023, 2024) and ``usgs2025_world``, each corrected, as one frame."""
    return _stack([(world, "usgs_world"), (world2025, "usgs2025_world")])


def salient_editions(salient: pl.DataFrame, salient2025: pl.DataFrame | None = None) -> pl.DataFrame:
    """``usgs_salient`` (2023, 2024) and ``usgs2025_salient``, each corrected, as one frame."""
    return _stack([(salient, "usgs_salient"), (salient2025, "usgs2025_salient")])


def clean_mineral_end_uses(end_uses: pl.DataFrame | None) -> pl.DataFrame:
    """T4 rows of registry minerals: one row per mineral and element as USGS names it.

    The text is kept exactly as the parser read it (spaces normalised). Rare-earth elements and
    platinum-group metals, listed one by one in T4, each become a row of their registry group
    (``rare-earths``, ``pgm``); elements the registry does not cover (cesium, hafnium,
    rubidium, scandium, yttrium) are left out.
    """
    if end_uses is None:  # a snapshot without the MCS 2025 release: no quotations
        end_uses = pl.DataFrame(schema=END_USES_SCHEMA)
    slugs = set(reference.minerals_frame()["slug"].to_list())
    name = pl.col("critical_mineral").str.strip_chars().str.to_lowercase()
    mineral = pl.coalesce(
        pl.col("category_note").replace_strict(T4_CHAPTER_SLUGS, default=None, return_dtype=pl.String),
        name.replace_strict(T4_NAME_ALIASES, default=name, return_dtype=pl.String),
    )
    out = end_uses.with_columns(mineral.alias("mineral")).filter(pl.col("mineral").is_in(sorted(slugs)))
    return out.select(
        "mineral",
        pl.col("critical_mineral").str.strip_chars().alias("usgs_mineral"),
        pl.col("primary_applications").alias("end_uses"),
        "category_note",
        pl.format("USGS MCS {}, {}", pl.col("edition"), pl.lit(T4_TABLE)).alias("source"),
        pl.col("edition").cast(pl.Int16),
        *source_place(pl.Int32),
    ).sort("mineral", "usgs_mineral")
