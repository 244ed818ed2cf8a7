"""Unit checks on parsed USGS world tables: does the unit the header states match the notes?

USGS world files state a unit twice: in the header (``Prod_t_2021``, or ``UNIT_MEAS`` in 2025),
which the parsers read into ``unit`` and ``unit_factor_t``, and often in words in the row's
notes ("Units are thousand metric tons, gross weight, ..."). Where the two disagree, one of
them is wrong and a figure may be off by a factor of 1,000 (``mcs2023-chrom_world.csv``:
header ``Prod_t_2021``, notes "thousand metric tons": South Africa's 18,600 is 18.6 Mt, not
18,600 t). :func:`unit_statement_conflicts` lists every such disagreement; it does not decide
which statement is right. :func:`edition_jumps` finds the other symptom of a unit slip: a
figure that changes more than 50-fold from one edition to the next.
"""

from __future__ import annotations

import polars as pl

# "Units are thousand metric tons", "Data in million metric tons", "Units are in kilograms".
_STATED = (
    r"(?i)\b(?:units? (?:are|is)|data (?:are )?in)\s+(?:in\s+)?"
    r"(?P<mult>million|thousand)?\s*(?P<base>metric tons|tons|kilograms)"
)
_BASE_T = {"metric tons": 1.0, "tons": 1.0, "kilograms": 1e-3}
_MULT = {"million": 1e6, "thousand": 1e3, "": 1.0}

#: Columns of :func:`unit_statement_conflicts`.
CONFLICT_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(),
    "commodity_code": pl.String(),
    "column": pl.String(),
    "unit": pl.String(),
    "unit_factor_t": pl.Float64(),
    "stated_unit": pl.String(),
    "stated_factor_t": pl.Float64(),
    "first_line": pl.Int32(),
    "rows": pl.UInt32(),
    "notes": pl.String(),
}


def unit_statement_conflicts(frame: pl.DataFrame) -> pl.DataFrame:
    """Header units that disagree with the unit the notes state; columns :data:`CONFLICT_SCHEMA`.

    ``frame`` is a parsed world table (:data:`transforms.parsers.usgs.WORLD_SCHEMA`). One row
    per file, column and pair of units, with the first line and the number of rows concerned.
    Only mass units are compared (carats and cubic metres have no ``unit_factor_t``).
    """
    stated = pl.col("notes").str.extract_groups(_STATED)
    mult = stated.struct.field("mult").fill_null("").str.to_lowercase()
    base = stated.struct.field("base").str.to_lowercase()
    rows = frame.filter(pl.col("unit_factor_t").is_not_null()).with_columns(
        pl.concat_str([mult, pl.lit(" "), base]).str.strip_chars().alias("stated_unit"),
        (
            mult.replace_strict(_MULT, return_dtype=pl.Float64)
            * base.replace_strict(_BASE_T, default=None, return_dtype=pl.Float64)
        ).alias("stated_factor_t"),
    )
    ratio = pl.col("stated_factor_t") / pl.col("unit_factor_t")
    conflicts = rows.filter(pl.col("stated_factor_t").is_not_null() & ((ratio - 1).abs() > 1e-9))
    return (
        conflicts.group_by(
            "file", "commodity_code", "column", "unit", "stated_unit", maintain_order=True
        )
        .agg(
            pl.col("unit_factor_t").first(),
            pl.col("stated_factor_t").first(),
            pl.col("line").min().alias("first_line"),
            pl.len().alias("rows"),
            pl.col("notes").first(),
        )
        .select(list(CONFLICT_SCHEMA))
        .cast(CONFLICT_SCHEMA)
        .sort("file", "column")
    )


#: Columns of :func:`edition_jumps`; ``_b`` is the next edition.
JUMP_SCHEMA: dict[str, pl.DataType] = {
    "commodity_code": pl.String(),
    "measure": pl.String(),
    "country": pl.String(),
    "edition": pl.Int16(),
    "year": pl.Int16(),
    "tonnes": pl.Float64(),
    "file": pl.String(),
    "column": pl.String(),
    "line": pl.Int32(),
    "edition_b": pl.Int16(),
    "year_b": pl.Int16(),
    "tonnes_b": pl.Float64(),
    "file_b": pl.String(),
    "column_b": pl.String(),
    "line_b": pl.Int32(),
    "ratio": pl.Float64(),
}


def edition_jumps(frame: pl.DataFrame, factor: float = 50.0) -> pl.DataFrame:
    """Figures that change more than ``factor``-fold from one MCS edition to the next.

    ``frame``: parsed world tables of several editions
    (:data:`transforms.parsers.usgs.WORLD_SCHEMA`). Production and
    capacity are compared for the same commodity, economy and year; reserves (one figure per
    edition) edition to edition. Only economies with one figure of the measure per edition and
    mass units are compared, in metric tons. A jump this large is almost always a unit slip
    (thousand tons printed as tons), rarely a real revision; columns :data:`JUMP_SCHEMA`.
    """
    rows = frame.filter(
        pl.col("value") > 0,
        pl.col("unit_factor_t").is_not_null(),
        pl.col("year").is_not_null() | (pl.col("measure") == "reserves"),
    ).with_columns(
        (pl.col("value") * pl.col("unit_factor_t")).alias("tonnes"),
        pl.when(pl.col("measure") == "reserves")
        .then(pl.lit(None, pl.Int16))
        .otherwise(pl.col("year"))
        .alias("_year_key"),
    )
    key = ["commodity_code", "measure", "country", "_year_key"]
    single = rows.filter(pl.len().over([*key, "edition"]) == 1)
    cols = ["edition", "year", "tonnes", "file", "column", "line"]
    left = single.select(*key, *cols)
    right = single.select(*key, *[pl.col(c).alias(f"{c}_b") for c in cols])
    pairs = left.join(right, on=key, nulls_equal=True).filter(
        pl.col("edition_b") == pl.col("edition") + 1
    )
    ratio = pl.col("tonnes_b") / pl.col("tonnes")
    return (
        pairs.with_columns(ratio.alias("ratio"))
        .filter((pl.col("ratio") > factor) | (pl.col("ratio") < 1 / factor))
        .select(list(JUMP_SCHEMA))
        .cast(JUMP_SCHEMA)
        .sort("commodity_code", "measure", "country", "edition", "year")
    )
