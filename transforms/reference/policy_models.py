"""Pydantic models of the curated policy files in ``data/reference/policy``: scenario
parameters, stockpile programmes, price floors and offtake agreements, China's export controls.

The rules every row follows (README.md beside the files):

- it names its sources (http(s) URLs), or says ``verified: false`` and explains why in ``note``
  (:class:`Sourced`);
- a figure a source does not give stays null, and its note says "not published": nothing is
  estimated in these files (:func:`published`);
- minerals are registry slugs, countries ISO3 economies of ``economies.csv`` (or ``EU27``),
  HS92 codes codes of the mineral registry, dates ISO dates (through the validation context,
  see :mod:`transforms.reference.models`).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationInfo,
    model_validator,
)
from pydantic.dataclasses import dataclass

from transforms.reference.models import (
    IsoDate,
    Model,
    Number,
    PositiveInt,
    RegistryHs6,
    RegistryMineral,
    Text,
    Url,
    known,
    unique,
)

#: How a price floor's covered volume is counted (a number instead means fixed tonnes a year).
COVERED_NON_CHINA_IMPORTS = "non_china_imports"
POLICY_STAGES = ("mine", "refinery")
PRICE_UNITS = ("usd_per_t", "usd_per_troy_oz")
MEASURES = ("licence", "destination_ban", "extraterritorial")
PROGRAMME_STATUSES = ("operating", "announced", "planned")
CURRENCIES = ("USD", "AUD", "EUR", "JPY", "KRW", "GBP", "CAD")
NOT_PUBLISHED = "not published"
#: Codes a policy row may use for a country besides ISO3 economies.
BLOC_COUNTRY_CODES = ("EU27",)

PolicyStage = Literal["mine", "refinery"]
Country = Annotated[
    str, known("countries", f"an ISO3 economy of economies.csv or one of {BLOC_COUNTRY_CODES}")
]
HsNational = Annotated[str, Field(pattern=r"^\d{6,10}$")]


def parse_covered(value: Any) -> tuple[str, float | None]:
    """How a price floor's volume is counted: ``non_china_imports``, or a fixed tonnage a year
    given as a number (or its text, as run config passes it). Returns (kind, tonnes)."""
    if value == COVERED_NON_CHINA_IMPORTS:
        return COVERED_NON_CHINA_IMPORTS, None
    try:
        tonnes = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"covered must be {COVERED_NON_CHINA_IMPORTS!r} or a number of tonnes a year, got {value!r}"
        ) from None
    if tonnes < 0 or tonnes != tonnes:
        raise ValueError(f"covered tonnes must be >= 0, got {value!r}")
    return "fixed", tonnes


def _covered(value: str | int | float) -> str | int | float:
    parse_covered(value)
    return value


Covered = Annotated[str | StrictInt | StrictFloat, AfterValidator(_covered)]


def _target(value: Any, info: ValidationInfo) -> str | list[str]:
    # One validator rather than a union, so an error names the code, not each union branch.
    if value == "all":
        return value
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f"must be 'all' or a non-empty list of ISO3 economies, got {value!r}")
    economies = (info.context or {}).get("economies")
    for index, code in enumerate(value):
        if economies is not None and code not in economies:
            raise ValueError(f"[{index}] {code!r} is not an ISO3 economy of economies.csv")
    return value


def published(what: str, value: float | None, note: str | None) -> None:
    """A figure is a number, or null with a note that says it is not published."""
    if value is None and NOT_PUBLISHED not in (note or "").lower():
        raise ValueError(
            f"{what} is null: its note must say '{NOT_PUBLISHED}' (never estimate a figure here)"
        )


class PublishedFigure(Model):
    """A row holding a figure that must be published (see :func:`published`); ``figure`` names
    it: (what an error calls it, the field of its value, the field of its note)."""

    figure: ClassVar[tuple[str, str, str]]

    @model_validator(mode="after")
    def _published(self) -> PublishedFigure:
        what, value, note = self.figure
        published(what, getattr(self, value), getattr(self, note))
        return self


def _unique_ids(rows: list[Any]) -> list[Any]:
    unique([row.id for row in rows])
    return rows


class Sourced(Model):
    """A row that cites a URL, or is marked ``verified: false`` with a note saying why."""

    #: The fields holding the row's source URLs (one URL or a list each).
    url_fields: ClassVar[tuple[str, ...]] = ("source_urls",)

    verified: StrictBool
    note: Text | None = None

    def urls(self) -> list[str]:
        found: list[str] = []
        for name in self.url_fields:
            value = getattr(self, name)
            found += [value] if isinstance(value, str) else list(value or [])
        return found

    @model_validator(mode="after")
    def _sourced(self) -> Sourced:
        if not self.verified and not self.note:
            raise ValueError("verified: false needs a note saying what is unconfirmed")
        if self.verified and not self.urls():
            raise ValueError("has no source URL: cite one or mark it verified: false with a note")
        return self


# --- parameters.yaml -----------------------------------------------------------------------------


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class PriceSeries:
    """The USGS salient price series used for one mineral and stage."""

    mineral: RegistryMineral
    stage: PolicyStage
    statistics: Annotated[tuple[Text, ...], Field(min_length=1)]
    product: Text
    matches_trade: StrictBool
    unit: Literal["usd_per_t", "usd_per_troy_oz"] = "usd_per_t"
    unit_factor: Number = 1.0
    note: Text | None = None

    @model_validator(mode="after")
    def _explained(self) -> PriceSeries:
        # A converted unit or a price for another product than the traded one must be explained.
        if (
            self.unit_factor != 1.0 or self.unit != "usd_per_t" or not self.matches_trade
        ) and not self.note:
            raise ValueError("a unit_factor, a non-US$/t unit or matches_trade: false needs a note")
        return self


class Rate(Sourced):
    url_fields: ClassVar[tuple[str, ...]] = ("source_url",)

    value: Annotated[StrictFloat, Field(gt=0)]
    date: IsoDate
    what: Text | None = None
    source_url: Url

    @model_validator(mode="after")
    def _plausible(self) -> Rate:
        if not 0.2 < self.value < 2.0:
            raise ValueError(f"{self.value!r} is not a plausible US$ per A$ rate")
        return self


class DaysOfCover(Model):
    values: Annotated[list[PositiveInt], Field(min_length=1)]
    note: Text | None = None


class Benchmark(Sourced):
    """A programme's stockpile target in days, shown beside the scenario's days of cover."""

    url_fields: ClassVar[tuple[str, ...]] = ("source_url",)

    economy: Country
    programme: Text
    days: PositiveInt
    what: Text
    source_url: Url


class AustraliaReserveRow(Sourced):
    url_fields: ClassVar[tuple[str, ...]] = ("source_url", "source_urls")

    budget_aud: Number
    minerals: Annotated[list[RegistryMineral], Field(min_length=1)]
    split_rule: Literal["equal"]  # the only rule the reserve-budget scenario implements
    what: Text
    # A second, smaller budget the briefing quotes in a note (what A$400m buys of each mineral).
    note_budget_aud: Number | None = None
    source_url: Url | None = None
    source_urls: list[Url] = Field(default_factory=list)


def _one_series_per_stage(series: list[PriceSeries]) -> list[PriceSeries]:
    unique([(s.mineral, s.stage) for s in series])
    return series


class ScenarioThresholds(Model):
    """Below these China-sourced imports a mineral's scenario is "not computable"."""

    min_china_imports_t: Annotated[StrictFloat | StrictInt, Field(ge=0)]
    min_china_imports_usd: Annotated[StrictFloat | StrictInt, Field(ge=0)]
    max_days: PositiveInt
    note: Text


