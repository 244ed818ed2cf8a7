"""Pydantic models of the curated reference files: the vocabulary they share and one model per
file (``minerals.yaml``, ``groups.yaml``, ``sources.yaml``, ``corrections.yaml``,
and the rows of ``economies.csv`` and ``country_names.csv``).

A model states what one file may hold: every key known (``extra="forbid"``), URLs that parse,
ISO dates, closed vocabularies as literals, and the rules of a single entry (an excluded stage
needs a reason, ...). Rules that compare entries with each other or with another file are in
the loaders. Checks against another file read the sets it gives through the validation
context (``minerals``, ``economies``, ``countries``, ``hs6``), and are skipped without it.
The policy files' models are in :mod:`transforms.reference.policy_models`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    PlainValidator,
    RootModel,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationInfo,
    model_validator,
)

STAGES = ("mine", "refinery", "exclude")
HS_STAGES = ("ore", "refined")
UNIT_BASES = ("contained", "oxide_equivalent", "gross_weight", "volume")
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

# Content of a substance other than the mineral's own element, e.g. "content_of_k2o".
_CONTENT_OF = re.compile(r"^content_of_[a-z0-9_]+$")
_URL = re.compile(r"^https?://\S+$")
_HS6 = re.compile(r"^\d{6}$")
ODD_SPACES = re.compile("[\u00a0\u2007\u2009\u202f\ufeff]")


class Model(BaseModel):
    """A mapping of a reference file: unknown keys are refused, values are not changed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- shared value types --------------------------------------------------------------------


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must be non-empty text")
    return value


def _url(value: str) -> str:
    # The text is kept as written (HttpUrl would normalise it); HttpUrl only checks it parses.
    if not _URL.match(value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    HttpUrl(value)
    return value


def _iso_date(value: Any) -> dt.date:
    # YAML gives a date for an unquoted ISO date and text for a quoted one; nothing else
    # (pydantic would read a number as a Unix time).
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"must be an ISO date (YYYY-MM-DD), got {value!r}")


def _hs6(value: Any) -> str:
    if not isinstance(value, str) or not _HS6.match(value):
        raise ValueError(f"HS code {value!r} must be six digits in quotes")
    return value


def _scalar(value: Any) -> bool | int | float | str:
    # One validator rather than a union, so an error is one message, not one per branch.
    if not isinstance(value, bool | int | float | str):
        raise ValueError(f"must be text, a number or true/false, got {value!r}")
    return value


def _unit_basis(value: str) -> str:
    if value not in UNIT_BASES and not _CONTENT_OF.match(value):
        raise ValueError(
            f"unknown unit_basis {value!r} (expected one of {', '.join(UNIT_BASES)} or content_of_<x>)"
        )
    return value


def known(kind: str, what: str) -> AfterValidator:
    """The value must be in the context set ``kind`` (when the loader gives one)."""

    def check(value: Any, info: ValidationInfo) -> Any:
        members = (info.context or {}).get(kind)
        if members is not None and value not in members:
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


def unique(items: list[Any]) -> list[Any]:
    """Refuses a list that names an item twice."""
    seen: set[Any] = set()
    for index, item in enumerate(items):
        if item in seen:
            raise ValueError(f"[{index}] {item!r} is listed twice")
        seen.add(item)
    return items


