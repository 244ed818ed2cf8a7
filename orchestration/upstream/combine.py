"""Which upstream files make the current snapshot, and how fresh files replace them.

The snapshot, not a folder, is the record of what is current: :func:`locate_current_files`
finds the files its manifests list (by name, size and sha256) in the raw area and the base
upstream folder. :func:`combine` puts a connector's fresh files in their place:

* fresh files replace wholesale the upstream folders their connector supersedes
  (``usgs-mcs/mcs2024/world/``);
* otherwise a fresh file replaces the current file of the same name, whatever its case, or the
  one current file of a single-file pattern (``world-mining-data/wmd_production_*.csv``);
* everything else stays.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.snapshot_store import read_manifests, sha256_file
from orchestration.upstream.raw import FreshFiles
from transforms.snapshot import TableSpec, pattern_matches, snapshot_tables

_SHA_CACHE: dict[tuple[str, int, int], str] = {}


def file_sha(path: Path) -> str:
    """sha256 of a file, remembered while its size and mtime stay the same."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _SHA_CACHE:
        _SHA_CACHE[key] = sha256_file(path)
    return _SHA_CACHE[key]


def locate_current_files(snapshot_dir: Path, roots: list[Path]) -> dict[str, Path | None]:
    """Upstream path -> file on disk for every file the current snapshot was built from.

    A file is taken from the first root holding it with the recorded size and sha256; None
    when no root does (fine if the refresh replaces it, an error otherwise). Without a snapshot,
    the upstream files of the last root (the base upstream folder) are current.
    """
    manifests = read_manifests(snapshot_dir)
    if not manifests:
        base = roots[-1]
        found: dict[str, Path | None] = {}
        for spec in snapshot_tables():
            for pattern in (*spec.patterns, *spec.companions):
                for p in base.glob(pattern):
                    if p.is_file():
                        found[p.relative_to(base).as_posix()] = p
        return found
    located: dict[str, Path | None] = {}
    for manifest in manifests.values():
        for record in manifest["files"]:
            located[record["name"]] = None
            for root in roots:
                candidate = root / record["name"]
                if (
                    candidate.is_file()
                    and candidate.stat().st_size == record["bytes"]
                    and file_sha(candidate) == record["sha256"]
                ):
                    located[record["name"]] = candidate
                    break
    return located


def combine(
    current: dict[str, Path | None], fresh: FreshFiles, tables: tuple[TableSpec, ...] | None = None
) -> dict[str, Path | None]:
    """The current files with the fresh ones in (see the module docstring for the rules)."""
    result = {
        rel: p
        for rel, p in current.items()
        if not any(rel.startswith(prefix) for prefix in fresh.supersedes)
    }
    patterns = [p for t in (tables or snapshot_tables()) for p in t.patterns]
    for rel, path in sorted(fresh.files.items()):
        folder, _, name = rel.rpartition("/")
        for other in [
            k
            for k in result
            if k not in fresh.files
            and k.rpartition("/")[0] == folder
            and k.rpartition("/")[2].lower() == name.lower()
        ]:
            del result[other]
        for pattern in patterns:
            if pattern_matches(rel, pattern):
                # Only files that were current count: fresh files never displace each other.
                same = [k for k in result if k not in fresh.files and pattern_matches(k, pattern)]
                if len(same) == 1 and same[0] != rel:
                    del result[same[0]]
        result[rel] = path
    return result


def link_tree(files: dict[str, Path], target: Path) -> None:
    for rel, path in files.items():
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.symlink_to(path.resolve())
