"""Render the briefing's pages from the clean tables and the marts into a docs folder.

``build_site(data, docs_dir)`` writes every page as Markdown (Jinja templates in
``site/templates``), the site's CSS and JavaScript, the data downloads with their Frictionless
descriptor, the headline state and the changelog, and a ``.nav.json`` that the publish step
hands to MkDocs. Pure apart from writing into ``docs_dir``: no Dagster, no network.

Escaping: the Jinja environment escapes every ``{{ value }}`` for Markdown unless the value is
``Markup`` (trusted text built with ``transforms.site.text.md``/``html`` or a rendered chart or
table), so data can never inject Markdown, HTML or attributes.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from transforms.reference.uses import load_uses as load_uses
from transforms.render import escape_html, escape_markdown, frame_to_markdown
from transforms.site import changes, charts, datapackage, figures, marts, quality
from transforms.site.model import Headline, Page, PageContext, Section
from transforms.site.palette import ALLIANCE, CHINA, REST
from transforms.site.text import Markup, fmt_mass, fmt_num, fmt_pct, fmt_pp, fmt_usd, md, md_value

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = REPO_ROOT / "site" / "templates"
ASSETS_DIR = REPO_ROOT / "site" / "assets"

STAGE_LABEL = {"mine": "Mine production", "refinery": "Refinery production"}
BASIS_LABEL = {
    "contained": "metric tons of contained {element}",
    "oxide_equivalent": "metric tons, oxide equivalent",
    "gross_weight": "metric tons, gross weight of ore or product",
    "volume": "million cubic metres",
}
TREND_YEARS = 15
HEATMAP_YEARS = 10
TOP_PRODUCERS_CHART = 12
EXPOSED_MINERALS_HOME = 10
BLOC_NAMES = {
    figures.EU_BLOC: "European Union (27, as a bloc)",
    figures.ALLIANCE_BLOC: "The alliance (as a bloc)",
}
SOURCE_USGS = "USGS Mineral Commodity Summaries"
SOURCE_BACI = "CEPII BACI (HS92, V202401b)"


@dataclass
class SiteData:
    """Everything the site is built from."""

    clean: dict[str, pl.DataFrame]
    marts: dict[str, pl.DataFrame]
    minerals: list[dict[str, Any]]
    economies: pl.DataFrame
    alliance: list[str]
    china: list[str]
    eu27: list[str]
    manifests: dict[str, dict]
    build_date: date
    uses: dict[str, dict] = field(default_factory=dict)
    previous_state: dict | None = None
    changelog: list[dict] = field(default_factory=list)
    check_results: list[dict] = field(default_factory=list)
    hs_descriptions: dict[str, str] = field(default_factory=dict)
    reference_sources: dict[str, dict] = field(default_factory=dict)
    # Curated policy tables (stockpile programmes, ...) shown and downloaded beside the marts.
    reference_tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def section_tables(self) -> dict[str, pl.DataFrame]:
        return {**self.reference_tables, **self.marts}


@dataclass
class SiteResult:
    pages: list[Page]
    nav: list
    state: dict
    changelog: list[dict]
    downloads: list[dict]
    changes: list[str] = field(default_factory=list)  # what moved since the previous build


def _finalize(value: Any) -> str:
    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    return escape_markdown(str(value))


_SAFE_URL = re.compile(r"^(https?://[^\s<>\"'`()\\]+|[A-Za-z0-9_./#-]+)$")


def safe_url(value: Any) -> Markup:
    """A link target: kept when it is an http(s) URL or a relative path, else replaced by "#"
    (so ``javascript:`` or a target that would break out of ``(...)`` never becomes a link)."""
    text = "" if value is None else str(value)
    return Markup(text) if _SAFE_URL.match(text) else Markup("#")


def fmt_bytes(size: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} GB"


def environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """The Jinja environment: Markdown-escapes every value that is not Markup."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=False,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        pct=fmt_pct,
        pp=fmt_pp,
        num=fmt_num,
        usd=fmt_usd,
        mass=fmt_mass,
        md=md_value,
        url=safe_url,
        size=fmt_bytes,
        html=lambda v: Markup(escape_html("" if v is None else v)),
    )
    return env


def _table(df: pl.DataFrame, right: Iterable[str] = ()) -> Markup:
    return Markup(frame_to_markdown(df, align=dict.fromkeys(right, "right")))


class _Site:
    """Precomputed figures shared by the pages."""

    def __init__(self, data: SiteData):
        self.data = data
        self.alliance = list(data.alliance)
        self.china = list(data.china)
        self.eu27 = list(data.eu27)
        self.names: dict[str, str] = dict(
            zip(data.economies["iso3"], data.economies["name"], strict=True)
        )
        self.names.update(BLOC_NAMES)
        self.minerals = sorted(data.minerals, key=lambda m: m["name"].lower())
        self.mineral_names = {m["slug"]: m["name"] for m in data.minerals}
        clean = data.clean
        self.shares = figures.production_shares(clean["production"], self.alliance, self.china)
        self.summary = figures.stage_summary(self.shares)
        self.reserve_rows = figures.reserve_shares(clean["reserves"], self.alliance, self.china)
        self.reserve_summary = figures.reserve_summary(self.reserve_rows)
        flows = figures.trade_flows(clean["trade"])
        self.importer_flows = figures.importer_flows(flows, self.alliance, self.eu27)
        self.dependence = figures.import_dependence(self.importer_flows, self.china)
        self.trade_year = int(clean["trade"]["year"].max()) if clean["trade"].height else None
        self.prices = figures.price_series(clean["us_salient"])
        self.nir = figures.net_import_reliance(clean["us_salient"])
        self.wmd = clean.get("production_wmd")
        # Per-mineral slices, partitioned once.
        self.shares_by = self.shares.partition_by("mineral", as_dict=True)
        self.reserves_by = self.reserve_rows.partition_by("mineral", as_dict=True)
        self.prices_by = self.prices.partition_by("mineral", as_dict=True)
        self.dependence_by = self.dependence.partition_by("mineral", as_dict=True)

    def economy(self, code: str | None) -> str:
        return "n/a" if code is None else self.names.get(code, code)

    def context(self, page: str, key: str | None, path: str) -> PageContext:
        return PageContext(
            page=page,
            key=key,
            mineral_names=self.mineral_names,
            economy_names=self.names,
            alliance=self.alliance,
            china=self.china,
            eu27=self.eu27,
            path=path,
            extra={"trade_year": self.trade_year, "build_date": self.data.build_date},
        )

    def slice(self, parts: dict, slug: str) -> pl.DataFrame | None:
        return parts.get((slug,))

    def stage_row(self, slug: str, stage: str) -> dict | None:
        rows = self.summary.filter((pl.col("mineral") == slug) & (pl.col("stage") == stage))
        return rows.row(0, named=True) if rows.height else None

    def max_china_share(self, slug: str) -> tuple[float | None, str | None]:
        rows = self.summary.filter(
            (pl.col("mineral") == slug) & pl.col("china_share").is_not_null()
        )
        if not rows.height:
            return None, None
        best = rows.sort("china_share", descending=True).row(0, named=True)
        return best["china_share"], best["stage"]

    def import_row(self, importer: str, slug: str, year: int | None = None) -> dict | None:
        part = self.slice(self.dependence_by, slug)
        if part is None:
            return None
        rows = part.filter((pl.col("importer") == importer) & (pl.col("stage") == "all"))
        if year is not None:
            rows = rows.filter(pl.col("year") == year)
        if not rows.height:
            return None
        return rows.sort("year").row(-1, named=True)


