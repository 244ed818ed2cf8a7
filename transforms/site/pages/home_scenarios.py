"""The home page's answers 3-5: what an export stop would cost each ally, what stockpiles
cost and what Australia's A$1.2bn reserve buys, and what a price floor costs a year.

Scenario figures are quoted only where their mart row is computable (``not_computable_reason``
null); the others are named with the reason.
"""

from __future__ import annotations

import polars as pl

from transforms.reference.policy import load_parameters
from transforms.site import charts
from transforms.site.context import SiteFigures
from transforms.site.facts import (
    BAN_MONTHS_LOST,
    BAN_TONNES_LOST,
    CHINA_IMPORT_SHARE,
    STOCK_COST,
    fact,
    fact_cell,
    floor_cost_fact,
    importer_fact,
    reserve_months_fact,
    reserve_share_fact,
    reserve_tonnes_fact,
)
from transforms.site.figures import ALLIANCE_BLOC
from transforms.site.model import Headline, PageContext, Section
from transforms.site.pages.home_answers import headline_allies, latest_year, us_dollars
from transforms.site.render_tables import (
    NOT_COMPUTABLE,
    fmt_months,
    md_table,
    reserve_table,
    sensitivity_table,
    usd_of,
)
from transforms.site.text import Markup, fmt_num, fmt_pct, md

STOCK_DAYS = (30, 60, 90)


# --- 3-5. Export ban, stockpiles, price floors -----------------------------------------------


def _focus(site: SiteFigures) -> list[str]:
    """The scenario parameters' focus minerals (the seed's), that the site knows."""
    return [m for m in load_parameters().focus_minerals if m in site.mineral_names]


def ban_section(site: SiteFigures, ctx: PageContext) -> tuple[list[Section], list[Headline]]:
    ban = site.data.marts.get("scenario_export_ban")
    focus = _focus(site)
    if ban is None or not ban.height or not focus:
        return [], []
    rows = latest_year(ban).filter(pl.col("mineral").is_in(focus))
    year = int(rows["year"].max()) if rows.height else None
    section = Section(
        title="3. If China stops exports",
        anchor="if-china-stops-exports",
        source=f"mart scenario_export_ban; {site.baci_source}, {year}",
    )
    found: list[Headline] = []
    ok = rows.filter(pl.col("not_computable_reason").is_null())
    alliance = ok.filter(pl.col("importer") == ALLIANCE_BLOC).sort(
        ["lost_months_of_imports", "mineral"], descending=[True, False], nulls_last=True
    )
    if alliance.height:
        r = alliance.row(0, named=True)
        text = md(
            "If China stopped exporting {mineral}, the alliance would lose **{t} t a year**, {share} of its imports — {months} months of imports ({year}).",
            mineral=ctx.mineral(r["mineral"]).lower(),
            t=fact(fmt_num(r["imports_from_china_t"]), importer_fact(BAN_TONNES_LOST, "tonnes")(r)),
            share=fact(fmt_pct(r["lost_share_of_imports"]), importer_fact(CHINA_IMPORT_SHARE, "tonnes")(r)),
            months=fact(fmt_num(r["lost_months_of_imports"]), importer_fact(BAN_MONTHS_LOST, "tonnes")(r)),
            year=year,
        )
        section.paragraphs.append(text)
        found.append(Headline(text, link="scenarios.md#export-ban", key=f"ban_{r['mineral']}", value=r["imports_from_china_t"]))
    not_comp = rows.filter(
        (pl.col("importer") == ALLIANCE_BLOC) & pl.col("not_computable_reason").is_not_null()
    )
    for r in not_comp.sort("mineral").iter_rows(named=True):
        section.notes.append(
            md("{mineral}: {nc} — {why}.", mineral=ctx.mineral(r["mineral"]), nc=NOT_COMPUTABLE, why=r["not_computable_reason"])
        )
    importers = headline_allies(site)
    shown = [m for m in focus if m in set(ok["mineral"].to_list())]
    table_rows = []
    for code in importers:
        mine = rows.filter(pl.col("importer") == code)
        if not mine.height:
            continue
        row = {"Ally": site.economy(code)}
        for m in shown:
            hit = mine.filter(pl.col("mineral") == m)
            if not hit.height:
                row[ctx.mineral(m)] = ""
                continue
            h = hit.row(0, named=True)
            row[ctx.mineral(m)] = (
                NOT_COMPUTABLE
                if h["not_computable_reason"] is not None
                else "{} t, {} months".format(
                    fact_cell(fmt_num(h["imports_from_china_t"]), importer_fact(BAN_TONNES_LOST, "tonnes")(h)),
                    fact_cell(fmt_num(h["lost_months_of_imports"]), importer_fact(BAN_MONTHS_LOST, "tonnes")(h)),
                )
            )
        table_rows.append(row)
    if table_rows and shown:
        section.table = md_table(pl.DataFrame(table_rows), right=[ctx.mineral(m) for m in shown])
        chart_rows = ok.filter(pl.col("importer").is_in(importers) & pl.col("lost_months_of_imports").is_not_null()).select(
            pl.col("importer").replace_strict(site.names, default=pl.col("importer")).alias("label"),
            pl.col("mineral").replace_strict(site.mineral_names, default=pl.col("mineral")).alias("series"),
            pl.col("lost_months_of_imports").alias("value"),
        ).sort(["label", "series"])
        order = [site.economy(c) for c in importers]
        chart_rows = chart_rows.sort(pl.col("label").replace_strict({n: i for i, n in enumerate(order)}, default=99), "series")
        if chart_rows.height:
            section.draw(
                charts.grouped_bars,
                "home-export-ban",
                chart_rows,
                value_title="Months of imports lost",
                value_format=".1f",
                title=f"Months of imports lost if China stops exports, {year}",
                description="Imports from China as months of each ally's imports of the mineral (tonnes), for the minerals the trade data can assess.",
            )
        section.notes.append(
            "Cells read tonnes of imports from China lost a year, and that loss as months of the ally's imports; 'not computable' where the trade codes cannot carry China's exports (see Scenarios)."
        )
    section.paragraphs.append(md("Every mineral and ally: [the export-ban scenario](scenarios.md#export-ban)."))
    return [section], found


