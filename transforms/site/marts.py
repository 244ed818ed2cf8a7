"""Mart-backed page sections: a small registry, so a new mart adds a section without touching pages.

A section builder takes the mart's frame and a ``PageContext`` and returns a ``Section`` (or
None when the mart has nothing for that page)::

    @register("scenario_export_ban", page="scenarios", title="Export ban", order=10)
    def export_ban(df: pl.DataFrame, ctx: PageContext) -> Section | None: ...

Pages: "home", "mineral" (ctx.key = mineral slug), "country" (ctx.key = importer code: ISO3 or
EU27), "scenarios", "methodology". A mart present in the warehouse with no builder registered
for a mineral or country page still shows, as a generic table of its rows for that mineral or
importer (latest year), until someone registers a proper section. Methodology takes every mart
module's docstring (``transforms/marts/*.py``), which is where the formulas are written.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from transforms.render import frame_to_markdown
from transforms.site import charts
from transforms.site.model import PageContext, Section
from transforms.site.text import Markup, fmt_num, fmt_pct, fmt_usd, md

Builder = Callable[[pl.DataFrame, PageContext], Section | None]
GENERIC_ROWS = 40
# Marts the scenarios page waits for, with what each will show and the parameters that drive it.
SCENARIOS = {
    "scenario_export_ban": (
        "Export ban",
        "China stops exporting a mineral to the alliance (and, as a variant, to one ally): imports lost, supply left from domestic production and non-China partners, months of current use covered.",
        "alliance members and the China definition (settings resource).",
    ),
    "scenario_stockpile": (
        "Stockpiles",
        "Tonnes and cost at the latest price to hold 30, 60, 90 and 180 days of each ally's China-sourced imports, against Japan's 60-day and Korea's 100-day targets.",
        "days of cover, benchmark targets (data/reference/policy/parameters.yaml).",
    ),
    "scenario_reserve_budget": (
        "What A$1.2bn buys",
        "Australia's Critical Minerals Strategic Reserve budget converted at a stated AUD/USD rate and split across the minerals it names, in tonnes and days of cover.",
        "budget, AUD/USD rate, minerals and split rule (data/reference/policy/parameters.yaml).",
    ),
    "scenario_price_floor": (
        "Price floor",
        "Yearly cost to the alliance of a minimum price for non-China supply, max(0, floor − market price) × covered volume, back-tested over the USGS price history.",
        "floors and covered volumes (data/reference/policy/price_floors.yaml).",
    ),
}
TITLES = {
    "concentration": "Concentration",
    "dependence": "Net import reliance",
    "supply_risk": "Supply risk",
    "export_control_events": "China's export controls",
    "event_study": "Trade before and after export controls",
    "stockpile_programmes": "Stockpile programmes",
    **{name: title for name, (title, _, _) in SCENARIOS.items()},
}
_IMPORTER_COLUMNS = ("importer", "economy", "country", "country_code", "ally")


@dataclass(frozen=True)
class MartSection:
    mart: str
    page: str
    title: str
    build: Builder
    order: int = 50


REGISTRY: list[MartSection] = []


def register(mart: str, *, page: str, title: str, order: int = 50) -> Callable[[Builder], Builder]:
    """Register ``build`` as the section of ``mart`` on pages of kind ``page``."""

    def decorate(build: Builder) -> Builder:
        REGISTRY.append(MartSection(mart, page, title, build, order))
        return build

    return decorate


def sections_for(page: str, ctx: PageContext, marts: dict[str, pl.DataFrame]) -> list[Section]:
    """The mart sections of one page, in registry order; generic tables for unregistered marts."""
    out: list[Section] = []
    registered = {(entry.mart, entry.page) for entry in REGISTRY}
    for entry in sorted(REGISTRY, key=lambda e: (e.order, e.mart)):
        if entry.page != page or entry.mart not in marts:
            continue
        section = entry.build(marts[entry.mart], ctx)
        if section is not None:
            out.append(section)
    if page in ("mineral", "country"):
        for name in sorted(marts):
            if (name, page) not in registered:
                section = generic_section(name, marts[name], ctx)
                if section is not None:
                    out.append(section)
    return out


def missing_scenarios(marts: dict[str, pl.DataFrame]) -> list[dict]:
    """Scenario marts not in this build: what each will show and which parameters drive it."""
    return [
        {"mart": name, "title": title, "what": what, "parameters": params}
        for name, (title, what, params) in SCENARIOS.items()
        if name not in marts
    ]


def _latest(df: pl.DataFrame) -> pl.DataFrame:
    if "year" in df.columns and df.height:
        return df.filter(pl.col("year") == df["year"].max())
    return df


def generic_section(name: str, df: pl.DataFrame, ctx: PageContext) -> Section | None:
    """A mart's rows for this mineral or importer (latest year) as a table."""
    if ctx.page == "mineral":
        if "mineral" not in df.columns:
            return None
        rows = df.filter(pl.col("mineral") == ctx.key).drop("mineral")
    elif ctx.page == "country":
        column = next((c for c in _IMPORTER_COLUMNS if c in df.columns), None)
        if column is None:
            return None
        rows = df.filter(pl.col(column) == ctx.key).drop(column)
    else:
        rows = df
    rows = _latest(rows)
    if not rows.height:
        return None
    section = Section(
        title=TITLES.get(name, name.replace("_", " ").capitalize()),
        anchor=f"mart-{name.replace('_', '-')}",
        source=f"mart {name}",
    )
    shown = rows.head(GENERIC_ROWS)
    section.table = Markup(frame_to_markdown(shown))
    more = f" (first {GENERIC_ROWS} of {rows.height} rows)" if rows.height > GENERIC_ROWS else ""
    section.notes.append(
        md("From the {name} table{more}; the full table is on the Data page.", name=name, more=more)
    )
    return section


