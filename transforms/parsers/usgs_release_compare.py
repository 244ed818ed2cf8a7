"""Transcribed MCS 2026 figures against USGS's own MCS 2026 data release: where do they differ?

The ``usgs-mcs/mcs2026/`` tidy CSVs were read off the per-commodity summaries by a third
party; the data release (:mod:`transforms.parsers.usgs_release2026`) is USGS's own file. Before
the release replaces the transcription, :func:`compare_transcription` lists every figure the
two disagree on, so a reader can see what changes and why. Pure function on the frames of the
snapshot tables ``usgs2026_world``, ``usgs2026_salient``, ``usgs2026_import_sources`` (both
sides in the layout of :data:`transforms.parsers.usgs.MCS2026_WORLD_COLUMNS` and siblings).
"""

from __future__ import annotations

import polars as pl

#: Columns of :func:`compare_transcription`.
COMPARISON_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(),
    "mineral": pl.String(),
    "statistic": pl.String(),
    "country": pl.String(),
    "year": pl.Int16(),
    "transcribed_value": pl.Float64(),
    "official_value": pl.Float64(),
    "transcribed_text": pl.String(),
    "official_text": pl.String(),
    "note": pl.String(),
    "transcribed_line": pl.Int32(),
    "official_line": pl.Int32(),
}

#: The notes of :func:`compare_transcription`, in the order its rows are sorted: disagreeing
#: figures first, then figures that one side lacks (mostly a statistic named differently).
NOTES = {"value differs": 0, "text differs": 1, "only in transcription": 2, "only in release": 3}

#: Two figures are the same when they differ by less than this share of the larger.
REL_TOLERANCE = 1e-9

_KEY = ["table", "mineral", "statistic", "country", "year"]


def _mass_factor(unit: pl.Expr) -> pl.Expr:
    """Metric tons per unit for the unit texts of both files; 1 for anything else."""
    text = unit.fill_null("").str.to_lowercase().str.strip_chars()
    out = pl.lit(1.0)
    for prefix, factor in (
        ("kilograms", 1e-3),
        ("metric tons", 1.0),
        ("thousand metric", 1e3),
        ("million metric tons", 1e6),
    ):
        out = pl.when(text.str.starts_with(prefix)).then(factor).otherwise(out)
    return out


def _country(col: str) -> pl.Expr:
    """One name per economy on both sides: world totals (the release's notes, not its names,
    say "rounded"), "other"/"others" for "Other countries", "Korea, Republic of" in the
    release for the transcription's "Republic of Korea"."""
    name = pl.col(col).str.strip_chars().str.replace(r"^(.+), Republic of$", "Republic of ${1}")
    return (
        pl.when(name.str.starts_with("World total"))
        .then(pl.lit("World total"))
        .when(name.str.to_lowercase().is_in(["other", "others", "other countries"]))
        .then(pl.lit("Other countries"))
        .otherwise(name)
    )


def _world_long(world: pl.DataFrame) -> pl.DataFrame:
    """One row per figure: production, reserves and capacity each under its own statistic."""
    product = pl.col("product").fill_null("")
    suffix = pl.when(product == "").then(pl.lit("")).otherwise(pl.format(" | {}", product))
    parts = []
    for measure, value, text, unit in (
        ("production", "production", "value_text", "unit"),
        ("reserves", "reserves", "reserves_text", "reserves_unit"),
        ("capacity", "capacity", None, "unit"),
    ):
        # Production is per stage (copper mine and refinery); reserves and capacity are not.
        name = (
            pl.format("{} ({})", pl.lit(measure), pl.col("stage"))
            if measure == "production"
            else pl.lit(measure)
        )
        text_expr = pl.col(text) if text else pl.lit(None, pl.String)
        parts.append(
            world.filter(pl.col(value).is_not_null() | text_expr.is_not_null()).select(
                pl.lit("world").alias("table"),
                pl.col("commodity").alias("mineral"),
                pl.concat_str([name, suffix]).alias("statistic"),
                _country("country").alias("country"),
                # Reserves are one figure per edition, whatever year a row carries: the
                # release dates chromium's ore reserves 2024 and its Cr2O3 reserves 2025.
                (pl.lit(None) if measure == "reserves" else pl.col("year"))
                .cast(pl.Int16)
                .alias("year"),
                (pl.col(value) * _mass_factor(pl.col(unit))).alias("value"),
                text_expr.alias("text"),
                pl.col("line").cast(pl.Int32),
            )
        )
    return pl.concat(parts)