# --- mineral pages -----------------------------------------------------------------------------


def _basis_text(basis: str | None, element: str) -> str:
    if basis is None:
        return "metric tons"
    if basis.startswith("content_of_"):
        return f"metric tons of contained {basis.removeprefix('content_of_')}"
    return BASIS_LABEL.get(basis, basis).format(element=element.lower())


def _production_section(site: _Site, mineral: dict, stage: str, ctx: PageContext) -> Section | None:
    slug, name = mineral["slug"], mineral["name"]
    part = site.slice(site.shares_by, slug)
    if part is None:
        return None
    rows = part.filter(pl.col("stage") == stage)
    summary = site.stage_row(slug, stage)
    if summary is None:
        return None
    year = summary["year"]
    latest = rows.filter(pl.col("year") == year)
    label = STAGE_LABEL[stage]
    section = Section(
        title=f"{label}, {year}",
        anchor=f"{stage}-production",
        source=f"{SOURCE_USGS} {summary['edition']}",
    )
    basis = _basis_text(summary["unit_basis"], name)
    if summary["china_share"] is None:
        section.paragraphs.append(
            md(
                "USGS reports {name} {stage} production on different bases from one economy to the next, so shares of a world total are not computed.",
                name=name,
                stage=stage,
            )
        )
    else:
        section.paragraphs.append(
            md(
                "In {year}, China accounted for **{china}** of world {stage} production of {name}, the alliance for **{alliance}** and the rest of the world for {rest}. The largest producer was {top} ({top_share}). World total: {world} ({basis}; {world_source}).",
                year=year,
                china=fmt_pct(summary["china_share"]),
                stage=stage,
                name=name.lower(),
                alliance=fmt_pct(summary["alliance_share"]),
                rest=fmt_pct(summary["rest_share"]),
                top=site.economy(summary["top_code"]),
                top_share=fmt_pct(summary["top_share"]),
                world=fmt_num(summary["world_t"]),
                basis=basis,
                world_source="as published"
                if summary["world_source"] == "published"
                else "sum of the economies listed",
            )
        )
    if summary["withheld"]:
        withheld = ", ".join(site.economy(c) for c in summary["withheld"].split(", "))
        section.notes.append(
            md("Withheld by the source (W), counted as zero in the shares: {w}.", w=withheld)
        )
    chart_rows = (
        latest.filter(pl.col("production_t").is_not_null() & (pl.col("production_t") > 0))
        .head(TOP_PRODUCERS_CHART)
        .with_columns(
            pl.col("country_code")
            .replace_strict(site.names, default=pl.col("country_code"))
            .alias("label"),
            pl.col("production_t").alias("value"),
        )
    )
    if chart_rows.height:
        listed = "; ".join(
            f"{r['label']} {fmt_num(r['value'])}" for r in chart_rows.head(5).iter_rows(named=True)
        )
        section.chart = charts.render(
            charts.ranked_bars(
                f"{slug}-{stage}-producers",
                chart_rows,
                title=f"{name}: {stage} production by economy, {year}",
                description=f"Horizontal bar chart of the {chart_rows.height} largest producers, coloured by China, alliance and rest of world. Largest: {listed} ({basis}).",
                source=f"{SOURCE_USGS} {summary['edition']}",
                value_title=f"Production ({basis})",
            )
        )
    table = latest.with_columns(
        pl.col("country_code")
        .replace_strict(site.names, default=pl.col("country_code"))
        .alias("Economy"),
    ).select(
        "Economy",
        pl.col("group").alias("Group"),
        pl.col("production_t").map_elements(fmt_num, return_dtype=pl.Utf8).alias("Production (t)"),
        pl.col("value_text").alias("As published (source unit)"),
        pl.col("share").map_elements(fmt_pct, return_dtype=pl.Utf8).alias("Share of world"),
        pl.when(pl.col("is_estimate")).then(pl.lit("estimate")).otherwise(pl.lit("")).alias("Note"),
    )
    section.table = _table(table, right=["Production (t)", "Share of world"])
    return section


def _wmd_section(site: _Site, mineral: dict) -> Section | None:
    """Production from World Mining Data, for minerals USGS does not cover (coking coal)."""
    if site.wmd is None:
        return None
    rows = site.wmd.filter(pl.col("mineral") == mineral["slug"])
    if not rows.height:
        return None
    year = int(rows["year"].max())
    latest = rows.filter(pl.col("year") == year).sort(
        "production_t", descending=True, nulls_last=True
    )
    total = latest["production_t"].sum()
    china = latest.filter(pl.col("country_code").is_in(site.china))["production_t"].sum()
    allies = latest.filter(pl.col("country_code").is_in(site.alliance))["production_t"].sum()
    section = Section(
        title=f"Production, {year} (World Mining Data)",
        anchor="production-wmd",
        source="World Mining Data",
    )
    section.paragraphs.append(
        md(
            "USGS does not cover {name}. World Mining Data reports world production of {world} in {year}: China **{china}**, the alliance **{alliance}**.",
            name=mineral["name"].lower(),
            world=fmt_mass(total),
            year=year,
            china=fmt_pct(china / total if total else None),
            alliance=fmt_pct(allies / total if total else None),
        )
    )
    table = (
        latest.head(15)
        .with_columns(
            pl.col("country_code")
            .replace_strict(site.names, default=pl.col("country_code"))
            .alias("Economy"),
        )
        .select(
            "Economy",
            pl.col("wmd_commodity").alias("Commodity"),
            pl.col("production_t")
            .map_elements(fmt_num, return_dtype=pl.Utf8)
            .alias("Production (t)"),
            (pl.col("production_t") / total)
            .map_elements(fmt_pct, return_dtype=pl.Utf8)
            .alias("Share of listed total"),
        )
    )
    section.table = _table(table, right=["Production (t)", "Share of listed total"])
    return section


