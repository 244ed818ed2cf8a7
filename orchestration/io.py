"""Where assets' polars frames are stored between steps: one Parquet file per asset or partition.

dagster-polars is not used (it does not support polars 2); this IO manager is the small part
of it the project needs. A partitioned asset (trade, by year) is stored as one file per
partition, ``<key path>/<partition>.parquet``, split on the frame's ``year`` column; reading
any set of partitions concatenates their files, so an unpartitioned mart downstream sees the
whole table. Files are written to a temporary name and renamed into place, so a killed run
never leaves a half-written table for the next run to read.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import polars as pl

from orchestration.partitions import PARTITION_COLUMN


def _write(df: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    df.write_parquet(tmp, compression="zstd")
    os.replace(tmp, path)


class PolarsParquetIOManager(dg.ConfigurableIOManager):
    """Stores each asset's polars DataFrame under ``base_dir`` as Parquet."""

    base_dir: str

    def _path(self, key: dg.AssetKey) -> Path:
        return Path(self.base_dir).joinpath(*key.path).with_suffix(".parquet")

    def _partition_path(self, key: dg.AssetKey, partition: str) -> Path:
        return Path(self.base_dir).joinpath(*key.path) / f"{partition}.parquet"

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame) -> None:
        if obj is None:
            return
        if not isinstance(obj, pl.DataFrame):
            raise TypeError(f"{context.asset_key.to_user_string()} returned {type(obj)!r}, not a polars DataFrame")
        if not context.has_asset_partitions:
            _write(obj, self._path(context.asset_key))
            return
        keys = context.asset_partition_keys
        values = obj[PARTITION_COLUMN].cast(pl.Utf8).unique().to_list() if obj.height else []
        stray = sorted(set(values) - set(keys))
        if stray:
            raise ValueError(
                f"{context.asset_key.to_user_string()}: rows for partitions {stray} outside the run's {len(keys)}"
            )
        for key in keys:
            part = obj.filter(pl.col(PARTITION_COLUMN).cast(pl.Utf8) == key)
            _write(part, self._partition_path(context.asset_key, key))

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        key = context.asset_key
        if not context.has_asset_partitions:
            path = self._path(key)
            if not path.exists():
                raise FileNotFoundError(
                    f"{key.to_user_string()} has not been materialised yet ({path}); "
                    "run 'uv run briefing build' first"
                )
            return pl.read_parquet(path)
        paths = [self._partition_path(key, k) for k in context.asset_partition_keys]
        missing = [p.stem for p in paths if not p.exists()]
        if missing:
            raise FileNotFoundError(
                f"{key.to_user_string()}: partitions {missing[:5]}{'...' if len(missing) > 5 else ''} "
                "have not been materialised; run 'uv run briefing build' first"
            )
        return pl.concat([pl.read_parquet(p) for p in paths], how="vertical")
