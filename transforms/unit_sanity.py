"""Unit sanity of the USGS world tables: every unit slip found, and how each was resolved.

A unit slip is a figure published in one unit and labelled with another (thousand tons printed
as tons). It shows in three ways, each a ``case`` here:

* ``unit statement``: the header (2023/2024) or ``UNIT_MEAS`` (2025) unit disagrees with the unit
  the row's notes state (:func:`transforms.parsers.usgs_units.unit_statement_conflicts`);
* ``edition jump``: a figure changes more than :data:`JUMP_FACTOR`-fold from one MCS edition to
  the next (:func:`transforms.parsers.usgs_units.edition_jumps`; MCS 2023 to the 2026 release);
* ``year jump``: a figure changes more than :data:`JUMP_FACTOR`-fold from one year to the next
  within one edition.

:func:`unit_sanity` looks for them in the world tables as published and again after the row
fixes of ``data/reference/corrections.yaml``. A case the fixes remove is ``corrected`` (with the
fixes' reasons); a remaining case the corrections file accepts (check ``usgs_unit_sanity``) is
``accepted``; any other is ``unexplained``, and the blocking check fails the build on it.
"""

from __future__ import annotations

import polars as pl

from transforms.clean import unit_text_factor_t
from transforms.cleaning.usgs import world_editions
from transforms.corrections import apply_row_corrections, correction_hits, mark_accepted
from transforms.parsers.usgs_mcs2025 import COMMODITY_CODES
from transforms.parsers.usgs_units import edition_jumps, unit_statement_conflicts

CHECK = "usgs_unit_sanity"
#: A figure that changes more than this many times (or falls to less than its inverse) is a case.
JUMP_FACTOR = 50.0
#: ``status`` values, in the order rows are sorted.
STATUSES = {"unexplained": 0, "accepted": 1, "corrected": 2}
#: What identifies a case, whether found before or after the corrections.
KEY = ["case", "file", "column", "line", "compared_with"]
#: The columns an accepted entry of the corrections file names.
ACCEPT_KEY = ["case", "commodity_code", "measure", "country"]

SANITY_SCHEMA: dict[str, pl.DataType] = {
    "case": pl.String(),
    "commodity_code": pl.String(),
    "measure": pl.String(),
    "country": pl.String(),
    "edition": pl.Int16(),
    "year": pl.Int16(),
    "file": pl.String(),
    "column": pl.String(),
    "line": pl.Int32(),
    "compared_with": pl.String(),
    "detail": pl.String(),
    "ratio": pl.Float64(),
    "status": pl.String(),
    "reason": pl.String(),
}
_LONG = ["commodity_code", "measure", "country", "edition", "year", "value", "unit", "unit_factor_t", "file", "column", "line", "notes"]


def release_world_long(release: pl.DataFrame) -> pl.DataFrame:
    """MCS 2026 release rows (``usgs2026_world`` layout) as one row per figure, in the columns of
    the 2023-2025 world tables that the unit checks read; commodity codes as in MCS 2025."""
    code = pl.col("commodity").str.replace_all("-", " ")
    code = code.replace_strict(COMMODITY_CODES, default=code, return_dtype=pl.String)
    parts = []
    for measure, value, unit in (("production", "production", "unit"), ("reserves", "reserves", "reserves_unit"), ("capacity", "capacity", "unit")):
        parts.append(
            release.filter(pl.col(value).is_not_null()).select(
                code.alias("commodity_code"),
                pl.lit(measure).alias("measure"),
                "country",
                pl.lit(2026, pl.Int16).alias("edition"),
                pl.col("year").cast(pl.Int16),
                pl.col(value).alias("value"),
                pl.col(unit).alias("unit"),
                unit_text_factor_t(unit).alias("unit_factor_t"),
                "file",
                pl.format("Value ({})", pl.lit(measure)).alias("column"),
                pl.col("line").cast(pl.Int32),
                pl.col("footnote").alias("notes"),
            )
        )
    return pl.concat(parts)


def year_jumps(frame: pl.DataFrame, factor: float = JUMP_FACTOR) -> pl.DataFrame:
    """Production and capacity figures that change more than ``factor``-fold from one year to
    the next within one edition (same commodity, measure and economy; one figure per year)."""
    key = ["commodity_code", "measure", "country", "edition"]
    rows = frame.filter(
        pl.col("value") > 0, pl.col("unit_factor_t").is_not_null(), pl.col("year").is_not_null(), pl.col("measure") != "reserves"
    ).with_columns((pl.col("value") * pl.col("unit_factor_t")).alias("tonnes"))
    single = rows.filter(pl.len().over([*key, "year"]) == 1)
    cols = ["year", "tonnes", "file", "column", "line"]
    earlier = single.select(*key, *cols)
    later = single.select(*key, *[pl.col(c).alias(f"{c}_b") for c in cols]).with_columns((pl.col("year_b") - 1).alias("year"))
    ratio = pl.col("tonnes_b") / pl.col("tonnes")
    return (
        earlier.join(later, on=[*key, "year"])
        .with_columns(ratio.alias("ratio"))
        .filter((pl.col("ratio") > factor) | (pl.col("ratio") < 1 / factor))
        .with_columns(pl.col("edition").alias("edition_b"))
    )


