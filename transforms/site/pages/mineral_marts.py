"""Mineral pages, the marts' sections: export controls, concentration, net import reliance,
supply risk and the scenarios, each for one mineral (mart sections, ``transforms.site.sections``).
"""

from __future__ import annotations

from functools import partial

import polars as pl

from transforms.site import charts, coverage, figures
from transforms.site.facts import (
    fact,
    reserve_months_fact,
    reserve_share_fact,
    reserve_tonnes_fact,
    share_fact_for,
    share_fact_in,
)
from transforms.site.model import PageContext, Section
from transforms.site.policy_tables import EVENTS_SOURCE, events_table
from transforms.site.render_tables import (
    BAN_VIEW,
    BUDGET_SOURCE,
    BY_IMPORTER,
    FLOOR_SOURCE,
    RISK_VIEW,
    SENSITIVITY_SOURCE,
    STOCK_VIEW,
    Num,
    floor_table,
    fmt_months,
    named,
    nir_section,
    sensitivity_table,
    table,
    view_section,
)
from transforms.site.sections import SECTIONS, page_rows
from transforms.site.text import fmt_num, fmt_pct, fmt_usd, md


def _text(value: str | None) -> str:
    return value or ""


def _of_mineral(df: pl.DataFrame, ctx: PageContext) -> pl.DataFrame:
    """A mart's rows for the page's mineral."""
    return df.filter(pl.col("mineral") == ctx.key)


def _has_mineral(column: str, slug: str) -> pl.Expr:
    """Rows whose comma-separated mineral list names ``slug``."""
    return (
        pl.col(column).str.split(",").list.eval(pl.element().str.strip_chars()).list.contains(slug)
    )