def event_ids(marts: dict[str, pl.DataFrame]) -> list[str]:
    """Ids of the export-control events in this build (for the changelog)."""
    events = marts.get("export_control_events")
    if events is None:
        return []
    for column in ("event_id", "id", "announcement"):
        if column in events.columns:
            return sorted(str(v) for v in events[column].drop_nulls().unique())
    return []


def _mart_modules() -> list:
    import transforms.marts as package

    modules = []
    for info in pkgutil.iter_modules(package.__path__):
        modules.append(importlib.import_module(f"transforms.marts.{info.name}"))
    return modules


def mart_docs(marts: dict[str, pl.DataFrame] | None = None) -> list[tuple[str, str]]:
    """(module name, docstring) of every mart module: the formulas, as their authors wrote them."""
    return [
        (m.__name__.rsplit(".", 1)[-1], m.__doc__.strip()) for m in _mart_modules() if m.__doc__
    ]


# --- sections of the metric marts --------------------------------------------------------------

_MEASURE_LABEL = {"production": "Production", "reserves": "Reserves", "exports": "Exports"}


@register("concentration", page="mineral", title="Concentration", order=10)
def concentration_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = df.filter((pl.col("mineral") == ctx.key) & pl.col("hhi").is_not_null())
    if not rows.height:
        return None
    name = ctx.mineral(ctx.key)
    section = Section(
        title="Concentration",
        anchor="concentration",
        source="mart concentration (USGS MCS; CEPII BACI)",
    )
    series = rows.filter(pl.col("measure") != "reserves").with_columns(
        (
            pl.col("measure").replace_strict(_MEASURE_LABEL, default=pl.col("measure"))
            + ", "
            + pl.col("stage")
        ).alias("series"),
        pl.col("hhi").alias("value"),
    )
    trend_years = ctx.extra.get("trend_years", 15)
    last_year = int(series["year"].max()) if series.height else None
    if last_year is not None:
        series = series.filter(pl.col("year") > last_year - trend_years)
    latest = (
        rows.sort("year").group_by("measure", "stage").agg(pl.all().last()).sort("measure", "stage")
    )
    prod = latest.filter(pl.col("measure") == "production").sort("hhi", descending=True)
    if prod.height:
        r = prod.row(0, named=True)
        section.paragraphs.append(
            md(
                "On {year} production at the {stage} stage the Herfindahl-Hirschman index is **{hhi}** (0-10,000; the 2010 U.S. Horizontal Merger Guidelines call a market above 2,500 highly concentrated). Counting the alliance as one supplier it would be {pooled}.",
                year=r["year"],
                stage=r["stage"],
                hhi=fmt_num(r["hhi"]),
                pooled=fmt_num(r["alliance_pooled_hhi"]),
            )
        )
    if series.height and series["year"].n_unique() > 1:
        first = int(series["year"].min())
        section.chart = charts.render(
            charts.series_lines(
                f"{ctx.key}-hhi",
                series.select("year", "series", "value"),
                title=f"{name}: concentration (HHI), {first}-{last_year}",
                description=f"Line chart of the Herfindahl-Hirschman index (0 to 10,000) of {name.lower()} production and exports by stage, {first} to {last_year}.",
                source="mart concentration (USGS MCS; CEPII BACI)",
                value_title="HHI (0-10,000)",
            )
        )
    section.table = Markup(
        frame_to_markdown(
            latest.select(
                pl.col("measure")
                .replace_strict(_MEASURE_LABEL, default=pl.col("measure"))
                .alias("Measure"),
                pl.col("stage").alias("Stage"),
                pl.col("year").alias("Year"),
                pl.col("hhi").map_elements(fmt_num, return_dtype=pl.Utf8).alias("HHI"),
                pl.col("alliance_pooled_hhi")
                .map_elements(fmt_num, return_dtype=pl.Utf8)
                .alias("HHI, alliance pooled"),
                pl.col("top1_code")
                .replace_strict(ctx.economy_names, default=pl.col("top1_code"))
                .alias("Leader"),
                pl.col("top1_share")
                .map_elements(fmt_pct, return_dtype=pl.Utf8)
                .alias("Leader's share"),
                pl.col("top3_share").map_elements(fmt_pct, return_dtype=pl.Utf8).alias("Top 3"),
                pl.col("china_share").map_elements(fmt_pct, return_dtype=pl.Utf8).alias("China"),
                pl.col("alliance_share")
                .map_elements(fmt_pct, return_dtype=pl.Utf8)
                .alias("Alliance"),
            ),
            align={
                k: "right"
                for k in (
                    "HHI",
                    "HHI, alliance pooled",
                    "Leader's share",
                    "Top 3",
                    "China",
                    "Alliance",
                )
            },
        )
    )
    section.notes.append(
        "Exports are valued in current USD (CEPII BACI); production and reserves in tonnes (USGS)."
    )
    return section


