"""How a China-share figure of the dependence marts reads on a page: quoted with its basis
(value and tonnes), or, where it is no finding, the reason in a few words instead of a number.

The rows are those of ``china_import_shares`` (``transforms.marts.dependence``): ``finding_ok``
says whether the figure sees the stage China holds, ``material_imports`` whether the imports
are large enough to say anything, ``stage`` which codes the figure uses. The scenario marts
carry the same ``finding_ok`` (the rule of ``transforms.marts.coverage``): :func:`scenario_flags`
warns above a mineral's scenario figures in the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from markupsafe import Markup

from transforms.marts.dependence import MIN_IMPORTS_USD
from transforms.site.facts import CHINA_IMPORT_SHARE, Fact, fact, fact_cell
from transforms.site.text import fmt_pct, fmt_usd, md

OTHER_SOURCES_ANCHOR = "other-sources"
STAGE_FORMS = {"refinery": "processed forms", "mine": "ores and concentrates"}


def quotable(row: Mapping[str, Any]) -> bool:
    """True where the figure may be quoted as China's share of the importer's imports."""
    return bool(row.get("finding_ok")) and bool(row.get("material_imports"))


def quotable_expr() -> pl.Expr:
    return pl.col("finding_ok") & pl.col("material_imports")


def why_not(row: Mapping[str, Any]) -> str:
    """Why a figure is not quoted, in a few words (a table cell)."""
    if row.get("stage") is None:
        return "no trade code"
    if not row.get("finding_ok"):
        if row.get("stage") == "mine" and row.get("china_refinery_share") is not None:
            return "ore only: China's hold is in refining"
        return "ore only: China's refining share not in the data"
    if not row.get("material_imports"):
        return f"imports under {fmt_usd(MIN_IMPORTS_USD)}"
    return ""


def share_fact(row: Mapping[str, Any], basis: str) -> Fact:
    """The fact of a row's China share by ``basis`` ("value" or "tonnes")."""
    return Fact(row["mineral"], row["importer"], CHINA_IMPORT_SHARE, basis, row["stage"], row["year"])


def shares_text(row: Mapping[str, Any]) -> Markup:
    """'37.8% by value, 66.1% by tonnes' (tonnes left out where unknown), each figure marked."""
    parts = [md("{share} by value", share=fact(fmt_pct(row["china_share"]), share_fact(row, "value")))]
    if row.get("china_share_t") is not None:
        tonnes = fact(fmt_pct(row["china_share_t"]), share_fact(row, "tonnes"))
        parts.append(md("{share} by tonnes", share=tonnes))
    return Markup(", ").join(parts)


def form_text(row: Mapping[str, Any], mineral_name: str) -> str:
    """'processed forms of cobalt' / 'antimony ores and concentrates'."""
    stage = row.get("stage")
    if stage == "refinery":
        return f"processed forms of {mineral_name}"
    return f"{mineral_name} ores and concentrates"


def share_cells(row: Mapping[str, Any]) -> tuple[str, str]:
    """The value and tonnes cells of a table: the shares where quotable (marked), else '–'."""
    if not quotable(row):
        return "–", "–"
    tonnes = (
        fact_cell(fmt_pct(row["china_share_t"]), share_fact(row, "tonnes"))
        if row.get("china_share_t") is not None
        else "n/a"
    )
    return fact_cell(fmt_pct(row["china_share"]), share_fact(row, "value")), tonnes


def scenario_flags(rows: pl.DataFrame, mineral_name: str) -> list[Markup]:
    """One warning per stage of a mineral's scenario rows whose trade codes miss the stage
    China holds (``finding_ok`` false): its figures are not computable, with the dependence
    marts' reason (``not_computable_reason``, their ``coverage_note``)."""
    if "finding_ok" not in rows.columns or "not_computable_reason" not in rows.columns:
        return []
    flagged = (
        rows.filter(~pl.col("finding_ok"), pl.col("not_computable_reason").is_not_null())
        .select("stage", "not_computable_reason")
        .unique(maintain_order=True)
    )
    return [
        md(
            "Figures for {form} are **not computable** and no finding: {why}",
            form=form_text(r, mineral_name),
            why=r["not_computable_reason"],
        )
        for r in flagged.iter_rows(named=True)
    ]