# Where a case is: the edition, year and cell of a figure (for a jump, the later figure's ``*_b``).
_PLACE = ("edition", "year", "file", "column", "line")


def _jump_cases(jumps: pl.DataFrame, case: str) -> pl.DataFrame:
    """Jumps as cases: the later figure is the case's place, the earlier one what it is compared with."""
    return jumps.select(
        pl.lit(case).alias("case"),
        "commodity_code",
        "measure",
        "country",
        *(pl.col(f"{c}_b").alias(c) for c in _PLACE),
        pl.format("{}:{} {}", "file", "line", "column").alias("compared_with"),
        pl.format("{} t then {} t", pl.col("tonnes").round(3), pl.col("tonnes_b").round(3)).alias("detail"),
        "ratio",
        pl.concat_list(pl.format("{}:{}", "file", "line"), pl.format("{}:{}", "file_b", "line_b")).alias("_places"),
    )


def find_cases(world: pl.DataFrame, factor: float = JUMP_FACTOR) -> pl.DataFrame:
    """Every case in ``world`` (world-table rows of all editions), without a status yet."""
    conflicts = unit_statement_conflicts(world)
    first = world.select("file", pl.col("line").alias("first_line"), "column", "measure", "edition", "year", "country")
    statements = conflicts.join(first, on=["file", "first_line", "column"], how="left").select(
        pl.lit("unit statement").alias("case"),
        "commodity_code",
        "measure",
        pl.lit(None, pl.String).alias("country"),
        "edition",
        "year",
        "file",
        "column",
        pl.col("first_line").alias("line"),
        pl.format("notes: {}", "stated_unit").alias("compared_with"),
        pl.format("header unit {}, notes state {} ({} rows)", "unit", "stated_unit", "rows").alias("detail"),
        (pl.col("stated_factor_t") / pl.col("unit_factor_t")).alias("ratio"),
        pl.concat_list(pl.format("{}:{}", "file", "first_line")).alias("_places"),
    )
    cases = [
        statements,
        _jump_cases(edition_jumps(world, factor), "edition jump"),
        _jump_cases(year_jumps(world, factor), "year jump"),
    ]
    return pl.concat([c.cast({k: v for k, v in SANITY_SCHEMA.items() if k in c.columns}) for c in cases])


def unit_sanity(raw: pl.DataFrame, corrected: pl.DataFrame, hits: pl.DataFrame) -> pl.DataFrame:
    """Cases found as published and after the corrections, with status and reason.

    ``raw`` and ``corrected``: world-table rows of every edition (2023-2025 snapshot layout, the
    2026 release through :func:`release_world_long`); ``hits``: the rows the row corrections
    touch (``file``, ``line``, ``correction_reason``). Columns :data:`SANITY_SCHEMA`.
    """
    before, after = find_cases(raw), find_cases(corrected)
    reasons = hits.select(pl.format("{}:{}", "file", "line").alias("_place"), "correction_reason").unique()
    fixed = before.join(after, on=KEY, how="anti", nulls_equal=True)
    fixed_reason = (
        fixed.select(*KEY, "_places").explode("_places").join(reasons, left_on="_places", right_on="_place")
        .group_by(KEY).agg(pl.col("correction_reason").unique().sort().str.join(" | ").alias("reason"))
    )
    fixed = fixed.join(fixed_reason, on=KEY, how="left", nulls_equal=True).with_columns(pl.lit("corrected").alias("status"))
    remaining = mark_accepted(after, CHECK, ACCEPT_KEY).with_columns(
        pl.when(pl.col("accepted_reason").is_null()).then(pl.lit("unexplained")).otherwise(pl.lit("accepted")).alias("status"),
        pl.col("accepted_reason").alias("reason"),
    )
    out = pl.concat([fixed.select(list(SANITY_SCHEMA)), remaining.select(list(SANITY_SCHEMA))], how="vertical_relaxed")
    return out.cast(SANITY_SCHEMA).sort(
        pl.col("status").replace_strict(STATUSES, return_dtype=pl.Int8), "case", "commodity_code", "measure", "file", "line", "column", "compared_with",
        nulls_last=True,
    )


def unit_sanity_table(world: pl.DataFrame, world2025: pl.DataFrame | None, world2026: pl.DataFrame | None) -> pl.DataFrame:
    """:func:`unit_sanity` of the snapshot tables ``usgs_world``, ``usgs2025_world`` and the MCS
    2026 release's ``usgs2026_world``, each corrected by its own row fixes."""
    raw = [f.select(_LONG) for f in (world, world2025) if f is not None and f.height]
    corrected = [world_editions(world, world2025).select(_LONG)]
    hits = [correction_hits(world, "usgs_world")]
    if world2025 is not None and world2025.height:
        hits.append(correction_hits(world2025, "usgs2025_world"))
    if world2026 is not None and world2026.height:
        raw.append(release_world_long(world2026).select(_LONG))
        corrected.append(release_world_long(apply_row_corrections(world2026, "usgs2026_world")).select(_LONG))
        hits.append(correction_hits(world2026, "usgs2026_world"))
    hit_rows = pl.concat([h.select("file", pl.col("line").cast(pl.Int32), "correction_reason") for h in hits])
    return unit_sanity(pl.concat(raw, how="vertical_relaxed"), pl.concat(corrected, how="vertical_relaxed"), hit_rows)
