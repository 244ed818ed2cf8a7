"""The data-quality page's content: every check and its status, read from the clean layer.

Statuses of the reconciliation checks are recomputed here from the data-quality tables
(``country_name_coverage``, ``world_total_reconciliation``, ``usgs_wmd_comparison``) with the
same rules as the Dagster checks in ``orchestration/assets/reconcile.py``, so the page states
what the published tables say. Results that Dagster recorded (schema checks, mart checks) are
passed in as ``check_results`` and listed too.
"""

from __future__ import annotations

import polars as pl

from transforms.metadata import CLEAN_TABLES as SCHEMA_TABLES
from transforms.reconcile import USGS_WMD_REL_TOLERANCE, WORLD_TOTAL_REL_TOLERANCE
from transforms.render import frame_to_markdown
from transforms.site.render_tables import Num, named, table
from transforms.site.text import Markup, fmt_num, fmt_pct

FLAG_TABLES = ("production", "reserves", "us_salient")
DISAGREEMENT_ROWS = 30


def _recorded(check_results: list[dict], asset: str, check: str) -> dict | None:
    for result in check_results:
        if result.get("asset") == asset and result.get("check") == check:
            return result
    return None


def _status(result: dict | None, fallback: str) -> str:
    if result is None or result.get("passed") is None:
        return fallback
    if result["passed"]:
        return "passed"
    return "warning" if result.get("severity") == "WARN" else "failed"


def checks(clean: dict[str, pl.DataFrame], check_results: list[dict] | None = None) -> list[dict]:
    """One row per check: asset, check, kind, status, detail (plain text)."""
    check_results = check_results or []
    out = []
    for name in SCHEMA_TABLES:
        if name not in clean:
            continue
        result = _recorded(check_results, f"clean/{name}", "schema")
        out.append(
            {
                "asset": f"clean/{name}",
                "check": "schema",
                "kind": "blocking",
                "status": _status(
                    result, "passed (blocking: nothing downstream is built unless it passes)"
                ),
                "detail": f"pandera schema: types, nullability, ranges, known codes, unique key; {clean[name].height:,} rows.",
            }
        )
    coverage = clean.get("country_name_coverage")
    if coverage is not None:
        unmapped = coverage.filter(pl.col("code").is_null()).height
        out.append(
            {
                "asset": "clean/country_name_coverage",
                "check": "all_names_mapped",
                "kind": "blocking",
                "status": "passed" if unmapped == 0 else "failed",
                "detail": f"{coverage.height:,} country names and codes across the sources; {unmapped} unmapped.",
            }
        )
    totals = clean.get("world_total_reconciliation")
    if totals is not None:
        outside = totals.filter(pl.col("status") == "outside tolerance")
        failing = outside.filter(pl.col("accepted_reason").is_null())
        out.append(
            {
                "asset": "clean/world_total_reconciliation",
                "check": "world_totals_agree",
                "kind": "error",
                "status": "passed" if failing.height == 0 else "failed",
                "detail": (
                    f"{totals.height:,} mineral-stage-year-edition groups; country sums within {fmt_pct(WORLD_TOTAL_REL_TOLERANCE, 0)} "
                    f"of the published world total: {totals.filter(pl.col('status') == 'ok').height}; accepted exceptions: "
                    f"{outside.height - failing.height}; outside tolerance: {failing.height}; not comparable: {totals.filter(~pl.col('comparable')).height}."
                ),
            }
        )
    comparison = clean.get("usgs_wmd_comparison")
    if comparison is not None:
        bad = comparison.filter(pl.col("disagrees")).height
        out.append(
            {
                "asset": "clean/usgs_wmd_comparison",
                "check": "usgs_wmd_agree",
                "kind": "warning",
                "status": "passed" if bad == 0 else "warning",
                "detail": f"{comparison.height:,} USGS/World Mining Data pairs; {bad} differ by more than {fmt_pct(USGS_WMD_REL_TOLERANCE, 0)}.",
            }
        )
    listed = {(c["asset"], c["check"]) for c in out}
    for result in check_results:
        key = (result.get("asset"), result.get("check"))
        if key in listed:
            continue
        out.append(
            {
                "asset": result.get("asset"),
                "check": result.get("check"),
                "kind": "blocking"
                if result.get("blocking")
                else ("warning" if result.get("severity") == "WARN" else "error"),
                "status": _status(result, "not evaluated"),
                "detail": result.get("description") or "",
            }
        )
    return out


