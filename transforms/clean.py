"""Clean layer: snapshot tables typed, harmonised to the registry and ISO3, in metric tons and USD.

Each ``clean_*`` function takes snapshot frames and reference frames and returns one clean
table whose columns are described in the registry (:mod:`transforms.metadata`). Rules applied here:

* only minerals in the registry are kept, mapped from each source's own commodity names;
* country names and codes become ISO3 (or a typed aggregate code) through the harmonisation
  table; USGS's glued "e" estimate marker sets ``is_estimate``;
* quantities are converted to metric tons with the unit factor the parser read off the header;
* one best figure per key: the latest edition wins and ``editions_available`` records the rest.
"""

from __future__ import annotations

import polars as pl

from transforms import precedence, reference
from transforms.cleaning._common import source_place
from transforms.cleaning.usgs import salient_editions, world_editions
from transforms.corrections import apply_row_corrections
from transforms.ingest import baci_country_lookup, trade_flows
from transforms.metadata.sources import release_expr
from transforms.parsers.wmd import WMD_UNIT_TONNES
from transforms.stable import exact_sum

USGS_SOURCE = "USGS MCS"
WMD_SOURCE = "World Mining Data"
BACI_SOURCE = "CEPII BACI"
WGI_SOURCE = "World Bank WGI"


def _harmonise(df: pl.DataFrame, name_col: str, source: str) -> pl.DataFrame:
    return reference.harmonise_countries(df, name_col, source).rename(
        {"code": "country_code", "kind": "country_kind"}
    )


def pick_latest_edition(df: pl.DataFrame, key: list[str], table_key: list[str] | None = None) -> pl.DataFrame:
    """Keep the latest edition's rows; list every edition that had each key.

    With ``table_key`` (e.g. mineral, stage, year) the latest edition is chosen per table, not
    per row: an economy that a newer edition folds into "Other countries" must not keep its
    older figure beside the newer "Other countries", or sums would count it twice.
    """
    editions = df.group_by(key).agg(
        pl.col("edition").unique().sort().cast(pl.Utf8).str.join(",").alias("editions_available")
    )
    group = table_key or key
    latest = df.filter(pl.col("edition") == pl.col("edition").max().over(group))
    return latest.join(editions, on=key, how="left", nulls_equal=True)


# Salient-statistics unit tokens (see transforms.parsers.usgs.SALIENT_UNIT_MEANINGS) that
# convert to the clean layer's units: mass to metric tons, prices to USD per metric ton.
LB_PER_T = 2204.62262
SHORT_TONS_PER_T = 1.10231131

# Each salient price unit, once: 2023/2024 token, MCS 2026 unit text, clean unit, factor.
_PRICE_UNITS: tuple[tuple[str, str, str, float], ...] = (
    ("dt", "dollars per metric ton", "usd_per_t", 1.0),
    ("dkg", "dollars per kilogram", "usd_per_t", 1e3),
    ("dg", "dollars per gram", "usd_per_t", 1e6),
    ("dlb", "dollars per pound", "usd_per_t", LB_PER_T),
    ("ctslb", "cents per pound", "usd_per_t", LB_PER_T / 100),
    ("dst", "dollars per short ton", "usd_per_t", SHORT_TONS_PER_T),
    ("dto", "dollars per troy ounce", "usd_per_troy_oz", 1.0),
)
SALIENT_UNIT_CONVERSIONS: dict[str, tuple[str, float]] = {
    "t": ("t", 1.0),
    "kt": ("t", 1e3),
    "mmt": ("t", 1e6),
    "kg": ("t", 1e-3),
    "pct": ("pct", 1.0),
    "num": ("count", 1.0),
    **{token: (unit, factor) for token, _, unit, factor in _PRICE_UNITS},
    "dtoz": ("usd_per_troy_oz", 1.0),
    "mdol": ("usd", 1e6),
}


def unit_text_factor_t(col: str) -> pl.Expr:
    """Metric tons per published unit for MCS 2026's unit texts ("thousand metric tons, copper
    content", "kilograms", ...); null for carats and other non-mass units."""
    text = pl.col(col).str.to_lowercase().str.strip_chars()
    return (
        pl.when(text.str.starts_with("million metric tons"))
        .then(1e6)
        .when(text.str.starts_with("thousand metric tons"))
        .then(1e3)
        .when(text.str.starts_with("metric tons"))
        .then(1.0)
        .when(text.str.starts_with("kilograms"))
        .then(1e-3)
        .otherwise(None)
        .cast(pl.Float64)
    )


