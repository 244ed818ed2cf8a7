"""The scenarios page: what the allies' policy levers would cost and buy — an export ban by
China, stockpiles, the allies' stockpile programmes, Australia's strategic reserve, a price floor
and its sensitivity — and China's exports before and after its export controls (mart sections
on "scenarios"); also the reserve's section on the country page of the economy whose reserve it
is. A scenario whose mart is not in the build is announced with what it will show. Figures the
data cannot support read "not computable — reason".
"""

from __future__ import annotations

import jinja2
import polars as pl

from transforms.site import charts
from transforms.site.context import SiteFigures
from transforms.site.facts import CHINA_IMPORT_SHARE, fact, importer_fact
from transforms.site.model import Page, PageContext, Section
from transforms.site.policy_tables import PROGRAMMES_SOURCE, event_study_section, programmes_table
from transforms.site.render_tables import (
    ALLIANCE_MINERALS,
    BAN_SOURCE,
    BUDGET_SOURCE,
    FLOOR_SOURCE,
    SENSITIVITY_SOURCE,
    STOCK_VIEW,
    ban_table,
    floor_table,
    reserve_table,
    sensitivity_table,
    usd_of,
    view_section,
)
from transforms.site.sections import SECTIONS, latest
from transforms.site.text import fmt_pct, fmt_usd, md

# Marts the scenarios page waits for, with what each will show and the parameters that drive it.
SCENARIOS = {
    "scenario_export_ban": (
        "Export ban",
        "China stops exporting a mineral to the alliance (and, as a variant, to one ally): imports lost, supply left from domestic production and non-China partners, months of current use covered.",
        "alliance members and the China definition (settings resource).",
    ),
    "scenario_stockpile": (
        "Stockpiles",
        "Tonnes and cost, at the unit value of the imports themselves, to hold 30, 60, 90 and 180 days of each ally's China-sourced imports, against Japan's 60-day and Korea's 100-day targets.",
        "days of cover, benchmark targets (data/reference/policy/parameters.yaml).",
    ),
    "scenario_reserve_budget": (
        "What A$1.2bn buys",
        "Australia's Critical Minerals Strategic Reserve budget converted at a stated AUD/USD rate and split across the minerals it names, in tonnes and days of cover.",
        "budget, AUD/USD rate, minerals and split rule (data/reference/policy/parameters.yaml).",
    ),
    "scenario_price_floor": (
        "Price floor",
        "Yearly cost of each sourced minimum price, max(0, floor − market price) × the volume it covers, back-tested over the USGS price history.",
        "floors and covered volumes (data/reference/policy/price_floors.yaml).",
    ),
    "scenario_floor_sensitivity": (
        "Price-floor sensitivity",
        "Cost a year of a floor 10, 25 or 50% above the recent market price, for a year of the alliance's imports from outside China.",
        "focus minerals and uplifts (data/reference/policy/parameters.yaml).",
    ),
}


def missing_scenarios(marts: dict[str, pl.DataFrame]) -> list[dict]:
    """Scenario marts not in this build: what each will show and which parameters drive it."""
    return [
        {"mart": name, "title": title, "what": what, "parameters": params}
        for name, (title, what, params) in SCENARIOS.items()
        if name not in marts
    ]


def scenarios_page(site: SiteFigures, env: jinja2.Environment) -> Page:
    markdown = env.get_template("scenarios.md.j2").render(
        sections=site.sections(site.context("scenarios", None, "scenarios.md")),
        missing=missing_scenarios(site.data.marts),
    )
    return Page("scenarios.md", "Scenarios", markdown)


