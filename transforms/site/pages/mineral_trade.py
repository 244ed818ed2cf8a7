"""Mineral pages, trade and prices: imports into the alliance, each ally's dependence on China,
USGS prices and U.S. net import reliance, and the page's sources.

Figures sections (``transforms.site.sections``) built from the clean trade and U.S. salient
statistics through ``SiteFigures``.
"""

from __future__ import annotations

import polars as pl

from transforms.site import charts, coverage, facts, figures
from transforms.site.context import (
    SOURCE_USGS,
    TREND_YEARS,
    SiteFigures,
    mineral_slice,
)
from transforms.site.facts import Fact, fact, import_share
from transforms.site.model import PageContext, Section
from transforms.site.palette import CHINA
from transforms.site.render_tables import NIR_MEASURES, Num, named, table
from transforms.site.sections import SECTIONS, page_rows
from transforms.site.text import Markup, fmt_mass, fmt_num, fmt_pct, fmt_usd, md


@SECTIONS.figures("mineral", order=30)
def alliance_imports(site: SiteFigures, ctx: PageContext) -> Section | None:
    mineral = site.minerals_by_slug[ctx.key]
    slug, name = mineral["slug"], mineral["name"]
    section = Section(title="Imports into the alliance", anchor="trade", source=site.baci_source)
    if not (mineral["hs"]["ore"] or mineral["hs"]["refined"]):
        section.paragraphs.append(
            md(
                "Trade cannot be shown: {note} China's share of the allies' imports is not computable from the trade data; see Other sources below.",
                note=mineral["hs"].get("note") or "the mineral has no HS code in the trade data.",
            )
        )
        return section
    latest = site.import_row(figures.ALLIANCE_BLOC, slug, site.trade_year)
    if latest is None or latest["stage"] is None:
        section.paragraphs.append(
            md("The trade data hold no imports of {name} into the alliance.", name=name.lower())
        )
        return section
    form = coverage.form_text(latest, name.lower())
    section.paragraphs.append(
        md(
            "In {year} the alliance imported {value} of {form} from outside the alliance ({tonnes} gross weight; trade codes: {codes}).",
            year=latest["year"],
            value=fmt_usd(latest["imports_usd"]),
            form=form,
            tonnes=fmt_mass(latest["imports_t"]),
            codes=latest["trade_coverage"],
        )
    )
    if coverage.quotable(latest):
        section.paragraphs.append(
            md(
                "China supplied **{shares}**; the largest supplier by value was {top} ({top_share}).",
                shares=coverage.shares_text(latest),
                top=site.economy(latest["top_supplier"]),
                top_share=fact(
                    fmt_pct(latest["top_supplier_share"]),
                    Fact(
                        slug,
                        figures.ALLIANCE_BLOC,
                        import_share(latest["top_supplier"]),
                        "value",
                        latest["stage"],
                        latest["year"],
                    ),
                ),
            )
        )
    else:
        section.paragraphs.append(
            md(
                "China's share of these imports is **no finding** ({why}). {note} See Other sources below.",
                why=coverage.why_not(latest),
                note=latest["coverage_note"] or "",
            )
        )
    stage = latest["stage"]
    by_year = figures.supplier_groups_by_year(
        site.importer_flows, figures.ALLIANCE_BLOC, slug, site.alliance, site.china, stage=stage
    )
    by_year = by_year.filter(pl.col("year") > (site.trade_year or 0) - TREND_YEARS)
    if by_year.height:
        first, last = int(by_year["year"].min()), int(by_year["year"].max())
        section.draw(
            charts.group_stacked_years,
            f"{slug}-alliance-imports",
            by_year,
            title=f"{name}: alliance imports of {coverage.STAGE_FORMS[stage]} from outside the alliance, {first}-{last}",
            description=f"Stacked bar chart of the value of alliance imports of {form} by supplier group, {first} to {last}, in current US dollars."
            + (
                f" In {last}, China supplied {fmt_pct(latest['china_share'])} of the value."
                if coverage.quotable(latest)
                else " China's share is no finding: the codes do not cover the stage China holds."
            ),
            value_title="Imports (current USD)",
        )
    suppliers = figures.top_suppliers(
        site.importer_flows, figures.ALLIANCE_BLOC, slug, latest["year"], stage=stage
    )
    section.table = table(
        suppliers,
        named("exporter_code", site.names, "Supplier"),
        Num("value_usd", fmt_usd, "Value"),
        Num("quantity_t", fmt_num, "Quantity (t, gross weight)"),
        Num(
            "share",
            fmt_pct,
            "Share of value",
            fact=lambda r: Fact(
                slug,
                figures.ALLIANCE_BLOC,
                import_share(r["exporter_code"]),
                "value",
                stage,
                latest["year"],
            ),
        ),
    )
    section.notes.append(
        "Trade between alliance members is left out. Quantities are gross weights of the traded goods, not metal content."
    )
    return section