def _usgs_world_mapped(world: pl.DataFrame, measure: str) -> pl.DataFrame:
    """USGS 2023-2025 world rows (corrected, :func:`world_editions`) of one measure, tagged with
    mineral, stage and unit basis."""
    types = (
        reference.usgs_type_map()
        .filter(pl.col("stage") != "exclude")
        .select("usgs_code", "type_clean", "slug", "stage", "unit_basis", "product")
        .unique()
    )
    rows = world.filter(pl.col("measure") == measure).with_columns(
        # Same normalisation as reference.clean_type_text, vectorised.
        pl.col("type")
        .str.replace_all("[\u00a0\u2007\u2009\u202f\ufeff]", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .alias("type_clean")
    )
    rows = rows.join(
        types,
        left_on=["commodity_code", "type_clean"],
        right_on=["usgs_code", "type_clean"],
        how="inner",
    )
    rows = _harmonise(rows, "country", "usgs")
    return rows.with_columns(
        (pl.col("value") * pl.col("unit_factor_t")).alias("value_t"),
        (pl.col("is_estimate") | pl.col("name_marked_estimate").fill_null(False)).alias("is_estimate"),
    )


def _usgs2026_mapped(world2026: pl.DataFrame | None) -> pl.DataFrame | None:
    """MCS 2026 tidy rows tagged with mineral, stage and unit basis through the registry."""
    if world2026 is None or world2026.height == 0:
        return None
    rows_map = (
        reference.usgs2026_map_frame()
        .filter(pl.col("stage") != "exclude")
        .select(
            "commodity",
            pl.col("source_stage").alias("stage"),
            pl.col("source_product").fill_null("").alias("product"),
            "slug",
            pl.col("stage").alias("maps_to"),
            "unit_basis",
            pl.col("product").alias("registry_product"),
        )
    )
    rows = apply_row_corrections(world2026, "usgs2026_world").with_columns(pl.col("product").fill_null("")).join(
        rows_map, on=["commodity", "stage", "product"], how="inner"
    )
    rows = _harmonise(rows, "country", "usgs2026")
    return rows.with_columns(unit_text_factor_t("unit").alias("unit_factor_t"))


def production_candidates(
    world: pl.DataFrame, world2026: pl.DataFrame | None, world2025: pl.DataFrame | None = None
) -> pl.DataFrame:
    """USGS production rows of every edition, mapped and in tonnes, before the latest-edition pick."""
    old = _usgs_world_mapped(world_editions(world, world2025), "production").select(
        pl.col("slug").alias("mineral"),
        "stage",
        "country_code",
        "country_kind",
        "year",
        pl.col("value_t").alias("production_t"),
        "value_text",
        "value_flag",
        "unit_basis",
        "is_estimate",
        "edition",
        pl.col("type").alias("usgs_type"),
        *source_place(),
        "product",
        pl.col("country").alias("source_name"),
    )
    frames = [old]
    new = _usgs2026_mapped(world2026)
    if new is not None:
        frames.append(
            new.filter(pl.col("year").is_not_null() & pl.col("production").is_not_null() | pl.col("value_text").is_not_null())
            .select(
                pl.col("slug").alias("mineral"),
                pl.col("maps_to").alias("stage"),
                "country_code",
                "country_kind",
                "year",
                (pl.col("production") * pl.col("unit_factor_t")).alias("production_t"),
                pl.coalesce("value_text", pl.col("production").cast(pl.Utf8)).alias("value_text"),
                _flag_2026("value_text").alias("value_flag"),
                "unit_basis",
                (pl.col("production_is_estimate").fill_null(False) | pl.col("name_marked_estimate").fill_null(False)).alias("is_estimate"),
                pl.lit(2026, pl.Int16).alias("edition"),
                pl.col("stage_label").alias("usgs_type"),
                *source_place(),
                pl.col("registry_product").alias("product"),
                pl.col("country").alias("source_name"),
            )
        )
    rows = pl.concat(frames, how="vertical_relaxed").with_columns(
        pl.col("year").cast(pl.Int16), pl.col("edition").cast(pl.Int16), pl.col("source_line").cast(pl.Int32)
    )
    return combine_products(rows, ["mineral", "stage", "country_code", "country_kind", "year", "edition"])


def combine_products(rows: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """One row per key where a mineral's stage is published as several products.

    PGM mine output is platinum + palladium, titanium mine output ilmenite + rutile, silicon
    ferrosilicon + silicon metal: the parts are summed. Where a table also publishes the
    combined figure (registry product named ``<a>_and_<b>``, e.g. a world total of ilmenite
    and rutile), the combined row is taken instead of the parts so nothing is counted twice.
    Text and flags of the parts are kept, joined with " + ".
    """
    # Rows under different published names that map to one economy are parts too (helium: the
    # United States "extracted from natural gas" and "from Cliffside Field"). The same product
    # under the same name twice is a duplicated upstream row: those rows are passed through
    # unmerged so the table's unique-key check reports both, with file and line.
    duplicated = pl.len().over([*key, "product", "source_name"]) > 1
    dupes = rows.filter(duplicated)
    rows = rows.filter(~duplicated)
    combined = pl.col("product").fill_null("").str.contains("_and_")
    rows = rows.filter(~(combined.any().over(key)) | combined)
    multi = pl.len() > 1
    merged = (
        rows.sort([*key, "source_line"])
        .group_by(key, maintain_order=True)
        .agg(
            pl.when(pl.col("production_t").is_null().all())
            .then(None)
            .otherwise(exact_sum(pl.col("production_t")))
            .alias("production_t"),
            pl.when(multi).then(pl.col("value_text").fill_null("").str.join(" + ")).otherwise(pl.col("value_text").first()).alias("value_text"),
            pl.col("value_flag").drop_nulls().first().alias("value_flag"),
            pl.col("unit_basis").first(),
            pl.col("is_estimate").any(),
            pl.col("usgs_type").unique(maintain_order=True).str.join(" + ").alias("usgs_type"),
            pl.col("source_file").first(),
            pl.col("source_line").first(),
        )
    )
    return pl.concat([merged, dupes.select(merged.columns)], how="vertical_relaxed")


def clean_production(
    world: pl.DataFrame,
    world2026: pl.DataFrame | None,
    world2025: pl.DataFrame | None = None,
    iea: pl.DataFrame | None = None,
    bgs: pl.DataFrame | None = None,
    wmd: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Production by mineral, stage, economy and year; latest MCS edition wins, and where USGS
    publishes no figure for a mineral, stage and year the declared source precedence
    (:mod:`transforms.precedence`) takes IEA (snapshot ``iea_supply``), BGS
    (``bgs_production``) or World Mining Data (``wmd_production``)."""
    combined = production_candidates(world, world2026, world2025)
    best = pick_latest_edition(
        combined, ["mineral", "stage", "country_code", "year"], table_key=["mineral", "stage", "year"]
    )
    usgs = best.with_columns(pl.lit(USGS_SOURCE).alias("source"))
    wmd_clean = None if wmd is None else clean_production_wmd(wmd)
    fallbacks = precedence.fallback_candidates(iea, bgs, wmd_clean)
    return _order("production", precedence.apply_precedence(usgs, fallbacks))


def _flag_2026(col: str) -> pl.Expr:
    """The 2026 tidy files keep raw text only where the cell is not a plain number."""
    text = pl.col(col).str.strip_chars()
    return (
        pl.when(text.is_null())
        .then(None)
        .when(text.str.starts_with(">") | text.str.starts_with("<"))
        .then(text.str.slice(0, 1))
        .when(text == "—")
        .then(pl.lit("--"))
        .otherwise(text)
    )


def clean_reserves(
    world: pl.DataFrame, world2026: pl.DataFrame | None, world2025: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Reserves by mineral and economy from the latest edition that publishes them.

    A file may carry the reserves column on several rows of one economy (one per product or
    stage); the mine-stage row without a qualifier is preferred, as the reserves figure
    belongs to the deposit, not to a refinery.
    """
    old = _usgs_world_mapped(world_editions(world, world2025), "reserves").filter(pl.col("value_text").is_not_null())
    old = old.select(
        pl.col("slug").alias("mineral"),
        "country_code",
        "country_kind",
        pl.col("value_t").alias("reserves_t"),
        "value_text",
        "value_flag",
        "unit_basis",
        "edition",
        (pl.col("stage") != "mine").alias("_not_mine"),
        pl.col("qualifier").is_not_null().alias("_qualified"),
        *source_place(),
    )
    frames = [old]
    new = _usgs2026_mapped(world2026)
    if new is not None:
        frames.append(
            new.filter(pl.col("reserves").is_not_null() | pl.col("reserves_text").is_not_null())
            .with_columns(unit_text_factor_t("reserves_unit").alias("reserves_factor_t"))
            .select(
                pl.col("slug").alias("mineral"),
                "country_code",
                "country_kind",
                (pl.col("reserves") * pl.coalesce("reserves_factor_t", "unit_factor_t")).alias("reserves_t"),
                pl.coalesce("reserves_text", pl.col("reserves").cast(pl.Utf8)).alias("value_text"),
                _flag_2026("reserves_text").alias("value_flag"),
                "unit_basis",
                pl.lit(2026, pl.Int16).alias("edition"),
                (pl.col("maps_to") != "mine").alias("_not_mine"),
                pl.lit(False).alias("_qualified"),
                *source_place(),
            )
        )
    combined = pl.concat(frames, how="vertical_relaxed").with_columns(
        pl.col("edition").cast(pl.Int16), pl.col("source_line").cast(pl.Int32)
    )
    key = ["mineral", "country_code"]
    preferred = combined.sort([*key, "edition", "_not_mine", "_qualified", "source_line"]).unique(
        subset=[*key, "edition"], keep="first", maintain_order=True
    )
    best = pick_latest_edition(preferred.drop("_not_mine", "_qualified"), key, table_key=["mineral"])
    return _order("reserves", best.with_columns(pl.lit(USGS_SOURCE).alias("source")))


def clean_production_wmd(wmd: pl.DataFrame) -> pl.DataFrame:
    """World Mining Data production for registry minerals, in metric tons, ISO3 economies."""
    mapping = reference.wmd_map_frame()
    rows = apply_row_corrections(wmd, "wmd_production").filter(~pl.col("is_total")).join(
        mapping.filter(pl.col("stage") != "exclude").select(pl.col("wmd_commodity").alias("commodity"), "slug", "stage", "unit_basis"),
        on="commodity",
        how="inner",
    )
    rows = _harmonise(rows, "country", "wmd")
    factor = pl.col("unit").replace_strict(WMD_UNIT_TONNES, default=None, return_dtype=pl.Float64)
    out = rows.select(
        pl.col("slug").alias("mineral"),
        pl.col("commodity").alias("wmd_commodity"),
        "stage",
        "country_code",
        pl.col("year").cast(pl.Int16),
        (pl.col("value") * factor).alias("production_t"),
        "unit_basis",
        pl.col("is_estimate").fill_null(False),
        pl.lit(WMD_SOURCE).alias("source"),
        *source_place(pl.Int32),
    )
    return _order("production_wmd", out)


def clean_trade(baci: pl.DataFrame, baci_countries: pl.DataFrame) -> pl.DataFrame:
    """BACI flows of the registry's HS codes, with ISO3 partners, USD values and tonnes.

    The trade ingest's step 2 (:func:`transforms.ingest.trade_flows`) on the snapshot's rows,
    with the partners of BACI's own country table; plus the provenance columns.
    """
    countries = baci_country_lookup(baci_countries["baci_code"].to_list())
    out = trade_flows(baci, countries).with_columns(
        pl.lit("gross_weight").alias("unit_basis"),
        pl.lit(BACI_SOURCE).alias("source"),
        release_expr("baci-hs92", "file").alias("edition"),
    )
    return _order("trade", out)


# MCS 2026 prints units as text; prices become USD per metric ton like the 2023/2024 tokens.
SALIENT_2026_UNITS: dict[str, tuple[str, float]] = {
    **{text: (unit, factor) for _, text, unit, factor in _PRICE_UNITS},
    "dollars per metric ton at foreign ports": ("usd_per_t", 1.0),
    "number of employees": ("count", 1.0),
}


def _salient_2026(salient2026: pl.DataFrame) -> pl.DataFrame:
    """MCS 2026 salient figures in the clean layer's columns; statistic names kept as published."""
    minerals = reference.minerals_frame().select("slug", "usgs2026_commodity")
    commodities = set(salient2026["commodity"].unique().to_list())
    # Minerals without a 2026 world table (germanium) still have salient figures under their slug.
    codes = minerals.with_columns(
        pl.coalesce(
            "usgs2026_commodity",
            pl.when(pl.col("slug").is_in(sorted(commodities))).then(pl.col("slug")),
        ).alias("commodity")
    ).drop_nulls("commodity")
    conv = pl.DataFrame(
        [{"unit_text": k, "to_unit": v[0], "factor": v[1]} for k, v in SALIENT_2026_UNITS.items()],
        schema={"unit_text": pl.Utf8, "to_unit": pl.Utf8, "factor": pl.Float64},
    )
    unit_text = pl.col("unit").str.to_lowercase().str.strip_chars()
    rows = (
        apply_row_corrections(salient2026, "usgs2026_salient")
        .join(codes.select("slug", "commodity"), on="commodity", how="inner")
        .with_columns(unit_text.alias("unit_text"), unit_text_factor_t("unit").alias("mass_factor"))
        .join(conv, on="unit_text", how="left")
    )
    unit = (
        pl.when(pl.col("mass_factor").is_not_null())
        .then(pl.lit("t"))
        .when(pl.col("unit_text").str.starts_with("percent"))
        .then(pl.lit("pct"))
        .otherwise(pl.coalesce("to_unit", "unit_text", pl.lit("unspecified")))
    )
    factor = pl.coalesce("mass_factor", "factor", pl.lit(1.0))
    return rows.select(
        pl.col("slug").alias("mineral"),
        pl.col("commodity").alias("usgs_commodity"),
        "statistic",
        unit.alias("unit"),
        pl.col("year").cast(pl.Int16),
        (pl.col("value") * factor).alias("value"),
        "value_text",
        _flag_2026("value_text").alias("value_flag"),
        pl.col("is_estimate").fill_null(False),
        pl.lit(2026, pl.Int16).alias("edition"),
        *source_place(pl.Int32),
    )


def clean_us_salient(
    salient: pl.DataFrame, salient2026: pl.DataFrame | None = None, salient2025: pl.DataFrame | None = None
) -> pl.DataFrame:
    """U.S. salient statistics of registry minerals, latest edition per statistic and year.

    MCS 2026 figures carry their own statistic names (and the 2026 commodity slug in
    ``usgs_commodity``), so they sit beside the 2023/2024 series rather than replacing them.
    """
    codes = (
        reference.usgs_type_map()
        .filter(pl.col("stage") != "exclude")
        .select("usgs_code", "slug")
        .unique()
    )
    conv = pl.DataFrame(
        [{"unit": k, "to_unit": v[0], "factor": v[1]} for k, v in SALIENT_UNIT_CONVERSIONS.items()],
        schema={"unit": pl.Utf8, "to_unit": pl.Utf8, "factor": pl.Float64},
    )
    rows = (
        salient_editions(salient, salient2025)
        .join(codes, left_on="commodity_code", right_on="usgs_code", how="inner")
        .join(conv, on="unit", how="left")
        .select(
            pl.col("slug").alias("mineral"),
            pl.col("commodity_code").alias("usgs_commodity"),
            "statistic",
            # A header without a unit token (mcs2024-tin Consump) stays "unspecified".
            pl.coalesce("to_unit", "unit", pl.lit("unspecified")).alias("unit"),
            pl.col("year").cast(pl.Int16),
            (pl.col("value") * pl.col("factor").fill_null(1.0)).alias("value"),
            "value_text",
            "value_flag",
            pl.col("is_estimate").fill_null(False),
            pl.col("edition").cast(pl.Int16),
            *source_place(pl.Int32),
            "column_number",
        )
    )
    # A few files print the same statistic twice (mica USprod_Flake_t, nickel prices in $/t and
    # $/lb): the second column of a name becomes "<statistic> [2]" so both figures are kept.
    occurrence = pl.col("column_number").rank("dense").over(
        "edition", "mineral", "usgs_commodity", "statistic", "unit", "year"
    )
    rows = rows.with_columns(
        pl.when(occurrence > 1)
        .then(pl.format("{} [{}]", pl.col("statistic"), occurrence.cast(pl.Int32)))
        .otherwise(pl.col("statistic"))
        .alias("statistic")
    ).drop("column_number")
    if salient2026 is not None and salient2026.height:
        rows = pl.concat([rows, _salient_2026(salient2026)], how="vertical_relaxed")
    best = pick_latest_edition(rows, ["mineral", "usgs_commodity", "statistic", "unit", "year"]).drop("editions_available")
    return _order("us_salient", best.with_columns(pl.lit(USGS_SOURCE).alias("source")))


def clean_governance(wgi: pl.DataFrame) -> pl.DataFrame:
    """WGI political stability per ISO3 economy and year."""
    wgi = apply_row_corrections(wgi, "wgi_political_stability").drop("country_code", strict=False)
    rows = _harmonise(wgi, "wb_code", "wgi").filter(pl.col("country_kind") == "economy")
    out = rows.select(
        "country_code",
        pl.col("year").cast(pl.Int16),
        pl.col("estimate").alias("political_stability"),
        pl.col("stderr").alias("political_stability_se"),
        pl.col("normalized").alias("political_stability_score"),
        pl.lit(WGI_SOURCE).alias("source"),
    )
    return _order("governance", out)


def _order(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Columns in the order of the table metadata, rows sorted by the primary key."""
    from transforms.metadata import TABLES

    meta = TABLES[table]
    return df.select(list(meta.columns)).sort(list(meta.primary_key), nulls_last=True)
