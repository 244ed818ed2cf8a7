"""Curated policy tables: scenario parameters, stockpile programmes, price floors and offtake
agreements, and China's export controls (the YAML files in ``data/reference/policy``).

The files are hand-curated data with a source for every row. This module loads them, checks
them and offers them as frames or small dataclasses. The rules it enforces:

- every row names its sources (``source_urls``, http or https), or says ``verified: false``
  and explains why in ``note``;
- a figure a source does not give stays null, and its note says "not published": nothing is
  estimated in these files;
- minerals are registry slugs, economies are ISO3 codes of ``economies.csv`` (or ``EU27``),
  HS92 codes are codes of the mineral registry, dates are ISO dates.

A broken file raises :class:`transforms.reference.ReferenceDataError` naming the file and the
entry. Pure functions: no I/O beyond reading these files.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from transforms import reference
from transforms.reference import ReferenceDataError

POLICY_DIR = reference.REFERENCE_DIR / "policy"

PARAMETERS_FILE = "parameters.yaml"
STOCKPILES_FILE = "stockpiles.yaml"
PRICE_FLOORS_FILE = "price_floors.yaml"
EXPORT_CONTROLS_FILE = "export_controls.yaml"

STAGES = ("mine", "refinery")
#: How a price floor's covered volume is counted (a number instead means fixed tonnes a year).
COVERED_NON_CHINA_IMPORTS = "non_china_imports"
PRICE_UNITS = ("usd_per_t", "usd_per_troy_oz")
MEASURES = ("licence", "destination_ban", "extraterritorial")
PROGRAMME_STATUSES = ("operating", "announced", "planned")
NOT_PUBLISHED = "not published"
#: Codes a policy row may use for a country besides ISO3 economies.
BLOC_COUNTRY_CODES = ("EU27",)

_URL = re.compile(r"^https?://\S+$")
_HS6 = re.compile(r"^\d{6}$")
_HS_NATIONAL = re.compile(r"^\d{6,10}$")


# --- shared checks ---------------------------------------------------------------------------


def _read(directory: Path, name: str) -> dict[str, Any]:
    path = directory / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReferenceDataError(name, "file", f"not found in {directory}") from exc
    except yaml.YAMLError as exc:
        raise ReferenceDataError(name, "file", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ReferenceDataError(name, "file", "top level must be a mapping")
    if data.get("schema_version") != 1:
        raise ReferenceDataError(name, "schema_version", "must be 1")
    return data


def _keys(file: str, entry: str, data: Any, allowed: set[str], required: set[str]) -> None:
    if not isinstance(data, dict):
        raise ReferenceDataError(file, entry, "must be a mapping")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ReferenceDataError(file, entry, f"unknown key(s) {unknown}")
    missing = sorted(required - set(data))
    if missing:
        raise ReferenceDataError(file, entry, f"missing key(s) {missing}")


def _text(file: str, entry: str, value: Any, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ReferenceDataError(file, entry, f"must be non-empty text, got {value!r}")
    return value


def _number(file: str, entry: str, value: Any, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ReferenceDataError(file, entry, f"must be a number >= 0, got {value!r}")
    return float(value)


def _date(file: str, entry: str, value: Any, *, optional: bool = False) -> dt.date | None:
    if value is None and optional:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ReferenceDataError(file, entry, f"must be an ISO date (YYYY-MM-DD), got {value!r}")


def _urls(file: str, entry: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ReferenceDataError(file, entry, "must be a list of URLs")
    for url in value:
        if not isinstance(url, str) or not _URL.match(url):
            raise ReferenceDataError(file, entry, f"{url!r} is not an http(s) URL")
    return list(value)


def _sourced(
    file: str, entry: str, row: dict[str, Any], url_keys: Iterable[str]
) -> tuple[list[str], bool]:
    """Every row cites a URL, or is marked ``verified: false`` with a note saying why."""
    urls: list[str] = []
    for key in url_keys:
        value = row.get(key)
        urls += _urls(file, f"{entry}.{key}", [value] if isinstance(value, str) else value)
    verified = row.get("verified")
    if not isinstance(verified, bool):
        raise ReferenceDataError(file, f"{entry}.verified", "must be true or false")
    note = _text(file, f"{entry}.note", row.get("note"))
    if not verified and not note:
        raise ReferenceDataError(
            file, entry, "verified: false needs a note saying what is unconfirmed"
        )
    if not urls and verified:
        raise ReferenceDataError(
            file, entry, "has no source URL: cite one or mark it verified: false with a note"
        )
    if not urls and not note:
        raise ReferenceDataError(file, entry, "has neither a source URL nor a note")
    return urls, verified


def _figure(file: str, entry: str, value: Any, note: Any) -> float | None:
    """A figure is a number, or null with a note that says it is not published."""
    number = _number(file, entry, value, optional=True)
    if number is None:
        text = _text(file, f"{entry} note", note)
        if not text or NOT_PUBLISHED not in text.lower():
            raise ReferenceDataError(
                file,
                entry,
                f"is null: its note must say '{NOT_PUBLISHED}' (never estimate a figure here)",
            )
    return number


def _minerals(file: str, entry: str, value: Any, *, allow_empty: bool = False) -> list[str]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise ReferenceDataError(file, entry, "must be a non-empty list of mineral slugs")
    known = set(reference.minerals_frame()["slug"].to_list())
    unknown = [m for m in value if m not in known]
    if unknown:
        raise ReferenceDataError(file, entry, f"not in the mineral registry: {unknown}")
    return list(value)


def _mineral(file: str, entry: str, value: Any) -> str:
    return _minerals(file, entry, [value])[0]


def _country(file: str, entry: str, value: Any) -> str:
    known = set(reference.economies_frame()["iso3"].to_list()) | set(BLOC_COUNTRY_CODES)
    if value not in known:
        raise ReferenceDataError(
            file,
            entry,
            f"{value!r} is not an ISO3 economy of economies.csv or {BLOC_COUNTRY_CODES}",
        )
    return str(value)


def _stage(file: str, entry: str, value: Any) -> str:
    if value not in STAGES:
        raise ReferenceDataError(file, entry, f"stage {value!r} must be one of {STAGES}")
    return str(value)


def _registry_hs6(file: str, entry: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ReferenceDataError(file, entry, "must be a list of six-digit HS92 codes (quoted)")
    known = set(reference.hs_map_frame()["hs6"].to_list())
    for code in value:
        if not isinstance(code, str) or not _HS6.match(code):
            raise ReferenceDataError(file, entry, f"HS code {code!r} must be six digits in quotes")
        if code not in known:
            raise ReferenceDataError(
                file, entry, f"HS92 {code} is not a code of the mineral registry"
            )
    return list(value)


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


# --- parameters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceSeries:
    """The USGS salient price series used for one mineral and stage."""

    mineral: str
    stage: str
    statistics: tuple[str, ...]
    product: str
    matches_trade: bool
    unit: str = "usd_per_t"
    unit_factor: float = 1.0
    note: str | None = None


@dataclass(frozen=True)
class Benchmark:
    economy: str
    programme: str
    days: int
    what: str
    source_url: str
    verified: bool
    note: str | None


@dataclass(frozen=True)
class AustraliaReserve:
    budget_aud: float
    minerals: tuple[str, ...]
    split_rule: str
    what: str
    source_urls: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class Parameters:
    aud_usd: float
    aud_usd_date: str
    aud_usd_source: str
    days_of_cover: tuple[int, ...]
    benchmarks: tuple[Benchmark, ...]
    australia_reserve: AustraliaReserve
    price_series: tuple[PriceSeries, ...]

    def price_series_frame(self) -> pl.DataFrame:
        return price_series_frame(self.price_series)

    def benchmarks_frame(self) -> pl.DataFrame:
        return benchmarks_frame(self.benchmarks)


_PRICE_KEYS = {
    "mineral",
    "stage",
    "statistics",
    "product",
    "matches_trade",
    "unit",
    "unit_factor",
    "note",
}


def _check_price_series(file: str, rows: Any) -> tuple[PriceSeries, ...]:
    if not isinstance(rows, list) or not rows:
        raise ReferenceDataError(file, "price_series", "must be a non-empty list")
    out: list[PriceSeries] = []
    seen: set[tuple[str, str]] = set()
    for index, row in enumerate(rows):
        entry = f"price_series[{index}]"
        _keys(
            file,
            entry,
            row,
            _PRICE_KEYS,
            {"mineral", "stage", "statistics", "product", "matches_trade"},
        )
        mineral = _mineral(file, f"{entry}.mineral", row["mineral"])
        stage = _stage(file, f"{entry}.stage", row["stage"])
        if (mineral, stage) in seen:
            raise ReferenceDataError(file, entry, f"duplicate mineral and stage {(mineral, stage)}")
        seen.add((mineral, stage))
        statistics = row["statistics"]
        if (
            not isinstance(statistics, list)
            or not statistics
            or not all(isinstance(s, str) and s for s in statistics)
        ):
            raise ReferenceDataError(
                file, f"{entry}.statistics", "must be a non-empty list of statistic names"
            )
        unit = row.get("unit", "usd_per_t")
        if unit not in PRICE_UNITS:
            raise ReferenceDataError(file, f"{entry}.unit", f"must be one of {PRICE_UNITS}")
        factor = _number(file, f"{entry}.unit_factor", row.get("unit_factor", 1.0))
        if not isinstance(row["matches_trade"], bool):
            raise ReferenceDataError(file, f"{entry}.matches_trade", "must be true or false")
        note = _text(file, f"{entry}.note", row.get("note"))
        # A converted unit or a price for another product than the traded one must be explained.
        if (factor != 1.0 or unit != "usd_per_t" or not row["matches_trade"]) and not note:
            raise ReferenceDataError(
                file, entry, "a unit_factor, a non-US$/t unit or matches_trade: false needs a note"
            )
        out.append(
            PriceSeries(
                mineral=mineral,
                stage=stage,
                statistics=tuple(statistics),
                product=_text(file, f"{entry}.product", row["product"], optional=False) or "",
                matches_trade=row["matches_trade"],
                unit=unit,
                unit_factor=factor or 0.0,
                note=note,
            )
        )
    return tuple(out)


def _check_parameters(directory: Path) -> Parameters:
    file = PARAMETERS_FILE
    data = _read(directory, file)
    _keys(
        file,
        "file",
        data,
        {
            "schema_version",
            "aud_usd",
            "days_of_cover",
            "benchmarks",
            "australia_reserve",
            "price_series",
        },
        {
            "schema_version",
            "aud_usd",
            "days_of_cover",
            "benchmarks",
            "australia_reserve",
            "price_series",
        },
    )

    rate = data["aud_usd"]
    _keys(
        file,
        "aud_usd",
        rate,
        {"value", "date", "what", "source_url", "verified", "note"},
        {"value", "date", "source_url", "verified"},
    )
    value = _number(file, "aud_usd.value", rate["value"])
    if not value or not 0.2 < value < 2.0:
        raise ReferenceDataError(
            file, "aud_usd.value", f"{value!r} is not a plausible US$ per A$ rate"
        )
    rate_date = _date(file, "aud_usd.date", rate["date"])
    urls, _ = _sourced(file, "aud_usd", rate, ["source_url"])

    days = data["days_of_cover"]
    _keys(file, "days_of_cover", days, {"values", "note"}, {"values"})
    values = days["values"]
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in values)
    ):
        raise ReferenceDataError(
            file, "days_of_cover.values", "must be a non-empty list of positive whole days"
        )

    benchmarks = []
    for index, row in enumerate(data["benchmarks"] or []):
        entry = f"benchmarks[{index}]"
        _keys(
            file,
            entry,
            row,
            {"economy", "programme", "days", "what", "source_url", "verified", "note"},
            {"economy", "programme", "days", "what", "source_url", "verified"},
        )
        bench_urls, verified = _sourced(file, entry, row, ["source_url"])
        if not isinstance(row["days"], int) or isinstance(row["days"], bool) or row["days"] <= 0:
            raise ReferenceDataError(
                file, f"{entry}.days", "must be a positive whole number of days"
            )
        benchmarks.append(
            Benchmark(
                economy=_country(file, f"{entry}.economy", row["economy"]),
                programme=_text(file, f"{entry}.programme", row["programme"], optional=False) or "",
                days=row["days"],
                what=_text(file, f"{entry}.what", row["what"], optional=False) or "",
                source_url=bench_urls[0] if bench_urls else "",
                verified=verified,
                note=row.get("note"),
            )
        )

    reserve = data["australia_reserve"]
    _keys(
        file,
        "australia_reserve",
        reserve,
        {
            "budget_aud",
            "minerals",
            "split_rule",
            "what",
            "source_url",
            "source_urls",
            "verified",
            "note",
        },
        {"budget_aud", "minerals", "split_rule", "what", "verified"},
    )
    reserve_urls, _ = _sourced(file, "australia_reserve", reserve, ["source_url", "source_urls"])
    if reserve["split_rule"] != "equal":
        raise ReferenceDataError(
            file, "australia_reserve.split_rule", "only 'equal' is implemented"
        )

    return Parameters(
        aud_usd=value,
        aud_usd_date=rate_date.isoformat() if rate_date else "",
        aud_usd_source=urls[0],
        days_of_cover=tuple(values),
        benchmarks=tuple(benchmarks),
        australia_reserve=AustraliaReserve(
            budget_aud=_number(file, "australia_reserve.budget_aud", reserve["budget_aud"]) or 0.0,
            minerals=tuple(_minerals(file, "australia_reserve.minerals", reserve["minerals"])),
            split_rule=reserve["split_rule"],
            what=_text(file, "australia_reserve.what", reserve["what"], optional=False) or "",
            source_urls=tuple(dict.fromkeys(reserve_urls)),
            note=reserve.get("note"),
        ),
        price_series=_check_price_series(file, data["price_series"]),
    )


def price_series_frame(series: Iterable[PriceSeries]) -> pl.DataFrame:
    """One row per (mineral, stage, statistic) with its priority (0 = first choice)."""
    rows = [
        {
            "mineral": s.mineral,
            "stage": s.stage,
            "statistic": statistic,
            "priority": priority,
            "unit": s.unit,
            "unit_factor": s.unit_factor,
            "price_product": s.product,
            "price_matches_trade": s.matches_trade,
        }
        for s in series
        for priority, statistic in enumerate(s.statistics)
    ]
    schema = {
        "mineral": pl.Utf8,
        "stage": pl.Utf8,
        "statistic": pl.Utf8,
        "priority": pl.Int32,
        "unit": pl.Utf8,
        "unit_factor": pl.Float64,
        "price_product": pl.Utf8,
        "price_matches_trade": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema)


def benchmarks_frame(benchmarks: Iterable[Benchmark]) -> pl.DataFrame:
    rows = [{"economy": b.economy, "programme": b.programme, "days": b.days} for b in benchmarks]
    return pl.DataFrame(rows, schema={"economy": pl.Utf8, "programme": pl.Utf8, "days": pl.Int32})


# --- price floors and offtake agreements -----------------------------------------------------

_FLOOR_KEYS = {
    "id",
    "parties",
    "country",
    "mineral",
    "stage",
    "product",
    "floor_usd_per_t",
    "floor_as_published",
    "term",
    "date_announced",
    "covered",
    "hs6",
    "price_statistics",
    "price_product",
    "source_urls",
    "verified",
    "note",
}
_OFFTAKE_KEYS = {
    "id",
    "parties",
    "country",
    "mineral",
    "product",
    "volume_t_per_year",
    "volume_note",
    "term",
    "date_announced",
    "source_urls",
    "verified",
    "note",
}


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


def _check_price_floors(
    directory: Path,
) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    file = PRICE_FLOORS_FILE
    data = _read(directory, file)
    _keys(
        file,
        "file",
        data,
        {"schema_version", "price_floors", "offtake_agreements"},
        {"schema_version", "price_floors"},
    )
    floors = []
    ids: set[str] = set()
    for index, row in enumerate(data["price_floors"] or []):
        entry = f"price_floors[{index}]"
        _keys(
            file,
            entry,
            row,
            _FLOOR_KEYS,
            {
                "id",
                "parties",
                "country",
                "mineral",
                "product",
                "floor_usd_per_t",
                "covered",
                "verified",
            },
        )
        entry = f"price floor {row['id']!r}"
        if row["id"] in ids:
            raise ReferenceDataError(file, entry, "duplicate id")
        ids.add(row["id"])
        urls, verified = _sourced(file, entry, row, ["source_urls"])
        try:
            parse_covered(row["covered"])
        except ValueError as exc:
            raise ReferenceDataError(file, f"{entry}.covered", str(exc)) from None
        floors.append(
            {
                "floor_id": row["id"],
                "parties": _text(file, f"{entry}.parties", row["parties"], optional=False),
                "country": _country(file, f"{entry}.country", row["country"]),
                "mineral": _mineral(file, f"{entry}.mineral", row["mineral"]),
                "stage": _stage(file, f"{entry}.stage", row["stage"]) if row.get("stage") else None,
                "product": _text(file, f"{entry}.product", row["product"], optional=False),
                "floor_usd_per_t": _figure(
                    file, f"{entry}.floor_usd_per_t", row["floor_usd_per_t"], row.get("note")
                ),
                "floor_as_published": row.get("floor_as_published"),
                "term": row.get("term"),
                "date_announced": _date(
                    file, f"{entry}.date_announced", row.get("date_announced"), optional=True
                ),
                "covered": str(row["covered"]),
                "hs6": tuple(_registry_hs6(file, f"{entry}.hs6", row.get("hs6") or [])),
                "price_statistics": tuple(row.get("price_statistics") or ()),
                "price_product": row.get("price_product"),
                "source_urls": tuple(urls),
                "verified": verified,
                "note": row.get("note"),
            }
        )
    offtakes = []
    for index, row in enumerate(data.get("offtake_agreements") or []):
        entry = f"offtake_agreements[{index}]"
        _keys(
            file,
            entry,
            row,
            _OFFTAKE_KEYS,
            {"id", "parties", "country", "mineral", "product", "volume_t_per_year", "verified"},
        )
        entry = f"offtake {row['id']!r}"
        if row["id"] in ids:
            raise ReferenceDataError(file, entry, "duplicate id")
        ids.add(row["id"])
        urls, verified = _sourced(file, entry, row, ["source_urls"])
        offtakes.append(
            {
                "agreement_id": row["id"],
                "parties": _text(file, f"{entry}.parties", row["parties"], optional=False),
                "country": _country(file, f"{entry}.country", row["country"]),
                "mineral": _mineral(file, f"{entry}.mineral", row["mineral"]),
                "product": _text(file, f"{entry}.product", row["product"], optional=False),
                "volume_t_per_year": _figure(
                    file,
                    f"{entry}.volume_t_per_year",
                    row["volume_t_per_year"],
                    row.get("volume_note"),
                ),
                "volume_note": row.get("volume_note"),
                "term": row.get("term"),
                "date_announced": _date(
                    file, f"{entry}.date_announced", row.get("date_announced"), optional=True
                ),
                "source_urls": tuple(urls),
                "verified": verified,
                "note": row.get("note"),
            }
        )
    return tuple(floors), tuple(offtakes)


def default_price_floors(directory: Path | str | None = None) -> tuple[PriceFloor, ...]:
    """The documented floors of ``price_floors.yaml`` as scenario inputs."""
    floors, _ = _load(_dir(directory)).price_floors
    return tuple(
        PriceFloor(
            floor_id=f["floor_id"],
            mineral=f["mineral"],
            floor_usd_per_t=f["floor_usd_per_t"],
            covered=f["covered"],
            stage=f["stage"],
            hs6=f["hs6"],
            price_statistics=f["price_statistics"],
            floor_product=f["product"],
            price_product=f["price_product"],
            origin=f"documented ({PRICE_FLOORS_FILE}: {f['floor_id']})",
        )
        for f in floors
        if f["floor_usd_per_t"] is not None
    )


def floors_frame(floors: Sequence[PriceFloor]) -> pl.DataFrame:
    """Price floors as the frame ``scenarios.scenario_price_floor`` takes; checks each floor."""
    known = set(reference.minerals_frame()["slug"].to_list())
    rows = []
    for floor in floors:
        if floor.mineral not in known:
            raise ValueError(
                f"price floor {floor.floor_id!r}: mineral {floor.mineral!r} is not in the registry"
            )
        if floor.stage is not None and floor.stage not in STAGES:
            raise ValueError(
                f"price floor {floor.floor_id!r}: stage {floor.stage!r} must be one of {STAGES}"
            )
        if not floor.floor_usd_per_t >= 0:
            raise ValueError(f"price floor {floor.floor_id!r}: floor_usd_per_t must be >= 0")
        kind, tonnes = parse_covered(floor.covered)
        rows.append(
            {
                "floor_id": floor.floor_id,
                "mineral": floor.mineral,
                "stage": floor.stage,
                "floor_usd_per_t": float(floor.floor_usd_per_t),
                "covered_kind": kind,
                "covered_fixed_t": tonnes,
                "hs6": ",".join(floor.hs6) or None,
                # USGS 2026 statistic names contain commas: one name a line.
                "price_statistics": "\n".join(floor.price_statistics) or None,
                "floor_product": floor.floor_product,
                "price_product": floor.price_product,
                "origin": floor.origin,
            }
        )
    ids = [r["floor_id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise ValueError(f"price floors: duplicate floor_id in {ids}")
    schema = {
        "floor_id": pl.Utf8,
        "mineral": pl.Utf8,
        "stage": pl.Utf8,
        "floor_usd_per_t": pl.Float64,
        "covered_kind": pl.Utf8,
        "covered_fixed_t": pl.Float64,
        "hs6": pl.Utf8,
        "price_statistics": pl.Utf8,
        "floor_product": pl.Utf8,
        "price_product": pl.Utf8,
        "origin": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)


def price_floors_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """The curated price-floor agreements, one row each (lists joined with ', ')."""
    floors, _ = _load(_dir(directory)).price_floors
    return _frame(
        floors, {"floor_usd_per_t": pl.Float64, "date_announced": pl.Date, "verified": pl.Boolean}
    )


def offtake_agreements_frame(directory: Path | str | None = None) -> pl.DataFrame:
    _, offtakes = _load(_dir(directory)).price_floors
    return _frame(
        offtakes,
        {"volume_t_per_year": pl.Float64, "date_announced": pl.Date, "verified": pl.Boolean},
    )


# --- stockpile programmes ----------------------------------------------------------------------

_PROGRAMME_KEYS = {
    "id",
    "country",
    "programme",
    "agency",
    "status",
    "budget",
    "target_days",
    "minerals",
    "minerals_note",
    "source_urls",
    "verified",
    "note",
}


def _check_stockpiles(directory: Path) -> tuple[dict[str, Any], ...]:
    file = STOCKPILES_FILE
    data = _read(directory, file)
    _keys(file, "file", data, {"schema_version", "programmes"}, {"schema_version", "programmes"})
    rows = []
    ids: set[str] = set()
    for index, row in enumerate(data["programmes"] or []):
        entry = f"programmes[{index}]"
        _keys(file, entry, row, _PROGRAMME_KEYS, _PROGRAMME_KEYS - {"minerals_note", "note"})
        entry = f"programme {row['id']!r}"
        if row["id"] in ids:
            raise ReferenceDataError(file, entry, "duplicate id")
        ids.add(row["id"])
        urls, verified = _sourced(file, entry, row, ["source_urls"])
        if row["status"] not in PROGRAMME_STATUSES:
            raise ReferenceDataError(
                file, f"{entry}.status", f"must be one of {PROGRAMME_STATUSES}"
            )
        budget = row["budget"]
        _keys(
            file,
            f"{entry}.budget",
            budget,
            {"value", "currency", "what", "note"},
            {"value", "currency"},
        )
        if budget["currency"] not in ("USD", "AUD", "EUR", "JPY", "KRW", "GBP", "CAD"):
            raise ReferenceDataError(
                file, f"{entry}.budget.currency", f"unknown currency {budget['currency']!r}"
            )
        target = row["target_days"]
        _keys(file, f"{entry}.target_days", target, {"value", "note"}, {"value"})
        minerals = row["minerals"]
        if minerals is None:
            _text(file, f"{entry}.minerals_note", row.get("minerals_note"), optional=False)
        rows.append(
            {
                "programme_id": row["id"],
                "country": _country(file, f"{entry}.country", row["country"]),
                "programme": _text(file, f"{entry}.programme", row["programme"], optional=False),
                "agency": _text(file, f"{entry}.agency", row["agency"], optional=False),
                "status": row["status"],
                "budget": _figure(file, f"{entry}.budget", budget["value"], budget.get("note")),
                "budget_currency": budget["currency"],
                "budget_what": budget.get("what"),
                "budget_note": budget.get("note"),
                "target_days": _figure(
                    file, f"{entry}.target_days", target["value"], target.get("note")
                ),
                "target_days_note": target.get("note"),
                "minerals": tuple(_minerals(file, f"{entry}.minerals", minerals))
                if minerals is not None
                else (),
                "minerals_note": row.get("minerals_note"),
                "source_urls": tuple(urls),
                "verified": verified,
                "note": row.get("note"),
            }
        )
    return tuple(rows)


def stockpiles_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """Stockpile programmes: country, agency, budget (+ currency), target days, minerals, sources."""
    return _frame(
        _load(_dir(directory)).stockpiles,
        {"budget": pl.Float64, "target_days": pl.Float64, "verified": pl.Boolean},
    )


# --- export controls ---------------------------------------------------------------------------

_EVENT_KEYS = {
    "id",
    "announcement",
    "issuers",
    "number",
    "number_year",
    "date_announced",
    "date_effective",
    "measure",
    "target",
    "minerals",
    "items",
    "hs_published",
    "hs92",
    "hs92_note",
    "official_url",
    "source_urls",
    "verified",
    "status_note",
    "note",
}


def _check_export_controls(directory: Path) -> tuple[dict[str, Any], ...]:
    file = EXPORT_CONTROLS_FILE
    data = _read(directory, file)
    _keys(file, "file", data, {"schema_version", "events"}, {"schema_version", "events"})
    economies = set(reference.economies_frame()["iso3"].to_list())
    rows = []
    ids: set[str] = set()
    for index, row in enumerate(data["events"] or []):
        entry = f"events[{index}]"
        _keys(
            file,
            entry,
            row,
            _EVENT_KEYS,
            _EVENT_KEYS - {"official_url", "status_note", "note", "hs92_note"},
        )
        entry = f"event {row['id']!r}"
        if row["id"] in ids:
            raise ReferenceDataError(file, entry, "duplicate id")
        ids.add(row["id"])
        _, verified = _sourced(file, entry, row, ["official_url", "source_urls"])
        announced = _date(file, f"{entry}.date_announced", row["date_announced"])
        effective = _date(file, f"{entry}.date_effective", row["date_effective"], optional=True)
        if effective is not None and announced is not None and effective < announced:
            raise ReferenceDataError(file, f"{entry}.date_effective", "is before the announcement")
        if effective is None and not row.get("status_note"):
            raise ReferenceDataError(
                file, entry, "date_effective null needs a status_note saying why"
            )
        if row["measure"] not in MEASURES:
            raise ReferenceDataError(file, f"{entry}.measure", f"must be one of {MEASURES}")
        target = row["target"]
        if target != "all" and (
            not isinstance(target, list) or not target or any(t not in economies for t in target)
        ):
            raise ReferenceDataError(
                file, f"{entry}.target", "must be 'all' or a list of ISO3 economies"
            )
        for key in ("number", "number_year"):
            if not isinstance(row[key], int) or isinstance(row[key], bool):
                raise ReferenceDataError(file, f"{entry}.{key}", "must be a whole number")
        published = row["hs_published"]
        if not isinstance(published, list) or any(
            not isinstance(c, str) or not _HS_NATIONAL.match(c) for c in published
        ):
            raise ReferenceDataError(
                file, f"{entry}.hs_published", "must be a list of quoted 6- to 10-digit codes"
            )
        hs92 = _registry_hs6(file, f"{entry}.hs92", row["hs92"])
        if not hs92:
            _text(file, f"{entry}.hs92_note", row.get("hs92_note"), optional=False)
        rows.append(
            {
                "event_id": row["id"],
                "announcement": _text(
                    file, f"{entry}.announcement", row["announcement"], optional=False
                ),
                "issuers": tuple(row["issuers"]),
                "number": row["number"],
                "number_year": row["number_year"],
                "date_announced": announced,
                "date_effective": effective,
                "measure": row["measure"],
                "target": "all" if target == "all" else tuple(target),
                "minerals": tuple(_minerals(file, f"{entry}.minerals", row["minerals"])),
                "items": _text(file, f"{entry}.items", row["items"], optional=False),
                "hs_published": tuple(published),
                "hs92": tuple(hs92),
                "hs92_note": row.get("hs92_note"),
                "official_url": row.get("official_url"),
                "source_urls": tuple(_urls(file, f"{entry}.source_urls", row["source_urls"])),
                "verified": verified,
                "status_note": row.get("status_note"),
                "note": row.get("note"),
            }
        )
    return tuple(rows)


def export_controls_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """China's export-control announcements, one row each; list fields joined with ', '."""
    return _frame(
        _load(_dir(directory)).export_controls,
        {
            "number": pl.Int32,
            "number_year": pl.Int16,
            "date_announced": pl.Date,
            "date_effective": pl.Date,
            "verified": pl.Boolean,
        },
    )


