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

Denominator (column ``denominator``). Production and reserves use the publisher's own world
total (``WORLD``) exactly as printed, so shares match the publisher's (USGS's) own shares; where
the world total excludes the United States (``WORLD_EXCL_USA``) the US figure, if published, is
added (``world_total_excl_usa_plus_usa``). Publishers round world totals: where the published
parts (economies + "Other countries", ``parts_total``) add up to more than the rounded total,
the shares stay those of the published total and ``share_note`` says so (China + alliance +
rest then equals ``parts_total / total`` > 1; ``top3_share`` is capped at 1 and the HHIs divide
by the larger of the two, so they stay within bounds). Only where a single economy (or China,
or the alliance) exceeds the published total is the sum of parts used, with a note. A world
total published as a lower bound (">") stays the denominator with ``total_qualifier`` "more
than": shares of it are upper bounds. Where no world total is published, USGS's parts are the
world only if an "Other countries" figure is published (``sum_of_parts``, noted); otherwise
the listed economies are not the world and the group has no shares (``no_world_total``, noted:
USGS's strontium reserves list China and Iran only). Sources that list every producer (BGS,
World Mining Data) and exports use the sum of parts (``sum_of_parts``). Groups with no figure
at all (every value NA) are kept with null shares and ``denominator = 'no_figures'``.

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
DENOMINATORS = (
    "world_total",
    "world_total_excl_usa_plus_usa",
    "sum_of_parts",
    "no_world_total",
    "no_figures",
)
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
    "total_qualifier",
    "parts_total",
    "share_note",
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
    listed_only: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Concentration statistics per ``key`` group from its parts.

    ``parts``: the key columns plus ``code`` (economy ISO3 or aggregate code), ``is_economy``
    (bool), ``value`` (Float64, null where not published as a number) and ``flag`` (text flag or
    null). Aggregate parts (e.g. "Other countries") count in the sum of parts, never in a
    numerator. ``world_totals``: the key columns plus ``world_total`` (Float64), ``world_label``
    (a ``DENOMINATORS`` value) and optionally ``world_flag`` (">" where the total is a lower
    bound); groups without one use the sum of parts. ``listed_only``: key rows of tables that
    list the main producers only (USGS): without a world total and without an "Other countries"
    figure their parts are not the world, so they get no shares (``no_world_total``).
    """
    _disjoint(china, alliance)
    key = list(key)
    stats = _group_sums(parts, key, list(china), list(alliance))
    if world_totals is None:
        world_totals = pl.DataFrame(
            schema={**{k: stats.schema[k] for k in key}, "world_total": pl.Float64}
        )
    if "world_label" not in world_totals.columns:
        world_totals = world_totals.with_columns(pl.lit("world_total").alias("world_label"))
    if "world_flag" not in world_totals.columns:
        world_totals = world_totals.with_columns(pl.lit(None, pl.Utf8).alias("world_flag"))
    stats = stats.join(
        world_totals.select([*key, "world_total", "world_label", "world_flag"]), on=key, how="left"
    )
    listed = pl.lit(False)
    if listed_only is not None:
        stats = stats.join(
            listed_only.select(key).unique().with_columns(pl.lit(True).alias("_listed")),
            on=key,
            how="left",
        )
        listed = pl.col("_listed").fill_null(False)
    return _shares(stats, listed)


def _group_sums(
    parts: pl.DataFrame, key: list[str], china: list[str], alliance: list[str]
) -> pl.DataFrame:
    """Per group: counts of economies and the sums the shares divide (columns prefixed ``_``)."""
    value = pl.col("value")
    econ = pl.col("is_economy")
    numeric_econ = econ & value.is_not_null()
    in_china = pl.col("code").is_in(china)
    in_alliance = pl.col("code").is_in(alliance)
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
        exact_sum(ranked.top_k(3)).alias("_top3"),
        ranked.max().alias("_top1"),
    )
    return stats.with_columns((pl.col("_econ") + pl.col("_aggregate_parts")).alias("parts_total"))


# Why a group's shares read as they do (column ``share_note``); null where nothing needs saying.
NOTE_PARTS_EXCEED = (
    "The listed figures add up to more than the publisher's rounded world total (parts_total > "
    "total): shares are of the published total, as the publisher prints them, so together they "
    "exceed 100%."
)
NOTE_PART_ABOVE_TOTAL = (
    "A listed figure is larger than the published world total, so shares are of the sum of the "
    "listed figures instead."
)
NOTE_NO_WORLD_TOTAL = (
    "The publisher prints no world total and no 'Other countries' figure, so the listed "
    "economies are not the world: no world share."
)
NOTE_SUM_IS_WORLD = (
    "No world total is published; the listed economies and 'Other countries' together are the "
    "world."
)
NOTE_LOWER_BOUND = (
    "The world total is published as a lower bound (>): shares of it are upper bounds."
)
NOTE_MIXED_BASES = (
    "The economies report on different tonnage bases (e.g. ore and contained metal), so no "
    "shares of one total are computed."
)
LOWER_BOUND = "more than"


def _shares(stats: pl.DataFrame, listed: pl.Expr) -> pl.DataFrame:
    """Denominator, shares and notes from the group sums and world totals (see module doc)."""
    has_parts = (pl.col("_numeric") + pl.col("_numeric_aggregates")) > 0
    world = pl.col("world_total")
    # No single part may exceed the denominator: a share above 100% would be an upstream slip.
    largest = pl.max_horizontal(
        pl.col("_top1"),
        pl.col("_china"),
        pl.col("_alliance"),
        pl.col("_rest_econ") + pl.col("_aggregate_parts"),
    )
    use_world = world.is_not_null() & (world > 0) & (largest <= world * (1 + 1e-9))
    no_world = listed & has_parts & (pl.col("_numeric_aggregates") == 0) & world.is_null()
    stats = stats.with_columns(
        pl.when(use_world)
        .then(world)
        .when(has_parts & ~no_world)
        .then(pl.col("parts_total"))
        .alias("total"),
        pl.when(use_world)
        .then(pl.col("world_label"))
        .when(has_parts & ~no_world)
        .then(pl.lit("sum_of_parts"))
        .when(no_world)
        .then(pl.lit("no_world_total"))
        .otherwise(pl.lit("no_figures"))
        .alias("denominator"),
    )
    # A zero total (every figure 0) has no shares either.
    valid = pl.col("total").is_not_null() & (pl.col("total") > 0)
    exceed = valid & (pl.col("parts_total") > pl.col("total") * (1 + 1e-9))
    stats = stats.with_columns(
        pl.when(valid | (pl.col("denominator") == "no_world_total"))
        .then(pl.col("denominator"))
        .otherwise(pl.lit("no_figures"))
        .alias("denominator"),
        pl.when(valid).then(pl.col("total")).alias("total"),
        pl.when(use_world & (pl.col("world_flag") == ">"))
        .then(pl.lit(LOWER_BOUND))
        .alias("total_qualifier"),
        pl.concat_str(
            [
                pl.when(exceed).then(pl.lit(NOTE_PARTS_EXCEED)),
                pl.when(world.is_not_null() & ~use_world & has_parts).then(
                    pl.lit(NOTE_PART_ABOVE_TOTAL)
                ),
                pl.when(no_world).then(pl.lit(NOTE_NO_WORLD_TOTAL)),
                pl.when(listed & world.is_null() & ~no_world & has_parts).then(
                    pl.lit(NOTE_SUM_IS_WORLD)
                ),
                pl.when(use_world & (pl.col("world_flag") == ">")).then(pl.lit(NOTE_LOWER_BOUND)),
            ],
            separator=" ",
            ignore_nulls=True,
        ).alias("share_note"),
    )
    t = pl.col("total")
    # HHI divides by the larger of total and parts, so it stays within 0-10,000 where the
    # listed parts exceed a rounded total.
    t_hhi = pl.when(t.is_not_null()).then(pl.max_horizontal(t, pl.col("parts_total")))
    unattributed = pl.col("_aggregate_parts") + (t - pl.col("parts_total")).clip(lower_bound=0)
    out = stats.with_columns(
        pl.when(pl.col("share_note") == "")
        .then(None)
        .otherwise(pl.col("share_note"))
        .alias("share_note"),
        (pl.col("_sq") / t_hhi**2 * 10_000).alias("hhi"),
        (pl.col("_top1") / t).alias("top1_share"),
        # The three largest can add up to more than a rounded total: capped, and noted.
        (pl.col("_top3") / t).clip(upper_bound=1.0).alias("top3_share"),
        (pl.col("_china") / t).alias("china_share"),
        (pl.col("_alliance") / t).alias("alliance_share"),
        ((pl.col("_rest_econ") + unattributed) / t).alias("rest_share"),
        (unattributed / t).alias("unattributed_share"),
        ((pl.col("_alliance") ** 2 + pl.col("_sq_outside_alliance")) / t_hhi**2 * 10_000).alias(
            "alliance_pooled_hhi"
        ),
        pl.when(t.is_not_null()).then(pl.col("parts_total")).alias("parts_total"),
    )
    return out.drop(
        [
            c
            for c in out.columns
            if c.startswith("_") or c in ("world_total", "world_label", "world_flag")
        ]
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
        *key, pl.col("value").alias("world_total"), pl.col("flag").alias("world_flag")
    )
    usa = rows.filter(pl.col("country_code") == "USA").select(*key, pl.col("value").alias("_usa"))
    excl_usa = (
        rows.filter(pl.col("country_code") == "WORLD_EXCL_USA")
        .select(*key, pl.col("value").alias("_excl"))
        .join(usa, on=key, how="left")
        # A withheld US figure stays outside the total, like any withheld figure.
        .select(
            *key,
            (pl.col("_excl") + pl.col("_usa").fill_null(0.0)).alias("world_total"),
            pl.lit(None, pl.Utf8).alias("world_flag"),
        )
        .join(world.select(key), on=key, how="anti")
    )
    world_totals = pl.concat(
        [
            world.with_columns(pl.lit("world_total").alias("world_label")),
            excl_usa.with_columns(pl.lit("world_total_excl_usa_plus_usa").alias("world_label")),
        ]
    )
    # USGS tables list the main producers only (other sources list every producer).
    listed_only = rows.filter(pl.col("source").str.starts_with("USGS")).select(key)
    stats = _with_source_meta(
        share_statistics(
            parts,
            key,
            china=china,
            alliance=alliance,
            world_totals=world_totals,
            listed_only=listed_only,
        ),
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
    # Economies reporting on different tonnage bases cannot be shares of one total.
    mixed = (
        rows.filter(pl.col("country_kind") == "economy")
        .group_by(key)
        .agg((pl.col("unit_basis").n_unique() > 1).alias("_mixed"))
    )
    stats = stats.join(mixed, on=key, how="left").with_columns(pl.col("_mixed").fill_null(False))
    share_cols = [c for c in OUTPUT_COLUMNS if c.endswith("_share")]
    stats = stats.with_columns(
        *(pl.when(pl.col("_mixed")).then(None).otherwise(pl.col(c)).alias(c) for c in share_cols),
        pl.when(pl.col("_mixed"))
        .then(pl.lit(NOTE_MIXED_BASES))
        .otherwise(pl.col("share_note"))
        .alias("share_note"),
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

    A bound such as ">85,000,000" enters as the bound (the clean layer's convention); a world
    total published as a lower bound is kept as the denominator with ``total_qualifier`` "more
    than" (shares of it are upper bounds)."""
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
        *key,
        pl.col("value").alias("world_total"),
        pl.lit("world_total").alias("world_label"),
        pl.col("flag").alias("world_flag"),
    )
    stats = share_statistics(
        parts,
        key,
        china=china,
        alliance=alliance,
        world_totals=world_totals,
        listed_only=rows.select(key),
    )
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
