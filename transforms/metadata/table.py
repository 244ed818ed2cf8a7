"""The table record of the registry, and the builder that resolves a table's fields.

A ``Table`` is what every consumer reads: pandera schemas (``schemas.py``), Dagster asset
descriptions and column schemas (``orchestration.metadata``), the data-package descriptor
(``transforms.site.datapackage``) and the site's column titles and units.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from transforms.metadata.fields import FIELDS, Col, Field, resolve

LAYERS = ("snapshot", "clean", "quality", "marts", "reference")


@dataclass(frozen=True)
class Table:
    name: str
    layer: str
    title: str
    description: str
    primary_key: tuple[str, ...]
    columns: dict[str, Field]
    # Source ids: keys of data/reference/sources.yaml, i.e. snapshot folder names.
    sources: tuple[str, ...] = ()
    usage_warnings: tuple[str, ...] = ()
    # The FIELDS key each column uses, in column order.
    field_keys: tuple[str, ...] = ()

    @property
    def column_descriptions(self) -> dict[str, str]:
        return {name: f.description for name, f in self.columns.items()}

    def asset_description(self) -> str:
        """Dagster's description: the title alone on the first line (the UI's summary), then
        the description, primary key, sources and usage warnings."""
        text = f"{self.title}.\n\n{self.description}"
        if self.primary_key:
            text += f"\n\nPrimary key: `{', '.join(self.primary_key)}`."
        if self.sources:
            text += f"\n\nSources: {', '.join(self.sources)}."
        if self.usage_warnings:
            text += "\n\nUsage warnings:\n" + "\n".join(f"- {w}" for w in self.usage_warnings)
        return text


def table(
    name: str,
    layer: str,
    title: str,
    description: str,
    primary_key: Iterable[str],
    columns: Iterable[str | Col],
    sources: Iterable[str] = (),
    usage_warnings: Iterable[str] = (),
) -> Table:
    """A table from field names (or ``Col`` overrides), in column order."""
    if layer not in LAYERS:
        raise ValueError(f"{name}: unknown layer {layer!r}")
    columns = tuple(columns)
    resolved = dict(resolve(c, FIELDS) for c in columns)
    if len(resolved) != len(columns):
        raise ValueError(f"{name}: a column is declared twice")
    key = tuple(primary_key)
    missing = [k for k in key if k not in resolved]
    if missing:
        raise ValueError(f"{name}: primary key columns {missing} are not columns of the table")
    keys = tuple(c if isinstance(c, str) else c.field or c.name for c in columns)
    return Table(name, layer, title, description, key, resolved, tuple(sources), tuple(usage_warnings), keys)