@SECTIONS.mart("china_import_shares", page="mineral", title="Allies' imports from China", order=35)
@page_rows(lambda df, ctx: df.filter(pl.col("mineral") == ctx.key))
def allies_dependence(part: pl.DataFrame, ctx: PageContext) -> Section | None:
    year = part["year"].max()
    rows = part.filter((pl.col("year") == year) & pl.col("material_imports"))
    if not rows.height:
        return None
    rows = rows.with_columns(named("importer", ctx.economy_names, "label")).sort(
        [coverage.quotable_expr(), "china_share", "importer"],
        descending=[True, True, False],
        nulls_last=True,
    )
    section = Section(
        title=f"Each ally's imports from China, {year}", anchor="allies", source=rows["source"][0]
    )
    quoted = rows.filter(coverage.quotable_expr())
    if quoted.height:
        top = quoted.row(0, named=True)
        section.paragraphs.append(
            md(
                "China's share of each ally's imports of {form} (for the EU and the alliance as blocs, imports from outside the bloc), by value and by tonnes. The most dependent by value is {who}: **{shares}**.",
                form=coverage.form_text(top, ctx.name.lower()),
                who=top["label"],
                shares=coverage.shares_text(top),
            )
        )
        section.draw(
            charts.ranked_bars,
            f"{ctx.key}-allies",
            quoted.select(
                "label", pl.lit(CHINA).alias("group"), pl.col("china_share").alias("value")
            ),
            title=f"{ctx.name}: China's share of the value of each ally's imports, {year}",
            description=f"Horizontal bar chart of China's share of import value for {quoted.height} importers; highest {top['label']} at {fmt_pct(top['china_share'])}. Importers with less than one million US dollars of imports are left out.",
            value_title="China's share of imports (value)",
            value_format=".0%",
        )
    else:
        first = rows.row(0, named=True)
        section.paragraphs.append(
            md(
                "China's share of the allies' imports of {name} is **no finding** ({why}): {note}",
                name=ctx.name.lower(),
                why=coverage.why_not(first),
                note=first["coverage_note"] or "",
            )
        )
    cells = [coverage.share_cells(r) for r in rows.iter_rows(named=True)]
    rows = rows.with_columns(
        pl.Series("value_cell", [c[0] for c in cells], dtype=pl.Utf8),
        pl.Series("tonnes_cell", [c[1] for c in cells], dtype=pl.Utf8),
        pl.Series("why", [coverage.why_not(r) for r in rows.iter_rows(named=True)], dtype=pl.Utf8),
        pl.col("stage").replace_strict(coverage.STAGE_FORMS, default="").alias("form"),
    )
    section.table = table(
        rows,
        pl.col("label").alias("Importer"),
        pl.col("form").alias("Traded as"),
        Num("imports_usd", fmt_usd, "Imports (value)"),
        Num("imports_t", fmt_mass, "Imports (gross weight)"),
        Num("value_cell", None, "China's share by value"),
        Num("tonnes_cell", None, "China's share by tonnes"),
        named("top_supplier", ctx.economy_names, "Top supplier (value)"),
        Num(
            "top_supplier_share",
            fmt_pct,
            "Top supplier's share (value)",
            fact=lambda r: Fact(
                r["mineral"],
                r["importer"],
                import_share(r["top_supplier"]),
                "value",
                r["stage"],
                r["year"],
            ),
        ),
        pl.col("why").alias("Not quoted because"),
    )
    section.notes.append(
        f"Importers with imports under {fmt_usd(figures.MIN_IMPORTS_USD)} in the year are not listed. Value: current US dollars; tonnes: gross weight of the traded goods. Trade codes: {rows['trade_coverage'][0]}."
    )
    return section


