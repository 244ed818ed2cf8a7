"""Downloads: every clean table and mart as CSV and Parquet, described by a Frictionless data package.

``write_downloads`` writes ``<table>.csv`` and ``<table>.parquet`` for each table and a
``datapackage.json`` (Frictionless Data Package v1 with the v2 ``$schema`` fields it allows):
per resource its path, format, bytes, sha256 hash, title, description, schema (fields with type,
description and unit; primary key), sources and licences, taken from the table metadata and the
snapshot manifests. Written by hand: no Frictionless library needed.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

import polars as pl

from transforms.tables import TABLES, TableMeta

PACKAGE_NAME = "open-critical-minerals-briefing"

# Which upstream sources each clean table is built from (snapshot source ids).
CLEAN_SOURCES = {
    "production": ["usgs-mcs", "usgs-mcs-2026"],
    "reserves": ["usgs-mcs", "usgs-mcs-2026"],
    "us_salient": ["usgs-mcs"],
    "production_wmd": ["world-mining-data"],
    "trade": ["baci-hs92"],
    "governance": ["wgi"],
    "world_total_reconciliation": ["usgs-mcs", "usgs-mcs-2026"],
    "usgs_wmd_comparison": ["usgs-mcs", "usgs-mcs-2026", "world-mining-data"],
    "country_name_coverage": ["usgs-mcs", "usgs-mcs-2026", "baci-hs92", "world-mining-data", "wgi"],
}
# Marts name their inputs in a ``source`` column; these words map them to snapshot sources.
SOURCE_WORDS = {
    "usgs": ["usgs-mcs", "usgs-mcs-2026"],
    "baci": ["baci-hs92"],
    "world mining data": ["world-mining-data"],
    "wmd": ["world-mining-data"],
    "wgi": ["wgi"],
    "scrreen": ["hs-code-map"],
}
DQ_DESCRIPTIONS = {
    "country_name_coverage": "Every country name or code in every source and the ISO3 or aggregate code it maps to (null = unmapped).",
    "world_total_reconciliation": "USGS production: sum of economies and 'other countries' against the published world total, per mineral, stage, year and edition, with the check's status.",
    "usgs_wmd_comparison": "USGS vs World Mining Data production for the same mineral, stage, economy and year, with the relative difference and whether it exceeds the tolerance.",
}
REFERENCE_DESCRIPTIONS = {
    "stockpile_programmes": "The allies' government stockpile programmes for critical minerals (agency, status, budget, target days, minerals), curated in data/reference/policy/stockpiles.yaml with source URLs per row; unverified rows are marked.",
}
DQ_TITLES = {
    "stockpile_programmes": "Stockpile programmes of the allies (curated)",
    "country_name_coverage": "Country-name coverage of every source",
    "world_total_reconciliation": "USGS country sums against published world totals",
    "usgs_wmd_comparison": "USGS against World Mining Data production",
}
LICENCES = [
    (
        re.compile(r"public domain", re.I),
        {"name": "other-pd", "title": "Public domain (U.S. Government work)"},
    ),
    (
        re.compile(r"etalab", re.I),
        {
            "name": "etalab-2.0",
            "title": "Etalab Open Licence 2.0",
            "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        },
    ),
    (
        re.compile(r"cc by 4\.0", re.I),
        {
            "name": "CC-BY-4.0",
            "title": "Creative Commons Attribution 4.0",
            "path": "https://creativecommons.org/licenses/by/4.0/",
        },
    ),
]


def licence_of(text: str) -> dict:
    for pattern, licence in LICENCES:
        if pattern.search(text):
            return dict(licence)
    return {"name": "other-at", "title": text}


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


def unit_of(column: str) -> str | None:
    """The unit a column's name states, by the project's naming convention."""
    if column.endswith("_usd_per_kg"):
        return "USD per kg"
    if column.endswith("_usd"):
        return "USD (current)"
    if column.endswith("_t") or column == "total_t":
        return "t (metric tons)"
    if column.endswith("_share") or column.startswith("share") or column.endswith("_share_t"):
        return "fraction (0-1)"
    if "hhi" in column and "wgi" not in column:
        return "index (0-10,000)" if column in ("hhi", "alliance_pooled_hhi") else "index"
    if column.endswith("_pct"):
        return "percent"
    return None


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


def _mart_sources(df: pl.DataFrame) -> list[str]:
    if "source" not in df.columns:
        return []
    text = " ".join(str(s) for s in df["source"].unique().drop_nulls().to_list()).lower()
    found: list[str] = []
    for word, ids in SOURCE_WORDS.items():
        if word in text:
            found += [i for i in ids if i not in found]
    return found


def _source_entry(manifest: dict) -> dict:
    entry = {"title": manifest.get("title", manifest["source"]), "path": manifest.get("url")}
    if manifest.get("citation"):
        entry["citation"] = manifest["citation"]
    if manifest.get("publisher"):
        entry["publisher"] = manifest["publisher"]
    return {k: v for k, v in entry.items() if v}


def resource(
    name: str,
    layer: str,
    df: pl.DataFrame,
    meta: TableMeta | None,
    source_ids: list[str],
    manifests: dict[str, dict],
    files: dict[str, Path],
) -> dict:
    """One Frictionless resource per table (the CSV), with the Parquet file named alongside."""
    descriptions = meta.column_descriptions if meta else {}
    fields = []
    for column, dtype in df.schema.items():
        entry: dict = {"name": column, "type": field_type(dtype)}
        if column in descriptions:
            entry["description"] = descriptions[column]
        unit = unit_of(column)
        if unit:
            entry["unit"] = unit
        if isinstance(dtype, pl.List | pl.Array):
            entry["format"] = "semicolon-separated list"
        fields.append(entry)
    schema: dict = {"fields": fields, "missingValues": [""]}
    if meta and meta.primary_key and all(k in df.columns for k in meta.primary_key):
        schema["primaryKey"] = list(meta.primary_key)
    known = [s for s in source_ids if s in manifests]
    csv, parquet = files["csv"], files["parquet"]
    description = (
        meta.description
        if meta
        else DQ_DESCRIPTIONS.get(
            name,
            REFERENCE_DESCRIPTIONS.get(
                name, f"The {name} {'mart' if layer == 'marts' else 'table'}."
            ),
        )
    )
    out = {
        "name": name.replace("_", "-"),
        "title": meta.title if meta else DQ_TITLES.get(name, name.replace("_", " ").capitalize()),
        "description": description,
        "layer": layer,
        "profile": "tabular-data-resource",
        "path": csv.name,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": csv.stat().st_size,
        "hash": f"sha256:{_sha256(csv)}",
        "rows": df.height,
        "schema": schema,
        "sources": [_source_entry(manifests[s]) for s in known],
        "licenses": list(
            {
                json.dumps(licence_of(manifests[s]["licence"]), sort_keys=True): licence_of(
                    manifests[s]["licence"]
                )
                for s in known
            }.values()
        ),
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
    mart_meta: dict[str, TableMeta] | None = None,
    reference: dict[str, pl.DataFrame] | None = None,
) -> list[dict]:
    """Write CSV + Parquet of every table and ``datapackage.json``; return one summary per table.

    Summary keys: name, layer, title, rows, columns, csv, parquet, csv_bytes, parquet_bytes.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if mart_meta is None:
        from transforms.site.marts import mart_table_meta

        mart_meta = mart_table_meta()
    resources, summaries = [], []
    tables = (
        [("clean", n, df) for n, df in sorted(clean.items())]
        + [("marts", n, df) for n, df in sorted(marts.items())]
        + [("reference", n, df) for n, df in sorted((reference or {}).items()) if n not in marts]
    )
    for layer, name, df in tables:
        stem = name if layer == "clean" else f"mart_{name}" if name in clean else name
        csv, parquet = out_dir / f"{stem}.csv", out_dir / f"{stem}.parquet"
        _csv_ready(df).write_csv(csv)
        df.write_parquet(parquet, compression="zstd")
        meta = TABLES.get(name) if layer == "clean" else mart_meta.get(name)
        if layer == "clean":
            sources = CLEAN_SOURCES.get(name, [])
        elif layer == "marts":
            sources = _mart_sources(df) or sorted(manifests)
        else:
            sources = []  # curated: each row carries its own source URLs
        res = resource(stem, layer, df, meta, sources, manifests, {"csv": csv, "parquet": parquet})
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
    used = sorted(
        {s for name in clean for s in CLEAN_SOURCES.get(name, [])}
        | {s for df in marts.values() for s in _mart_sources(df)}
    )
    package = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": PACKAGE_NAME,
        "title": "The open critical-minerals briefing: clean tables and marts",
        "description": "How exposed the allies are to China for each critical mineral: production, reserves, trade, prices, governance and the analysis marts, with every figure's source.",
        "created": build_date.isoformat(),
        "profile": "tabular-data-package",
        "licenses": list(
            {
                json.dumps(licence_of(manifests[s]["licence"]), sort_keys=True): licence_of(
                    manifests[s]["licence"]
                )
                for s in used
                if s in manifests
            }.values()
        ),
        "sources": [_source_entry(manifests[s]) for s in used if s in manifests],
        "resources": resources,
    }
    (out_dir / "datapackage.json").write_text(
        json.dumps(package, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    return summaries
