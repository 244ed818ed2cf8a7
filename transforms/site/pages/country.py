"""Country pages and the countries index: a page per ally and one for the EU as a bloc, with
China's share of their imports across minerals, what they produce, and the marts' sections for
the importer (net import reliance, supply risk, export ban, stockpiles, stockpile programme).
"""

from __future__ import annotations

import jinja2
import polars as pl

from transforms.render import escape_markdown
from transforms.site import charts, figures
from transforms.site.context import SOURCE_USGS, SiteFigures, country_slug
from transforms.site.model import Page, PageContext, Section
from transforms.site.render_tables import (
    BAN_VIEW,
    BY_MINERAL,
    RISK_VIEW,
    STOCK_VIEW,
    Num,
    mineral_names,
    named,
    nir_section,
    table,
    view_section,
)
from transforms.site.sections import SECTIONS, page_rows
from transforms.site.text import Markup, fmt_num, fmt_pct, fmt_pp, fmt_usd, md
from transforms.stable import exact_sum

HEATMAP_YEARS = 10


def country_page(site: SiteFigures, env: jinja2.Environment, code: str) -> Page:
    path = f"countries/{country_slug(code)}.md"
    name = site.economy(code)
    markdown = env.get_template("country.md.j2").render(
        name=name,
        code=code,
        lead=_country_lead(site, code),
        sections=site.sections(site.context("country", code, path)),
        build_date=site.data.build_date,
    )
    return Page(path, name, markdown)


def _country_lead(site: SiteFigures, code: str) -> Markup:
    name = site.economy(code)
    exposure = site.country_exposure(code)
    if not exposure.height:
        return md("No imports of the registry's minerals are recorded for {name}.", name=name)
    total = exposure["imports_usd"].sum()
    china_total = exposure["china_usd"].sum()
    over_half = exposure.filter(pl.col("china_share") >= 0.5)
    return md(
        "In {year}, {name} imported {total} of the ores, concentrates and refined forms of the {n} minerals it trades; **{china}** by value came from China. China supplied half or more of its imports of {k} of them{which}.",
        year=site.trade_year,
        name=name,
        total=fmt_usd(total),
        n=exposure.height,
        china=fmt_pct(china_total / total if total else None),
        k=over_half.height,
        which=(": " + ", ".join(site.mineral_names.get(m, m).lower() for m in over_half["mineral"]))
        if over_half.height
        else "",
    )