@SECTIONS.mart("scenario_export_ban", page="scenarios", title="Export ban", order=10)
def export_ban_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    bloc = (
        latest(ALLIANCE_MINERALS.rows(df, ctx))
        .filter(pl.col("exposure_rank").is_not_null())
        .sort("exposure_rank")
    )
    if not bloc.height:
        return None
    year = bloc["year"][0]
    section = Section(title="Export ban", anchor="export-ban", source=BAN_SOURCE)
    top = bloc.row(0, named=True)
    section.paragraphs.append(
        md(
            "If China stopped exporting to the alliance, at {year} trade volumes, the alliance would lose the imports below. Ranked by the share of supply lost (domestic production plus imports), or of imports where production is not published. The most exposed: {mineral} ({stage}), {share} of imports.",
            year=year,
            mineral=ctx.mineral(top["mineral"]).lower(),
            stage=top["stage"],
            share=fact(
                fmt_pct(top["lost_share_of_imports"]),
                importer_fact(CHINA_IMPORT_SHARE, "tonnes")(top),
            ),
        )
    )
    section.paragraphs.append(
        "Assumptions: no re-routing through third countries, no substitution and no new supply within the year; use = production + imports − exports; months of cover = remaining supply / (use / 12). Trade tonnes are gross weights: where production is in metal content the months of cover are indicative."
    )
    section.table = ban_table(bloc.head(15), ALLIANCE_MINERALS, ctx)
    section.notes.append(
        "Parameters: the alliance's members and the China definition (settings resource); a one-ally variant is in the table for every ally."
    )
    skipped = latest(ALLIANCE_MINERALS.rows(df, ctx)).filter(
        pl.col("not_computable_reason").is_not_null()
    )
    if skipped.height:
        section.notes.append(
            md(
                "Not computable, so not ranked: {items}.",
                items="; ".join(
                    f"{ctx.mineral(r['mineral']).lower()} ({r['not_computable_reason']})"
                    for r in skipped.iter_rows(named=True)
                ),
            )
        )
    return section


def _stock_lead(bloc: pl.DataFrame) -> str:
    return md(
        "What it would take for the alliance to hold stocks equal to its China-sourced imports of {year} for 30 to 180 days (tonnes = annual imports from China × days / 365), each tonne priced at the unit value of those same imports (their value over their tonnage, CEPII BACI {year}), in current US$ of {year}. Japan's 60-day and Korea's 100-day targets are the benchmarks.",
        year=bloc["year"][0],
    )


# The stock chart: 30, 60 and 90 days for the minerals whose 90-day stock costs most.
_CHART_DAYS = (30, 60, 90)
_CHART_MINERALS = 10


@SECTIONS.mart("scenario_stockpile", page="scenarios", title="Stockpiles", order=20)
def stockpile_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = view_section(
        STOCK_VIEW, df, ctx, ALLIANCE_MINERALS, "Stockpiles", anchor="stockpiles", lead=_stock_lead
    )
    if section is None:
        return None
    bloc = latest(ALLIANCE_MINERALS.rows(df, ctx)).filter(
        pl.col("days").is_in(_CHART_DAYS), pl.col("cost_usd").is_not_null()
    )
    top = (
        bloc.filter(pl.col("days") == max(_CHART_DAYS))
        .sort("cost_usd", descending=True)
        .head(_CHART_MINERALS)
        .select("mineral", "stage")
    )
    rows = top.join(bloc, on=["mineral", "stage"], how="left", maintain_order="left")
    if rows.height:
        year = rows["year"][0]
        section.draw(
            charts.grouped_bars,
            "stockpile-cost",
            rows.select(
                (
                    pl.col("mineral").replace_strict(ctx.mineral_names, default=pl.col("mineral"))
                    + " ("
                    + pl.col("stage")
                    + ")"
                ).alias("label"),
                pl.format("{} days", "days").alias("series"),
                pl.col("cost_usd").alias("value"),
            ),
            title=f"The alliance: cost of 30, 60 and 90 days of China-sourced imports ({usd_of(year)})",
            description=f"Bar chart of the cost, in current US dollars of {year}, of stocks equal to 30, 60 and 90 days of the alliance's {year} imports from China, for the {rows['mineral'].n_unique()} minerals whose 90-day stock costs most, priced at the unit value of those imports.",
            value_title=f"Cost ({usd_of(year)})",
        )
    section.notes.append(
        'The price used is the unit value of the goods actually imported from China (value / tonnes of the same flows), so a stock never costs more than the imports it stands for; the USGS price beside it is a check and is for the product USGS quotes, which is not always the good traded (a metal price for ore trade overstates the cost). "Not computable" rows: the trade codes do not carry China\'s exports of the good (no code, or less than the threshold of data/reference/policy/parameters.yaml).'
    )
    return section


@SECTIONS.mart("stockpile_programmes", page="scenarios", title="Stockpile programmes", order=25)
def programmes_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = Section(
        title="The allies' stockpile programmes", anchor="programmes", source=PROGRAMMES_SOURCE
    )
    section.table = programmes_table(df, ctx)
    return section


