"""The scenarios page: what the allies' policy levers would cost and buy — an export ban by
China, stockpiles, the allies' stockpile programmes, Australia's strategic reserve, a price floor
— and China's exports before and after its export controls (mart sections on "scenarios").
A scenario whose mart is not in the build is announced with what it will show.
"""

from __future__ import annotations

import jinja2
import polars as pl

from transforms.site.context import SiteFigures
from transforms.site.model import Page, PageContext, Section
from transforms.site.policy_tables import PROGRAMMES_SOURCE, event_study_section, programmes_table
from transforms.site.render_tables import (
    ALLIANCE_MINERALS,
    BAN_SOURCE,
    BUDGET_SOURCE,
    FLOOR_SOURCE,
    STOCK_VIEW,
    Num,
    ban_table,
    floor_table,
    named,
    table,
    view_section,
)
from transforms.site.sections import SECTIONS, latest
from transforms.site.text import fmt_num, fmt_pct, fmt_usd, md

# Marts the scenarios page waits for, with what each will show and the parameters that drive it.
SCENARIOS = {
    "scenario_export_ban": (
        "Export ban",
        "China stops exporting a mineral to the alliance (and, as a variant, to one ally): imports lost, supply left from domestic production and non-China partners, months of current use covered.",
        "alliance members and the China definition (settings resource).",
    ),
    "scenario_stockpile": (
        "Stockpiles",
        "Tonnes and cost at the latest price to hold 30, 60, 90 and 180 days of each ally's China-sourced imports, against Japan's 60-day and Korea's 100-day targets.",
        "days of cover, benchmark targets (data/reference/policy/parameters.yaml).",
    ),
    "scenario_reserve_budget": (
        "What A$1.2bn buys",
        "Australia's Critical Minerals Strategic Reserve budget converted at a stated AUD/USD rate and split across the minerals it names, in tonnes and days of cover.",
        "budget, AUD/USD rate, minerals and split rule (data/reference/policy/parameters.yaml).",
    ),
    "scenario_price_floor": (
        "Price floor",
        "Yearly cost to the alliance of a minimum price for non-China supply, max(0, floor − market price) × covered volume, back-tested over the USGS price history.",
        "floors and covered volumes (data/reference/policy/price_floors.yaml).",
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
            share=fmt_pct(top["lost_share_of_imports"]),
        )
    )
    section.paragraphs.append(
        "Assumptions: no re-routing through third countries, no substitution and no new supply within the year; use = production + imports − exports; months of cover = remaining supply / (use / 12). Trade tonnes are gross weights: where production is in metal content the months of cover are indicative."
    )
    section.table = ban_table(bloc.head(15), ALLIANCE_MINERALS, ctx)
    section.notes.append(
        "Parameters: the alliance's members and the China definition (settings resource); a one-ally variant is in the table for every ally."
    )
    return section


def _stock_lead(bloc: pl.DataFrame) -> str:
    return md(
        "What it would take for the alliance to hold stocks equal to its China-sourced imports of {year} for 30 to 180 days, valued at the latest USGS price (tonnes = annual imports from China × days / 365). Japan's 60-day and Korea's 100-day targets are the benchmarks.",
        year=bloc["year"][0],
    )


@SECTIONS.mart("scenario_stockpile", page="scenarios", title="Stockpiles", order=20)
def stockpile_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = view_section(
        STOCK_VIEW, df, ctx, ALLIANCE_MINERALS, "Stockpiles", anchor="stockpiles", lead=_stock_lead
    )
    if section is not None:
        section.notes.append(
            "Prices are of the product USGS quotes, which is not always the good traded (ore priced at a metal price overstates the cost); the table has the price used and whether it matches the traded good."
        )
    return section


@SECTIONS.mart("stockpile_programmes", page="scenarios", title="Stockpile programmes", order=25)
def programmes_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = Section(
        title="The allies' stockpile programmes", anchor="programmes", source=PROGRAMMES_SOURCE
    )
    section.table = programmes_table(df, ctx)
    return section


@SECTIONS.mart("scenario_reserve_budget", page="scenarios", title="What A$1.2bn buys", order=30)
def reserve_budget_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    r0 = df.row(0, named=True)
    section = Section(title="What A$1.2bn buys", anchor="reserve-budget", source=BUDGET_SOURCE)
    section.paragraphs.append(
        md(
            "Australia's Critical Minerals Strategic Reserve: A${aud} at {rate} US$ per A$ is {usd}, split equally across the minerals it names. At the latest USGS price it buys:",
            aud=fmt_num(r0["budget_aud"]),
            rate=r0["aud_usd"],
            usd=fmt_usd(r0["budget_usd"]),
        )
    )
    section.table = table(
        df,
        named("mineral", ctx.mineral_names, "Mineral"),
        Num("mineral_budget_usd", fmt_usd, "Budget"),
        Num("price_usd_per_t", fmt_num, "Price (USD/t)"),
        pl.col("price_product").alias("Priced product"),
        Num("tonnes", fmt_num, "Tonnes"),
        Num(
            "days_of_alliance_china_imports",
            lambda v: "n/a" if v is None else f"{v:,.0f}",
            "Days of the alliance's China imports",
        ),
        Num("share_of_world_production", fmt_pct, "Share of world production"),
        pl.col("note").fill_null("").alias("Note"),
    )
    section.notes.append(
        "The reserve is meant to work mainly by buying rights to Australian output; spending it all on metal at market prices is an upper bound on tonnes."
    )
    return section


@SECTIONS.mart("scenario_price_floor", page="scenarios", title="Price floor", order=35)
def price_floor_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = Section(title="Price floor", anchor="price-floor", source=FLOOR_SOURCE)
    section.paragraphs.append(
        "Yearly cost to the alliance of guaranteeing a minimum price for supply from outside China: max(0, floor − market price) × covered volume, back-tested over the USGS price history. Floors are documented in data/reference/policy/price_floors.yaml (for instance the NdPr floor of the 2025 U.S. Department of Defense–MP Materials agreement) and can be changed in the run configuration."
    )
    section.table = floor_table(df.sort("floor_id", "year"))
    return section


@SECTIONS.mart(
    "event_study", page="scenarios", title="Trade before and after the export controls", order=40
)
def event_study_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    return event_study_section(df)
