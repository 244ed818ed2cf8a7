"""Mineral pages, concentration by stage and across time: China's share at the mine beside its
share at the processing stage (each with stage, year and source), its share since 1971 (mart
``concentration_history``) and the IEA's outlook to 2040 (mart ``concentration_outlook``).
"""

from __future__ import annotations

import re

import polars as pl

from transforms.site import charts
from transforms.site.context import SOURCE_USGS, SiteFigures, production_source
from transforms.site.facts import publisher, share_fact_for, share_fact_in, world_share
from transforms.site.model import PageContext, Section
from transforms.site.render_tables import Num, md_table, named, table
from transforms.site.sections import SECTIONS, page_rows
from transforms.site.text import Markup, fmt_pct, md

# --- mine against processing, across time ---------------------------------------------------

PROCESSING = "processing (refinery)"
STAGE_WORDS = {"mine": "mine", "refinery": PROCESSING}
SOURCE_IEA = "IEA Critical Minerals Data Explorer"


def stage_rows(site: SiteFigures, slug: str) -> list[dict]:
    """China's share of a mineral's world supply at the mine and at the processing stage: the
    production summary's rows (USGS first, by the source precedence), then the IEA's 2023
    figure for a stage the summary lacks. Each row: stage, product (or None), year, share (0-1),
    share_text (as displayed, marked as a fact), alliance_share, alliance_text (as displayed,
    marked), top_code, source."""
    rows: list[dict] = []
    for stage in ("mine", "refinery"):
        row = site.stage_row(slug, stage)
        if row and row["china_share"] is not None:
            rows.append(
                {
                    "stage": stage,
                    "product": None,
                    "year": row["year"],
                    "share": row["china_share"],
                    "share_text": world_share(row, "china_share"),
                    "alliance_share": row["alliance_share"],
                    "alliance_text": world_share(row, "alliance_share"),
                    "top_code": row["top_code"],
                    "source": production_source(row["source"], row["edition"]),
                }
            )
    shown = {r["stage"] for r in rows if r["source"].startswith("IEA")}
    iea = site.data.marts.get("concentration_outlook")
    if iea is not None:
        base = iea.filter((pl.col("mineral") == slug) & (pl.col("year") == pl.col("year").min()))
        for r in base.sort("stage").iter_rows(named=True):
            # The summary's IEA row already is the IEA's figure for that stage.
            if r["china_share"] is None or r["stage"] in shown:
                continue
            rows.append(
                {
                    "stage": r["stage"],
                    "product": r["product"],
                    "year": r["year"],
                    "share": r["china_share"],
                    "share_text": world_share(r, "china_share"),
                    "alliance_share": r["alliance_share"],
                    "alliance_text": world_share(r, "alliance_share"),
                    "top_code": r["top1_code"],
                    "source": r["source"],
                }
            )
    return rows


@SECTIONS.figures("mineral", order=9)
def mine_and_processing(site: SiteFigures, ctx: PageContext) -> Section | None:
    """China's share at the mine beside its share at the processing stage, each with stage,
    year and source (:func:`stage_rows`)."""
    rows = [
        {
            "Stage": STAGE_WORDS[r["stage"]].capitalize()
            + (f": {r['product']}" if r["product"] else ""),
            "Year": str(r["year"]),
            "China": r["share_text"],
            "Alliance": r["alliance_text"],
            "Largest producer": site.economy(r["top_code"]),
            "Source": r["source"],
        }
        for r in stage_rows(site, ctx.key)
    ]
    if not rows:
        return None
    section = Section(
        title="How concentrated: mine and processing",
        anchor="mine-and-processing",
        source=f"{SOURCE_USGS}; {SOURCE_IEA}; see each row",
    )
    first: dict[str, dict] = {}
    for r in rows:
        first.setdefault(r["Stage"].split(":")[0], r)
    said = [
        md(
            "{stage}: **{china}** ({year}, {source})",
            stage=stage,
            china=r["China"],
            year=r["Year"],
            source=r["Source"],
        )
        for stage, r in first.items()
    ]
    section.paragraphs.append(
        md("China's share of world {name} supply by stage. ", name=ctx.name.lower())
        + Markup("; ".join(said))
        + "."
    )
    if not any(r["Stage"].startswith("Processing") for r in rows):
        section.paragraphs.append(
            md(
                "No source here (USGS, IEA, BGS) publishes {name} processing output by country, so China's processing share is not computable.",
                name=ctx.name.lower(),
            )
        )
    section.table = md_table(pl.DataFrame(rows), right=["China", "Alliance"])
    section.notes.append(
        "Processing means refining (separation and chemicals for rare earths, lithium chemicals, battery-grade graphite). Shares are of each source's own world total; the IEA counts only its main producers by name."
    )
    return section


