"""The one metadata registry: every field and every table of every layer, declared once.

PUDL style: ``fields.py`` declares each column's dtype, unit, description and constraints;
``snapshot.py``, ``clean.py``, ``quality.py`` (data-quality and curated reference tables),
``marts.py`` and ``scenarios.py`` declare the tables of each layer (title, description,
primary key, usage warnings, source ids). Everything else derives from here: the pandera
schemas (``schemas.py``), the Dagster asset descriptions and column schemas, the data-package
descriptor and the site's column titles and units.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.metadata.clean import CLEAN
from transforms.metadata.fields import FIELDS, Col, Field
from transforms.metadata.marts import METRICS
from transforms.metadata.quality import QUALITY, REFERENCE
from transforms.metadata.scenarios import SCENARIOS
from transforms.metadata.schemas import ValidationReport, schema_from_meta, validate_meta
from transforms.metadata.snapshot import SNAPSHOT
from transforms.metadata.table import LAYERS, Table

TABLES: dict[str, Table] = {t.name: t for t in (*SNAPSHOT, *CLEAN, *QUALITY, *METRICS, *SCENARIOS, *REFERENCE)}
SNAPSHOT_TABLES = tuple(t.name for t in SNAPSHOT)
CLEAN_TABLES = tuple(t.name for t in CLEAN)
QUALITY_TABLES = tuple(t.name for t in QUALITY)
MART_TABLES = tuple(t.name for t in (*METRICS, *SCENARIOS))
# Tables published as downloads (everything but the snapshot's as-published copies).
PUBLISHED_LAYERS = ("clean", "quality", "marts", "reference")

__all__ = [
    "CLEAN_TABLES",
    "FIELDS",
    "LAYERS",
    "MART_TABLES",
    "PUBLISHED_LAYERS",
    "QUALITY_TABLES",
    "SNAPSHOT_TABLES",
    "TABLES",
    "Col",
    "Field",
    "Table",
    "ValidationReport",
    "column_description",
    "column_title",
    "column_unit",
    "dtypes",
    "schema_for",
    "schema_from_meta",
    "tables_in",
    "validate",
    "validate_meta",
]


def tables_in(*layers: str) -> dict[str, Table]:
    """The registry's tables of the given layers, in declaration order."""
    return {n: t for n, t in TABLES.items() if t.layer in layers}


def _field(table: str, column: str) -> Field | None:
    meta = TABLES.get(table)
    return meta.columns.get(column) if meta else None


def column_title(table: str, column: str) -> str:
    """A column's human title: the field's own, else its name in words (also for a table or
    column the registry does not declare yet, e.g. a new mart's generic section)."""
    field = _field(table, column)
    return (field.title if field else None) or column.replace("_", " ").capitalize()


def column_unit(table: str, column: str) -> str | None:
    """A column's unit (t, USD, USD/t, %, share 0-1, index, year, text, ...); None if undeclared."""
    field = _field(table, column)
    return field.unit if field else None


def column_description(table: str, column: str) -> str | None:
    field = _field(table, column)
    return field.description if field else None


def dtypes(table: str, columns: list[str] | None = None) -> dict[str, pl.DataType]:
    """Registry dtypes of a table's columns (all, or those named, in that order): the schema
    of test fixtures and empty frames, so they cannot drift from the real table."""
    declared = TABLES[table].columns
    return {c: declared[c].dtype for c in (columns or declared)}


def schema_for(table: str, known: Mapping[str, frozenset[str]]):
    """The pandera schema of any registry table; ``known`` holds the sets 'known' checks name."""
    return schema_from_meta(TABLES[table], known)


def validate(table: str, df: pl.DataFrame, known: Mapping[str, frozenset[str]]) -> ValidationReport:
    """Validate any registry table lazily (see :func:`transforms.metadata.schemas.validate_meta`)."""
    return validate_meta(TABLES[table], df, known)