@SECTIONS.mart(
    "china_other_sources", page="mineral", title="Other sources on China's part", order=37
)
@page_rows(lambda df, ctx: df.filter(pl.col("mineral") == ctx.key))
def other_sources(part: pl.DataFrame, ctx: PageContext) -> Section | None:
    section = Section(title="Other sources on China's part", anchor=coverage.OTHER_SOURCES_ANCHOR)
    section.paragraphs.append(
        "Figures from sources other than the trade data above, each on its own basis: they cover forms the trade codes miss and are not comparable with the shares above."
    )
    usgs = part.filter(pl.col("evidence") == "usgs_import_sources")
    if usgs.height:
        usgs = usgs.with_columns(
            pl.struct("china_share", "china_listed", "other_share")
            .map_elements(_usgs_cell, return_dtype=pl.Utf8)
            .alias("cell")
        )
        section.paragraphs.append(
            md(
                "**United States, import sources by form** ({basis}; {source}):",
                basis=usgs["basis"][0],
                source=usgs["source"][0],
            )
        )
        section.paragraphs.append(
            table(
                usgs,
                pl.col("form").alias("Form"),
                pl.col("period").alias("Years"),
                Num("cell", None, "China's share of U.S. imports"),
            )
        )
    magnets = part.filter(pl.col("evidence") == "us_magnet_imports")
    if magnets.height:
        last = magnets.sort("year").row(-1, named=True)
        section.paragraphs.append(
            md(
                "**United States, {form}**: China supplied {share} of the value of U.S. imports in {year} ({value}; {source}).",
                form=last["form"],
                share=fmt_pct(last["china_share"]),
                year=last["year"],
                value=fmt_usd(last["value_usd"]),
                source=last["source"],
            )
        )
    exports = part.filter(
        (pl.col("evidence") == "china_exports") & (pl.col("value_usd") >= figures.MIN_IMPORTS_USD)
    )
    if exports.height:
        latest = exports.filter(pl.col("year") == exports["year"].max()).with_columns(
            named("importer", ctx.economy_names, "label")
        )
        section.paragraphs.append(
            md(
                "**China's reported exports to the allies, {year}** ({basis}; {source}). Not a share: the allies' imports of these forms from everyone are not in the data.",
                year=latest["year"][0],
                basis=latest["basis"][0],
                source=latest["source"][0],
            )
        )
        section.paragraphs.append(
            table(
                latest.sort("form", "value_usd", descending=[False, True]),
                pl.col("label").alias("Destination"),
                pl.col("form").alias("Form"),
                Num("value_usd", fmt_usd, "Value"),
                Num("quantity_t", fmt_mass, "Gross weight"),
            )
        )
    return section


def _usgs_cell(row: dict) -> str:
    if row["china_share"] is not None:
        return fmt_pct(row["china_share"], 0)
    if row["other_share"] is not None:
        return f"not named (at most {fmt_pct(row['other_share'], 0)}, the share of other countries)"
    return "not named"


