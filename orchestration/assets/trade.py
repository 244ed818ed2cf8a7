"""The year-partitioned trade tables, ``snapshot/baci_trade`` and ``clean/trade``, as one step.

Both are partitioned by year (``orchestration.partitions``). Dagster cannot run a partitioned
asset that reads another partitioned asset in a run without a partition: it asks the run for a
partition range and fails ("Cannot access partition_key for a non-partitioned run"). Computed in
one step, the two tables read no partitioned input, so the same ``build`` job runs with a
partition (a year from the sensor, a range from a UI backfill) or without one (``briefing
build``, the weekly schedule, "Launch run" in the UI: every year). Each table keeps its own key,
description, column schema, schema check and per-year row counts; the step is the trade ingest
of ``transforms.ingest`` (read, then clean) on the run's years.
"""

import dagster as dg
import polars as pl

from orchestration.assets.clean import COMPUTE, clean_spec, snap
from orchestration.assets.snapshot import read_snapshot_table, snapshot_spec
from orchestration.metadata import frame_metadata
from orchestration.partitions import partitioned_output, single_run, trade_years
from orchestration.resources import SnapshotSource
from transforms.metadata import TABLES as REGISTRY
from transforms.snapshot import TABLES as SNAPSHOT_TABLES

SNAPSHOT_SPEC = next(spec for spec in SNAPSHOT_TABLES if spec.name == "baci_trade")
TRADE_INS, CLEAN_TRADE = COMPUTE["trade"]


RAW_ATTRS, CLEAN_ATTRS = snapshot_spec(SNAPSHOT_SPEC), clean_spec("trade", CLEAN_TRADE)
RAW_KEY, CLEAN_KEY = RAW_ATTRS["key"], CLEAN_ATTRS["key"]
COUNTRIES = snap(TRADE_INS["baci_countries"])


@dg.multi_asset(
    outs={
        attrs["key"].to_python_identifier(): dg.AssetOut(**attrs, dagster_type=pl.DataFrame)
        for attrs in (RAW_ATTRS, CLEAN_ATTRS)
    },
    ins={"baci_countries": COUNTRIES},
    # clean/trade reads snapshot/baci_trade (same step, same years) and the country codes.
    internal_asset_deps={RAW_KEY.to_python_identifier(): set(), CLEAN_KEY.to_python_identifier(): {RAW_KEY, COUNTRIES.key}},
    partitions_def=trade_years,
    backfill_policy=single_run,
    name="trade",
    description="BACI trade of the run's years as published (snapshot/baci_trade), then cleaned (clean/trade).",
)
def trade(context: dg.AssetExecutionContext, snapshot: SnapshotSource, baci_countries: pl.DataFrame):
    raw, origin = read_snapshot_table(SNAPSHOT_SPEC, snapshot, context)
    descriptions = REGISTRY["baci_trade"].column_descriptions
    yield partitioned_output(
        context,
        raw,
        lambda part: {**frame_metadata(part, descriptions), "read_from": origin},
        key=RAW_KEY,
    )
    clean = CLEAN_TRADE(baci=raw, baci_countries=baci_countries)
    context.log.info(f"clean trade: {clean.height:,} rows")
    yield partitioned_output(
        context, clean, lambda part: frame_metadata(part, REGISTRY["trade"].column_descriptions), key=CLEAN_KEY
    )


trade_assets = [trade]
