"""China's export-control events and the event study (the policy files' loader: test_reference_policy.py).

The event-study test runs on a small hand-made monthly frame (values worked out by hand) and
on the real extract, checked against sums of the raw CSV; the export-control events and their
statuses on given briefing dates are computed from the curated file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from tests._helpers import one, registry_frame
from tests.test_clean_new_sources import _asset_output
from tests.test_marts_scenarios import CHINA
from transforms import policy_frames
from transforms.marts import control_status, events, invariants
from transforms.reference import policy

# --- event study -------------------------------------------------------------------------------


def _events(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (event_id, announcement, date_effective, minerals) as the curated events table."""
    columns = ("event_id", "announcement", "date_effective", "minerals")
    return registry_frame("export_control_events", columns, rows)


def _monthly(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (month, partner, hs6, value_usd, quantity_t) as clean china_exports_monthly."""
    minerals = {"250410": ["graphite"], "811292": ["gallium", "germanium"]}
    frame = pl.DataFrame(
        rows,
        schema={
            "month": pl.Date,
            "partner": pl.Utf8,
            "hs6": pl.Utf8,
            "value_usd": pl.Float64,
            "quantity_t": pl.Float64,
        },
        orient="row",
    )
    return frame.with_columns(
        pl.col("hs6")
        .replace_strict(minerals, return_dtype=pl.List(pl.Utf8))
        .alias("minerals_in_code")
    )


def _each_month(
    first: dt.date, count: int, partner: str, hs6: str, usd: float, t: float
) -> list[tuple]:
    months = pl.date_range(first, dt.date(2030, 1, 1), "1mo", eager=True)[:count]
    return [(m, partner, hs6, usd, t) for m in months]


def test_event_study_months_and_changes() -> None:
    # Graphite to Germany (an ally): 10 t/month from Dec 2022 to Nov 2023, then 5 t/month.
    # To the United States: 2 t/month before, nothing after. Data ends December 2024.
    rows = (
        _each_month(dt.date(2022, 12, 1), 12, "DEU", "250410", 100.0, 10.0)
        + _each_month(dt.date(2023, 12, 1), 13, "DEU", "250410", 60.0, 5.0)
        + _each_month(dt.date(2022, 12, 1), 12, "USA", "250410", 20.0, 2.0)
        + _each_month(dt.date(2022, 12, 1), 12, "IND", "250410", 1.0, 1.0)
        + [(dt.date(2023, 5, 1), "HKG", "250410", 5.0, None)]  # a tonnage not reported
        + [(dt.date(2023, 6, 1), "CHN", "250410", 999.0, 999.0)]  # not an export
    )
    evs = _events(
        [
            ("graphite", "No. 39 of 2023", dt.date(2023, 12, 1), "graphite"),
            ("us-ban", "No. 46 of 2024", dt.date(2024, 12, 3), "graphite, antimony"),
            ("antimony", "No. 33 of 2024", dt.date(2024, 9, 15), "antimony"),
            ("never", "No. 57 of 2025", None, "graphite"),
        ]
    )
    df = events.event_study(evs, _monthly(rows), alliance=["USA", "DEU"], china=CHINA)
    ally = one(df, event_id="graphite", hs6="250410", destination=events.TO_ALLIES)
    # Dec 2022-Nov 2023 before, Dec 2023-Nov 2024 after, 12 months each.
    assert (ally["before_from"], ally["before_to"]) == (dt.date(2022, 12, 1), dt.date(2023, 11, 1))
    assert (ally["after_from"], ally["after_to"]) == (dt.date(2023, 12, 1), dt.date(2024, 11, 1))
    assert ally["before_months"] == ally["after_months"] == 12
    assert (ally["before_t"], ally["after_t"]) == (120.0, 60.0)
    assert ally["change_t_pct"] == pytest.approx(-0.5)
    assert ally["change_usd_pct"] == pytest.approx(-0.4)
    us = one(df, event_id="graphite", hs6="250410", destination=events.TO_US)
    assert us["after_usd"] == 0.0 and us["change_usd_pct"] == pytest.approx(-1.0)
    # Hong Kong's month without tonnage leaves the rest's tonnage unknown, not understated.
    rest = one(df, event_id="graphite", hs6="250410", destination=events.TO_OTHERS)
    assert rest["before_t"] is None and rest["before_usd"] == 17.0
    # 3 December 2024: December counts as after, and it is the only month after.
    ban = one(df, event_id="us-ban", hs6="250410", destination=events.TO_ALLIES)
    assert ban["after_months"] == 1 and ban["after_from"] == dt.date(2024, 12, 1)
    assert ban["change_t_pct"] == pytest.approx(0.0)  # 5 t a month before and after
    assert "only 1 month after" in ban["note"] and "day 3" in ban["note"]
    for event_id, why in (("antimony", "no monthly series"), ("never", "never took effect")):
        row = one(df, event_id=event_id, hs6=events.NO_CODES, destination=events.TO_US)
        assert why in row["note"] and row["before_usd"] is None


def test_event_study_on_the_real_extract_matches_the_raw_file(upstream_dir: Path) -> None:
    """Graphite 250410 to the United States around 1 December 2023, summed from the raw CSV."""
    raw = pl.read_csv(
        upstream_dir / "trade-extra" / "china_exports_hs6_monthly_2017_2024.csv",
        schema_overrides={"hs6": pl.Utf8, "period_dt": pl.Utf8},
    )
    us = raw.filter(pl.col("hs6") == "250410", pl.col("partner_name") == "USA")
    month = pl.col("period_dt").str.slice(0, 7)
    before = us.filter(month.is_between(pl.lit("2022-12"), pl.lit("2023-11")))["val"].sum()
    after = us.filter(month.is_between(pl.lit("2023-12"), pl.lit("2024-11")))["val"].sum()
    monthly = _asset_output("china_exports_monthly")
    ev = events.export_control_events(
        policy_frames.export_controls_frame(),
        policy_frames.export_control_changes_frame(),
        on=dt.date(2026, 1, 1),
        checked_to=policy.export_controls_checked_to(),
    )
    df = events.event_study(ev, monthly, alliance=["USA", "DEU", "JPN"], china=CHINA)
    row = one(df, event_id="cn-2023-39-graphite", hs6="250410", destination=events.TO_US)
    assert row["before_usd"] == pytest.approx(before) and row["after_usd"] == pytest.approx(after)
    assert invariants.validate_mart("event_study", df, {}).passed


# --- export-control events as published (the policy files' loader: test_reference_policy.py) ---


def _published_on(day: dt.date) -> dict[tuple[int, int], dict]:
    ev = events.export_control_events(
        policy_frames.export_controls_frame(),
        policy_frames.export_control_changes_frame(),
        on=day,
        checked_to=policy.export_controls_checked_to(),
    )
    assert invariants.validate_mart("export_control_events", ev, {}).passed
    return {(r["number_year"], r["number"]): r for r in ev.iter_rows(named=True)}


def test_export_control_events_as_published() -> None:
    by_number = _published_on(dt.date(2026, 1, 1))
    assert by_number[(2023, 23)]["date_effective"] == dt.date(2023, 8, 1)
    assert by_number[(2023, 39)]["date_effective"] == dt.date(2023, 12, 1)
    assert by_number[(2024, 33)]["date_effective"] == dt.date(2024, 9, 15)
    assert by_number[(2024, 46)]["target"] == "USA"
    assert "tungsten" in by_number[(2025, 10)]["minerals"]
    assert by_number[(2025, 18)]["hs92"] == "280530, 284690"
    assert by_number[(2025, 57)]["date_effective"] is None


def test_statuses_on_a_briefing_date_follow_the_later_announcements() -> None:
    """Computed from export_controls.yaml's changes, never typed: the U.S. ban's clause 2 and
    Nos. 57, 58 and 61 are suspended on 1 January 2026, with the date and the announcement."""
    on = _published_on(dt.date(2026, 1, 1))
    ban = on[(2024, 46)]
    assert ban["status"] == "suspended"
    assert (ban["status_since"], ban["status_until"]) == (
        dt.date(2025, 11, 9),
        dt.date(2026, 11, 27),
    )
    assert "9 November 2025" in ban["status_text"] and "27 November 2026" in ban["status_text"]
    assert "Clause 2" in ban["status_scope"]
    for number in (57, 58, 61):
        row = on[(2025, number)]
        assert row["status"] == "suspended", number
        assert (row["status_since"], row["status_until"]) == (
            dt.date(2025, 11, 7),
            dt.date(2026, 11, 10),
        )
        assert "Announcement No. 70 of 2025" in row["status_by"]
        assert "7 November 2025" in row["status_text"] and "No. 70 of 2025" in row["status_text"]
    assert on[(2023, 23)]["status"] == "in force"
    # Before the suspensions: No. 46 in force, No. 57 announced and due on 8 November 2025.
    before = _published_on(dt.date(2025, 11, 1))
    assert before[(2024, 46)]["status"] == "in force"
    assert before[(2025, 57)]["status"] == "announced"
    assert before[(2025, 57)]["status_until"] == dt.date(2025, 11, 8)
    # After the suspension's end date, the status says so and no more.
    after = _published_on(dt.date(2026, 12, 1))
    assert after[(2025, 61)]["status"] == "suspension ended"
    assert after[(2025, 61)]["status_since"] == dt.date(2026, 11, 10)
    # Before its announcement, a measure is not announced yet.
    assert _published_on(dt.date(2025, 1, 1))[(2025, 18)]["status"] == "not announced yet"


def test_unchecked_dates_carry_the_caveat() -> None:
    checked = policy.export_controls_checked_to()
    assert control_status.unchecked_after(checked, checked) is None
    caveat = control_status.unchecked_after(checked + dt.timedelta(days=1), checked)
    assert caveat is not None and control_status.long_date(checked) in caveat