# --- loading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Policy:
    parameters: Parameters
    stockpiles: tuple[dict[str, Any], ...]
    price_floors: tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]
    export_controls: tuple[dict[str, Any], ...]


def _dir(directory: Path | str | None) -> Path:
    return POLICY_DIR if directory is None else Path(directory).resolve()


@functools.lru_cache(maxsize=8)
def _load(directory: Path) -> _Policy:
    return _Policy(
        parameters=_check_parameters(directory),
        stockpiles=_check_stockpiles(directory),
        price_floors=_check_price_floors(directory),
        export_controls=_check_export_controls(directory),
    )


def load_parameters(directory: Path | str | None = None) -> Parameters:
    """The documented scenario defaults of ``parameters.yaml``, checked."""
    return _load(_dir(directory)).parameters


def _frame(
    rows: Sequence[Mapping[str, Any]], dtypes: Mapping[str, pl.DataType | type]
) -> pl.DataFrame:
    """Rows to a frame: tuples become ', '-joined text so the tables export cleanly to CSV."""
    flat = [
        {k: ((", ".join(v) or None) if isinstance(v, tuple) else v) for k, v in row.items()}
        for row in rows
    ]
    if not flat:
        return pl.DataFrame()
    columns = list(flat[0])
    schema = {c: dtypes.get(c, pl.Utf8) for c in columns}
    return pl.DataFrame(flat, schema=schema)