def _reserves_section(site: _Site, mineral: dict) -> Section | None:
    slug, name = mineral["slug"], mineral["name"]
    rows = site.slice(site.reserves_by, slug)
    if rows is None or not rows.height:
        return None
    summary = site.reserve_summary.filter(pl.col("mineral") == slug).row(0, named=True)
    edition = summary["edition"]
    section = Section(title="Reserves", anchor="reserves", source=f"{SOURCE_USGS} {edition}")
    if summary["china_share"] is not None:
        section.paragraphs.append(
            md(
                "USGS puts world reserves at {world} ({basis}); China holds **{china}**, the alliance **{alliance}**.",
                world=fmt_num(summary["world_t"]),
                basis=_basis_text(rows["unit_basis"].mode().first(), name),
                china=fmt_pct(summary["china_share"]),
                alliance=fmt_pct(summary["alliance_share"]),
            )
        )
    else:
        section.paragraphs.append(
            md(
                "USGS publishes no world total of {name} reserves that shares could be taken of.",
                name=name.lower(),
            )
        )
    table = rows.with_columns(
        pl.col("country_code")
        .replace_strict(site.names, default=pl.col("country_code"))
        .alias("Economy"),
    ).select(
        "Economy",
        pl.col("group").alias("Group"),
        pl.col("reserves_t").map_elements(fmt_num, return_dtype=pl.Utf8).alias("Reserves (t)"),
        pl.col("value_text").alias("As published (source unit)"),
        pl.col("share").map_elements(fmt_pct, return_dtype=pl.Utf8).alias("Share of world"),
    )
    section.table = _table(table, right=["Reserves (t)", "Share of world"])
    section.notes.append(
        "Reserves are reported under different national codes (JORC, NI 43-101, ...) and revised irregularly."
    )
    return section


def _groups_section(site: _Site, mineral: dict) -> Section | None:
    slug, name = mineral["slug"], mineral["name"]
    bars = []
    for stage in ("mine", "refinery"):
        row = site.stage_row(slug, stage)
        if row and row["china_share"] is not None:
            label = f"{STAGE_LABEL[stage]} {row['year']}"
            bars += [
                (label, CHINA, row["china_share"]),
                (label, ALLIANCE, row["alliance_share"]),
                (label, REST, row["rest_share"]),
            ]
    reserve = site.reserve_summary.filter(pl.col("mineral") == slug)
    if reserve.height and reserve["china_share"][0] is not None:
        r = reserve.row(0, named=True)
        bars += [
            ("Reserves", CHINA, r["china_share"]),
            ("Reserves", ALLIANCE, r["alliance_share"]),
            ("Reserves", REST, r["rest_share"]),
        ]
    if not bars:
        return None
    frame = pl.DataFrame(
        bars, schema={"label": pl.Utf8, "group": pl.Utf8, "share": pl.Float64}, orient="row"
    )
    described = "; ".join(
        f"{label}: China {fmt_pct(c)}, alliance {fmt_pct(a)}, rest {fmt_pct(r)}"
        for label, (c, a, r) in {
            lbl: tuple(
                frame.filter(pl.col("label") == lbl).sort(
                    pl.col("group").replace_strict([CHINA, ALLIANCE, REST], [0, 1, 2])
                )["share"]
            )
            for lbl in dict.fromkeys(frame["label"])
        }.items()
    )
    section = Section(
        title="China, the alliance and the rest of the world", anchor="by-group", source=SOURCE_USGS
    )
    section.chart = charts.render(
        charts.group_share_bars(
            f"{slug}-groups",
            frame,
            title=f"{name}: shares of world supply by stage",
            description=f"Stacked bar chart of world shares. {described}.",
            source=SOURCE_USGS,
        )
    )
    table = frame.pivot(on="group", index="label", values="share").select(
        pl.col("label").alias("Stage"),
        *[
            pl.col(g).map_elements(fmt_pct, return_dtype=pl.Utf8).alias(g)
            for g in (CHINA, ALLIANCE, REST)
            if g in frame["group"]
        ],
    )
    section.table = _table(table, right=[CHINA, ALLIANCE, REST])
    return section


def _trade_section(site: _Site, mineral: dict, ctx: PageContext) -> Section | None:
    slug, name = mineral["slug"], mineral["name"]
    section = Section(title="Imports into the alliance", anchor="trade", source=SOURCE_BACI)
    if not (mineral["hs"]["ore"] or mineral["hs"]["refined"]):
        section.paragraphs.append(
            md(
                "Trade cannot be shown: {note}",
                note=mineral["hs"].get("note") or "the mineral has no HS code in the trade data.",
            )
        )
        return section
    latest = site.import_row(figures.ALLIANCE_BLOC, slug, site.trade_year)
    if latest is None:
        section.paragraphs.append(
            md("The trade data hold no imports of {name} into the alliance.", name=name.lower())
        )
        return section
    section.paragraphs.append(
        md(
            "In {year} the alliance imported {value} of {name} ores, concentrates and refined products from outside the alliance ({tonnes} gross weight). China supplied **{china}**; the largest supplier was {top} ({top_share}).",
            year=latest["year"],
            value=fmt_usd(latest["imports_usd"]),
            name=name.lower(),
            tonnes=fmt_mass(latest["imports_t"]),
            china=fmt_pct(latest["china_share"]),
            top=site.economy(latest["top_supplier"]),
            top_share=fmt_pct(latest["top_supplier_share"]),
        )
    )
    by_year = figures.supplier_groups_by_year(
        site.importer_flows, figures.ALLIANCE_BLOC, slug, site.alliance, site.china
    )
    by_year = by_year.filter(pl.col("year") > (site.trade_year or 0) - TREND_YEARS)
    if by_year.height:
        first, last = int(by_year["year"].min()), int(by_year["year"].max())
        section.chart = charts.render(
            charts.group_stacked_years(
                f"{slug}-alliance-imports",
                by_year,
                title=f"{name}: alliance imports from outside the alliance, {first}-{last}",
                description=f"Stacked bar chart of the value of alliance imports of {name.lower()} by supplier group, {first} to {last}, in current US dollars. In {last}, China supplied {fmt_pct(latest['china_share'])}.",
                source=SOURCE_BACI,
                value_title="Imports (current USD)",
            )
        )
    suppliers = figures.top_suppliers(
        site.importer_flows, figures.ALLIANCE_BLOC, slug, latest["year"]
    )
    section.table = _table(
        suppliers.select(
            pl.col("exporter_code")
            .replace_strict(site.names, default=pl.col("exporter_code"))
            .alias("Supplier"),
            pl.col("value_usd").map_elements(fmt_usd, return_dtype=pl.Utf8).alias("Value"),
            pl.col("quantity_t")
            .map_elements(fmt_num, return_dtype=pl.Utf8)
            .alias("Quantity (t, gross)"),
            pl.col("share").map_elements(fmt_pct, return_dtype=pl.Utf8).alias("Share"),
        ),
        right=["Value", "Quantity (t, gross)", "Share"],
    )
    section.notes.append(
        "Trade between alliance members is left out. Quantities are gross weights of the traded goods, not metal content."
    )
    return section


