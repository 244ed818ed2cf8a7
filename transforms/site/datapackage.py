"""Downloads: every clean table and mart as CSV and Parquet, described by a Frictionless data package.

``write_downloads`` writes ``<table>.csv.gz`` (CSV, gzip-compressed: the trade table alone is
54 MB as plain text) and ``<table>.parquet`` for each table and a
``datapackage.json`` (Frictionless Data Package v1 with the v2 ``$schema`` fields it allows):
per resource its path, format, bytes, sha256 hash, title, description, schema (fields with type,
description and unit; primary key), sources and licences. Everything but the frame itself comes
from the table registry (``transforms.metadata``: titles, descriptions, units, source ids) and
the snapshot manifests (source titles, citations, licences, release labels). Written by hand:
no Frictionless library needed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import date
from pathlib import Path

import polars as pl

from transforms.metadata import TABLES, Table
from transforms.metadata.sources import licences, release_labels

PACKAGE_NAME = "open-critical-minerals-briefing"
# The registry layers a table handed in under each download layer may belong to.
DOWNLOAD_LAYERS = {"clean": ("clean", "quality"), "marts": ("marts",), "reference": ("reference",)}


def field_type(dtype: pl.DataType) -> str:
    if dtype == pl.String:
        return "string"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "number"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if isinstance(dtype, pl.List | pl.Array):
        return "string"  # written as a ";"-joined list in the CSV
    return "any"


def _csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    """Nested columns as text, since CSV has no lists: lists ";"-joined, structs as JSON."""
    exprs = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Array):
            exprs.append(
                pl.col(name).arr.to_list().list.eval(pl.element().cast(pl.String)).list.join(";")
            )
        elif isinstance(dtype, pl.List):
            exprs.append(pl.col(name).list.eval(pl.element().cast(pl.String)).list.join(";"))
        elif isinstance(dtype, pl.Struct):
            exprs.append(pl.col(name).struct.json_encode())
    return df.with_columns(exprs) if exprs else df


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _source_entry(manifest: dict, release: str | None) -> dict:
    entry = {"title": manifest.get("title", manifest["source"]), "path": manifest.get("url")}
    if release:
        entry["version"] = release
    if manifest.get("citation"):
        entry["citation"] = manifest["citation"]
    if manifest.get("publisher"):
        entry["publisher"] = manifest["publisher"]
    return {k: v for k, v in entry.items() if v}


def _fields(df: pl.DataFrame, meta: Table | None) -> list[dict]:
    declared = meta.columns if meta else {}
    fields = []
    for column, dtype in df.schema.items():
        entry: dict = {"name": column, "type": field_type(dtype)}
        if column in declared:
            entry["description"] = declared[column].description
            entry["unit"] = declared[column].unit
        if isinstance(dtype, pl.List | pl.Array):
            entry["format"] = "semicolon-separated list"
        fields.append(entry)
    return fields


def registry_meta(name: str, layer: str) -> Table | None:
    """The registry's table for a download of that layer; None for a table not (yet) declared."""
    meta = TABLES.get(name)
    return meta if meta and meta.layer in DOWNLOAD_LAYERS[layer] else None


def write_csv_gz(df: pl.DataFrame, path: Path) -> None:
    """``df`` as gzip-compressed CSV; the gzip header carries no time, so a rebuild of the same
    frame writes the same bytes."""
    path.write_bytes(gzip.compress(_csv_ready(df).write_csv().encode("utf-8"), 6, mtime=0))


def resource(
    name: str,
    layer: str,
    df: pl.DataFrame,
    meta: Table | None,
    manifests: dict[str, dict],
    files: dict[str, Path],
) -> dict:
    """One Frictionless resource per table (the CSV), with the Parquet file named alongside."""
    schema: dict = {"fields": _fields(df, meta), "missingValues": [""]}
    if meta and meta.primary_key and all(k in df.columns for k in meta.primary_key):
        schema["primaryKey"] = list(meta.primary_key)
    known = [s for s in (meta.sources if meta else ()) if s in manifests]
    releases = release_labels(manifests)
    csv, parquet = files["csv"], files["parquet"]
    out = {
        "name": name.replace("_", "-"),
        "title": meta.title if meta else name.replace("_", " ").capitalize(),
        "description": meta.description
        if meta
        else f"The {name} {'mart' if layer == 'marts' else 'table'}.",
        "layer": layer,
        "profile": "tabular-data-resource",
        "path": csv.name,
        "format": "csv",
        "compression": "gz",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": csv.stat().st_size,
        "hash": f"sha256:{_sha256(csv)}",
        "rows": df.height,
        "schema": schema,
        "sources": [_source_entry(manifests[s], releases.get(s)) for s in known],
        "licenses": licences(known, manifests),
        "alternates": [
            {
                "path": parquet.name,
                "format": "parquet",
                "mediatype": "application/vnd.apache.parquet",
                "bytes": parquet.stat().st_size,
            }
        ],
    }
    if meta and meta.usage_warnings:
        out["usage_warnings"] = list(meta.usage_warnings)
    return out


def write_downloads(
    clean: dict[str, pl.DataFrame],
    marts: dict[str, pl.DataFrame],
    out_dir: Path,
    manifests: dict[str, dict],
    build_date: date,
    reference: dict[str, pl.DataFrame] | None = None,
) -> list[dict]:
    """Write CSV + Parquet of every table and ``datapackage.json``; return one summary per table.

    Summary keys: name, layer, title, description, rows, columns, csv, parquet, csv_bytes,
    parquet_bytes.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    resources, summaries, used = [], [], set()
    tables = (
        [("clean", n, df) for n, df in sorted(clean.items())]
        + [("marts", n, df) for n, df in sorted(marts.items())]
        + [("reference", n, df) for n, df in sorted((reference or {}).items()) if n not in marts]
    )
    for layer, name, df in tables:
        stem = name if layer == "clean" else f"mart_{name}" if name in clean else name
        csv, parquet = out_dir / f"{stem}.csv.gz", out_dir / f"{stem}.parquet"
        write_csv_gz(df, csv)
        df.write_parquet(parquet, compression="zstd")
        meta = registry_meta(name, layer)
        used |= set(meta.sources if meta else ())
        res = resource(stem, layer, df, meta, manifests, {"csv": csv, "parquet": parquet})
        resources.append(res)
        summaries.append(
            {
                "name": name,
                "layer": layer,
                "title": res["title"],
                "description": res["description"],
                "rows": df.height,
                "columns": df.width,
                "csv": csv.name,
                "parquet": parquet.name,
                "csv_bytes": csv.stat().st_size,
                "parquet_bytes": parquet.stat().st_size,
            }
        )
    used_sources = [s for s in sorted(used) if s in manifests]
    releases = release_labels(manifests)
    package = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": PACKAGE_NAME,
        "title": "The open critical-minerals briefing: clean tables and marts",
        "description": "How exposed the allies are to China for each critical mineral: production, reserves, trade, prices, governance and the analysis marts, with every figure's source.",
        "created": build_date.isoformat(),
        "profile": "tabular-data-package",
        "licenses": licences(used_sources, manifests),
        "sources": [_source_entry(manifests[s], releases.get(s)) for s in used_sources],
        "resources": resources,
    }
    (out_dir / "datapackage.json").write_text(
        json.dumps(package, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    return summaries