def _salient_long(salient: pl.DataFrame) -> pl.DataFrame:
    return salient.select(
        pl.lit("salient").alias("table"),
        pl.col("commodity").alias("mineral"),
        "statistic",
        pl.lit("United States").alias("country"),
        pl.col("year").cast(pl.Int16),
        (pl.col("value") * _mass_factor(pl.col("unit"))).alias("value"),
        pl.col("value_text").alias("text"),
        pl.col("line").cast(pl.Int32),
    )


def _sources_long(sources: pl.DataFrame) -> pl.DataFrame:
    return sources.select(
        pl.lit("import_sources").alias("table"),
        pl.col("commodity").alias("mineral"),
        pl.col("category").alias("statistic"),
        _country("partner_country").alias("country"),
        pl.lit(None, pl.Int16).alias("year"),
        pl.col("share_pct").alias("value"),
        pl.lit(None, pl.String).alias("text"),
        pl.col("line").cast(pl.Int32),
    )


def _first_per_key(long: pl.DataFrame) -> pl.DataFrame:
    """A key printed twice (chromium reserves as ore and as Cr2O3) is compared on its first row.

    Statistic names are matched without case and punctuation: the transcription writes
    "Production | Smelter | Primary" and "Fused aluminum oxide, crude" where the release has
    "Production, Smelter | Primary" and "Fused aluminum oxide (crude)"; a category "All" is
    the transcription's blank one.
    """
    name = (
        pl.col("statistic")
        .fill_null("")
        .str.to_lowercase()
        .str.replace_all(r"[|,:;()]", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    keyed = long.with_columns(
        pl.col("statistic").alias("_published"),
        pl.when(name == "all").then(pl.lit("")).otherwise(name).alias("statistic"),
    )
    return keyed.sort("line").unique(_KEY, keep="first", maintain_order=True)


def compare_transcription(
    transcribed: dict[str, pl.DataFrame], official: dict[str, pl.DataFrame]
) -> pl.DataFrame:
    """Every figure where the transcription and the release differ; columns :data:`COMPARISON_SCHEMA`.

    ``transcribed`` and ``official`` map ``"world"``, ``"salient"`` and ``"import_sources"`` to
    frames in the transcribed layouts. Figures are matched on table, mineral (commodity slug),
    statistic, country and year; world statistics are "production (<stage>)", "reserves" or
    "capacity", plus " | <product>". Quantities are compared in metric tons where the unit is
    a mass, so "thousand metric tons" against "metric tons" is no difference (the value columns
    are then in metric tons, not in the published unit). ``note`` says
    which: "value differs", "text differs" (one side a flag such as W, the other a number or
    another flag), "only in transcription", "only in release". Only minerals the transcription
    covers are compared: the release has 89 chapters, the transcription 41. Rows are sorted
    by :data:`NOTES`, then table, mineral, statistic, country and year.
    """
    builders = {"world": _world_long, "salient": _salient_long, "import_sources": _sources_long}
    left = _first_per_key(pl.concat([builders[k](v) for k, v in transcribed.items()]))
    right = _first_per_key(pl.concat([builders[k](v) for k, v in official.items()]))
    covered = left.select("table", "mineral").unique()
    right = right.join(covered, on=["table", "mineral"], how="semi")
    both = left.join(right, on=_KEY, how="full", coalesce=True, nulls_equal=True, suffix="_o")
    tv, ov = pl.col("value"), pl.col("value_o")
    close = (tv - ov).abs() <= REL_TOLERANCE * pl.max_horizontal(tv.abs(), ov.abs())
    text_same = (
        pl.col("text").fill_null("").str.to_lowercase()
        == pl.col("text_o").fill_null("").str.to_lowercase()
    )
    note = (
        pl.when(pl.col("line").is_null())
        .then(pl.lit("only in release"))
        .when(pl.col("line_o").is_null())
        .then(pl.lit("only in transcription"))
        .when(tv.is_not_null() & ov.is_not_null())
        .then(pl.when(close).then(None).otherwise(pl.lit("value differs")))
        .when(tv.is_null() & ov.is_null())
        .then(pl.when(text_same).then(None).otherwise(pl.lit("text differs")))
        .otherwise(pl.lit("text differs"))
    )
    out = both.with_columns(note.alias("note")).filter(pl.col("note").is_not_null())
    return (
        out.select(
            "table",
            "mineral",
            pl.coalesce("_published", "_published_o").alias("statistic"),
            "country",
            "year",
            pl.col("value").alias("transcribed_value"),
            pl.col("value_o").alias("official_value"),
            pl.col("text").alias("transcribed_text"),
            pl.col("text_o").alias("official_text"),
            "note",
            pl.col("line").alias("transcribed_line"),
            pl.col("line_o").alias("official_line"),
        )
        .sort(pl.col("note").replace_strict(NOTES, return_dtype=pl.Int8), *_KEY, nulls_last=True)
        .cast(COMPARISON_SCHEMA)
    )