def stockpile_section(site: SiteFigures, ctx: PageContext) -> tuple[list[Section], list[Headline]]:
    stock = site.data.marts.get("scenario_stockpile")
    focus = _focus(site)
    if stock is None or not stock.height or not focus:
        return [], []
    rows = latest_year(stock).filter(
        (pl.col("importer") == ALLIANCE_BLOC)
        & pl.col("mineral").is_in(focus)
        & pl.col("days").is_in(STOCK_DAYS)
    )
    year = int(rows["year"].max()) if rows.height else None
    section = Section(
        title="4. Stockpiles: what 30, 60 and 90 days cost",
        anchor="stockpiles",
        source=f"mart scenario_stockpile; {site.baci_source}, {year}; prices: unit value of the same imports",
    )
    found: list[Headline] = []
    ok = rows.filter(pl.col("not_computable_reason").is_null() & pl.col("cost_usd").is_not_null())
    r90 = ok.filter(pl.col("days") == 90).sort(["cost_usd", "mineral"], descending=[True, False])
    if r90.height:
        r = r90.row(0, named=True)
        text = md(
            "A 90-day alliance stock of {mineral} — {t} t, 90 days of its imports from China — would cost **{cost}**, priced at the unit value of those imports ({price} US$/t, {year}).",
            mineral=ctx.mineral(r["mineral"]).lower(),
            t=fmt_num(r["stock_t"]),
            cost=fact(us_dollars(r["cost_usd"], year), importer_fact(STOCK_COST, "90 days")(r)),
            price=fmt_num(r["price_usd_per_t"]),
            year=year,
        )
        section.paragraphs.append(text)
        found.append(Headline(text, link="scenarios.md#stockpiles", key=f"stock90_{r['mineral']}", value=r["cost_usd"]))
    chart_rows = ok.sort(["mineral", "days"]).select(
        pl.col("mineral").replace_strict(site.mineral_names, default=pl.col("mineral")).alias("label"),
        (pl.col("days").cast(pl.Utf8) + " days").alias("series"),
        pl.col("cost_usd").alias("value"),
    )
    if chart_rows.height:
        section.draw(
            charts.grouped_bars,
            "home-stockpiles",
            chart_rows,
            value_title=f"Cost ({usd_of(year)})",
            title=f"What 30, 60 and 90 days of the alliance's imports from China cost, {year}",
            description="Cost of a stock equal to 30, 60 or 90 days of the alliance's imports from China, at the unit value of those imports.",
        )
    for m in sorted(set(rows["mineral"].to_list()) - set(ok["mineral"].to_list())):
        why = rows.filter(pl.col("mineral") == m)["not_computable_reason"].drop_nulls()
        section.notes.append(
            md("{mineral}: stock cost {nc} — {why}.", mineral=ctx.mineral(m), nc=NOT_COMPUTABLE, why=why[0] if why.len() else "no price")
        )
    section.paragraphs.append(md("Every mineral, ally and length of stock: [the stockpile scenario](scenarios.md#stockpiles)."))
    sections = [section]
    reserve = site.data.marts.get("scenario_reserve_budget")
    if reserve is not None and reserve.height:
        sections.append(reserve_section(reserve, ctx))
    return sections, found


