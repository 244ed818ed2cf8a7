"""How the site renders tables: Markdown tables from frames (``table``: a list of column specs),
and the tables and sections of marts that more than one page kind shows (net import reliance,
supply risk, export controls, export ban, stockpiles, price floors), with the source line each
of those sections cites. A mart of (mineral, importer) rows is cut by a ``Facet``: a mineral page
lists its importers, a country page its minerals, the scenarios page the alliance's minerals.

Every cell is escaped for Markdown (``transforms.render.frame_to_markdown`` or ``md``), so data
can never break out of its cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import polars as pl

from transforms import blocs
from transforms.render import frame_to_markdown
from transforms.site import facts
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
    titled ``title`` and right-aligned; each cell marked with the fact ``fact`` makes of its row
    when given (transforms/site/facts.py)."""

    column: str
    fmt: Callable[[Any], str] | None
    title: str
    fact: Callable[[Mapping[str, Any]], facts.Fact | None] | None = None

    def expr(self) -> pl.Expr:
        if self.fmt is None:
            return pl.col(self.column).alias(self.title)
        if self.fact is not None:
            cell = facts.fact_column(self.column, self.fmt, self.fact)
            return pl.struct(pl.all()).map_elements(cell, return_dtype=pl.Utf8).alias(self.title)
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


_whole_pct = partial(fmt_pct, digits=0)  # shares of imports relied on: "100%", "37%"


def _nir_text(v: float | None) -> str:
    # A net exporter's reliance is negative without bound (-5,212%); like USGS ("E"), the page
    # says net exporter instead of a share that is no share.
    return "net exporter" if v is not None and v < 0 else _whole_pct(v)


def _nir_table(rows: pl.DataFrame, first: pl.Expr) -> Markup:
    return table(
        rows,
        first,
        pl.col("stage").alias("Stage"),
        pl.col("year").alias("Year"),
        Num("net_import_reliance", _nir_text, "Net import reliance", fact=facts.nir_fact),
        pl.col("production_status").replace(PRODUCTION_STATUS_LABELS).alias("Production"),
        pl.when(pl.col("basis_mismatch"))
        .then(pl.lit("yes"))
        .otherwise(pl.lit(""))
        .alias("Basis differs"),
        pl.col("nir_note").replace(NIR_NOTE_LABELS).fill_null("").alias("Note"),
    )


NIR_NOTE = "Net import reliance = (imports − exports) / (production + imports − exports), in tonnes: trade of the mineral's HS codes (CEPII BACI, from outside the importer) against USGS production. Trade tonnes are gross weights; where production is counted as metal content ('Basis differs') the figure is indicative only. A net exporter (exports above imports) has no reliance to show. China's share of imports is in the section on each ally's imports, with its trade coverage."
# Three measures of reliance on imports, different by design: each named apart (titles, facts).
NIR_MEASURES = (
    "Three different measures, not to be compared with each other: U.S. net import reliance is USGS's own figure for the United States; "
    "net import reliance (section of that name) is the same formula computed here for each ally from BACI trade tonnes (gross weight) and USGS production; "
    "import reliance in the supply-risk section is the EU method's, on World Mining Data production and BACI tonnes, bounded to 0-100% "
    "(0% where exports exceed imports). A mineral can be 100% import-reliant on one and 0% on another."
)


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
    section.notes.append(NIR_MEASURES)
    return section


def risk_table(rows: pl.DataFrame, facet: Facet, ctx: PageContext) -> Markup:
    return table(
        rows,
        facet.label(ctx),
        pl.col("year").alias("Year"),
        Num("geopolrisk_score", fixed(4), "GeoPolRisk score"),
        Num("characterisation_factor", fmt_num, "Characterisation factor"),
        Num("crm_supply_risk", fixed(2), "EU-method supply risk"),
        Num("import_reliance", _whole_pct, "Import reliance (EU method)", facts.eu_reliance_fact),
        # The mart keeps the method's 0-1 index; pages show every HHI on the 0-10,000 scale.
        Num(
            "hhi_production",
            lambda v: fmt_num(None if v is None else v * 10_000),
            "Production HHI (0–10,000)",
        ),
    )


RISK_NOTE = "GeoPolRisk (Koyamparambath et al. 2024) and the EU CRM supply-risk indicator (European Commission 2017 guidelines), with the simplifications stated on the Methodology page."
RISK_SOURCE = "mart supply_risk (World Mining Data; CEPII BACI; WGI)"


def mineral_names(listed: str | None, ctx: PageContext) -> list[str]:
    """The names of the minerals in a comma-separated list of slugs."""
    return [ctx.mineral(m.strip()) for m in (listed or "").split(",") if m.strip()]


BAN_SOURCE = "mart scenario_export_ban (CEPII BACI; USGS MCS)"
NOT_COMPUTABLE = "not computable"


def usd_of(year: Any) -> str:
    """The currency label of a column: current US dollars of ``year`` ("US$ 2024")."""
    return f"US$ {year}" if year is not None else "US$"


