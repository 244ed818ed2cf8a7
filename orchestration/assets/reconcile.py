"""Data-quality tables of the clean layer and their checks.

* ``country_name_coverage`` — every country name or code of every source and what it maps to;
  a blocking check fails on any unmapped name.
* ``world_total_reconciliation`` — USGS country sums vs the published world totals, per
  edition, also where some figures are withheld (the known ones may not exceed the total); a
  blocking check fails beyond the named tolerance unless the corrections file accepts the row.
* ``usgs_wmd_comparison`` — USGS vs World Mining Data for the same mineral, stage, economy and
  year, whatever the basis (kept for the data-quality page; no check of its own);
* ``source_reconciliation`` — USGS / BGS / World Mining Data, and IEA vs USGS, like with like
  (same unit basis), each pair within its named tolerance or documented in the corrections
  file; its warning check summarises in one line and lists the pairs beyond.

Descriptions and column schemas come from the registry (``transforms.metadata``), and each
table gets the same blocking pandera schema check as the clean tables, looped over the
registry's data-quality tables.
"""


import dagster as dg
import polars as pl

from orchestration.assets.clean import (
    GROUP,
    failure_metadata,
    known_sets,
    schema_check,
    snap,
    warn_to_review,
)
from orchestration.metadata import frame_metadata
from transforms import clean, reconcile
from transforms.metadata import QUALITY_TABLES, TABLES

# (name source, column) -> the snapshot table(s) holding it; several tables are stacked.
NAME_COLUMNS = {
    ("usgs", "country"): ("usgs_world", "usgs2025_world"),
    ("usgs2026", "country"): "usgs2026_world",
    ("usgs2026", "partner_country"): "usgs2026_import_sources",
    ("wmd", "country"): "wmd_production",
    ("wgi", "wb_code"): "wgi_political_stability",
    ("baci", "baci_code"): "baci_country_codes",
}


