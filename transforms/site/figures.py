"""The figures the site's pages state, computed from the clean tables (pure polars).

These are presentation summaries — who produces how much of the world's output, who supplies the
allies' imports, what prices did — not analysis marts: the marts (concentration, dependence,
supply risk, scenarios) add their own sections through ``transforms.site.marts``.

Conventions, stated on the methodology page:
- a share of production is the economy's figure over the **published world total** of the same
  mineral, stage and year, or over the sum of economies and "other countries" where USGS
  publishes no total; economies whose figure is withheld (W) count as zero, and the page says so;
- a mineral-stage-year whose economies report on different tonnage bases gets no shares;
- imports are CEPII BACI flows (USD) of the mineral's HS codes; importers and their imports
  (a bloc's leave out trade between its own members) come from ``transforms.blocs``, as the
  dependence mart's do, so the site's import figures are the mart's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from transforms import blocs
from transforms.site.palette import ALLIANCE, CHINA, GROUPS, REST
from transforms.stable import exact_sum

WORLD = "WORLD"
OTHER = "OTHER"
# Bloc importers on the site, besides the single economies (transforms.blocs defines them).
EU_BLOC = blocs.BLOC_EU27
ALLIANCE_BLOC = blocs.BLOC_ALLIANCE
# Trade this small says nothing about dependence (a sample shipment is not a supply chain).
MIN_IMPORTS_USD = 1_000_000.0
PRICE_UNITS = {"usd_per_t": "USD per metric ton", "usd_per_troy_oz": "USD per troy ounce"}
# An upstream artefact in the MCS 2024 chromium salient file's column names ("CASE STATEMENT
# ERRORMetal"): the label is cleaned for display, the statistic itself is kept as published.
_LABEL_ARTEFACT = "CASE STATEMENT ERROR"


def group_expr(code: pl.Expr, alliance: Iterable[str], china: Iterable[str]) -> pl.Expr:
    return (
        pl.when(code.is_in(list(china)))
        .then(pl.lit(CHINA))
        .when(code.is_in(list(alliance)))
        .then(pl.lit(ALLIANCE))
        .otherwise(pl.lit(REST))
    )


# --- production and reserves -------------------------------------------------------------------


def _world_total() -> pl.Expr:
    """The world total: as published where there is one, else the sum of the economies."""
    return (
        pl.when(pl.col("world_published_t") > 0)
        .then(pl.col("world_published_t"))
        .otherwise(pl.col("sum_t"))
        .alias("world_t")
    )


def _share_of_world(amount: str) -> pl.Expr:
    """An economy's share of the world total; none where bases are mixed or there is no total."""
    return (
        pl.when(~pl.col("mixed_basis") & (pl.col("world_t") > 0))
        .then(pl.col(amount).fill_null(0) / pl.col("world_t"))
        .alias("share")
    )


def production_shares(
    production: pl.DataFrame, alliance: Iterable[str], china: Iterable[str]
) -> pl.DataFrame:
    """Every economy's production with its share of the world, per mineral, stage and year.

    Columns: mineral, stage, year, country_code, group, production_t, value_text, value_flag,
    is_estimate, unit_basis, share (null where shares are not meaningful), world_t,
    world_source ("published" | "sum of economies"), mixed_basis, source_file, source, edition,
    chosen_because (why the source precedence chose this source).
    """
    alliance, china = list(alliance), list(china)
    key = ["mineral", "stage", "year"]
    totals = (
        production.filter(pl.col("country_code") == WORLD)
        .group_by(key)
        .agg(pl.col("production_t").max().alias("world_published_t"))
    )
    parts = production.filter(
        (pl.col("country_kind") == "economy") | (pl.col("country_code") == OTHER)
    )
    sums = parts.group_by(key).agg(
        exact_sum(pl.col("production_t")).alias("sum_t"),
        (pl.col("unit_basis").filter(pl.col("country_kind") == "economy").n_unique() > 1).alias(
            "mixed_basis"
        ),
    )
    economies = production.filter(pl.col("country_kind") == "economy")
    out = (
        economies.join(sums, on=key, how="left")
        .join(totals, on=key, how="left")
        .with_columns(
            _world_total(),
            pl.when(pl.col("world_published_t") > 0)
            .then(pl.lit("published"))
            .otherwise(pl.lit("sum of economies"))
            .alias("world_source"),
            group_expr(pl.col("country_code"), alliance, china).alias("group"),
        )
        .with_columns(_share_of_world("production_t"))
    )
    return out.select(
        *key,
        "country_code",
        "group",
        "production_t",
        "value_text",
        "value_flag",
        "is_estimate",
        "unit_basis",
        "share",
        "world_t",
        "world_source",
        "mixed_basis",
        "source_file",
        "source",
        "edition",
        "chosen_because",
    ).sort([*key, "production_t"], descending=[False, False, False, True], nulls_last=True)


