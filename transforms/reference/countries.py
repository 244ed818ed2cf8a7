"""Economies (``economies.csv``) and country-name harmonisation (``country_names.csv``).

:func:`harmonise_countries` maps the country names and codes of every upstream source to ISO3
economies or typed aggregates (``WORLD``, ``OTHER``, ...). The group flags of
``economies.csv`` are checked against ``groups.yaml`` where the groups load
(:mod:`transforms.reference.groups`).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import polars as pl

from transforms.reference.files import (
    ReferenceDataError,
    read_csv,
    reference_folder,
    validate_rows,
)
from transforms.reference.models import (
    GROUP_FLAG_COLUMNS,
    NAME_SOURCES,
    CountryNameRow,
    EconomyRow,
)

ECONOMIES_FILE = "economies.csv"
COUNTRY_NAMES_FILE = "country_names.csv"

_ECONOMY_COLUMNS = list(EconomyRow.model_fields)
_NAME_COLUMNS = list(CountryNameRow.model_fields)
_AGGREGATE = re.compile(r"^[A-Z][A-Z_]{3,}$")


@functools.lru_cache(maxsize=8)
def _economies(folder: Path) -> pl.DataFrame:
    raw = read_csv(folder / ECONOMIES_FILE, _ECONOMY_COLUMNS)
    validate_rows(EconomyRow, raw, ECONOMIES_FILE)
    duplicated = raw.filter(pl.col("iso3").is_duplicated())["iso3"].unique().sort().to_list()
    if duplicated:
        raise ReferenceDataError(ECONOMIES_FILE, f"iso3 {duplicated}", "duplicate economies")
    return raw.with_columns(pl.col(list(GROUP_FLAG_COLUMNS)) == "true")


def economies_frame(folder: Path | str | None = None) -> pl.DataFrame:
    """Economies: iso3, name, is_eu27, is_g7, is_alliance_core, is_msp (Boolean), note."""
    return _economies(reference_folder(folder)).clone()


def known_economies(folder: Path | str | None = None) -> frozenset[str]:
    """The ISO3 codes of ``economies.csv``."""
    return frozenset(_economies(reference_folder(folder))["iso3"].to_list())


@functools.lru_cache(maxsize=8)
def _country_names(folder: Path) -> pl.DataFrame:
    file = COUNTRY_NAMES_FILE
    raw = read_csv(folder / file, _NAME_COLUMNS)
    known = known_economies(folder)
    for line, row in enumerate(validate_rows(CountryNameRow, raw, file), start=2):
        entry = f"line {line} ({row.source}, {row.name!r})"
        code = row.code or ""
        if row.kind == "economy" and code not in known:
            raise ReferenceDataError(
                file, entry, f"economy code {code!r} is not in {ECONOMIES_FILE}"
            )
        if row.kind == "aggregate" and (not _AGGREGATE.match(code) or code in known):
            raise ReferenceDataError(
                file,
                entry,
                f"aggregate code {code!r} must match {_AGGREGATE.pattern} and not be an economy",
            )
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


def country_names_frame(folder: Path | str | None = None) -> pl.DataFrame:
    """Name harmonisation table: source, name, kind (economy/aggregate), code, note."""
    return _country_names(reference_folder(folder)).clone()


def _lookup(source: str, folder: Path | str | None) -> pl.DataFrame:
    if source not in NAME_SOURCES:
        raise ValueError(f"unknown name source {source!r} (expected one of {NAME_SOURCES})")
    names = country_names_frame(folder)
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
