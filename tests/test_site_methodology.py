"""The Methodology page is for readers (words and plain formulas, no code), the Engineering page
holds the benchmark, the gauntlet and the modules' own documentation; the policy tables (export
controls with their status, stockpile programmes) say what each figure is.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import polars as pl

from tests._helpers import one
from tests.test_site_render import _ctx
from transforms import policy_frames
from transforms.marts import events
from transforms.reference import policy
from transforms.site import policy_tables
from transforms.site.pages import methodology
from transforms.site.templating import environment

# What reader-facing text must never show: reStructuredText roles, literals, shell commands.
CODE_MARKS = re.compile(r"::|`|:func:|:mod:|uv run|\bpython -m\b")
DEPARTURES = pl.DataFrame(
    {
        "departure": ["Taiwan's political stability"],
        "ours": ["Taiwan's own score"],
        "reference": ["0.5"],
        "measure": ["geopolrisk_score"],
        "rows_compared": [7088],
        "rows_changed": [866],
        "median_change": [0.12],
        "max_change": [0.67],
        "example_importer": ["JPN"],
        "example_mineral": ["titanium"],
        "example_year": [2023],
        "example_ours": [0.056811],
        "example_reference": [0.09473],
    }
)
SITE = SimpleNamespace(
    mineral_names={"titanium": "Titanium"}, economy=lambda code: {"JPN": "Japan"}.get(code, code)
)


def _methodology() -> str:
    return (
        environment()
        .get_template("methodology.md.j2")
        .render(
            sections=[],
            min_imports="$1 million",
            alliance=["Australia", "Japan"],
            departures=methodology.departures_table(DEPARTURES, SITE),  # type: ignore[arg-type]
            engineering_link=methodology.ENGINEERING_PATH,
            changelog_link="changelog.md",
        )
    )


def test_methodology_page_has_no_code_only_words_and_formulas() -> None:
    text = _methodology()
    assert not CODE_MARKS.search(text), CODE_MARKS.search(text)
    for measure in (
        "Shares of world production",
        "Herfindahl",
        "China's share of imports",
        "Trade coverage",
        "Net import reliance",
        "GeoPolRisk",
        "characterisation factor",
        "Export ban",
        "Stockpile cost",
        "Reserve budget",
        "Price floor",
        "event study",
    ):
        assert measure.lower() in text.lower(), measure
    # One HHI scale; the departures table names minerals and economies, not codes.
    assert "0–10,000" in text and "0-1)" not in text
    assert "Titanium, Japan, 2023: 0.05681 here, 0.09473 in the reference" in text
    assert "snake" not in text and "geopolrisk_score" not in text


def test_engineering_page_holds_the_code_material() -> None:
    text = (
        environment()
        .get_template("engineering.md.j2")
        .render(mart_docs=[("events", "Docs")], benchmark=None, gauntlet=None)
    )
    assert "uv run briefing build" in text and "benchmarks.baci_ingest" in text
    assert "make_gauntlet" in text and "<code>events</code>" in text


def test_events_table_shows_each_status_with_its_announcement() -> None:
    ev = events.export_control_events(
        policy_frames.export_controls_frame(),
        policy_frames.export_control_changes_frame(),
        on=dt.date(2026, 1, 1),
        checked_to=policy.export_controls_checked_to(),
    )
    text = str(policy_tables.events_table(ev, _ctx("home", None)))
    assert "Status on 1 January 2026" in text
    assert (
        "Suspended from 7 November 2025 until 10 November 2026 by MOFCOM and GACC Announcement No. 70 of 2025"
        in text
    )
    assert "were not checked" in text  # 1 January 2026 is after the sources were searched
    assert "cn-20" not in text and "destination_ban" not in text
    assert "ban on exports to named countries" in text


def test_programme_money_says_what_the_figure_is() -> None:
    nds = one(policy_frames.stockpiles_frame(), programme_id="us-nds")
    assert (
        policy_tables.programme_money(nds)
        == "US$912 million (2023 money), value of the stocks held, not a budget"
    )
    assert "budget" in policy_tables.programme_money(
        one(policy_frames.stockpiles_frame(), programme_id="australia-cmsr")
    )