def stage_summary(shares: pl.DataFrame) -> pl.DataFrame:
    """Per mineral and stage, the latest year with figures: China, alliance and rest-of-world shares.

    Columns: mineral, stage, year, world_t, world_source, unit_basis, china_share, alliance_share,
    rest_share, top_code, top_share, withheld (names of economies published as W, comma-joined),
    mixed_basis, source, edition, chosen_because (one source per mineral, stage and year: the
    clean layer's source precedence).
    """
    with_numbers = shares.filter(pl.col("production_t").is_not_null())
    latest = with_numbers.group_by("mineral", "stage").agg(pl.col("year").max())
    rows = shares.join(latest, on=["mineral", "stage", "year"], how="inner")
    agg = rows.group_by("mineral", "stage", "year").agg(
        pl.col("world_t").first(),
        pl.col("world_source").first(),
        pl.col("unit_basis").mode().first(),
        pl.col("share").filter(pl.col("group") == CHINA).sum().alias("china_share"),
        pl.col("share").filter(pl.col("group") == ALLIANCE).sum().alias("alliance_share"),
        pl.col("country_code")
        .sort_by(pl.col("production_t").fill_null(-1), descending=True)
        .first()
        .alias("top_code"),
        pl.col("share").max().alias("top_share"),
        pl.col("country_code")
        .filter(pl.col("value_flag") == "W")
        .sort()
        .str.join(", ")
        .alias("withheld"),
        pl.col("mixed_basis").first(),
        pl.col("source").first(),
        pl.col("edition").max(),
        pl.col("chosen_because").first(),
    )
    return (
        agg.with_columns(
            pl.when(pl.col("mixed_basis")).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("china_share", "alliance_share", "top_share")
        )
        .with_columns(
            (1 - pl.col("china_share") - pl.col("alliance_share"))
            .clip(lower_bound=0)
            .alias("rest_share")
        )
        .select(
            "mineral",
            "stage",
            "year",
            "world_t",
            "world_source",
            "unit_basis",
            "china_share",
            "alliance_share",
            "rest_share",
            "top_code",
            "top_share",
            "withheld",
            "mixed_basis",
            "source",
            "edition",
            "chosen_because",
        )
        .sort("mineral", "stage")
    )


def reserve_shares(
    reserves: pl.DataFrame, alliance: Iterable[str], china: Iterable[str]
) -> pl.DataFrame:
    """Reserves by economy with the share of the published world total (sum where none).

    Columns: mineral, country_code, group, reserves_t, value_text, value_flag, unit_basis,
    share, world_t, edition, source_file.
    """
    alliance, china = list(alliance), list(china)
    totals = (
        reserves.filter(pl.col("country_code") == WORLD)
        .group_by("mineral")
        .agg(pl.col("reserves_t").max().alias("world_published_t"))
    )
    sums = (
        reserves.filter((pl.col("country_kind") == "economy") | (pl.col("country_code") == OTHER))
        .group_by("mineral")
        .agg(
            exact_sum(pl.col("reserves_t")).alias("sum_t"),
            (pl.col("unit_basis").filter(pl.col("country_kind") == "economy").n_unique() > 1).alias(
                "mixed_basis"
            ),
        )
    )
    return (
        reserves.filter(pl.col("country_kind") == "economy")
        .join(sums, on="mineral", how="left")
        .join(totals, on="mineral", how="left")
        .with_columns(
            _world_total(),
            group_expr(pl.col("country_code"), alliance, china).alias("group"),
        )
        .with_columns(_share_of_world("reserves_t"))
        .select(
            "mineral",
            "country_code",
            "group",
            "reserves_t",
            "value_text",
            "value_flag",
            "unit_basis",
            "share",
            "world_t",
            "edition",
            "source_file",
        )
        .sort(["mineral", "reserves_t"], descending=[False, True], nulls_last=True)
    )


