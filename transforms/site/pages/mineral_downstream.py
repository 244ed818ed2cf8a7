"""Mineral pages of downstream products (a registry entry with ``downstream_of``, e.g.
permanent magnets made from rare earths): the production proxy the registry names, labelled as
a proxy, and U.S. imports of the product's own HS codes by partner.

No source publishes such a product's production by country, and its HS codes are outside the
BACI subset, so the usual production and alliance-import sections have nothing to show; these
sections read the clean tables that do cover the product (``production_iea`` for the proxy,
``magnet_imports`` for U.S. imports) and stay silent on every other page.
"""

from __future__ import annotations

import polars as pl

from transforms.site.context import SiteFigures
from transforms.site.model import PageContext, Section
from transforms.site.render_tables import Num, named, table
from transforms.site.sections import SECTIONS
from transforms.site.text import fmt_num, fmt_pct, fmt_usd, md
from transforms.stable import exact_sum

#: How the proxy's source reads; the registry names it by id.
PROXY_SOURCES = {"iea": ("production_iea", "IEA Critical Minerals Data Explorer 2024")}
US_IMPORTS_SOURCE = "UN Comtrade (U.S. as reporter)"
TOP_PARTNERS = 10


def _display_name(name: str) -> str:
    # "Permanent magnets (NdFeB)" inside a sentence: lower the first letter only.
    return name[:1].lower() + name[1:]


@SECTIONS.figures("mineral", order=12)
def production_proxy(site: SiteFigures, ctx: PageContext) -> Section | None:
    mineral = site.minerals_by_slug[ctx.key]
    proxy = mineral.get("production_proxy")
    if not proxy:
        return None
    table_name, source = PROXY_SOURCES[proxy["source"]]
    clean = site.data.clean.get(table_name)
    if clean is None:
        return None
    rows = clean.filter(
        (pl.col("mineral") == proxy["of_mineral"]) & (pl.col("stage") == proxy["stage"])
    )
    world = rows.filter(pl.col("economy") == "WORLD")
    if not world.height:
        return None
    year = int(world["year"].max())
    rows = rows.filter(pl.col("year") == year)
    world_t = float(world.filter(pl.col("year") == year)["quantity_t"].sum())
    china_t = float(rows.filter(pl.col("economy").is_in(site.china))["quantity_t"].sum())
    section = Section(
        title=f"Production: a proxy, {year}",
        anchor="production-proxy",
        source=f"{source} (proxy: {proxy['label']})",
    )
    section.paragraphs.append(
        md(
            "No source publishes world production of {name} by country; as a proxy, {label}, {year}: China {china} of {world} t ({share}).",
            name=_display_name(mineral["name"]),
            label=proxy["label"],
            year=year,
            china=fmt_num(china_t),
            world=fmt_num(world_t),
            share=fmt_pct(china_t / world_t if world_t else None),
        )
    )
    economies = rows.filter(pl.col("economy") != "WORLD").with_columns(
        (pl.col("quantity_t") / world_t).alias("share")
    )
    section.table = table(
        economies.sort("quantity_t", descending=True),
        named("economy", {**site.names, "OTHER": "Rest of world"}, "Economy"),
        Num("quantity_t", fmt_num, "Quantity (t)"),
        Num("share", fmt_pct, "Share of world"),
    )
    section.notes.append(
        md(
            "A proxy, not magnet production: it measures the refining of the rare earths magnets are made from ({detail}).",
            detail=rows["basis_detail"][0],
        )
    )
    return section


@SECTIONS.figures("mineral", order=31)
def us_product_imports(site: SiteFigures, ctx: PageContext) -> Section | None:
    mineral = site.minerals_by_slug[ctx.key]
    codes = mineral.get("product_hs6") or []
    imports = site.data.clean.get("magnet_imports")
    if not codes or imports is None:
        return None
    rows = imports.filter(pl.col("hs6").is_in(codes))
    if not rows.height:
        return None
    year = int(rows["year"].max())
    rows = rows.filter(pl.col("year") == year)
    total = float(rows["value_usd"].sum())
    china = float(rows.filter(pl.col("partner").is_in(site.china))["value_usd"].sum())
    section = Section(
        title=f"U.S. imports (HS {', '.join(codes)}), {year}",
        anchor="us-imports",
        source=US_IMPORTS_SOURCE,
    )
    section.paragraphs.append(
        md(
            "In {year} the United States imported {total} of {name} (HS {codes}) from {count} partners; China supplied **{china}**.",
            year=year,
            total=fmt_usd(total),
            name=_display_name(mineral["name"]),
            codes=", ".join(codes),
            count=rows["partner"].n_unique(),
            china=fmt_pct(china / total if total else None),
        )
    )
    top = (
        rows.group_by("partner")
        .agg(exact_sum("value_usd"))
        .with_columns((pl.col("value_usd") / total).alias("share"))
        .sort(["value_usd", "partner"], descending=[True, False])
        .head(TOP_PARTNERS)
    )
    section.table = table(
        top,
        named("partner", site.names, "Partner"),
        Num("value_usd", fmt_num, "Value (USD)"),
        Num("share", fmt_pct, "Share"),
    )
    section.notes.append(
        "U.S. imports only: no source in this build gives the allies' imports of the product. HS 850511 is all permanent magnets of metal (NdFeB, SmCo and others)."
    )
    return section
