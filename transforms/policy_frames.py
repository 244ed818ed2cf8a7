"""The curated policy tables as polars frames: the scenario inputs (price series, benchmark
days, price floors) and the published tables (stockpile programmes, price-floor and offtake
agreements, export-control announcements).

The rows come checked from :mod:`transforms.reference.policy`; this module only lays them out
as the marts and the site take them. List fields of the published tables become text joined
with ", " so the tables export cleanly to CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel

from transforms.reference import policy
from transforms.reference.minerals import minerals_frame
from transforms.reference.policy_models import POLICY_STAGES, Programme, parse_covered


def price_series_frame(series: Iterable[policy.PriceSeries]) -> pl.DataFrame:
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


def benchmarks_frame(benchmarks: Iterable[policy.Benchmark]) -> pl.DataFrame:
    """The programmes' stockpile targets: economy, programme, days."""
    rows = [{"economy": b.economy, "programme": b.programme, "days": b.days} for b in benchmarks]
    return pl.DataFrame(rows, schema={"economy": pl.Utf8, "programme": pl.Utf8, "days": pl.Int32})


def floors_frame(floors: Sequence[policy.PriceFloor]) -> pl.DataFrame:
    """Price floors as the frame ``scenarios.scenario_price_floor`` takes; checks each floor
    (a user's floor comes from run config, not from the checked file)."""
    known = set(minerals_frame()["slug"].to_list())
    rows = []
    for floor in floors:
        if floor.mineral not in known:
            raise ValueError(
                f"price floor {floor.floor_id!r}: mineral {floor.mineral!r} is not in the registry"
            )
        if floor.stage is not None and floor.stage not in POLICY_STAGES:
            raise ValueError(
                f"price floor {floor.floor_id!r}: stage {floor.stage!r} must be one of {POLICY_STAGES}"
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
                "floor_name": floor.name or floor.floor_id,
                "covered_what": floor.covered_what,
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
        "floor_name": pl.Utf8,
        "covered_what": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)


def _table(
    rows: Iterable[BaseModel],
    columns: Sequence[str],
    derived: Callable[[Any], dict[str, Any]],
    dtypes: Mapping[str, pl.DataType | type],
) -> pl.DataFrame:
    """Checked rows to a frame of ``columns``, taken from the row's fields or, where named
    differently or flattened, from ``derived(row)``. Lists become ', '-joined text (null when
    empty), other columns are text unless ``dtypes`` says otherwise."""
    flat = []
    for row in rows:
        values = row.model_dump() | derived(row)
        flat.append(
            {
                c: (", ".join(values[c]) or None) if isinstance(values[c], list) else values[c]
                for c in columns
            }
        )
    if not flat:
        return pl.DataFrame()
    return pl.DataFrame(flat, schema={c: dtypes.get(c, pl.Utf8) for c in columns})


_PROGRAMME_COLUMNS = (
    "programme_id", "country", "programme", "agency", "status", "budget", "budget_kind",
    "budget_currency", "budget_year", "budget_what", "budget_note", "target_days",
    "target_days_note", "minerals", "minerals_note", "primary_urls", "primary_note",
    "source_urls", "verified", "note",
)  # fmt: skip
_FLOOR_COLUMNS = (
    "floor_id", "parties", "country", "mineral", "stage", "product", "floor_usd_per_t",
    "floor_as_published", "term", "date_announced", "covered", "hs6", "price_statistics",
    "price_product", "source_urls", "verified", "note",
)  # fmt: skip
_OFFTAKE_COLUMNS = (
    "agreement_id", "parties", "country", "mineral", "product", "volume_t_per_year",
    "volume_note", "term", "date_announced", "source_urls", "verified", "note",
)  # fmt: skip
_EVENT_COLUMNS = (
    "event_id", "announcement", "issuers", "number", "number_year", "date_announced",
    "date_effective", "date_scheduled", "measure", "target", "minerals", "items", "hs_published", "hs92",
    "hs92_note", "official_url", "source_urls", "verified", "status_note", "note",
)  # fmt: skip


