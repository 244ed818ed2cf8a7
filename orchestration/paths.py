"""Where the project keeps its files on disk: one home for the folder defaults.

The environment variables are read at call time (not import time), so a test or a deployment
can move a folder without reloading modules.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SNAPSHOT_DIR = REPO_ROOT / "data" / "snapshot"
DEFAULT_PUBLIC_DIR = REPO_ROOT / "public"
DAGSTER_HOME = REPO_ROOT / ".dagster_home"


def default_upstream_dir() -> Path:
    """``BRIEFING_UPSTREAM_DIR``, else ``../shared/data`` beside the repository."""
    env = os.environ.get("BRIEFING_UPSTREAM_DIR")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


def default_raw_dir() -> Path:
    """``BRIEFING_RAW_DIR``, else ``data/raw``: the dated downloads of every refresh."""
    return Path(os.environ.get("BRIEFING_RAW_DIR", REPO_ROOT / "data" / "raw"))


def default_incoming_dir() -> Path:
    """``BRIEFING_INCOMING_DIR``, else ``data/incoming``: where people drop upstream files."""
    return Path(os.environ.get("BRIEFING_INCOMING_DIR", REPO_ROOT / "data" / "incoming"))


def default_versions_dir(snapshot_dir: Path = DEFAULT_SNAPSHOT_DIR) -> Path:
    """``BRIEFING_SNAPSHOT_VERSIONS_DIR``, else ``snapshot_versions/`` beside the snapshot."""
    env = os.environ.get("BRIEFING_SNAPSHOT_VERSIONS_DIR")
    return Path(env) if env else Path(snapshot_dir).parent / "snapshot_versions"


def default_public_dir() -> Path:
    """``BRIEFING_PUBLIC_DIR``, else ``public/``: the published site (a link to its folder)."""
    return Path(os.environ.get("BRIEFING_PUBLIC_DIR") or DEFAULT_PUBLIC_DIR)


def isolated_build_env(root: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment that sends every output of a build under ``root`` (Dagster instance,
    warehouse, docs, public/), so builds in different roots share nothing but code and data."""
    return dict(os.environ if base is None else base) | {
        "DAGSTER_HOME": str(root / "dagster_home"),
        "BRIEFING_WAREHOUSE_DIR": str(root / "warehouse"),
        "BRIEFING_DOCS_DIR": str(root / "docs"),
        "BRIEFING_PUBLIC_DIR": str(root / "public"),
    }
