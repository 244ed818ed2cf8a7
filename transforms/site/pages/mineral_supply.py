"""Mineral pages, supply: production by economy, reserves, and the China / alliance / rest split.

Figures sections (``transforms.site.sections``) built from the clean production and reserves
tables and the concentration mart's shares through ``SiteFigures``; World Mining Data stands in
for minerals USGS does not cover through the clean layer's source precedence.
"""

from __future__ import annotations

import re

import polars as pl

from transforms.site import charts, figures
from transforms.site.context import SOURCE_USGS, SiteFigures, mineral_slice, production_source
from transforms.site.facts import share_fact_in, world_share
from transforms.site.model import PageContext, Section
from transforms.site.palette import ALLIANCE, CHINA, REST
from transforms.site.render_tables import Num, md_table, named, table
from transforms.site.sections import SECTIONS
from transforms.site.text import Markup, fmt_num, fmt_pct, md

STAGE_LABEL = {"mine": "Mine production", "refinery": "Refinery production"}
BASIS_LABEL = {
    "contained": "metric tons of contained {element}",
    "oxide_equivalent": "metric tons, oxide equivalent",
    "gross_weight": "metric tons, gross weight of ore or product",
    "volume": "million cubic metres",
}

TOP_PRODUCERS_CHART = 12


def _basis_text(basis: str | None, element: str) -> str:
    if basis is None:
        return "metric tons"
    if basis.startswith("content_of_"):
        return f"metric tons of contained {basis.removeprefix('content_of_')}"
    return BASIS_LABEL.get(basis, basis).format(element=element.lower())


_PLAIN_NUMBER = re.compile(r"^([<>~]?)(-?\d+)(\.\d+)?$")


def published_text(text: str | None) -> str | None:
    """A figure as its source prints it, readable: thousands separators and no trailing ".0"
    ("270000.0" -> "270,000", ">85000000" -> ">85,000,000"); flags (W, NA, --) unchanged."""
    if text is None:
        return None
    m = _PLAIN_NUMBER.match(text.strip().replace(",", ""))
    if m is None:
        return text
    prefix, whole, frac = m.groups()
    frac = (frac or "").rstrip("0").rstrip(".")
    return f"{prefix}{int(whole):,}{frac}"


WORLD_SOURCE = {
    "world_total": "the world total as the source prints it",
    "world_total_excl_usa_plus_usa": "USGS's world total outside the United States plus the U.S. figure",
    "sum_of_parts": "the sum of every producer the source lists",
}


def _no_share_text(summary: dict, name: str, stage: str) -> Markup:
    if summary["world_source"] == "no_world_total":
        return md(
            "USGS prints no world total of {name} {stage} production and no 'Other countries' figure, so the economies it lists are not the world: no world shares are given.",
            name=name.lower(),
            stage=stage,
        )
    if summary["mixed_basis"]:
        return md(
            "The source reports {name} {stage} production on different bases from one economy to the next, so shares of a world total are not computed.",
            name=name.lower(),
            stage=stage,
        )
    return md(
        "The source does not list China's {stage} production of {name}, so China's share is not computable.",
        name=name.lower(),
        stage=stage,
    )


def _share_notes(summary: dict, basis: str) -> list[Markup]:
    """Why the shares read as they do: the publisher's rounded total below its listed parts,
    or a world total printed as a lower bound."""
    notes = []
    parts, total = summary["parts_total"], summary["world_t"]
    if parts is not None and total and parts > total * (1 + 1e-9):
        notes.append(
            md(
                "The listed figures add up to {parts} ({basis}), more than the publisher's rounded world total of {total}: shares are of the published total, as the publisher prints them, so together they come to {whole}.",
                parts=fmt_num(parts),
                basis=basis,
                total=fmt_num(total),
                # Two decimals where one would read "100.0%" (copper reserves: 100.02%).
                whole=fmt_pct(parts / total, 2 if parts / total < 1.0005 else 1),
            )
        )
    if summary["total_qualifier"] is not None:
        notes.append(
            'The world total is published as a lower bound (">"), so shares of it are upper bounds.'
        )
    return notes


@SECTIONS.figures("mineral", order=10)
def mine_production(site: SiteFigures, ctx: PageContext) -> Section | None:
    return _production(site, site.minerals_by_slug[ctx.key], "mine")


@SECTIONS.figures("mineral", order=11)
def refinery_production(site: SiteFigures, ctx: PageContext) -> Section | None:
    return _production(site, site.minerals_by_slug[ctx.key], "refinery")


def _economy_table(site: SiteFigures, rows: pl.DataFrame, amount: Num, *rest: pl.Expr) -> Markup:
    """Production or reserves by economy: group, ``amount``, the figure as published, the share
    of the world, then ``rest``."""
    return table(
        rows,
        named("country_code", site.names, "Economy"),
        pl.col("group").alias("Group"),
        amount,
        pl.col("value_text")
        .map_elements(published_text, return_dtype=pl.Utf8)
        .alias("As published (source unit)"),
        Num(
            "share_text",
            lambda v: v or "",
            "Share of world",
            fact=share_fact_in("country_code"),
        ),
        *rest,
    )


