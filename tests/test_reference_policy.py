"""Tests of the policy files' loader (transforms.reference.policy) and their frames
(transforms.policy_frames): the real files load into frames of the documented columns, and a
broken row in any file raises ReferenceDataError naming the file and the key path, one test
per rule of transforms.reference.policy_models.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pydantic
import pytest
import yaml

from transforms import policy_frames
from transforms.reference import ReferenceDataError, policy

PARAMETERS = policy.PARAMETERS_FILE
STOCKPILES = policy.STOCKPILES_FILE
FLOORS = policy.PRICE_FLOORS_FILE
CONTROLS = policy.EXPORT_CONTROLS_FILE


def test_every_verified_row_cites_a_source() -> None:
    for frame in (
        policy_frames.stockpiles_frame(),
        policy_frames.price_floors_frame(),
        policy_frames.export_controls_frame(),
    ):
        assert frame.height > 0
        assert frame.filter(pl.col("source_urls").is_null() & pl.col("verified")).height == 0


def test_frames_have_their_dtypes() -> None:
    events = policy_frames.export_controls_frame()
    assert events.schema["date_effective"] == pl.Date
    assert events.schema["number_year"] == pl.Int16
    assert policy_frames.stockpiles_frame().schema["budget"] == pl.Float64
    assert policy_frames.offtake_agreements_frame().schema["verified"] == pl.Boolean
    params = policy.load_parameters()
    series = policy_frames.price_series_frame(params.price_series)
    assert series.select("mineral", "stage", "statistic").is_duplicated().sum() == 0
    assert policy_frames.benchmarks_frame(params.benchmarks).schema["days"] == pl.Int32


def test_documented_floors_are_those_with_a_figure() -> None:
    documented = policy.default_price_floors()
    with_figure = policy_frames.price_floors_frame().filter(pl.col("floor_usd_per_t").is_not_null())
    assert [f.floor_id for f in documented] == with_figure["floor_id"].to_list()
    assert all(f.origin == f"documented ({FLOORS}: {f.floor_id})" for f in documented)


def test_price_series_built_in_code_are_validated_too() -> None:
    with pytest.raises(pydantic.ValidationError, match="needs a note"):
        policy.PriceSeries("graphite", "mine", ("Price",), "flake", True, unit_factor=2.0)
    with pytest.raises(pydantic.ValidationError, match="'mine' or 'refinery'"):
        policy.PriceSeries("graphite", "smelter", ("Price",), "flake", True)


# --- broken files ----------------------------------------------------------------------------


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(policy.POLICY_DIR, target)
    return target


def _edit(directory: Path, name: str, change: Callable[[Any], None]) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _set(*path: str | int, **changes: object) -> Callable[[Any], None]:
    """A change to the loaded YAML: update the mapping found at ``path`` with ``changes``."""

    def change(data: Any) -> None:
        for key in path:
            data = data[key]
        data.update(changes)

    return change


def _first_verified(rows: list[dict]) -> dict:
    return next(row for row in rows if row["verified"])


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        # Sourced: a verified row cites a URL; an unverified one says why in its note
        (
            STOCKPILES,
            _set("programmes", 0, source_urls=[], primary_urls=[], primary_note="none"),
            "programmes[0]: has no source URL",
        ),
        (
            STOCKPILES,
            _set("programmes", 0, primary_urls=[]),
            "programmes[0]: primary_urls: [] needs a primary_note",
        ),
        (
            STOCKPILES,
            _set("programmes", 0, "budget", year=None),
            "programmes[0].budget: a budget figure needs the year",
        ),
        (
            CONTROLS,
            _set("events", 6, date_effective="2025-10-10"),
            "events[6]: date_scheduled is for a measure",
        ),
        (
            CONTROLS,
            _set("events", 3, "changes", 0, verified=True),
            "events[3].changes[0]: no announcement number",
        ),
        (
            CONTROLS,
            _set("events", 3, "changes", 0, date="2024-01-01"),
            "events[3]: changes must be in date order",
        ),
        (
            CONTROLS,
            _set("events", 6, "changes", 0, until="2025-11-01"),
            "events[6].changes[0]: 'until' is not after",
        ),
        (CONTROLS, _set("events", 1, note=None), "events[1]: verified: false needs"),
        # published: a null figure's note says "not published"
        (
            STOCKPILES,
            _set("programmes", 1, "budget", note="secret"),
            "programmes[1].budget: budget is null: its note must say 'not published'",
        ),
        (
            STOCKPILES,
            _set("programmes", 0, "target_days", note="unknown"),
            "programmes[0].target_days: target_days is null",
        ),
        (
            FLOORS,
            _set("price_floors", 0, floor_usd_per_t=None),
            "price_floors[0]: floor_usd_per_t is null",
        ),
        (
            FLOORS,
            _set("offtake_agreements", 0, volume_note="tbc"),
            "offtake_agreements[0]: volume_t_per_year is null",
        ),
        # registry vocabulary, through the validation context
        (
            STOCKPILES,
            _set("programmes", 0, minerals=["unobtainium"]),
            "programmes[0].minerals[0]: 'unobtainium' is not a mineral of the registry",
        ),
        (
            STOCKPILES,
            _set("programmes", 0, country="EU28"),
            "programmes[0].country: 'EU28' is not an ISO3 economy",
        ),
        (
            CONTROLS,
            _set("events", 0, target=["EU27"]),
            "events[0].target: [0] 'EU27' is not an ISO3 economy",
        ),
        (
            CONTROLS,
            _set("events", 0, hs92=["999999"]),
            "events[0].hs92[0]: '999999' is not a HS92 code of the mineral registry",
        ),
        (
            CONTROLS,
            _set("events", 0, hs_published=["26171"]),
            "events[0].hs_published[0]: String should match pattern",
        ),
        # dates
        (
            CONTROLS,
            _set("events", 0, date_effective="2023-13-01"),
            "events[0].date_effective: must be an ISO date (YYYY-MM-DD), got '2023-13-01'",
        ),
        (
            CONTROLS,
            _set("events", 0, date_effective="2023-01-01"),
            "events[0]: date_effective is before the announcement",
        ),
        (
            CONTROLS,
            _set("events", 0, date_effective=None, status_note=None),
            "events[0]: date_effective null needs a status_note",
        ),
        (
            CONTROLS,
            _set("events", 0, hs92=[], hs92_note=None),
            "events[0]: hs92: [] needs a hs92_note",
        ),
        # URLs, literals, unknown keys, unique ids
        (
            CONTROLS,
            _set("events", 0, official_url="mofcom.gov.cn"),
            "events[0].official_url: 'mofcom.gov.cn' is not an http(s) URL",
        ),
        (
            CONTROLS,
            _set("events", 0, measure="tariff"),
            "events[0].measure: Input should be 'licence', 'destination_ban' or",
        ),
        (
            STOCKPILES,
            _set("programmes", 0, budget_usd=1),
            "programmes[0].budget_usd: Extra inputs are not permitted",
        ),
        (
            STOCKPILES,
            lambda d: d["programmes"][1].update(id=d["programmes"][0]["id"]),
            "programmes: [1] 'us-nds' is listed twice",
        ),
        (
            STOCKPILES,
            _set("programmes", 0, minerals=None, minerals_note=None),
            "programmes[0]: minerals: null needs a minerals_note",
        ),
        # price floors
        (
            FLOORS,
            _set("price_floors", 0, covered="lots"),
            "price_floors[0].covered: covered must be 'non_china_imports' or a number",
        ),
        (
            FLOORS,
            lambda d: d["offtake_agreements"][0].update(id=d["price_floors"][0]["id"]),
            "file: [1] 'dod-mp-ndpr-2025' is listed twice",
        ),
        # parameters
        (PARAMETERS, _set("aud_usd", value=65), "aud_usd: 65.0 is not a plausible"),
        (
            PARAMETERS,
            _set("price_series", 0, unit_factor=2),
            "price_series[0]: a unit_factor, a non-US$/t unit or matches_trade: false needs a note",
        ),
        (
            PARAMETERS,
            lambda d: d["price_series"].append(dict(d["price_series"][0])),
            "price_series: [",
        ),
        (
            PARAMETERS,
            _set("australia_reserve", split_rule="by_imports"),
            "australia_reserve.split_rule: Input should be 'equal'",
        ),
        (
            PARAMETERS,
            _set("days_of_cover", values=[30, 0]),
            "days_of_cover.values[1]: Input should be greater than 0",
        ),
    ],
)
def test_policy_loader_rejects_broken_rows(
    policy_copy: Path, name: str, change: Callable[[Any], None], message: str
) -> None:
    _edit(policy_copy, name, change)
    with pytest.raises(ReferenceDataError, match="^" + re.escape(f"{name}: {message}")):
        policy.load_parameters(policy_copy)


def test_unverified_row_without_url_is_accepted(policy_copy: Path) -> None:
    def change(data: dict) -> None:
        data["programmes"][0].update(
            source_urls=[],
            primary_urls=[],
            primary_note="none retrieved",
            verified=False,
            note="budget figure from a speech, not found in writing",
        )

    _edit(policy_copy, STOCKPILES, change)
    frame = policy_frames.stockpiles_frame(policy_copy)
    assert frame.filter(pl.col("programme_id") == "us-nds")["verified"].to_list() == [False]
