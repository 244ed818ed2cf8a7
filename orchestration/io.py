"""Where assets' polars frames are stored between steps: one Parquet file per asset or partition.

dagster-polars is not used (it does not support polars 2); this IO manager is the small part
of it the project needs. A partitioned asset (trade, by year) is stored as one file per
partition, ``<key path>/<partition>.parquet``, split on the frame's ``year`` column; reading
any set of partitions concatenates their files, so an unpartitioned mart downstream sees the
whole table. Files are written to a temporary name and renamed into place, so a killed run
never leaves a half-written table for the next run to read.

A year-partitioned asset in a run without a partition (``briefing build``, the weekly schedule,
the ``build`` job launched from the UI) takes every year: one file per year all the same.

The marts (and the importers' flows they share) depend on the analysis settings. A run whose
settings are not the publishing configuration (``orchestration.settings.publishing_hash``) is a
what-if: its settings-dependent tables are written to and read from
``<base_dir>/what_if/<settings hash>/``, never the warehouse the site reads, so a what-if run
from the launchpad cannot leak into the published site.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
import polars as pl

from orchestration.partitions import PARTITION_COLUMN
from orchestration.scenario_settings import ScenarioSettings
from orchestration.settings import BriefingSettings, publishing_hash, settings_hash

# Asset key prefixes of the tables computed under the analysis settings.
SETTINGS_LAYERS = frozenset({"marts", "intermediate"})
WHAT_IF_DIR = "what_if"
# Materialisation metadata of a settings-dependent table: its settings hash and its folder.
SETTINGS_HASH_KEY = "settings_hash"
STORED_IN_KEY = "stored_in"
WAREHOUSE = "warehouse"


def _write(df: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    df.write_parquet(tmp, compression="zstd")
    os.replace(tmp, path)


def run_settings_hash(run_config: Mapping | None) -> str:
    """The settings hash of a run, from its run config: the resources' documented defaults
    overridden by what the run sets (the launchpad's ``resources: {settings: {config: ...}}``)."""
    resources = (run_config or {}).get("resources") or {}

    def config(name: str) -> dict:
        return (resources.get(name) or {}).get("config") or {}

    return settings_hash(BriefingSettings(**config("settings")), ScenarioSettings(**config("scenario_settings")))


def _run_config(context: dg.OutputContext | dg.InputContext) -> Mapping | None:
    # Both contexts carry the step's run; outside a run (a bare test context) there is none.
    try:
        return context.step_context.dagster_run.run_config
    except dg.DagsterInvariantViolationError:
        return None


def _partition_keys(context: dg.OutputContext | dg.InputContext) -> list[str] | None:
    """The partitions to write or read: the run's, every one when a partitioned asset is
    materialised or read by a run without a partition, None for an unpartitioned asset."""
    if context.has_asset_partitions:
        return list(context.asset_partition_keys)
    try:
        partitions_def = context.asset_partitions_def
    except dg.DagsterInvariantViolationError:  # Dagster's answer for an unpartitioned asset
        return None
    return list(partitions_def.get_partition_keys())


class PolarsParquetIOManager(dg.ConfigurableIOManager):
    """Stores each asset's polars DataFrame under ``base_dir`` as Parquet."""

    base_dir: str

    def table_dir(self, key: dg.AssetKey, run_config: Mapping | None) -> Path:
        """The folder a table is kept in: the warehouse, or this run's what-if folder."""
        base = Path(self.base_dir)
        if key.path[0] not in SETTINGS_LAYERS:
            return base
        digest = run_settings_hash(run_config)
        return base if digest == publishing_hash() else base / WHAT_IF_DIR / digest

    def _path(self, context, key: dg.AssetKey) -> Path:
        return self.table_dir(key, _run_config(context)).joinpath(*key.path).with_suffix(".parquet")

    def _partition_path(self, context, key: dg.AssetKey, partition: str) -> Path:
        return self.table_dir(key, _run_config(context)).joinpath(*key.path) / f"{partition}.parquet"

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame) -> None:
        if obj is None:
            return
        if not isinstance(obj, pl.DataFrame):
            raise TypeError(f"{context.asset_key.to_user_string()} returned {type(obj)!r}, not a polars DataFrame")
        if context.asset_key.path[0] in SETTINGS_LAYERS:
            # Which settings the table was computed under and where it went: the site's
            # settings check reads this back from the latest materialisation in the warehouse.
            config = _run_config(context)
            folder = self.table_dir(context.asset_key, config)
            context.add_output_metadata(
                {
                    SETTINGS_HASH_KEY: run_settings_hash(config),
                    STORED_IN_KEY: folder.relative_to(self.base_dir).as_posix() if folder != Path(self.base_dir) else WAREHOUSE,
                }
            )
        keys = _partition_keys(context)
        if keys is None:
            _write(obj, self._path(context, context.asset_key))
            return
        values = obj[PARTITION_COLUMN].cast(pl.Utf8).unique().to_list() if obj.height else []
        stray = sorted(set(values) - set(keys))
        if stray:
            raise ValueError(
                f"{context.asset_key.to_user_string()}: rows for partitions {stray} outside the run's {len(keys)}"
            )
        for key in keys:
            part = obj.filter(pl.col(PARTITION_COLUMN).cast(pl.Utf8) == key)
            _write(part, self._partition_path(context, context.asset_key, key))

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        key = context.asset_key
        keys = _partition_keys(context)
        if keys is None:
            path = self._path(context, key)
            if not path.exists():
                raise FileNotFoundError(
                    f"{key.to_user_string()} has not been materialised yet ({path}); "
                    "run 'uv run briefing build' first"
                )
            return pl.read_parquet(path)
        paths = [self._partition_path(context, key, k) for k in keys]
        missing = [p.stem for p in paths if not p.exists()]
        if missing:
            raise FileNotFoundError(
                f"{key.to_user_string()}: partitions {missing[:5]}{'...' if len(missing) > 5 else ''} "
                "have not been materialised; run 'uv run briefing build' first"
            )
        return pl.concat([pl.read_parquet(p) for p in paths], how="vertical")
