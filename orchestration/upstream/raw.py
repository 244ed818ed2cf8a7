"""The dated raw area: every refresh's downloads, kept as fetched, next to the upstream layout.

Layout (``data/raw/`` by default, ``BRIEFING_RAW_DIR`` moves it; git-ignored)::

    data/raw/<source>/<YYYY-MM-DD>[-N]/
        download.json          what was fetched: URL, bytes, sha256, content type, ETag,
                               Last-Modified, attempts, time; plus the connector's notes
        files/...              the downloads exactly as served (zip, csv, json)
        upstream/<relpath>     the same data laid out as the upstream folder the snapshot
                               builder reads (``usgs-mcs/mcs2024/world/...``, ``baci-hs92/...``)

A refresh works in a hidden ``.<date>.partial-*`` folder and renames it into place only when
every download was verified, so a dated folder is always complete; a second refresh on the same
day gets ``<date>-2``. Nothing here is ever overwritten: older folders are the history the
snapshot versions point to.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from orchestration.upstream import http

DOWNLOAD_RECORD = "download.json"
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}(-\d+)?$")


class ConnectorError(Exception):
    """A refresh that cannot proceed (configuration, an unexpected catalogue, no files)."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


@dataclass
class FreshFiles:
    """What a connector delivers: upstream-layout files and what they replace.

    ``files`` maps a path relative to the upstream folder to the file under the raw folder's
    ``upstream/``. ``supersedes`` lists upstream folders (``usgs-mcs/mcs2024/world/``) the fresh
    files replace wholesale; files elsewhere replace only the current file of the same name.
    """

    source: str
    files: dict[str, Path]
    supersedes: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    up_to_date: bool = False


def dated_folders(root: Path, source: str) -> list[Path]:
    """Finished raw folders of a source, newest first."""
    base = Path(root) / source
    if not base.is_dir():
        return []
    found = [p for p in base.iterdir() if p.is_dir() and _DATED.match(p.name)]
    return sorted(found, key=lambda p: _folder_key(p.name), reverse=True)


def _folder_key(name: str) -> tuple[str, int]:
    m = _DATED.match(name)
    assert m is not None
    return (name[:10], int(m.group(1)[1:]) if m.group(1) else 1)


def upstream_roots(root: Path) -> list[Path]:
    """Every finished raw folder's ``upstream/`` (all sources), newest first."""
    roots: list[tuple[tuple[str, int], Path]] = []
    base = Path(root)
    if not base.is_dir():
        return []
    for source_dir in base.iterdir():
        if not source_dir.is_dir() or source_dir.name.startswith("."):
            continue
        for folder in dated_folders(base, source_dir.name):
            if (folder / "upstream").is_dir():
                roots.append((_folder_key(folder.name), folder / "upstream"))
    return [p for _, p in sorted(roots, key=lambda r: r[0], reverse=True)]


class RawFolder:
    """One refresh's raw folder, staged until :meth:`finish` and removed by :meth:`discard`."""

    def __init__(self, root: Path, source: str, today: date | None = None) -> None:
        self.root = Path(root)
        self.source = source
        self.day = (today or datetime.now(UTC).date()).isoformat()
        base = self.root / source
        base.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.day}.partial-", dir=base))
        self.path.chmod(0o755)
        self.files_dir = self.path / "files"
        self.upstream_dir = self.path / "upstream"
        self.files_dir.mkdir()
        self.upstream_dir.mkdir()
        self.records: list[dict[str, Any]] = []
        self.reused = 0
        self.fetched = 0
        previous = dated_folders(self.root, source)
        self._previous = previous[0] if previous else None
        self._previous_records = _read_records(self._previous) if self._previous else {}

    def fetch(self, url: str, name: str, *, kind: str, **kwargs: Any) -> Path:
        """Download ``url`` to ``files/<name>``; a 304 reuses the previous refresh's copy."""
        dest = self.files_dir / name
        previous = self._previous_records.get(
            http.redact_url(http.with_params(url, kwargs.get("params")))
        )
        try:
            got = http.download(url, dest, kind=kind, previous=previous, **kwargs)
        except http.NotModified:
            assert self._previous is not None and previous is not None
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.link(self._previous / previous["name"], dest)
            self.records.append(
                {
                    **previous,
                    "name": dest.relative_to(self.path).as_posix(),
                    "not_modified_since": previous["fetched_at"],
                }
            )
            self.reused += 1
            return dest
        self.records.append(got.record(self.path))
        self.fetched += 1
        return dest

    def finish(self, notes: dict[str, Any] | None = None) -> Path:
        """Write ``download.json`` and move the folder to its dated name; returns the new path."""
        record = {
            "source": self.source,
            "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "files": self.records,
            "upstream": sorted(
                p.relative_to(self.upstream_dir).as_posix()
                for p in self.upstream_dir.rglob("*")
                if p.is_file()
            ),
            **(notes or {}),
        }
        (self.path / DOWNLOAD_RECORD).write_text(
            json.dumps(record, indent=2) + "\n", encoding="utf-8"
        )
        base = self.root / self.source
        n = 1
        # Refreshes of one source are serialised by the snapshot lock, so check-then-rename holds.
        while (target := base / (self.day if n == 1 else f"{self.day}-{n}")).exists():
            n += 1
        os.rename(self.path, target)
        self.upstream_dir = target / "upstream"
        self.files_dir = target / "files"
        self.path = target
        return target

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _read_records(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / DOWNLOAD_RECORD
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    # Only downloads count: files copied in from the incoming folder have no URL.
    return {
        r["url"]: r for r in data.get("files", []) if "url" in r and (folder / r["name"]).exists()
    }
