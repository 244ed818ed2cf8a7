"""Partitions: trade is partitioned by year, so refreshing one BACI year recomputes only that
year's snapshot and clean partitions and the marts that read them.

The years are those of the embedded snapshot's BACI table (read once, one column), so a
snapshot that gains a year gains a partition without a code change.

Which years a run takes comes from Dagster's public partition API only: a run for one year
(``partition_key``, as the sensor requests) or a range (a single-run backfill from the UI)
takes those years; a run without a partition (``briefing build``, the weekly schedule, the
``build`` job launched from the UI) takes every year. In that last case each year still gets its
own materialisation event, with its own row count, so the UI's partition view is right.
"""

import warnings
from collections.abc import Callable

import dagster as dg
import polars as pl

from orchestration.paths import DEFAULT_SNAPSHOT_DIR
from orchestration.snapshot_store import table_path

# Single-run backfills are the one way to materialise every year in one run; Dagster still
# labels the asset parameter beta, which would print a warning on every CLI build.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)

# BACI HS92 V202401b covers 1995-2024; used when the snapshot is not there to read.
FALLBACK_TRADE_YEARS = range(1995, 2025)
PARTITION_COLUMN = "year"


def _trade_years() -> list[str]:
    path = table_path("baci_trade", DEFAULT_SNAPSHOT_DIR)
    if not path.exists():
        return [str(y) for y in FALLBACK_TRADE_YEARS]
    years = pl.scan_parquet(path).select(pl.col("year").unique()).collect()["year"]
    return [str(y) for y in sorted(years.to_list())]


trade_years = dg.StaticPartitionsDefinition(_trade_years())
# One run materialises any range of years at once (the CLI build takes them all).
single_run = dg.BackfillPolicy.single_run()


def is_partitioned_run(context: dg.AssetExecutionContext) -> bool:
    return context.has_partition_key or context.has_partition_key_range


def run_years(context: dg.AssetExecutionContext) -> list[str]:
    """The trade years this run materialises: the run's partitions, or every year."""
    if is_partitioned_run(context):
        return list(context.partition_keys)
    return trade_years.get_partition_keys()


def year_filter(context: dg.AssetExecutionContext) -> pl.Expr:
    """The rows of the partitions this run materialises."""
    return pl.col(PARTITION_COLUMN).is_in([int(k) for k in run_years(context)])


def partitioned_output(
    context: dg.AssetExecutionContext,
    df: pl.DataFrame,
    metadata: Callable[[pl.DataFrame], dict],
    key: dg.AssetKey,
) -> dg.Output:
    """The output of year-partitioned asset ``key``, with ``metadata(frame)`` of each year's rows.

    A partitioned run attaches it to the run's own per-partition materialisations (so year 2020
    reports 2020's rows, not the whole run's); a run without a partition logs one materialisation
    per year and keeps the whole table's metadata on its own event."""
    counts = dict(df.group_by(PARTITION_COLUMN).len().iter_rows()) if df.height else {}
    for year in run_years(context):
        part = df.filter(pl.col(PARTITION_COLUMN) == int(year)) if counts.get(int(year)) else df.clear()
        meta = metadata(part)
        if is_partitioned_run(context):
            context.add_asset_metadata(meta, asset_key=key, partition_key=year)
        else:
            context.log_event(dg.AssetMaterialization(asset_key=key, partition=year, metadata=meta))
    name = key.to_python_identifier()
    if is_partitioned_run(context):
        return dg.Output(df, output_name=name)
    return dg.Output(df, output_name=name, metadata=metadata(df))
