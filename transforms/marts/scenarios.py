"""Policy scenarios on the clean tables: a Chinese export ban, stockpiles, the Australian
reserve budget, and price floors for non-China supply.

Pure functions on polars frames; member lists (alliance, China, EU27) and parameters are
arguments, so nothing here knows about Dagster or about files. The arithmetic, per table:

``scenario_export_ban`` — China (``china``) stops exporting a mineral to the allies. For each
ally, the EU27 as a bloc and the alliance as a bloc (the blocs' internal trade removed), in
the latest trade year, per mineral and stage:

- imports lost = imports from China (t, US$), as a share of imports and of supply, where
  supply = domestic production + imports;
- remaining supply = domestic production + imports from everyone but China;
- current use = apparent consumption = production + imports - exports;
- months of cover = remaining supply / (use / 12). Twelve or more means the remaining annual
  supply covers a year's use. Null where production is not published for the stage (use
  unknown) or use is not positive (net exporter).
- ``months_of_cover_trade_only`` leaves production out: non-China imports / (net imports /
  12). It is the only cover figure for stages without a production table (refined rare
  earths, refined cobalt), and a lower bound of the full one where non-China imports do not
  exceed net imports.

Only direct effects are counted: no re-routing through third countries and no loss of allies'
re-exports of Chinese material. Under that arithmetic the variant "China stops exporting to
one ally only" gives exactly that ally's row. Trade tonnage is the gross weight of the traded
goods and production is usually metal or oxide content: ``basis_mismatch`` flags the rows
where the two are added (see the mineral registry for each basis).

``scenario_stockpile`` — tonnes and cost to hold N days of each importer's China-sourced
imports: tonnes = imports from China x N / 365; cost at the latest USGS price of the series
chosen for the mineral in ``parameters.yaml`` and, as a check, at the imports' own unit value.

``scenario_reserve_budget`` — what a budget (A$1.2bn by default) buys, split equally across
the minerals named, at the latest USGS price: tonnes, and the days of Australia's and of the
alliance's China-sourced imports those tonnes equal.

``scenario_price_floor`` — yearly cost of a minimum price for non-China supply:
max(0, floor - market price) x covered volume, for each year of the USGS price history.
Covered volume is the alliance's imports from outside the alliance and China (t), or a fixed
tonnage.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

ALLIANCE = "ALLIANCE"
EU27 = "EU27"
DAYS_PER_YEAR = 365
SCENARIO_SOURCE = "CEPII BACI; USGS MCS"
PRICE_HISTORY_YEARS = (2018, 2025)

_NOTE_NO_PRODUCTION = "production not published for this stage: use and months_of_cover unknown"
_NOTE_NET_EXPORTER = "use (production + imports - exports) is not positive: net exporter"


# --- building blocks ---------------------------------------------------------------------------


def importer_entities(alliance: Sequence[str], eu27: Sequence[str]) -> pl.DataFrame:
    """Who imports: each ally, the EU27 bloc (when all its members are allies) and the alliance.

    Columns importer, importer_kind (economy | bloc), member: one row per member of each
    importer, so a join on the member code maps a flow to every importer it belongs to.
    """
    rows = [(code, "economy", code) for code in sorted(set(alliance))]
    if eu27 and set(eu27) <= set(alliance):
        rows += [(EU27, "bloc", code) for code in sorted(set(eu27))]
    rows += [(ALLIANCE, "bloc", code) for code in sorted(set(alliance))]
    return pl.DataFrame(
        rows,
        schema={"importer": pl.Utf8, "importer_kind": pl.Utf8, "member": pl.Utf8},
        orient="row",
    )


def latest_trade_year(trade: pl.DataFrame) -> int:
    if trade.height == 0:
        raise ValueError("trade table is empty: no year to run the scenario on")
    return int(trade["year"].max())  # type: ignore[arg-type]


def extra_entity_flows(trade: pl.DataFrame, entities: pl.DataFrame) -> pl.DataFrame:
    """Trade flows as seen by each importer entity, with the entity's internal trade removed.

    Returns the trade rows with ``importer``, ``importer_kind``, ``direction`` (import |
    export) and ``partner_code`` (the other side of the flow).
    """
    internal = entities.select(
        "importer", pl.col("member").alias("partner_code"), pl.lit(True).alias("_internal")
    )
    base = trade.select(
        "year",
        "exporter_code",
        "importer_code",
        "hs6",
        "mineral",
        "stage",
        "value_usd",
        "quantity_t",
    )
    imports = base.join(
        entities, left_on="importer_code", right_on="member", how="inner"
    ).with_columns(
        pl.lit("import").alias("direction"), pl.col("exporter_code").alias("partner_code")
    )
    exports = base.join(
        entities, left_on="exporter_code", right_on="member", how="inner"
    ).with_columns(
        pl.lit("export").alias("direction"), pl.col("importer_code").alias("partner_code")
    )
    flows = pl.concat([imports, exports], how="vertical")
    return (
        flows.join(internal, on=["importer", "partner_code"], how="left")
        .filter(pl.col("_internal").is_null())
        .drop("_internal")
    )


def trade_by_entity(flows: pl.DataFrame, china: Sequence[str]) -> pl.DataFrame:
    """Imports (all, from China), exports per importer x mineral x stage x year, in t and US$."""
    is_import = pl.col("direction") == "import"
    from_china = is_import & pl.col("partner_code").is_in(list(china))
    t = pl.col("quantity_t").fill_null(0.0)
    usd = pl.col("value_usd")
    return flows.group_by("importer", "importer_kind", "mineral", "stage", "year").agg(
        t.filter(is_import).sum().alias("imports_t"),
        usd.filter(is_import).sum().alias("imports_usd"),
        t.filter(from_china).sum().alias("imports_from_china_t"),
        usd.filter(from_china).sum().alias("imports_from_china_usd"),
        t.filter(~is_import).sum().alias("exports_t"),
        usd.filter(~is_import).sum().alias("exports_usd"),
    )


def production_by_entity(
    production: pl.DataFrame, entities: pl.DataFrame, year: int
) -> pl.DataFrame:
    """Domestic production per importer x mineral x stage, in the latest year <= ``year``.

    The year is chosen per mineral and stage (the latest with any published figure), so every
    importer is measured in the same year. Economies a table does not list produce nothing
    (USGS folds small producers into "Other countries"). Withheld figures (null production
    with a flag such as W) make ``production_withheld`` true: the sum is then a lower bound.
    Columns importer, mineral, stage, production_year, production_t, production_withheld,
    production_basis.
    """
    econ = production.filter(pl.col("country_kind") == "economy", pl.col("year") <= year)
    chosen = (
        econ.filter(pl.col("production_t").is_not_null())
        .group_by("mineral", "stage")
        .agg(pl.col("year").max().alias("production_year"))
    )
    rows = econ.join(
        chosen,
        left_on=["mineral", "stage", "year"],
        right_on=["mineral", "stage", "production_year"],
    )
    basis = rows.group_by("mineral", "stage").agg(
        pl.col("unit_basis").unique().sort().str.join(",").alias("production_basis")
    )
    summed = (
        rows.join(
            entities.select("importer", "member").unique(),
            left_on="country_code",
            right_on="member",
        )
        .group_by("importer", "mineral", "stage")
        .agg(
            pl.col("production_t").sum().alias("production_t"),
            pl.col("production_t").is_null().any().alias("production_withheld"),
        )
    )
    grid = entities.select("importer").unique().join(chosen, how="cross")
    return (
        grid.join(summed, on=["importer", "mineral", "stage"], how="left")
        .join(basis, on=["mineral", "stage"], how="left")
        .with_columns(
            pl.col("production_t").fill_null(0.0),
            pl.col("production_withheld").fill_null(False),
            pl.col("production_year").cast(pl.Int16),
        )
    )


def _safe_div(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den).otherwise(None)


# --- export ban ----------------------------------------------------------------------------------


def scenario_export_ban(
    trade: pl.DataFrame,
    production: pl.DataFrame,
    *,
    alliance: Sequence[str],
    china: Sequence[str],
    eu27: Sequence[str],
    year: int | None = None,
) -> pl.DataFrame:
    """China stops exporting to the allies: imports lost, supply left, months of cover.

    One row per importer (each ally, EU27, ALLIANCE) x mineral x stage with any extra-bloc
    trade in ``year`` (default: the latest trade year). See the module docstring for the
    formulas; ``exposure_rank`` ranks each importer's minerals by the share of supply lost
    (or of imports, where production is unknown), 1 = most exposed.
    """
    year = latest_trade_year(trade) if year is None else year
    entities = importer_entities(alliance, eu27)
    flows = extra_entity_flows(trade.filter(pl.col("year") == year), entities)
    totals = trade_by_entity(flows, china).filter(
        (pl.col("imports_usd") > 0) | (pl.col("exports_usd") > 0)
    )
    prod = production_by_entity(production, entities, year)
    df = totals.join(prod, on=["importer", "mineral", "stage"], how="left").with_columns(
        pl.col("production_year").is_not_null().alias("production_known"),
        pl.col("production_withheld").fill_null(False),
    )
    prod_t = pl.when(pl.col("production_known")).then(pl.col("production_t"))
    df = df.with_columns(
        prod_t.alias("production_t"),
        (pl.col("imports_t") - pl.col("imports_from_china_t")).alias("non_china_imports_t"),
        (pl.col("imports_t") - pl.col("exports_t")).alias("net_imports_t"),
    ).with_columns(
        (pl.col("production_t") + pl.col("imports_t")).alias("supply_t"),
        (pl.col("production_t") + pl.col("non_china_imports_t")).alias("remaining_supply_t"),
        (pl.col("production_t") + pl.col("net_imports_t")).alias("_use"),
    )
    use = pl.when(pl.col("_use") > 0).then(pl.col("_use"))
    df = df.with_columns(
        use.alias("use_t"),
        _safe_div(pl.col("imports_from_china_t"), pl.col("imports_t")).alias(
            "lost_share_of_imports"
        ),
        _safe_div(pl.col("imports_from_china_usd"), pl.col("imports_usd")).alias(
            "lost_share_of_imports_usd"
        ),
        _safe_div(pl.col("imports_from_china_t"), pl.col("supply_t")).alias("lost_share_of_supply"),
    ).with_columns(
        _safe_div(pl.col("remaining_supply_t"), pl.col("use_t") / 12).alias("months_of_cover"),
        _safe_div(pl.col("non_china_imports_t"), pl.col("net_imports_t") / 12).alias(
            "months_of_cover_trade_only"
        ),
        pl.max_horizontal(pl.col("use_t") - pl.col("remaining_supply_t"), pl.lit(0.0)).alias(
            "shortfall_t"
        ),
        (
            pl.col("production_known")
            & (pl.col("production_t") > 0)
            & (pl.col("production_basis") != "gross_weight")
        ).alias("basis_mismatch"),
        pl.when(~pl.col("production_known"))
        .then(pl.lit(_NOTE_NO_PRODUCTION))
        .when(pl.col("use_t").is_null())
        .then(pl.lit(_NOTE_NET_EXPORTER))
        .alias("cover_note"),
        pl.coalesce("lost_share_of_supply", "lost_share_of_imports").alias("exposure_share"),
        pl.when(pl.col("lost_share_of_supply").is_not_null())
        .then(pl.lit("supply"))
        .when(pl.col("lost_share_of_imports").is_not_null())
        .then(pl.lit("imports"))
        .alias("exposure_basis"),
    )
    df = df.with_columns(
        pl.col("exposure_share")
        .rank(method="min", descending=True)
        .over("importer")
        .cast(pl.Int32)
        .alias("exposure_rank")
    )
    return df.select(
        "importer",
        "importer_kind",
        "mineral",
        "stage",
        pl.col("year").cast(pl.Int16),
        "imports_t",
        "imports_usd",
        "imports_from_china_t",
        "imports_from_china_usd",
        "non_china_imports_t",
        "exports_t",
        "net_imports_t",
        "production_year",
        "production_t",
        "production_basis",
        "production_withheld",
        "basis_mismatch",
        "supply_t",
        "lost_share_of_imports",
        "lost_share_of_imports_usd",
        "lost_share_of_supply",
        "remaining_supply_t",
        "use_t",
        "months_of_cover",
        "months_of_cover_trade_only",
        "shortfall_t",
        "cover_note",
        "exposure_share",
        "exposure_basis",
        "exposure_rank",
        pl.lit(SCENARIO_SOURCE).alias("source"),
    ).sort("importer", "exposure_rank", "mineral", "stage", nulls_last=True)


# --- prices -------------------------------------------------------------------------------------


def price_history(us_salient: pl.DataFrame, series: pl.DataFrame) -> pl.DataFrame:
    """The chosen USGS price per mineral x stage x year, in US$ per t of the priced product.

    ``series`` is ``policy.price_series_frame()`` (mineral, stage, statistic, priority, unit,
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


# --- stockpile ----------------------------------------------------------------------------------


def scenario_stockpile(
    trade: pl.DataFrame,
    us_salient: pl.DataFrame,
    *,
    alliance: Sequence[str],
    china: Sequence[str],
    eu27: Sequence[str],
    days: Sequence[int],
    benchmarks: pl.DataFrame,
    price_series: pl.DataFrame,
    year: int | None = None,
) -> pl.DataFrame:
    """Tonnes and cost to hold ``days`` of each importer's China-sourced imports.

    ``benchmarks`` (economy, programme, days) adds the programmes' targets to the days and
    names them in ``benchmark``. Rows: importer x mineral x stage x days, for imports from
    China > 0 in ``year`` (default the latest trade year).
    """
    year = latest_trade_year(trade) if year is None else year
    entities = importer_entities(alliance, eu27)
    flows = extra_entity_flows(trade.filter(pl.col("year") == year), entities)
    china_imports = (
        trade_by_entity(flows, china)
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
        "importer",
        "importer_kind",
        "mineral",
        "stage",
        pl.col("year").cast(pl.Int16),
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


# --- reserve budget ---------------------------------------------------------------------------------


def scenario_reserve_budget(
    trade: pl.DataFrame,
    us_salient: pl.DataFrame,
    production: pl.DataFrame,
    *,
    budget_aud: float,
    aud_usd: float,
    minerals: Sequence[str],
    alliance: Sequence[str],
    china: Sequence[str],
    price_series: pl.DataFrame,
    economy: str = "AUS",
    year: int | None = None,
) -> pl.DataFrame:
    """What ``budget_aud`` buys, split equally across ``minerals``, at the latest USGS price.

    For each mineral: its share of the budget in US$ (at ``aud_usd`` US$ per A$), the tonnes
    that buys, and how many days of ``economy``'s and of the alliance's (as a bloc) imports
    from China in ``year`` those tonnes equal. The stage is the one of the mineral's price
    series (refinery where it has two). A mineral without trade codes or without imports from
    China has null days. ``share_of_world_production`` puts the tonnes against the latest
    published world total (USGS) of the same stage, or of mine production where the stage has
    no table (``world_production_stage`` says which).
    """
    if budget_aud < 0 or aud_usd <= 0:
        raise ValueError("budget_aud must be >= 0 and aud_usd > 0")
    if not minerals:
        raise ValueError("no minerals to split the budget across")
    year = latest_trade_year(trade) if year is None else year
    stages = (
        price_series.select("mineral", "stage")
        .unique()
        .sort("stage", descending=True)  # refinery before mine
        .group_by("mineral", maintain_order=True)
        .first()
    )
    picked = pl.DataFrame({"mineral": list(dict.fromkeys(minerals))}).join(
        stages, on="mineral", how="left"
    )
    entities = importer_entities(alliance, []).filter(pl.col("importer").is_in([economy, ALLIANCE]))
    if economy not in alliance:
        entities = pl.concat(
            [
                entities,
                pl.DataFrame(
                    {"importer": [economy], "importer_kind": ["economy"], "member": [economy]}
                ),
            ]
        )
    flows = extra_entity_flows(trade.filter(pl.col("year") == year), entities)
    china_t = trade_by_entity(flows, china).select(
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
            _safe_div(pl.col("mineral_budget_usd"), pl.col("price_usd_per_t")).alias("tonnes")
        )
        .with_columns(
            _safe_div(pl.col("tonnes"), pl.col("economy_china_imports_t") / DAYS_PER_YEAR).alias(
                "days_of_economy_china_imports"
            ),
            _safe_div(pl.col("tonnes"), pl.col("alliance_china_imports_t") / DAYS_PER_YEAR).alias(
                "days_of_alliance_china_imports"
            ),
            _safe_div(pl.col("tonnes"), pl.col("world_production_t")).alias(
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
        .agg(pl.col("production_t").sum())
        .select(
            "mineral",
            pl.col("stage").alias("world_stage"),
            pl.col("year").alias("world_year"),
            pl.col("production_t").alias("world_production_t"),
        )
    )


# --- price floor -------------------------------------------------------------------------------------


def scenario_price_floor(
    trade: pl.DataFrame,
    us_salient: pl.DataFrame,
    floors: pl.DataFrame,
    *,
    alliance: Sequence[str],
    china: Sequence[str],
    price_series: pl.DataFrame,
    years: tuple[int, int] = PRICE_HISTORY_YEARS,
) -> pl.DataFrame:
    """Yearly cost of each price floor: max(0, floor - market price) x covered volume.

    ``floors`` is ``policy.floors_frame(...)``. Market price: the floor's own
    ``price_statistics`` if given, else the mineral's series in ``price_series``, for the
    floor's stage (default: the stage of the mineral's series, refinery first). Covered volume
    (``covered_kind`` non_china_imports): the alliance's imports from outside the alliance and
    China of the mineral's codes at that stage (only ``hs6`` if given), in each year; or
    ``covered_fixed_t`` a year. One row per floor x year in ``years``; cost is null where the
    price or the volume of that year is not published.
    """
    first, last = years
    year_frame = pl.DataFrame({"year": list(range(first, last + 1))}, schema={"year": pl.Int16})
    default_stage = (
        price_series.select("mineral", "stage")
        .unique()
        .sort("stage", descending=True)
        .group_by("mineral", maintain_order=True)
        .first()
    )
    floors = (
        floors.join(default_stage.rename({"stage": "_stage"}), on="mineral", how="left")
        .with_columns(pl.coalesce("stage", "_stage").alias("stage"))
        .drop("_stage")
    )
    entities = importer_entities(alliance, []).filter(pl.col("importer") == ALLIANCE)
    flows = extra_entity_flows(
        trade.filter(pl.col("year").is_between(first, last)), entities
    ).filter(pl.col("direction") == "import", ~pl.col("partner_code").is_in(list(china)))
    frames = []
    for floor in floors.iter_rows(named=True):
        series = _floor_series(floor, price_series)
        prices = price_history(us_salient, series).drop("mineral", "stage", "price_matches_trade")
        covered_flows = flows.filter(
            pl.col("mineral") == floor["mineral"], pl.col("stage") == floor["stage"]
        )
        codes = floor["hs6"].split(",") if floor["hs6"] else None
        if codes:
            covered_flows = covered_flows.filter(pl.col("hs6").is_in(codes))
        if floor["covered_kind"] == "fixed":
            volume = year_frame.with_columns(pl.lit(floor["covered_fixed_t"]).alias("covered_t"))
            basis = "fixed tonnage a year (user setting)"
        else:
            observed = covered_flows.group_by(pl.col("year").cast(pl.Int16)).agg(
                pl.col("quantity_t").fill_null(0.0).sum().alias("covered_t")
            )
            reported = (
                trade.filter(pl.col("year").is_between(first, last))
                .select(pl.col("year").cast(pl.Int16))
                .unique()
            )
            # A year BACI covers but with no flow of the codes is zero tonnes, not unknown.
            volume = (
                year_frame.join(observed, on="year", how="left")
                .join(reported.with_columns(pl.lit(True).alias("_reported")), on="year", how="left")
                .with_columns(
                    pl.when(pl.col("_reported"))
                    .then(pl.col("covered_t").fill_null(0.0))
                    .alias("covered_t")
                )
                .drop("_reported")
            )
            scope = (
                f"HS92 {', '.join(codes)}"
                if codes
                else f"all HS92 codes of {floor['mineral']} at {floor['stage']} stage"
            )
            basis = f"alliance imports from outside the alliance and China, {scope}, t gross weight"
        frames.append(
            volume.join(prices, on="year", how="left").with_columns(
                pl.lit(floor["floor_id"]).alias("floor_id"),
                pl.lit(floor["mineral"]).alias("mineral"),
                pl.lit(floor["stage"]).alias("stage"),
                pl.lit(floor["floor_usd_per_t"]).alias("floor_usd_per_t"),
                pl.lit(floor["floor_product"]).cast(pl.Utf8).alias("floor_product"),
                pl.lit(basis).alias("covered_basis"),
                pl.lit(floor["origin"]).alias("origin"),
            )
        )
    schema_cols = [
        "floor_id",
        "mineral",
        "stage",
        "year",
        "floor_usd_per_t",
        "floor_product",
        "price_usd_per_t",
        "price_statistic",
        "price_product",
        "gap_usd_per_t",
        "covered_basis",
        "covered_t",
        "cost_usd",
        "note",
        "origin",
        "source",
    ]
    if not frames:
        return pl.DataFrame(schema={c: _FLOOR_DTYPES[c] for c in schema_cols})
    out = (
        pl.concat(frames, how="diagonal_relaxed")
        .with_columns(
            pl.max_horizontal(
                pl.col("floor_usd_per_t") - pl.col("price_usd_per_t"), pl.lit(0.0)
            ).alias("gap_usd_per_t")
        )
        .with_columns(
            pl.when(pl.col("price_usd_per_t").is_not_null())
            .then(pl.col("gap_usd_per_t"))
            .alias("gap_usd_per_t"),
        )
        .with_columns(
            (pl.col("gap_usd_per_t") * pl.col("covered_t")).alias("cost_usd"),
            pl.when(pl.col("price_usd_per_t").is_null())
            .then(pl.lit("no USGS price for this year in the clean table"))
            .when(pl.col("covered_t").is_null())
            .then(pl.lit("no BACI trade for this year"))
            .alias("note"),
            pl.lit(SCENARIO_SOURCE).alias("source"),
        )
    )
    return out.select([pl.col(c).cast(_FLOOR_DTYPES[c]) for c in schema_cols]).sort(
        "floor_id", "year"
    )


def _floor_series(floor: dict, price_series: pl.DataFrame) -> pl.DataFrame:
    """The price series a floor is compared with: its own statistics if it names any (unit
    and factor as the mineral's series gives them, else US$/t), else the mineral's series."""
    base = price_series.filter(
        pl.col("mineral") == floor["mineral"], pl.col("stage") == floor["stage"]
    )
    if floor["price_statistics"]:
        known = price_series.filter(pl.col("mineral") == floor["mineral"]).unique("statistic")
        lookup = {r["statistic"]: r for r in known.iter_rows(named=True)}
        rows = []
        for priority, name in enumerate(floor["price_statistics"].split("\n")):
            spec = lookup.get(
                name, {"unit": "usd_per_t", "unit_factor": 1.0, "price_product": None}
            )
            rows.append(
                {
                    "mineral": floor["mineral"],
                    "stage": floor["stage"],
                    "statistic": name,
                    "priority": priority,
                    "unit": spec["unit"],
                    "unit_factor": spec["unit_factor"],
                    "price_product": spec["price_product"],
                    "price_matches_trade": False,
                }
            )
        base = pl.DataFrame(rows, schema=price_series.schema)
    if floor["price_product"]:
        base = base.with_columns(pl.lit(floor["price_product"]).alias("price_product"))
    return base


_FLOOR_DTYPES: dict[str, pl.DataType | type] = {
    "floor_id": pl.Utf8,
    "mineral": pl.Utf8,
    "stage": pl.Utf8,
    "year": pl.Int16,
    "floor_usd_per_t": pl.Float64,
    "floor_product": pl.Utf8,
    "price_usd_per_t": pl.Float64,
    "price_statistic": pl.Utf8,
    "price_product": pl.Utf8,
    "gap_usd_per_t": pl.Float64,
    "covered_basis": pl.Utf8,
    "covered_t": pl.Float64,
    "cost_usd": pl.Float64,
    "note": pl.Utf8,
    "origin": pl.Utf8,
    "source": pl.Utf8,
}
