"""Metadata that makes an asset useful in the Dagster UI: row count, column schema, preview."""

from __future__ import annotations

import dagster as dg
import polars as pl

from transforms.render import frame_to_markdown

PREVIEW_ROWS = 10


def table_schema(df: pl.DataFrame, descriptions: dict[str, str] | None = None) -> dg.TableSchema:
    descriptions = descriptions or {}
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