@dataclass(frozen=True)
class _Published:
    """How one published policy table is laid out: its checked rows, columns, the columns
    taken from elsewhere than a same-named field (``derived``) and the non-text types."""

    rows: Callable[[Path | str | None], Iterable[BaseModel]]
    columns: Sequence[str]
    derived: Callable[[Any], dict[str, Any]]
    dtypes: Mapping[str, pl.DataType | type]

    def frame(self, directory: Path | str | None) -> pl.DataFrame:
        return _table(self.rows(directory), self.columns, self.derived, self.dtypes)


def _programme_fields(p: Programme) -> dict[str, Any]:
    return {
        "programme_id": p.id,
        "budget": p.budget.value,
        "budget_kind": p.budget.kind,
        "budget_currency": p.budget.currency,
        "budget_year": p.budget.year,
        "budget_what": p.budget.what,
        "budget_note": p.budget.note,
        "target_days": p.target_days.value,
        "target_days_note": p.target_days.note,
        "minerals": p.minerals or [],
    }


_STOCKPILES = _Published(
    policy.stockpile_programmes,
    _PROGRAMME_COLUMNS,
    _programme_fields,
    {
        "budget": pl.Float64,
        "budget_year": pl.Int16,
        "target_days": pl.Float64,
        "verified": pl.Boolean,
    },
)
_PRICE_FLOORS = _Published(
    policy.price_floors,
    _FLOOR_COLUMNS,
    lambda f: {"floor_id": f.id, "covered": str(f.covered)},
    {"floor_usd_per_t": pl.Float64, "date_announced": pl.Date, "verified": pl.Boolean},
)
_OFFTAKE = _Published(
    policy.offtake_agreements,
    _OFFTAKE_COLUMNS,
    lambda o: {"agreement_id": o.id},
    {"volume_t_per_year": pl.Float64, "date_announced": pl.Date, "verified": pl.Boolean},
)
_EXPORT_CONTROLS = _Published(
    policy.export_controls,
    _EVENT_COLUMNS,
    lambda e: {"event_id": e.id},
    {
        "number": pl.Int32,
        "number_year": pl.Int16,
        "date_announced": pl.Date,
        "date_effective": pl.Date,
        "date_scheduled": pl.Date,
        "verified": pl.Boolean,
    },
)
_CHANGE_COLUMNS = (
    "event_id", "change_date", "change_status", "until", "scope", "change_announcement",
    "change_number", "change_number_year", "change_urls", "change_verified", "change_note",
)  # fmt: skip
_CHANGE_DTYPES: Mapping[str, pl.DataType | type] = {
    "change_date": pl.Date,
    "until": pl.Date,
    "change_number": pl.Int32,
    "change_number_year": pl.Int16,
    "change_verified": pl.Boolean,
}


def stockpiles_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """Stockpile programmes: country, agency, budget (+ currency), target days, minerals, sources."""
    return _STOCKPILES.frame(directory)


def price_floors_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """The curated price-floor agreements, one row each."""
    return _PRICE_FLOORS.frame(directory)


def offtake_agreements_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """The curated offtake agreements, one row each."""
    return _OFFTAKE.frame(directory)


def export_controls_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """China's export-control announcements, one row each."""
    return _EXPORT_CONTROLS.frame(directory)


def export_control_changes_frame(directory: Path | str | None = None) -> pl.DataFrame:
    """The later announcements that suspended or lifted a measure: one row per change, with the
    event it changed (``event_id``), in the file's order."""
    rows = [
        {
            "event_id": event.id,
            "change_date": change.date,
            "change_status": change.status,
            "until": change.until,
            "scope": change.scope,
            "change_announcement": change.announcement,
            "change_number": change.number,
            "change_number_year": change.number_year,
            "change_urls": ", ".join(change.source_urls) or None,
            "change_verified": change.verified,
            "change_note": change.note,
        }
        for event in policy.export_controls(directory)
        for change in event.changes
    ]
    return pl.DataFrame(rows, schema={c: _CHANGE_DTYPES.get(c, pl.Utf8) for c in _CHANGE_COLUMNS})
