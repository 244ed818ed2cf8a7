"""Metric marts: concentration, dependence and supply risk, each with blocking checks.

Every asset comes from ``mart_asset`` and calls one ``transforms.marts`` function on clean tables
and on the importers' flows (``intermediate/importer_flows``, ``transforms.blocs``), with who is
who from the ``settings`` resource (orchestration/settings.py), so a run can change who counts
as an ally without touching code. Descriptions, column schemas and pandera schemas come from
the table registry (``transforms.metadata``). Blocking checks, generated per mart from ``CHECKS``: the
pandera schema, shares within [0, 1] and summing to at most 1 (+ rounding), HHI within bounds;
and the dependence mart's trade totals reconciled with the clean trade table.
"""

import dagster as dg
import polars as pl

from orchestration.assets.clean import failure_metadata, known_sets, schema_check
from orchestration.assets.mart_factory import (
    GROUP,
    MartInputs,
    clean_in,
    flows_in,
    importer_flows,
    mart_asset,
    settings_metadata,
)
from orchestration.settings import BriefingSettings
from transforms import reference
from transforms.marts import concentration as concentration_mart
from transforms.marts import concentration_history as history_mart
from transforms.marts import dependence as dependence_mart
from transforms.marts import dependence_sources
from transforms.marts import supply_risk as supply_risk_mart
from transforms.marts import supply_risk_departures as departures_mart
from transforms.marts.invariants import hhi_violations, known_with_importers, share_violations
from transforms.metadata import TABLES as METRICS_TABLES
from transforms.reference.trade_coverage import trade_coverage_frame


def _concentration(i: MartInputs) -> pl.DataFrame:
    return concentration_mart.concentration(i["production"], i["reserves"], i["trade"], **i.sides())


def _concentration_history(i: MartInputs) -> pl.DataFrame:
    production = concentration_mart.production_concentration(i["production"], **i.sides())
    return history_mart.concentration_history(i["production_history"], production, **i.sides())


def _concentration_outlook(i: MartInputs) -> pl.DataFrame:
    return history_mart.concentration_outlook(i["production_iea"], i["outlook"], **i.sides())


def _concentration_by_element(i: MartInputs) -> pl.DataFrame:
    return history_mart.concentration_by_element(
        i["production_history"], i["production_wmd"], **i.sides()
    )


def _dependence(i: MartInputs) -> pl.DataFrame:
    return dependence_mart.dependence(
        i["flows"], i["production"], economies=i.economies, coverage=trade_coverage_frame()
    )


def _china_import_shares(i: MartInputs) -> pl.DataFrame:
    return dependence_mart.china_import_shares(i["dependence"], trade_coverage_frame())


def _china_import_summary(i: MartInputs) -> pl.DataFrame:
    return dependence_mart.china_import_summary(i["china_import_shares"])


def _china_other_sources(i: MartInputs) -> pl.DataFrame:
    return dependence_sources.china_other_sources(
        i["import_sources"],
        i["magnet_imports"],
        i["china_exports_monthly"],
        reference.minerals_frame(),
        economies=i.economies,
    )


def _mart_in(name: str) -> dg.AssetIn:
    return dg.AssetIn(key=dg.AssetKey([GROUP, name]))


def _supply_risk(i: MartInputs) -> pl.DataFrame:
    eol = reference.minerals_frame().select(pl.col("slug").alias("mineral"), "eol_rir")
    return supply_risk_mart.supply_risk(
        i["production_wmd"], i["flows"], i["governance"], eol, economies=i.economies
    )


def _supply_risk_departures(i: MartInputs) -> pl.DataFrame:
    eol = reference.minerals_frame().select(pl.col("slug").alias("mineral"), "eol_rir")
    return departures_mart.supply_risk_departures(
        i["production_wmd"],
        i["flows"],
        i["governance"],
        eol,
        i["wgi_published"],
        economies=i.economies,
    )


