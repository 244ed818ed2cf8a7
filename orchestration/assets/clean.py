"""Clean layer: typed, harmonised tables, each validated by a blocking pandera asset check.

Every asset here calls one ``transforms.clean`` function; its description, column schema and
validation come from the table metadata in ``transforms.tables``. The reconciliation checks
(country sums vs published world totals, USGS vs World Mining Data) live in
``orchestration.assets.reconcile``.
"""


from collections.abc import Callable, Mapping
from datetime import timedelta

import dagster as dg
import polars as pl

from orchestration.metadata import frame_metadata
from orchestration.partitions import single_run, trade_years
from transforms import clean, reference
from transforms.render import frame_to_markdown
from transforms.tables import TABLES, TableMeta, validate_meta

GROUP = "clean"
FAILURE_SAMPLE_ROWS = 20
# The site is rebuilt weekly (orchestration/automation.py): a clean table older than a week and
# a day means a scheduled build did not run or failed; after two weeks it is stale.
CLEAN_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(days=15), warn_window=timedelta(days=8))


def snap(name: str) -> dg.AssetIn:
    return dg.AssetIn(key=dg.AssetKey(["snapshot", name]))


def _meta(table: str, df: pl.DataFrame) -> dict:
    return frame_metadata(df, TABLES[table].column_descriptions)


def _clean_asset(table: str, ins: dict[str, str], compute, *, partitioned: bool = False):
    """An asset for one clean table; ``ins`` maps the function's argument names to snapshot tables."""

    @dg.asset(
        partitions_def=trade_years if partitioned else None,
        backfill_policy=single_run if partitioned else None,
        freshness_policy=CLEAN_FRESHNESS,
        name=table,
        key_prefix=[GROUP],
        group_name=GROUP,
        description=TABLES[table].asset_description(),
        ins={arg: snap(name) for arg, name in ins.items()},
        kinds={"polars"},
        tags={"layer": "clean"},
        metadata={"primary_key": ", ".join(TABLES[table].primary_key)},
    )
    def _asset(context: dg.AssetExecutionContext, **frames: pl.DataFrame) -> dg.Output[pl.DataFrame]:
        # Optional snapshot tables arrive as empty frames; the transforms expect None for them.
        args = {k: (None if v.width == 0 else v) for k, v in frames.items()}
        df = compute(**args)
        context.log.info(f"clean {table}: {df.height:,} rows")
        return dg.Output(df, metadata=_meta(table, df))

    return _asset


production = _clean_asset("production", {"world": "usgs_world", "world2026": "usgs2026_world"}, clean.clean_production)
reserves = _clean_asset("reserves", {"world": "usgs_world", "world2026": "usgs2026_world"}, clean.clean_reserves)
production_wmd = _clean_asset("production_wmd", {"wmd": "wmd_production"}, clean.clean_production_wmd)
trade = _clean_asset(
    "trade", {"baci": "baci_trade", "baci_countries": "baci_country_codes"}, clean.clean_trade, partitioned=True
)
us_salient = _clean_asset(
    "us_salient", {"salient": "usgs_salient", "salient2026": "usgs2026_salient"}, clean.clean_us_salient
)
governance = _clean_asset("governance", {"wgi": "wgi_political_stability"}, clean.clean_governance)


def known_sets() -> dict[str, frozenset[str]]:
    economies = frozenset(reference.economies_frame()["iso3"].to_list())
    aggregates = frozenset(
        reference.country_names_frame().filter(pl.col("kind") == "aggregate")["code"].to_list()
    )
    return {
        "mineral": frozenset(reference.minerals_frame()["slug"].to_list()),
        "economy": economies,
        "country_or_aggregate": economies | aggregates,
    }


def failure_metadata(failures: pl.DataFrame, counts: dict[str, int]) -> dict:
    sample = failures.head(FAILURE_SAMPLE_ROWS)
    return {
        "failure_count": dg.MetadataValue.int(failures.height),
        "failures_by_check": dg.MetadataValue.json(counts),
        "failure_sample": dg.MetadataValue.md(frame_to_markdown(sample)),
    }


def schema_check(
    key: dg.AssetKey,
    meta: TableMeta,
    known: Callable[[], Mapping[str, frozenset[str]]],
    what: str = "types, nullability, ranges, known ISO3 and minerals",
) -> dg.AssetChecksDefinition:
    """The blocking pandera check of one table (clean table or mart), from its metadata.

    ``known`` returns the reference sets its 'known' checks name; it is called when the check
    runs, not when the definitions load.
    """

    @dg.asset_check(
        asset=key,
        name="schema",
        blocking=True,
        description=(
            f"pandera.polars schema of `{meta.name}` ({what}, unique {', '.join(meta.primary_key)}), "
            "validated lazily."
        ),
    )
    def _check(df: pl.DataFrame) -> dg.AssetCheckResult:
        report = validate_meta(meta, df, known())
        metadata = {"rows_checked": dg.MetadataValue.int(report.rows)}
        if not report.passed:
            metadata |= failure_metadata(report.failure_cases, report.counts())
        return dg.AssetCheckResult(passed=report.passed, metadata=metadata, description=report.summary())

    return _check


clean_assets = [production, reserves, production_wmd, trade, us_salient, governance]
clean_checks = [
    schema_check(dg.AssetKey([GROUP, t]), TABLES[t], known_sets)
    for t in ("production", "reserves", "production_wmd", "trade", "us_salient", "governance")
]