def unless_reason(spec: Num, reason: str = "not_computable_reason", why: bool = False) -> pl.Expr:
    """``spec``'s cells, or "not computable" (with the reason when ``why``) where ``reason``
    holds one: a figure the data cannot support is never shown as a finding."""
    text = pl.lit(f"{NOT_COMPUTABLE} — ") + pl.col(reason) if why else pl.lit(NOT_COMPUTABLE)
    return pl.when(pl.col(reason).is_not_null()).then(text).otherwise(spec.expr()).alias(spec.title)


def ban_table(rows: pl.DataFrame, facet: Facet, ctx: PageContext) -> Markup:
    year = rows["year"].max() if rows.height else None
    cells = (
        Num("imports_from_china_t", fmt_num, "Imports from China lost (t)", facts.ban_tonnes_fact),
        Num("imports_from_china_usd", fmt_usd, f"Value lost ({usd_of(year)})", facts.ban_usd_fact),
        # Of tonnes: the country pages give China's share by value too, so the title says which.
        Num("lost_share_of_imports", fmt_pct, "Share of imports (tonnes)", facts.ban_share_fact),
        Num("lost_months_of_imports", fixed(1), "Months of imports lost", facts.ban_months_fact),
        Num("lost_share_of_supply", fmt_pct, "Share of supply"),
        Num("months_of_cover", fixed(1), "Months of use covered by what is left"),
    )
    return md_table(
        rows.select(
            facet.label(ctx),
            pl.col("stage").alias("Stage"),
            unless_reason(cells[0], why=True),
            *[unless_reason(c) for c in cells[1:]],
            pl.col("trade_coverage").fill_null("").alias("Trade codes cover"),
        ),
        right=[c.title for c in cells],
    )


STOCK_SOURCE = "mart scenario_stockpile (CEPII BACI: value and tonnes of the same imports; USGS MCS prices as a check)"


def stock_pivot(rows: pl.DataFrame, facet: Facet, ctx: PageContext) -> Markup:
    """Tonnes for 90 days and the cost of each number of days of China-sourced imports, one row
    per ``facet.by`` and stage, with the price used and its source; "not computable — reason"
    where the trade does not carry China's exports."""
    index, labels = facet.by, facet.labels(ctx)
    days = sorted(rows["days"].unique().to_list())
    wide = rows.pivot(
        on="days", index=[index, "stage"], values="cost_usd", aggregate_function="first"
    )
    first = rows.sort("days").group_by(index, "stage", maintain_order=True).first()
    t90 = rows.filter(pl.col("days") == 90).select(index, "stage", pl.col("stock_t").alias("t90"))
    wide = (
        wide.join(t90, on=[index, "stage"], how="left")
        .join(
            first.select(
                index,
                "stage",
                "price_usd_per_t",
                "price_year",
                "not_computable_reason",
                "market_price_usd_per_t",
                "market_price_year",
            ),
            on=[index, "stage"],
            how="left",
        )
        .sort(str(90) if "90" in wide.columns else index, descending=True, nulls_last=True)
    )
    year = rows["year"].max() if rows.height else None
    header = [
        "Mineral" if index == "mineral" else "Importer",
        "Stage",
        "Tonnes for 90 days",
        *[f"Cost, {d} days ({usd_of(year)})" for d in days],
        "Price used (US$/t)",
        "USGS market price (US$/t)",
    ]
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 2)]
    for r in wide.iter_rows(named=True):
        why = r["not_computable_reason"]
        market = (
            f"{fmt_num(r['market_price_usd_per_t'])} ({r['market_price_year']})"
            if r["market_price_usd_per_t"] is not None
            else "no series"
        )
        if why is not None:
            cells = [f"{NOT_COMPUTABLE} — {why}", *[NOT_COMPUTABLE] * (len(days) + 1)]
        else:
            both = {index: r[index], facet.key: facet.value or ctx.key}  # mineral and importer
            cells = [
                fmt_num(r["t90"]),
                *[
                    facts.stock_cost(fmt_usd(r.get(str(d))), both, d, r["stage"], year)
                    for d in days
                ],
                f"{fmt_num(r['price_usd_per_t'])} (unit value of imports from China, {r['price_year']})",
            ]
        row = [labels.get(r[index], r[index]), r["stage"], *cells, market]
        lines.append("| " + " | ".join(str(md("{v}", v=c)) for c in row) + " |")
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
    """The back-test of each floor, by year: floor, market price, gap, covered volume, cost."""
    return table(
        rows,
        pl.col("floor_name").alias("Floor"),
        pl.col("year").alias("Year"),
        Num("floor_usd_per_t", fmt_num, "Floor (US$/t)"),
        Num("price_usd_per_t", fmt_num, "Market price (US$/t)"),
        Num("gap_usd_per_t", fmt_num, "Gap (US$/t)"),
        Num("covered_t", fmt_num, "Covered (t)"),
        Num("cost_usd", fmt_usd, "Cost (US$ of the year)", fact=facts.floor_cost_fact),
        pl.col("note").fill_null("").alias("Note"),
    )


SENSITIVITY_SOURCE = (
    "mart scenario_floor_sensitivity (CEPII BACI; data/reference/policy/parameters.yaml)"
)


