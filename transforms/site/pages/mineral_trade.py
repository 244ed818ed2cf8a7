"""Mineral pages, trade and prices: imports into the alliance, each ally's dependence on China,
USGS prices and U.S. net import reliance, and the page's sources.

Figures sections (``transforms.site.sections``) built from the clean trade and U.S. salient
statistics through ``SiteFigures``.
"""

from __future__ import annotations

import polars as pl

from transforms.site import charts, figures
from transforms.site.context import (
    SOURCE_USGS,
    TREND_YEARS,
    SiteFigures,
    mineral_slice,
)
from transforms.site.model import PageContext, Section
from transforms.site.palette import CHINA
from transforms.site.render_tables import Num, named, table
from transforms.site.sections import SECTIONS
from transforms.site.text import Markup, fmt_mass, fmt_num, fmt_pct, fmt_usd, md


@SECTIONS.figures("mineral", order=30)
def alliance_imports(site: SiteFigures, ctx: PageContext) -> Section | None:
    mineral = site.minerals_by_slug[ctx.key]
    slug, name = mineral["slug"], mineral["name"]
    section = Section(title="Imports into the alliance", anchor="trade", source=site.baci_source)
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
        section.draw(
            charts.group_stacked_years,
            f"{slug}-alliance-imports",
            by_year,
            title=f"{name}: alliance imports from outside the alliance, {first}-{last}",
            description=f"Stacked bar chart of the value of alliance imports of {name.lower()} by supplier group, {first} to {last}, in current US dollars. In {last}, China supplied {fmt_pct(latest['china_share'])}.",
            value_title="Imports (current USD)",
        )
    suppliers = figures.top_suppliers(
        site.importer_flows, figures.ALLIANCE_BLOC, slug, latest["year"]
    )
    section.table = table(
        suppliers,
        named("exporter_code", site.names, "Supplier"),
        Num("value_usd", fmt_usd, "Value"),
        Num("quantity_t", fmt_num, "Quantity (t, gross)"),
        Num("share", fmt_pct, "Share"),
    )
    section.notes.append(
        "Trade between alliance members is left out. Quantities are gross weights of the traded goods, not metal content."
    )
    return section


@mineral_slice("dependence_by", order=35)
def allies_dependence(part: pl.DataFrame, site: SiteFigures, ctx: PageContext) -> Section | None:
    if site.trade_year is None:
        return None
    rows = part.filter(
        (pl.col("stage") == "all")
        & (pl.col("year") == site.trade_year)
        & pl.col("china_share").is_not_null()
    )
    if not rows.height:
        return None
    rows = rows.with_columns(named("importer", site.names, "label")).sort(
        "china_share", descending=True
    )
    section = Section(
        title=f"Each ally's dependence on China, {site.trade_year}",
        anchor="allies",
        source=site.baci_source,
    )
    top = rows.row(0, named=True)
    section.paragraphs.append(
        md(
            "China's share of each ally's imports of {name} (by value; for the EU and the alliance as blocs, imports from outside the bloc). The most dependent is {who}, at **{share}**.",
            name=ctx.name.lower(),
            who=top["label"],
            share=fmt_pct(top["china_share"]),
        )
    )
    chart_rows = rows.select(
        "label", pl.lit(CHINA).alias("group"), pl.col("china_share").alias("value")
    )
    section.draw(
        charts.ranked_bars,
        f"{ctx.key}-allies",
        chart_rows,
        title=f"{ctx.name}: China's share of each ally's imports, {site.trade_year}",
        description=f"Horizontal bar chart of China's share of imports for {rows.height} importers; highest {top['label']} at {fmt_pct(top['china_share'])}. Importers with less than one million US dollars of imports are left out.",
        value_title="China's share of imports (value)",
        value_format=".0%",
    )
    section.table = table(
        rows,
        pl.col("label").alias("Importer"),
        Num("imports_usd", fmt_usd, "Imports"),
        Num("china_share", fmt_pct, "China's share"),
        named("top_supplier", site.names, "Top supplier"),
        Num("top_supplier_share", fmt_pct, "Top supplier's share"),
    )
    section.notes.append(
        f"Importers with imports under {fmt_usd(figures.MIN_IMPORTS_USD)} in the year are not listed."
    )
    return section


@mineral_slice("prices_by", order=85)
def prices(rows: pl.DataFrame, site: SiteFigures, ctx: PageContext) -> Section | None:
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
            charts.series_lines(
                f"{ctx.key}-prices-{unit}",
                unit_rows.select("year", "series", "value"),
                title=f"{ctx.name}: prices, {unit_label}",
                description=f"Line chart of {unit_rows['series'].n_unique()} price series, {first} to {last}. Latest ({latest['year'][0]}): {listed} {unit_label}.",
                source=f"{SOURCE_USGS}",
                value_title=unit_label,
            )
        )
    if charts_html:
        section.chart = Markup("\n\n".join(charts_html))
    latest_year = rows.group_by("series", "unit").agg(pl.all().sort_by("year").last())
    section.table = table(
        latest_year.sort("series"),
        pl.col("series").alias("Series"),
        pl.col("statistic").alias("Statistic as published"),
        named("unit", figures.PRICE_UNITS, "Unit"),
        pl.col("year").alias("Year"),
        Num("value", fmt_num, "Price"),
        pl.col("source_file").alias("File"),
    )
    return section


@SECTIONS.figures("mineral", order=90)
def us_net_import_reliance(site: SiteFigures, ctx: PageContext) -> Section | None:
    rows = site.nir.filter(pl.col("mineral") == ctx.key)
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
    section.table = table(
        rows,
        pl.col("statistic").alias("Statistic"),
        pl.col("year").alias("Year"),
        Num("value_text", None, "Net import reliance (%)"),
        pl.col("source_file").alias("File"),
    )
    return section


@SECTIONS.figures("mineral", order=95)
def sources(site: SiteFigures, ctx: PageContext) -> Section:
    mineral = site.minerals_by_slug[ctx.key]
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
