"""The embedded snapshot: upstream files parsed into tidy Parquet tables, with a manifest per source.

Load inputs / process / save, the owid/etl way:

* **load inputs** — the upstream files as their publishers ship them, found under an upstream
  folder by the glob patterns of :data:`TABLES`;
* **process** — the project's own parsers (``transforms.parsers``), which keep published values
  and their text flags;
* **save** — one Parquet file per table under ``<snapshot>/<source>/`` and a ``manifest.json``
  per source carrying the origin record (``data/reference/sources.yaml``), the name, size and
  sha256 of every upstream file, and the row count and sha256 of every table.

A rebuild is written to a fresh staging folder and swapped in only when every table parsed,
so a failed rebuild leaves the previous snapshot as it was.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from transforms.atomic import swap_in
from transforms.errors import UpstreamFormatError
from transforms.reference.sources import SOURCES_FILE as SOURCES_FILE
from transforms.reference.sources import load_sources

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SNAPSHOT_DIR = REPO_ROOT / "data" / "snapshot"
MANIFEST_NAME = "manifest.json"
# Bumped when a parser changes what it writes, so a manifest says which code made its tables.
SNAPSHOT_FORMAT_VERSION = 1


def _parse_usgs_world(files: list[Path]) -> pl.DataFrame:
    from transforms.parsers.usgs import parse_world_file

    return pl.concat([parse_world_file(f) for f in files], how="vertical")


def _parse_usgs_salient(files: list[Path]) -> pl.DataFrame:
    # Per folder: the folder parser recognises the three 2024 "salient" files that hold world
    # tables (duplicates of ../world files) and passes over them.
    from transforms.parsers.usgs import parse_salient_dir

    folders = sorted({f.parent for f in files})
    return pl.concat([parse_salient_dir(d) for d in folders], how="vertical")


def _single(parse: Callable[[Path], pl.DataFrame]) -> Callable[[list[Path]], pl.DataFrame]:
    def run(files: list[Path]) -> pl.DataFrame:
        if len(files) != 1:
            raise UpstreamFormatError(
                ", ".join(f.name for f in files) or "(none)",
                f"expected exactly one file, found {len(files)}",
            )
        return parse(files[0])

    return run


def _lazy(module: str, name: str) -> Callable[[Any], pl.DataFrame]:
    """Import a parser only when its table is built, so one broken parser cannot block the rest.

    The parser takes one path (wrap it in :func:`_single`) or the list of matched files."""

    def call(path: Any) -> pl.DataFrame:
        import importlib

        return getattr(importlib.import_module(module), name)(path)

    return call


# The MCS 2026 data release: one long file holding the three usgs2026_* tables.
_RELEASE_2026 = "usgs-mcs/mcs2026-release/MCS2026_Commodities_Data.csv"


def _parse_baci_trade(files: list[Path]) -> pl.DataFrame:
    from transforms.ingest import read_trade

    return read_trade(sorted(files))


def _parse_wgi(files: list[Path]) -> pl.DataFrame:
    from transforms.parsers.wgi import parse_wgi

    folders = {f.parent for f in files}
    if len(folders) != 1:
        raise UpstreamFormatError(", ".join(sorted(str(f) for f in folders)), "WGI files must sit in one folder")
    return parse_wgi(folders.pop())


@dataclass(frozen=True)
class TableSpec:
    """One snapshot table: its source, the upstream files it is parsed from, and the parser."""

    name: str
    source: str
    patterns: tuple[str, ...]
    parse: Callable[[list[Path]], pl.DataFrame]
    description: str
    required: bool = True
    # Upstream files that document the table (revision notes) and are hashed but not parsed.
    companions: tuple[str, ...] = ()


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "usgs_world",
        "usgs-mcs",
        ("usgs-mcs/mcs2023/world/*_world.csv", "usgs-mcs/mcs2024/world/*_world.csv"),
        _parse_usgs_world,
        "USGS MCS world production, capacity and reserves by country, one row per published cell.",
        companions=("usgs-mcs/mcs2024/world/*Revision*.txt",),
    ),
    TableSpec(
        "usgs_salient",
        "usgs-mcs",
        ("usgs-mcs/mcs2023/salient/*salient.csv", "usgs-mcs/mcs2024/salient/*salient.csv"),
        _parse_usgs_salient,
        "USGS MCS U.S. salient statistics (production, trade, consumption, prices, stocks, NIR).",
    ),
    # MCS 2026 comes from USGS's own data release; the third-party transcription it replaces is
    # kept (usgs2026_transcribed_* below) only as the input of the transcription comparison.
    TableSpec(
        "usgs2026_world",
        "usgs-mcs-2026",
        (_RELEASE_2026,),
        _single(_lazy("transforms.parsers.usgs_release2026", "parse_release_world")),
        "USGS MCS 2026 data release: world production, capacity and reserves (2024, 2025e), in the transcription's layout.",
        required=False,
        companions=("usgs-mcs/mcs2026-release/MCS2026_Commodities_Data_meta.xml",),
    ),
    TableSpec(
        "usgs2026_salient",
        "usgs-mcs-2026",
        (_RELEASE_2026,),
        _single(_lazy("transforms.parsers.usgs_release2026", "parse_release_salient")),
        "USGS MCS 2026 data release: U.S. salient statistics (2021-2025e).",
        required=False,
    ),
    TableSpec(
        "usgs2026_import_sources",
        "usgs-mcs-2026",
        (_RELEASE_2026,),
        _single(_lazy("transforms.parsers.usgs_release2026", "parse_release_import_sources")),
        "USGS MCS 2026 data release: U.S. import sources (share of imports by partner, 2021-24).",
        required=False,
    ),
    TableSpec(
        "baci_trade",
        "baci-hs92",
        ("baci-hs92/BACI_HS92_*.csv.gz", "baci-hs92/BACI_HS92_Y*.csv", "baci-hs92/BACI_HS92_V*.zip"),
        _parse_baci_trade,
        "CEPII BACI bilateral trade flows (value in thousand USD, quantity in t), HS92.",
    ),
    TableSpec(
        "baci_country_codes",
        "baci-hs92",
        ("baci-hs92/country_codes_V*.csv",),
        _single(_lazy("transforms.parsers.baci", "parse_baci_country_codes")),
        "BACI country code table.",
    ),
    TableSpec(
        "baci_product_codes",
        "baci-hs92",
        ("baci-hs92/product_codes_HS92_V*.csv",),
        _single(_lazy("transforms.parsers.baci", "parse_baci_product_codes")),
        "BACI HS92 product code table.",
    ),
    TableSpec(
        "wmd_production",
        "world-mining-data",
        ("world-mining-data/wmd_production_*.csv",),
        _single(_lazy("transforms.parsers.wmd", "parse_wmd")),
        "World Mining Data production by country and commodity, 2018-2024.",
    ),
    TableSpec(
        "wgi_political_stability",
        "wgi",
        ("wgi/wgi_political_stability_*.csv",),
        _parse_wgi,
        "World Bank WGI political stability: estimate, standard error and 0-1 score, long form.",
    ),
    TableSpec(
        "hs_code_map",
        "hs-code-map",
        ("reference/hs_code_map_scrreen.csv",),
        _single(_lazy("transforms.parsers.hsmap", "parse_hs_map")),
        "Raw material to HS92 code map with supply-chain stage and EoL-RIR.",
    ),
    TableSpec(
        "usgs2025_world",
        "usgs-mcs-2025",
        ("usgs-mcs/mcs2025/world/MCS2025_World_Data.csv",),
        _lazy("transforms.parsers.usgs_mcs2025", "parse_world_files"),
        "USGS MCS 2025 world production (2023, 2024e), capacity and reserves (2024), one row per published cell.",
        required=False,
        companions=("usgs-mcs/mcs2025/world/MCS2025_World_Data.xml",),
    ),
    TableSpec(
        "usgs2025_salient",
        "usgs-mcs-2025",
        ("usgs-mcs/mcs2025/salient/*_salient.csv",),
        _lazy("transforms.parsers.usgs_mcs2025", "parse_salient_files"),
        "USGS MCS 2025 U.S. salient statistics (2020-2024e).",
        required=False,
    ),
    TableSpec(
        "usgs2025_end_uses",
        "usgs-mcs-2025",
        ("usgs-mcs/mcs2025/trends/MCS2025_T4_Critical_Minerals_End_Use.csv",),
        _single(_lazy("transforms.parsers.usgs_end_uses", "parse_end_uses")),
        "USGS MCS 2025 table T4: primary applications of each critical mineral, as printed.",
        required=False,
    ),
    # The retired transcription of MCS 2026: the input of usgs2026_transcription_diff only.
    *(
        TableSpec(
            f"usgs2026_transcribed_{layout}",
            "usgs-mcs-2026-transcribed",
            (f"usgs-mcs/mcs2026/{file}",),
            _single(_lazy("transforms.parsers.usgs", f"parse_mcs2026_{layout}")),
            f"MCS 2026 {what} as transcribed by a third party; only compared with the data release.",
            required=False,
            companions=companions,
        )
        for layout, file, what, companions in (
            ("world", "world_production_reserves.csv", "world production and reserves", ("usgs-mcs/mcs2026/README.md",)),
            ("salient", "us_salient.csv", "U.S. salient statistics", ()),
            ("import_sources", "us_import_sources.csv", "U.S. import sources", ()),
        )
    ),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def find_inputs(upstream_dir: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Upstream files matching the patterns, sorted by their path relative to the folder."""
    found: set[Path] = set()
    for pattern in patterns:
        found.update(p for p in upstream_dir.glob(pattern) if p.is_file())
    return sorted(found, key=lambda p: p.relative_to(upstream_dir).as_posix())


def parse_table(spec: TableSpec, upstream_dir: Path) -> tuple[pl.DataFrame, list[Path]] | None:
    """Parse one table from the upstream folder; None when an optional table has no files."""
    files = find_inputs(upstream_dir, spec.patterns)
    if not files:
        if spec.required:
            raise UpstreamFormatError(
                str(upstream_dir),
                f"no upstream files for table {spec.name!r} (looked for {', '.join(spec.patterns)})",
            )
        return None
    return spec.parse(files), files


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
) -> dict[str, dict]:
    """Parse every table from ``upstream_dir`` and swap the result into ``out_dir`` atomically.

    Returns the manifests written, keyed by source. Nothing in ``out_dir`` changes unless
    every table parsed.
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
        for source, manifest in manifests.items():
            # Tables parsed from one file (the MCS 2026 release) list it once.
            manifest["files"] = sorted({r["name"]: r for r in manifest["files"]}.values(), key=lambda r: r["name"])
            (staging / source / MANIFEST_NAME).write_text(
                json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        swap_in(staging, out_dir)
        return manifests
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


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