def _production(site: SiteFigures, mineral: dict, stage: str) -> Section | None:
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
        source=production_source(summary["source"], summary["edition"]),
    )
    basis = _basis_text(summary["unit_basis"], name)
    if summary["china_share"] is None:
        section.paragraphs.append(_no_share_text(summary, name, stage))
    else:
        section.paragraphs.append(
            md(
                "In {year}, China accounted for **{china}** of world {stage} production of {name}, the alliance for **{alliance}** and the rest of the world for {rest}. The largest producer was {top} ({top_share}). World total: {world} ({basis}; {world_source}).",
                year=year,
                china=world_share(summary, "china_share"),
                stage=stage,
                name=name.lower(),
                alliance=world_share(summary, "alliance_share"),
                rest=world_share(summary, "rest_share"),
                top=site.economy(summary["top_code"]),
                top_share=world_share(summary, "top_share"),
                world=fmt_num(summary["world_t"]),
                basis=basis,
                world_source=WORLD_SOURCE.get(summary["world_source"], "as published"),
            )
        )
    section.notes += _share_notes(summary, basis)
    if summary["source"] and not summary["source"].startswith("USGS"):
        section.notes.append(
            md(
                "Source: {source}. Why this source: {why}.",
                source=summary["source"],
                why=summary["chosen_because"].rstrip("."),
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
            named("country_code", site.names, "label"),
            pl.col("production_t").alias("value"),
        )
    )
    if chart_rows.height:
        listed = "; ".join(
            f"{r['label']} {fmt_num(r['value'])}" for r in chart_rows.head(5).iter_rows(named=True)
        )
        section.draw(
            charts.ranked_bars,
            f"{slug}-{stage}-producers",
            chart_rows,
            title=f"{name}: {stage} production by economy, {year}",
            description=f"Horizontal bar chart of the {chart_rows.height} largest producers, coloured by China, alliance and rest of world. Largest: {listed} ({basis}).",
            value_title=f"Production ({basis})",
        )
    section.table = _economy_table(
        site,
        latest,
        Num("production_t", fmt_num, "Production (t)"),
        pl.when(pl.col("is_estimate")).then(pl.lit("estimate")).otherwise(pl.lit("")).alias("Note"),
    )
    return section


@mineral_slice("reserves_by", order=20)
def reserves(rows: pl.DataFrame, site: SiteFigures, ctx: PageContext) -> Section | None:
    name = ctx.name
    found = site.reserve_summary.filter(pl.col("mineral") == ctx.key)
    if not found.height:
        return None
    summary = found.row(0, named=True)
    edition = summary["edition"]
    section = Section(title="Reserves", anchor="reserves", source=f"{SOURCE_USGS} {edition}")
    basis = _basis_text(rows["unit_basis"].mode().first(), name)
    if summary["china_share"] is not None:
        bound = summary["total_qualifier"] is not None
        section.paragraphs.append(
            md(
                "USGS puts world reserves at {qualifier}{world} ({basis}); China holds {at_most}**{china}**, the alliance {at_most}**{alliance}**.",
                qualifier=f"{summary['total_qualifier']} " if bound else "",
                world=fmt_num(summary["world_t"]),
                basis=basis,
                at_most="at most " if bound else "",
                china=world_share(summary, "china_share"),
                alliance=world_share(summary, "alliance_share"),
            )
        )
    else:
        section.paragraphs.append(
            md(
                "USGS publishes no world total of {name} reserves, and lists no 'Other countries' figure: the economies it lists are not the world, so no world share is given.",
                name=name.lower(),
            )
        )
    section.notes += _share_notes(summary, basis)
    section.table = _economy_table(site, rows, Num("reserves_t", fmt_num, "Reserves (t)"))
    section.notes.append(
        "Reserves are reported under different national codes (JORC, NI 43-101, ...) and revised irregularly."
    )
    return section


@SECTIONS.figures("mineral", order=25)
def china_alliance_rest(site: SiteFigures, ctx: PageContext) -> Section | None:
    bars, rows = [], []
    summaries = [
        (f"{STAGE_LABEL[stage]} {row['year']}", row)
        for stage in ("mine", "refinery")
        if (row := site.stage_row(ctx.key, stage)) and row["china_share"] is not None
    ]
    reserve = site.reserve_summary.filter(pl.col("mineral") == ctx.key)
    if reserve.height and reserve["china_share"][0] is not None:
        summaries.append(("Reserves", reserve.row(0, named=True)))
    for label, row in summaries:
        bars += [
            (label, CHINA, row["china_share"]),
            (label, ALLIANCE, row["alliance_share"]),
            (label, REST, row["rest_share"]),
        ]
        rows.append(
            {
                "Stage": label,
                CHINA: world_share(row, "china_share"),
                ALLIANCE: world_share(row, "alliance_share"),
                REST: world_share(row, "rest_share"),
            }
        )
    if not bars:
        return None
    frame = pl.DataFrame(
        bars, schema={"label": pl.Utf8, "group": pl.Utf8, "share": pl.Float64}, orient="row"
    )
    # A chart's description is plain text: the same figures, without their markers.
    described = "; ".join(
        f"{label}: China {figures.summary_share(row, 'china_share')}, alliance {fmt_pct(row['alliance_share'])}, rest {fmt_pct(row['rest_share'])}"
        for label, row in summaries
    )
    section = Section(
        title="China, the alliance and the rest of the world", anchor="by-group", source=SOURCE_USGS
    )
    section.draw(
        charts.group_share_bars,
        f"{ctx.key}-groups",
        frame,
        title=f"{ctx.name}: shares of world supply by stage",
        description=f"Stacked bar chart of world shares. {described}.",
    )
    section.table = md_table(pl.DataFrame(rows), right=[CHINA, ALLIANCE, REST])
    if any(r["whole"] and r["whole"] > 1 + 1e-9 for _, r in summaries):
        section.notes.append(
            "Where the publisher's rounded world total is below the sum of its listed figures, the shares are of the published total and add up to slightly more than 100% (see the notes above)."
        )
    return section
