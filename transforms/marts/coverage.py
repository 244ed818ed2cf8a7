"""The one finding rule for trade figures: does a figure of a mineral's traded goods see the
stage where China holds the mineral?

A mineral's HS codes cover some of its forms (``trade_coverage``, declared in
data/reference/trade_coverage.yaml, :mod:`transforms.reference.trade_coverage`). A figure on
its mine-stage (ore) codes is a finding only where the mineral is used as mined (industrial
minerals, coal) or where China's hold is in mining: its share of world refining is known and no
larger than its share of world mining. Otherwise (graphite, antimony, copper ...) the ore
figures say nothing about the processed forms China dominates, and ``finding_ok`` is False with
the reason in ``coverage_note``. Refinery-stage figures are findings.

The dependence marts (:mod:`transforms.marts.dependence`) and every scenario mart
(:mod:`transforms.marts.scenarios`) apply this rule, so a mineral reads the same everywhere.
Pure polars.
"""

from __future__ import annotations

import polars as pl

from transforms import blocs
from transforms.marts.concentration import production_concentration
from transforms.reference.trade_coverage import NO_CODE


def mineral_coverage(
    coverage: pl.DataFrame, production: pl.DataFrame, economies: blocs.Economies
) -> pl.DataFrame:
    """Per mineral: the trade coverage and China's share of world mine and refinery output in
    the latest year with a share (the concentration mart's production shares)."""
    shares = production_concentration(
        production, china=list(economies.china), alliance=list(economies.alliance)
    ).filter(pl.col("china_share").is_not_null())
    latest = (
        shares.sort("year")
        .group_by("mineral", "stage")
        .agg(pl.col("china_share").last())
        .pivot(on="stage", index="mineral", values="china_share")
    )
    for stage in ("mine", "refinery"):
        if stage not in latest.columns:
            latest = latest.with_columns(pl.lit(None, pl.Float64).alias(stage))
    latest = latest.select(
        "mineral",
        pl.col("mine").alias("china_mine_share"),
        pl.col("refinery").alias("china_refinery_share"),
    )
    return coverage.join(latest, on="mineral", how="left")


def no_code_note() -> pl.Expr:
    """Why a mineral without any trade code has no figure. Needs ``not_covered``."""
    return "No trade code: " + pl.col("not_covered").fill_null("the mineral has none") + "."


def finding_ok() -> pl.Expr:
    """True where the row's figure sees the stage China holds (never without a trade code).
    Needs ``stage`` and the columns of :func:`mineral_coverage` (trade_coverage,
    used_as_mined, china_*_share)."""
    ref, mine = pl.col("china_refinery_share"), pl.col("china_mine_share")
    hold_in_mining = (ref.is_not_null() & mine.is_not_null() & (ref <= mine)).fill_null(False)
    declared = pl.col("trade_coverage").is_not_null() & (pl.col("trade_coverage") != NO_CODE)
    mine_row = pl.col("stage") == "mine"
    return (declared & (~mine_row | pl.col("used_as_mined") | hold_in_mining)).fill_null(False)


def coverage_note() -> pl.Expr:
    """Why the row's figure is no finding (where :func:`finding_ok` is False) and the forms the
    codes miss; null where there is nothing to say."""
    ref = pl.col("china_refinery_share")
    missing = (
        pl.when(pl.col("not_covered").is_not_null())
        .then(pl.lit(" Not covered: ") + pl.col("not_covered") + pl.lit("."))
        .otherwise(pl.lit(""))
    )
    why = (
        pl.when(pl.col("trade_coverage").is_null())
        .then(pl.lit("Trade coverage not declared for this mineral."))
        .when(pl.col("trade_coverage") == NO_CODE)
        .then(no_code_note())
        .when(pl.col("covers_processed"))
        .then(pl.lit("Ores only: the processed forms are in the refinery-stage figure."))
        .when(ref.is_not_null())
        .then(pl.lit("Ore only: China's hold is in refining, which these codes do not cover."))
        .otherwise(
            pl.lit(
                "Ore only: China's share of refining is not in the data and these codes do not cover it."
            )
        )
    )
    no_code = pl.col("trade_coverage") == NO_CODE
    note = (
        pl.when(finding_ok())
        .then(missing.str.strip_chars())
        .when(no_code.fill_null(False))
        .then(why)
        .otherwise(why + missing)
    )
    return pl.when(note != "").then(note)


def with_findings(rows: pl.DataFrame, held: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (with mineral and stage) joined to ``held`` (:func:`mineral_coverage`), with
    ``finding_ok`` and ``coverage_note``."""
    return rows.join(held, on="mineral", how="left").with_columns(
        finding_ok().alias("finding_ok"), coverage_note().alias("coverage_note")
    )
