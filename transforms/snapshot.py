"""The snapshot's table registry: which upstream files each snapshot table is parsed from, and how.

Load inputs / process / save, the owid/etl way — this module is the first two:

* **load inputs** — the upstream files as their publishers ship them, found under an upstream
  folder by the glob patterns of :data:`TABLES`;
* **process** — the project's own parsers (``transforms.parsers``), which keep published values
  and their text flags.

Saving (Parquet tables, a ``manifest.json`` per source, the atomic swap) and reading the
snapshot back are IO and live in ``orchestration.snapshot_store``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.reference.sources import SOURCES_FILE as SOURCES_FILE
from transforms.reference.sources import load_sources

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
    required: bool = True
    # Upstream files that document the table (revision notes) and are hashed but not parsed.
    companions: tuple[str, ...] = ()
    # Only for a table not (yet) in the metadata registry (Comtrade): its description.
    unregistered_description: str | None = None

    @property
    def description(self) -> str:
        """The table's description, from its one home: the metadata registry."""
        if self.unregistered_description is not None:
            return self.unregistered_description
        from transforms.metadata import TABLES as REGISTRY

        return REGISTRY[self.name].description


def _one_file(
    name: str,
    source: str,
    pattern: str,
    parser: str,
    *,
    required: bool = True,
    companions: tuple[str, ...] = (),
) -> TableSpec:
    """A table parsed from one upstream file by ``transforms.parsers.<parser>`` (module.function).

    An optional table (``required=False``) lets an upstream folder without the file (the test
    gauntlet's minimal one) still build; the clean tables made from it are then empty.
    """
    module, function = parser.rsplit(".", 1)
    return TableSpec(
        name,
        source,
        (pattern,),
        _single(_lazy(f"transforms.parsers.{module}", function)),
        required=required,
        companions=companions,
    )


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "usgs_world",
        "usgs-mcs",
        ("usgs-mcs/mcs2023/world/*_world.csv", "usgs-mcs/mcs2024/world/*_world.csv"),
        _parse_usgs_world,
        companions=("usgs-mcs/mcs2024/world/*Revision*.txt",),
    ),
    TableSpec(
        "usgs_salient",
        "usgs-mcs",
        ("usgs-mcs/mcs2023/salient/*salient.csv", "usgs-mcs/mcs2024/salient/*salient.csv"),
        _parse_usgs_salient,
    ),
    # MCS 2026 comes from USGS's own data release; the third-party transcription it replaces is
    # kept (usgs2026_transcribed_* below) only as the input of the transcription comparison.
    *(
        _one_file(
            f"usgs2026_{layout}",
            "usgs-mcs-2026",
            _RELEASE_2026,
            f"usgs_release2026.parse_release_{layout}",
            required=False,
            companions=companions,
        )
        for layout, companions in (
            ("world", ("usgs-mcs/mcs2026-release/MCS2026_Commodities_Data_meta.xml",)),
            ("salient", ()),
            ("import_sources", ()),
        )
    ),
    TableSpec(
        "baci_trade",
        "baci-hs92",
        ("baci-hs92/BACI_HS92_*.csv.gz", "baci-hs92/BACI_HS92_Y*.csv", "baci-hs92/BACI_HS92_V*.zip"),
        _parse_baci_trade,
    ),
    *(
        _one_file(name, source, pattern, parser)
        for name, source, pattern, parser in (
            ("baci_country_codes", "baci-hs92", "baci-hs92/country_codes_V*.csv", "baci.parse_baci_country_codes"),
            ("baci_product_codes", "baci-hs92", "baci-hs92/product_codes_HS92_V*.csv", "baci.parse_baci_product_codes"),
            ("wmd_production", "world-mining-data", "world-mining-data/wmd_production_*.csv", "wmd.parse_wmd"),
        )
    ),
    TableSpec("wgi_political_stability", "wgi", ("wgi/wgi_political_stability_*.csv",), _parse_wgi),
    _one_file("hs_code_map", "hs-code-map", "reference/hs_code_map_scrreen.csv", "hsmap.parse_hs_map"),
    # Optional sources, each table parsed from one upstream file (see _one_file).
    *(
        _one_file(name, source, pattern, parser, required=False)
        for name, source, pattern, parser in (
            ("china_exports_hs6_monthly", "trade-extra-china", "trade-extra/china_exports_hs6_monthly_*.csv", "china_exports.parse_china_exports"),
            ("china_exports_hs_map", "trade-extra-china", "trade-extra/china_exports_hs_map.csv", "china_exports.parse_china_hs_map"),
            ("us_magnet_imports", "comtrade-magnets", "trade-extra/us_imports_850511_by_partner_*.csv", "magnets.parse_magnet_imports"),
            ("usitc_imports_for_consumption", "usitc-dataweb", "trade-extra/usitc_us_imports_for_consumption_*.xlsx", "usitc.parse_usitc"),
            ("usitc_query_parameters", "usitc-dataweb", "trade-extra/usitc_us_imports_for_consumption_*.xlsx", "usitc.parse_usitc_parameters"),
            ("oecd_export_restrictions", "oecd-export-restrictions", "oecd-export-restrictions/oecd_inventory_*_china.csv", "oecd.parse_oecd_inventory"),
            ("pink_sheet_prices", "wb-pink-sheet", "prices/CMO-Historical-Data-Monthly.xlsx", "pink_sheet.parse_pink_sheet"),
            ("iea_supply", "iea-cmde", "iea-cmde/CM_Data_Explorer_*.xlsx", "iea.parse_iea_supply"),
        )
    ),
    # Parsed from the list of matched files.
    *(
        TableSpec(name, source, (pattern,), _lazy(*parser.rsplit(".", 1)), required=False, companions=companions)
        for name, source, pattern, parser, companions in (
            ("bgs_production", "bgs-wms", "bgs-wms/BGS_*_production.csv", "transforms.parsers.bgs.parse_bgs_files", ()),
            (
                "usgs2025_world",
                "usgs-mcs-2025",
                "usgs-mcs/mcs2025/world/MCS2025_World_Data.csv",
                "transforms.parsers.usgs_mcs2025.parse_world_files",
                ("usgs-mcs/mcs2025/world/MCS2025_World_Data.xml",),
            ),
            ("usgs2025_salient", "usgs-mcs-2025", "usgs-mcs/mcs2025/salient/*_salient.csv", "transforms.parsers.usgs_mcs2025.parse_salient_files", ()),
        )
    ),
    _one_file(
        "usgs2025_end_uses",
        "usgs-mcs-2025",
        "usgs-mcs/mcs2025/trends/MCS2025_T4_Critical_Minerals_End_Use.csv",
        "usgs_end_uses.parse_end_uses",
        required=False,
    ),
    # The retired transcription of MCS 2026: the input of usgs2026_transcription_diff only.
    *(
        _one_file(
            f"usgs2026_transcribed_{layout}",
            "usgs-mcs-2026-transcribed",
            f"usgs-mcs/mcs2026/{file}",
            f"usgs.parse_mcs2026_{layout}",
            required=False,
            companions=companions,
        )
        for layout, file, companions in (
            ("world", "world_production_reserves.csv", ("usgs-mcs/mcs2026/README.md",)),
            ("salient", "us_salient.csv", ()),
            ("import_sources", "us_import_sources.csv", ()),
        )
    ),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}




