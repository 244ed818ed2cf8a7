"""Concentration mart: how concentrated the supply of each mineral is, and who holds it.

One row per mineral × stage × year × measure, for three measures:

* ``production`` — USGS mine or refinery production (clean ``production``), metric tons on the
  mineral's stated basis;
* ``reserves`` — USGS reserves (clean ``reserves``). Reserves carry no year: an MCS edition
  publishes them beside the previous year's production, so ``year = edition - 1`` (MCS 2026
  reserves are the 2025 row). Reserves belong to deposits, so their stage is ``mine``;
* ``exports`` — CEPII BACI exports (clean ``trade``) summed by exporter, per mineral × stage
  (mine = the mineral's ore and concentrate HS codes, refinery = its refined codes) × year,
  value in current USD.

Formulas. With ``x_i`` the figure of economy ``i`` and ``T`` the denominator (below), the share
of ``i`` is ``s_i = x_i / T`` (a fraction in [0, 1]), and

* ``hhi = Σ_i (100 · s_i)²`` — Herfindahl-Hirschman index on shares in percent, 0–10,000;
  the sum runs over economies only, so the unattributed rest ("Other countries", withheld
  figures, BACI's SACU) adds nothing: it is a lower bound when the rest is large;
* ``alliance_pooled_hhi = (100 · Σ_{i∈A} s_i)² + Σ_{i∉A} (100 · s_i)²`` — the same with the
  alliance ``A`` counted as one supplier (always ≥ ``hhi``);
* ``top1_share``/``top1_code``: the largest economy (ties broken by code), ``top3_share``: the
  three largest together;
* ``china_share = Σ_{i∈China} s_i``, ``alliance_share = Σ_{i∈A} s_i``, ``rest_share`` = every
  other economy plus the unattributed rest, so the three sum to 1;
* ``unattributed_share`` = the part of ``T`` not published for any single economy.

Denominator (column ``denominator``). Production and reserves use the published world total
(``WORLD``) where USGS gives a number, so "Other countries" and withheld figures count as the
unknown rest; where the world total excludes the United States (``WORLD_EXCL_USA``) the US
figure, if published, is added (``world_total_excl_usa_plus_usa``). USGS rounds world totals;
where the published parts (economies + "Other countries") add up to more than the rounded total,
their sum is used instead (``sum_of_parts``), so shares never sum above 1. Exports have no
world total: the sum over all exporters is used (``sum_of_parts``). Groups with no figure at all
(every value NA) are kept with null shares and ``denominator = 'no_figures'``.

Only economies (``country_kind == 'economy'``; ISO3 codes in trade) enter the numerators;
aggregate rows never do. Withheld figures (flag ``W``) and other non-numeric cells (NA, empty)
are counted per group in ``withheld_economies`` and ``not_numeric_economies``.

Pure polars; member lists (China, the alliance) are arguments.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from transforms.stable import exact_sum, exact_sum_of_squares

MEASURES = ("production", "reserves", "exports")
DENOMINATORS = ("world_total", "world_total_excl_usa_plus_usa", "sum_of_parts", "no_figures")
UNITS = ("t", "usd")
WITHHELD_FLAG = "W"
# Aggregate codes of the reference tables are four or more letters (WORLD, OTHER, SACU, ...).
ISO3_PATTERN = r"^[A-Z]{3}$"
KEY = ["mineral", "stage", "year", "measure"]

OUTPUT_COLUMNS = [
    "mineral",
    "stage",
    "year",
    "measure",
    "unit",
    "unit_basis",
    "source",
    "denominator",
    "total",
    "economies",
    "withheld_economies",
    "not_numeric_economies",
    "hhi",
    "top1_code",
    "top1_share",
    "top3_share",
    "china_share",
    "alliance_share",
    "rest_share",
    "unattributed_share",
    "alliance_pooled_hhi",
]


def _disjoint(china: Sequence[str], alliance: Sequence[str]) -> None:
    overlap = sorted(set(china) & set(alliance))
    if overlap:
        raise ValueError(
            f"China and the alliance overlap ({', '.join(overlap)}): shares would count them twice"
        )


def share_statistics(
    parts: pl.DataFrame,
    key: Sequence[str],
    *,
    china: Sequence[str],
    alliance: Sequence[str],
    world_totals: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Concentration statistics per ``key`` group from its parts.

    ``parts``: the key columns plus ``code`` (economy ISO3 or aggregate code), ``is_economy``
    (bool), ``value`` (Float64, null where not published as a number) and ``flag`` (text flag or
    null). Aggregate parts (e.g. "Other countries") count in the sum of parts, never in a
    numerator. ``world_totals``: the key columns plus ``world_total`` (Float64) and
    ``world_label`` (a ``DENOMINATORS`` value); groups without one use the sum of parts.
    """
    _disjoint(china, alliance)
    key = list(key)
    china_l, alliance_l = list(china), list(alliance)
    value = pl.col("value")
    econ = pl.col("is_economy")
    numeric_econ = econ & value.is_not_null()
    in_china = pl.col("code").is_in(china_l)
    in_alliance = pl.col("code").is_in(alliance_l)
    ranked = value.filter(numeric_econ & (value > 0))
    ranked_codes = pl.col("code").filter(numeric_econ & (value > 0))

    stats = parts.group_by(key).agg(
        (numeric_econ & (value > 0)).sum().cast(pl.Int32).alias("economies"),
        (econ & value.is_null() & (pl.col("flag") == WITHHELD_FLAG))
        .sum()
        .cast(pl.Int32)
        .alias("withheld_economies"),
        (econ & value.is_null() & (pl.col("flag").fill_null("") != WITHHELD_FLAG))
        .sum()
        .cast(pl.Int32)
        .alias("not_numeric_economies"),
        exact_sum(value.filter(numeric_econ)).alias("_econ"),
        exact_sum(value.filter(~econ & value.is_not_null())).alias("_aggregate_parts"),
        value.filter(numeric_econ).count().alias("_numeric"),
        value.filter(~econ & value.is_not_null()).count().alias("_numeric_aggregates"),
        exact_sum(value.filter(numeric_econ & in_china)).alias("_china"),
        in_china.any().alias("china_listed"),
        exact_sum(value.filter(numeric_econ & in_alliance)).alias("_alliance"),
        exact_sum(value.filter(numeric_econ & ~in_china & ~in_alliance)).alias("_rest_econ"),
        exact_sum_of_squares(value.filter(numeric_econ)).alias("_sq"),
        exact_sum_of_squares(value.filter(numeric_econ & ~in_alliance)).alias("_sq_outside_alliance"),
        ranked_codes.sort_by([ranked, ranked_codes], descending=[True, False])
        .first()
        .alias("top1_code"),
        ranked.top_k(3).sum().alias("_top3"),
        ranked.max().alias("_top1"),
    )
    stats = stats.with_columns((pl.col("_econ") + pl.col("_aggregate_parts")).alias("_parts"))
    has_parts = (pl.col("_numeric") + pl.col("_numeric_aggregates")) > 0
    if world_totals is not None:
        stats = stats.join(
            world_totals.select([*key, "world_total", "world_label"]), on=key, how="left"
        )
        use_world = pl.col("world_total").is_not_null() & (
            pl.col("world_total") >= pl.col("_parts")
        )
        total = (
            pl.when(use_world).then(pl.col("world_total")).when(has_parts).then(pl.col("_parts"))
        )
        label = (
            pl.when(use_world)
            .then(pl.col("world_label"))
            .when(has_parts)
            .then(pl.lit("sum_of_parts"))
        )
    else:
        total = pl.when(has_parts).then(pl.col("_parts"))
        label = pl.when(has_parts).then(pl.lit("sum_of_parts"))
    stats = stats.with_columns(total.alias("total"), label.alias("denominator"))
    # A zero total (every figure 0) has no shares either.
    valid = pl.col("total").is_not_null() & (pl.col("total") > 0)
    stats = stats.with_columns(
        pl.when(valid)
        .then(pl.col("denominator"))
        .otherwise(pl.lit("no_figures"))
        .alias("denominator"),
        pl.when(valid).then(pl.col("total")).alias("total"),
    )
    t = pl.col("total")
    # total >= parts by construction, so the unattributed remainder is never negative.
    unattributed = pl.col("_aggregate_parts") + (t - pl.col("_parts"))
    out = stats.with_columns(
        (pl.col("_sq") / t**2 * 10_000).alias("hhi"),
        (pl.col("_top1") / t).alias("top1_share"),
        (pl.col("_top3") / t).alias("top3_share"),
        (pl.col("_china") / t).alias("china_share"),
        (pl.col("_alliance") / t).alias("alliance_share"),
        ((pl.col("_rest_econ") + unattributed) / t).alias("rest_share"),
        (unattributed / t).alias("unattributed_share"),
        ((pl.col("_alliance") ** 2 + pl.col("_sq_outside_alliance")) / t**2 * 10_000).alias(
            "alliance_pooled_hhi"
        ),
    )
    return out.drop(
        [c for c in out.columns if c.startswith("_") or c in ("world_total", "world_label")]
    )


