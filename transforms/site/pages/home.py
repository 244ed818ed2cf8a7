"""The home page: the key findings, the minerals where China's share is largest, the sections
registered for "home" (China's export controls) and what changed since the previous build.
"""

from __future__ import annotations

from typing import Any

import jinja2
import polars as pl

from transforms.render import escape_markdown
from transforms.site import figures
from transforms.site.context import SiteFigures
from transforms.site.model import Headline, Page, PageContext, Section
from transforms.site.policy_tables import EVENTS_SOURCE, events_table
from transforms.site.render_tables import mineral_names
from transforms.site.sections import SECTIONS
from transforms.site.text import Markup, fmt_num, fmt_pct, fmt_usd, md

EXPOSED_MINERALS_HOME = 10


def _first(rows: pl.DataFrame) -> dict | None:
    return rows.row(0, named=True) if rows.height else None


def _finding(
    site: SiteFigures, r: dict, key: str, value: str, template: str, /, **values: Any
) -> Headline:
    """The finding ``key`` read from row ``r`` of a mineral: ``template`` filled with the
    mineral's name, the row's year, ``share`` (``r[value]`` as a percentage) and ``values``;
    linked to the mineral's page."""
    year = r.get("year")
    if year is not None and r.get("source"):
        # Production findings name their source: the precedence may pick IEA, BGS or WMD.
        source = r["source"] if not r["source"].startswith("USGS") else f"USGS MCS {r['edition']}"
        year = f"{year}; {source}"
    facts = {
        "mineral": site.mineral_names.get(r["mineral"], r["mineral"]).lower(),
        "year": year,
        "share": fmt_pct(r[value]),
    }
    return Headline(
        md(template, **{**facts, **values}),
        link=f"minerals/{r['mineral']}.md",
        key=key,
        value=r[value],
    )


def headlines(site: SiteFigures) -> list[Headline]:
    """Five to eight findings, each a fixed sentence pattern filled from the data."""
    out: list[Headline] = []
    s = site.summary.filter(pl.col("china_share").is_not_null())
    for stage, verb in (("refinery", "refines"), ("mine", "mines")):
        r = _first(s.filter(pl.col("stage") == stage).sort("china_share", descending=True))
        if r is not None:
            out.append(
                _finding(
                    site,
                    r,
                    f"top_china_{stage}",
                    "china_share",
                    "China {verb} **{share}** of the world's {mineral} ({year}); the alliance {alliance}.",
                    verb=verb,
                    alliance=fmt_pct(r["alliance_share"]),
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
        out += _trade_findings(site)
    r = _first(s.sort("alliance_share", descending=True))
    if r is not None:
        out.append(
            _finding(
                site,
                r,
                "alliance_strongest",
                "alliance_share",
                "Where the alliance is strongest: it produces **{share}** of the world's {stage} output of {mineral} ({year}); China {china}.",
                stage=r["stage"],
                china=fmt_pct(r["china_share"]),
            )
        )
    r = _first(
        site.reserve_summary.filter(pl.col("china_share").is_not_null()).sort(
            "china_share", descending=True
        )
    )
    if r is not None:
        out.append(
            _finding(
                site,
                r,
                "top_china_reserves",
                "china_share",
                "China holds **{share}** of known world reserves of {mineral} (USGS, {edition} edition).",
                edition=r["edition"],
            )
        )
    moves = _price_moves(site)
    if moves is not None:
        out.append(moves)
    return out[:8]


def _trade_findings(site: SiteFigures) -> list[Headline]:
    """The ally most dependent on China for a mineral."""
    out: list[Headline] = []
    r = _first(
        site.dependence.filter(
            pl.col("importer").is_in(site.alliance)
            & (pl.col("stage") == "all")
            & (pl.col("year") == site.trade_year)
            & (pl.col("imports_usd") >= 10 * figures.MIN_IMPORTS_USD)
            & pl.col("china_share").is_not_null()
        ).sort("china_share", "imports_usd", descending=True)
    )
    if r is not None:
        found = _finding(
            site,
            r,
            "most_dependent_ally",
            "china_share",
            "{who} sourced **{share}** of its {mineral} imports from China in {year} ({value}).",
            who=site.economy(r["importer"]),
            value=fmt_usd(r["imports_usd"]),
        )
        found.link = f"countries/{r['importer'].lower()}.md"
        out.append(found)
    return out


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
    found = _finding(
        site,
        r,
        "largest_price_move",
        "change",
        "The largest price move in {year}: {mineral}{series} {direction} **{change}** to {after} USD/t (USGS).",
        year=last,
        series="" if r["series"] == "Price" else f" ({r['series']})",
        direction="rose" if r["change"] > 0 else "fell",
        change=fmt_pct(abs(r["change"]), 0),
        after=fmt_num(r["after"]),
    )
    found.link += "#prices"
    return found


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
                "import_china_share": imports["china_share"]
                if imports and imports["finding_ok"] and imports["material_imports"]
                else None,
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
        mineral_count=sum(1 for m in site.minerals if not m.get("downstream_of")),
        editions=sorted(
            {
                int(e)
                for e in site.summary.filter(pl.col("source").str.starts_with("USGS"))["edition"]
            }
        ),
    )
    return Page("index.md", "Home", markdown)


@SECTIONS.mart("export_control_events", page="home", title="China's export controls", order=10)
def events_home(df: pl.DataFrame, ctx: PageContext) -> Section | None:
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
            minerals=", ".join(n.lower() for n in mineral_names(latest["minerals"], ctx)),
        )
    )
    section.table = events_table(rows, ctx)
    section.notes.append(
        "'Verified: no' means the announcement's number, dates or items could not be confirmed against a reproduction of it; see the events table for sources."
    )
    return section
