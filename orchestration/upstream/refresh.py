"""Refreshing a source: download, combine with the current upstream files, publish a new version.

:func:`refresh_source` is what ``briefing snapshot --from-upstream SOURCE`` and the monthly
schedule call; :func:`ingest_incoming` is what the incoming-folder sensor calls. Both go
through the same steps, and a failure at any step leaves ``data/snapshot`` exactly as it was
and raises :class:`RefreshError` saying why:

1. **current upstream** — the files the current snapshot was built from are found by the name,
   size and sha256 its manifests record, in the raw area (newest first) and the base upstream
   folder (``../shared/data`` or ``BRIEFING_UPSTREAM_DIR``)
   (:func:`~orchestration.upstream.combine.locate_current_files`);
2. **download** — the source's connector fetches into a new dated raw folder
   (:mod:`orchestration.upstream.raw`) and lays the data out as upstream files;
3. **combine** — the fresh files take the place of the current ones they replace
   (:func:`~orchestration.upstream.combine.combine`). If the combination is byte-identical to
   the current one the refresh ends here, "up to date", and the new raw folder is dropped;
4. **rebuild** — ``orchestration.snapshot_store.build_snapshot`` parses the combination into a
   candidate snapshot; manifests of refreshed sources get today's ``date_accessed`` and a
   ``refresh`` record (raw folder, reason), the others keep theirs;
5. **publish** — the current snapshot is archived in the version store
   (:mod:`orchestration.upstream.versions`), then the candidate is swapped in with two renames.

Everything runs under the version store's lock, so refreshes, ingests and restores never
overlap.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from orchestration.atomic import recover_interrupted_swap, swap_in
from orchestration.paths import (
    DEFAULT_SNAPSHOT_DIR,
    default_incoming_dir,
    default_raw_dir,
    default_upstream_dir,
    default_versions_dir,
)
from orchestration.snapshot_store import (
    MANIFEST_NAME,
    build_snapshot,
    read_manifests,
    write_manifest,
)
from orchestration.upstream import http
from orchestration.upstream.combine import combine, file_sha, link_tree, locate_current_files
from orchestration.upstream.connectors import canonical_source, connector_config, run_connector
from orchestration.upstream.raw import ConnectorError, FreshFiles, RawFolder, upstream_roots
from orchestration.upstream.versions import (
    RefreshError,
    archive_current,
    now,
    prune_versions,
    remove_stale_work,
    snapshot_lock,
    table_shas,
)
from transforms.errors import UpstreamFormatError
from transforms.snapshot import (
    snapshot_tables,
    tables_for_file,
)


@dataclass(frozen=True)
class Places:
    """Where a refresh reads and writes; what the caller leaves out comes from orchestration.paths."""

    snapshot_dir: Path
    raw_root: Path
    versions_dir: Path
    upstream_dir: Path
    today: date

    @classmethod
    def resolve(
        cls,
        snapshot_dir: Path,
        raw_root: Path | None,
        versions_dir: Path | None,
        upstream_dir: Path | None,
        today: date | None,
    ) -> Places:
        snapshot_dir = Path(snapshot_dir)
        return cls(
            snapshot_dir,
            Path(raw_root) if raw_root else default_raw_dir(),
            Path(versions_dir) if versions_dir else default_versions_dir(snapshot_dir),
            Path(upstream_dir) if upstream_dir else default_upstream_dir(),
            today or now().date(),
        )


@contextlib.contextmanager
def _locked(places: Places) -> Iterator[dict[str, Path | None]]:
    """Hold the snapshot lock, tidy up after a writer that was killed, yield the current files."""
    with snapshot_lock(places.snapshot_dir):
        recover_interrupted_swap(places.snapshot_dir)
        remove_stale_work(places.snapshot_dir, places.raw_root, places.versions_dir)
        roots = [*upstream_roots(places.raw_root), places.upstream_dir]
        yield locate_current_files(places.snapshot_dir, roots)


@dataclass
class RefreshResult:
    """What a refresh did. ``status``: updated, up_to_date, unchanged (tables identical), ignored."""

    source: str
    status: str
    raw_dir: Path | None = None
    archived: Path | None = None
    changed_tables: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.status == "updated":
            text = (
                f"{self.source}: new snapshot version, tables changed: "
                f"{', '.join(self.changed_tables)}; previous version kept in {self.archived}"
            )
        elif self.status == "up_to_date":
            text = (
                f"{self.source}: up to date, the upstream files are those of the current snapshot"
            )
        elif self.status == "unchanged":
            text = f"{self.source}: new files in {self.raw_dir}, but every table parses as before; snapshot kept"
        else:
            text = f"{self.source}: nothing to do"
        return text + "".join(f"\n  {n}" for n in self.notes)


def publish_version(
    combined: dict[str, Path],
    *,
    sources: list[str],
    reason: str,
    raw_dirs: list[Path],
    places: Places,
    progress: Callable[[str], None],
) -> tuple[list[str], Path | None, list[str]]:
    """Build a candidate snapshot from ``combined`` and swap it in if any table changed.

    Returns (changed tables, archive of the replaced version or None, notes).
    """
    snapshot_dir, versions_dir, today = places.snapshot_dir, places.versions_dir, places.today
    work = Path(tempfile.mkdtemp(prefix=f".{snapshot_dir.name}.combine-", dir=snapshot_dir.parent))
    candidate = snapshot_dir.with_name(f".{snapshot_dir.name}.candidate-{uuid.uuid4().hex[:8]}")
    notes: list[str] = []
    try:
        link_tree(combined, work / "upstream")
        new = build_snapshot(
            work / "upstream", candidate, tables=snapshot_tables(), progress=progress
        )
        current = read_manifests(snapshot_dir)
        for source, manifest in new.items():
            if source in sources:
                manifest["date_accessed"] = today.isoformat()
                manifest["refresh"] = {
                    "reason": reason,
                    "raw": [str(p) for p in raw_dirs],
                    "at": now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            elif source in current:
                for key in ("date_accessed", "refresh"):
                    if key in current[source]:
                        manifest[key] = current[source][key]
            write_manifest(candidate / source / MANIFEST_NAME, manifest)
        before, after = table_shas(current), table_shas(new)
        changed = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
        table_source = {t.name: t.source for t in snapshot_tables()}
        unexpected = [n for n in changed if table_source.get(n) not in sources]
        if unexpected:
            notes.append(
                f"tables of sources not refreshed also changed: {', '.join(unexpected)} "
                "(parsers changed since the last rebuild?)"
            )
        if not changed:
            shutil.rmtree(candidate)
            return [], None, notes
        archived = archive_current(
            snapshot_dir,
            versions_dir,
            {
                "reason": reason,
                "sources": sources,
                "raw": [str(p) for p in raw_dirs],
                "changed_tables": changed,
            },
        )
        swap_in(candidate, snapshot_dir)
        for old in prune_versions(versions_dir):
            notes.append(f"pruned old snapshot version {old.name}")
        return changed, archived, notes
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(candidate, ignore_errors=True)


def _apply(
    fresh: FreshFiles,
    raw: RawFolder,
    current: dict[str, Path | None],
    *,
    label: str,
    sources: list[str],
    reason: str,
    places: Places,
    progress: Callable[[str], None],
) -> RefreshResult:
    staged_root = raw.upstream_dir
    combined = combine(current, fresh)
    missing = sorted(rel for rel, p in combined.items() if p is None)
    if missing:
        raw.discard()
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise RefreshError(
            label,
            f"the current snapshot was built from files found neither in the raw "
            f"area nor in the upstream folder: {shown}; rebuild it with "
            "'briefing snapshot --from DIR' first",
        )
    before = {rel: file_sha(p) for rel, p in current.items() if p is not None}
    after = {rel: file_sha(p) for rel, p in combined.items() if p is not None}
    if before == after:
        raw.discard()
        return RefreshResult(label, "up_to_date", notes=fresh.notes)
    raw_dir = raw.finish(
        {"notes": fresh.notes, "supersedes": list(fresh.supersedes), "reason": reason}
    )
    # The raw folder moved when it was finished: point the fresh files at their final place.
    combined = {
        rel: (raw.upstream_dir / p.relative_to(staged_root) if p.is_relative_to(staged_root) else p)
        for rel, p in combined.items()
        if p is not None
    }
    try:
        changed, archived, notes = publish_version(
            combined,
            sources=sources,
            reason=reason,
            raw_dirs=[raw_dir],
            places=places,
            progress=progress,
        )
    except (UpstreamFormatError, FileNotFoundError) as exc:
        raise RefreshError(
            label, f"the new files do not parse, snapshot kept: {exc}", raw_dir=raw_dir
        ) from exc
    status = "updated" if changed else "unchanged"
    return RefreshResult(
        label,
        status,
        raw_dir=raw_dir,
        archived=archived,
        changed_tables=changed,
        notes=[*fresh.notes, *notes],
    )


# ---------------------------------------------------------------------------------------------
# Entry points


def refresh_source(
    source: str,
    *,
    upstream_dir: Path | None = None,
    snapshot_dir: Path = DEFAULT_SNAPSHOT_DIR,
    raw_root: Path | None = None,
    versions_dir: Path | None = None,
    config: dict[str, Any] | None = None,
    policy: http.RetryPolicy | None = None,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> RefreshResult:
    """Download ``source`` afresh and publish it as a new snapshot version (see module docstring).

    ``config`` overrides the connector's settings from the environment (URLs, item ids, years,
    periods, HS codes). Raises :class:`RefreshError` when nothing changed because of a failure.
    """
    source = canonical_source(source)
    policy = policy or http.RetryPolicy.from_env()
    say = progress or (lambda _m: None)
    places = Places.resolve(snapshot_dir, raw_root, versions_dir, upstream_dir, today)
    cfg = connector_config(source, config)
    with _locked(places) as current:
        raw = RawFolder(places.raw_root, source, places.today)
        say(f"downloading {source} into {raw.path}")
        try:
            fresh = run_connector(source, raw, cfg, current, places.snapshot_dir, policy)
        except (
            http.DownloadError,
            ConnectorError,
            UpstreamFormatError,
            zipfile.BadZipFile,
            OSError,
        ) as exc:
            raw.discard()
            raise RefreshError(source, str(exc)) from exc
        except BaseException:
            raw.discard()
            raise
        say(f"downloaded {raw.fetched} file(s), {raw.reused} unchanged since the last refresh")
        return _apply(
            fresh,
            raw,
            current,
            label=source,
            sources=[source],
            reason=f"refresh of {source}",
            places=places,
            progress=say,
        )


def scan_incoming(incoming_dir: Path | None = None) -> dict[str, str]:
    """Every file under the incoming folder (hidden ones and partial copies excluded) -> sha256."""
    incoming_dir = Path(incoming_dir) if incoming_dir else default_incoming_dir()
    if not incoming_dir.is_dir():
        return {}
    found = {}
    for p in sorted(incoming_dir.rglob("*")):
        rel = p.relative_to(incoming_dir).as_posix()
        if (
            p.is_file()
            and not any(part.startswith(".") for part in rel.split("/"))
            and not rel.endswith((".part", ".tmp", ".crdownload"))
        ):
            found[rel] = file_sha(p)
    return found


def ingest_incoming(
    changed: list[str],
    *,
    incoming_dir: Path | None = None,
    upstream_dir: Path | None = None,
    snapshot_dir: Path = DEFAULT_SNAPSHOT_DIR,
    raw_root: Path | None = None,
    versions_dir: Path | None = None,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> RefreshResult:
    """Rebuild the snapshot with the changed incoming files (paths relative to the incoming folder,
    laid out like the upstream folder: ``wgi/wgi_political_stability_estimate.csv``).

    The files are copied into ``data/raw/incoming/<date>/upstream/`` first, so the snapshot never
    depends on a folder people drop files into. Files no snapshot table reads are reported and
    left alone.
    """
    incoming_dir = Path(incoming_dir) if incoming_dir else default_incoming_dir()
    say = progress or (lambda _m: None)
    tables = snapshot_tables()
    used = {rel: tables_for_file(rel, tables) for rel in changed}
    ignored = sorted(rel for rel, t in used.items() if not t)
    notes = [f"ignored {rel}: no snapshot table reads it" for rel in ignored]
    wanted = sorted(rel for rel, t in used.items() if t)
    if not wanted:
        return RefreshResult("incoming", "ignored", notes=notes)
    source_of = {t.name: t.source for t in tables}
    sources = sorted({source_of[name] for rel in wanted for name in used[rel]})
    places = Places.resolve(snapshot_dir, raw_root, versions_dir, upstream_dir, today)
    with _locked(places) as current:
        raw = RawFolder(places.raw_root, "incoming", places.today)
        files: dict[str, Path] = {}
        for rel in wanted:
            src, dest = incoming_dir / rel, raw.upstream_dir / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            raw.records.append(
                {
                    "name": f"upstream/{rel}",
                    "copied_from": str(src),
                    "bytes": dest.stat().st_size,
                    "sha256": file_sha(dest),
                }
            )
            files[rel] = dest
        say(f"ingesting {len(files)} incoming file(s) for {', '.join(sources)}")
        fresh = FreshFiles(
            "incoming", files, notes=[f"{rel} -> {', '.join(used[rel])}" for rel in wanted] + notes
        )
        return _apply(
            fresh,
            raw,
            current,
            label="incoming",
            sources=sources,
            reason="incoming files",
            places=places,
            progress=say,
        )