def reserve_section(reserve: pl.DataFrame, ctx: PageContext) -> Section:
    """What Australia's reserve buys per mineral it names: tonnes, share of world output and
    months of the alliance's imports from China, with the split rule and the exchange rate."""
    r = reserve.row(0, named=True)
    section = Section(
        title="What Australia's A$1.2bn reserve buys",
        anchor="reserve-budget",
        source="mart scenario_reserve_budget; data/reference/policy/parameters.yaml; prices as in the table",
    )
    named = reserve.filter(pl.col("in_reserve"))
    parts = []
    for row in named.iter_rows(named=True):
        # The same figures, in the same format, as the reserve's table below (one figure per fact).
        extra = []
        if row["share_of_world_production"] is not None:
            share = fact(fmt_pct(row["share_of_world_production"]), reserve_share_fact(row))
            extra.append(md("{share} of world output", share=share))
        if row["months_of_alliance_china_imports"] is not None:
            months = fact(
                fmt_months(row["months_of_alliance_china_imports"]),
                reserve_months_fact(row, ALLIANCE_BLOC),
            )
            extra.append(md("{months} months of the alliance's imports from China", months=months))
        parts.append(
            md(
                "{t} t of {mineral}{extra}",
                t=fact(fmt_num(row["tonnes"]), reserve_tonnes_fact(row)),
                mineral=ctx.mineral(row["mineral"]).lower(),
                extra=Markup(" (") + Markup("; ").join(extra) + ")" if extra else "",
            )
        )
    section.paragraphs.append(
        md(
            "Australia's A${budget} Critical Minerals Strategic Reserve ({usd} at {rate} US$ per A$), split equally across the {n} minerals it names, buys {parts}.",
            budget=fmt_num(r["budget_aud"] / 1e9) + "bn",
            usd=us_dollars(r["budget_usd"], r["year"]),
            rate=f"{r['aud_usd']:.4f}",
            n=named.height,
            parts=Markup("; ").join(parts),
        )
    )
    section.table = reserve_table(reserve, ctx, r["economy"])
    return section


def floor_section(site: SiteFigures, ctx: PageContext) -> tuple[list[Section], list[Headline]]:
    floors = site.data.marts.get("scenario_price_floor")
    if floors is None or not floors.height:
        return [], []
    section = Section(
        title="5. Price floors: what they cost a year",
        anchor="price-floors",
        source="mart scenario_price_floor; data/reference/policy/price_floors.yaml; USGS MCS prices",
    )
    found: list[Headline] = []
    costed = floors.filter(pl.col("cost_usd").is_not_null())
    if costed.height:
        last = costed.sort("year").row(-1, named=True)
        text = md(
            "The {name}, paid on the {t} t a year it covers, would have cost **{cost}** in {year}, when the market price was {price} US$/t.",
            name=last["floor_name"],
            t=fmt_num(last["covered_t"]),
            cost=fact(us_dollars(last["cost_usd"], last["year"]), floor_cost_fact(last)),
            year=last["year"],
            price=fmt_num(last["price_usd_per_t"]),
        )
        section.paragraphs.append(text)
        found.append(Headline(text, link="scenarios.md#price-floor", key="floor_cost_latest", value=last["cost_usd"]))
        section.draw(
            charts.grouped_bars,
            "home-price-floor",
            costed.sort("year").select(
                pl.col("year").cast(pl.Utf8).alias("label"),
                pl.col("floor_name").alias("series"),
                pl.col("cost_usd").alias("value"),
            ),
            value_title="Cost a year (US$ of the year)",
            title="What the price floor would have cost, by year",
            description="The floor minus the market price, times the volume the floor covers, in each year of the price history (zero where the market was above the floor).",
        )
    section.paragraphs.append(md("Every floor and its sources: [the price-floor scenario](scenarios.md#price-floor)."))
    sections = [section]
    sens = site.data.marts.get("scenario_floor_sensitivity")
    if sens is not None and sens.height:
        more = Section(
            title="A floor above today's market price",
            anchor="floor-sensitivity",
            source="mart scenario_floor_sensitivity; CEPII BACI; data/reference/policy/parameters.yaml",
        )
        more.paragraphs.append(
            md("What a floor 10, 25 or 50% above the recent market price would cost a year, paid on the alliance's imports from outside China and the alliance:")
        )
        more.table = sensitivity_table(sens, ctx)
        sections.append(more)
    return sections, found
