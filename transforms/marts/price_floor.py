"""Price-floor scenarios: yearly cost of a minimum price for non-China supply.

``scenario_price_floor`` — each sourced floor back-tested: max(0, floor - market price) x
covered volume, for each year of the USGS price history. Covered volume is what the floor
covers: a fixed tonnage from a sourced figure (the DoD–MP floor: MP Materials' NdPr output), or
the alliance's imports (the ``ALLIANCE`` bloc of :mod:`transforms.blocs`) from outside the
alliance and China (t).

``scenario_floor_sensitivity`` — a floor set 10/25/50% above the recent market price of each
focus mineral (the unit value of the alliance's imports from outside China in the latest trade
year): its cost for a year of those imports, uplift x price x tonnes, with the same "not
computable" rule as the other scenarios.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from transforms import blocs
from transforms.marts.coverage import finding_ok
from transforms.marts.scenarios import (
    ALLIANCE,
    DEFAULT_THRESHOLDS,
    PRICE_HISTORY_YEARS,
    SCENARIO_SOURCE,
    Thresholds,
    latest_trade_year,
    not_computable,
    price_history,
    price_stage,
    trade_coverage,
    trade_totals,
    unit_values,
)
from transforms.stable import exact_sum


def scenario_price_floor(
    flows: pl.DataFrame,
    us_salient: pl.DataFrame,
    floors: pl.DataFrame,
    *,
    china: Sequence[str],
    price_series: pl.DataFrame,
    years: tuple[int, int] = PRICE_HISTORY_YEARS,
) -> pl.DataFrame:
    """Yearly cost of each price floor: max(0, floor - market price) x covered volume.

    ``floors`` is ``policy_frames.floors_frame(...)``. Market price: the floor's own
    ``price_statistics`` if given, else the mineral's series in ``price_series``, for the
    floor's stage (default: the stage of the mineral's series, refinery first). Covered volume
    (``covered_kind`` non_china_imports): the alliance's imports from outside the alliance and
    China of the mineral's codes at that stage (only ``hs6`` if given), in each year; or
    ``covered_fixed_t`` a year. One row per floor x year in ``years``; cost is null where the
    price or the volume of that year is not published.
    """
    first, last = years
    year_frame = pl.DataFrame({"year": list(range(first, last + 1))}, schema={"year": pl.Int16})
    floors = (
        floors.join(price_stage(price_series).rename({"stage": "_stage"}), on="mineral", how="left")
        .with_columns(pl.coalesce("stage", "_stage").alias("stage"))
        .drop("_stage")
    )
    in_years = flows.filter(pl.col("year").is_between(first, last))
    reported = in_years.select(pl.col("year").cast(pl.Int16)).unique()
    flows = blocs.outside(in_years.filter(pl.col("importer") == ALLIANCE), "import").filter(
        ~pl.col("partner").is_in(list(china))
    )
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
            basis = floor["covered_what"] or "fixed tonnage a year (user setting)"
        else:
            observed = covered_flows.group_by(pl.col("year").cast(pl.Int16)).agg(
                exact_sum(pl.col("quantity_t").fill_null(0.0)).alias("covered_t")
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
                pl.lit(floor["floor_name"]).alias("floor_name"),
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
        "floor_name",
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
    "floor_name": pl.Utf8,
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


def scenario_floor_sensitivity(
    flows: pl.DataFrame,
    *,
    china: Sequence[str],
    minerals: Sequence[str],
    uplifts: Sequence[float],
    price_series: pl.DataFrame,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    coverage: pl.DataFrame | None = None,
    year: int | None = None,
) -> pl.DataFrame:
    """Cost of a floor ``uplift`` above the recent market price, for a year of the alliance's
    imports from outside the alliance and China, per mineral in ``minerals`` x uplift.

    The market price is the unit value of those imports in ``year`` (default: the latest trade
    year), value / quantity of the flows that carry a quantity; the floor is price x (1 +
    uplift); the cost at an unchanged market price is uplift x price x covered tonnes. The stage
    is the mineral's traded stage (that of its price series where it trades two). A mineral is
    not computable where the trade has no code for it, where its codes miss the stage China
    holds (the dependence marts' rule, ``coverage`` as in :func:`scenarios.scenario_coverage`),
    or where its imports from China are below the thresholds (the codes then miss the good China
    supplies).
    """
    year = latest_trade_year(flows) if year is None else year
    coverage = trade_coverage() if coverage is None else coverage
    alliance = flows.filter(pl.col("importer") == ALLIANCE)
    china_totals = trade_totals(alliance, china, year).select(
        "mineral", "stage", "imports_from_china_t", "imports_from_china_usd"
    )
    others = unit_values(alliance, year, ~pl.col("partner").is_in(list(china))).drop("importer")
    stages = price_stage(price_series).rename({"stage": "_series_stage"})
    picked = (
        pl.DataFrame({"mineral": list(dict.fromkeys(minerals))})
        .join(china_totals.select("mineral", "stage").unique(), on="mineral", how="left")
        .join(stages, on="mineral", how="left")
        .with_columns(pl.coalesce("stage", "_series_stage").alias("stage"))
        .with_columns((pl.col("stage") == pl.col("_series_stage")).fill_null(False).alias("_pref"))
        # Ties broken by stage name, so the same stage is chosen on every run.
        .sort(["_pref", "stage"], descending=[True, False], nulls_last=True, maintain_order=True)
        .unique("mineral", keep="first", maintain_order=True)
        .drop("_series_stage", "_pref")
    )
    up = pl.DataFrame({"uplift": [float(u) for u in uplifts]})
    df = (
        picked.join(coverage, on="mineral", how="left")
        .join(china_totals, on=["mineral", "stage"], how="left")
        .join(others, on=["mineral", "stage"], how="left")
        .with_columns(
            finding_ok().alias("finding_ok"),
            not_computable("imports_from_china_t", "imports_from_china_usd", thresholds).alias(
                "not_computable_reason"
            ),
        )
        .with_columns(
            pl.when(pl.col("not_computable_reason").is_null())
            .then(pl.col("unit_value_usd_per_t"))
            .alias("price_usd_per_t")
        )
        .join(up, how="cross")
    )
    ok = pl.col("price_usd_per_t").is_not_null()
    order = {m: i for i, m in enumerate(dict.fromkeys(minerals))}
    return df.select(
        "mineral",
        "stage",
        pl.lit(year).cast(pl.Int16).alias("year"),
        "uplift",
        "price_usd_per_t",
        pl.when(ok).then(pl.lit(year)).cast(pl.Int16).alias("price_year"),
        pl.when(ok).then(pl.format("goods traded under {}", "trade_codes")).alias("price_product"),
        pl.when(ok)
        .then(
            pl.lit(
                f"CEPII BACI {year}: value / quantity of the alliance's imports from outside "
                "the alliance and China"
            )
        )
        .alias("price_source"),
        (pl.col("price_usd_per_t") * (1 + pl.col("uplift"))).alias("floor_usd_per_t"),
        pl.when(ok).then(pl.col("priced_t")).alias("covered_t"),
        (pl.col("uplift") * pl.col("price_usd_per_t") * pl.col("priced_t")).alias("cost_usd"),
        "trade_coverage",
        "finding_ok",
        "not_computable_reason",
        pl.lit(SCENARIO_SOURCE).alias("source"),
    ).sort(pl.col("mineral").replace_strict(order), "uplift")
