"""Stockpile and reserve-budget scenarios.

``scenario_stockpile`` — tonnes and cost to hold N days of each importer's China-sourced
imports (each ally, EU27 and ALLIANCE, as :mod:`transforms.blocs` defines them): tonnes =
imports from China x N / 365; cost at the latest USGS price of the series chosen for the mineral
in ``parameters.yaml`` and, as a check, at the imports' own unit value.

``scenario_reserve_budget`` — what a budget (A$1.2bn by default) buys, split equally across
the minerals named, at the latest USGS price: tonnes, and the days of Australia's and of the
alliance's China-sourced imports those tonnes equal.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from transforms import blocs
from transforms.marts.scenarios import (
    ALLIANCE,
    DAYS_PER_YEAR,
    SCENARIO_SOURCE,
    importer_key,
    latest_prices,
    latest_trade_year,
    price_stage,
    safe_div,
    trade_totals,
)
from transforms.stable import exact_sum


def scenario_stockpile(
    flows: pl.DataFrame,
    us_salient: pl.DataFrame,
    *,
    china: Sequence[str],
    days: Sequence[int],
    benchmarks: pl.DataFrame,
    price_series: pl.DataFrame,
    year: int | None = None,
) -> pl.DataFrame:
    """Tonnes and cost to hold ``days`` of each importer's China-sourced imports.

    ``benchmarks`` (economy, programme, days) adds the programmes' targets to the days and
    names them in ``benchmark``. Rows: importer x mineral x stage x days, for imports from
    China > 0 in ``year`` (default the latest trade year); ``flows`` is
    ``blocs.importer_flows``, one importer per ally, EU27 and ALLIANCE.
    """
    year = latest_trade_year(flows) if year is None else year
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
    prices = latest_prices(us_salient, price_series)
    share = pl.col("days") / DAYS_PER_YEAR
    out = (
        china_imports.join(day_frame, how="cross")
        .join(prices, on=["mineral", "stage"], how="left")
        .with_columns(
            (pl.col("imports_from_china_t") * share).alias("stock_t"),
            (pl.col("imports_from_china_usd") * share).alias("cost_usd_at_import_unit_value"),
        )
        .with_columns((pl.col("stock_t") * pl.col("price_usd_per_t")).alias("cost_usd"))
    )
    return out.select(
        *importer_key(),
        "days",
        "benchmark",
        "imports_from_china_t",
        "imports_from_china_usd",
        "stock_t",
        "price_usd_per_t",
        pl.col("price_year").cast(pl.Int16),
        "price_statistic",
        "price_product",
        "price_matches_trade",
        "cost_usd",
        "cost_usd_at_import_unit_value",
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
) -> pl.DataFrame:
    """What ``budget_aud`` buys, split equally across ``minerals``, at the latest USGS price.

    For each mineral: its share of the budget in US$ (at ``aud_usd`` US$ per A$), the tonnes
    that buys, and how many days of ``economy``'s and of the alliance's (as a bloc) imports
    from China in ``year`` those tonnes equal. The stage is the one of the mineral's price
    series (refinery where it has two). A mineral without trade codes or without imports from
    China has null days. ``share_of_world_production`` puts the tonnes against the latest
    published world total (USGS) of the same stage, or of mine production where the stage has
    no table (``world_production_stage`` says which).

    ``flows`` is ``blocs.importer_flows``; where ``economy`` is not one of its importers (not
    an ally), its flows are taken from the clean ``trade`` table, which must then be given.
    """
    if budget_aud < 0 or aud_usd <= 0:
        raise ValueError("budget_aud must be >= 0 and aud_usd > 0")
    if not minerals:
        raise ValueError("no minerals to split the budget across")
    year = latest_trade_year(flows) if year is None else year
    picked = pl.DataFrame({"mineral": list(dict.fromkeys(minerals))}).join(
        price_stage(price_series), on="mineral", how="left"
    )
    flows = flows.filter(pl.col("importer").is_in([economy, ALLIANCE]))
    if economy not in flows["importer"]:
        if trade is None:
            raise ValueError(f"{economy} is not an importer of the flows: pass the trade table")
        own_entity = blocs.importer_entities([], [], extra_economies=[economy])
        flows = pl.concat([flows, blocs.entity_flows(trade, own_entity)], how="diagonal_relaxed")
    china_t = trade_totals(flows, china, year).select(
        "importer", "mineral", "stage", "imports_from_china_t"
    )
    own = (
        china_t.filter(pl.col("importer") == economy)
        .drop("importer")
        .rename({"imports_from_china_t": "economy_china_imports_t"})
    )
    bloc = (
        china_t.filter(pl.col("importer") == ALLIANCE)
        .drop("importer")
        .rename({"imports_from_china_t": "alliance_china_imports_t"})
    )
    prices = latest_prices(us_salient, price_series)
    world = _world_production(production, year)
    budget_usd = budget_aud * aud_usd
    n = picked.height
    out = (
        picked.join(prices, on=["mineral", "stage"], how="left")
        .join(own, on=["mineral", "stage"], how="left")
        .join(bloc, on=["mineral", "stage"], how="left")
        .join(world, on="mineral", how="left")
        .with_columns(
            pl.when(pl.col("stage") == pl.col("world_stage")).then(0).otherwise(1).alias("_pref")
        )
        .sort("_pref", "world_stage", nulls_last=True)
        .unique(["mineral"], keep="first", maintain_order=True)
        .with_columns(
            pl.lit(float(budget_aud)).alias("budget_aud"),
            pl.lit(float(aud_usd)).alias("aud_usd"),
            pl.lit(budget_usd).alias("budget_usd"),
            pl.lit(1.0 / n).alias("budget_share"),
            pl.lit(budget_usd / n).alias("mineral_budget_usd"),
        )
        .with_columns(
            safe_div(pl.col("mineral_budget_usd"), pl.col("price_usd_per_t")).alias("tonnes")
        )
        .with_columns(
            safe_div(pl.col("tonnes"), pl.col("economy_china_imports_t") / DAYS_PER_YEAR).alias(
                "days_of_economy_china_imports"
            ),
            safe_div(pl.col("tonnes"), pl.col("alliance_china_imports_t") / DAYS_PER_YEAR).alias(
                "days_of_alliance_china_imports"
            ),
            safe_div(pl.col("tonnes"), pl.col("world_production_t")).alias(
                "share_of_world_production"
            ),
        )
        .with_columns(
            pl.when(pl.col("stage").is_null())
            .then(pl.lit("no USGS price series chosen for this mineral"))
            .when(pl.col("alliance_china_imports_t").is_null())
            .then(
                pl.lit("no trade codes or no imports from China in the BACI subset: days unknown")
            )
            .when(pl.col("days_of_alliance_china_imports") > 10 * DAYS_PER_YEAR)
            .then(
                pl.lit(
                    "more than ten years of the alliance's China-sourced imports: the mineral's HS codes "
                    "in the BACI subset do not carry China's exports of it (for antimony: ores only, not metal or oxide)"
                )
            )
            .alias("note"),
        )
        .sort(
            pl.col("mineral").replace_strict({m: i for i, m in enumerate(dict.fromkeys(minerals))})
        )
    )
    return out.select(
        pl.lit(economy).alias("economy"),
        "mineral",
        "stage",
        pl.lit(year).cast(pl.Int16).alias("year"),
        "budget_aud",
        "aud_usd",
        "budget_usd",
        "budget_share",
        "mineral_budget_usd",
        "price_usd_per_t",
        pl.col("price_year").cast(pl.Int16),
        "price_statistic",
        "price_product",
        "price_matches_trade",
        "tonnes",
        "economy_china_imports_t",
        "days_of_economy_china_imports",
        "alliance_china_imports_t",
        "days_of_alliance_china_imports",
        pl.col("world_production_t"),
        pl.col("world_stage").alias("world_production_stage"),
        pl.col("world_year").cast(pl.Int16).alias("world_production_year"),
        "share_of_world_production",
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
