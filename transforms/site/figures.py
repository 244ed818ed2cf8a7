"""The figures the site's pages state, computed from the clean tables (pure polars).

These are presentation summaries — who produces how much of the world's output, who supplies the
allies' imports, what prices did — not analysis marts: the marts (concentration, dependence,
supply risk, scenarios) add their own sections through ``transforms.site.marts``.

Conventions, stated on the methodology page:
- a share of production or reserves is the economy's figure over the concentration mart's
  denominator (the publisher's world total as printed; see transforms/marts/concentration.py),
  and the summaries are the mart's own shares; economies whose figure is withheld (W) count as
  zero, and the page says so;
- imports are CEPII BACI flows (USD) of the mineral's HS codes; importers and their imports
  (a bloc's leave out trade between its own members) come from ``transforms.blocs``, as the
  dependence mart's do, so the site's import figures are the mart's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from transforms import blocs
from transforms.marts.dependence import MIN_IMPORTS_USD as MIN_IMPORTS_USD  # pages quote it
from transforms.site.palette import ALLIANCE, CHINA, GROUPS, REST
from transforms.site.text import fmt_pct
from transforms.stable import exact_sum

# Bloc importers on the site, besides the single economies (transforms.blocs defines them).
EU_BLOC = blocs.BLOC_EU27
ALLIANCE_BLOC = blocs.BLOC_ALLIANCE
# Trade under MIN_IMPORTS_USD says nothing about dependence (the dependence mart's rule).
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
#
# Shares of world production and reserves are computed in one place, the concentration mart
# (transforms/marts/concentration.py): its denominator (the publisher's own world total, as
# printed) divides every economy's figure here, and its China, alliance and top-producer shares
# are the pages' summaries, so a page never disagrees with the mart's table.

_KEY = ["mineral", "stage", "year"]


def _mart_totals(concentration: pl.DataFrame, measure: str) -> pl.DataFrame:
    return concentration.filter(pl.col("measure") == measure).select(
        *_KEY,
        pl.col("total").alias("world_t"),
        "parts_total",
        pl.col("denominator").alias("world_source"),
        "total_qualifier",
    )


def share_text(share: float | None, listed_share: float | None) -> str:
    """A share of the published world total for display. Where it would read "100.0%" while
    other producers are listed (the publisher's rounded total is below the listed parts), the
    range from its share of the listed parts to 100% is shown instead, never "100.0%"."""
    text = fmt_pct(share)
    if text == "100.0%" and listed_share is not None and listed_share < 0.9995:
        return f"{fmt_pct(listed_share)}–100%"
    return text


def summary_share(row: dict, column: str) -> str:
    """A share of a concentration row (``total`` and ``parts_total``, or a page summary's
    ``whole``) for display, by :func:`share_text`."""
    share = row[column]
    if "whole" in row:
        whole = row["whole"]
    else:
        whole = row["parts_total"] / row["total"] if row.get("total") else None
    listed = share / whole if share is not None and whole else None
    return share_text(share, listed)


def _with_share_text(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        pl.struct("share", "listed_share")
        .map_elements(lambda r: share_text(r["share"], r["listed_share"]), return_dtype=pl.Utf8)
        .alias("share_text")
    )


def _economy_shares(amount: str) -> list[pl.Expr]:
    """An economy's share of the mart's total and of the listed parts; none where the figure
    is not published (NA, W) or the mart has no world share."""
    known = (pl.col("world_t") > 0) & pl.col(amount).is_not_null()
    return [
        pl.when(known).then(pl.col(amount) / pl.col("world_t")).alias("share"),
        pl.when(known).then(pl.col(amount) / pl.col("parts_total")).alias("listed_share"),
    ]


def production_shares(
    production: pl.DataFrame,
    concentration: pl.DataFrame,
    alliance: Iterable[str],
    china: Iterable[str],
) -> pl.DataFrame:
    """Every economy's production with its share of the world, per mineral, stage and year.

    The share divides by the concentration mart's denominator (``world_t``: the published world
    total, ``world_source`` the mart's ``denominator``); null where the mart has no shares.
    Columns: mineral, stage, year, country_code, group, production_t, value_text, value_flag,
    is_estimate, unit_basis, share, listed_share (of the listed parts), share_text (for
    display), world_t, parts_total, world_source, source_file, source, edition, chosen_because.
    """
    alliance, china = list(alliance), list(china)
    out = (
        production.filter(pl.col("country_kind") == "economy")
        .join(_mart_totals(concentration, "production"), on=_KEY, how="left")
        .with_columns(group_expr(pl.col("country_code"), alliance, china).alias("group"))
        .with_columns(_economy_shares("production_t"))
    )
    return (
        _with_share_text(out)
        .select(
            *_KEY,
            "country_code",
            "group",
            "production_t",
            "value_text",
            "value_flag",
            "is_estimate",
            "unit_basis",
            "share",
            "listed_share",
            "share_text",
            "world_t",
            "parts_total",
            "world_source",
            "source_file",
            "source",
            "edition",
            "chosen_because",
        )
        .sort([*_KEY, "production_t"], descending=[False, False, False, True], nulls_last=True)
    )


def _summary_columns() -> list[pl.Expr]:
    """The mart's figures under the names the pages read."""
    return [
        pl.col("total").alias("world_t"),
        pl.col("denominator").alias("world_source"),
        "total_qualifier",
        "parts_total",
        "share_note",
        "china_share",
        "alliance_share",
        "rest_share",
        pl.col("top1_code").alias("top_code"),
        pl.col("top1_share").alias("top_share"),
        (pl.col("parts_total") / pl.col("total")).alias("whole"),
    ]


def stage_summary(concentration: pl.DataFrame, shares: pl.DataFrame) -> pl.DataFrame:
    """Per mineral and stage, the latest year with figures: the concentration mart's China,
    alliance, rest-of-world and top-producer shares, with the production rows' source.

    Columns: mineral, stage, year, world_t, world_source (the mart's denominator),
    total_qualifier, parts_total, share_note, china_share, alliance_share, rest_share, top_code,
    top_share, whole (parts over total), unit_basis, withheld (codes published as W,
    comma-joined), mixed_basis, source, edition, chosen_because.
    """
    rows = concentration.filter((pl.col("measure") == "production") & (pl.col("economies") > 0))
    latest = rows.filter(pl.col("year") == pl.col("year").max().over("mineral", "stage"))
    meta = shares.group_by(_KEY).agg(
        pl.col("unit_basis").mode().first(),
        pl.col("country_code")
        .filter(pl.col("value_flag") == "W")
        .sort()
        .str.join(", ")
        .alias("withheld"),
        pl.col("source").first(),
        pl.col("edition").max(),
        pl.col("chosen_because").first(),
    )
    return (
        latest.select(*_KEY, *_summary_columns(), pl.col("unit_basis").alias("_bases"))
        .join(meta, on=_KEY, how="left")
        .with_columns(pl.col("_bases").fill_null("").str.contains(",").alias("mixed_basis"))
        .drop("_bases")
        .sort("mineral", "stage")
    )


def reserve_shares(
    reserves: pl.DataFrame,
    concentration: pl.DataFrame,
    alliance: Iterable[str],
    china: Iterable[str],
) -> pl.DataFrame:
    """Reserves by economy with the share of the concentration mart's reserves denominator.

    Columns: mineral, country_code, group, reserves_t, value_text, value_flag, unit_basis,
    share, listed_share, share_text, world_t, edition, source_file.
    """
    alliance, china = list(alliance), list(china)
    totals = _mart_totals(concentration, "reserves").with_columns(
        (pl.col("year") + 1).cast(pl.Int16).alias("edition")
    )
    out = (
        reserves.filter(pl.col("country_kind") == "economy")
        .join(totals.drop("stage", "year"), on=["mineral", "edition"], how="left")
        .with_columns(group_expr(pl.col("country_code"), alliance, china).alias("group"))
        .with_columns(_economy_shares("reserves_t"))
    )
    return (
        _with_share_text(out)
        .select(
            "mineral",
            "country_code",
            "group",
            "reserves_t",
            "value_text",
            "value_flag",
            "unit_basis",
            "share",
            "listed_share",
            "share_text",
            "world_t",
            "edition",
            "source_file",
        )
        .sort(["mineral", "reserves_t"], descending=[False, True], nulls_last=True)
    )


def reserve_summary(concentration: pl.DataFrame) -> pl.DataFrame:
    """Per mineral, the latest reserves row of the concentration mart: world_t, world_source,
    total_qualifier, parts_total, share_note, china_share, alliance_share, rest_share, top_code,
    top_share, whole, edition (MCS edition = year + 1)."""
    rows = concentration.filter(pl.col("measure") == "reserves")
    latest = rows.filter(pl.col("year") == pl.col("year").max().over("mineral"))
    return latest.select(
        "mineral", *_summary_columns(), (pl.col("year") + 1).cast(pl.Int16).alias("edition")
    ).sort("mineral")


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


def supplier_groups_by_year(
    importer_flows_df: pl.DataFrame,
    importer: str,
    mineral: str,
    alliance: Iterable[str],
    china: Iterable[str],
    stage: str = blocs.STAGE_ALL,
) -> pl.DataFrame:
    """One importer's imports of one mineral at ``stage`` by supplier group and year: year, group, value."""
    rows = importer_flows_df.filter(
        (pl.col("importer") == importer)
        & (pl.col("mineral") == mineral)
        & (pl.col("stage") == stage)
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
    importer_flows_df: pl.DataFrame,
    importer: str,
    mineral: str,
    year: int,
    n: int = 10,
    stage: str = blocs.STAGE_ALL,
) -> pl.DataFrame:
    """The importer's largest suppliers of the mineral at ``stage`` in ``year``: exporter_code, value_usd, quantity_t, share."""
    rows = importer_flows_df.filter(
        (pl.col("importer") == importer)
        & (pl.col("mineral") == mineral)
        & (pl.col("stage") == stage)
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