Text = Annotated[str, AfterValidator(_text)]
Url = Annotated[str, AfterValidator(_url)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
Iso3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Hs6 = Annotated[str, BeforeValidator(_hs6)]
Share = Annotated[StrictFloat, Field(ge=0, le=1)]
Number = Annotated[StrictFloat, Field(ge=0)]
PositiveInt = Annotated[StrictInt, Field(gt=0)]
Scalar = Annotated[bool | int | float | str, PlainValidator(_scalar)]
RegistryMineral = Annotated[str, known("minerals", "a mineral of the registry (minerals.yaml)")]
RegistryHs6 = Annotated[Hs6, known("hs6", "a HS92 code of the mineral registry")]


# --- minerals.yaml -------------------------------------------------------------------------

Stage = Literal["mine", "refinery", "exclude"]
UnitBasis = Annotated[str, AfterValidator(_unit_basis)]
UsgsCode = Annotated[str, Field(pattern=r"^[a-z][a-z-]*$")]


class _Basis(Model):
    """What every mapping of an upstream row says besides its stage and product; the field
    named by ``stage_field`` holds the stage it maps to: a kept stage needs a unit basis, an
    excluded one a reason."""

    stage_field: ClassVar[str] = "stage"

    unit_basis: UnitBasis | None = None
    basis_detail: Text | None = None
    note: Text | None = None
    reason: Text | None = None

    @model_validator(mode="after")
    def _stage_rule(self) -> _Basis:
        stage = getattr(self, self.stage_field)
        if stage == "exclude" and not self.reason:
            raise ValueError("stage 'exclude' needs a reason")
        if stage != "exclude" and self.unit_basis is None:
            raise ValueError(f"stage {stage!r} needs a unit_basis")
        return self


class StageEntry(_Basis):
    """How one upstream row type maps: stage, unit basis, product."""

    stage: Stage
    product: Text | None = None


class WmdEntry(StageEntry):
    commodity: Text


class Usgs2026Row(_Basis):
    """A ``stage``/``product`` pair of the MCS 2026 world table and what it maps to."""

    stage_field: ClassVar[str] = "maps_to"

    stage: str
    product: str
    maps_to: Stage
    product_label: Text | None = None


class Usgs2026(Model):
    commodity: Text
    rows: Annotated[list[Usgs2026Row], Field(min_length=1)]


class HsCodes(Model):
    ore: list[Hs6]
    refined: list[Hs6]
    note: Text | None = None


class Lists(Model):
    eu_crm_2023: StrictBool
    eu_strategic_2023: StrictBool
    usgs_critical_2022: StrictBool


class EolRir(Model):
    value: Share
    scrreen_row: Text
    reference: Url | None = None
    note: Text | None = None


class ProductionProxy(Model):
    """Where a downstream product's production is read from when no source publishes it: a
    stage of another registry mineral in one source, shown under ``label`` (never as the
    product's own production)."""

    source: Literal["iea"]
    of_mineral: RegistryMineral
    stage: Literal["mine", "refinery"]
    label: Text


class Mineral(Model):
    slug: Slug
    name: Text
    usgs_code: UsgsCode | None
    usgs_types: dict[UsgsCode, Annotated[dict[Text, StageEntry], Field(min_length=1)]]
    usgs2026_commodity: Usgs2026 | None
    wmd_commodity: list[WmdEntry]
    hs: HsCodes
    lists: Lists
    eol_rir: EolRir | None
    sources: Annotated[list[Text], Field(min_length=1)]
    note: Text | None = None
    # A downstream product (e.g. magnets of rare earths): the mineral it is made from, its own
    # HS codes — outside BACI's subset, so not under ``hs`` and never read as BACI trade — and
    # the proxy its production is shown by.
    downstream_of: RegistryMineral | None = None
    product_hs6: Annotated[list[Hs6], AfterValidator(unique)] = Field(default_factory=list)
    production_proxy: ProductionProxy | None = None

    @model_validator(mode="after")
    def _downstream(self) -> Mineral:
        if self.downstream_of is None and (self.product_hs6 or self.production_proxy):
            raise ValueError("product_hs6 and production_proxy go with downstream_of")
        if self.downstream_of == self.slug:
            raise ValueError("downstream_of names the entry itself")
        return self

    @model_validator(mode="after")
    def _principal_code(self) -> Mineral:
        if self.usgs_code is None and self.usgs_types:
            raise ValueError("usgs_types given but usgs_code is null")
        if self.usgs_code is not None and self.usgs_code not in self.usgs_types:
            raise ValueError(f"usgs_code {self.usgs_code!r} is not a key of usgs_types")
        return self


class Citation(Model):
    citation: Text
    url: Url


class MineralsFile(Model):
    schema_version: Literal[1]
    sources: Annotated[dict[str, Citation], Field(min_length=1)]
    minerals: Annotated[list[Mineral], Field(min_length=1)]


# --- economies.csv and country_names.csv (one row each) --------------------------------------


class EconomyRow(Model):
    iso3: Iso3
    name: Text
    is_eu27: Literal["true", "false"]
    is_g7: Literal["true", "false"]
    is_alliance_core: Literal["true", "false"]
    is_msp: Literal["true", "false"]
    note: str | None


def _plain_name(value: str) -> str:
    if not value or value != value.strip() or ODD_SPACES.search(value):
        raise ValueError("name must be non-empty, trimmed, plain spaces")
    return value


class CountryNameRow(Model):
    source: Literal["usgs", "usgs2026", "baci", "wmd", "wgi", "any"]
    name: Annotated[str, AfterValidator(_plain_name)]
    kind: Literal["economy", "aggregate"]
    code: str | None
    note: str | None


# --- groups.yaml -----------------------------------------------------------------------------


class Group(Model):
    name: Text
    members: Annotated[list[Iso3], AfterValidator(unique)]
    include: list[str] = Field(default_factory=list)
    as_of: Text | None = None
    note: Text | None = None
    source: Text | None = None


class GroupsFile(Model):
    schema_version: Literal[1]
    groups: Annotated[dict[str, Group], Field(min_length=1)]


# --- sources.yaml ------------------------------------------------------------------------------


class Origin(Model):
    """The origin record of one upstream source, copied into its snapshot manifest."""

    publisher: Text
    title: Text
    url: Url
    doi: list[Url]
    licence: Text
    citation: Text
    date_accessed: IsoDate | None
    notes: str


class SourcesFile(RootModel[dict[str, Origin]]):
    pass


# --- corrections.yaml --------------------------------------------------------------------------


class RowCorrection(Model):
    """A fix to snapshot rows: drop them, or set columns to new values."""

    table: Text
    where: Annotated[dict[str, Scalar], Field(min_length=1)]
    action: Literal["drop", "set"]
    set: Annotated[dict[str, Scalar], Field(min_length=1)] | None = None
    reason: Text

    @model_validator(mode="after")
    def _set_goes_with_action(self) -> RowCorrection:
        if (self.action == "set") != (self.set is not None):
            raise ValueError("a 'set' mapping goes with action 'set', and only with it")
        return self


class AcceptedDiscrepancy(Model):
    """A check result outside its tolerance, kept as published for a documented reason."""

    check: Text
    key: Annotated[dict[str, Scalar], Field(min_length=1)]
    reason: Text


class CorrectionsFile(Model):
    rows: list[RowCorrection] = Field(default_factory=list)
    accepted: list[AcceptedDiscrepancy] = Field(default_factory=list)