def _nir_table(rows: pl.DataFrame, first: pl.Expr, first_title: str) -> Markup:
    return Markup(
        frame_to_markdown(
            rows.select(
                first.alias(first_title),
                pl.col("stage").alias("Stage"),
                pl.col("year").alias("Year"),
                pl.col("net_import_reliance")
                .map_elements(lambda v: fmt_pct(v, 0), return_dtype=pl.Utf8)
                .alias("Net import reliance"),
                pl.col("china_share")
                .map_elements(fmt_pct, return_dtype=pl.Utf8)
                .alias("China's share of imports"),
                pl.col("production_status").alias("Production"),
                pl.when(pl.col("basis_mismatch"))
                .then(pl.lit("yes"))
                .otherwise(pl.lit(""))
                .alias("Basis differs"),
                pl.col("nir_note").fill_null("").alias("Note"),
            ),
            align={"Net import reliance": "right", "China's share of imports": "right"},
        )
    )


_NIR_NOTE = "Net import reliance = (imports − exports) / (production + imports − exports), in tonnes. Trade tonnes are gross weights; where production is counted as metal content ('Basis differs') the figure is indicative only. Negative = net exporter."


def _nir_section(rows: pl.DataFrame, by: str, label: pl.Expr, heading: str, title: str) -> Section | None:
    """The latest net import reliance per ``by`` (importer or mineral) and stage, highest first."""
    rows = rows.filter(pl.col("net_import_reliance").is_not_null())
    if not rows.height:
        return None
    latest = (
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
    section.table = _nir_table(latest, label, heading)
    section.notes.append(_NIR_NOTE)
    return section


@register("dependence", page="mineral", title="Net import reliance", order=20)
def dependence_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    return _nir_section(
        df.filter(pl.col("mineral") == ctx.key),
        "importer",
        pl.col("importer").replace_strict(ctx.economy_names, default=pl.col("importer")),
        "Importer",
        "Net import reliance of the allies",
    )


@register("dependence", page="country", title="Net import reliance", order=20)
def dependence_country(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    return _nir_section(
        df.filter(pl.col("importer") == ctx.key),
        "mineral",
        pl.col("mineral").replace_strict(ctx.mineral_names, default=pl.col("mineral")),
        "Mineral",
        "Net import reliance by mineral",
    )


def _risk_table(rows: pl.DataFrame, first: pl.Expr, first_title: str) -> Markup:
    return Markup(
        frame_to_markdown(
            rows.select(
                first.alias(first_title),
                pl.col("year").alias("Year"),
                pl.col("geopolrisk_score")
                .map_elements(
                    lambda v: f"{v:.4f}" if v is not None else "n/a", return_dtype=pl.Utf8
                )
                .alias("GeoPolRisk score"),
                pl.col("characterisation_factor")
                .map_elements(fmt_num, return_dtype=pl.Utf8)
                .alias("Characterisation factor"),
                pl.col("crm_supply_risk")
                .map_elements(
                    lambda v: f"{v:.2f}" if v is not None else "n/a", return_dtype=pl.Utf8
                )
                .alias("EU-method supply risk"),
                pl.col("import_reliance")
                .map_elements(lambda v: fmt_pct(v, 0), return_dtype=pl.Utf8)
                .alias("Import reliance"),
                pl.col("hhi_production")
                .map_elements(
                    lambda v: f"{v:.3f}" if v is not None else "n/a", return_dtype=pl.Utf8
                )
                .alias("Production HHI (0-1)"),
            ),
            align={
                k: "right"
                for k in (
                    "GeoPolRisk score",
                    "Characterisation factor",
                    "EU-method supply risk",
                    "Import reliance",
                    "Production HHI (0-1)",
                )
            },
        )
    )


_RISK_NOTE = "GeoPolRisk (Koyamparambath et al. 2024) and the EU CRM supply-risk indicator (European Commission 2017 guidelines), with the simplifications stated on the Methodology page."


@register("supply_risk", page="mineral", title="Supply risk", order=30)
def supply_risk_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = _latest(
        df.filter((pl.col("mineral") == ctx.key) & pl.col("geopolrisk_score").is_not_null())
    )
    if not rows.height:
        return None
    rows = rows.sort("geopolrisk_score", descending=True)
    section = Section(
        title="Supply risk by importer",
        anchor="supply-risk",
        source="mart supply_risk (World Mining Data; CEPII BACI; WGI)",
    )
    r = rows.row(0, named=True)
    section.paragraphs.append(
        md(
            "In {year} the highest GeoPolRisk score for {name} is {who}'s ({score}).",
            year=r["year"],
            name=ctx.mineral(ctx.key).lower(),
            who=ctx.economy(r["importer"]),
            score=f"{r['geopolrisk_score']:.4f}",
        )
    )
    section.table = _risk_table(
        rows,
        pl.col("importer").replace_strict(ctx.economy_names, default=pl.col("importer")),
        "Importer",
    )
    section.notes.append(_RISK_NOTE)
    return section


@register("supply_risk", page="country", title="Supply risk", order=30)
def supply_risk_country(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = _latest(
        df.filter((pl.col("importer") == ctx.key) & pl.col("geopolrisk_score").is_not_null())
    )
    if not rows.height:
        return None
    rows = rows.sort("geopolrisk_score", descending=True)
    section = Section(
        title="Supply risk by mineral",
        anchor="supply-risk",
        source="mart supply_risk (World Mining Data; CEPII BACI; WGI)",
    )
    section.table = _risk_table(
        rows,
        pl.col("mineral").replace_strict(ctx.mineral_names, default=pl.col("mineral")),
        "Mineral",
    )
    section.notes.append(_RISK_NOTE)
    return section


# --- export controls ---------------------------------------------------------------------------


def _has_mineral(column: str, slug: str) -> pl.Expr:
    """Rows whose comma-separated mineral list names ``slug``."""
    return (
        pl.col(column).str.split(",").list.eval(pl.element().str.strip_chars()).list.contains(slug)
    )


def _events_table(rows: pl.DataFrame, ctx: PageContext) -> Markup:
    lines = [
        "| Announced | In force from | Measure | Applies to | Minerals | Announcement | Verified |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows.iter_rows(named=True):
        minerals = ", ".join(
            ctx.mineral(m.strip()) for m in (r["minerals"] or "").split(",") if m.strip()
        )
        target = "all destinations" if r["target"] == "all" else ctx.economy(r["target"])
        cells = [
            str(r["date_announced"] or ""),
            str(r["date_effective"]) if r["date_effective"] else "not in force",
            r["measure"].replace("_", " "),
            target,
            minerals,
            r["announcement"] or r["event_id"],
            "yes" if r["verified"] else "no",
        ]
        lines.append("| " + " | ".join(str(md("{v}", v=c)) for c in cells) + " |")
    return Markup("\n".join(lines))


_EVENTS_SOURCE = "mart export_control_events (MOFCOM/GACC announcements, curated in data/reference/policy/export_controls.yaml)"


@register("export_control_events", page="home", title="China's export controls", order=10)
def events_home(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    if not df.height:
        return None
    rows = df.sort("date_announced", descending=True)
    section = Section(
        title="China's export controls, 2023 onwards",
        anchor="export-controls",
        source=_EVENTS_SOURCE,
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
    section.table = _events_table(rows, ctx)
    section.notes.append(
        "'Verified: no' means the announcement's number, dates or items could not be confirmed against a reproduction of it; see the events table for sources."
    )
    return section


@register("export_control_events", page="mineral", title="China's export controls", order=5)
def events_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = df.filter(_has_mineral("minerals", ctx.key)).sort("date_announced", descending=True)
    if not rows.height:
        return None
    section = Section(
        title="China's export controls", anchor="export-controls", source=_EVENTS_SOURCE
    )
    section.table = _events_table(rows, ctx)
    return section


@register(
    "event_study", page="scenarios", title="Trade before and after the export controls", order=40
)
def event_study_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = df.filter(pl.col("before_year").is_not_null()).sort("event_id", "hs6", "destination")
    if not rows.height:
        return None
    section = Section(
        title="Trade before and after the export controls",
        anchor="event-study",
        source="mart event_study (CEPII BACI)",
    )
    section.paragraphs.append(
        "China's exports of the controlled HS codes to the alliance and to the rest of the world in the year before a control took effect and the year after. BACI is annual, so the years around the effective date stand in for the twelve months before and after."
    )
    section.table = Markup(
        frame_to_markdown(
            rows.select(
                pl.col("event_id").alias("Event"),
                pl.col("hs6").alias("HS code"),
                pl.col("destination").str.replace("_", " ").str.to_lowercase().alias("To"),
                pl.col("before_year").alias("Before"),
                pl.col("after_year").alias("After"),
                pl.col("before_usd")
                .map_elements(fmt_usd, return_dtype=pl.Utf8)
                .alias("Exports before"),
                pl.col("after_usd")
                .map_elements(fmt_usd, return_dtype=pl.Utf8)
                .alias("Exports after"),
                pl.col("change_usd_pct")
                .map_elements(lambda v: fmt_pct(v, 0), return_dtype=pl.Utf8)
                .alias("Change (value)"),
                pl.col("change_t_pct")
                .map_elements(lambda v: fmt_pct(v, 0), return_dtype=pl.Utf8)
                .alias("Change (tonnes)"),
            ),
            align={
                k: "right"
                for k in ("Exports before", "Exports after", "Change (value)", "Change (tonnes)")
            },
        )
    )
    return section


# --- scenarios ---------------------------------------------------------------------------------

_BAN_SOURCE = "mart scenario_export_ban (CEPII BACI; USGS MCS)"


def _ban_table(rows: pl.DataFrame, first: pl.Expr, first_title: str) -> Markup:
    return Markup(
        frame_to_markdown(
            rows.select(
                first.alias(first_title),
                pl.col("stage").alias("Stage"),
                pl.col("imports_from_china_t")
                .map_elements(fmt_num, return_dtype=pl.Utf8)
                .alias("Imports from China lost (t)"),
                pl.col("imports_from_china_usd")
                .map_elements(fmt_usd, return_dtype=pl.Utf8)
                .alias("Value lost"),
                pl.col("lost_share_of_imports")
                .map_elements(fmt_pct, return_dtype=pl.Utf8)
                .alias("Share of imports"),
                pl.col("lost_share_of_supply")
                .map_elements(fmt_pct, return_dtype=pl.Utf8)
                .alias("Share of supply"),
                pl.col("months_of_cover")
                .map_elements(lambda v: "n/a" if v is None else f"{v:.1f}", return_dtype=pl.Utf8)
                .alias("Months of use covered by what is left"),
            ),
            align={
                k: "right"
                for k in (
                    "Imports from China lost (t)",
                    "Value lost",
                    "Share of imports",
                    "Share of supply",
                    "Months of use covered by what is left",
                )
            },
        )
    )


@register("scenario_export_ban", page="scenarios", title="Export ban", order=10)
def export_ban_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    bloc = (
        _latest(df.filter(pl.col("importer") == "ALLIANCE"))
        .filter(pl.col("exposure_rank").is_not_null())
        .sort("exposure_rank")
    )
    if not bloc.height:
        return None
    year = bloc["year"][0]
    section = Section(title="Export ban", anchor="export-ban", source=_BAN_SOURCE)
    top = bloc.row(0, named=True)
    section.paragraphs.append(
        md(
            "If China stopped exporting to the alliance, at {year} trade volumes, the alliance would lose the imports below. Ranked by the share of supply lost (domestic production plus imports), or of imports where production is not published. The most exposed: {mineral} ({stage}), {share} of imports.",
            year=year,
            mineral=ctx.mineral(top["mineral"]).lower(),
            stage=top["stage"],
            share=fmt_pct(top["lost_share_of_imports"]),
        )
    )
    section.paragraphs.append(
        "Assumptions: no re-routing through third countries, no substitution and no new supply within the year; use = production + imports − exports; months of cover = remaining supply / (use / 12). Trade tonnes are gross weights: where production is in metal content the months of cover are indicative."
    )
    section.table = _ban_table(
        bloc.head(15),
        pl.col("mineral").replace_strict(ctx.mineral_names, default=pl.col("mineral")),
        "Mineral",
    )
    section.notes.append(
        "Parameters: the alliance's members and the China definition (settings resource); a one-ally variant is in the table for every ally."
    )
    return section


@register("scenario_export_ban", page="mineral", title="Export ban", order=40)
def export_ban_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = _latest(df.filter((pl.col("mineral") == ctx.key) & (pl.col("imports_from_china_t") > 0)))
    if not rows.height:
        return None
    rows = rows.sort("lost_share_of_imports", descending=True, nulls_last=True)
    section = Section(title="If China stopped exporting", anchor="export-ban", source=_BAN_SOURCE)
    section.paragraphs.append(
        md(
            "Imports each ally would lose in a Chinese export ban, at {year} trade volumes (scenario described on the Scenarios page).",
            year=rows["year"][0],
        )
    )
    section.table = _ban_table(
        rows,
        pl.col("importer").replace_strict(ctx.economy_names, default=pl.col("importer")),
        "Importer",
    )
    return section


@register("scenario_export_ban", page="country", title="Export ban", order=40)
def export_ban_country(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = _latest(
        df.filter((pl.col("importer") == ctx.key) & (pl.col("imports_from_china_t") > 0))
    )
    if not rows.height:
        return None
    rows = rows.sort("lost_share_of_imports", descending=True, nulls_last=True)
    section = Section(title="If China stopped exporting", anchor="export-ban", source=_BAN_SOURCE)
    section.table = _ban_table(
        rows,
        pl.col("mineral").replace_strict(ctx.mineral_names, default=pl.col("mineral")),
        "Mineral",
    )
    section.notes.append("Scenario and assumptions: Scenarios page.")
    return section


_STOCK_SOURCE = "mart scenario_stockpile (CEPII BACI; USGS MCS prices)"


def _stock_pivot(rows: pl.DataFrame, index: str, labels: dict[str, str]) -> Markup:
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


@register("scenario_stockpile", page="scenarios", title="Stockpiles", order=20)
def stockpile_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    bloc = _latest(
        df.filter((pl.col("importer") == "ALLIANCE") & (pl.col("imports_from_china_t") > 0))
    )
    if not bloc.height:
        return None
    section = Section(title="Stockpiles", anchor="stockpiles", source=_STOCK_SOURCE)
    section.paragraphs.append(
        md(
            "What it would take for the alliance to hold stocks equal to its China-sourced imports of {year} for 30 to 180 days, valued at the latest USGS price (tonnes = annual imports from China × days / 365). Japan's 60-day and Korea's 100-day targets are the benchmarks.",
            year=bloc["year"][0],
        )
    )
    section.table = _stock_pivot(bloc, "mineral", ctx.mineral_names)
    section.notes.append(
        "Prices are of the product USGS quotes, which is not always the good traded (ore priced at a metal price overstates the cost); the table has the price used and whether it matches the traded good."
    )
    return section


@register("scenario_stockpile", page="country", title="Stockpiles", order=50)
def stockpile_country(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = _latest(
        df.filter((pl.col("importer") == ctx.key) & (pl.col("imports_from_china_t") > 0))
    )
    if not rows.height:
        return None
    section = Section(
        title="What a stockpile of China-sourced imports would cost",
        anchor="stockpile-cost",
        source=_STOCK_SOURCE,
    )
    section.table = _stock_pivot(rows, "mineral", ctx.mineral_names)
    return section


@register("scenario_stockpile", page="mineral", title="Stockpiles", order=45)
def stockpile_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = _latest(df.filter((pl.col("mineral") == ctx.key) & (pl.col("imports_from_china_t") > 0)))
    if not rows.height:
        return None
    section = Section(
        title="What a stockpile would cost", anchor="stockpile-cost", source=_STOCK_SOURCE
    )
    section.paragraphs.append(
        "Tonnes and cost, at the latest USGS price, of holding each importer's China-sourced imports for a number of days."
    )
    section.table = _stock_pivot(rows, "importer", ctx.economy_names)
    return section


_BUDGET_SOURCE = (
    "mart scenario_reserve_budget (CEPII BACI; USGS MCS; data/reference/policy/parameters.yaml)"
)


@register("scenario_reserve_budget", page="scenarios", title="What A$1.2bn buys", order=30)
def reserve_budget_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    if not df.height:
        return None
    r0 = df.row(0, named=True)
    section = Section(title="What A$1.2bn buys", anchor="reserve-budget", source=_BUDGET_SOURCE)
    section.paragraphs.append(
        md(
            "Australia's Critical Minerals Strategic Reserve: A${aud} at {rate} US$ per A$ is {usd}, split equally across the minerals it names. At the latest USGS price it buys:",
            aud=fmt_num(r0["budget_aud"]),
            rate=r0["aud_usd"],
            usd=fmt_usd(r0["budget_usd"]),
        )
    )
    section.table = Markup(
        frame_to_markdown(
            df.select(
                pl.col("mineral")
                .replace_strict(ctx.mineral_names, default=pl.col("mineral"))
                .alias("Mineral"),
                pl.col("mineral_budget_usd")
                .map_elements(fmt_usd, return_dtype=pl.Utf8)
                .alias("Budget"),
                pl.col("price_usd_per_t")
                .map_elements(fmt_num, return_dtype=pl.Utf8)
                .alias("Price (USD/t)"),
                pl.col("price_product").alias("Priced product"),
                pl.col("tonnes").map_elements(fmt_num, return_dtype=pl.Utf8).alias("Tonnes"),
                pl.col("days_of_alliance_china_imports")
                .map_elements(lambda v: "n/a" if v is None else f"{v:,.0f}", return_dtype=pl.Utf8)
                .alias("Days of the alliance's China imports"),
                pl.col("share_of_world_production")
                .map_elements(fmt_pct, return_dtype=pl.Utf8)
                .alias("Share of world production"),
                pl.col("note").fill_null("").alias("Note"),
            ),
            align={
                k: "right"
                for k in (
                    "Budget",
                    "Price (USD/t)",
                    "Tonnes",
                    "Days of the alliance's China imports",
                    "Share of world production",
                )
            },
        )
    )
    section.notes.append(
        "The reserve is meant to work mainly by buying rights to Australian output; spending it all on metal at market prices is an upper bound on tonnes."
    )
    return section


@register("scenario_reserve_budget", page="mineral", title="What A$1.2bn buys", order=46)
def reserve_budget_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = df.filter(pl.col("mineral") == ctx.key)
    if not rows.height:
        return None
    r = rows.row(0, named=True)
    section = Section(
        title="Australia's strategic reserve", anchor="reserve-budget", source=_BUDGET_SOURCE
    )
    section.paragraphs.append(
        md(
            "Australia's share of the A$1.2bn reserve for {name} ({usd}) buys {tonnes} t at the {year} USGS price, {share} of world production.",
            name=ctx.mineral(ctx.key).lower(),
            usd=fmt_usd(r["mineral_budget_usd"]),
            tonnes=fmt_num(r["tonnes"]),
            year=r["price_year"],
            share=fmt_pct(r["share_of_world_production"]),
        )
    )
    return section


_FLOOR_SOURCE = "mart scenario_price_floor (USGS MCS prices; CEPII BACI; data/reference/policy/price_floors.yaml)"


def _floor_table(rows: pl.DataFrame) -> Markup:
    return Markup(
        frame_to_markdown(
            rows.select(
                pl.col("floor_id").alias("Floor"),
                pl.col("year").alias("Year"),
                pl.col("floor_usd_per_t")
                .map_elements(fmt_num, return_dtype=pl.Utf8)
                .alias("Floor (USD/t)"),
                pl.col("price_usd_per_t")
                .map_elements(fmt_num, return_dtype=pl.Utf8)
                .alias("Market price (USD/t)"),
                pl.col("gap_usd_per_t")
                .map_elements(fmt_num, return_dtype=pl.Utf8)
                .alias("Gap (USD/t)"),
                pl.col("covered_t")
                .map_elements(fmt_num, return_dtype=pl.Utf8)
                .alias("Covered (t)"),
                pl.col("cost_usd").map_elements(fmt_usd, return_dtype=pl.Utf8).alias("Cost"),
                pl.col("note").fill_null("").alias("Note"),
            ),
            align={
                k: "right"
                for k in (
                    "Floor (USD/t)",
                    "Market price (USD/t)",
                    "Gap (USD/t)",
                    "Covered (t)",
                    "Cost",
                )
            },
        )
    )


@register("scenario_price_floor", page="scenarios", title="Price floor", order=35)
def price_floor_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    if not df.height:
        return None
    section = Section(title="Price floor", anchor="price-floor", source=_FLOOR_SOURCE)
    section.paragraphs.append(
        "Yearly cost to the alliance of guaranteeing a minimum price for supply from outside China: max(0, floor − market price) × covered volume, back-tested over the USGS price history. Floors are documented in data/reference/policy/price_floors.yaml (for instance the NdPr floor of the 2025 U.S. Department of Defense–MP Materials agreement) and can be changed in the run configuration."
    )
    section.table = _floor_table(df.sort("floor_id", "year"))
    return section


@register("scenario_price_floor", page="mineral", title="Price floor", order=47)
def price_floor_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = df.filter(pl.col("mineral") == ctx.key).sort("floor_id", "year")
    if not rows.height:
        return None
    section = Section(title="Price floor", anchor="price-floor", source=_FLOOR_SOURCE)
    section.table = _floor_table(rows)
    section.notes.append("Scenario and assumptions: Scenarios page.")
    return section


# --- stockpile programmes (curated policy table) -----------------------------------------------


@register("stockpile_programmes", page="country", title="Stockpile programme", order=60)
def programme_country(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    rows = df.filter(pl.col("country") == ctx.key)
    if not rows.height:
        return None
    section = Section(
        title="Stockpile programme",
        anchor="stockpile-programme",
        source="data/reference/policy/stockpiles.yaml (sources per programme)",
    )
    for r in rows.iter_rows(named=True):
        budget = (
            f"{fmt_num(r['budget'])} {r['budget_currency']}"
            if r["budget"] is not None
            else (r["budget_note"] or "not published")
        )
        days = (
            f"{r['target_days']:.0f} days"
            if r["target_days"] is not None
            else (r["target_days_note"] or "not published")
        )
        section.paragraphs.append(
            md(
                "**{programme}** ({agency}), {status}. Budget: {budget}. Target: {days}. Minerals named: {minerals}.{unverified}",
                programme=r["programme"],
                agency=r["agency"],
                status=r["status"],
                budget=budget,
                days=days,
                minerals=", ".join(
                    ctx.mineral(m.strip()).lower()
                    for m in (r["minerals"] or "").split(",")
                    if m.strip()
                )
                or "none named",
                unverified="" if r["verified"] else " (not verified)",
            )
        )
        if r["note"]:
            section.notes.append(r["note"])
        if r["source_urls"]:
            section.notes.append(md("Sources: {urls}", urls=r["source_urls"]))
    return section


@register("stockpile_programmes", page="scenarios", title="Stockpile programmes", order=25)
def programmes_scenarios(df: pl.DataFrame, ctx: PageContext) -> Section | None:
    if not df.height:
        return None
    section = Section(
        title="The allies' stockpile programmes",
        anchor="programmes",
        source="data/reference/policy/stockpiles.yaml",
    )
    section.table = Markup(
        frame_to_markdown(
            df.select(
                pl.col("country")
                .replace_strict(ctx.economy_names, default=pl.col("country"))
                .alias("Economy"),
                pl.col("programme").alias("Programme"),
                pl.col("status").alias("Status"),
                pl.when(pl.col("budget").is_not_null())
                .then(
                    pl.col("budget").map_elements(fmt_num, return_dtype=pl.Utf8)
                    + " "
                    + pl.col("budget_currency")
                )
                .otherwise(pl.lit("not published"))
                .alias("Budget"),
                pl.col("target_days")
                .map_elements(lambda v: f"{v:.0f}", return_dtype=pl.Utf8)
                .fill_null("not published")
                .alias("Target (days)"),
            )
        )
    )
    return section
