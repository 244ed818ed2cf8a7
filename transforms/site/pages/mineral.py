"""Mineral pages and the minerals index: a page per mineral of the registry, its lead sentence
and the sections registered for "mineral" pages (supply, trade and prices in
``mineral_supply``/``mineral_trade``, the marts in ``mineral_marts``), and the sortable index.
"""

from __future__ import annotations

import jinja2

from transforms.render import escape_markdown
from transforms.site import coverage, figures
from transforms.site.context import SiteFigures, production_source
from transforms.site.facts import world_share
from transforms.site.model import Page
from transforms.site.text import Markup, fmt_pct, md


def _mineral_lead(site: SiteFigures, mineral: dict) -> Markup:
    source = mineral.get("downstream_of")
    if source:
        return md(
            "{name} are a downstream product of {source}. No source publishes their production by country: below are a proxy, labelled as such, and U.S. imports.",
            name=mineral["name"],
            source=Markup(f"[{escape_markdown(site.mineral_names[source])}]({source}.md)"),
        )
    parts = []
    for stage in ("mine", "refinery"):
        row = site.stage_row(mineral["slug"], stage)
        if row and row["china_share"] is not None:
            parts.append(
                md(
                    "China accounted for **{china}** of world {stage} production in {year} ({source}), the alliance for {alliance}.",
                    china=world_share(row, "china_share"),
                    stage=stage,
                    year=row["year"],
                    source=production_source(row["source"], row["edition"]),
                    alliance=world_share(row, "alliance_share"),
                )
            )
    latest = site.import_row(figures.ALLIANCE_BLOC, mineral["slug"], site.trade_year)
    if latest and coverage.quotable(latest):
        parts.append(
            md(
                "China supplied {china} of the alliance's imports of {form} from outside the alliance in {year}.",
                china=coverage.shares_text(latest),
                form=coverage.form_text(latest, mineral["name"].lower()),
                year=latest["year"],
            )
        )
    return (
        Markup(" ".join(parts))
        if parts
        else md("USGS publishes no world shares for {name}.", name=mineral["name"].lower())
    )


def mineral_page(site: SiteFigures, env: jinja2.Environment, mineral: dict) -> Page:
    slug = mineral["slug"]
    path = f"minerals/{slug}.md"
    markdown = env.get_template("mineral.md.j2").render(
        mineral=mineral,
        lead=_mineral_lead(site, mineral),
        use=site.data.uses.get(slug),
        sections=site.sections(site.context("mineral", slug, path)),
        build_date=site.data.build_date,
    )
    return Page(path, mineral["name"], markdown)


def minerals_index(site: SiteFigures, env: jinja2.Environment) -> Page:
    rows = []
    for mineral in site.minerals:
        slug = mineral["slug"]
        mine, refinery = site.stage_row(slug, "mine"), site.stage_row(slug, "refinery")
        imports = site.import_row(figures.ALLIANCE_BLOC, slug, site.trade_year)
        best = max(
            (r for r in (mine, refinery) if r and r["top_code"]),
            key=lambda r: r["world_t"] or 0,
            default=None,
        )
        rows.append(
            {
                "Mineral": Markup(f"[{escape_markdown(mineral['name'])}]({slug}.md)"),
                "China, mine": figures.summary_share(mine, "china_share") if mine else "–",
                "China, refinery": figures.summary_share(refinery, "china_share")
                if refinery
                else "–",
                "Alliance, mine": fmt_pct(mine["alliance_share"]) if mine else "–",
                "Alliance, refinery": fmt_pct(refinery["alliance_share"]) if refinery else "–",
                "China's share of alliance imports (value)": fmt_pct(imports["china_share"])
                if imports and coverage.quotable(imports)
                else (coverage.why_not(imports) if imports else "–"),
                "Largest producer": site.economy(best["top_code"]) if best else "–",
                "EU CRM": "yes" if mineral["lists"]["eu_crm_2023"] else "no",
                "US critical": "yes" if mineral["lists"]["usgs_critical_2022"] else "no",
            }
        )
    header = list(rows[0])
    lines = [
        "| " + " | ".join(header) + " |",
        "|"
        + "|".join("---:" if h.startswith(("China", "Alliance")) else "---" for h in header)
        + "|",
    ]
    for row in rows:
        lines.append(
            "| "
            + " | ".join(
                str(v) if isinstance(v, Markup) else escape_markdown(v) for v in row.values()
            )
            + " |"
        )
    table = Markup("\n".join(lines))
    # A downstream product (magnets) is listed beside the minerals but is on neither list.
    products = [m["name"] for m in site.minerals if m.get("downstream_of")]
    markdown = env.get_template("minerals_index.md.j2").render(
        table=table,
        count=len(rows) - len(products),
        products=products,
        trade_year=site.trade_year,
    )
    return Page("minerals/index.md", "Minerals", markdown)
