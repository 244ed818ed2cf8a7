"""China's export-control events and the event study (the policy files' loader: test_reference_policy.py).

The event-study test runs on a small hand-made trade frame (values worked out by hand); the
export-control events are checked as the curated file publishes them.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tests._helpers import one, registry_frame
from tests.test_marts_scenarios import ALLIANCE, CHINA, _trade
from transforms import policy_frames
from transforms.marts import events, invariants

# --- event study -------------------------------------------------------------------------------


def _events(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (event_id, date_effective, hs92, hs92_note, target) as the curated events table."""
    columns = ("event_id", "date_effective", "hs92", "hs92_note", "target")
    return registry_frame("export_control_events", columns, rows)


def test_event_study_years_and_changes() -> None:
    trade = _trade(
        [
            (2022, "CHN", "DEU", "250410", "graphite", "mine", 100.0, 100.0),
            (2024, "CHN", "DEU", "250410", "graphite", "mine", 50.0, 60.0),
            (2022, "CHN", "IND", "250410", "graphite", "mine", 10.0, 10.0),
            (2024, "CHN", "IND", "250410", "graphite", "mine", 20.0, 20.0),
            (2023, "CHN", "DEU", "250410", "graphite", "mine", 80.0, 80.0),
            (
                2023,
                "CHN",
                "DEU",
                "811230",
                "germanium",
                "refinery",
                5.0,
                1.0,
            ),  # not reported in 2024
            (2024, "HKG", "DEU", "250410", "graphite", "mine", 1.0, 1.0),  # not China
        ]
    )
    evs = _events(
        [
            ("graphite", dt.date(2023, 12, 1), "250410", None, "all"),
            ("us-ban", dt.date(2024, 12, 3), "250410, 811230", None, "DEU"),
            ("later", dt.date(2025, 4, 4), "250410", None, "all"),
            ("no-codes", dt.date(2023, 8, 1), None, "no HS92 code", "all"),
        ]
    )
    df = events.event_study(evs, trade, alliance=ALLIANCE, china=CHINA)
    ally = one(df, event_id="graphite", hs6="250410", destination="ALLIANCE")
    # Effective 2023: 2022 vs 2024. Alliance 100 t -> 60 t; rest of world (IND) 10 -> 20.
    assert (ally["before_year"], ally["after_year"]) == (2022, 2024)
    assert ally["change_t"] == -40.0 and ally["change_t_pct"] == pytest.approx(-0.4)
    assert ally["change_usd_pct"] == pytest.approx(-0.5)
    row = one(df, event_id="graphite", hs6="250410", destination="REST_OF_WORLD")
    assert row["change_t_pct"] == pytest.approx(1.0)
    # Effective 3 Dec 2024, the last BACI year: 2023 vs 2024, 29 days under the control.
    target = one(df, event_id="us-ban", hs6="250410", destination="DEU")
    assert target["after_year"] == 2024 and target["days_in_force_in_after_year"] == 29
    assert target["before_t"] == 80.0 and target["after_t"] == 60.0
    # 811230 has no 2024 flows at all: unknown, and left out of the 'all' row.
    assert one(df, event_id="us-ban", hs6="811230", destination="DEU")["after_t"] is None
    assert one(df, event_id="us-ban", hs6="all", destination="DEU")["after_t"] == 60.0
    # 2025 events have a before year but no after year.
    later = one(df, event_id="later", hs6="250410", destination="ALLIANCE")
    assert (
        later["before_year"] == 2024 and later["after_year"] is None and later["before_t"] == 60.0
    )
    assert one(df, event_id="later", hs6="all", destination="ALLIANCE")["after_t"] is None
    assert (
        one(df, event_id="no-codes", hs6="none", destination="ALLIANCE")["note"] == "no HS92 code"
    )


# --- export-control events as published (the policy files' loader: test_reference_policy.py) ---


def test_export_control_events_as_published() -> None:
    ev = events.export_control_events(policy_frames.export_controls_frame())
    by_number = {(r["number_year"], r["number"]): r for r in ev.iter_rows(named=True)}
    assert by_number[(2023, 23)]["date_effective"] == dt.date(2023, 8, 1)
    assert by_number[(2023, 39)]["date_effective"] == dt.date(2023, 12, 1)
    assert by_number[(2024, 33)]["date_effective"] == dt.date(2024, 9, 15)
    assert by_number[(2024, 46)]["target"] == "USA"
    assert "tungsten" in by_number[(2025, 10)]["minerals"]
    assert by_number[(2025, 18)]["hs92"] == "280530, 284690"
    assert by_number[(2025, 57)]["date_effective"] is None
    assert invariants.validate_mart("export_control_events", ev, {}).passed
