"""Resources: where the pipeline reads its inputs and keeps its intermediate tables."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from orchestration.paths import DEFAULT_SNAPSHOT_DIR, REPO_ROOT

# Where the IO manager keeps every asset's Parquet file. BRIEFING_WAREHOUSE_DIR moves it (tests
# and parallel builds use their own folder so they never read each other's tables).
DEFAULT_WAREHOUSE_DIR = Path(os.environ.get("BRIEFING_WAREHOUSE_DIR", REPO_ROOT / "build" / "warehouse"))


class SnapshotSource(dg.ConfigurableResource):
    """Where the snapshot-layer assets get their tables.

    By default they read the embedded snapshot (``data/snapshot``), checked against its
    manifests. With ``upstream_dir`` set they parse the upstream files in that folder directly
    with the same parsers the snapshot builder uses, so a broken upstream file stops the build
    at the snapshot layer with the file, line and column named, before anything downstream runs.
    """

    snapshot_dir: str = str(DEFAULT_SNAPSHOT_DIR)
    upstream_dir: str | None = None

    @property
    def snapshot_path(self) -> Path:
        return Path(self.snapshot_dir)

    @property
    def upstream_path(self) -> Path | None:
        return Path(self.upstream_dir) if self.upstream_dir else None