# table -> (inputs, compute, check kinds)
MARTS = {
    "concentration": (
        {n: clean_in(n) for n in ("production", "reserves", "trade")},
        _concentration,
        ("shares", "hhi"),
    ),
    "dependence": (
        {"flows": flows_in(), "production": clean_in("production")},
        _dependence,
        ("shares",),
    ),
    "china_import_shares": (
        {"dependence": _mart_in("dependence")},
        _china_import_shares,
        (),  # its shares are bounded by the schema check; they partition no whole
    ),
    "china_import_summary": (
        {"china_import_shares": _mart_in("china_import_shares")},
        _china_import_summary,
        (),
    ),
    "china_other_sources": (
        {
            "import_sources": dg.AssetIn(key=dg.AssetKey(["snapshot", "usgs2026_import_sources"])),
            **{n: clean_in(n) for n in ("magnet_imports", "china_exports_monthly")},
        },
        _china_other_sources,
        (),
    ),
    "supply_risk": (
        {"flows": flows_in(), **{n: clean_in(n) for n in ("production_wmd", "governance")}},
        _supply_risk,
        ("shares", "hhi"),
    ),
    "supply_risk_departures": (
        {
            "flows": flows_in(),
            **{n: clean_in(n) for n in ("production_wmd", "governance")},
            "wgi_published": dg.AssetIn(key=dg.AssetKey(["snapshot", "wgi_political_stability"])),
        },
        _supply_risk_departures,
        (),
    ),
    "concentration_history": (
        {n: clean_in(n) for n in ("production_history", "production")},
        _concentration_history,
        ("shares",),
    ),
    "concentration_outlook": (
        {n: clean_in(n) for n in ("production_iea", "outlook")},
        _concentration_outlook,
        ("shares",),
    ),
    "concentration_by_element": (
        {n: clean_in(n) for n in ("production_history", "production_wmd")},
        _concentration_by_element,
        ("shares",),
    ),
}


def _result(rows_checked: int, failures: pl.DataFrame) -> dg.AssetCheckResult:
    meta = {"rows_checked": dg.MetadataValue.int(rows_checked)}
    if failures.height:
        counts = {
            v: n
            for v, n in failures.group_by("violation")
            .len()
            .sort("len", descending=True)
            .iter_rows()
        }
        meta |= failure_metadata(failures, counts)
    return dg.AssetCheckResult(passed=failures.height == 0, metadata=meta)


def _schema_check(table: str) -> dg.AssetChecksDefinition:
    return schema_check(
        dg.AssetKey([GROUP, table]),
        METRICS_TABLES[table],
        lambda: known_with_importers(known_sets()),
        "types, nullability, ranges, known minerals and ISO3",
    )


# check kind -> (name, description, violations(table, df))
CHECKS = {
    "shares": (
        "shares_bounded",
        "Every share within [0, 1]; shares of one whole sum to at most 1 (+ rounding).",
        share_violations,
    ),
    "hhi": (
        "hhi_bounded",
        "HHI within bounds: 0-10,000 in percent points (pooled alliance HHI >= HHI), 0-1 normalised, 0-10 WGI-weighted.",
        hhi_violations,
    ),
}


def _bounds_check(table: str, kind: str) -> dg.AssetChecksDefinition:
    name, description, violations = CHECKS[kind]

    @dg.asset_check(
        asset=dg.AssetKey([GROUP, table]), name=name, blocking=True, description=description
    )
    def _check(df: pl.DataFrame) -> dg.AssetCheckResult:
        return _result(df.height, violations(table, df))

    return _check


@dg.asset_check(
    asset=dg.AssetKey([GROUP, "dependence"]),
    name="trade_totals_reconcile",
    blocking=True,
    additional_ins={"trade": clean_in("trade")},
    description=(
        "Imports and exports (USD) per importer, mineral, stage and year equal a direct sum of the "
        "clean trade table (importer in the group, partner outside it), and no trade is missing."
    ),
)
def dependence_trade_totals(
    settings: BriefingSettings, dependence: pl.DataFrame, trade: pl.DataFrame
) -> dg.AssetCheckResult:
    bad = dependence_mart.reconcile_trade_totals(dependence, trade, economies=settings.economies())
    meta = {"rows_checked": dg.MetadataValue.int(dependence.height)}
    if bad.height:
        counts = {d: n for d, n in bad.group_by("direction").len().iter_rows()}
        meta |= failure_metadata(bad, counts)
    return dg.AssetCheckResult(passed=bad.height == 0, metadata=meta)


marts_metrics_assets = [
    importer_flows,
    *(
        # settings_metadata counts minerals: only for marts with a mineral column.
        mart_asset(
            METRICS_TABLES[t],
            ins,
            compute,
            settings_metadata if "mineral" in METRICS_TABLES[t].columns else None,
        )
        for t, (ins, compute, _) in MARTS.items()
    ),
]
marts_metrics_checks = [
    *(_schema_check(t) for t in MARTS),
    *(_bounds_check(t, kind) for t, (_, _, kinds) in MARTS.items() for kind in kinds),
    dependence_trade_totals,
]