def _allies_section(site: _Site, mineral: dict) -> Section | None:
    slug, name = mineral["slug"], mineral["name"]
    part = site.slice(site.dependence_by, slug)
    if part is None or site.trade_year is None:
        return None
    rows = part.filter(
        (pl.col("stage") == "all")
        & (pl.col("year") == site.trade_year)
        & pl.col("china_share").is_not_null()
    )
    if not rows.height:
        return None
    rows = rows.with_columns(
        pl.col("importer").replace_strict(site.names, default=pl.col("importer")).alias("label")
    ).sort("china_share", descending=True)
    section = Section(
        title=f"Each ally's dependence on China, {site.trade_year}",
        anchor="allies",
        source=SOURCE_BACI,
    )
    top = rows.row(0, named=True)
    section.paragraphs.append(
        md(
            "China's share of each ally's imports of {name} (by value; for the EU and the alliance as blocs, imports from outside the bloc). The most dependent is {who}, at **{share}**.",
            name=name.lower(),
            who=top["label"],
            share=fmt_pct(top["china_share"]),
        )
    )
    chart_rows = rows.select(
        "label", pl.lit(CHINA).alias("group"), pl.col("china_share").alias("value")
    )
    section.chart = charts.render(
        charts.ranked_bars(
            f"{slug}-allies",
            chart_rows,
            title=f"{name}: China's share of each ally's imports, {site.trade_year}",
            description=f"Horizontal bar chart of China's share of imports for {rows.height} importers; highest {top['label']} at {fmt_pct(top['china_share'])}. Importers with less than one million US dollars of imports are left out.",
            source=SOURCE_BACI,
            value_title="China's share of imports (value)",
            value_format=".0%",
        )
    )
    section.table = _table(
        rows.select(
            pl.col("label").alias("Importer"),
            pl.col("imports_usd").map_elements(fmt_usd, return_dtype=pl.Utf8).alias("Imports"),
            pl.col("china_share")
            .map_elements(fmt_pct, return_dtype=pl.Utf8)
            .alias("China's share"),
            pl.col("top_supplier")
            .replace_strict(site.names, default=pl.col("top_supplier"))
            .alias("Top supplier"),
            pl.col("top_supplier_share")
            .map_elements(fmt_pct, return_dtype=pl.Utf8)
            .alias("Top supplier's share"),
        ),
        right=["Imports", "China's share", "Top supplier's share"],
    )
    section.notes.append(
        f"Importers with imports under {fmt_usd(figures.MIN_IMPORTS_USD)} in the year are not listed."
    )
    return section


def _prices_section(site: _Site, mineral: dict) -> Section | None:
    slug, name = mineral["slug"], mineral["name"]
    rows = site.slice(site.prices_by, slug)
    if rows is None or not rows.height:
        return None
    section = Section(
        title="Prices", anchor="prices", source=f"{SOURCE_USGS} (U.S. salient statistics)"
    )
    first, last = int(rows["year"].min()), int(rows["year"].max())
    section.paragraphs.append(
        md(
            "Annual average prices as USGS publishes them in the U.S. salient statistics, {first}-{last}, in current US dollars.",
            first=first,
            last=last,
        )
    )
    charts_html = []
    for unit, unit_label in figures.PRICE_UNITS.items():
        unit_rows = rows.filter((pl.col("unit") == unit) & pl.col("value").is_not_null())
        if not unit_rows.height:
            continue
        latest = unit_rows.filter(pl.col("year") == unit_rows["year"].max())
        listed = "; ".join(
            f"{r['series']} {fmt_num(r['value'])}" for r in latest.iter_rows(named=True)
        )
        charts_html.append(
            charts.render(
                charts.series_lines(
                    f"{slug}-prices-{unit}",
                    unit_rows.select("year", "series", "value"),
                    title=f"{name}: prices, {unit_label}",
                    description=f"Line chart of {unit_rows['series'].n_unique()} price series, {first} to {last}. Latest ({latest['year'][0]}): {listed} {unit_label}.",
                    source=f"{SOURCE_USGS}",
                    value_title=unit_label,
                )
            )
        )
    if charts_html:
        section.chart = Markup("\n\n".join(charts_html))
    latest_year = rows.group_by("series", "unit").agg(pl.all().sort_by("year").last())
    section.table = _table(
        latest_year.sort("series").select(
            pl.col("series").alias("Series"),
            pl.col("statistic").alias("Statistic as published"),
            pl.col("unit")
            .replace_strict(figures.PRICE_UNITS, default=pl.col("unit"))
            .alias("Unit"),
            pl.col("year").alias("Year"),
            pl.col("value").map_elements(fmt_num, return_dtype=pl.Utf8).alias("Price"),
            pl.col("source_file").alias("File"),
        ),
        right=["Price"],
    )
    return section


def _nir_section(site: _Site, mineral: dict) -> Section | None:
    rows = site.nir.filter(pl.col("mineral") == mineral["slug"])
    if not rows.height:
        return None
    section = Section(
        title="U.S. net import reliance",
        anchor="us-nir",
        source=f"{SOURCE_USGS} (U.S. salient statistics)",
    )
    section.paragraphs.append(
        "Net imports as a share of apparent consumption in the United States, as USGS publishes it (E = net exporter)."
    )
    section.table = _table(
        rows.select(
            pl.col("statistic").alias("Statistic"),
            pl.col("year").alias("Year"),
            pl.col("value_text").alias("Net import reliance (%)"),
            pl.col("source_file").alias("File"),
        ),
        right=["Net import reliance (%)"],
    )
    return section


def _sources_section(site: _Site, mineral: dict) -> Section:
    slug = mineral["slug"]
    files: set[str] = set()
    for parts in (site.shares_by, site.reserves_by, site.prices_by):
        part = site.slice(parts, slug)
        if part is not None:
            files |= set(part["source_file"].drop_nulls().to_list())
    section = Section(title="Sources and notes", anchor="sources")
    if files:
        section.paragraphs.append(md("USGS files: {files}.", files=", ".join(sorted(files))))
    codes = [(stage, code) for stage in ("ore", "refined") for code in mineral["hs"][stage]]
    if codes:
        described = "; ".join(
            f"{code} ({stage}{': ' + site.data.hs_descriptions[code] if code in site.data.hs_descriptions else ''})"
            for stage, code in codes
        )
        section.paragraphs.append(md("Trade: CEPII BACI, HS 1992 codes {codes}.", codes=described))
    if mineral["hs"].get("note"):
        section.notes.append(md("HS codes: {note}", note=mineral["hs"]["note"]))
    if mineral.get("note"):
        section.notes.append(md("Registry note: {note}", note=mineral["note"]))
    lists = [
        label
        for flag, label in (
            ("eu_crm_2023", "EU critical raw material (2023)"),
            ("eu_strategic_2023", "EU strategic raw material (2023)"),
            ("usgs_critical_2022", "U.S. critical mineral (2022)"),
        )
        if mineral["lists"][flag]
    ]
    if lists:
        section.paragraphs.append(md("Listed as: {lists}.", lists="; ".join(lists)))
    section.paragraphs.append(
        Markup(f"Citations and licences: [Sources and citations]({'../data/sources.md'}).")
    )
    return section