def find_inputs(upstream_dir: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Upstream files matching the patterns, sorted by their path relative to the folder.

    Every match must be a readable, non-empty file (see
    :func:`transforms.parsers._guards.check_upstream_file`), and every folder on a pattern's way
    listable: a folder, a dangling link or an unreadable folder where files are expected is an
    error naming it, never a table that silently lost a year or a commodity.
    """
    from transforms.parsers._guards import check_folder, check_upstream_file

    found: set[Path] = set()
    for pattern in patterns:
        parts = pattern.split("/")
        folder = upstream_dir
        for part in parts[:-1]:
            check_folder(folder, upstream_dir)
            if any(c in part for c in "*?["):
                break
            folder = folder / part
        check_folder(folder, upstream_dir)
        matches = list(upstream_dir.glob(pattern))
        literal = upstream_dir / pattern
        if not any(c in pattern for c in "*?[") and literal.is_symlink():
            matches = [literal]  # glob leaves out a dangling link named exactly
        for path in matches:
            check_upstream_file(path, upstream_dir)
            found.add(path)
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
    df = spec.parse(files)
    if df.height == 0:
        raise UpstreamFormatError(
            ", ".join(f.name for f in files[:3]) + (", ..." if len(files) > 3 else ""),
            f"no rows parsed for table {spec.name!r}: the upstream files hold no data",
        )
    return df, files


def pattern_matches(rel: str, pattern: str) -> bool:
    """``Path.glob`` semantics for the patterns of TABLES: ``*`` never crosses a ``/``."""
    parts, pats = rel.split("/"), pattern.split("/")
    return len(parts) == len(pats) and all(
        fnmatch.fnmatchcase(p, q) for p, q in zip(parts, pats, strict=True)
    )


def _parse_comtrade(files: list[Path]) -> pl.DataFrame:
    from transforms.parsers.comtrade import parse_comtrade

    return pl.concat([parse_comtrade(f) for f in files], how="vertical")


# Comtrade is fetched by its connector but joins the snapshot only once its origin record is in
# sources.yaml (see orchestration.upstream.comtrade.COMTRADE_ORIGIN): see snapshot_tables().
COMTRADE_TABLE = TableSpec(
    "comtrade_trade",
    "comtrade",
    ("comtrade/comtrade_*.csv",),
    _parse_comtrade,
    required=False,
    unregistered_description="UN Comtrade reported trade in the registry's HS6 codes (USD, kg, quantity), by reporter, partner and flow.",
)


def snapshot_tables() -> tuple[TableSpec, ...]:
    """TABLES, plus the Comtrade table once its origin record is in sources.yaml."""
    names = {t.name for t in TABLES}
    if COMTRADE_TABLE.name not in names and COMTRADE_TABLE.source in load_sources():
        return (*TABLES, COMTRADE_TABLE)
    return TABLES


def tables_for_file(rel: str, tables: tuple[TableSpec, ...] | None = None) -> list[str]:
    """Snapshot tables whose patterns (or companion patterns) match an upstream-relative path."""
    return [
        t.name
        for t in (tables or snapshot_tables())
        if any(pattern_matches(rel, p) for p in (*t.patterns, *t.companions))
    ]
