"""The snapshot version store: earlier snapshots kept whole, and the lock that guards the swap.

Before a refresh, an ingest or a restore replaces ``data/snapshot``, the current snapshot is
copied to ``data/snapshot_versions/<UTC time>/`` (``BRIEFING_SNAPSHOT_VERSIONS_DIR`` moves it)
with a ``VERSION.json`` saying what replaced it and why. The newest
``BRIEFING_SNAPSHOT_VERSIONS_KEEP`` (10) versions are kept; :func:`restore_version` puts one
back, archiving the current one first. A lock file beside the snapshot serialises everything
that replaces it; the work folders of a writer that was killed are dropped by the next one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from orchestration.atomic import recover_interrupted_swap, swap_in
from orchestration.paths import DEFAULT_SNAPSHOT_DIR, default_versions_dir
from orchestration.snapshot_store import read_manifests

VERSION_RECORD = "VERSION.json"


def keep_versions() -> int:
    return int(os.environ.get("BRIEFING_SNAPSHOT_VERSIONS_KEEP", "10"))


class RefreshError(Exception):
    """A refresh or ingest that did not change the snapshot; the message says why."""

    def __init__(self, source: str, reason: str, *, raw_dir: Path | None = None) -> None:
        self.source = source
        self.reason = reason
        self.raw_dir = raw_dir
        kept = f" (downloads kept for inspection in {raw_dir})" if raw_dir else ""
        super().__init__(f"{source}: {reason}{kept}")


@contextlib.contextmanager
def snapshot_lock(snapshot_dir: Path) -> Iterator[None]:
    """Exclusive lock for anything that replaces the snapshot; fails at once when taken."""
    snapshot_dir = Path(snapshot_dir)
    snapshot_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = snapshot_dir.with_name(f".{snapshot_dir.name}.lock")
    # timeout=0: a second refresh reports the first instead of queueing behind it.
    lock = FileLock(lock_path, timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise RefreshError(
            "snapshot", f"another refresh holds {lock_path}; try again when it ends"
        ) from exc
    try:
        yield
    finally:
        lock.release()


def remove_stale_work(snapshot_dir: Path, raw_root: Path | None, versions_dir: Path | None) -> None:
    """Drop the work folders of a refresh that was killed. Call only while holding the lock:
    then no other refresh is using them."""
    snapshot_dir = Path(snapshot_dir)
    stale = [
        *snapshot_dir.parent.glob(f".{snapshot_dir.name}.candidate-*"),
        *snapshot_dir.parent.glob(f".{snapshot_dir.name}.restore-*"),
        *snapshot_dir.parent.glob(f".{snapshot_dir.name}.combine-*"),
    ]
    if raw_root is not None and Path(raw_root).is_dir():
        stale += Path(raw_root).glob("*/.*.partial-*")
    if versions_dir is not None and Path(versions_dir).is_dir():
        stale += Path(versions_dir).glob(".*.partial-*")
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)


def now() -> datetime:
    return datetime.now(UTC)


def table_shas(manifests: dict[str, dict]) -> dict[str, str]:
    return {t["name"]: t["sha256"] for m in manifests.values() for t in m["tables"]}


def archive_current(snapshot_dir: Path, versions_dir: Path, record: dict[str, Any]) -> Path | None:
    """Copy the current snapshot to ``versions_dir/<UTC time>/`` with a VERSION.json; its path."""
    snapshot_dir, versions_dir = Path(snapshot_dir), Path(versions_dir)
    if not snapshot_dir.is_dir():
        return None
    versions_dir.mkdir(parents=True, exist_ok=True)
    stamp = now().strftime("%Y%m%dT%H%M%SZ")
    staging = versions_dir / f".{stamp}.partial-{uuid.uuid4().hex[:8]}"
    shutil.copytree(snapshot_dir, staging / "snapshot")
    manifests = read_manifests(snapshot_dir)
    meta = {
        "version": stamp,
        "archived_at": now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tables": table_shas(manifests),
        "date_accessed": {s: m.get("date_accessed") for s, m in manifests.items()},
        "superseded_by": record,
    }
    (staging / VERSION_RECORD).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    n, target = 1, versions_dir / stamp
    while target.exists():
        n += 1
        target = versions_dir / f"{stamp}-{n}"
    os.rename(staging, target)
    return target


def list_versions(versions_dir: Path | None = None) -> list[dict[str, Any]]:
    """Archived snapshot versions, newest first, each with its VERSION.json and path."""
    versions_dir = Path(versions_dir) if versions_dir else default_versions_dir()
    if not versions_dir.is_dir():
        return []
    out = []
    for d in versions_dir.iterdir():
        if d.is_dir() and not d.name.startswith(".") and (d / VERSION_RECORD).exists():
            out.append(
                {**json.loads((d / VERSION_RECORD).read_text(encoding="utf-8")), "path": str(d)}
            )
    return sorted(out, key=lambda v: (v["archived_at"], v["path"]), reverse=True)


def prune_versions(versions_dir: Path, keep: int | None = None) -> list[Path]:
    removed = []
    for version in list_versions(versions_dir)[keep_versions() if keep is None else keep :]:
        shutil.rmtree(version["path"], ignore_errors=True)
        removed.append(Path(version["path"]))
    return removed


def restore_version(
    version: str, *, snapshot_dir: Path = DEFAULT_SNAPSHOT_DIR, versions_dir: Path | None = None
) -> Path | None:
    """Put an archived version back as the current snapshot; returns where the replaced one went."""
    versions_dir = Path(versions_dir) if versions_dir else default_versions_dir(snapshot_dir)
    source = versions_dir / version / "snapshot"
    if not source.is_dir():
        raise RefreshError("snapshot", f"no archived version {version!r} in {versions_dir}")
    snapshot_dir = Path(snapshot_dir)
    with snapshot_lock(snapshot_dir):
        recover_interrupted_swap(snapshot_dir)
        remove_stale_work(snapshot_dir, None, versions_dir)
        candidate = snapshot_dir.with_name(f".{snapshot_dir.name}.restore-{uuid.uuid4().hex[:8]}")
        shutil.copytree(source, candidate)
        archived = archive_current(
            snapshot_dir, versions_dir, {"reason": f"restore of version {version}"}
        )
        swap_in(candidate, snapshot_dir)
        return archived
