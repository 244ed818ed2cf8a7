"""Country pages and the countries index: a page per ally and one for the EU as a bloc, with
China's share of their imports of each mineral (by value and by tonnes, with the trade
coverage of every figure; never a sum across minerals), what they produce, and the marts' sections for
the importer (net import reliance, supply risk, export ban, stockpiles, stockpile programme).
"""

from __future__ import annotations

import jinja2
import polars as pl

from transforms.render import escape_markdown
from transforms.site import charts, coverage, figures
from transforms.site.context import SOURCE_USGS, SiteFigures, country_slug
from transforms.site.model import Page, PageContext, Section
from transforms.site.policy_tables import programme_money
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
from transforms.site.text import Markup, fmt_mass, fmt_num, fmt_pct, fmt_pp, fmt_usd, md
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


def _summary_row(site: SiteFigures, code: str) -> dict | None:
    rows = site.import_summary.filter(
        (pl.col("importer") == code) & (pl.col("year") == site.trade_year)
    )
    return rows.row(0, named=True) if rows.height else None


def _names(names: dict[str, str], slugs: str | None) -> str:
    """Comma-joined registry slugs (the summary mart's list) as lower-case mineral names."""
    listed = [s.strip() for s in (slugs or "").split(",") if s.strip()]
    return ", ".join(names.get(m, m).lower() for m in listed)


def _country_lead(site: SiteFigures, code: str) -> Markup:
    name = site.economy(code)
    summary = _summary_row(site, code)
    if summary is None:
        return md("No imports of the registry's minerals are recorded for {name}.", name=name)
    as_mined = site.country_exposure(code).filter(
        coverage.quotable_expr() & (pl.col("stage") == "mine") & (pl.col("china_share") > 0.5)
    )
    mined = md(
        " Of the minerals traded in the form they are used (ores and concentrates whose codes cover the stage that matters), China supplied more than half by value of: {which}.",
        which=", ".join(site.mineral_names.get(m, m).lower() for m in as_mined["mineral"]),
    )
    return Markup(
        str(_processed_lead(site, code, summary)) + (str(mined) if as_mined.height else "")
    )


def _processed_lead(site: SiteFigures, code: str, summary: dict) -> Markup:
    k = summary["china_majority_value"]
    return md(
        "In {year}, China supplied more than half of {name}'s imports of the processed forms of **{k} of the {n} minerals** whose processed forms it imports (by value; {kt} by tonnes){which}. For {m} minerals the trade data cannot say: they trade as ores only while China's hold is in refining, or have no trade code (see the table).",
        year=site.trade_year,
        name=site.economy(code),
        k=k,
        n=summary["minerals_processed"],
        kt=summary["china_majority_tonnes"],
        which=f": {_names(site.mineral_names, summary['china_majority_minerals'])}" if k else "",
        m=summary["minerals_not_covered"],
    )