@SECTIONS.mart("export_control_events", page="mineral", title="China's export controls", order=40)
@page_rows(lambda df, ctx: df.filter(_has_mineral("minerals", ctx.key)))
def events_mineral(rows: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = Section(
        title="China's export controls", anchor="export-controls", source=EVENTS_SOURCE
    )
    section.table = events_table(rows.sort("date_announced", descending=True), ctx)
    return section


_MEASURE_LABEL = {"production": "Production", "reserves": "Reserves", "exports": "Exports"}


@SECTIONS.mart("concentration", page="mineral", title="Concentration", order=45)
@page_rows(lambda df, ctx: df.filter((pl.col("mineral") == ctx.key) & pl.col("hhi").is_not_null()))
def concentration_mineral(rows: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = Section(
        title="Concentration",
        anchor="concentration",
        source="mart concentration (USGS MCS; CEPII BACI)",
    )
    series = rows.filter(pl.col("measure") != "reserves").with_columns(
        (
            pl.col("measure").replace_strict(_MEASURE_LABEL, default=pl.col("measure"))
            + ", "
            + pl.col("stage")
        ).alias("series"),
        pl.col("hhi").alias("value"),
    )
    trend_years = ctx.extra.get("trend_years", 15)
    last_year = int(series["year"].max()) if series.height else None
    if last_year is not None:
        series = series.filter(pl.col("year") > last_year - trend_years)
    latest = (
        rows.sort("year").group_by("measure", "stage").agg(pl.all().last()).sort("measure", "stage")
    )
    prod = latest.filter(pl.col("measure") == "production").sort("hhi", descending=True)
    if prod.height:
        r = prod.row(0, named=True)
        section.paragraphs.append(
            md(
                "On {year} production at the {stage} stage the Herfindahl-Hirschman index is **{hhi}** (0-10,000; the 2010 U.S. Horizontal Merger Guidelines call a market above 2,500 highly concentrated). Counting the alliance as one supplier it would be {pooled}.",
                year=r["year"],
                stage=r["stage"],
                hhi=fmt_num(r["hhi"]),
                pooled=fmt_num(r["alliance_pooled_hhi"]),
            )
        )
    if series.height and series["year"].n_unique() > 1:
        first = int(series["year"].min())
        section.draw(
            charts.series_lines,
            f"{ctx.key}-hhi",
            series.select("year", "series", "value"),
            title=f"{ctx.name}: concentration (HHI), {first}-{last_year}",
            description=f"Line chart of the Herfindahl-Hirschman index (0 to 10,000) of {ctx.name.lower()} production and exports by stage, {first} to {last_year}.",
            value_title="HHI (0-10,000)",
        )
    # Never "100.0%" beside another producer (a rounded world total below its parts).
    latest = latest.with_columns(
        pl.struct(pl.all())
        .map_elements(lambda r, c=c: figures.summary_share(r, c), return_dtype=pl.Utf8)
        .alias(f"{c}_text")
        for c in ("top1_share", "china_share")
    )
    section.table = table(
        latest,
        named("measure", _MEASURE_LABEL, "Measure"),
        pl.col("stage").alias("Stage"),
        pl.col("year").alias("Year"),
        Num("hhi", fmt_num, "HHI"),
        Num("alliance_pooled_hhi", fmt_num, "HHI, alliance pooled"),
        named("top1_code", ctx.economy_names, "Leader"),
        Num("top1_share_text", _text, "Leader's share", fact=share_fact_in("top1_code")),
        Num("top3_share", fmt_pct, "Top 3"),
        Num("china_share_text", _text, "China", fact=share_fact_for("CHN")),
        Num("alliance_share", fmt_pct, "Alliance", fact=share_fact_for("ALLIANCE")),
    )
    section.notes.append(
        "Exports are valued in current USD (CEPII BACI); production and reserves in tonnes (USGS)."
    )
    return section


@SECTIONS.mart("dependence", page="mineral", title="Net import reliance", order=50)
def dependence_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    return nir_section(df, ctx, BY_IMPORTER, "Net import reliance of the allies")


def _risk_lead(rows: pl.DataFrame, ctx: PageContext) -> str:
    r = rows.row(0, named=True)
    return md(
        "In {year} the highest GeoPolRisk score for {name} is {who}'s ({score}).",
        year=r["year"],
        name=ctx.name.lower(),
        who=ctx.economy(r["importer"]),
        score=f"{r['geopolrisk_score']:.4f}",
    )


def _ban_lead(rows: pl.DataFrame) -> str:
    return md(
        "Imports each ally would lose in a Chinese export ban, at {year} trade volumes (scenario described on the Scenarios page).",
        year=rows["year"][0],
    )


_STOCK_LEAD = "Tonnes and cost of holding each importer's China-sourced imports for a number of days, each tonne priced at the unit value of those same imports (CEPII BACI); the USGS price is shown as a check."


@SECTIONS.mart("supply_risk", page="mineral", title="Supply risk", order=55)
def supply_risk_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    lead = partial(_risk_lead, ctx=ctx)
    return view_section(RISK_VIEW, df, ctx, BY_IMPORTER, "Supply risk by importer", lead=lead)


@SECTIONS.mart("scenario_export_ban", page="mineral", title="Export ban", order=60)
def export_ban_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = view_section(
        BAN_VIEW, df, ctx, BY_IMPORTER, "If China stopped exporting", lead=_ban_lead
    )
    return _flagged(section, df, ctx)


def _flagged(section: Section | None, df: pl.DataFrame, ctx: PageContext) -> Section | None:
    """``section`` with a warning where the mineral's trade codes miss the stage China holds,
    worded as on the dependence pages (``transforms.site.coverage``)."""
    if section is not None:
        section.paragraphs[:0] = coverage.scenario_flags(_of_mineral(df, ctx), ctx.name.lower())
    return section


@SECTIONS.mart("scenario_stockpile", page="mineral", title="Stockpiles", order=65)
def stockpile_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = view_section(STOCK_VIEW, df, ctx, BY_IMPORTER, "What a stockpile would cost")
    if section is not None:
        section.paragraphs.append(_STOCK_LEAD)
    return _flagged(section, df, ctx)


@SECTIONS.mart("scenario_reserve_budget", page="mineral", title="What A$1.2bn buys", order=66)
@page_rows(_of_mineral)
def reserve_budget_mineral(rows: pl.DataFrame, ctx: PageContext) -> Section | None:
    r = rows.row(0, named=True)
    if r["price_usd_per_t"] is None:
        return None
    section = Section(
        title="Australia's strategic reserve", anchor="reserve-budget", source=BUDGET_SOURCE
    )
    price = md(
        "{price} US$/t of {good} ({source}; {year} price)",
        price=fmt_num(r["price_usd_per_t"]),
        good=r["price_product"],
        source=r["price_source"],
        year=r["price_year"],
    )
    if r["in_reserve"]:
        days = (
            md(
                "{days} days ({months} months) of the alliance's imports from China",
                days=f"{r['days_of_alliance_china_imports']:,.0f}",
                months=fact(
                    fmt_months(r["months_of_alliance_china_imports"]),
                    reserve_months_fact(r, figures.ALLIANCE_BLOC),
                ),
            )
            if r["days_of_alliance_china_imports"] is not None
            else f"{r['note'] or 'days of the alliance imports above the cap'}"
        )
        section.paragraphs.append(
            md(
                "Its equal share of the A$1.2bn reserve ({usd}) buys {tonnes} t of {name} at {price}: {share} of world production, {days}.",
                name=ctx.name.lower(),
                usd=fmt_usd(r["mineral_budget_usd"]),
                tonnes=fact(fmt_num(r["tonnes"]), reserve_tonnes_fact(r)),
                price=price,
                share=fact(fmt_pct(r["share_of_world_production"]), reserve_share_fact(r)),
                days=days,
            )
        )
    if r["note_budget_tonnes"] is not None:
        section.paragraphs.append(
            md(
                "A{aud} buys {tonnes} t at {price}.",
                aud=fmt_usd(r["note_budget_aud"]),
                tonnes=fmt_num(r["note_budget_tonnes"]),
                price=price,
            )
        )
    section.notes.append("Scenario, split rule and exchange rate: Scenarios page.")
    return section


@SECTIONS.mart("scenario_price_floor", page="mineral", title="Price floor", order=67)
@page_rows(_of_mineral)
def price_floor_mineral(rows: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = Section(title="Price floor", anchor="price-floor", source=FLOOR_SOURCE)
    section.table = floor_table(rows.sort("floor_id", "year"))
    section.notes.append("Scenario, covered volume and assumptions: Scenarios page.")
    return section


@SECTIONS.mart(
    "scenario_floor_sensitivity", page="mineral", title="Price-floor sensitivity", order=68
)
@page_rows(_of_mineral)
def floor_sensitivity_mineral(rows: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = Section(
        title="Cost of a floor above the market",
        anchor="floor-sensitivity",
        source=SENSITIVITY_SOURCE,
    )
    section.paragraphs.extend(coverage.scenario_flags(rows, ctx.name.lower()))
    section.table = sensitivity_table(rows, ctx)
    section.notes.append(
        "Cost a year at an unchanged market price of a floor 10, 25 or 50% above it, for a year of the alliance's imports from outside the alliance and China (Scenarios page)."
    )
    return section