def _share_series(rows: pl.DataFrame) -> pl.DataFrame:
    """China's and the alliance's share per stage as chart series: year, series, value."""
    return pl.concat(
        [
            rows.filter(pl.col(col).is_not_null()).select(
                pl.col("year"),
                (pl.lit(f"{who}, ") + pl.col("stage").replace_strict(STAGE_WORDS)).alias("series"),
                pl.col(col).alias("value"),
            )
            for col, who in (("china_share", "China"), ("alliance_share", "Alliance"))
        ]
    ).sort("series", "year")


def _unyeared(source: str) -> str:
    """A source label without its edition years: "BGS World Mineral Statistics"."""
    return re.sub(r" \d{4}(,\d{4})*$", "", source)


def _sources_by_period(rows: pl.DataFrame) -> str:
    """ "BGS World Mineral Statistics 1971-2023; USGS MCS 2026 2024-2025" per stage."""
    spans = (
        rows.with_columns(pl.col("source").map_elements(_unyeared, return_dtype=pl.Utf8))
        .group_by("stage", "source")
        .agg(pl.col("year").min().alias("first"), pl.col("year").max().alias("last"))
        .sort("stage", "first")
    )
    return "; ".join(
        f"{STAGE_WORDS[r['stage']]}: {r['source']} {r['first']}-{r['last']}"
        if r["first"] != r["last"]
        else f"{STAGE_WORDS[r['stage']]}: {r['source']} {r['first']}"
        for r in spans.iter_rows(named=True)
    )


@SECTIONS.mart("concentration_history", page="mineral", title="China's share since 1971", order=26)
@page_rows(
    lambda df, ctx: df.filter((pl.col("mineral") == ctx.key) & pl.col("china_share").is_not_null())
)
def history(rows: pl.DataFrame, ctx: PageContext) -> Section | None:
    series = _share_series(rows)
    if rows["year"].n_unique() < 2:
        return None
    first, last = int(rows["year"].min()), int(rows["year"].max())
    sources = _sources_by_period(rows)
    section = Section(
        title=f"China's share of world production, {first}-{last}",
        anchor="history",
        source=f"BGS World Mineral Statistics, then {SOURCE_USGS}",
    )
    ends = []
    for stage in ("mine", "refinery"):
        part = rows.filter(pl.col("stage") == stage).sort("year")
        if part.height > 1:
            a, b = part.row(0, named=True), part.row(-1, named=True)
            # The page's own figure for a year comes first from USGS (the source precedence);
            # a latest figure from another publisher can differ from it for the same year
            # (cobalt refining 2023: BGS 79.7%, IEA 76.7%), so it names its source.
            source = "" if publisher(b["source"]) == "USGS" else _unyeared(b["source"])
            ends.append(
                md(
                    "at the {stage} stage from {a} in {ya} to {b} in {yb}{source}",
                    stage=STAGE_WORDS[stage],
                    a=world_share(a, "china_share"),
                    ya=a["year"],
                    b=world_share(b, "china_share"),
                    yb=b["year"],
                    source=f" ({source})" if source else "",
                )
            )
    if ends:
        section.paragraphs.append(
            md("China's share of world {name} production went ", name=ctx.name.lower())
            + Markup("; ".join(ends))
            + "."
        )
    section.draw(
        charts.share_lines,
        f"{ctx.key}-china-history",
        series,
        title=f"{ctx.name}: China's and the alliance's share of world production, {first}-{last}",
        description=f"Line chart, 0 to 100%, of China's and the alliance's share of world {ctx.name.lower()} production by stage, {first} to {last}. Sources: {sources}.",
        value_title="Share of world production",
    )
    section.notes.append(
        md(
            "Sources by period: {sources}. BGS shares are of the sum of every producer BGS lists, USGS shares of its rounded world total: a step where the source changes can be the change of source. Where BGS publishes several products, the year's figures are on one tonnage basis (products read: see the data table).",
            sources=sources,
        )
    )
    return section


