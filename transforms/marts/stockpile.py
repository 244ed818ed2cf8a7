"""Stockpile and reserve-budget scenarios, every tonne priced at what is actually traded.

``scenario_stockpile`` — tonnes and cost to hold N days of each importer's China-sourced
imports (each ally, EU27 and ALLIANCE, as :mod:`transforms.blocs` defines them): tonnes =
imports from China x N / 365; cost at the unit value of those same imports (value / quantity),
so a 90-day stock costs 90/365 of a year's imports from China. The latest USGS price of the
mineral's series is kept beside it as a market check (``cost_usd_at_market_price``). A row
whose trade does not carry China's exports (no code, codes that miss the stage China holds as
the dependence marts judge it, below the thresholds of parameters.yaml) is "not computable",
with the reason, and shows no stock and no cost.

``scenario_reserve_budget`` — what a budget (A$1.2bn by default) buys, split equally across
the reserve's minerals: tonnes at the unit value of the alliance's imports from China where
the trade carries them, else at the USGS price of the good; the days and months of Australia's
and of the alliance's China-sourced imports those tonnes equal (never above the day cap), the
share of world output, and what the note's smaller budget (A$400m) buys of each focus mineral.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from transforms import blocs
from transforms.marts.coverage import finding_ok
from transforms.marts.scenarios import (
    ALLIANCE,
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    DEFAULT_THRESHOLDS,
    SCENARIO_SOURCE,
    Thresholds,
    capped_days,
    importer_key,
    latest_prices,
    latest_trade_year,
    not_computable,
    price_stage,
    safe_div,
    trade_coverage,
    trade_totals,
    unit_values,
)
from transforms.stable import exact_sum


def market_prices(us_salient: pl.DataFrame, price_series: pl.DataFrame) -> pl.DataFrame:
    """The latest USGS price per mineral x stage as the market check: mineral, stage,
    market_price_usd_per_t, market_price_year, market_price_product, market_price_matches_trade,
    market_price_statistic."""
    return latest_prices(us_salient, price_series).select(
        "mineral",
        "stage",
        pl.col("price_usd_per_t").alias("market_price_usd_per_t"),
        pl.col("price_year").cast(pl.Int16).alias("market_price_year"),
        pl.col("price_product").alias("market_price_product"),
        pl.col("price_matches_trade").alias("market_price_matches_trade"),
        pl.col("price_statistic").alias("market_price_statistic"),
    )


def traded_goods(codes: str = "trade_codes") -> pl.Expr:
    """What a unit value prices: the goods of the mineral's trade codes."""
    return pl.format("goods traded under {}", codes)


