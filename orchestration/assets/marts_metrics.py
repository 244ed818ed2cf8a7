"""Metric marts: concentration, dependence and supply risk, each with blocking checks.

Every asset calls one ``transforms.marts`` function on clean tables, with the alliance, China
and EU27 member lists from the ``settings`` resource (orchestration/settings.py), so a run can
change who counts as an ally without touching code. Descriptions, column schemas and pandera
schemas come from the table registry (``transforms.metadata``). Blocking checks: the pandera schema of
each mart, shares within [0, 1] and summing to at most 1 (+ rounding), HHI within bounds, and
the dependence mart's trade totals reconciled with the clean trade table.
"""

import dagster as dg
import polars as pl

from orchestration.assets.clean import failure_metadata, known_sets, schema_check
from orchestration.metadata import frame_metadata
from orchestration.settings import BriefingSettings
from transforms import reference
from transforms.marts import concentration as concentration_mart
from transforms.marts import dependence as dependence_mart
from transforms.marts import supply_risk as supply_risk_mart
from transforms.marts.invariants import hhi_violations, known_with_importers, share_violations
from transforms.metadata import TABLES as METRICS_TABLES

GROUP = "marts"
MARTS = ("concentration", "dependence", "supply_risk")


def clean_in(name: str) -> dg.AssetIn:
    return dg.AssetIn(key=dg.AssetKey(["clean", name]))


def _asset_kwargs(table: str, ins: tuple[str, ...]) -> dict:
    meta = METRICS_TABLES[table]
    return {
        "name": table,
        "key_prefix": [GROUP],
        "group_name": GROUP,
        "description": meta.asset_description(),
        "ins": {name: clean_in(name) for name in ins},
        "kinds": {"polars"},
        "tags": {"layer": "marts"},
        "metadata": {"primary_key": ", ".join(meta.primary_key)},
    }


def _output(table: str, df: pl.DataFrame, settings: BriefingSettings) -> dg.Output[pl.DataFrame]:
    meta = frame_metadata(df, METRICS_TABLES[table].column_descriptions)
    meta["alliance"] = dg.MetadataValue.text(", ".join(settings.alliance_members()))
    meta["china"] = dg.MetadataValue.text(", ".join(settings.china_members()))
    meta["minerals"] = dg.MetadataValue.int(df["mineral"].n_unique() if df.height else 0)
    return dg.Output(df, metadata=meta)


@dg.asset(**_asset_kwargs("concentration", ("production", "reserves", "trade")))
def concentration(
    context: dg.AssetExecutionContext,
    settings: BriefingSettings,
    production: pl.DataFrame,
    reserves: pl.DataFrame,
    trade: pl.DataFrame,
) -> dg.Output[pl.DataFrame]:
    df = concentration_mart.concentration(
        production,
        reserves,
        trade,
        china=settings.china_members(),
        alliance=settings.alliance_members(),
    )
    context.log.info(f"marts concentration: {df.height:,} rows")
    return _output("concentration", df, settings)


@dg.asset(**_asset_kwargs("dependence", ("trade", "production")))
def dependence(
    context: dg.AssetExecutionContext,
    settings: BriefingSettings,
    trade: pl.DataFrame,
    production: pl.DataFrame,
) -> dg.Output[pl.DataFrame]:
    df = dependence_mart.dependence(
        trade,
        production,
        alliance=settings.alliance_members(),
        eu27=settings.eu27_members(),
        china=settings.china_members(),
    )
    context.log.info(f"marts dependence: {df.height:,} rows")
    return _output("dependence", df, settings)


@dg.asset(**_asset_kwargs("supply_risk", ("production_wmd", "trade", "governance")))
def supply_risk(
    context: dg.AssetExecutionContext,
    settings: BriefingSettings,
    production_wmd: pl.DataFrame,
    trade: pl.DataFrame,
    governance: pl.DataFrame,
) -> dg.Output[pl.DataFrame]:
    eol = reference.minerals_frame().select(pl.col("slug").alias("mineral"), "eol_rir")
    df = supply_risk_mart.supply_risk(
        production_wmd,
        trade,
        governance,
        eol,
        alliance=settings.alliance_members(),
        eu27=settings.eu27_members(),
    )
    context.log.info(f"marts supply_risk: {df.height:,} rows")
    return _output("supply_risk", df, settings)


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


def _shares_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([GROUP, table]),
        name="shares_bounded",
        blocking=True,
        description="Every share within [0, 1]; shares of one whole sum to at most 1 (+ rounding).",
    )
    def _check(df: pl.DataFrame) -> dg.AssetCheckResult:
        return _result(df.height, share_violations(table, df))

    return _check


def _hhi_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([GROUP, table]),
        name="hhi_bounded",
        blocking=True,
        description="HHI within bounds: 0-10,000 in percent points (pooled alliance HHI >= HHI), 0-1 normalised, 0-10 WGI-weighted.",
    )
    def _check(df: pl.DataFrame) -> dg.AssetCheckResult:
        return _result(df.height, hhi_violations(table, df))

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
    bad = dependence_mart.reconcile_trade_totals(
        dependence, trade, alliance=settings.alliance_members(), eu27=settings.eu27_members()
    )
    meta = {"rows_checked": dg.MetadataValue.int(dependence.height)}
    if bad.height:
        counts = {d: n for d, n in bad.group_by("direction").len().iter_rows()}
        meta |= failure_metadata(bad, counts)
    return dg.AssetCheckResult(passed=bad.height == 0, metadata=meta)


marts_metrics_assets = [concentration, dependence, supply_risk]
marts_metrics_checks = [
    *(_schema_check(t) for t in MARTS),
    *(_shares_check(t) for t in MARTS),
    _hhi_check("concentration"),
    _hhi_check("supply_risk"),
    dependence_trade_totals,
]