def _mineral_lead(site: _Site, mineral: dict) -> Markup:
    parts = []
    for stage in ("mine", "refinery"):
        row = site.stage_row(mineral["slug"], stage)
        if row and row["china_share"] is not None:
            parts.append(
                md(
                    "China accounted for **{china}** of world {stage} production in {year}, the alliance for {alliance}.",
                    china=fmt_pct(row["china_share"]),
                    stage=stage,
                    year=row["year"],
                    alliance=fmt_pct(row["alliance_share"]),
                )
            )
    latest = site.import_row(figures.ALLIANCE_BLOC, mineral["slug"], site.trade_year)
    if latest and latest["china_share"] is not None:
        parts.append(
            md(
                "China supplied {china} of the alliance's imports from outside the alliance in {year}.",
                china=fmt_pct(latest["china_share"]),
                year=latest["year"],
            )
        )
    return (
        Markup(" ".join(parts))
        if parts
        else md("USGS publishes no world shares for {name}.", name=mineral["name"].lower())
    )


def mineral_page(site: _Site, env: jinja2.Environment, mineral: dict) -> Page:
    slug = mineral["slug"]
    path = f"minerals/{slug}.md"
    ctx = site.context("mineral", slug, path)
    sections: list[Section] = []
    for stage in ("mine", "refinery"):
        section = _production_section(site, mineral, stage, ctx)
        if section:
            sections.append(section)
    if not sections:
        wmd = _wmd_section(site, mineral)
        if wmd:
            sections.append(wmd)
    for builder in (_reserves_section, _groups_section):
        section = builder(site, mineral)
        if section:
            sections.append(section)
    sections.append(_trade_section(site, mineral, ctx))
    allies = _allies_section(site, mineral)
    if allies:
        sections.append(allies)
    sections += marts.sections_for("mineral", ctx, site.data.section_tables)
    for builder in (_prices_section, _nir_section):
        section = builder(site, mineral)
        if section:
            sections.append(section)
    sections.append(_sources_section(site, mineral))
    use = site.data.uses.get(slug)
    markdown = env.get_template("mineral.md.j2").render(
        mineral=mineral,
        lead=_mineral_lead(site, mineral),
        use=use,
        sections=sections,
        build_date=site.data.build_date,
    )
    return Page(path, mineral["name"], markdown)


def minerals_index(site: _Site, env: jinja2.Environment) -> Page:
    rows = []
    for mineral in site.minerals:
        slug = mineral["slug"]
        mine, refinery = site.stage_row(slug, "mine"), site.stage_row(slug, "refinery")
        imports = site.import_row(figures.ALLIANCE_BLOC, slug, site.trade_year)
        best = max(
            (r for r in (mine, refinery) if r and r["top_code"]),
            key=lambda r: r["world_t"] or 0,
            default=None,
        )
        rows.append(
            {
                "Mineral": Markup(f"[{escape_markdown(mineral['name'])}]({slug}.md)"),
                "China, mine": fmt_pct(mine["china_share"]) if mine else "–",
                "China, refinery": fmt_pct(refinery["china_share"]) if refinery else "–",
                "Alliance, mine": fmt_pct(mine["alliance_share"]) if mine else "–",
                "Alliance, refinery": fmt_pct(refinery["alliance_share"]) if refinery else "–",
                "China's share of alliance imports": fmt_pct(imports["china_share"])
                if imports
                else "–",
                "Largest producer": site.economy(best["top_code"]) if best else "–",
                "EU CRM": "yes" if mineral["lists"]["eu_crm_2023"] else "no",
                "US critical": "yes" if mineral["lists"]["usgs_critical_2022"] else "no",
            }
        )
    header = list(rows[0])
    lines = [
        "| " + " | ".join(header) + " |",
        "|"
        + "|".join("---:" if h.startswith(("China", "Alliance")) else "---" for h in header)
        + "|",
    ]
    for row in rows:
        lines.append(
            "| "
            + " | ".join(
                str(v) if isinstance(v, Markup) else escape_markdown(v) for v in row.values()
            )
            + " |"
        )
    table = Markup("\n".join(lines))
    markdown = env.get_template("minerals_index.md.j2").render(
        table=table, count=len(rows), trade_year=site.trade_year
    )
    return Page("minerals/index.md", "Minerals", markdown)


# --- country pages -----------------------------------------------------------------------------


def _country_exposure(site: _Site, importer: str) -> pl.DataFrame:
    """Per mineral: latest-year imports, China's share, its change, top supplier."""
    dep = site.dependence.filter((pl.col("importer") == importer) & (pl.col("stage") == "all"))
    if site.trade_year is None or not dep.height:
        return pl.DataFrame()
    latest = dep.filter(pl.col("year") == site.trade_year)
    earlier = dep.filter(pl.col("year") == site.trade_year - 5).select(
        "mineral", pl.col("china_share").alias("china_share_before")
    )
    return (
        latest.join(earlier, on="mineral", how="left")
        .with_columns((pl.col("china_share") - pl.col("china_share_before")).alias("change"))
        .sort("china_share", descending=True, nulls_last=True)
    )


