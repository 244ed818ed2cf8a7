"""How the site renders tables: Markdown tables from frames (``table``: a list of column specs),
and the tables and sections of marts that more than one page kind shows (net import reliance,
supply risk, export controls, export ban, stockpiles, price floors), with the source line each
of those sections cites. A mart of (mineral, importer) rows is cut by a ``Facet``: a mineral page
lists its importers, a country page its minerals, the scenarios page the alliance's minerals.

Every cell is escaped for Markdown (``transforms.render.frame_to_markdown`` or ``md``), so data
can never break out of its cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import polars as pl

from transforms.render import frame_to_markdown
from transforms.site.model import PageContext, Section
from transforms.site.sections import latest
from transforms.site.text import Markup, fmt_num, fmt_pct, fmt_usd, md


def formatted(column: str, fmt: Callable[[Any], str], title: str) -> pl.Expr:
    """Column ``column`` as the text ``fmt`` makes of each value, titled ``title``."""
    return pl.col(column).map_elements(fmt, return_dtype=pl.Utf8).alias(title)


def fixed(digits: int) -> Callable[[Any], str]:
    """A formatter: a number with ``digits`` decimals, "n/a" when missing."""
    return lambda v: "n/a" if v is None else f"{v:.{digits}f}"


def named(column: str, names: dict[str, str], title: str) -> pl.Expr:
    """Column ``column`` of codes (ISO3, mineral slugs) as the names ``names`` gives them."""
    return pl.col(column).replace_strict(names, default=pl.col(column)).alias(title)


class Num(NamedTuple):
    """A number column of a table: ``column`` shown as ``fmt`` writes it (as is when None),
    titled ``title`` and right-aligned."""

    column: str
    fmt: Callable[[Any], str] | None
    title: str

    def expr(self) -> pl.Expr:
        if self.fmt is None:
            return pl.col(self.column).alias(self.title)
        return formatted(self.column, self.fmt, self.title)


def md_table(df: pl.DataFrame, right: Iterable[str] = ()) -> Markup:
    """A frame as a Markdown table, the columns named in ``right`` right-aligned."""
    return Markup(frame_to_markdown(df, align=dict.fromkeys(right, "right")))


def table(rows: pl.DataFrame, *columns: pl.Expr | Num) -> Markup:
    """The Markdown table of ``columns`` of ``rows``: expressions as they are, ``Num`` columns
    formatted and right-aligned."""
    return md_table(
        rows.select([c.expr() if isinstance(c, Num) else c for c in columns]),
        right=[c.title for c in columns if isinstance(c, Num)],
    )


# The dependence mart's status codes (transforms/marts/dependence.py) in words.
PRODUCTION_STATUS_LABELS = {
    "reported": "reported",
    "not_listed": "not listed by USGS",
    "withheld": "withheld (W)",
    "not_numeric": "not a number",
    "no_table": "no USGS table",
}
NIR_NOTE_LABELS = {
    "net_exporter": "net exporter",
    "apparent_consumption_not_positive": "use not positive",
    "no_tonnage": "no tonnage",
    "production_unknown": "production unknown",
}


def _nir_table(rows: pl.DataFrame, first: pl.Expr) -> Markup:
    return table(
        rows,
        first,
        pl.col("stage").alias("Stage"),
        pl.col("year").alias("Year"),
        Num("net_import_reliance", lambda v: fmt_pct(v, 0), "Net import reliance"),
        Num("china_share", fmt_pct, "China's share of imports"),
        pl.col("production_status").replace(PRODUCTION_STATUS_LABELS).alias("Production"),
        pl.when(pl.col("basis_mismatch"))
        .then(pl.lit("yes"))
        .otherwise(pl.lit(""))
        .alias("Basis differs"),
        pl.col("nir_note").replace(NIR_NOTE_LABELS).fill_null("").alias("Note"),
    )


NIR_NOTE = "Net import reliance = (imports − exports) / (production + imports − exports), in tonnes. Trade tonnes are gross weights; where production is counted as metal content ('Basis differs') the figure is indicative only. Negative = net exporter."


@dataclass(frozen=True)
class Facet:
    """How a page cuts a mart of (mineral, importer) rows: the rows whose ``key`` column is the
    page's key (or ``value``), one table row per ``by``, labelled with ``ctx``'s ``names``."""

    key: str
    by: str
    heading: str
    names: str  # the PageContext attribute naming the ``by`` codes
    value: str | None = None

    def rows(self, df: pl.DataFrame, ctx: PageContext) -> pl.DataFrame:
        return df.filter(pl.col(self.key) == (self.value or ctx.key))

    def labels(self, ctx: PageContext) -> dict[str, str]:
        return getattr(ctx, self.names)

    def label(self, ctx: PageContext) -> pl.Expr:
        return named(self.by, self.labels(ctx), self.heading)


# A mineral page lists the importers, a country page the minerals, the scenarios page the
# alliance as one importer.
BY_IMPORTER = Facet("mineral", "importer", "Importer", "economy_names")
BY_MINERAL = Facet("importer", "mineral", "Mineral", "mineral_names")
ALLIANCE_MINERALS = Facet("importer", "mineral", "Mineral", "mineral_names", value="ALLIANCE")


def nir_section(df: pl.DataFrame, ctx: PageContext, facet: Facet, title: str) -> Section | None:
    """The latest net import reliance per importer or mineral and stage, highest first."""
    rows = facet.rows(df, ctx).filter(pl.col("net_import_reliance").is_not_null())
    if not rows.height:
        return None
    by = facet.by
    newest = (
        rows.sort("year")
        .group_by(by, "stage")
        .agg(pl.all().last())
        # Ties (many allies at 100%) in a fixed order, so rebuilds do not reorder rows.
        .sort(["net_import_reliance", by, "stage"], descending=[True, False, False])
    )
    section = Section(
        title=title,
        anchor="net-import-reliance",
        source="mart dependence (CEPII BACI; USGS MCS)",
    )
    section.table = _nir_table(newest, facet.label(ctx))
    section.notes.append(NIR_NOTE)
    return section


def risk_table(rows: pl.DataFrame, facet: Facet, ctx: PageContext) -> Markup:
    return table(
        rows,
        facet.label(ctx),
        pl.col("year").alias("Year"),
        Num("geopolrisk_score", fixed(4), "GeoPolRisk score"),
        Num("characterisation_factor", fmt_num, "Characterisation factor"),
        Num("crm_supply_risk", fixed(2), "EU-method supply risk"),
        Num("import_reliance", lambda v: fmt_pct(v, 0), "Import reliance"),
        Num("hhi_production", fixed(3), "Production HHI (0-1)"),
    )


RISK_NOTE = "GeoPolRisk (Koyamparambath et al. 2024) and the EU CRM supply-risk indicator (European Commission 2017 guidelines), with the simplifications stated on the Methodology page."
RISK_SOURCE = "mart supply_risk (World Mining Data; CEPII BACI; WGI)"


def events_table(rows: pl.DataFrame, ctx: PageContext) -> Markup:
    lines = [
        "| Announced | In force from | Measure | Applies to | Minerals | Announcement | Verified |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows.iter_rows(named=True):
        target = "all destinations" if r["target"] == "all" else ctx.economy(r["target"])
        cells = [
            str(r["date_announced"] or ""),
            str(r["date_effective"]) if r["date_effective"] else "not in force",
            r["measure"].replace("_", " "),
            target,
            ", ".join(mineral_names(r["minerals"], ctx)),
            r["announcement"] or r["event_id"],
            "yes" if r["verified"] else "no",
        ]
        lines.append("| " + " | ".join(str(md("{v}", v=c)) for c in cells) + " |")
    return Markup("\n".join(lines))


def mineral_names(listed: str | None, ctx: PageContext) -> list[str]:
    """The names of the minerals in a comma-separated list of slugs."""
    return [ctx.mineral(m.strip()) for m in (listed or "").split(",") if m.strip()]


EVENTS_SOURCE = "mart export_control_events (MOFCOM/GACC announcements, curated in data/reference/policy/export_controls.yaml)"


BAN_SOURCE = "mart scenario_export_ban (CEPII BACI; USGS MCS)"


def ban_table(rows: pl.DataFrame, facet: Facet, ctx: PageContext) -> Markup:
    return table(
        rows,
        facet.label(ctx),
        pl.col("stage").alias("Stage"),
        Num("imports_from_china_t", fmt_num, "Imports from China lost (t)"),
        Num("imports_from_china_usd", fmt_usd, "Value lost"),
        Num("lost_share_of_imports", fmt_pct, "Share of imports"),
        Num("lost_share_of_supply", fmt_pct, "Share of supply"),
        Num("months_of_cover", fixed(1), "Months of use covered by what is left"),
    )


STOCK_SOURCE = "mart scenario_stockpile (CEPII BACI; USGS MCS prices)"


def stock_pivot(rows: pl.DataFrame, facet: Facet, ctx: PageContext) -> Markup:
    """Tonnes for 90 days and the cost of each number of days of China-sourced imports, one row
    per ``facet.by`` and stage."""
    index, labels = facet.by, facet.labels(ctx)
    days = sorted(rows["days"].unique().to_list())
    wide = rows.pivot(
        on="days", index=[index, "stage"], values="cost_usd", aggregate_function="first"
    )
    t90 = rows.filter(pl.col("days") == 90).select(index, "stage", pl.col("stock_t").alias("t90"))
    wide = wide.join(t90, on=[index, "stage"], how="left").sort(
        str(90) if "90" in wide.columns else index, descending=True, nulls_last=True
    )
    header = [
        "Mineral" if index == "mineral" else "Importer",
        "Stage",
        "Tonnes for 90 days",
        *[f"Cost, {d} days" for d in days],
    ]
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 2)]
    for r in wide.iter_rows(named=True):
        cells = [
            labels.get(r[index], r[index]),
            r["stage"],
            fmt_num(r["t90"]),
            *[fmt_usd(r.get(str(d))) for d in days],
        ]
        lines.append("| " + " | ".join(str(md("{v}", v=c)) for c in cells) + " |")
    return Markup("\n".join(lines))


@dataclass(frozen=True)
class MartView:
    """A mart section shared by page kinds: the rows ``keep`` selects for the page's facet in
    their latest year, highest ``sort`` first, as the table ``table`` draws."""

    keep: pl.Expr
    anchor: str
    source: str
    table: Callable[[pl.DataFrame, Facet, PageContext], Markup]
    sort: str | None = None
    nulls_last: bool = False  # as the pages always sorted: ties keep the order polars gives them
    note: str | None = None


_RISK_SCORED = pl.col("geopolrisk_score").is_not_null()
_FROM_CHINA = pl.col("imports_from_china_t") > 0
RISK_VIEW = MartView(
    _RISK_SCORED, "supply-risk", RISK_SOURCE, risk_table, "geopolrisk_score", note=RISK_NOTE
)
BAN_VIEW = MartView(
    _FROM_CHINA, "export-ban", BAN_SOURCE, ban_table, "lost_share_of_imports", nulls_last=True
)
STOCK_VIEW = MartView(_FROM_CHINA, "stockpile-cost", STOCK_SOURCE, stock_pivot)


def view_section(
    view: MartView,
    df: pl.DataFrame,
    ctx: PageContext,
    facet: Facet,
    title: str,
    *,
    lead: Callable[[pl.DataFrame], Markup | str] | None = None,
    anchor: str | None = None,
) -> Section | None:
    """``view`` of ``df`` for the page, titled ``title``; ``lead`` writes a sentence from the rows."""
    rows = latest(facet.rows(df, ctx).filter(view.keep))
    if not rows.height:
        return None
    if view.sort is not None:
        # Stable: equal values keep the mart's row order (by key), the same every build.
        rows = rows.sort(view.sort, descending=True, nulls_last=view.nulls_last, maintain_order=True)
    section = Section(title=title, anchor=anchor or view.anchor, source=view.source)
    if lead is not None:
        section.paragraphs.append(lead(rows))
    section.table = view.table(rows, facet, ctx)
    if view.note is not None:
        section.notes.append(view.note)
    return section


BUDGET_SOURCE = (
    "mart scenario_reserve_budget (CEPII BACI; USGS MCS; data/reference/policy/parameters.yaml)"
)


FLOOR_SOURCE = "mart scenario_price_floor (USGS MCS prices; CEPII BACI; data/reference/policy/price_floors.yaml)"


def floor_table(rows: pl.DataFrame) -> Markup:
    return table(
        rows,
        pl.col("floor_product").alias("Floor on"),
        pl.col("year").alias("Year"),
        Num("floor_usd_per_t", fmt_num, "Floor (USD/t)"),
        Num("price_usd_per_t", fmt_num, "Market price (USD/t)"),
        Num("gap_usd_per_t", fmt_num, "Gap (USD/t)"),
        Num("covered_t", fmt_num, "Covered (t)"),
        Num("cost_usd", fmt_usd, "Cost"),
        pl.col("note").fill_null("").alias("Note"),
    )
