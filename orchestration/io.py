"""Where assets' polars frames are stored between steps: one Parquet file per asset.

dagster-polars is not used (it does not support polars 2); this IO manager is the small part
of it the project needs. Files are written to a temporary name and renamed into place, so a
killed run never leaves a half-written table for the next run to read.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import polars as pl


class PolarsParquetIOManager(dg.ConfigurableIOManager):
    """Stores each asset's polars DataFrame as ``<base_dir>/<key path>.parquet``."""

    base_dir: str

    def _path(self, key: dg.AssetKey) -> Path:
        return Path(self.base_dir).joinpath(*key.path).with_suffix(".parquet")

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame) -> None:
        if obj is None:
            return
        if not isinstance(obj, pl.DataFrame):
            raise TypeError(f"{context.asset_key.to_user_string()} returned {type(obj)!r}, not a polars DataFrame")
        path = self._path(context.asset_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        obj.write_parquet(tmp, compression="zstd")
        os.replace(tmp, path)

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        path = self._path(context.asset_key)
        if not path.exists():
            raise FileNotFoundError(
                f"{context.asset_key.to_user_string()} has not been materialised yet ({path}); "
                "run 'uv run briefing build' first"
            )
        return pl.read_parquet(path)