def country_page(site: _Site, env: jinja2.Environment, code: str) -> Page:
    slug = code.lower() if code != figures.EU_BLOC else "eu"
    path = f"countries/{slug}.md"
    ctx = site.context("country", code, path)
    name = site.economy(code)
    exposure = _country_exposure(site, code)
    sections: list[Section] = []
    lead = md("No imports of the registry's minerals are recorded for {name}.", name=name)
    if exposure.height:
        total = exposure["imports_usd"].sum()
        china_total = exposure["china_usd"].sum()
        over_half = exposure.filter(pl.col("china_share") >= 0.5)
        lead = md(
            "In {year}, {name} imported {total} of the ores, concentrates and refined forms of the {n} minerals it trades; **{china}** by value came from China. China supplied half or more of its imports of {k} of them{which}.",
            year=site.trade_year,
            name=name,
            total=fmt_usd(total),
            n=exposure.height,
            china=fmt_pct(china_total / total if total else None),
            k=over_half.height,
            which=(
                ": " + ", ".join(site.mineral_names.get(m, m).lower() for m in over_half["mineral"])
            )
            if over_half.height
            else "",
        )
        section = Section(
            title=f"Exposure to China across minerals, {site.trade_year}",
            anchor="exposure",
            source=SOURCE_BACI,
        )
        lines = [
            "| Mineral | Imports | China's share | Change over 5 years | Top supplier | Top supplier's share | China's share of world production |",
            "|---|---:|---:|---:|---|---:|---:|",
        ]
        for r in exposure.iter_rows(named=True):
            world_share, stage = site.max_china_share(r["mineral"])
            world = f"{fmt_pct(world_share)} ({stage})" if world_share is not None else "–"
            link = f"[{escape_markdown(site.mineral_names.get(r['mineral'], r['mineral']))}](../minerals/{r['mineral']}.md)"
            cells = [
                link,
                escape_markdown(fmt_usd(r["imports_usd"])),
                escape_markdown(fmt_pct(r["china_share"])),
                escape_markdown(fmt_pp(r["change"])),
                escape_markdown(site.economy(r["top_supplier"])),
                escape_markdown(fmt_pct(r["top_supplier_share"])),
                escape_markdown(world),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        section.table = Markup("\n".join(lines))
        section.notes.append(
            "Shares are of import value. For the EU as a bloc, imports from outside the EU only. Shares are not computed where imports are under $1 million (n/a)."
        )
        sections.append(section)
        heat = site.dependence.filter(
            (pl.col("importer") == code)
            & (pl.col("stage") == "all")
            & (pl.col("year") > site.trade_year - HEATMAP_YEARS)
            & pl.col("china_share").is_not_null()
        ).with_columns(
            pl.col("mineral")
            .replace_strict(site.mineral_names, default=pl.col("mineral"))
            .alias("y")
        )
        if heat.height:
            order = [site.mineral_names.get(m, m) for m in exposure["mineral"]]
            first = int(heat["year"].min())
            heat_section = Section(
                title="China's share of imports, year by year", anchor="heatmap", source=SOURCE_BACI
            )
            heat_section.chart = charts.render(
                charts.share_heatmap(
                    f"{slug}-heatmap",
                    heat.select(
                        pl.col("year").alias("x"), "y", pl.col("china_share").alias("share")
                    ),
                    title=f"{name}: China's share of imports by mineral, {first}-{site.trade_year}",
                    description=f"Heat map of China's share of {name}'s imports for {heat['y'].n_unique()} minerals and the years {first} to {site.trade_year}; darker is a larger share. Highest in {site.trade_year}: {order[0]} at {fmt_pct(exposure['china_share'][0])}.",
                    source=SOURCE_BACI,
                    x_title=None,
                    y_sort=order,
                )
            )
            sections.append(heat_section)
    produced = _country_production(site, code)
    if produced is not None:
        sections.append(produced)
    sections += marts.sections_for("country", ctx, site.data.section_tables)
    markdown = env.get_template("country.md.j2").render(
        name=name, code=code, lead=lead, sections=sections, build_date=site.data.build_date
    )
    return Page(path, name, markdown)


def _country_production(site: _Site, code: str) -> Section | None:
    members = site.eu27 if code == figures.EU_BLOC else [code]
    latest = site.shares.join(
        site.summary.select("mineral", "stage", "year"),
        on=["mineral", "stage", "year"],
        how="inner",
    )
    rows = (
        latest.filter(pl.col("country_code").is_in(members) & (pl.col("production_t") > 0))
        .group_by("mineral", "stage", "year")
        .agg(pl.col("production_t").sum(), pl.col("share").sum(), pl.col("unit_basis").first())
        .sort("share", descending=True, nulls_last=True)
    )
    if not rows.height:
        return None
    section = Section(title="What it produces", anchor="production", source=SOURCE_USGS)
    section.table = _table(
        rows.select(
            pl.col("mineral")
            .replace_strict(site.mineral_names, default=pl.col("mineral"))
            .alias("Mineral"),
            pl.col("stage").alias("Stage"),
            pl.col("year").alias("Year"),
            pl.col("production_t")
            .map_elements(fmt_num, return_dtype=pl.Utf8)
            .alias("Production (t)"),
            pl.col("share").map_elements(fmt_pct, return_dtype=pl.Utf8).alias("Share of world"),
        ),
        right=["Production (t)", "Share of world"],
    )
    return section


def countries_index(site: _Site, env: jinja2.Environment, codes: list[str]) -> Page:
    lines = [
        "| Economy | Imports | China's share | Minerals with China ≥ 50% | Most exposed |",
        "|---|---:|---:|---:|---|",
    ]
    for code in codes:
        exposure = _country_exposure(site, code)
        slug = "eu" if code == figures.EU_BLOC else code.lower()
        link = f"[{escape_markdown(site.economy(code))}]({slug}.md)"
        if not exposure.height:
            lines.append(f"| {link} | – | – | – | – |")
            continue
        total, china = exposure["imports_usd"].sum(), exposure["china_usd"].sum()
        top = exposure.filter(pl.col("china_share").is_not_null())
        most = (
            f"{site.mineral_names.get(top['mineral'][0], top['mineral'][0])} ({fmt_pct(top['china_share'][0])})"
            if top.height
            else "–"
        )
        n = exposure.filter(pl.col("china_share") >= 0.5).height
        lines.append(
            f"| {link} | {escape_markdown(fmt_usd(total))} | {escape_markdown(fmt_pct(china / total if total else None))} | {n} | {escape_markdown(most)} |"
        )
    heat = site.dependence.filter(
        pl.col("importer").is_in(codes)
        & (pl.col("stage") == "all")
        & (pl.col("year") == site.trade_year)
        & pl.col("china_share").is_not_null()
    ).with_columns(
        pl.col("importer").replace_strict(site.names, default=pl.col("importer")).alias("x"),
        pl.col("mineral").replace_strict(site.mineral_names, default=pl.col("mineral")).alias("y"),
    )
    chart = None
    if heat.height:
        chart = charts.render(
            charts.share_heatmap(
                "allies-heatmap",
                heat.select("x", "y", pl.col("china_share").alias("share")),
                title=f"China's share of each ally's imports, by mineral, {site.trade_year}",
                description=f"Heat map of China's share of imports for {heat['x'].n_unique()} importers and {heat['y'].n_unique()} minerals in {site.trade_year}; darker is a larger share; blank where imports are under one million US dollars.",
                source=SOURCE_BACI,
                x_title=None,
                x_sort=[site.economy(c) for c in codes],
            )
        )
    markdown = env.get_template("countries_index.md.j2").render(
        table=Markup("\n".join(lines)), chart=chart, trade_year=site.trade_year, count=len(codes)
    )
    return Page("countries/index.md", "Countries", markdown)


# --- home --------------------------------------------------------------------------------------


def headlines(site: _Site) -> list[Headline]:
    """Five to eight findings, each a fixed sentence pattern filled from the data."""
    out: list[Headline] = []
    s = site.summary.filter(pl.col("china_share").is_not_null())
    name = site.mineral_names.get
    for stage, verb in (("refinery", "refines"), ("mine", "mines")):
        rows = s.filter(pl.col("stage") == stage).sort("china_share", descending=True)
        if rows.height:
            r = rows.row(0, named=True)
            out.append(
                Headline(
                    md(
                        "China {verb} **{share}** of the world's {mineral} ({year}); the alliance {alliance}.",
                        verb=verb,
                        share=fmt_pct(r["china_share"]),
                        mineral=name(r["mineral"], r["mineral"]).lower(),
                        year=r["year"],
                        alliance=fmt_pct(r["alliance_share"]),
                    ),
                    link=f"minerals/{r['mineral']}.md",
                    key=f"top_china_{stage}",
                    value=r["china_share"],
                )
            )
    top_producer = s.filter(pl.col("top_code").is_in(site.china))
    covered = s.select("mineral").unique().height
    china_top = top_producer.select("mineral").unique().height
    out.append(
        Headline(
            md(
                "China is the largest producer, at the mine or refinery stage, of **{n} of the {m}** minerals with published world shares.",
                n=china_top,
                m=covered,
            ),
            link="minerals/index.md",
            key="china_top_producer_count",
            value=float(china_top),
        )
    )
    if site.trade_year is not None:
        bloc = site.dependence.filter(
            (pl.col("importer") == figures.ALLIANCE_BLOC)
            & (pl.col("stage") == "all")
            & (pl.col("year") == site.trade_year)
        )
        if bloc.height:
            total, china = bloc["imports_usd"].sum(), bloc["china_usd"].sum()
            out.append(
                Headline(
                    md(
                        "The alliance imported {total} of these minerals' ores and refined forms from outside the alliance in {year}; China supplied **{share}**.",
                        total=fmt_usd(total),
                        year=site.trade_year,
                        share=fmt_pct(china / total if total else None),
                    ),
                    link="countries/index.md",
                    key="alliance_imports_china_share",
                    value=china / total if total else None,
                )
            )
        allies = site.dependence.filter(
            pl.col("importer").is_in(site.alliance)
            & (pl.col("stage") == "all")
            & (pl.col("year") == site.trade_year)
            & (pl.col("imports_usd") >= 10 * figures.MIN_IMPORTS_USD)
            & pl.col("china_share").is_not_null()
        ).sort("china_share", "imports_usd", descending=True)
        if allies.height:
            r = allies.row(0, named=True)
            out.append(
                Headline(
                    md(
                        "{who} sourced **{share}** of its {mineral} imports from China in {year} ({value}).",
                        who=site.economy(r["importer"]),
                        share=fmt_pct(r["china_share"]),
                        mineral=name(r["mineral"], r["mineral"]).lower(),
                        year=r["year"],
                        value=fmt_usd(r["imports_usd"]),
                    ),
                    link=f"countries/{r['importer'].lower()}.md",
                    key="most_dependent_ally",
                    value=r["china_share"],
                )
            )
    strong = s.sort("alliance_share", descending=True)
    if strong.height:
        r = strong.row(0, named=True)
        out.append(
            Headline(
                md(
                    "Where the alliance is strongest: it produces **{share}** of the world's {stage} output of {mineral} ({year}); China {china}.",
                    share=fmt_pct(r["alliance_share"]),
                    stage=r["stage"],
                    mineral=name(r["mineral"], r["mineral"]).lower(),
                    year=r["year"],
                    china=fmt_pct(r["china_share"]),
                ),
                link=f"minerals/{r['mineral']}.md",
                key="alliance_strongest",
                value=r["alliance_share"],
            )
        )
    reserves = site.reserve_summary.filter(pl.col("china_share").is_not_null()).sort(
        "china_share", descending=True
    )
    if reserves.height:
        r = reserves.row(0, named=True)
        out.append(
            Headline(
                md(
                    "China holds **{share}** of known world reserves of {mineral} (USGS, {edition} edition).",
                    share=fmt_pct(r["china_share"]),
                    mineral=name(r["mineral"], r["mineral"]).lower(),
                    edition=r["edition"],
                ),
                link=f"minerals/{r['mineral']}.md",
                key="top_china_reserves",
                value=r["china_share"],
            )
        )
    moves = _price_moves(site)
    if moves is not None:
        out.append(moves)
    return out[:8]


def _price_moves(site: _Site) -> Headline | None:
    p = site.prices.filter(pl.col("value").is_not_null() & (pl.col("unit") == "usd_per_t"))
    if not p.height:
        return None
    last = int(p["year"].max())
    pairs = (
        p.filter(pl.col("year").is_in([last - 1, last]))
        .pivot(on="year", index=["mineral", "series"], values="value", aggregate_function="first")
        .rename({str(last - 1): "before", str(last): "after"}, strict=False)
    )
    if "before" not in pairs.columns or "after" not in pairs.columns:
        return None
    pairs = pairs.filter((pl.col("before") > 0) & pl.col("after").is_not_null()).with_columns(
        (pl.col("after") / pl.col("before") - 1).alias("change")
    )
    if not pairs.height:
        return None
    r = pairs.sort(pl.col("change").abs(), descending=True).row(0, named=True)
    return Headline(
        md(
            "The largest price move in {year}: {mineral}{series} {direction} **{change}** to {after} USD/t (USGS).",
            year=last,
            mineral=site.mineral_names.get(r["mineral"], r["mineral"]).lower(),
            series="" if r["series"] == "Price" else f" ({r['series']})",
            direction="rose" if r["change"] > 0 else "fell",
            change=fmt_pct(abs(r["change"]), 0),
            after=fmt_num(r["after"]),
        ),
        link=f"minerals/{r['mineral']}.md#prices",
        key="largest_price_move",
        value=r["change"],
    )


def exposed_minerals(site: _Site) -> pl.DataFrame:
    """Minerals ranked by China's share of world supply at their most concentrated stage."""
    rows = []
    for mineral in site.minerals:
        share, stage = site.max_china_share(mineral["slug"])
        if share is None:
            continue
        imports = site.import_row(figures.ALLIANCE_BLOC, mineral["slug"], site.trade_year)
        rows.append(
            {
                "slug": mineral["slug"],
                "name": mineral["name"],
                "stage": stage,
                "china_share": share,
                "alliance_share": site.stage_row(mineral["slug"], stage)["alliance_share"],
                "import_china_share": imports["china_share"] if imports else None,
            }
        )
    return pl.DataFrame(rows).sort("china_share", descending=True).head(EXPOSED_MINERALS_HOME)


def home_page(
    site: _Site, env: jinja2.Environment, found: list[Headline], changed: list[str]
) -> Page:
    exposed = exposed_minerals(site)
    lines = [
        "| Mineral | Stage | China | Alliance | China's share of alliance imports |",
        "|---|---|---:|---:|---:|",
    ]
    for r in exposed.iter_rows(named=True):
        lines.append(
            f"| [{escape_markdown(r['name'])}](minerals/{r['slug']}.md) | {r['stage']} | {fmt_pct(r['china_share'])} | {fmt_pct(r['alliance_share'])} | {fmt_pct(r['import_china_share'])} |"
        )
    ctx = site.context("home", None, "index.md")
    markdown = env.get_template("home.md.j2").render(
        build_date=site.data.build_date,
        headlines=found,
        exposed=Markup("\n".join(lines)),
        sections=marts.sections_for("home", ctx, site.data.section_tables),
        changed=changed,
        trade_year=site.trade_year,
        mineral_count=len(site.minerals),
        editions=sorted({int(e) for e in site.summary["edition"].unique()}),
    )
    return Page("index.md", "Home", markdown)


# --- the whole site ----------------------------------------------------------------------------


def _nav(minerals: list[dict], countries: list[tuple[str, str]]) -> list:
    return [
        {"Home": "index.md"},
        {
            "Minerals": [
                "minerals/index.md",
                *[{m["name"]: f"minerals/{m['slug']}.md"} for m in minerals],
            ]
        },
        {
            "Countries": [
                "countries/index.md",
                *[{name: f"countries/{slug}.md"} for slug, name in countries],
            ]
        },
        {"Scenarios": "scenarios.md"},
        {
            "Data": [
                "data/index.md",
                {"Sources and citations": "data/sources.md"},
                {"Data quality": "data/quality.md"},
            ]
        },
        {"Methodology": "methodology.md"},
        {"Changelog": "changelog.md"},
    ]


BENCHMARK_RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def _results_markdown(name: str) -> str | None:
    """A results table the benchmark or gauntlet script wrote, without its own title line
    (the page gives it a heading), or None before the script has run."""
    path = BENCHMARK_RESULTS / name
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    # Demote the file's own section headings below the page's.
    return "\n".join("###" + ln[2:] if ln.startswith("## ") else ln for ln in lines).strip()


def build_site(
    data: SiteData,
    docs_dir: Path,
    templates_dir: Path = TEMPLATES_DIR,
    assets_dir: Path = ASSETS_DIR,
) -> SiteResult:
    """Write every page, asset and download of the site into ``docs_dir`` (created if missing)."""
    docs_dir = Path(docs_dir)
    docs_dir.mkdir(parents=True, exist_ok=True)
    env = environment(templates_dir)
    site = _Site(data)
    pages: list[Page] = []

    for mineral in site.minerals:
        pages.append(mineral_page(site, env, mineral))
    pages.append(minerals_index(site, env))

    country_codes = sorted(site.alliance, key=site.economy)
    codes = [figures.EU_BLOC, *country_codes]
    for code in codes:
        pages.append(country_page(site, env, code))
    pages.append(countries_index(site, env, codes))

    found = headlines(site)
    state = changes.headline_state(
        data.build_date,
        {h.key: {"text": str(h.text), "value": h.value} for h in found},
        site.summary,
        site.dependence.filter(
            (pl.col("importer") == figures.ALLIANCE_BLOC) & (pl.col("stage") == "all")
        ),
        {
            **{f"clean/{k}": v.height for k, v in data.clean.items()},
            **{f"marts/{k}": v.height for k, v in data.marts.items()},
        },
        marts.event_ids(data.marts),
    )
    diff = changes.diff_states(data.previous_state, state, site.mineral_names)
    changelog = changes.update_changelog(
        data.changelog, data.build_date, diff, first_build=data.previous_state is None
    )
    pages.append(home_page(site, env, found, diff))

    scen_ctx = site.context("scenarios", None, "scenarios.md")
    pages.append(
        Page(
            "scenarios.md",
            "Scenarios",
            env.get_template("scenarios.md.j2").render(
                sections=marts.sections_for("scenarios", scen_ctx, data.section_tables),
                missing=marts.missing_scenarios(data.marts),
            ),
        )
    )

    downloads = datapackage.write_downloads(
        data.clean,
        data.marts,
        docs_dir / "data",
        data.manifests,
        data.build_date,
        reference=data.reference_tables,
    )
    pages.append(
        Page(
            "data/index.md",
            "Data",
            env.get_template("data_index.md.j2").render(
                downloads=downloads, build_date=data.build_date
            ),
        )
    )
    pages.append(
        Page(
            "data/sources.md",
            "Sources and citations",
            env.get_template("data_sources.md.j2").render(
                manifests=[data.manifests[k] for k in sorted(data.manifests)],
                references=data.reference_sources,
            ),
        )
    )
    checks = quality.checks(data.clean, data.check_results)
    pages.append(
        Page(
            "data/quality.md",
            "Data quality",
            env.get_template("data_quality.md.j2").render(
                checks=checks,
                tables=quality.tables(data.clean, site.mineral_names, site.names),
                flags=quality.flag_counts(data.clean),
                quarantine=quality.quarantine(data.clean, data.marts),
                gauntlet=_results_markdown("gauntlet.md"),
            ),
        )
    )
    meth_ctx = site.context("methodology", None, "methodology.md")
    pages.append(
        Page(
            "methodology.md",
            "Methodology",
            env.get_template("methodology.md.j2").render(
                mart_docs=marts.mart_docs(data.marts),
                sections=marts.sections_for("methodology", meth_ctx, data.section_tables),
                min_imports=fmt_usd(figures.MIN_IMPORTS_USD),
                benchmark=_results_markdown("baci_ingest.md"),
                alliance=[site.economy(c) for c in sorted(site.alliance, key=site.economy)],
            ),
        )
    )
    pages.append(
        Page(
            "changelog.md",
            "Changelog",
            env.get_template("changelog.md.j2").render(entries=changelog),
        )
    )

    for page in pages:
        target = docs_dir / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.markdown, encoding="utf-8")
    if assets_dir.exists():
        shutil.copytree(assets_dir, docs_dir / "assets", dirs_exist_ok=True)
    nav = _nav(
        site.minerals,
        [("eu" if c == figures.EU_BLOC else c.lower(), site.economy(c)) for c in codes],
    )
    (docs_dir / ".nav.json").write_text(json.dumps(nav, indent=1), encoding="utf-8")
    (docs_dir / changes.STATE_FILE).write_text(
        json.dumps(state, indent=1, sort_keys=True), encoding="utf-8"
    )
    (docs_dir / changes.CHANGELOG_FILE).write_text(
        json.dumps(changelog, indent=1), encoding="utf-8"
    )
    return SiteResult(
        pages=pages, nav=nav, state=state, changelog=changelog, downloads=downloads, changes=diff
    )
