"""The mineral registry (``minerals.yaml``): which minerals the briefing covers and how every
upstream source names them, loaded, checked and served as polars frames.

:class:`~transforms.reference.models.MineralsFile` checks each entry; this module adds the
rules across entries — a slug, a USGS ``Type``, a 2026 or WMD commodity and an HS code each
belong to one mineral — and that every cited source is defined or a URL.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

import polars as pl

from transforms.reference.files import (
    ReferenceDataError,
    key_path,
    read_yaml,
    reference_folder,
    validate,
)
from transforms.reference.models import (
    HS_STAGES,
    LIST_FLAGS,
    ODD_SPACES,
    Mineral,
    MineralsFile,
    StageEntry,
    Usgs2026Row,
)

MINERALS_FILE = "minerals.yaml"


def clean_type_text(text: str) -> str:
    """USGS ``Type`` text with odd spaces turned into spaces, runs collapsed, ends trimmed."""
    return re.sub(r"\s+", " ", ODD_SPACES.sub(" ", text)).strip()


@dataclass(frozen=True)
class _Registry:
    file: MineralsFile
    raw: tuple[dict[str, Any], ...]  # the entries as written, for load_minerals()


class _Owners:
    """Who claimed a value first, so a second claim names both places."""

    def __init__(self) -> None:
        self._first: dict[tuple[str, Any], str] = {}

    def claim(self, kind: str, value: Any, loc: tuple[Any, ...]) -> None:
        where = key_path(loc)
        first = self._first.setdefault((kind, value), where)
        if first != where:
            raise ReferenceDataError(MINERALS_FILE, where, f"{kind} {value!r} is also at {first}")


def _check_across_entries(registry: MineralsFile) -> None:
    owners = _Owners()
    # Types differing only in spacing must map alike, so a join on the cleaned text cannot
    # disagree with a join on the exact text.
    clean_types: dict[tuple[str, str], tuple[Any, ...]] = {}
    for i, mineral in enumerate(registry.minerals):
        at = ("minerals", i)
        owners.claim("slug", mineral.slug, (*at, "slug"))
        for code, types in mineral.usgs_types.items():
            for text, entry in types.items():
                loc = (*at, "usgs_types", code, text)
                owners.claim("USGS type", (code, text), loc)
                mapping = (mineral.slug, entry.stage, entry.unit_basis, entry.product)
                if clean_types.setdefault((code, clean_type_text(text)), mapping) != mapping:
                    raise ReferenceDataError(
                        MINERALS_FILE,
                        key_path(loc),
                        "maps differently from a type that differs only in spacing",
                    )
        if mineral.usgs2026_commodity is not None:
            usgs2026 = mineral.usgs2026_commodity
            owners.claim("MCS 2026 commodity", usgs2026.commodity, (*at, "usgs2026_commodity"))
            for r, row in enumerate(usgs2026.rows):
                loc = (*at, "usgs2026_commodity", "rows", r)
                owners.claim("stage/product", (mineral.slug, row.stage, row.product), loc)
        for w, entry in enumerate(mineral.wmd_commodity):
            owners.claim("WMD commodity", entry.commodity, (*at, "wmd_commodity", w))
        for stage in HS_STAGES:
            for h, code in enumerate(getattr(mineral.hs, stage)):
                owners.claim("HS code", code, (*at, "hs", stage, h))
        for s, source in enumerate(mineral.sources):
            if source not in registry.sources and not source.startswith(("http://", "https://")):
                raise ReferenceDataError(
                    MINERALS_FILE,
                    key_path((*at, "sources", s)),
                    f"{source!r} is neither a source id of this file nor a URL",
                )


@functools.lru_cache(maxsize=8)
def _registry(folder: Path) -> _Registry:
    raw = read_yaml(folder / MINERALS_FILE)
    # A downstream product names another entry (downstream_of, its production proxy): the
    # file's own slugs are the set those references are checked against.
    entries = raw.get("minerals") if isinstance(raw, dict) else None
    slugs = (
        {e.get("slug") for e in entries if isinstance(e, dict)}
        if isinstance(entries, list)
        else set()
    )
    registry = validate(MineralsFile, raw, MINERALS_FILE, {"minerals": slugs})
    _check_across_entries(registry)
    return _Registry(registry, tuple(raw["minerals"]))


def load_registry(folder: Path | str | None = None) -> MineralsFile:
    """The checked registry as its pydantic model."""
    return _registry(reference_folder(folder)).file


def load_minerals(folder: Path | str | None = None) -> list[dict[str, Any]]:
    """The mineral registry as checked dicts, as written (a fresh copy: callers may change it)."""
    return copy.deepcopy(list(_registry(reference_folder(folder)).raw))


#: The columns of :func:`minerals_frame`: name, type and how a registry entry gives it.
_MINERAL_COLUMNS: tuple[tuple[str, pl.DataType | type, Callable[[Mineral], Any]], ...] = (
    ("slug", pl.String, lambda m: m.slug),
    ("name", pl.String, lambda m: m.name),
    ("usgs_code", pl.String, lambda m: m.usgs_code),
    ("usgs_codes", pl.List(pl.String), lambda m: sorted(m.usgs_types)),
    (
        "usgs2026_commodity",
        pl.String,
        lambda m: m.usgs2026_commodity.commodity if m.usgs2026_commodity else None,
    ),
    *((flag, pl.Boolean, attrgetter(f"lists.{flag}")) for flag in LIST_FLAGS),
    ("eol_rir", pl.Float64, lambda m: m.eol_rir.value if m.eol_rir else None),
    ("note", pl.String, lambda m: m.note),
    ("downstream_of", pl.String, lambda m: m.downstream_of),
)


def minerals_frame(folder: Path | str | None = None) -> pl.DataFrame:
    """One row per registry entry: slug, name, usgs_code, usgs_codes, usgs2026_commodity, list
    flags, eol_rir, note, downstream_of (null for a mineral, the mineral for a product)."""
    rows = [
        {column: value(mineral) for column, _, value in _MINERAL_COLUMNS}
        for mineral in load_registry(folder).minerals
    ]
    return pl.DataFrame(rows, schema={column: dtype for column, dtype, _ in _MINERAL_COLUMNS})


_STAGE_SCHEMA = {
    "slug": pl.String,
    "stage": pl.String,
    "unit_basis": pl.String,
    "basis_detail": pl.String,
    "product": pl.String,
    "note": pl.String,
    "reason": pl.String,
}


def _stage_fields(slug: str, entry: StageEntry | Usgs2026Row) -> dict[str, Any]:
    is_2026 = isinstance(entry, Usgs2026Row)
    return {
        "slug": slug,
        "stage": entry.maps_to if is_2026 else entry.stage,
        "unit_basis": entry.unit_basis,
        "basis_detail": entry.basis_detail,
        "product": entry.product_label if is_2026 else entry.product,
        "note": entry.note,
        "reason": entry.reason,
    }


def usgs_type_map(folder: Path | str | None = None) -> pl.DataFrame:
    """USGS world-table ``Type`` text -> mineral, stage (mine/refinery/exclude) and unit basis.

    Columns: usgs_code, type (exactly as published, spaces included), type_clean (see
    :func:`clean_type_text`), slug, stage, unit_basis, basis_detail, product, note, reason.
    ``(usgs_code, type)`` is unique; ``(usgs_code, type_clean)`` may repeat, always with the
    same mapping, so deduplicate before joining on it.
    """
    rows = [
        {
            "usgs_code": code,
            "type": type_text,
            "type_clean": clean_type_text(type_text),
            **_stage_fields(mineral.slug, entry),
        }
        for mineral in load_registry(folder).minerals
        for code, types in mineral.usgs_types.items()
        for type_text, entry in types.items()
    ]
    schema = {"usgs_code": pl.String, "type": pl.String, "type_clean": pl.String, **_STAGE_SCHEMA}
    return pl.DataFrame(rows, schema=schema)


def usgs2026_map_frame(folder: Path | str | None = None) -> pl.DataFrame:
    """MCS 2026 ``commodity``/``stage``/``product`` rows -> mineral and stage.

    Columns: commodity, source_stage, source_product ("" where the file's product is empty),
    slug, stage (mine/refinery/exclude), unit_basis, basis_detail, product, note, reason.
    """
    rows = [
        {
            "commodity": mineral.usgs2026_commodity.commodity,
            "source_stage": row.stage,
            "source_product": row.product,
            **_stage_fields(mineral.slug, row),
        }
        for mineral in load_registry(folder).minerals
        if mineral.usgs2026_commodity
        for row in mineral.usgs2026_commodity.rows
    ]
    schema = {
        "commodity": pl.String,
        "source_stage": pl.String,
        "source_product": pl.String,
        **_STAGE_SCHEMA,
    }
    return pl.DataFrame(rows, schema=schema)


def wmd_map_frame(folder: Path | str | None = None) -> pl.DataFrame:
    """World Mining Data ``commodity`` -> mineral and stage.

    Columns: wmd_commodity, slug, stage, unit_basis, basis_detail, product, note, reason.
    """
    rows = [
        {"wmd_commodity": entry.commodity, **_stage_fields(mineral.slug, entry)}
        for mineral in load_registry(folder).minerals
        for entry in mineral.wmd_commodity
    ]
    return pl.DataFrame(rows, schema={"wmd_commodity": pl.String, **_STAGE_SCHEMA})


def hs_map_frame(folder: Path | str | None = None) -> pl.DataFrame:
    """HS92 six-digit codes per mineral. Columns: slug, stage (ore/refined), hs6 (text)."""
    rows = [
        {"slug": mineral.slug, "stage": stage, "hs6": code}
        for mineral in load_registry(folder).minerals
        for stage in HS_STAGES
        for code in getattr(mineral.hs, stage)
    ]
    return pl.DataFrame(rows, schema={"slug": pl.String, "stage": pl.String, "hs6": pl.String})
