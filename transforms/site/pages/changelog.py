"""The Changelog page, and the record it is kept from: each build's headline figures
(``briefing-state.json``) compared with the previous build's (``transforms.site.changes``).
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2
import polars as pl

from transforms.site import changes, figures
from transforms.site.context import SiteFigures
from transforms.site.facts import unmarked
from transforms.site.model import Headline, Page


@dataclass
class BuildRecord:
    state: dict  # this build's headline figures, for the next build to compare with
    diff: list[str]  # what moved since the previous build
    changelog: list[dict]  # every build's changes, newest first


def event_ids(marts: dict[str, pl.DataFrame]) -> list[str]:
    """Ids of the export-control events in this build (for the changelog)."""
    events = marts.get("export_control_events")
    if events is None:
        return []
    for column in ("event_id", "id", "announcement"):
        if column in events.columns:
            return sorted(str(v) for v in events[column].drop_nulls().unique())
    return []


def record_build(site: SiteFigures, found: list[Headline]) -> BuildRecord:
    """This build's state, what changed since the previous build, and the updated changelog."""
    data = site.data
    state = changes.headline_state(
        data.build_date,
        {h.key: {"text": unmarked(h.text), "value": h.value} for h in found},
        site.summary,
        site.dependence.filter(
            (pl.col("importer") == figures.ALLIANCE_BLOC) & (pl.col("stage") == "all")
        ),
        {
            **{f"clean/{k}": v.height for k, v in data.clean.items()},
            **{f"marts/{k}": v.height for k, v in data.marts.items()},
        },
        event_ids(data.marts),
    )
    diff = changes.diff_states(data.previous_state, state, site.mineral_names)
    changelog = changes.update_changelog(
        data.changelog, data.build_date, diff, first_build=data.previous_state is None
    )
    return BuildRecord(state, diff, changelog)


def changelog_page(env: jinja2.Environment, record: BuildRecord) -> Page:
    return Page(
        "changelog.md",
        "Changelog",
        env.get_template("changelog.md.j2").render(entries=record.changelog),
    )
