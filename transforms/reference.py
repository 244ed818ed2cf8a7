"""Curated reference tables: minerals, economies, country groups and country-name harmonisation.

The tables live in ``data/reference`` (see its README.md) and are data, curated by hand with a
source for each fact. This module loads them, checks them (a broken table raises
:class:`ReferenceDataError`, a ``ValueError`` naming the file and the entry) and offers them as
polars frames, plus :func:`harmonise_countries`, which maps the country names and codes of
every upstream source to ISO3 economies or typed aggregates (``WORLD``, ``OTHER``, ...).

Pure functions: no I/O beyond reading the reference files, no orchestration imports.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"

MINERALS_FILE = "minerals.yaml"
ECONOMIES_FILE = "economies.csv"
GROUPS_FILE = "groups.yaml"
COUNTRY_NAMES_FILE = "country_names.csv"

STAGES = ("mine", "refinery", "exclude")
HS_STAGES = ("ore", "refined")
UNIT_BASES = ("contained", "oxide_equivalent", "gross_weight", "volume")
# Content of a substance other than the mineral's own element, e.g. "content_of_k2o".
_CONTENT_OF = re.compile(r"^content_of_[a-z0-9_]+$")
NAME_SOURCES = ("usgs", "usgs2026", "baci", "wmd", "wgi", "any")
NAME_KINDS = ("economy", "aggregate")
LIST_FLAGS = ("eu_crm_2023", "eu_strategic_2023", "usgs_critical_2022")
#: economies.csv flag column -> the group in groups.yaml it must agree with.
GROUP_FLAG_COLUMNS = {
    "is_eu27": "eu27",
    "is_g7": "g7",
    "is_alliance_core": "alliance",
    "is_msp": "msp",
}

_ECONOMY_COLUMNS = ["iso3", "name", "is_eu27", "is_g7", "is_alliance_core", "is_msp", "note"]
_NAME_COLUMNS = ["source", "name", "kind", "code", "note"]
_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")
_ISO3 = re.compile(r"^[A-Z]{3}$")
_AGGREGATE = re.compile(r"^[A-Z][A-Z_]{3,}$")
_HS6 = re.compile(r"^\d{6}$")
_ODD_SPACES = re.compile("[\u00a0\u2007\u2009\u202f\ufeff]")

_MINERAL_KEYS = {
    "slug",
    "name",
    "usgs_code",
    "usgs_types",
    "usgs2026_commodity",
    "wmd_commodity",
    "hs",
    "lists",
    "eol_rir",
    "sources",
    "note",
}
_TYPE_KEYS = {"stage", "unit_basis", "basis_detail", "product", "note", "reason"}
_USGS2026_ROW_KEYS = {
    "stage",
    "product",
    "maps_to",
    "unit_basis",
    "basis_detail",
    "product_label",
    "note",
    "reason",
}
_WMD_KEYS = {"commodity", "stage", "unit_basis", "basis_detail", "product", "note", "reason"}
_EOL_KEYS = {"value", "scrreen_row", "reference", "note"}
_GROUP_KEYS = {"name", "members", "include", "as_of", "note", "source"}


class ReferenceDataError(ValueError):
    """A reference table is malformed; the message names the file and the entry."""

    def __init__(self, file: str, entry: str, message: str) -> None:
        self.file = file
        self.entry = entry
        super().__init__(f"{file}: {entry}: {message}")


def clean_type_text(text: str) -> str:
    """USGS ``Type`` text with odd spaces turned into spaces, runs collapsed, ends trimmed."""
    return re.sub(r"\s+", " ", _ODD_SPACES.sub(" ", text)).strip()


# --- loading and checking --------------------------------------------------------------


@dataclass(frozen=True)
class _Reference:
    minerals: tuple[dict[str, Any], ...]
    economies: pl.DataFrame
    groups: dict[str, tuple[str, ...]]
    country_names: pl.DataFrame


def _directory(directory: Path | str | None) -> Path:
    return REFERENCE_DIR if directory is None else Path(directory).resolve()


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReferenceDataError(path.name, "file", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ReferenceDataError(path.name, "file", "top level must be a mapping")
    return data


def _read_csv(path: Path, columns: list[str]) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise ReferenceDataError(path.name, "file", f"cannot be read as CSV: {exc}") from exc
    if frame.columns != columns:
        raise ReferenceDataError(
            path.name, "header", f"columns {frame.columns} (expected {columns})"
        )
    return frame


def _check_keys(file: str, entry: str, data: Any, allowed: set[str], required: set[str]) -> None:
    if not isinstance(data, dict):
        raise ReferenceDataError(file, entry, "must be a mapping")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ReferenceDataError(file, entry, f"unknown key(s) {unknown}")
    missing = sorted(required - set(data))
    if missing:
        raise ReferenceDataError(file, entry, f"missing key(s) {missing}")


def _check_text(file: str, entry: str, value: Any, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value.strip():
        raise ReferenceDataError(file, entry, f"must be non-empty text, got {value!r}")


def _check_stage_entry(
    file: str, entry: str, data: dict[str, Any], stage_key: str, product_key: str
) -> None:
    """Stage must be known; a kept stage needs a known unit basis, an excluded one a reason."""
    stage = data.get(stage_key)
    if stage not in STAGES:
        raise ReferenceDataError(
            file, entry, f"unknown {stage_key} {stage!r} (expected one of {', '.join(STAGES)})"
        )
    for key in ("basis_detail", product_key, "note", "reason"):
        _check_text(file, f"{entry}.{key}", data.get(key))
    if stage == "exclude":
        _check_text(file, f"{entry}.reason", data.get("reason"), optional=False)
    basis = data.get("unit_basis")
    if stage == "exclude" and basis is None:
        return
    if basis not in UNIT_BASES and not (isinstance(basis, str) and _CONTENT_OF.match(basis)):
        raise ReferenceDataError(
            file,
            entry,
            f"unknown unit_basis {basis!r} "
            f"(expected one of {', '.join(UNIT_BASES)} or content_of_<x>)",
        )


def _check_minerals(path: Path, data: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    file = path.name
    sources = data.get("sources")
    if not isinstance(sources, dict) or not sources:
        raise ReferenceDataError(file, "sources", "must be a non-empty mapping of source ids")
    minerals = data.get("minerals")
    if not isinstance(minerals, list) or not minerals:
        raise ReferenceDataError(file, "minerals", "must be a non-empty list")

    slugs: set[str] = set()
    type_owner: dict[tuple[str, str], str] = {}
    clean_type_entry: dict[tuple[str, str], tuple[str, Any, Any, Any]] = {}
    usgs2026_owner: dict[str, str] = {}
    wmd_owner: dict[str, str] = {}
    hs_owner: dict[str, str] = {}
    for index, mineral in enumerate(minerals):
        label = f"minerals[{index}]"
        if isinstance(mineral, dict) and isinstance(mineral.get("slug"), str):
            label = f"mineral {mineral['slug']!r}"
        _check_keys(file, label, mineral, _MINERAL_KEYS, _MINERAL_KEYS - {"note"})
        slug = mineral["slug"]
        if not isinstance(slug, str) or not _SLUG.match(slug):
            raise ReferenceDataError(file, label, f"slug {slug!r} must match {_SLUG.pattern}")
        if slug in slugs:
            raise ReferenceDataError(file, label, "duplicate slug")
        slugs.add(slug)
        _check_text(file, f"{label}.name", mineral["name"], optional=False)
        _check_text(file, f"{label}.note", mineral.get("note"))

        usgs_types = mineral["usgs_types"]
        if not isinstance(usgs_types, dict):
            raise ReferenceDataError(file, f"{label}.usgs_types", "must be a mapping")
        usgs_code = mineral["usgs_code"]
        if usgs_code is None:
            if usgs_types:
                raise ReferenceDataError(file, label, "usgs_types given but usgs_code is null")
        elif usgs_code not in usgs_types:
            raise ReferenceDataError(
                file, label, f"usgs_code {usgs_code!r} is not a key of usgs_types"
            )
        for code, types in usgs_types.items():
            if not isinstance(code, str) or not re.match(r"^[a-z][a-z-]*$", code):
                raise ReferenceDataError(file, f"{label}.usgs_types", f"bad code {code!r}")
            if not isinstance(types, dict) or not types:
                raise ReferenceDataError(
                    file, f"{label}.usgs_types[{code!r}]", "must be a non-empty mapping"
                )
            for type_text, entry in types.items():
                where = f"{label}.usgs_types[{code!r}][{type_text!r}]"
                if not isinstance(type_text, str) or not type_text.strip():
                    raise ReferenceDataError(file, where, "type text must be non-empty")
                _check_keys(file, where, entry, _TYPE_KEYS, {"stage"})
                _check_stage_entry(file, where, entry, "stage", "product")
                if (code, type_text) in type_owner:
                    raise ReferenceDataError(
                        file, where, f"also mapped by mineral {type_owner[(code, type_text)]!r}"
                    )
                type_owner[(code, type_text)] = slug
                # Types differing only in spacing must map alike, so a join on the cleaned
                # text cannot disagree with a join on the exact text.
                key = (code, clean_type_text(type_text))
                mapping = (slug, entry["stage"], entry.get("unit_basis"), entry.get("product"))
                if clean_type_entry.setdefault(key, mapping) != mapping:
                    raise ReferenceDataError(
                        file, where, "maps differently from a type that differs only in spacing"
                    )

        usgs2026 = mineral["usgs2026_commodity"]
        if usgs2026 is not None:
            where = f"{label}.usgs2026_commodity"
            _check_keys(file, where, usgs2026, {"commodity", "rows"}, {"commodity", "rows"})
            commodity = usgs2026["commodity"]
            _check_text(file, f"{where}.commodity", commodity, optional=False)
            if commodity in usgs2026_owner:
                raise ReferenceDataError(
                    file, where, f"commodity also used by mineral {usgs2026_owner[commodity]!r}"
                )
            usgs2026_owner[commodity] = slug
            rows = usgs2026["rows"]
            if not isinstance(rows, list) or not rows:
                raise ReferenceDataError(file, f"{where}.rows", "must be a non-empty list")
            seen_rows: set[tuple[str, str]] = set()
            for row_index, row in enumerate(rows):
                row_where = f"{where}.rows[{row_index}]"
                _check_keys(
                    file, row_where, row, _USGS2026_ROW_KEYS, {"stage", "product", "maps_to"}
                )
                if not isinstance(row["stage"], str) or not isinstance(row["product"], str):
                    raise ReferenceDataError(file, row_where, "stage and product must be text")
                _check_stage_entry(file, row_where, row, "maps_to", "product_label")
                row_key = (row["stage"], row["product"])
                if row_key in seen_rows:
                    raise ReferenceDataError(file, row_where, f"duplicate stage/product {row_key}")
                seen_rows.add(row_key)

        wmd = mineral["wmd_commodity"]
        if not isinstance(wmd, list):
            raise ReferenceDataError(file, f"{label}.wmd_commodity", "must be a list")
        for wmd_index, entry in enumerate(wmd):
            where = f"{label}.wmd_commodity[{wmd_index}]"
            _check_keys(file, where, entry, _WMD_KEYS, {"commodity", "stage"})
            _check_text(file, f"{where}.commodity", entry["commodity"], optional=False)
            _check_stage_entry(file, where, entry, "stage", "product")
            if entry["commodity"] in wmd_owner:
                raise ReferenceDataError(
                    file, where, f"commodity also used by mineral {wmd_owner[entry['commodity']]!r}"
                )
            wmd_owner[entry["commodity"]] = slug

        hs = mineral["hs"]
        _check_keys(file, f"{label}.hs", hs, {*HS_STAGES, "note"}, set(HS_STAGES))
        _check_text(file, f"{label}.hs.note", hs.get("note"))
        for hs_stage in HS_STAGES:
            codes = hs[hs_stage]
            if not isinstance(codes, list):
                raise ReferenceDataError(file, f"{label}.hs.{hs_stage}", "must be a list")
            for hs_code in codes:
                if not isinstance(hs_code, str) or not _HS6.match(hs_code):
                    raise ReferenceDataError(
                        file,
                        f"{label}.hs.{hs_stage}",
                        f"HS code {hs_code!r} must be six digits in quotes",
                    )
                if hs_code in hs_owner:
                    raise ReferenceDataError(
                        file,
                        f"{label}.hs.{hs_stage}",
                        f"HS {hs_code} also in {hs_owner[hs_code]!r}",
                    )
                hs_owner[hs_code] = slug

        lists = mineral["lists"]
        _check_keys(file, f"{label}.lists", lists, set(LIST_FLAGS), set(LIST_FLAGS))
        for flag in LIST_FLAGS:
            if not isinstance(lists[flag], bool):
                raise ReferenceDataError(file, f"{label}.lists.{flag}", "must be true or false")

        eol = mineral["eol_rir"]
        if eol is not None:
            where = f"{label}.eol_rir"
            _check_keys(file, where, eol, _EOL_KEYS, {"value", "scrreen_row"})
            value = eol["value"]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ReferenceDataError(file, where, f"value {value!r} must be a share in 0..1")
            _check_text(file, f"{where}.scrreen_row", eol["scrreen_row"], optional=False)

        cited = mineral["sources"]
        if not isinstance(cited, list) or not cited:
            raise ReferenceDataError(file, f"{label}.sources", "must be a non-empty list")
        for source in cited:
            if source not in sources and not (
                isinstance(source, str) and source.startswith(("http://", "https://"))
            ):
                raise ReferenceDataError(
                    file, f"{label}.sources", f"{source!r} is neither a source id nor a URL"
                )
    return tuple(minerals)


def _check_economies(path: Path) -> pl.DataFrame:
    file = path.name
    raw = _read_csv(path, _ECONOMY_COLUMNS)
    for line, row in enumerate(raw.iter_rows(named=True), start=2):
        entry = f"line {line} ({row['iso3']})"
        if row["iso3"] is None or not _ISO3.match(row["iso3"]):
            raise ReferenceDataError(file, entry, "iso3 must be three capital letters")
        if not row["name"]:
            raise ReferenceDataError(file, entry, "name is empty")
        for column in GROUP_FLAG_COLUMNS:
            if row[column] not in ("true", "false"):
                raise ReferenceDataError(file, entry, f"{column} must be 'true' or 'false'")
    duplicated = raw.filter(pl.col("iso3").is_duplicated())["iso3"].unique().sort().to_list()
    if duplicated:
        raise ReferenceDataError(file, f"iso3 {duplicated}", "duplicate economies")
    return raw.with_columns(pl.col(list(GROUP_FLAG_COLUMNS)) == "true")


def _expand_group(
    file: str,
    name: str,
    groups: dict[str, dict[str, Any]],
    trail: tuple[str, ...] = (),
) -> set[str]:
    if name in trail:
        raise ReferenceDataError(file, f"group {name!r}", f"includes itself via {list(trail)}")
    if name not in groups:
        raise ReferenceDataError(file, f"group {trail[-1]!r}", f"includes unknown group {name!r}")
    group = groups[name]
    members = set(group.get("members") or [])
    for included in group.get("include") or []:
        members |= _expand_group(file, included, groups, (*trail, name))
    return members


def _check_groups(path: Path, economies: pl.DataFrame) -> dict[str, tuple[str, ...]]:
    file = path.name
    data = _read_yaml(path)
    groups = data.get("groups")
    if not isinstance(groups, dict) or not groups:
        raise ReferenceDataError(file, "groups", "must be a non-empty mapping")
    known = set(economies["iso3"].to_list())
    for name, group in groups.items():
        entry = f"group {name!r}"
        _check_keys(file, entry, group, _GROUP_KEYS, {"name", "members"})
        members = group["members"]
        if not isinstance(members, list):
            raise ReferenceDataError(file, entry, "members must be a list")
        unknown = sorted(str(code) for code in members if code not in known)
        if unknown:
            raise ReferenceDataError(file, entry, f"members not in {ECONOMIES_FILE}: {unknown}")
        if len(set(members)) != len(members):
            raise ReferenceDataError(file, entry, "duplicate members")
        include = group.get("include") or []
        if not isinstance(include, list):
            raise ReferenceDataError(file, entry, "include must be a list of group names")
    expanded = {name: tuple(sorted(_expand_group(file, name, groups))) for name in groups}
    for name, members in expanded.items():
        if not members:
            raise ReferenceDataError(file, f"group {name!r}", "has no members")
    for column, group_name in GROUP_FLAG_COLUMNS.items():
        if group_name not in expanded:
            raise ReferenceDataError(file, f"group {group_name!r}", "is required but missing")
        flagged = set(economies.filter(pl.col(column))["iso3"].to_list())
        in_group = set(expanded[group_name])
        if flagged != in_group:
            raise ReferenceDataError(
                ECONOMIES_FILE,
                f"column {column}",
                f"disagrees with group {group_name!r} of {file}: "
                f"flagged only {sorted(flagged - in_group)}, in group only {sorted(in_group - flagged)}",
            )
    return expanded


def _check_country_names(path: Path, economies: pl.DataFrame) -> pl.DataFrame:
    file = path.name
    raw = _read_csv(path, _NAME_COLUMNS)
    known = set(economies["iso3"].to_list())
    for line, row in enumerate(raw.iter_rows(named=True), start=2):
        entry = f"line {line} ({row['source']}, {row['name']!r})"
        if row["source"] not in NAME_SOURCES:
            raise ReferenceDataError(
                file, entry, f"unknown source (expected one of {', '.join(NAME_SOURCES)})"
            )
        name = row["name"]
        if not name or name != name.strip() or _ODD_SPACES.search(name):
            raise ReferenceDataError(file, entry, "name must be non-empty, trimmed, plain spaces")
        code = row["code"] or ""
        if row["kind"] == "economy":
            if code not in known:
                raise ReferenceDataError(
                    file, entry, f"economy code {code!r} is not in {ECONOMIES_FILE}"
                )
        elif row["kind"] == "aggregate":
            if not _AGGREGATE.match(code) or code in known:
                raise ReferenceDataError(
                    file,
                    entry,
                    f"aggregate code {code!r} must match {_AGGREGATE.pattern} and not be an economy",
                )
        else:
            raise ReferenceDataError(file, entry, f"unknown kind {row['kind']!r}")
    duplicated = raw.filter(pl.struct("source", "name").is_duplicated())
    if duplicated.height:
        first = duplicated.row(0, named=True)
        raise ReferenceDataError(file, f"({first['source']}, {first['name']!r})", "duplicate name")
    # A name listed for "any" and again for one source would make the match depend on order.
    specific = raw.filter(pl.col("source") != "any")
    clash = specific.join(raw.filter(pl.col("source") == "any"), on="name", how="inner")
    if clash.height:
        first = clash.row(0, named=True)
        raise ReferenceDataError(
            file, f"({first['source']}, {first['name']!r})", "also listed under source 'any'"
        )
    return raw


@functools.lru_cache(maxsize=8)
def _load(directory: Path) -> _Reference:
    minerals = _check_minerals(directory / MINERALS_FILE, _read_yaml(directory / MINERALS_FILE))
    economies = _check_economies(directory / ECONOMIES_FILE)
    groups = _check_groups(directory / GROUPS_FILE, economies)
    names = _check_country_names(directory / COUNTRY_NAMES_FILE, economies)
    return _Reference(minerals, economies, groups, names)


# --- public tables ---------------------------------------------------------------------


def load_minerals(directory: Path | str | None = None) -> list[dict[str, Any]]:
    """The mineral registry as checked dicts (a fresh copy: callers may change it)."""
    return copy.deepcopy(list(_load(_directory(directory)).minerals))


def minerals_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """One row per mineral: slug, name, usgs_code, usgs_codes, usgs2026_commodity, list flags,
    eol_rir, note."""
    rows = []
    for mineral in _load(_directory(directory)).minerals:
        usgs2026 = mineral["usgs2026_commodity"]
        eol = mineral["eol_rir"]
        rows.append(
            {
                "slug": mineral["slug"],
                "name": mineral["name"],
                "usgs_code": mineral["usgs_code"],
                "usgs_codes": sorted(mineral["usgs_types"]),
                "usgs2026_commodity": usgs2026["commodity"] if usgs2026 else None,
                **{flag: mineral["lists"][flag] for flag in LIST_FLAGS},
                "eol_rir": float(eol["value"]) if eol else None,
                "note": mineral.get("note"),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "slug": pl.String,
            "name": pl.String,
            "usgs_code": pl.String,
            "usgs_codes": pl.List(pl.String),
            "usgs2026_commodity": pl.String,
            **dict.fromkeys(LIST_FLAGS, pl.Boolean),
            "eol_rir": pl.Float64,
            "note": pl.String,
        },
    )


_STAGE_SCHEMA = {
    "slug": pl.String,
    "stage": pl.String,
    "unit_basis": pl.String,
    "basis_detail": pl.String,
    "product": pl.String,
    "note": pl.String,
    "reason": pl.String,
}


def _stage_fields(slug: str, entry: dict[str, Any], stage_key: str, product_key: str) -> dict:
    return {
        "slug": slug,
        "stage": entry[stage_key],
        "unit_basis": entry.get("unit_basis"),
        "basis_detail": entry.get("basis_detail"),
        "product": entry.get(product_key),
        "note": entry.get("note"),
        "reason": entry.get("reason"),
    }


def usgs_type_map(directory: Path | str | None = None) -> pl.DataFrame:
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
            **_stage_fields(mineral["slug"], entry, "stage", "product"),
        }
        for mineral in _load(_directory(directory)).minerals
        for code, types in mineral["usgs_types"].items()
        for type_text, entry in types.items()
    ]
    schema = {"usgs_code": pl.String, "type": pl.String, "type_clean": pl.String, **_STAGE_SCHEMA}
    return pl.DataFrame(rows, schema=schema)


def usgs2026_map_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """MCS 2026 ``commodity``/``stage``/``product`` rows -> mineral and stage.

    Columns: commodity, source_stage, source_product ("" where the file's product is empty),
    slug, stage (mine/refinery/exclude), unit_basis, basis_detail, product, note, reason.
    """
    rows = [
        {
            "commodity": mineral["usgs2026_commodity"]["commodity"],
            "source_stage": row["stage"],
            "source_product": row["product"],
            **_stage_fields(mineral["slug"], row, "maps_to", "product_label"),
        }
        for mineral in _load(_directory(directory)).minerals
        if mineral["usgs2026_commodity"]
        for row in mineral["usgs2026_commodity"]["rows"]
    ]
    schema = {
        "commodity": pl.String,
        "source_stage": pl.String,
        "source_product": pl.String,
        **_STAGE_SCHEMA,
    }
    return pl.DataFrame(rows, schema=schema)


def wmd_map_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """World Mining Data ``commodity`` -> mineral and stage.

    Columns: wmd_commodity, slug, stage, unit_basis, basis_detail, product, note, reason.
    """
    rows = [
        {
            "wmd_commodity": entry["commodity"],
            **_stage_fields(mineral["slug"], entry, "stage", "product"),
        }
        for mineral in _load(_directory(directory)).minerals
        for entry in mineral["wmd_commodity"]
    ]
    return pl.DataFrame(rows, schema={"wmd_commodity": pl.String, **_STAGE_SCHEMA})


def hs_map_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """HS92 six-digit codes per mineral. Columns: slug, stage (ore/refined), hs6 (text)."""
    rows = [
        {"slug": mineral["slug"], "stage": stage, "hs6": code}
        for mineral in _load(_directory(directory)).minerals
        for stage in HS_STAGES
        for code in mineral["hs"][stage]
    ]
    return pl.DataFrame(rows, schema={"slug": pl.String, "stage": pl.String, "hs6": pl.String})


def economies_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """Economies: iso3, name, is_eu27, is_g7, is_alliance_core, is_msp (Boolean), note."""
    return _load(_directory(directory)).economies.clone()


def load_groups(
    directory: Path | str | None = None,
    *,
    alliance: Sequence[str] | None = None,
) -> dict[str, list[str]]:
    """Country groups expanded to sorted ISO3 lists (eu27, g7, alliance, msp, china, ...).

    ``alliance`` replaces the default alliance for this call: a list of ISO3 codes and/or
    group names, e.g. ``["g7", "AUS"]``.
    """
    reference = _load(_directory(directory))
    groups = {name: list(members) for name, members in reference.groups.items()}
    if alliance is not None:
        known = set(reference.economies["iso3"].to_list())
        members: set[str] = set()
        for item in alliance:
            if item in groups and item != "alliance":
                members |= set(groups[item])
            elif item in known:
                members.add(item)
            else:
                raise ValueError(f"alliance: {item!r} is neither a group nor an economy")
        if not members:
            raise ValueError("alliance: no members")
        groups["alliance"] = sorted(members)
    return groups


def country_names_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """Name harmonisation table: source, name, kind (economy/aggregate), code, note."""
    return _load(_directory(directory)).country_names.clone()


def _lookup(source: str, directory: Path | str | None) -> pl.DataFrame:
    if source not in NAME_SOURCES:
        raise ValueError(f"unknown name source {source!r} (expected one of {NAME_SOURCES})")
    names = country_names_frame(directory)
    return names.filter(pl.col("source").is_in([source, "any"])).select("name", "code", "kind")


def harmonise_countries(
    df: pl.DataFrame,
    name_col: str,
    source: str,
    *,
    directory: Path | str | None = None,
) -> pl.DataFrame:
    """Add ``code``, ``kind`` and ``name_marked_estimate`` for the names in ``name_col``.

    Rule: the name (cast to text) matches a name listed for ``source`` or for "any"; failing
    that, a name ending in "e" whose name without that last letter matches is taken, with
    ``name_marked_estimate`` True (USGS glues its estimate marker to names: "Japane").
    Anything else gets null ``code`` and ``kind``; list them with :func:`unmapped_names`.
    Rows and their order are kept.
    """
    if name_col not in df.columns:
        raise ValueError(f"column {name_col!r} not in frame (columns: {df.columns})")
    clashes = [c for c in ("code", "kind", "name_marked_estimate") if c in df.columns]
    if clashes:
        raise ValueError(f"frame already has column(s) {clashes}")
    lookup = _lookup(source, directory)
    name = pl.col(name_col).cast(pl.String)
    work = df.with_columns(
        name.alias("__name"),
        pl.when(name.str.ends_with("e"))
        .then(name.str.slice(0, name.str.len_chars() - 1))
        .alias("__name_e"),
    )
    exact = lookup.rename({"name": "__name", "code": "__code_exact", "kind": "__kind_exact"})
    marked = lookup.rename({"name": "__name_e", "code": "__code_e", "kind": "__kind_e"})
    out = work.join(exact, on="__name", how="left", maintain_order="left").join(
        marked, on="__name_e", how="left", maintain_order="left"
    )
    return out.with_columns(
        pl.coalesce("__code_exact", "__code_e").alias("code"),
        pl.coalesce("__kind_exact", "__kind_e").alias("kind"),
        (pl.col("__code_exact").is_null() & pl.col("__code_e").is_not_null()).alias(
            "name_marked_estimate"
        ),
    ).drop("__name", "__name_e", "__code_exact", "__kind_exact", "__code_e", "__kind_e")


def unmapped_names(
    df: pl.DataFrame,
    name_col: str,
    source: str,
    *,
    directory: Path | str | None = None,
) -> pl.DataFrame:
    """Distinct non-null names that :func:`harmonise_countries` cannot map, with row counts.

    Columns: ``name_col`` (text) and ``rows`` (UInt32), sorted by name.
    """
    harmonised = harmonise_countries(
        df.select(pl.col(name_col).cast(pl.String)), name_col, source, directory=directory
    )
    return (
        harmonised.filter(pl.col("code").is_null() & pl.col(name_col).is_not_null())
        .group_by(name_col)
        .agg(pl.len().alias("rows"))
        .sort(name_col)
    )
