"""Snapshot layer: the embedded snapshot's tables (or, on request, freshly parsed upstream files).

One asset per table of ``transforms.snapshot.TABLES`` (how each is parsed); its description
and column schema come from the table registry (``transforms.metadata``), and each carries
its source's origin record (publisher, licence, citation, upstream patterns) as metadata.
"""


import tempfile
from pathlib import Path

import dagster as dg
import polars as pl

from orchestration.metadata import code_reference, frame_metadata
from orchestration.partitions import run_years, trade_years, year_filter
from orchestration.resources import SnapshotSource
from orchestration.snapshot_store import read_table
from transforms.errors import UpstreamFormatError
from transforms.ingest import read_trade
from transforms.metadata import TABLES as REGISTRY
from transforms.snapshot import TABLES, TableSpec, find_inputs, load_sources, parse_table

GROUP = "snapshot"


def _origin_metadata(spec: TableSpec) -> dict:
    origin = load_sources()[spec.source]
    meta = {
        "source": spec.source,
        "publisher": origin["publisher"],
        "licence": origin["licence"],
        "citation": origin["citation"],
        "upstream_patterns": ", ".join(spec.patterns),
    }
    if origin.get("url"):
        meta["url"] = dg.MetadataValue.url(origin["url"])
    return meta


# Snapshot tables partitioned by year (see orchestration/partitions.py).
PARTITIONED = {"baci_trade"}


def _upstream_trade(
    spec: TableSpec, upstream_dir: Path, context: dg.AssetExecutionContext
) -> pl.DataFrame:
    """The trade ingest's step 1 (transforms.ingest.read_trade) on the upstream files, for this
    run's years only. Release-zip members are written to a temporary folder that this asset
    owns and removes, since the parser manages no temporary folders."""
    files = find_inputs(upstream_dir, spec.patterns)
    if not files:
        raise UpstreamFormatError(
            str(upstream_dir),
            f"no upstream files for table {spec.name!r} (looked for {', '.join(spec.patterns)})",
        )
    years = [int(key) for key in run_years(context)]
    partitions = {int(key) for key in trade_years.get_partition_keys()}
    # A run of every partition (the CLI build) reads every year, so that a year the partitions
    # do not have is refused by name rather than dropped; a run of some years reads only those.
    every = set(years) == partitions
    with tempfile.TemporaryDirectory(prefix="baci-members-") as work_dir:
        df = read_trade(files, years=None if every else years, work_dir=Path(work_dir))
    extra = sorted(set(df["year"].unique().to_list()) - partitions) if every else []
    if extra:
        raise UpstreamFormatError(
            ", ".join(f.name for f in files),
            f"trade rows for year(s) {', '.join(map(str, extra))}, which are not trade partitions "
            f"({min(partitions)}-{max(partitions)}); rebuild the snapshot first ('briefing snapshot "
            "--from DIR'), so that the partitions include them",
        )
    return df


def read_snapshot_table(
    spec: TableSpec, snapshot: SnapshotSource, context: dg.AssetExecutionContext
) -> tuple[pl.DataFrame, str]:
    """One snapshot table (the run's years only, for trade) and where it was read from."""
    partitioned = spec.name in PARTITIONED
    origin = "embedded snapshot"
    if snapshot.upstream_path is not None and partitioned:
        df = _upstream_trade(spec, Path(snapshot.upstream_path), context)
        origin = f"upstream files in {snapshot.upstream_path}"
    elif snapshot.upstream_path is not None:
        parsed = parse_table(spec, snapshot.upstream_path)
        df = parsed[0] if parsed is not None else None
        origin = f"upstream files in {snapshot.upstream_path}"
    else:
        df = read_table(spec.name, snapshot.snapshot_path)
    if df is None:
        df = pl.DataFrame()
    if partitioned:
        df = df.filter(year_filter(context))
    context.log.info(f"{spec.name}: {df.height:,} rows from the {origin}")
    return df, origin


def snapshot_spec(spec: TableSpec) -> dict:
    """The asset attributes of a snapshot table: key, group, description, metadata, kinds, tags."""
    return {
        "key": dg.AssetKey([GROUP, spec.name]),
        "group_name": GROUP,
        "description": REGISTRY[spec.name].asset_description()
        + ("\n\nOptional: empty when the snapshot does not hold it." if not spec.required else ""),
        "metadata": _origin_metadata(spec) | code_reference(spec.parse),
        "kinds": {"polars", "parquet"},
        "tags": {"layer": "snapshot", "source": spec.source},
    }


def _snapshot_asset(spec: TableSpec) -> dg.AssetsDefinition:
    @dg.asset(**snapshot_spec(spec))
    def _asset(context: dg.AssetExecutionContext, snapshot: SnapshotSource) -> dg.Output[pl.DataFrame]:
        df, origin = read_snapshot_table(spec, snapshot, context)
        meta = frame_metadata(df, REGISTRY[spec.name].column_descriptions)
        return dg.Output(df, metadata={**meta, "read_from": origin})

    return _asset


# The year-partitioned trade table is built with clean/trade (orchestration.assets.trade).
snapshot_assets = [_snapshot_asset(spec) for spec in TABLES if spec.name not in PARTITIONED]
