"""The embedded snapshot on disk: Parquet tables and a ``manifest.json`` per source.

What each table is parsed from, and by which parser, is the registry in ``transforms.snapshot``;
this module does the IO around it:

* **save** — one Parquet file per table under ``<snapshot>/<source>/`` and a ``manifest.json``
  per source carrying the origin record (``data/reference/sources.yaml``), the name, size and
  sha256 of every upstream file, and the row count and sha256 of every table;
* **read** — a table back, refused when its sha256 no longer matches its manifest.

A rebuild is written to a fresh staging folder and swapped in only when every table parsed,
so a failed rebuild leaves the previous snapshot as it was.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl

from orchestration.atomic import swap_in
from orchestration.paths import DEFAULT_SNAPSHOT_DIR
from transforms.errors import UpstreamFormatError
from transforms.shrinkage import load_accepted, shrinkage
from transforms.snapshot import (
    SNAPSHOT_FORMAT_VERSION,
    TABLES,
    TABLES_BY_NAME,
    TableSpec,
    find_inputs,
    load_sources,
    parse_table,
)

MANIFEST_NAME = "manifest.json"


def sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _file_record(path: Path, upstream_dir: Path) -> dict:
    return {
        "name": path.relative_to(upstream_dir).as_posix(),
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
    }


def write_table(df: pl.DataFrame, path: Path) -> None:
    # zstd with statistics off keeps the files small and byte-stable across rebuilds.
    df.write_parquet(path, compression="zstd", compression_level=10, statistics=False)


def build_snapshot(
    upstream_dir: Path,
    out_dir: Path = DEFAULT_SNAPSHOT_DIR,
    *,
    tables: tuple[TableSpec, ...] = TABLES,
    progress: Callable[[str], None] | None = None,
    date_accessed: str | None = None,
    previous_dir: Path | None = None,
    accept_shrink: str | None = None,
) -> dict[str, dict]:
    """Parse every table from ``upstream_dir`` and swap the result into ``out_dir`` atomically.

    Returns the manifests written, keyed by source. Nothing in ``out_dir`` changes unless
    every table parsed and, when ``previous_dir`` holds a snapshot, nothing shrank against it
    (:func:`transforms.shrinkage.shrinkage`) beyond what ``data/reference/snapshot_shrinkage.yaml``
    accepts, or ``accept_shrink`` (a reason, recorded in the manifests) accepts for this run.
    """
    upstream_dir = Path(upstream_dir).resolve()
    out_dir = Path(out_dir).resolve()
    if not upstream_dir.is_dir():
        raise FileNotFoundError(f"upstream folder not found: {upstream_dir}")
    say = progress or (lambda _msg: None)
    sources = load_sources()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the snapshot is an ordinary folder
    try:
        manifests: dict[str, dict] = {}
        for spec in tables:
            parsed = parse_table(spec, upstream_dir)
            if parsed is None:
                say(f"skip  {spec.name}: no upstream files (optional)")
                continue
            df, files = parsed
            source_dir = staging / spec.source
            source_dir.mkdir(exist_ok=True)
            table_path = source_dir / f"{spec.name}.parquet"
            write_table(df, table_path)
            if spec.source not in manifests:
                origin = dict(sources[spec.source])
                if date_accessed:
                    origin["date_accessed"] = date_accessed
                manifests[spec.source] = {
                    "source": spec.source,
                    **origin,
                    "snapshot_format_version": SNAPSHOT_FORMAT_VERSION,
                    "files": [],
                    "tables": [],
                }
            manifest = manifests[spec.source]
            companions = find_inputs(upstream_dir, spec.companions)
            for f in [*files, *companions]:
                manifest["files"].append(_file_record(f, upstream_dir))
            manifest["tables"].append(
                {
                    "name": spec.name,
                    "file": table_path.name,
                    "description": spec.description,
                    "rows": df.height,
                    "columns": {c: str(t) for c, t in df.schema.items()},
                    "sha256": sha256_file(table_path),
                }
            )
            say(f"ok    {spec.name}: {df.height:,} rows from {len(files)} file(s)")
        for manifest in manifests.values():
            # Tables parsed from one file (the MCS 2026 release, the USITC workbook) list it once.
            manifest["files"] = sorted({r["name"]: r for r in manifest["files"]}.values(), key=lambda r: r["name"])
        _refuse_shrinkage(previous_dir, manifests, accept_shrink)
        for source, manifest in manifests.items():
            write_manifest(staging / source / MANIFEST_NAME, manifest)
        swap_in(staging, out_dir)
        return manifests
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _refuse_shrinkage(previous_dir: Path | None, manifests: dict[str, dict], accept_shrink: str | None) -> None:
    if previous_dir is None:
        return
    lost = shrinkage(read_manifests(previous_dir), manifests, load_accepted())
    if not lost:
        return
    if accept_shrink:
        for manifest in manifests.values():
            manifest["shrink_accepted"] = {"reason": accept_shrink, "lost": [text for _, text in lost]}
        return
    missing = next((where for where, _ in lost if where), None)
    raise UpstreamFormatError(
        missing or str(previous_dir),
        ("upstream file missing; " if missing else "")
        + "the rebuild holds less than the previous snapshot: " + "; ".join(text for _, text in lost)
        + ". Restore the missing upstream files, or accept the shrink with its reason in "
        "data/reference/snapshot_shrinkage.yaml (or --accept-shrink REASON)",
    )


def write_manifest(path: Path, manifest: dict) -> None:
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_manifests(snapshot_dir: Path = DEFAULT_SNAPSHOT_DIR) -> dict[str, dict]:
    manifests = {}
    for path in sorted(Path(snapshot_dir).glob(f"*/{MANIFEST_NAME}")):
        manifests[path.parent.name] = json.loads(path.read_text(encoding="utf-8"))
    return manifests


def table_path(name: str, snapshot_dir: Path = DEFAULT_SNAPSHOT_DIR) -> Path:
    spec = TABLES_BY_NAME[name]
    return Path(snapshot_dir) / spec.source / f"{name}.parquet"


def read_table(name: str, snapshot_dir: Path = DEFAULT_SNAPSHOT_DIR) -> pl.DataFrame | None:
    """A snapshot table, or None for an optional table the snapshot does not hold.

    The table's sha256 is checked against the manifest so that a hand-edited or truncated
    snapshot file is refused rather than silently used.
    """
    path = table_path(name, snapshot_dir)
    spec = TABLES_BY_NAME[name]
    if not path.exists():
        if spec.required:
            raise FileNotFoundError(
                f"snapshot table {name!r} missing at {path}; rebuild with "
                "'uv run briefing snapshot --from DIR'"
            )
        return None
    manifest = json.loads((path.parent / MANIFEST_NAME).read_text(encoding="utf-8"))
    recorded = {t["name"]: t for t in manifest["tables"]}.get(name)
    if recorded is None or recorded["sha256"] != sha256_file(path):
        raise UpstreamFormatError(
            str(path), "snapshot table does not match the sha256 in its manifest (edited or corrupt)"
        )
    return pl.read_parquet(path)