def reserve_summary(reserve_rows: pl.DataFrame) -> pl.DataFrame:
    """Per mineral: China, alliance and rest-of-world shares of world reserves."""
    return (
        reserve_rows.group_by("mineral")
        .agg(
            pl.col("world_t").first(),
            pl.col("share").filter(pl.col("group") == CHINA).sum().alias("china_share"),
            pl.col("share").filter(pl.col("group") == ALLIANCE).sum().alias("alliance_share"),
            pl.col("share").is_null().all().alias("no_shares"),
            pl.col("edition").max(),
        )
        .with_columns(
            pl.when(pl.col("no_shares")).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("china_share", "alliance_share")
        )
        .with_columns(
            (1 - pl.col("china_share") - pl.col("alliance_share"))
            .clip(lower_bound=0)
            .alias("rest_share")
        )
        .drop("no_shares")
        .sort("mineral")
    )


# --- trade -------------------------------------------------------------------------------------


def trade_flows(trade: pl.DataFrame) -> pl.DataFrame:
    """The trade columns the import figures use: year, exporter_code, importer_code, mineral,
    stage, value_usd, quantity_t, source, edition (HS codes kept, so figures match the marts)."""
    keep = ["year", "exporter_code", "importer_code", "hs6", "mineral", "stage", "value_usd"]
    keep += ["quantity_t", "source", "edition"]
    return trade.select([c for c in keep if c in trade.columns])


def importer_flows(
    flows: pl.DataFrame, alliance: Iterable[str], eu27: Iterable[str]
) -> pl.DataFrame:
    """Imports of each alliance economy, the EU as a bloc and the alliance as a bloc, by supplier.

    The importers and their imports from outside themselves are those of ``transforms.blocs``
    (the marts' importers). ``stage`` has "all" besides mine and refinery. Columns: importer,
    year, exporter_code, mineral, stage, value_usd, quantity_t (null where no flow carries one),
    value_with_qty_usd.
    """
    entities = blocs.importer_entities(list(alliance), list(eu27))
    imports = blocs.outside(blocs.entity_flows(flows, entities), "import")
    return blocs.by_partner(imports, all_stages=True).rename({"partner": "exporter_code"})


def import_dependence(importer_flows_df: pl.DataFrame, china: Iterable[str]) -> pl.DataFrame:
    """China's share of each importer's imports, with the top supplier, per mineral, stage and year.

    The figures of ``transforms.blocs.import_summary``, the dependence mart's own (ties for the
    top supplier broken by code). Columns: importer, mineral, stage, year, imports_usd,
    imports_t, china_usd, china_share, top_supplier, top_supplier_share. The site's display rule:
    ``china_share`` is left blank where imports are below MIN_IMPORTS_USD (a sample shipment
    says nothing about dependence; the pages say so).
    """
    key = ["importer", "mineral", "stage", "year"]
    summary = blocs.import_summary(
        importer_flows_df.rename({"exporter_code": "partner"}), list(china)
    )
    return (
        summary.with_columns(
            pl.when(pl.col("imports_usd") >= MIN_IMPORTS_USD)
            .then(pl.col("china_share"))
            .alias("china_share")
        )
        .select(
            *key,
            "imports_usd",
            "imports_t",
            "china_usd",
            "china_share",
            "top_supplier",
            "top_supplier_share",
        )
        .sort(key)
    )


def supplier_groups_by_year(
    importer_flows_df: pl.DataFrame,
    importer: str,
    mineral: str,
    alliance: Iterable[str],
    china: Iterable[str],
) -> pl.DataFrame:
    """One importer's imports of one mineral (all stages) by supplier group and year: year, group, value."""
    rows = importer_flows_df.filter(
        (pl.col("importer") == importer)
        & (pl.col("mineral") == mineral)
        & (pl.col("stage") == "all")
    )
    grouped = (
        rows.with_columns(group_expr(pl.col("exporter_code"), alliance, china).alias("group"))
        .group_by("year", "group")
        .agg(exact_sum(pl.col("value_usd")).alias("value"))
    )
    return grouped.sort(
        "year", pl.col("group").replace_strict(list(GROUPS), list(range(len(GROUPS))), default=9)
    )