@SECTIONS.figures("country", order=10)
def china_exposure(site: SiteFigures, ctx: PageContext) -> Section | None:
    rows = site.country_exposure(ctx.key)
    if not rows.height:
        return None
    section = Section(
        title=f"Exposure to China across minerals, {site.trade_year}",
        anchor="exposure",
        source=site.baci_source,
    )
    lines = [
        "| Mineral | Imports | China's share | Change over 5 years | Top supplier | Top supplier's share | China's share of world production |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for r in rows.iter_rows(named=True):
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
    return section


@SECTIONS.figures("country", order=15)
def china_share_heatmap(site: SiteFigures, ctx: PageContext) -> Section | None:
    rows = site.country_exposure(ctx.key)
    if not rows.height:
        return None
    heat = site.dependence.filter(
        (pl.col("importer") == ctx.key)
        & (pl.col("stage") == "all")
        & (pl.col("year") > site.trade_year - HEATMAP_YEARS)
        & pl.col("china_share").is_not_null()
    ).with_columns(
        pl.col("mineral").replace_strict(site.mineral_names, default=pl.col("mineral")).alias("y")
    )
    if not heat.height:
        return None
    order = [site.mineral_names.get(m, m) for m in rows["mineral"]]
    first = int(heat["year"].min())
    section = Section(
        title="China's share of imports, year by year", anchor="heatmap", source=site.baci_source
    )
    section.draw(
        charts.share_heatmap,
        f"{country_slug(ctx.key)}-heatmap",
        heat.select(pl.col("year").alias("x"), "y", pl.col("china_share").alias("share")),
        title=f"{ctx.name}: China's share of imports by mineral, {first}-{site.trade_year}",
        description=f"Heat map of China's share of {ctx.name}'s imports for {heat['y'].n_unique()} minerals and the years {first} to {site.trade_year}; darker is a larger share. Highest in {site.trade_year}: {order[0]} at {fmt_pct(rows['china_share'][0])}.",
        x_title=None,
        y_sort=order,
    )
    return section


@SECTIONS.figures("country", order=20)
def what_it_produces(site: SiteFigures, ctx: PageContext) -> Section | None:
    code = ctx.key
    members = site.eu27 if code == figures.EU_BLOC else [code]
    latest = site.shares.join(
        site.summary.select("mineral", "stage", "year"),
        on=["mineral", "stage", "year"],
        how="inner",
    )
    rows = (
        latest.filter(pl.col("country_code").is_in(members) & (pl.col("production_t") > 0))
        .group_by("mineral", "stage", "year")
        .agg(exact_sum("production_t"), exact_sum("share"), pl.col("unit_basis").first())
        .sort("share", descending=True, nulls_last=True)
    )
    if not rows.height:
        return None
    section = Section(title="What it produces", anchor="production", source=SOURCE_USGS)
    section.table = table(
        rows,
        named("mineral", site.mineral_names, "Mineral"),
        pl.col("stage").alias("Stage"),
        pl.col("year").alias("Year"),
        Num("production_t", fmt_num, "Production (t)"),
        Num("share", fmt_pct, "Share of world"),
    )
    return section


def countries_index(site: SiteFigures, env: jinja2.Environment, codes: list[str]) -> Page:
    lines = [
        "| Economy | Imports | China's share | Minerals with China ≥ 50% | Most exposed |",
        "|---|---:|---:|---:|---|",
    ]
    for code in codes:
        exposure = site.country_exposure(code)
        link = f"[{escape_markdown(site.economy(code))}]({country_slug(code)}.md)"
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
        chart = charts.share_heatmap(
            "allies-heatmap",
            heat.select("x", "y", pl.col("china_share").alias("share")),
            title=f"China's share of each ally's imports, by mineral, {site.trade_year}",
            description=f"Heat map of China's share of imports for {heat['x'].n_unique()} importers and {heat['y'].n_unique()} minerals in {site.trade_year}; darker is a larger share; blank where imports are under one million US dollars.",
            source=site.baci_source,
            x_title=None,
            x_sort=[site.economy(c) for c in codes],
        )
    markdown = env.get_template("countries_index.md.j2").render(
        table=Markup("\n".join(lines)), chart=chart, trade_year=site.trade_year, count=len(codes)
    )
    return Page("countries/index.md", "Countries", markdown)


@SECTIONS.mart("dependence", page="country", title="Net import reliance", order=30)
def dependence_country(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    return nir_section(df, ctx, BY_MINERAL, "Net import reliance by mineral")


@SECTIONS.mart("supply_risk", page="country", title="Supply risk", order=40)
def supply_risk_country(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    return view_section(RISK_VIEW, df, ctx, BY_MINERAL, "Supply risk by mineral")


@SECTIONS.mart("scenario_export_ban", page="country", title="Export ban", order=50)
def export_ban_country(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = view_section(BAN_VIEW, df, ctx, BY_MINERAL, "If China stopped exporting")
    if section is not None:
        section.notes.append("Scenario and assumptions: Scenarios page.")
    return section


@SECTIONS.mart("scenario_stockpile", page="country", title="Stockpiles", order=60)
def stockpile_country(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    return view_section(
        STOCK_VIEW, df, ctx, BY_MINERAL, "What a stockpile of China-sourced imports would cost"
    )


@SECTIONS.mart("stockpile_programmes", page="country", title="Stockpile programme", order=70)
@page_rows(lambda df, ctx: df.filter(pl.col("country") == ctx.key))
def programme_country(rows: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = Section(
        title="Stockpile programme",
        anchor="stockpile-programme",
        source="data/reference/policy/stockpiles.yaml (sources per programme)",
    )
    for r in rows.iter_rows(named=True):
        budget = (
            f"{fmt_num(r['budget'])} {r['budget_currency']}"
            if r["budget"] is not None
            else (r["budget_note"] or "not published")
        )
        days = (
            f"{r['target_days']:.0f} days"
            if r["target_days"] is not None
            else (r["target_days_note"] or "not published")
        )
        section.paragraphs.append(
            md(
                "**{programme}** ({agency}), {status}. Budget: {budget}. Target: {days}. Minerals named: {minerals}.{unverified}",
                programme=r["programme"],
                agency=r["agency"],
                status=r["status"],
                budget=budget,
                days=days,
                minerals=", ".join(n.lower() for n in mineral_names(r["minerals"], ctx))
                or "none named",
                unverified="" if r["verified"] else " (not verified)",
            )
        )
        if r["note"]:
            section.notes.append(r["note"])
        if r["source_urls"]:
            section.notes.append(md("Sources: {urls}", urls=r["source_urls"]))
    return section
