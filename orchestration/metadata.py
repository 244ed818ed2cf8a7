"""Metadata that makes an asset useful in the Dagster UI, derived from the table registry.

At definition time every table asset gets its registry column schema (type, unit, description,
nullability, constraints) under Dagster's reserved ``dagster/column_schema`` key, so the UI
shows the schema before anything ran; each materialisation adds row count, the schema of what
was actually written and a preview.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterable

import dagster as dg
import polars as pl

from transforms.metadata import TABLES, Table
from transforms.metadata.fields import FIELDS
from transforms.render import frame_to_markdown

# Code references are labelled beta by Dagster; they are metadata only, used on purpose.
warnings.filterwarnings(
    "ignore",
    message=".*(with_source_code_references|LocalFileCodeReference|CodeReferencesMetadataValue)",
    category=dg.BetaWarning,
)

PREVIEW_ROWS = 10
# Asset key prefix -> the registry layers its tables belong to.
PREFIX_LAYERS = {"snapshot": ("snapshot",), "clean": ("clean", "quality"), "marts": ("marts",)}


def _constraint(kind: str, arg: object) -> str:
    if isinstance(arg, tuple | list) and kind != "between":
        arg = ", ".join(map(str, arg))
    return f"{kind} {arg}"


def registry_schema(meta: Table) -> dg.TableSchema:
    """The registry's column schema of a table, units and constraints included."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=name,
                type=str(f.dtype),
                description=f"{f.description} Unit: {f.unit}.",
                constraints=dg.TableColumnConstraints(
                    nullable=f.nullable,
                    unique=meta.primary_key == (name,),
                    other=[_constraint(k, a) for k, a in f.checks],
                ),
                tags={"unit": f.unit},
            )
            for name, f in meta.columns.items()
        ],
        constraints=dg.TableConstraints(other=[f"unique ({', '.join(meta.primary_key)})"]) if meta.primary_key else None,
    )


def registry_table(key: dg.AssetKey) -> Table | None:
    """The registry table an asset key names (``<layer prefix>/<table>``), if any."""
    if len(key.path) != 2 or key.path[0] not in PREFIX_LAYERS:
        return None
    meta = TABLES.get(key.path[1])
    return meta if meta and meta.layer in PREFIX_LAYERS[key.path[0]] else None


def with_registry_metadata(assets: Iterable) -> list:
    """Every table asset with its registry column schema and primary key as definition metadata."""

    def attach(spec: dg.AssetSpec) -> dg.AssetSpec:
        meta = registry_table(spec.key)
        if meta is None:
            return spec
        extra = {"dagster/column_schema": registry_schema(meta), "primary_key": ", ".join(meta.primary_key)}
        return spec.merge_attributes(metadata=extra)

    return list(dg.map_asset_specs(attach, list(assets)))


def table_schema(df: pl.DataFrame, descriptions: dict[str, str] | None = None) -> dg.TableSchema:
    # A frame outside the table registry (the importers' flows) still gets each column's
    # description from the field registry, by name.
    descriptions = descriptions or {
        name: f"{FIELDS[name].description} Unit: {FIELDS[name].unit}." for name in df.columns if name in FIELDS
    }
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=name, type=str(dtype), description=descriptions.get(name))
            for name, dtype in df.schema.items()
        ]
    )


def frame_metadata(df: pl.DataFrame, descriptions: dict[str, str] | None = None) -> dict:
    """Standard metadata for a table asset (Dagster's reserved keys, so the UI shows them natively)."""
    return {
        "dagster/row_count": dg.MetadataValue.int(df.height),
        "dagster/column_schema": table_schema(df, descriptions),
        "preview": dg.MetadataValue.md(frame_to_markdown(df.head(PREVIEW_ROWS))),
    }


CODE_REFERENCES = "dagster/code_references"


def code_reference(fn: Callable) -> dict:
    """Definition metadata that points the UI's "open source" link at ``fn`` (the transform an
    asset factory calls), not at the factory that built the asset."""
    fn = inspect.unwrap(fn)
    if not inspect.isfunction(fn):
        return {}  # a partial or callable object: Dagster's default reference then applies
    _, line = inspect.getsourcelines(fn)
    return {
        CODE_REFERENCES: dg.CodeReferencesMetadataValue(
            code_references=[
                dg.LocalFileCodeReference(
                    file_path=inspect.getsourcefile(fn), line_number=line, label=f"{fn.__module__}.{fn.__qualname__}"
                )
            ]
        )
    }


def with_code_references(assets: Iterable) -> list:
    """Source code references on every asset: the function a factory named (``code_reference``)
    where it named one, else the decorated function itself (Dagster's default)."""
    assets = list(assets)
    named = [
        isinstance(a, dg.AssetsDefinition) and any(CODE_REFERENCES in m for m in a.metadata_by_key.values())
        for a in assets
    ]
    return [
        *(a for a, n in zip(assets, named, strict=True) if n),
        *dg.with_source_code_references([a for a, n in zip(assets, named, strict=True) if not n]),
    ]
