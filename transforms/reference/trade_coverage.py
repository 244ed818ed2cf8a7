"""The trade-coverage file (``trade_coverage.yaml``): which forms of each mineral (ore, processed,
product) its HS codes cover, loaded, checked against the mineral registry and served as a frame.

Every dependence figure carries the mineral's coverage (``transforms.marts.dependence``), so a
share of ore-only trade is never read as dependence on a refining stage the codes do not see.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Literal

import polars as pl
from pydantic import Field, StrictBool, ValidationInfo, field_validator

from transforms.reference.files import ReferenceDataError, load_yaml, reference_folder
from transforms.reference.minerals import load_registry
from transforms.reference.models import Model

TRADE_COVERAGE_FILE = "trade_coverage.yaml"
FORMS = ("ore", "processed", "product")
Form = Literal["ore", "processed", "product"]

#: How a set of covered forms reads (the mart's ``trade_coverage``), by the forms it holds.
COVERAGE_LABELS = {
    (): "no trade code",
    ("ore",): "ore only",
    ("processed",): "processed forms only",
    ("ore", "processed"): "ore and processed forms",
    ("processed", "product"): "processed forms and products",
    ("ore", "processed", "product"): "ore, processed forms and products",
    ("product",): "products only",
    ("ore", "product"): "ore and products",
}
NO_CODE = COVERAGE_LABELS[()]


class Coverage(Model):
    mineral: Annotated[str, Field(min_length=1)]
    forms: tuple[Form, ...]
    used_as_mined: StrictBool = False
    not_covered: Annotated[str, Field(min_length=1)] | None = None

    @field_validator("forms")
    @classmethod
    def _distinct(cls, forms: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(forms)) != len(forms):
            raise ValueError("a form is listed twice")
        return forms

    @field_validator("mineral")
    @classmethod
    def _known(cls, slug: str, info: ValidationInfo) -> str:
        minerals = (info.context or {}).get("minerals")
        if minerals is not None and slug not in minerals:
            raise ValueError(f"unknown mineral {slug!r} (not in minerals.yaml)")
        return slug

    @property
    def label(self) -> str:
        return COVERAGE_LABELS[tuple(f for f in FORMS if f in self.forms)]


class TradeCoverageFile(Model):
    schema_version: Literal[1]
    minerals: tuple[Coverage, ...]


@functools.cache
def _load(folder: Path) -> TradeCoverageFile:
    registry = {m.slug: m for m in load_registry(folder).minerals}
    data = load_yaml(
        TradeCoverageFile, folder / TRADE_COVERAGE_FILE, context={"minerals": set(registry)}
    )
    seen: set[str] = set()
    for i, entry in enumerate(data.minerals):
        where = f"minerals[{i}]"
        if entry.mineral in seen:
            raise ReferenceDataError(TRADE_COVERAGE_FILE, where, f"{entry.mineral} listed twice")
        seen.add(entry.mineral)
        hs = registry[entry.mineral].hs
        # The forms must say what the registry's codes hold, so the two files cannot disagree.
        if ("ore" in entry.forms) != bool(hs.ore):
            raise ReferenceDataError(
                TRADE_COVERAGE_FILE,
                f"{where}.forms",
                f"'ore' must be listed iff hs.ore has codes ({list(hs.ore)})",
            )
        if bool({"processed", "product"} & set(entry.forms)) != bool(hs.refined):
            raise ReferenceDataError(
                TRADE_COVERAGE_FILE,
                f"{where}.forms",
                f"'processed' or 'product' must be listed iff hs.refined has codes ({list(hs.refined)})",
            )
    missing = sorted(set(registry) - seen)
    if missing:
        raise ReferenceDataError(TRADE_COVERAGE_FILE, "minerals", f"no entry for {missing}")
    return data


def load_trade_coverage(folder: Path | str | None = None) -> tuple[Coverage, ...]:
    """The checked entries, one per mineral of the registry."""
    return _load(reference_folder(folder)).minerals


def trade_coverage_frame(folder: Path | str | None = None) -> pl.DataFrame:
    """One row per mineral: mineral, trade_coverage (label), covers_processed (the codes hold a
    processed form or product), used_as_mined, not_covered (null where nothing is missing)."""
    rows = [
        {
            "mineral": c.mineral,
            "trade_coverage": c.label,
            "covers_processed": bool({"processed", "product"} & set(c.forms)),
            "used_as_mined": c.used_as_mined,
            "not_covered": c.not_covered,
        }
        for c in load_trade_coverage(folder)
    ]
    schema = {
        "mineral": pl.String,
        "trade_coverage": pl.String,
        "covers_processed": pl.Boolean,
        "used_as_mined": pl.Boolean,
        "not_covered": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)
