"""Policy scenarios on the clean tables: what they share (constants, prices, the trade year).

The scenarios are split by lever, one module each:

* :mod:`transforms.marts.export_ban` — ``scenario_export_ban``: China stops exporting a mineral
  to the allies; imports lost, supply left, months of cover;
* :mod:`transforms.marts.stockpile` — ``scenario_stockpile`` (tonnes and cost to hold N days of
  China-sourced imports) and ``scenario_reserve_budget`` (what the Australian reserve budget
  buys);
* :mod:`transforms.marts.price_floor` — ``scenario_price_floor``: yearly cost of a minimum price
  for non-China supply.

Every scenario reads the importers' trade from :mod:`transforms.blocs` (``importer_flows``:
each ally, ``EU27`` whatever the alliance, and ``ALLIANCE``, blocs' internal trade flagged and
left out); this module holds the USGS price series they cost their tonnes at. Pure functions on
polars frames; nothing here knows about Dagster or about files.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from transforms import blocs

ALLIANCE = blocs.BLOC_ALLIANCE
EU27 = blocs.BLOC_EU27
DAYS_PER_YEAR = 365
SCENARIO_SOURCE = "CEPII BACI; USGS MCS"
PRICE_HISTORY_YEARS = (2018, 2025)


def importer_key() -> list[str | pl.Expr]:
    """The leading columns of every per-importer scenario mart: who, what, which year (Int16)."""
    return ["importer", "importer_kind", "mineral", "stage", pl.col("year").cast(pl.Int16)]


def latest_trade_year(flows: pl.DataFrame) -> int:
    """The latest year of a trade or importer-flows frame."""
    if flows.height == 0:
        raise ValueError("trade table is empty: no year to run the scenario on")
    return int(flows["year"].max())  # type: ignore[arg-type]


def trade_totals(flows: pl.DataFrame, china: Sequence[str], year: int) -> pl.DataFrame:
    """``blocs.china_trade`` of one year, tonnage counted 0 where no flow carries a quantity.

    The scenario marts' tonnage columns are required (a scenario on unknown tonnes has nothing
    to count), so an all-unknown quantity is 0 t here; ``imports_usd`` still shows the trade.
    """
    totals = blocs.china_trade(flows.filter(pl.col("year") == year), china)
    return totals.with_columns(
        pl.col("imports_t", "imports_from_china_t", "exports_t").fill_null(0.0)
    )


def safe_div(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den).otherwise(None)


def price_stage(price_series: pl.DataFrame) -> pl.DataFrame:
    """Per mineral, the stage of its price series: refinery where it has both. mineral, stage."""
    return (
        price_series.select("mineral", "stage")
        .unique()
        .sort("stage", descending=True)  # refinery before mine
        .group_by("mineral", maintain_order=True)
        .first()
    )


def price_history(us_salient: pl.DataFrame, series: pl.DataFrame) -> pl.DataFrame:
    """The chosen USGS price per mineral x stage x year, in US$ per t of the priced product.

    ``series`` is ``policy_frames.price_series_frame(...)`` (mineral, stage, statistic, priority, unit,
    unit_factor, price_product, price_matches_trade). For each year the first statistic in
    priority order with a number is taken. Columns mineral, stage, year, price_usd_per_t,
    price_statistic, price_product, price_matches_trade.
    """
    prices = us_salient.filter(pl.col("value").is_not_null()).select(
        "mineral", "statistic", "unit", "year", "value", "usgs_commodity"
    )
    joined = series.join(prices, on=["mineral", "statistic", "unit"], how="inner")
    return (
        joined.sort("priority", "usgs_commodity")
        .group_by("mineral", "stage", "year", maintain_order=True)
        .first()
        .select(
            "mineral",
            "stage",
            pl.col("year").cast(pl.Int16),
            (pl.col("value") * pl.col("unit_factor")).alias("price_usd_per_t"),
            pl.col("statistic").alias("price_statistic"),
            "price_product",
            "price_matches_trade",
        )
        .sort("mineral", "stage", "year")
    )


def latest_prices(us_salient: pl.DataFrame, series: pl.DataFrame) -> pl.DataFrame:
    """The latest year's price per mineral x stage (see :func:`price_history`), with price_year."""
    history = price_history(us_salient, series)
    return (
        history.sort("year")
        .group_by("mineral", "stage", maintain_order=True)
        .last()
        .rename({"year": "price_year"})
    )