class FloorSensitivity(Model):
    """Floors set this far above the recent market price, for the focus minerals."""

    uplifts: Annotated[list[Annotated[StrictFloat, Field(gt=0, le=5)]], Field(min_length=1)]
    note: Text


class ParametersFile(Model):
    schema_version: Literal[1]
    aud_usd: Rate
    days_of_cover: DaysOfCover
    benchmarks: list[Benchmark]
    australia_reserve: AustraliaReserveRow
    focus_minerals: Annotated[list[RegistryMineral], Field(min_length=1)]
    thresholds: ScenarioThresholds
    floor_sensitivity: FloorSensitivity
    price_series: Annotated[
        list[PriceSeries], Field(min_length=1), AfterValidator(_one_series_per_stage)
    ]


# --- stockpiles.yaml ----------------------------------------------------------------------------


#: What a programme's money figure is: funds allocated, or the value of the stocks it holds.
BUDGET_KINDS = ("budget", "inventory_value")


class Budget(PublishedFigure):
    """A programme's money figure: what it is (``kind``), in which currency, as of which year."""

    figure: ClassVar[tuple[str, str, str]] = ("budget", "value", "note")

    value: Number | None
    kind: Literal["budget", "inventory_value"]
    currency: Literal["USD", "AUD", "EUR", "JPY", "KRW", "GBP", "CAD"]
    #: The year of the money (current currency of that year); null with a null value.
    year: StrictInt | None = None
    what: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _dated(self) -> Budget:
        if self.value is not None and self.year is None:
            raise ValueError("a budget figure needs the year of its currency (year)")
        return self