@SECTIONS.mart("china_import_shares", page="country", title="China's share of imports", order=10)
@page_rows(lambda df, ctx: df.filter(pl.col("importer") == ctx.key))
def china_exposure(shares: pl.DataFrame, ctx: PageContext) -> Section | None:
    year = shares["year"].max()
    rows = shares.filter(pl.col("year") == year)
    earlier = shares.filter(pl.col("year") == year - 5).select(
        "mineral", "stage", pl.col("china_share").alias("before")
    )
    rows = rows.join(earlier, on=["mineral", "stage"], how="left").sort(
        [coverage.quotable_expr(), "china_share", "mineral"],
        descending=[True, True, False],
        nulls_last=True,
    )
    section = Section(
        title=f"China's share of imports by mineral, {year}",
        anchor="exposure",
        source=f"{rows['source'][0]}; China's shares of world production: USGS MCS (concentration mart)",
    )
    lines = [
        "| Mineral | Traded as | Imports (value) | Imports (gross weight) | China's share by value | China's share by tonnes | Change over 5 years (value) | Top supplier (value) | China's share of world mine / refinery output | Not quoted because |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in rows.iter_rows(named=True):
        href = ctx.link(f"minerals/{r['mineral']}.md")
        link = f"[{escape_markdown(ctx.mineral(r['mineral']))}]({href})"
        value, tonnes = coverage.share_cells(r)
        quoted = coverage.quotable(r)
        change = r["china_share"] - r["before"] if quoted and r["before"] is not None else None
        world = " / ".join(
            fmt_pct(r[c]) if r[c] is not None else "–"
            for c in ("china_mine_share", "china_refinery_share")
        )
        cells = [
            link,
            escape_markdown(coverage.STAGE_FORMS.get(r["stage"], "no trade code")),
            escape_markdown(fmt_usd(r["imports_usd"]) if r["imports_usd"] is not None else "–"),
            escape_markdown(fmt_mass(r["imports_t"]) if r["imports_t"] is not None else "–"),
            value,  # marked figures, escaped by coverage.share_cells
            tonnes,
            escape_markdown(fmt_pp(change) if change is not None else "–"),
            escape_markdown(ctx.economy(r["top_supplier"]) if quoted else "–"),
            escape_markdown(world),
            escape_markdown(coverage.why_not(r)),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    section.table = Markup("\n".join(lines))
    section.notes.append(
        f"One figure per mineral: imports of its processed forms where the trade codes have them, else of its ores and concentrates (column Traded as). China's share of imports from outside {'the EU' if ctx.key == figures.EU_BLOC else 'the importer'}, by value (current US dollars) and by tonnes (gross weight of the goods); the two differ where China's goods are cheaper or dearer per tonne than other suppliers'. Imports of different minerals are never added up: their scales differ by orders of magnitude."
    )
    section.notes.append(
        f"Not quoted: ores-only figures where China's hold is in refining (or its refining share is not in the data), minerals without a trade code, and imports under {fmt_usd(figures.MIN_IMPORTS_USD)}. What other sources say about these minerals is on each mineral's page (section Other sources on China's part)."
    )
    return section


@SECTIONS.figures("country", order=15)
def china_share_heatmap(site: SiteFigures, ctx: PageContext) -> Section | None:
    rows = site.country_exposure(ctx.key)
    if not rows.height:
        return None
    heat = site.import_shares.filter(
        (pl.col("importer") == ctx.key)
        & (pl.col("year") > site.trade_year - HEATMAP_YEARS)
        & coverage.quotable_expr()
    ).with_columns(
        pl.col("mineral").replace_strict(site.mineral_names, default=pl.col("mineral")).alias("y")
    )
    if not heat.height:
        return None
    shown = rows.filter(coverage.quotable_expr())
    order = [site.mineral_names.get(m, m) for m in shown["mineral"]]
    order += sorted(set(heat["y"]) - set(order))
    first = int(heat["year"].min())
    section = Section(
        title="China's share of import value, year by year",
        anchor="heatmap",
        source=site.baci_source,
    )
    highest = (
        f" Highest in {site.trade_year}: {order[0]} at {fmt_pct(shown['china_share'][0])}."
        if shown.height
        else ""
    )
    section.draw(
        charts.share_heatmap,
        f"{country_slug(ctx.key)}-heatmap",
        heat.select(pl.col("year").alias("x"), "y", pl.col("china_share").alias("share")),
        title=f"{ctx.name}: China's share of import value by mineral, {first}-{site.trade_year}",
        description=f"Heat map of China's share of the value of {ctx.name}'s imports for {heat['y'].n_unique()} minerals and the years {first} to {site.trade_year}; darker is a larger share; only figures that are findings (see the table above).{highest}",
        x_title=None,
        y_sort=order,
    )
    return section


@SECTIONS.mart("china_import_summary", page="country", title="Minerals mostly from China", order=17)
@page_rows(lambda df, ctx: df.filter(pl.col("importer") == ctx.key))
def majority_by_year(rows: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = rows.filter(pl.col("year") > rows["year"].max() - HEATMAP_YEARS).sort(
        "year", descending=True
    )
    section = Section(
        title="Minerals whose processed forms come mostly from China, year by year",
        anchor="majority",
        source=rows["source"][0],
    )
    listed = [_names(ctx.mineral_names, v) for v in rows["china_majority_minerals"]]
    section.table = table(
        rows.with_columns(pl.Series("which", listed, dtype=pl.Utf8)),
        pl.col("year").alias("Year"),
        Num("minerals_processed", None, "Minerals whose processed forms it imports"),
        Num("china_majority_value", None, "China over half, by value"),
        Num("china_majority_tonnes", None, "China over half, by tonnes"),
        pl.col("which").alias("Which (by value)"),
    )
    section.notes.append(
        f"Processed forms: the minerals' refinery-stage trade codes, imports of at least {fmt_usd(figures.MIN_IMPORTS_USD)} from outside the importer. Minerals traded as ores only or without a trade code are not counted."
    )
    return section


@SECTIONS.mart("china_other_sources", page="country", title="China's reported exports", order=18)
@page_rows(
    lambda df, ctx: df.filter(
        (pl.col("importer") == ctx.key) & (pl.col("evidence") == "china_exports")
    )
)
def china_exports(rows: pl.DataFrame, ctx: PageContext) -> Section | None:
    latest = rows.filter(pl.col("year") == rows["year"].max()).sort("mineral", "form")
    section = Section(
        title=f"China's reported exports to {ctx.name}, {latest['year'][0]}",
        anchor="china-exports",
        source=latest["source"][0],
    )
    section.paragraphs.append(
        md(
            "Forms the trade data above do not cover, as China reports its exports ({basis}). Not a share: {name}'s imports of these forms from everyone are not in the data.",
            basis=latest["basis"][0],
            name=ctx.name,
        )
    )
    section.table = table(
        latest,
        named("mineral", ctx.mineral_names, "Mineral"),
        pl.col("form").alias("Form"),
        Num("value_usd", fmt_usd, "Value"),
        Num("quantity_t", fmt_mass, "Gross weight"),
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
        "| Economy | Minerals whose processed forms it imports | China over half, by value | China over half, by tonnes | Most exposed (value) | Figures that are no finding |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for code in codes:
        summary = _summary_row(site, code)
        link = f"[{escape_markdown(site.economy(code))}]({country_slug(code)}.md)"
        if summary is None:
            lines.append(f"| {link} | – | – | – | – | – |")
            continue
        top = site.country_exposure(code).filter(coverage.quotable_expr())
        most = (
            f"{site.mineral_names.get(top['mineral'][0], top['mineral'][0])} ({fmt_pct(top['china_share'][0])})"
            if top.height
            else "–"
        )
        lines.append(
            f"| {link} | {summary['minerals_processed']} | {summary['china_majority_value']} | {summary['china_majority_tonnes']} | {escape_markdown(most)} | {summary['minerals_not_covered']} |"
        )
    heat = site.import_shares.filter(
        pl.col("importer").is_in(codes)
        & (pl.col("year") == site.trade_year)
        & coverage.quotable_expr()
    ).with_columns(
        pl.col("importer").replace_strict(site.names, default=pl.col("importer")).alias("x"),
        pl.col("mineral").replace_strict(site.mineral_names, default=pl.col("mineral")).alias("y"),
    )
    chart = None
    if heat.height:
        chart = charts.share_heatmap(
            "allies-heatmap",
            heat.select("x", "y", pl.col("china_share").alias("share")),
            title=f"China's share of the value of each ally's imports, by mineral, {site.trade_year}",
            description=f"Heat map of China's share of import value for {heat['x'].n_unique()} importers and {heat['y'].n_unique()} minerals in {site.trade_year}; darker is a larger share; blank where imports are under one million US dollars or the figure is no finding (ores only where China's hold is in refining, or no trade code).",
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
            programme_money(r) if r["budget"] is not None else (r["budget_note"] or "not published")
        )
        days = (
            f"{r['target_days']:.0f} days"
            if r["target_days"] is not None
            else (r["target_days_note"] or "not published")
        )
        section.paragraphs.append(
            md(
                "**{programme}** ({agency}), {status}. Money figure: {budget}. Target: {days}. Minerals named: {minerals}.{unverified}",
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
