"""The home page is the briefing: dated, the five answers in brief, then one section per
question (``transforms.site.pages.home_answers``), China's export controls as of the briefing
date, and what changed.

``headlines`` are the answers' one-sentence findings: the home page lists them first, and the
build records their values (``transforms.site.changes``) so the next build can say what moved.
"""

from __future__ import annotations

import jinja2
import polars as pl

from transforms.site.context import SiteFigures
from transforms.site.model import Headline, Page, PageContext, Section
from transforms.site.pages import home_answers, home_scenarios
from transforms.site.policy_tables import EVENTS_SOURCE, events_table
from transforms.site.render_tables import mineral_names
from transforms.site.sections import SECTIONS
from transforms.site.text import Markup, md

_ANSWERS = "_home_answers"


def answers(site: SiteFigures) -> tuple[list[Section], list[Headline]]:
    """The five answer sections and their findings, computed once per build."""
    cached = getattr(site, _ANSWERS, None)
    if cached is not None:
        return cached
    ctx = site.context("home", None, "index.md")
    sections: list[Section] = []
    found: list[Headline] = []
    pairs = home_answers.stage_pairs(site)
    if pairs.height:
        built, said = home_answers.concentration_section(site, pairs)
        sections += built
        found += said
    for build in (
        home_answers.exposure_section,
        home_scenarios.ban_section,
        home_scenarios.stockpile_section,
        home_scenarios.floor_section,
    ):
        built, said = build(site, ctx)
        sections += built
        found += said
    setattr(site, _ANSWERS, (sections, found))
    return sections, found


def controls_today(events: pl.DataFrame) -> Markup | None:
    """One sentence: how many of China's export controls are in force on the briefing date, and
    which are not, by their status and the announcement that set it."""
    if not events.height or "status" not in events.columns:
        return None
    on = events["briefing_date"].drop_nulls()
    counts = events.group_by("status").len().sort(["len", "status"], descending=[True, False])
    others = [
        f"{r['len']} {r['status']}"
        for r in counts.iter_rows(named=True)
        if r["status"] != "in force"
    ]
    return md(
        "On {date}, **{n} of China's {m}** export-control announcements since 2023 on these minerals are in force{others}; the table gives each one's status and the announcement that set it.",
        date=f"{on[0]:%-d %B %Y}" if on.len() else "the briefing date",
        n=events.filter(pl.col("status") == "in force").height,
        m=events.height,
        others=f" ({', '.join(others)})" if others else "",
    )


def headlines(site: SiteFigures) -> list[Headline]:
    """The findings of the five answers, in order, plus the export controls' status today."""
    found = list(answers(site)[1])
    events = site.data.marts.get("export_control_events")
    said = controls_today(events) if events is not None else None
    if said is not None:
        found.append(
            Headline(
                said,
                link="#export-controls",
                key="controls_in_force",
                value=float(events.filter(pl.col("status") == "in force").height),
            )
        )
    return found


def home_page(
    site: SiteFigures, env: jinja2.Environment, found: list[Headline], changed: list[str]
) -> Page:
    sections, _ = answers(site)
    markdown = env.get_template("home.md.j2").render(
        build_date=site.data.build_date,
        headlines=found,
        answers=sections,
        sections=site.sections(site.context("home", None, "index.md")),
        changed=changed,
        trade_year=site.trade_year,
        mineral_count=sum(1 for m in site.minerals if not m.get("downstream_of")),
    )
    return Page("index.md", "Home", markdown)


@SECTIONS.mart("export_control_events", page="home", title="China's export controls", order=10)
def events_home(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = df.sort(["date_announced", "event_id"], descending=[True, False])
    section = Section(
        title="China's export controls today",
        anchor="export-controls",
        source=EVENTS_SOURCE,
    )
    latest = rows.row(0, named=True)
    today = controls_today(df)
    if today is not None:
        section.paragraphs.append(today)
    section.paragraphs.append(
        md(
            "{n} announcements by China's Ministry of Commerce and General Administration of Customs since 2023; the latest, of {date}, covers {minerals}. Each row gives its status on the briefing date and the announcement that set it.",
            n=rows.height,
            date=f"{latest['date_announced']:%-d %B %Y}",
            minerals=", ".join(n.lower() for n in mineral_names(latest["minerals"], ctx)),
        )
    )
    section.table = events_table(rows, ctx)
    section.notes.append(
        "'Verified: no' means the announcement's number, dates or items could not be confirmed against a reproduction of it; see the events table for sources."
    )
    return section
