"""The curated policy files (``data/reference/policy``) loaded and checked: scenario
parameters, stockpile programmes, price floors and offtake agreements, China's export
controls.

Each file is validated by its model in :mod:`transforms.reference.policy_models`, with the
mineral registry, the economies and the registry's HS92 codes as context. All four files load
together, so any loader call reports a broken row in any of them. The frames built from them
are in :mod:`transforms.policy_frames`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from transforms.reference.countries import known_economies
from transforms.reference.files import REFERENCE_DIR, load_yaml
from transforms.reference.minerals import hs_map_frame, load_registry
from transforms.reference.policy_models import (
    BLOC_COUNTRY_CODES,
    COVERED_NON_CHINA_IMPORTS,
    Benchmark,
    ExportControl,
    ExportControlsFile,
    Offtake,
    ParametersFile,
    PriceFloorRow,
    PriceFloorsFile,
    PriceSeries,
    Programme,
    StockpilesFile,
)

__all__ = [
    "COVERED_NON_CHINA_IMPORTS",
    "EXPORT_CONTROLS_FILE",
    "PARAMETERS_FILE",
    "POLICY_DIR",
    "PRICE_FLOORS_FILE",
    "STOCKPILES_FILE",
    "AustraliaReserve",
    "Benchmark",
    "Parameters",
    "PriceFloor",
    "PriceSeries",
    "default_price_floors",
    "export_controls",
    "export_controls_checked_to",
    "load_parameters",
    "offtake_agreements",
    "price_floors",
    "stockpile_programmes",
]

POLICY_DIR = REFERENCE_DIR / "policy"

PARAMETERS_FILE = "parameters.yaml"
STOCKPILES_FILE = "stockpiles.yaml"
PRICE_FLOORS_FILE = "price_floors.yaml"
EXPORT_CONTROLS_FILE = "export_controls.yaml"


@dataclass(frozen=True)
class AustraliaReserve:
    budget_aud: float
    minerals: tuple[str, ...]
    split_rule: str
    what: str
    source_urls: tuple[str, ...]
    note: str | None
    note_budget_aud: float | None = None


@dataclass(frozen=True)
class Parameters:
    """The documented scenario defaults of ``parameters.yaml``."""

    aud_usd: float
    aud_usd_date: str
    aud_usd_source: str
    days_of_cover: tuple[int, ...]
    benchmarks: tuple[Benchmark, ...]
    australia_reserve: AustraliaReserve
    price_series: tuple[PriceSeries, ...]
    focus_minerals: tuple[str, ...] = ()
    min_china_imports_t: float = 0.0
    min_china_imports_usd: float = 0.0
    max_days: int = 36_500
    floor_uplifts: tuple[float, ...] = ()


@dataclass(frozen=True)
class PriceFloor:
    """A price floor the scenario back-tests: a documented one, or one a user configures."""

    floor_id: str
    mineral: str
    floor_usd_per_t: float
    covered: str = COVERED_NON_CHINA_IMPORTS
    stage: str | None = None
    hs6: tuple[str, ...] = ()
    price_statistics: tuple[str, ...] = ()
    floor_product: str | None = None
    price_product: str | None = None
    origin: str = "user"
    name: str | None = None
    covered_what: str | None = None


@dataclass(frozen=True)
class _Policy:
    parameters: ParametersFile
    stockpiles: StockpilesFile
    price_floors: PriceFloorsFile
    export_controls: ExportControlsFile


def _dir(directory: Path | str | None) -> Path:
    return POLICY_DIR if directory is None else Path(directory).resolve()


@functools.lru_cache(maxsize=8)
def _load(directory: Path) -> _Policy:
    economies = known_economies()
    context = {
        "minerals": {mineral.slug for mineral in load_registry().minerals},
        "economies": economies,
        "countries": economies | set(BLOC_COUNTRY_CODES),
        "hs6": set(hs_map_frame()["hs6"].to_list()),
    }
    return _Policy(
        parameters=load_yaml(ParametersFile, directory / PARAMETERS_FILE, context),
        stockpiles=load_yaml(StockpilesFile, directory / STOCKPILES_FILE, context),
        price_floors=load_yaml(PriceFloorsFile, directory / PRICE_FLOORS_FILE, context),
        export_controls=load_yaml(ExportControlsFile, directory / EXPORT_CONTROLS_FILE, context),
    )


def load_parameters(directory: Path | str | None = None) -> Parameters:
    """The documented scenario defaults of ``parameters.yaml``, checked."""
    data = _load(_dir(directory)).parameters
    reserve = data.australia_reserve
    reserve_urls = [reserve.source_url] if reserve.source_url else []
    return Parameters(
        aud_usd=data.aud_usd.value,
        aud_usd_date=data.aud_usd.date.isoformat(),
        aud_usd_source=data.aud_usd.source_url,
        days_of_cover=tuple(data.days_of_cover.values),
        benchmarks=tuple(data.benchmarks),
        australia_reserve=AustraliaReserve(
            budget_aud=reserve.budget_aud,
            minerals=tuple(reserve.minerals),
            split_rule=reserve.split_rule,
            what=reserve.what,
            source_urls=tuple(dict.fromkeys(reserve_urls + reserve.source_urls)),
            note=reserve.note,
            note_budget_aud=reserve.note_budget_aud,
        ),
        price_series=tuple(data.price_series),
        focus_minerals=tuple(data.focus_minerals),
        min_china_imports_t=float(data.thresholds.min_china_imports_t),
        min_china_imports_usd=float(data.thresholds.min_china_imports_usd),
        max_days=data.thresholds.max_days,
        floor_uplifts=tuple(data.floor_sensitivity.uplifts),
    )


def stockpile_programmes(directory: Path | str | None = None) -> tuple[Programme, ...]:
    """The stockpile programmes of ``stockpiles.yaml``, checked."""
    return tuple(_load(_dir(directory)).stockpiles.programmes)


def price_floors(directory: Path | str | None = None) -> tuple[PriceFloorRow, ...]:
    """The price-floor agreements of ``price_floors.yaml``, checked."""
    return tuple(_load(_dir(directory)).price_floors.price_floors)


def offtake_agreements(directory: Path | str | None = None) -> tuple[Offtake, ...]:
    """The offtake agreements of ``price_floors.yaml``, checked."""
    return tuple(_load(_dir(directory)).price_floors.offtake_agreements)


def export_controls(directory: Path | str | None = None) -> tuple[ExportControl, ...]:
    """China's export-control announcements of ``export_controls.yaml``, checked."""
    return tuple(_load(_dir(directory)).export_controls.events)


def export_controls_checked_to(directory: Path | str | None = None) -> dt.date:
    """The date up to which ``export_controls.yaml``'s sources were searched for suspensions
    and lifts: a status stated on a later date carries that caveat."""
    return _load(_dir(directory)).export_controls.checked_to


def default_price_floors(directory: Path | str | None = None) -> tuple[PriceFloor, ...]:
    """The documented floors of ``price_floors.yaml`` as scenario inputs."""
    return tuple(
        PriceFloor(
            floor_id=row.id,
            mineral=row.mineral,
            floor_usd_per_t=row.floor_usd_per_t,
            covered=str(row.covered),
            stage=row.stage,
            hs6=tuple(row.hs6),
            price_statistics=tuple(row.price_statistics),
            floor_product=row.product,
            price_product=row.price_product,
            origin=f"documented ({PRICE_FLOORS_FILE}: {row.id})",
            name=row.name,
            covered_what=row.covered_what,
        )
        for row in price_floors(directory)
        if row.floor_usd_per_t is not None
    )