@SECTIONS.mart("concentration_outlook", page="mineral", title="Outlook to 2040", order=27)
@page_rows(
    lambda df, ctx: df.filter((pl.col("mineral") == ctx.key) & pl.col("china_share").is_not_null())
)
def outlook(rows: pl.DataFrame, ctx: PageContext) -> Section | None:
    first, last = int(rows["year"].min()), int(rows["year"].max())
    section = Section(
        title=f"Outlook: China's share {first}-{last} (IEA base case)",
        anchor="outlook",
        source=f"{rows['source'][0]}, base case",
    )
    products = "; ".join(
        f"{STAGE_WORDS[s]}: {p}"
        for s, p in rows.select("stage", "product").unique().sort("stage").iter_rows()
    )
    section.draw(
        charts.share_lines,
        f"{ctx.key}-china-outlook",
        _share_series(rows),
        title=f"{ctx.name}: China's and the alliance's share of world supply, {first}-{last} (IEA base case)",
        description=f"Line chart, 0 to 100%, of China's and the alliance's share in {first} and in the IEA base-case projections to {last} ({products}).",
        value_title="Share of world supply",
    )
    section.table = table(
        rows.sort("stage", "year"),
        pl.col("stage")
        .replace_strict({k: v.capitalize() for k, v in STAGE_WORDS.items()})
        .alias("Stage"),
        pl.col("product").alias("Product"),
        pl.col("year").cast(pl.Utf8).alias("Year"),
        Num("china_share", fmt_pct, "China", fact=share_fact_for("CHN")),
        Num("alliance_share", fmt_pct, "Alliance", fact=share_fact_for("ALLIANCE")),
        named("top1_code", ctx.economy_names, "Largest producer"),
        Num("top1_share", fmt_pct, "Its share", fact=share_fact_in("top1_code")),
    )
    section.notes.append(
        "Projections, not observations: the IEA base case reflects stated policies and announced projects. Shares are of the IEA's world total; where its named producers and 'rest of world' add to more than that total, the shares are as the IEA's total gives them."
    )
    return section


@SECTIONS.mart(
    "concentration_by_element", page="mineral", title="Platinum and palladium separately", order=12
)
@page_rows(lambda df, ctx: df.filter(pl.col("mineral") == ctx.key))
def by_element(rows: pl.DataFrame, ctx: PageContext) -> Section | None:
    latest = rows.filter(pl.col("year") == pl.col("year").max().over("element")).sort("element")
    sources = "; ".join(sorted(set(rows["source"].to_list())))
    section = Section(
        title="Platinum and palladium separately", anchor="by-element", source=sources
    )
    said = [
        md(
            "{top} led {element} ({share} of world mine production, {year}, {source})",
            top=ctx.economy(r["top1_code"]),
            element=r["element"],
            share=fmt_pct(r["top1_share"]),
            year=r["year"],
            source=r["source"],
        )
        for r in latest.iter_rows(named=True)
    ]
    section.paragraphs.append(
        md(
            "The figures above are for the {name} as one group (platinum and palladium added together, as USGS prints the chapter). The elements are separate markets: ",
            name=ctx.name.lower(),
        )
        + Markup("; ".join(said))
        + "."
    )
    section.table = table(
        latest,
        pl.col("element").str.to_titlecase().alias("Element"),
        pl.col("year").cast(pl.Utf8).alias("Year"),
        named("top1_code", ctx.economy_names, "Largest producer"),
        Num("top1_share", fmt_pct, "Its share"),
        Num("china_share", fmt_pct, "China"),
        Num("alliance_share", fmt_pct, "Alliance"),
        pl.col("source").alias("Source"),
    )
    section.notes.append(
        "Shares of the sum of every producer the source lists (BGS World Mineral Statistics to 2023, World Mining Data after)."
    )
    return section
