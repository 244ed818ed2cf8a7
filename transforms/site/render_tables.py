"""How the site renders tables: Markdown tables from frames, and the tables of marts that more
than one page kind shows (net import reliance, supply risk, export controls, export ban,
stockpiles, price floors), with the source line each of those sections cites.

Every cell is escaped for Markdown (``transforms.render.frame_to_markdown`` or ``md``), so data
can never break out of its cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import polars as pl

from transforms.render import frame_to_markdown
from transforms.site.model import PageContext, Section
from transforms.site.text import Markup, fmt_num, fmt_pct, fmt_usd, md


def formatted(column: str, fmt: Callable[[Any], str], title: str) -> pl.Expr:
    """Column ``column`` as the text ``fmt`` makes of each value, titled ``title``."""
    return pl.col(column).map_elements(fmt, return_dtype=pl.Utf8).alias(title)


def md_table(df: pl.DataFrame, right: Iterable[str] = ()) -> Markup:
    """A frame as a Markdown table, the columns named in ``right`` right-aligned."""
    return Markup(frame_to_markdown(df, align=dict.fromkeys(right, "right")))


def _nir_table(rows: pl.DataFrame, first: pl.Expr, first_title: str) -> Markup:
    return Markup(
        frame_to_markdown(
            rows.select(
                first.alias(first_title),
                pl.col("stage").alias("Stage"),
                pl.col("year").alias("Year"),
                formatted("net_import_reliance", lambda v: fmt_pct(v, 0), "Net import reliance"),
                formatted("china_share", fmt_pct, "China's share of imports"),
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


NIR_NOTE = "Net import reliance = (imports − exports) / (production + imports − exports), in tonnes. Trade tonnes are gross weights; where production is counted as metal content ('Basis differs') the figure is indicative only. Negative = net exporter."


def nir_section(
    rows: pl.DataFrame, by: str, label: pl.Expr, heading: str, title: str
) -> Section | None:
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
    section.notes.append(NIR_NOTE)
    return section


def risk_table(rows: pl.DataFrame, first: pl.Expr, first_title: str) -> Markup:
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
                formatted("characterisation_factor", fmt_num, "Characterisation factor"),
                pl.col("crm_supply_risk")
                .map_elements(
                    lambda v: f"{v:.2f}" if v is not None else "n/a", return_dtype=pl.Utf8
                )
                .alias("EU-method supply risk"),
                formatted("import_reliance", lambda v: fmt_pct(v, 0), "Import reliance"),
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


RISK_NOTE = "GeoPolRisk (Koyamparambath et al. 2024) and the EU CRM supply-risk indicator (European Commission 2017 guidelines), with the simplifications stated on the Methodology page."


def events_table(rows: pl.DataFrame, ctx: PageContext) -> Markup:
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


EVENTS_SOURCE = "mart export_control_events (MOFCOM/GACC announcements, curated in data/reference/policy/export_controls.yaml)"


BAN_SOURCE = "mart scenario_export_ban (CEPII BACI; USGS MCS)"


def ban_table(rows: pl.DataFrame, first: pl.Expr, first_title: str) -> Markup:
    return Markup(
        frame_to_markdown(
            rows.select(
                first.alias(first_title),
                pl.col("stage").alias("Stage"),
                formatted("imports_from_china_t", fmt_num, "Imports from China lost (t)"),
                formatted("imports_from_china_usd", fmt_usd, "Value lost"),
                formatted("lost_share_of_imports", fmt_pct, "Share of imports"),
                formatted("lost_share_of_supply", fmt_pct, "Share of supply"),
                formatted(
                    "months_of_cover",
                    lambda v: "n/a" if v is None else f"{v:.1f}",
                    "Months of use covered by what is left",
                ),
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


STOCK_SOURCE = "mart scenario_stockpile (CEPII BACI; USGS MCS prices)"


def stock_pivot(rows: pl.DataFrame, index: str, labels: dict[str, str]) -> Markup:
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


BUDGET_SOURCE = (
    "mart scenario_reserve_budget (CEPII BACI; USGS MCS; data/reference/policy/parameters.yaml)"
)


FLOOR_SOURCE = "mart scenario_price_floor (USGS MCS prices; CEPII BACI; data/reference/policy/price_floors.yaml)"


def floor_table(rows: pl.DataFrame) -> Markup:
    return Markup(
        frame_to_markdown(
            rows.select(
                pl.col("floor_id").alias("Floor"),
                pl.col("year").alias("Year"),
                formatted("floor_usd_per_t", fmt_num, "Floor (USD/t)"),
                formatted("price_usd_per_t", fmt_num, "Market price (USD/t)"),
                formatted("gap_usd_per_t", fmt_num, "Gap (USD/t)"),
                formatted("covered_t", fmt_num, "Covered (t)"),
                formatted("cost_usd", fmt_usd, "Cost"),
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