def _tables(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


def _stacked(frames: dict[str, pl.DataFrame], tables: str | tuple[str, ...], column: str) -> pl.DataFrame:
    # Optional snapshot tables arrive as empty frames without the column: they add no names.
    parts = [frames[t].select(column) for t in _tables(tables) if column in frames[t].columns]
    return pl.concat(parts) if parts else pl.DataFrame()


@dg.asset(
    key_prefix=[GROUP],
    group_name=GROUP,
    ins={name: snap(name) for name in sorted({t for v in NAME_COLUMNS.values() for t in _tables(v)})},
    description=TABLES["country_name_coverage"].asset_description(),
    kinds={"polars"},
    tags={"layer": "clean", "purpose": "data-quality"},
)
def country_name_coverage(**frames: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    df = reconcile.name_coverage({key: _stacked(frames, tables, key[1]) for key, tables in NAME_COLUMNS.items()})
    unmapped = df.filter(pl.col("code").is_null()).height
    meta = frame_metadata(df, TABLES["country_name_coverage"].column_descriptions)
    return dg.Output(df, metadata={**meta, "unmapped": dg.MetadataValue.int(unmapped)})


@dg.asset_check(asset=country_name_coverage, blocking=True, description="Every country name in the sources maps to an ISO3 or aggregate code.")
def all_names_mapped(country_name_coverage: pl.DataFrame) -> dg.AssetCheckResult:
    unmapped = country_name_coverage.filter(pl.col("code").is_null())
    meta = {"names_checked": dg.MetadataValue.int(country_name_coverage.height)}
    if unmapped.height:
        counts = {s: n for s, n in unmapped.group_by("source").len().iter_rows()}
        meta |= failure_metadata(unmapped, counts)
    return dg.AssetCheckResult(passed=unmapped.height == 0, metadata=meta)


@dg.asset(
    key_prefix=[GROUP],
    group_name=GROUP,
    ins={"world": snap("usgs_world"), "world2026": snap("usgs2026_world"), "world2025": snap("usgs2025_world")},
    description=TABLES["world_total_reconciliation"].asset_description(),
    kinds={"polars"},
    tags={"layer": "clean", "purpose": "data-quality"},
)
def world_total_reconciliation(world: pl.DataFrame, world2026: pl.DataFrame, world2025: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    optional = {k: None if v.width == 0 else v for k, v in {"world2026": world2026, "world2025": world2025}.items()}
    candidates = clean.production_candidates(world, **optional)
    df = reconcile.world_total_reconciliation(candidates)
    meta = frame_metadata(df, TABLES["world_total_reconciliation"].column_descriptions)
    return dg.Output(df, metadata={**meta, "tolerance": reconcile.WORLD_TOTAL_REL_TOLERANCE})


@dg.asset_check(asset=world_total_reconciliation, blocking=True, description="Country sums within the tolerance of the published world total, or accepted in the corrections file.")
def world_totals_agree(world_total_reconciliation: pl.DataFrame) -> dg.AssetCheckResult:
    df = world_total_reconciliation
    outside = df.filter(pl.col("status") == "outside tolerance")
    failing = outside.filter(pl.col("accepted_reason").is_null())
    meta = {
        "groups_checked": dg.MetadataValue.int(df.height),
        "not_comparable": dg.MetadataValue.int(df.filter(~pl.col("comparable")).height),
        "accepted_by_corrections": dg.MetadataValue.int(outside.height - failing.height),
    }
    description = None
    if failing.height:
        meta |= failure_metadata(failing, {"outside tolerance": failing.height})
        description = "\n".join(
            f"USGS {r['mineral']} {r['stage']} {r['year']} (MCS {r['edition']}): countries sum to "
            f"{r['sum_of_countries_t']:,.0f} t"
            + ("" if r["comparable"] else f" with {r['non_numeric_rows']} figure(s) withheld")
            + f", world total {r['world_total_t']:,.0f} t"
            for r in failing.head(10).iter_rows(named=True)
        )
    return dg.AssetCheckResult(passed=failing.height == 0, metadata=meta, description=description)


@dg.asset(
    key_prefix=[GROUP],
    group_name=GROUP,
    ins={"production": dg.AssetIn(key=dg.AssetKey([GROUP, "production"])), "production_wmd": dg.AssetIn(key=dg.AssetKey([GROUP, "production_wmd"]))},
    description=TABLES["usgs_wmd_comparison"].asset_description(),
    kinds={"polars"},
    tags={"layer": "clean", "purpose": "data-quality"},
)
def usgs_wmd_comparison(production: pl.DataFrame, production_wmd: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    df = reconcile.usgs_vs_wmd(production, production_wmd)
    meta = frame_metadata(df, TABLES["usgs_wmd_comparison"].column_descriptions)
    return dg.Output(df, metadata={**meta, "disagreements": dg.MetadataValue.int(df.filter("disagrees").height)})


def _clean_in(table: str) -> dg.AssetIn:
    return dg.AssetIn(key=dg.AssetKey([GROUP, table]))


@dg.asset(
    key_prefix=[GROUP],
    group_name=GROUP,
    ins={t: _clean_in(t) for t in ("production", "production_history", "production_wmd", "production_iea")},
    description=TABLES["source_reconciliation"].asset_description(),
    kinds={"polars"},
    tags={"layer": "clean", "purpose": "data-quality"},
)
def source_reconciliation(
    production: pl.DataFrame,
    production_history: pl.DataFrame,
    production_wmd: pl.DataFrame,
    production_iea: pl.DataFrame,
) -> dg.Output[pl.DataFrame]:
    figures = reconcile.source_figures(production, production_history, production_wmd, production_iea)
    df = reconcile.source_reconciliation(figures)
    meta = frame_metadata(df, TABLES["source_reconciliation"].column_descriptions)
    return dg.Output(df, metadata={**meta, "summary": reconcile.reconciliation_summary(df)})


@dg.asset_check(
    asset=source_reconciliation,
    blocking=True,
    description="USGS, BGS, World Mining Data and IEA agree within each pair's named tolerance on the same unit basis, or the difference is documented in the corrections file (warning: the sources estimate independently).",
)
def sources_reconcile(source_reconciliation: pl.DataFrame) -> dg.AssetCheckResult:
    df = source_reconciliation
    beyond = df.filter(~pl.col("within_tolerance"))
    failing = beyond.filter(pl.col("accepted_reason").is_null()).sort(pl.col("rel_diff").abs(), descending=True)
    meta = {
        "pairs_compared": dg.MetadataValue.int(df.height),
        "within_tolerance": dg.MetadataValue.int(df.height - beyond.height),
        "beyond_tolerance": dg.MetadataValue.int(beyond.height),
        "accepted_by_corrections": dg.MetadataValue.int(beyond.height - failing.height),
        "tolerances": dg.MetadataValue.json({f"{a} / {b}": t for (a, b), t in reconcile.PAIR_TOLERANCES.items()}),
    }
    return warn_to_review(failing, "beyond_tolerance_pairs", meta, reconcile.reconciliation_summary(df))


reconcile_assets = [country_name_coverage, world_total_reconciliation, usgs_wmd_comparison, source_reconciliation]
reconcile_checks = [
    all_names_mapped,
    world_totals_agree,
    sources_reconcile,
    *(schema_check(dg.AssetKey([GROUP, t]), TABLES[t], known_sets, "types, nullability, value ranges") for t in QUALITY_TABLES),
]