def production_concentration(
    production: pl.DataFrame, *, china: Sequence[str], alliance: Sequence[str]
) -> pl.DataFrame:
    """Concentration of USGS production per mineral × stage × year (measure ``production``)."""
    key = ["mineral", "stage", "year"]
    rows = production.with_columns(
        pl.col("production_t").alias("value"), pl.col("value_flag").alias("flag")
    )
    is_world = pl.col("country_code").is_in(["WORLD", "WORLD_EXCL_USA"])
    parts = rows.filter(~is_world).select(
        *key,
        pl.col("country_code").alias("code"),
        (pl.col("country_kind") == "economy").alias("is_economy"),
        "value",
        "flag",
    )
    world = rows.filter(pl.col("country_code") == "WORLD").select(
        *key, pl.col("value").alias("world_total")
    )
    usa = rows.filter(pl.col("country_code") == "USA").select(*key, pl.col("value").alias("_usa"))
    excl_usa = (
        rows.filter(pl.col("country_code") == "WORLD_EXCL_USA")
        .select(*key, pl.col("value").alias("_excl"))
        .join(usa, on=key, how="left")
        # A withheld US figure stays outside the total, like any withheld figure.
        .select(*key, (pl.col("_excl") + pl.col("_usa").fill_null(0.0)).alias("world_total"))
        .join(world.select(key), on=key, how="anti")
    )
    world_totals = pl.concat(
        [
            world.with_columns(pl.lit("world_total").alias("world_label")),
            excl_usa.with_columns(pl.lit("world_total_excl_usa_plus_usa").alias("world_label")),
        ]
    )
    stats = _with_source_meta(
        share_statistics(parts, key, china=china, alliance=alliance, world_totals=world_totals),
        rows,
        key,
    )
    # A fallback source's table (BGS, World Mining Data) without a world total that does not
    # list China at all (BGS's gallium before 2011) cannot say China's share: not computable
    # rather than 0. USGS tables list every significant producer, so their absence means none.
    unknown = (
        ~pl.col("source").str.starts_with("USGS")
        & (pl.col("denominator") == "sum_of_parts")
        & ~pl.col("china_listed")
    )
    stats = stats.with_columns(
        pl.when(unknown).then(None).otherwise(pl.col("china_share")).alias("china_share")
    )
    return _finish(stats, measure="production", unit="t")