def scenario_stockpile(
    flows: pl.DataFrame,
    us_salient: pl.DataFrame,
    *,
    china: Sequence[str],
    days: Sequence[int],
    benchmarks: pl.DataFrame,
    price_series: pl.DataFrame,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    coverage: pl.DataFrame | None = None,
    year: int | None = None,
) -> pl.DataFrame:
    """Tonnes and cost to hold ``days`` of each importer's China-sourced imports.

    ``benchmarks`` (economy, programme, days) adds the programmes' targets to the days and
    names them in ``benchmark``. Rows: importer x mineral x stage x days, for imports from
    China > 0 in ``year`` (default the latest trade year); ``flows`` is
    ``blocs.importer_flows``. ``coverage`` is :func:`scenarios.scenario_coverage` (without it, the
    declaration with China's production shares unknown: ore rows are then no finding unless the
    mineral is used as mined).
    """
    year = latest_trade_year(flows) if year is None else year
    coverage = trade_coverage() if coverage is None else coverage
    china_imports = (
        trade_totals(flows, china, year)
        .filter(pl.col("imports_from_china_usd") > 0)
        .select(
            "importer",
            "importer_kind",
            "mineral",
            "stage",
            "year",
            "imports_from_china_t",
            "imports_from_china_usd",
        )
        .join(coverage, on="mineral", how="left")
        .with_columns(
            finding_ok().alias("finding_ok"),
            not_computable("imports_from_china_t", "imports_from_china_usd", thresholds).alias(
                "not_computable_reason"
            ),
        )
    )
    labels = benchmarks.group_by("days").agg(
        pl.format("{} {} target ({} days)", "economy", "programme", "days")
        .sort()
        .str.join("; ")
        .alias("benchmark")
    )
    all_days = sorted({int(d) for d in days} | {int(d) for d in benchmarks["days"].to_list()})
    if any(d <= 0 for d in all_days):
        raise ValueError(f"days of cover must be positive, got {all_days}")
    day_frame = pl.DataFrame({"days": all_days}, schema={"days": pl.Int32}).join(
        labels, on="days", how="left"
    )
    ok = pl.col("not_computable_reason").is_null()
    share = pl.col("days") / DAYS_PER_YEAR
    out = (
        china_imports.join(day_frame, how="cross")
        .join(market_prices(us_salient, price_series), on=["mineral", "stage"], how="left")
        .join(
            unit_values(flows, year, pl.col("partner").is_in(list(china))).select(
                "importer", "mineral", "stage", "unit_value_usd_per_t"
            ),
            on=["importer", "mineral", "stage"],
            how="left",
        )
        .with_columns(
            pl.when(ok).then(pl.col("imports_from_china_t") * share).alias("stock_t"),
            pl.when(ok).then(pl.col("unit_value_usd_per_t")).alias("price_usd_per_t"),
        )
        .with_columns(
            (pl.col("stock_t") * pl.col("price_usd_per_t")).alias("cost_usd"),
            (pl.col("stock_t") * pl.col("market_price_usd_per_t")).alias(
                "cost_usd_at_market_price"
            ),
        )
    )
    priced = pl.col("price_usd_per_t").is_not_null()
    return out.select(
        *importer_key(),
        "days",
        "benchmark",
        "imports_from_china_t",
        "imports_from_china_usd",
        "stock_t",
        "price_usd_per_t",
        pl.when(priced).then(pl.lit(year)).cast(pl.Int16).alias("price_year"),
        pl.when(priced).then(traded_goods()).alias("price_product"),
        pl.when(priced)
        .then(pl.lit(f"CEPII BACI {year}: value / quantity of the importer's imports from China"))
        .alias("price_source"),
        pl.when(priced).then(pl.lit(True)).alias("price_matches_trade"),
        "cost_usd",
        "market_price_usd_per_t",
        "market_price_year",
        "market_price_product",
        "market_price_matches_trade",
        "cost_usd_at_market_price",
        "trade_coverage",
        "finding_ok",
        "not_computable_reason",
        pl.lit(SCENARIO_SOURCE).alias("source"),
    ).sort("importer", "mineral", "stage", "days")