def tables(
    clean: dict[str, pl.DataFrame], mineral_names: dict[str, str], names: dict[str, str]
) -> dict[str, Markup]:
    """Tables of the page: world-total exceptions and the largest USGS/WMD disagreements."""
    out: dict[str, Markup] = {}
    mineral = named("mineral", mineral_names, "Mineral")
    totals = clean.get("world_total_reconciliation")
    if totals is not None:
        exceptions = totals.filter(pl.col("status") != "ok").sort(
            "mineral", "stage", "year", "edition"
        )
        if exceptions.height:
            out["world_totals"] = table(
                exceptions,
                mineral,
                pl.col("stage").alias("Stage"),
                pl.col("year").alias("Year"),
                pl.col("edition").alias("Edition"),
                Num("sum_of_countries_t", fmt_num, "Sum of countries (t)"),
                Num("world_total_t", fmt_num, "World total (t)"),
                pl.col("status").alias("Status"),
                pl.col("accepted_reason").fill_null("").alias("Accepted because"),
            )
    comparison = clean.get("usgs_wmd_comparison")
    if comparison is not None:
        by_mineral = (
            comparison.group_by("mineral")
            .agg(
                pl.len().alias("pairs"),
                pl.col("disagrees").sum().alias("disagree"),
                pl.col("basis_differs").sum().alias("basis_differs"),
            )
            .filter(pl.col("disagree") > 0)
            .sort("disagree", descending=True)
        )
        if by_mineral.height:
            out["wmd_by_mineral"] = table(
                by_mineral,
                mineral,
                Num("pairs", None, "Pairs compared"),
                Num("disagree", None, "Beyond tolerance"),
                Num("basis_differs", None, "Of which on different tonnage bases"),
            )
            worst = (
                comparison.filter(pl.col("disagrees") & ~pl.col("basis_differs"))
                .sort(pl.col("rel_diff").abs(), descending=True)
                .head(DISAGREEMENT_ROWS)
            )
            if worst.height:
                out["wmd_worst"] = table(
                    worst,
                    mineral,
                    pl.col("stage").alias("Stage"),
                    named("country_code", names, "Economy"),
                    pl.col("year").alias("Year"),
                    Num("usgs_t", fmt_num, "USGS (t)"),
                    Num("wmd_t", fmt_num, "WMD (t)"),
                    pl.col("wmd_commodity").alias("WMD commodity"),
                    Num("rel_diff", lambda v: fmt_pct(v, 0), "Difference"),
                )
    return out


def flag_counts(clean: dict[str, pl.DataFrame]) -> Markup | None:
    """How many published cells carry a text flag instead of (or with) a number, by table."""
    frames = []
    for name in FLAG_TABLES:
        df = clean.get(name)
        if df is None or "value_flag" not in df.columns:
            continue
        frames.append(
            df.filter(pl.col("value_flag").is_not_null())
            .group_by("value_flag")
            .agg(pl.len().alias("rows"), pl.col("value_text").drop_nulls().first().alias("example"))
            .with_columns(pl.lit(name).alias("table"))
        )
    if not frames:
        return None
    counts = pl.concat(frames).sort("table", "rows", "value_flag", descending=[False, True, False])
    return table(
        counts,
        pl.col("table").alias("Table"),
        pl.col("value_flag").alias("Flag"),
        Num("rows", None, "Rows"),
        pl.col("example").alias("Example as published"),
    )


def quarantine(
    clean: dict[str, pl.DataFrame], marts: dict[str, pl.DataFrame]
) -> list[tuple[str, Markup, int]]:
    """Any quarantine table a layer publishes (name containing "quarantine"): name, first rows, count."""
    out = []
    for layer, frames in (("clean", clean), ("marts", marts)):
        for name, df in sorted(frames.items()):
            if "quarantine" in name and df.height:
                out.append((f"{layer}/{name}", Markup(frame_to_markdown(df.head(50))), df.height))
    return out