def _with_source_meta(stats: pl.DataFrame, rows: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """``stats`` with the unit bases, the source and its editions its ``rows`` came from per key."""
    meta = rows.group_by(key).agg(
        pl.col("unit_basis").unique().sort().str.join(",").alias("unit_basis"),
        # The group's source and its editions (none for BGS or World Mining Data).
        (
            pl.col("source").first()
            + " "
            + pl.col("edition").drop_nulls().unique().sort().cast(pl.Utf8).str.join(",")
        )
        .str.strip_chars()
        .alias("source"),
    )
    return stats.join(meta, on=key, how="left")


def reserves_concentration(
    reserves: pl.DataFrame, *, china: Sequence[str], alliance: Sequence[str]
) -> pl.DataFrame:
    """Concentration of USGS reserves per mineral (measure ``reserves``, year = edition - 1).

    A bound such as ">85,000,000" enters as the bound (the clean layer's convention)."""
    key = ["mineral", "stage", "year"]
    rows = reserves.with_columns(
        pl.lit("mine").alias("stage"),
        (pl.col("edition") - 1).cast(pl.Int16).alias("year"),
        pl.col("reserves_t").alias("value"),
        pl.col("value_flag").alias("flag"),
    )
    parts = rows.filter(pl.col("country_code") != "WORLD").select(
        *key,
        pl.col("country_code").alias("code"),
        (pl.col("country_kind") == "economy").alias("is_economy"),
        "value",
        "flag",
    )
    world_totals = rows.filter(pl.col("country_code") == "WORLD").select(
        *key, pl.col("value").alias("world_total"), pl.lit("world_total").alias("world_label")
    )
    stats = share_statistics(parts, key, china=china, alliance=alliance, world_totals=world_totals)
    return _finish(_with_source_meta(stats, rows, key), measure="reserves", unit="t")


def export_concentration(
    trade: pl.DataFrame, *, china: Sequence[str], alliance: Sequence[str]
) -> pl.DataFrame:
    """Concentration of world exports (BACI value, USD) per mineral × stage × year."""
    key = ["mineral", "stage", "year"]
    parts = (
        trade.group_by([*key, "exporter_code"])
        .agg(exact_sum(pl.col("value_usd")).alias("value"))
        .select(
            *key,
            pl.col("exporter_code").alias("code"),
            pl.col("exporter_code").str.contains(ISO3_PATTERN).alias("is_economy"),
            "value",
            pl.lit(None, pl.Utf8).alias("flag"),
        )
    )
    stats = share_statistics(parts, key, china=china, alliance=alliance)
    meta = trade.group_by(key).agg(
        (pl.col("source") + pl.lit(" ") + pl.col("edition"))
        .unique()
        .sort()
        .str.join(",")
        .alias("source"),
    )
    return _finish(
        stats.join(meta, on=key, how="left").with_columns(
            pl.lit(None, pl.Utf8).alias("unit_basis")
        ),
        measure="exports",
        unit="usd",
    )


def _finish(df: pl.DataFrame, *, measure: str, unit: str) -> pl.DataFrame:
    return df.with_columns(
        pl.lit(measure).alias("measure"), pl.lit(unit).alias("unit"), pl.col("year").cast(pl.Int16)
    ).select(OUTPUT_COLUMNS)


def concentration(
    production: pl.DataFrame,
    reserves: pl.DataFrame,
    trade: pl.DataFrame,
    *,
    china: Sequence[str],
    alliance: Sequence[str],
) -> pl.DataFrame:
    """The concentration mart: production, reserves and export concentration in one table,
    sorted by mineral, stage, year and measure."""
    frames = [
        production_concentration(production, china=china, alliance=alliance),
        reserves_concentration(reserves, china=china, alliance=alliance),
        export_concentration(trade, china=china, alliance=alliance),
    ]
    return pl.concat(frames, how="vertical").sort(KEY)