class TargetDays(PublishedFigure):
    figure: ClassVar[tuple[str, str, str]] = ("target_days", "value", "note")

    value: Number | None
    note: Text | None = None


class Programme(Sourced):
    """A government stockpile programme. ``primary_urls`` are the government's or agency's own
    pages (or an official record of them); ``source_urls`` are secondary reports. Without a
    primary page, ``primary_note`` says why."""

    url_fields: ClassVar[tuple[str, ...]] = ("primary_urls", "source_urls")

    id: Text
    country: Country
    programme: Text
    agency: Text
    status: Literal["operating", "announced", "planned"]
    budget: Budget
    target_days: TargetDays
    minerals: Annotated[list[RegistryMineral], Field(min_length=1)] | None
    minerals_note: Text | None = None
    primary_urls: list[Url] = Field(default_factory=list)
    primary_note: Text | None = None
    source_urls: list[Url]

    @model_validator(mode="after")
    def _minerals_or_note(self) -> Programme:
        if self.minerals is None and not self.minerals_note:
            raise ValueError("minerals: null needs a minerals_note saying why")
        if not self.primary_urls and not self.primary_note:
            raise ValueError("primary_urls: [] needs a primary_note saying why none is cited")
        return self


class StockpilesFile(Model):
    schema_version: Literal[1]
    programmes: Annotated[list[Programme], AfterValidator(_unique_ids)]


# --- price_floors.yaml --------------------------------------------------------------------------


class _Agreement(Sourced):
    """Who agreed what on which mineral, when, for how long."""

    id: Text
    parties: Text
    country: Country
    mineral: RegistryMineral
    product: Text
    term: Text | None = None
    date_announced: IsoDate | None = None
    source_urls: list[Url] = Field(default_factory=list)


class PriceFloorRow(PublishedFigure, _Agreement):
    """A price-floor agreement; with a floor, also a default floor of the back-test."""

    figure: ClassVar[tuple[str, str, str]] = ("floor_usd_per_t", "floor_usd_per_t", "note")

    stage: PolicyStage | None = None
    floor_usd_per_t: Number | None
    floor_as_published: Text | None = None
    covered: Covered
    hs6: list[RegistryHs6] = Field(default_factory=list)
    price_statistics: list[Text] = Field(default_factory=list)
    price_product: Text | None = None
    # The floor's name as readers see it, and what a fixed covered tonnage is (with its source).
    name: Text | None = None
    covered_what: Text | None = None
    covered_source_url: Url | None = None


