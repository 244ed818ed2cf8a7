"""The home page: the key findings, the minerals where China's share is largest, the sections
registered for "home" (China's export controls) and what changed since the previous build.
"""

from __future__ import annotations

import jinja2
import polars as pl

from transforms.render import escape_markdown
from transforms.site import figures
from transforms.site.context import SiteFigures
from transforms.site.model import Headline, Page, PageContext, Section
from transforms.site.render_tables import EVENTS_SOURCE, events_table
from transforms.site.sections import SECTIONS
from transforms.site.text import Markup, fmt_num, fmt_pct, fmt_usd, md

EXPOSED_MINERALS_HOME = 10


def headlines(site: SiteFigures) -> list[Headline]:
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


def _price_moves(site: SiteFigures) -> Headline | None:
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


def exposed_minerals(site: SiteFigures) -> pl.DataFrame:
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
    site: SiteFigures, env: jinja2.Environment, found: list[Headline], changed: list[str]
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
    markdown = env.get_template("home.md.j2").render(
        build_date=site.data.build_date,
        headlines=found,
        exposed=Markup("\n".join(lines)),
        sections=site.sections(site.context("home", None, "index.md")),
        changed=changed,
        trade_year=site.trade_year,
        mineral_count=len(site.minerals),
        editions=sorted({int(e) for e in site.summary["edition"].unique()}),
    )
    return Page("index.md", "Home", markdown)


@SECTIONS.mart("export_control_events", page="home", title="China's export controls", order=10)
def events_home(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    if not df.height:
        return None
    rows = df.sort("date_announced", descending=True)
    section = Section(
        title="China's export controls, 2023 onwards",
        anchor="export-controls",
        source=EVENTS_SOURCE,
    )
    latest = rows.row(0, named=True)
    section.paragraphs.append(
        md(
            "{n} announcements by China's Ministry of Commerce and General Administration of Customs; the latest, of {date}, covers {minerals}.",
            n=rows.height,
            date=latest["date_announced"],
            minerals=", ".join(
                ctx.mineral(m.strip()).lower()
                for m in (latest["minerals"] or "").split(",")
                if m.strip()
            ),
        )
    )
    section.table = events_table(rows, ctx)
    section.notes.append(
        "'Verified: no' means the announcement's number, dates or items could not be confirmed against a reproduction of it; see the events table for sources."
    )
    return section
