"""Price-floor scenario: yearly cost of a minimum price for non-China supply.

max(0, floor - market price) x covered volume, for each year of the USGS price history. Covered
volume is the alliance's imports (the ``ALLIANCE`` bloc of :mod:`transforms.blocs`) from outside
the alliance and China (t), or a fixed tonnage.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from transforms import blocs
from transforms.marts.scenarios import (
    ALLIANCE,
    PRICE_HISTORY_YEARS,
    SCENARIO_SOURCE,
    price_history,
    price_stage,
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
            basis = "fixed tonnage a year (user setting)"
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