def sensitivity_table(rows: pl.DataFrame, ctx: PageContext) -> Markup:
    """Per mineral: the market price, the covered imports and the cost of a floor at each uplift."""
    year = rows["year"].max() if rows.height else None
    uplifts = sorted(rows["uplift"].unique().to_list())
    header = [
        "Mineral",
        "Stage",
        f"Market price (US$/t, {year})",
        "Imports from outside the alliance and China (t a year)",
        *[f"Floor +{u:.0%}: cost a year ({usd_of(year)})" for u in uplifts],
        "Trade codes cover",
    ]
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 3) + "---|"]
    for mineral, group in rows.group_by("mineral", maintain_order=True):
        r = group.row(0, named=True)
        costs = dict(zip(group["uplift"].to_list(), group["cost_usd"].to_list(), strict=True))
        if r["not_computable_reason"] is not None:
            cells = [
                f"{NOT_COMPUTABLE} — {r['not_computable_reason']}",
                *[NOT_COMPUTABLE] * (len(uplifts) + 1),
            ]
        else:
            cells = [
                fmt_num(r["price_usd_per_t"]),
                fmt_num(r["covered_t"]),
                *[fmt_usd(costs[u]) for u in uplifts],
            ]
        row = [ctx.mineral(mineral[0]), r["stage"] or "", *cells, r["trade_coverage"] or ""]
        lines.append("| " + " | ".join(str(md("{v}", v=c)) for c in row) + " |")
    return Markup("\n".join(lines))


def fmt_months(months: float) -> str:
    """Months of imports, as the reserve's table and the home page both write them: "7.5"."""
    return f"{months:,.1f}"


def reserve_table(rows: pl.DataFrame, ctx: PageContext, economy: str) -> Markup:
    """What the reserve budget buys per mineral, with the price used and its source, the days
    and months of imports it equals ("not computable — reason" where it cannot be said), the
    share of world output and what the note's smaller budget buys."""
    who = ctx.economy(economy)
    note_aud = rows["note_budget_aud"].drop_nulls()
    note_title = (
        f"What A${fmt_num(note_aud[0] / 1e6)}m buys (t)" if note_aud.len() else "Note budget (t)"
    )

    def days_months(days: str, months: str, importer: str | None) -> pl.Expr:
        def cell(r: Mapping[str, Any]) -> str | None:
            if r[days] is None:
                return None
            which = facts.reserve_months_fact(r, importer or r["economy"])
            return f"{r[days]:,.0f} days ({facts.fact_cell(fmt_months(r[months]), which)} months)"

        return pl.struct(pl.all()).map_elements(cell, return_dtype=pl.Utf8)

    reserve = pl.col("in_reserve")
    world_share = facts.reserve_share_fact  # the home page states the same shares
    return md_table(
        rows.select(
            named("mineral", ctx.mineral_names, "Mineral"),
            pl.when(reserve)
            .then(pl.col("mineral_budget_usd").map_elements(fmt_usd, return_dtype=pl.Utf8))
            .otherwise(pl.lit("not in the reserve"))
            .alias("Budget (US$)"),
            (
                pl.col("price_usd_per_t").map_elements(fmt_num, return_dtype=pl.Utf8)
                + " ("
                + pl.col("price_year").cast(pl.Utf8)
                + ")"
            )
            .fill_null("no price")
            .alias("Price used (US$/t)"),
            pl.col("price_product").fill_null("").alias("Priced good"),
            pl.col("price_source").fill_null("").alias("Price source"),
            pl.when(pl.col("price_matches_trade"))
            .then(pl.lit("yes"))
            .when(pl.col("price_matches_trade").is_not_null())
            .then(pl.lit("no"))
            .otherwise(pl.lit(""))
            .alias("Price is of the traded good"),
            Num("tonnes", fmt_num, "Tonnes", fact=facts.reserve_tonnes_fact).expr().fill_null(""),
            pl.when(reserve)
            .then(
                pl.coalesce(
                    days_months(
                        "days_of_alliance_china_imports",
                        "months_of_alliance_china_imports",
                        blocs.BLOC_ALLIANCE,
                    ),
                    pl.lit(f"{NOT_COMPUTABLE} — ")
                    + pl.col("note")
                    .str.replace(r"^days of the alliance's imports not computable: ", "")
                    .fill_null("above the day cap"),
                )
            )
            .otherwise(pl.lit(""))
            .alias("Alliance imports from China covered"),
            pl.when(reserve)
            .then(
                pl.coalesce(
                    days_months(
                        "days_of_economy_china_imports", "months_of_economy_china_imports", None
                    ),
                    pl.lit(NOT_COMPUTABLE),
                )
            )
            .otherwise(pl.lit(""))
            .alias(f"{who}'s imports from China covered"),
            Num("share_of_world_production", fmt_pct, "Share of world output", world_share)
            .expr()
            .fill_null(""),
            pl.col("note_budget_tonnes")
            .map_elements(fmt_num, return_dtype=pl.Utf8)
            .fill_null("no price")
            .alias(note_title),
        ),
        right=["Budget (US$)", "Price used (US$/t)", "Tonnes", "Share of world output", note_title],
    )