def reserve_section(df: pl.DataFrame, ctx: PageContext, anchor: str) -> Section | None:
    """What the reserve budget buys: the split rule, the exchange rate, the table, the note."""
    if not df.height:
        return None
    r0 = df.row(0, named=True)
    reserve = df.filter(pl.col("in_reserve"))
    names = ", ".join(ctx.mineral(m).lower() for m in reserve["mineral"].to_list())
    section = Section(title="What A$1.2bn buys", anchor=anchor, source=BUDGET_SOURCE)
    section.paragraphs.append(
        md(
            "{who}'s Critical Minerals Strategic Reserve: A{aud} at {rate} US$ per A$ is {usd}. Split rule: equal shares across the minerals the reserve names ({names}), {share} each. Each tonne is priced at the unit value of the alliance's {year} imports from China where the trade carries the good, otherwise at the USGS price of the good (the price source says which); days and months are of {year} imports from China.",
            who=ctx.economy(r0["economy"]),
            aud=fmt_usd(r0["budget_aud"]),
            rate=f"{r0['aud_usd']:.4f}",
            usd=fmt_usd(r0["budget_usd"]),
            names=names,
            share=fmt_pct(reserve["budget_share"][0], 0) if reserve.height else "n/a",
            year=r0["year"],
        )
    )
    section.table = reserve_table(df, ctx, r0["economy"])
    note_aud = df["note_budget_aud"].drop_nulls()
    if note_aud.len():
        section.notes.append(
            md(
                "The last column is what A{aud} (one mineral's equal share) buys of each mineral at the same price, for the other focus minerals too (data/reference/policy/parameters.yaml).",
                aud=fmt_usd(note_aud[0]),
            )
        )
    section.notes.append(
        "The reserve is meant to work mainly by buying rights to Australian output; spending it all on material at market prices is an upper bound on tonnes. Share of world output can exceed 100% where the budget buys more than a year's output."
    )
    return section


@SECTIONS.mart("scenario_reserve_budget", page="scenarios", title="What A$1.2bn buys", order=30)
def reserve_budget_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    return reserve_section(df, ctx, "reserve-budget")


@SECTIONS.mart("scenario_reserve_budget", page="country", title="What A$1.2bn buys", order=65)
def reserve_budget_country(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    return reserve_section(df.filter(pl.col("economy") == ctx.key), ctx, "reserve-budget")


@SECTIONS.mart("scenario_price_floor", page="scenarios", title="Price floor", order=35)
def price_floor_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = Section(title="Price floor", anchor="price-floor", source=FLOOR_SOURCE)
    section.paragraphs.append(
        "Yearly cost of each sourced price floor had it existed: max(0, floor − market price) × the volume the floor covers, back-tested over the USGS price history. Floors and their covered volumes are documented in data/reference/policy/price_floors.yaml and can be changed in the run configuration."
    )
    for name, rows in df.sort("floor_id", "year").group_by("floor_name", maintain_order=True):
        r = rows.row(0, named=True)
        section.paragraphs.append(
            md(
                "**{name}**: floor on {product}; covered volume: {basis}; market price: {price}.",
                name=name[0],
                product=r["floor_product"] or "the mineral",
                basis=r["covered_basis"],
                price=r["price_product"] or "the mineral's USGS series",
            )
        )
    rows = df.filter(pl.col("cost_usd").is_not_null())
    if rows.height:
        section.draw(
            charts.grouped_bars,
            "price-floor-cost",
            rows.sort("year").select(
                pl.col("year").cast(pl.Utf8).alias("label"),
                pl.col("floor_name").alias("series"),
                pl.col("cost_usd").alias("value"),
            ),
            title="Cost of each price floor by year, had it existed (US$ of each year)",
            description=f"Bar chart of the yearly cost of each documented price floor, {rows['year'].min()} to {rows['year'].max()}: the gap between the floor and the USGS market price times the volume the floor covers.",
            value_title="Cost (US$ of the year)",
        )
    section.table = floor_table(df.sort("floor_id", "year"))
    return section


@SECTIONS.mart(
    "scenario_floor_sensitivity", page="scenarios", title="Price-floor sensitivity", order=36
)
def floor_sensitivity_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    if not df.height:
        return None
    year = df["year"].max()
    section = Section(
        title="Price-floor sensitivity", anchor="floor-sensitivity", source=SENSITIVITY_SOURCE
    )
    section.paragraphs.append(
        md(
            "What a floor set 10, 25 or 50% above the recent market price would cost a year, if the market stayed where it was in {year}: the uplift × the market price × the alliance's imports from outside the alliance and China. The market price is the unit value of those imports (CEPII BACI, {year}).",
            year=year,
        )
    )
    section.table = sensitivity_table(df, ctx)
    return section


@SECTIONS.mart(
    "event_study", page="scenarios", title="Trade before and after the export controls", order=40
)
def event_study_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    return event_study_section(df)
