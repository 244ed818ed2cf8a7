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
left out); this module holds what they share: the USGS price series, the unit values of the
traded goods they cost their tonnes at, what the trade codes cover (:func:`trade_coverage`, the
declaration the dependence marts read) and when a scenario is "not computable"
(:func:`not_computable`: the dependence marts' finding rule of :mod:`transforms.marts.coverage`,
then no tonnage or too little trade). Pure functions on polars frames;
nothing here knows about Dagster or about files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from transforms import blocs
from transforms.marts.coverage import coverage_note, finding_ok, mineral_coverage
from transforms.reference.minerals import hs_map_frame
from transforms.reference.trade_coverage import NO_CODE, trade_coverage_frame
from transforms.stable import exact_sum

ALLIANCE = blocs.BLOC_ALLIANCE
EU27 = blocs.BLOC_EU27
DAYS_PER_YEAR = 365
SCENARIO_SOURCE = "CEPII BACI; USGS MCS"
PRICE_HISTORY_YEARS = (2018, 2025)
DAYS_PER_MONTH = DAYS_PER_YEAR / 12


@dataclass(frozen=True)
class Thresholds:
    """Below ``min_china_imports_t`` t or ``min_china_imports_usd`` US$ of imports from China a
    year a scenario is not computable; no days of imports above ``max_days`` are published
    (parameters.yaml ``thresholds``)."""

    min_china_imports_t: float = 1.0
    min_china_imports_usd: float = 100_000.0
    max_days: int = 36_500

    def below(self) -> str:
        return (
            f"imports from China below the threshold of {self.min_china_imports_t:,.0f} t and "
            f"US${self.min_china_imports_usd:,.0f} a year"
        )


DEFAULT_THRESHOLDS = Thresholds()


def trade_coverage(
    held: pl.DataFrame | None = None, hs_map: pl.DataFrame | None = None
) -> pl.DataFrame:
    """What the trade data covers of each mineral, and where China holds it: the columns of
    :func:`transforms.marts.coverage.mineral_coverage` and ``trade_codes`` ('HS 261710').

    ``held`` is ``mineral_coverage(trade_coverage_frame(), production, economies)``, the same
    frame the dependence marts judge their findings on; without it the declaration alone
    (``trade_coverage_frame``) with China's production shares unknown, so an ore-only figure of a
    mineral not used as mined is no finding. ``hs_map`` is ``hs_map_frame()`` (slug, stage,
    hs6), read from the registry when not given.
    """
    if held is None:
        held = trade_coverage_frame().with_columns(
            pl.lit(None, pl.Float64).alias("china_mine_share"),
            pl.lit(None, pl.Float64).alias("china_refinery_share"),
        )
    hs_map = hs_map_frame() if hs_map is None else hs_map
    codes = hs_map.group_by(pl.col("slug").alias("mineral")).agg(
        ("HS " + pl.col("hs6").sort().str.join(", ")).alias("trade_codes")
    )
    return held.join(codes, on="mineral", how="left").sort("mineral")


def scenario_coverage(production: pl.DataFrame, economies: blocs.Economies) -> pl.DataFrame:
    """:func:`trade_coverage` with China's production shares from the clean ``production``
    table, as the dependence marts compute them."""
    return trade_coverage(mineral_coverage(trade_coverage_frame(), production, economies))


def not_computable(china_t: str, china_usd: str, thresholds: Thresholds) -> pl.Expr:
    """Why a scenario row cannot be computed meaningfully (null where it can): no trade code;
    codes that miss the stage China holds (the dependence marts' rule,
    :func:`transforms.marts.coverage.finding_ok`, the reason its ``coverage_note``); no
    tonnage; or imports from China (columns ``china_t``, ``china_usd``) below the thresholds.
    Needs ``stage`` and the columns of :func:`trade_coverage`."""
    small = (pl.col(china_t) < thresholds.min_china_imports_t) | (
        pl.col(china_usd).fill_null(0.0) < thresholds.min_china_imports_usd
    )
    return (
        pl.when(pl.col("trade_coverage") == NO_CODE)
        .then(pl.lit("no HS code for this mineral in the trade data (BACI subset)"))
        .when(~finding_ok())
        .then(coverage_note())
        .when(pl.col(china_t).is_null() | (pl.col(china_t) <= 0))
        .then(pl.lit("no imports from China with a tonnage in the trade data"))
        .when(small)
        .then(pl.lit(thresholds.below()))
    )


def capped_days(expr: pl.Expr, thresholds: Thresholds) -> pl.Expr:
    """Days of imports, null above ``thresholds.max_days`` (never published)."""
    return pl.when(expr <= thresholds.max_days).then(expr)


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


def unit_values(flows: pl.DataFrame, year: int, partners: pl.Expr) -> pl.DataFrame:
    """Unit value of each importer's imports from ``partners`` (an expression on ``partner``)
    in ``year``: the value of the flows that carry a quantity over that quantity, so value and
    tonnes are of the same goods. Columns importer, mineral, stage, priced_t, priced_usd,
    unit_value_usd_per_t (null where no flow carries a tonnage)."""
    priced = blocs.outside(flows.filter(pl.col("year") == year), "import").filter(
        partners, pl.col("quantity_t").is_not_null()
    )
    return (
        priced.group_by("importer", "mineral", "stage")
        .agg(
            exact_sum(pl.col("quantity_t")).alias("priced_t"),
            exact_sum(pl.col("value_usd")).alias("priced_usd"),
        )
        .with_columns(
            safe_div(pl.col("priced_usd"), pl.col("priced_t")).alias("unit_value_usd_per_t")
        )
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
        joined.sort("priority", "usgs_commodity", "statistic", maintain_order=True)
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
