"""Partitions: trade is partitioned by year, so refreshing one BACI year recomputes only that
year's snapshot and clean partitions and the marts that read them.

The years are those of the embedded snapshot's BACI table (read once, one column), so a
snapshot that gains a year gains a partition without a code change.
"""

import warnings

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


def year_filter(context: dg.AssetExecutionContext) -> pl.Expr:
    """The rows of the partitions this run materialises."""
    years = [int(k) for k in context.partition_keys]
    return pl.col(PARTITION_COLUMN).is_in(years)