class Offtake(PublishedFigure, _Agreement):
    """An offtake agreement (a buyer's commitment to take a producer's output)."""

    figure: ClassVar[tuple[str, str, str]] = (
        "volume_t_per_year",
        "volume_t_per_year",
        "volume_note",
    )

    volume_t_per_year: Number | None
    volume_note: Text | None = None


class PriceFloorsFile(Model):
    schema_version: Literal[1]
    price_floors: list[PriceFloorRow]
    offtake_agreements: list[Offtake] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> PriceFloorsFile:
        unique([row.id for row in [*self.price_floors, *self.offtake_agreements]])
        return self


# --- export_controls.yaml -----------------------------------------------------------------------


#: What a later announcement did to a measure (the status logic: transforms.marts.events).
CHANGE_STATUSES = ("suspended", "lifted")


class StatusChange(Sourced):
    """A later announcement that suspended (until a date, or open-ended) or lifted a measure,
    or one part of it (``scope``). An unconfirmed announcement number stays null with
    ``verified: false`` and a note."""

    date: IsoDate
    status: Literal["suspended", "lifted"]
    until: IsoDate | None = None
    scope: Text | None = None
    announcement: Text
    number: StrictInt | None = None
    number_year: StrictInt | None = None
    source_urls: list[Url]

    @model_validator(mode="after")
    def _period(self) -> StatusChange:
        if self.until is not None and self.status != "suspended":
            raise ValueError("only a suspension has an 'until' date")
        if self.until is not None and self.until <= self.date:
            raise ValueError("'until' is not after the change's date")
        if (self.number is None) != (self.number_year is None):
            raise ValueError("number and number_year go together")
        if self.number is None and self.verified:
            raise ValueError("no announcement number: mark the change verified: false with a note")
        return self


class ExportControl(Sourced):
    """One announcement of an export control by China, and the later announcements that
    changed it (``changes``, in date order)."""

    url_fields: ClassVar[tuple[str, ...]] = ("official_url", "source_urls")

    id: Text
    announcement: Text
    issuers: list[Text]
    number: StrictInt
    number_year: StrictInt
    date_announced: IsoDate
    date_effective: IsoDate | None
    #: When a measure that never took effect was due to (null when it did, or none was set).
    date_scheduled: IsoDate | None = None
    measure: Literal["licence", "destination_ban", "extraterritorial"]
    target: Annotated[str | list[str], PlainValidator(_target)]
    minerals: Annotated[list[RegistryMineral], Field(min_length=1)]
    items: Text
    hs_published: list[HsNational]
    hs92: list[RegistryHs6]
    hs92_note: Text | None = None
    official_url: Url | None = None
    source_urls: list[Url]
    status_note: Text | None = None
    changes: list[StatusChange] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dates_and_codes(self) -> ExportControl:
        if self.date_effective is not None and self.date_effective < self.date_announced:
            raise ValueError("date_effective is before the announcement")
        if self.date_scheduled is not None and self.date_effective is not None:
            raise ValueError("date_scheduled is for a measure that never took effect")
        dates = [change.date for change in self.changes]
        if dates != sorted(dates) or (dates and dates[0] < self.date_announced):
            raise ValueError("changes must be in date order, from the announcement on")
        if self.date_effective is None and not self.status_note:
            raise ValueError("date_effective null needs a status_note saying why")
        if not self.hs92 and not self.hs92_note:
            raise ValueError("hs92: [] needs a hs92_note saying why no registry code applies")
        return self


class ExportControlsFile(Model):
    schema_version: Literal[1]
    #: The sources were searched for suspensions and lifts up to this date.
    checked_to: IsoDate
    events: Annotated[list[ExportControl], AfterValidator(_unique_ids)]