def scenario_reserve_budget(
    flows: pl.DataFrame,
    us_salient: pl.DataFrame,
    production: pl.DataFrame,
    *,
    budget_aud: float,
    aud_usd: float,
    minerals: Sequence[str],
    china: Sequence[str],
    price_series: pl.DataFrame,
    economy: str = "AUS",
    year: int | None = None,
    trade: pl.DataFrame | None = None,
    note_budget_aud: float | None = None,
    extra_minerals: Sequence[str] = (),
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    coverage: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """What ``budget_aud`` buys, split equally across ``minerals`` (the reserve's).

    Per mineral: its share of the budget in US$ (at ``aud_usd`` US$ per A$) and the tonnes
    that buys at the unit value of the alliance's imports from China of the mineral's codes
    (the stage of its price series) where those imports are computable, else at the latest
    USGS price of the series (``price_source`` says which); how many days and months of
    ``economy``'s and of the alliance's imports from China those tonnes equal (null where not
    computable or above the day cap, ``note`` says why); the share of the latest USGS world
    total of the stage (or of mine production where the stage has no table). ``note_budget_tonnes``
    is what ``note_budget_aud`` buys at the same price; ``extra_minerals`` (the focus minerals
    outside the reserve) get rows with that figure only (``in_reserve`` false).

    ``flows`` is ``blocs.importer_flows``; where ``economy`` is not one of its importers (not
    an ally), its flows are taken from the clean ``trade`` table, which must then be given.
    """
    if budget_aud < 0 or aud_usd <= 0:
        raise ValueError("budget_aud must be >= 0 and aud_usd > 0")
    if not minerals:
        raise ValueError("no minerals to split the budget across")
    year = latest_trade_year(flows) if year is None else year
    coverage = trade_coverage() if coverage is None else coverage
    reserve = list(dict.fromkeys(minerals))
    order = reserve + [m for m in dict.fromkeys(extra_minerals) if m not in reserve]
    picked = pl.DataFrame({"mineral": order}).join(
        price_stage(price_series), on="mineral", how="left"
    )
    flows = flows.filter(pl.col("importer").is_in([economy, ALLIANCE]))
    if economy not in flows["importer"]:
        if trade is None:
            raise ValueError(f"{economy} is not an importer of the flows: pass the trade table")
        own_entity = blocs.importer_entities([], [], extra_economies=[economy])
        flows = pl.concat([flows, blocs.entity_flows(trade, own_entity)], how="diagonal_relaxed")
    china_t = trade_totals(flows, china, year).select(
        "importer", "mineral", "stage", "imports_from_china_t", "imports_from_china_usd"
    )

    def imports_of(importer: str, prefix: str) -> pl.DataFrame:
        return (
            china_t.filter(pl.col("importer") == importer)
            .drop("importer")
            .rename(
                {
                    "imports_from_china_t": f"{prefix}_china_imports_t",
                    "imports_from_china_usd": f"_{prefix}_usd",
                }
            )
        )

    world = _world_production(production, year)
    budget_usd = budget_aud * aud_usd
    n = len(reserve)
    note_usd = None if note_budget_aud is None else note_budget_aud * aud_usd
    in_reserve = pl.col("mineral").is_in(reserve)
    market = market_prices(us_salient, price_series)
    df = (
        picked.join(coverage, on="mineral", how="left")
        .join(market, on=["mineral", "stage"], how="left")
        .join(imports_of(economy, "economy"), on=["mineral", "stage"], how="left")
        .join(imports_of(ALLIANCE, "alliance"), on=["mineral", "stage"], how="left")
        .join(world, on="mineral", how="left")
        .with_columns(
            pl.when(pl.col("stage") == pl.col("world_stage")).then(0).otherwise(1).alias("_pref")
        )
        .sort("_pref", "world_stage", nulls_last=True)
        .unique(["mineral"], keep="first", maintain_order=True)
        .with_columns(
            not_computable("alliance_china_imports_t", "_alliance_usd", thresholds).alias("_why"),
            not_computable("economy_china_imports_t", "_economy_usd", thresholds).alias(
                "_why_economy"
            ),
        )
        .join(
            unit_values(flows, year, pl.col("partner").is_in(list(china)))
            .filter(pl.col("importer") == ALLIANCE)
            .select("mineral", "stage", pl.col("unit_value_usd_per_t").alias("_uv")),
            on=["mineral", "stage"],
            how="left",
        )
        .with_columns(pl.when(pl.col("_why").is_null()).then(pl.col("_uv")).alias("_unit_value"))
    )
    by_trade = pl.col("_unit_value").is_not_null()
    df = df.with_columns(
        pl.coalesce("_unit_value", "market_price_usd_per_t").alias("price_usd_per_t"),
        pl.when(by_trade)
        .then(pl.lit(year))
        .otherwise(pl.col("market_price_year"))
        .cast(pl.Int16)
        .alias("price_year"),
        pl.when(by_trade)
        .then(traded_goods())
        .otherwise(pl.col("market_price_product"))
        .alias("price_product"),
        pl.when(by_trade)
        .then(pl.lit(f"CEPII BACI {year}: value / quantity of the alliance's imports from China"))
        .when(pl.col("market_price_statistic").is_not_null())
        .then(pl.format("USGS MCS salient statistics: {}", "market_price_statistic"))
        .alias("price_source"),
        pl.when(by_trade)
        .then(pl.lit(True))
        .otherwise(pl.col("market_price_matches_trade"))
        .alias("price_matches_trade"),
        pl.lit(float(budget_aud)).alias("budget_aud"),
        pl.lit(float(aud_usd)).alias("aud_usd"),
        pl.lit(budget_usd).alias("budget_usd"),
        in_reserve.alias("in_reserve"),
        pl.when(in_reserve).then(pl.lit(1.0 / n)).alias("budget_share"),
        pl.when(in_reserve).then(pl.lit(budget_usd / n)).alias("mineral_budget_usd"),
        pl.lit(note_budget_aud, dtype=pl.Float64).alias("note_budget_aud"),
    )
    per_day = pl.col("tonnes") * DAYS_PER_YEAR
    df = (
        df.with_columns(
            safe_div(pl.col("mineral_budget_usd"), pl.col("price_usd_per_t")).alias("tonnes"),
            safe_div(pl.lit(note_usd, dtype=pl.Float64), pl.col("price_usd_per_t")).alias(
                "note_budget_tonnes"
            ),
        )
        .with_columns(
            pl.when(pl.col("_why_economy").is_null())
            .then(capped_days(safe_div(per_day, pl.col("economy_china_imports_t")), thresholds))
            .alias("days_of_economy_china_imports"),
            pl.when(pl.col("_why").is_null())
            .then(capped_days(safe_div(per_day, pl.col("alliance_china_imports_t")), thresholds))
            .alias("days_of_alliance_china_imports"),
            safe_div(pl.col("tonnes"), pl.col("world_production_t")).alias(
                "share_of_world_production"
            ),
        )
        .with_columns(
            (pl.col("days_of_economy_china_imports") / DAYS_PER_MONTH).alias(
                "months_of_economy_china_imports"
            ),
            (pl.col("days_of_alliance_china_imports") / DAYS_PER_MONTH).alias(
                "months_of_alliance_china_imports"
            ),
            pl.when(pl.col("price_usd_per_t").is_null())
            .then(pl.lit("no price: no trade unit value and no USGS price series for this mineral"))
            .when(pl.col("_why").is_not_null())
            .then(pl.format("days of the alliance's imports not computable: {}", "_why"))
            .when(pl.col("days_of_alliance_china_imports").is_null() & in_reserve)
            .then(pl.lit(f"more than {thresholds.max_days:,} days of the alliance's imports"))
            .when(pl.col("_why_economy").is_not_null())
            .then(pl.format(f"days of {economy}'s imports not computable: {{}}", "_why_economy"))
            .alias("note"),
        )
        .sort(pl.col("mineral").replace_strict({m: i for i, m in enumerate(order)}))
    )
    return df.select(
        pl.lit(economy).alias("economy"),
        "mineral",
        "stage",
        pl.lit(year).cast(pl.Int16).alias("year"),
        "in_reserve",
        "budget_aud",
        "aud_usd",
        "budget_usd",
        "budget_share",
        "mineral_budget_usd",
        "price_usd_per_t",
        "price_year",
        "price_product",
        "price_source",
        "price_matches_trade",
        "tonnes",
        "note_budget_aud",
        "note_budget_tonnes",
        "economy_china_imports_t",
        "days_of_economy_china_imports",
        "months_of_economy_china_imports",
        "alliance_china_imports_t",
        "days_of_alliance_china_imports",
        "months_of_alliance_china_imports",
        pl.col("world_production_t"),
        pl.col("world_stage").alias("world_production_stage"),
        pl.col("world_year").cast(pl.Int16).alias("world_production_year"),
        "share_of_world_production",
        "trade_coverage",
        finding_ok().alias("finding_ok"),
        "note",
        pl.lit(SCENARIO_SOURCE).alias("source"),
    )


def _world_production(production: pl.DataFrame, year: int) -> pl.DataFrame:
    """Published world totals (USGS ``WORLD`` rows) per mineral and stage, latest year <= year.

    Columns mineral, world_stage, world_year, world_production_t; a mineral may have a row per
    stage (the clean table has one WORLD row per mineral, stage and year).
    """
    world = production.filter(
        pl.col("country_code") == "WORLD",
        pl.col("production_t").is_not_null(),
        pl.col("year") <= year,
    )
    latest = world.group_by("mineral", "stage").agg(pl.col("year").max())
    return (
        world.join(latest, on=["mineral", "stage", "year"])
        .group_by("mineral", "stage", "year")
        .agg(exact_sum(pl.col("production_t")))
        .select(
            "mineral",
            pl.col("stage").alias("world_stage"),
            pl.col("year").alias("world_year"),
            pl.col("production_t").alias("world_production_t"),
        )
    )