@mineral_slice("prices_by", order=85)
def prices(rows: pl.DataFrame, site: SiteFigures, ctx: PageContext) -> Section | None:
    section = Section(
        title="Prices", anchor="prices", source=f"{SOURCE_USGS} (U.S. salient statistics)"
    )
    first, last = int(rows["year"].min()), int(rows["year"].max())
    section.paragraphs.append(
        md(
            "Annual average prices as USGS publishes them in the U.S. salient statistics, {first}-{last}, in current US dollars.",
            first=first,
            last=last,
        )
    )
    charts_html = []
    for unit, unit_label in figures.PRICE_UNITS.items():
        unit_rows = rows.filter((pl.col("unit") == unit) & pl.col("value").is_not_null())
        if not unit_rows.height:
            continue
        latest = unit_rows.filter(pl.col("year") == unit_rows["year"].max())
        listed = "; ".join(
            f"{r['series']} {fmt_num(r['value'])}" for r in latest.iter_rows(named=True)
        )
        charts_html.append(
            charts.series_lines(
                f"{ctx.key}-prices-{unit}",
                unit_rows.select("year", "series", "value"),
                title=f"{ctx.name}: prices, {unit_label}",
                description=f"Line chart of {unit_rows['series'].n_unique()} price series, {first} to {last}. Latest ({latest['year'][0]}): {listed} {unit_label}.",
                source=f"{SOURCE_USGS}",
                value_title=unit_label,
            )
        )
    if charts_html:
        section.chart = Markup("\n\n".join(charts_html))
    latest_year = rows.group_by("series", "unit").agg(pl.all().sort_by("year").last())
    section.table = table(
        latest_year.sort("series"),
        pl.col("series").alias("Series"),
        pl.col("statistic").alias("Statistic as published"),
        named("unit", figures.PRICE_UNITS, "Unit"),
        pl.col("year").alias("Year"),
        Num("value", fmt_num, "Price"),
        pl.col("source_file").alias("File"),
    )
    return section


@SECTIONS.figures("mineral", order=90)
def us_net_import_reliance(site: SiteFigures, ctx: PageContext) -> Section | None:
    rows = site.nir.filter(pl.col("mineral") == ctx.key)
    if not rows.height:
        return None
    section = Section(
        title="U.S. net import reliance",
        anchor="us-nir",
        source=f"{SOURCE_USGS} (U.S. salient statistics)",
    )
    section.paragraphs.append(
        "Net imports as a share of apparent consumption in the United States, as USGS publishes it from U.S. production, trade and stock figures on its own basis (E = net exporter)."
    )
    section.table = table(
        rows,
        pl.col("statistic").alias("Statistic"),
        pl.col("year").alias("Year"),
        # USGS's own measure, named apart from the net import reliance computed from BACI.
        Num(
            "value_text",
            lambda v: "" if v is None else str(v),
            "Net import reliance, USGS (%)",
            fact=lambda r: Fact(
                ctx.key, "USA", facts.US_NET_IMPORT_RELIANCE, r["statistic"], "", r["year"]
            ),
        ),
        pl.col("source_file").alias("File"),
    )
    section.notes.append(NIR_MEASURES)
    return section


@SECTIONS.figures("mineral", order=95)
def sources(site: SiteFigures, ctx: PageContext) -> Section:
    mineral = site.minerals_by_slug[ctx.key]
    slug = mineral["slug"]
    files: set[str] = set()
    for parts in (site.shares_by, site.reserves_by, site.prices_by):
        part = site.slice(parts, slug)
        if part is not None:
            files |= set(part["source_file"].drop_nulls().to_list())
    section = Section(title="Sources and notes", anchor="sources")
    if files:
        section.paragraphs.append(md("USGS files: {files}.", files=", ".join(sorted(files))))
    codes = [(stage, code) for stage in ("ore", "refined") for code in mineral["hs"][stage]]
    if codes:
        described = "; ".join(
            f"{code} ({stage}{': ' + site.data.hs_descriptions[code] if code in site.data.hs_descriptions else ''})"
            for stage, code in codes
        )
        section.paragraphs.append(md("Trade: CEPII BACI, HS 1992 codes {codes}.", codes=described))
    if mineral["hs"].get("note"):
        section.notes.append(md("HS codes: {note}", note=mineral["hs"]["note"]))
    if mineral.get("note"):
        section.notes.append(md("Registry note: {note}", note=mineral["note"]))
    lists = [
        label
        for flag, label in (
            ("eu_crm_2023", "EU critical raw material (2023)"),
            ("eu_strategic_2023", "EU strategic raw material (2023)"),
            ("usgs_critical_2022", "U.S. critical mineral (2022)"),
        )
        if mineral["lists"][flag]
    ]
    if lists:
        section.paragraphs.append(md("Listed as: {lists}.", lists="; ".join(lists)))
    section.paragraphs.append(
        Markup(f"Citations and licences: [Sources and citations]({'../data/sources.md'}).")
    )
    return section