def top_suppliers(
    importer_flows_df: pl.DataFrame, importer: str, mineral: str, year: int, n: int = 10
) -> pl.DataFrame:
    """The importer's largest suppliers of the mineral (all stages) in ``year``: exporter_code, value_usd, quantity_t, share."""
    rows = importer_flows_df.filter(
        (pl.col("importer") == importer)
        & (pl.col("mineral") == mineral)
        & (pl.col("stage") == "all")
        & (pl.col("year") == year)
    )
    total = rows["value_usd"].sum()
    return (
        rows.select("exporter_code", "value_usd", "quantity_t")
        .with_columns(
            (pl.col("value_usd") / total if total else pl.lit(None, pl.Float64)).alias("share")
        )
        .sort(["value_usd", "exporter_code"], descending=[True, False])  # ties: by code
        .head(n)
    )


# --- prices and U.S. statistics ----------------------------------------------------------------


_UNIT_PHRASE = re.compile(
    r"^(?:dollars|cents) per (?:pound|kilogram|metric ton|troy ounce)(?: at)?$", re.I
)
_FILLER = {
    "average",
    "annual average",
    "average annual",
    "annual average-real",
    "foreign ports",
    "",
}


def price_label(statistic: str) -> str:
    """A short display label for a USGS price statistic, in either naming scheme.

    MCS 2023/2024 name them "Price_Metal"; MCS 2026 "Price, average, dollars per pound | London
    Metal Exchange (LME), cash". Units and filler words go (the unit is in its own column).
    """
    text = statistic
    if text.startswith(_LABEL_ARTEFACT):
        text = "Price_" + text.removeprefix(_LABEL_ARTEFACT)
    if "|" not in text and "," not in text:
        label = text.removeprefix("Price_").removeprefix("Price").replace("_", " ").strip()
        return label or "Price"
    parts = [p.strip() for segment in text.split("|") for p in segment.split(",")]
    if parts and parts[0].lower() == "price":
        parts = parts[1:]
    kept = [p for p in parts if not _UNIT_PHRASE.match(p) and p.lower() not in _FILLER]
    return ", ".join(kept) or "Price"


def price_series(us_salient: pl.DataFrame) -> pl.DataFrame:
    """USGS price series (USD per t or per troy ounce) with display labels, for the price charts.

    Editions name their series differently (MCS 2026 renamed them all), so a mineral's series
    are taken from its latest edition only: each series keeps every year published under its
    name (the 2024 edition's series keep 2018 from the 2023 edition). Columns: mineral, series,
    statistic, unit, year, value, value_text, value_flag, is_estimate, edition, source_file.
    """
    prices = us_salient.filter(
        pl.col("unit").is_in(list(PRICE_UNITS))
        & (
            pl.col("statistic").str.to_lowercase().str.contains("price")
            | pl.col("statistic").str.starts_with(_LABEL_ARTEFACT)
        )
        & pl.col("value").is_not_null()
    ).with_columns(
        pl.col("statistic").map_elements(price_label, return_dtype=pl.Utf8).alias("series")
    )
    prices = prices.with_columns(
        pl.col("edition").max().over("mineral", "statistic").alias("series_edition")
    ).filter(pl.col("series_edition") == pl.col("series_edition").max().over("mineral"))
    # Two statistic names can still clean to one label (the chromium artefact): latest edition wins.
    return (
        prices.sort("edition", descending=True)
        .unique(["mineral", "series", "unit", "year"], keep="first", maintain_order=True)
        .select(
            "mineral",
            "series",
            "statistic",
            "unit",
            "year",
            "value",
            "value_text",
            "value_flag",
            "is_estimate",
            "edition",
            "source_file",
        )
        .sort("mineral", "series", "year")
    )


def net_import_reliance(us_salient: pl.DataFrame) -> pl.DataFrame:
    """U.S. net import reliance (% of apparent consumption) as USGS publishes it, latest year per statistic.

    Columns: mineral, statistic, year, value, value_text, value_flag, is_estimate, source_file.
    """
    nir = us_salient.filter((pl.col("unit") == "pct") & pl.col("statistic").str.starts_with("NIR"))
    return (
        nir.sort("year", descending=True)
        .unique(["mineral", "statistic"], keep="first", maintain_order=True)
        .select(
            "mineral",
            "statistic",
            "year",
            "value",
            "value_text",
            "value_flag",
            "is_estimate",
            "source_file",
        )
        .sort("mineral", "statistic")
    )
