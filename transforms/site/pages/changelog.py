"""The Changelog page, and the record it is kept from: each build's headline figures
(``briefing-state.json``) compared with the previous build's (``transforms.site.changes``),
what USGS revised between Mineral Commodity Summaries editions (clean ``usgs_revisions``) and how
China's share of the alliance's imports moved between the last two BACI years. Sections are
listed by date, newest first. :func:`what_changed` gives the home page its top few changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2
import polars as pl

from transforms.site import changes, figures
from transforms.site.context import SiteFigures
from transforms.site.coverage import quotable_expr
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


def event_names(marts: dict[str, pl.DataFrame]) -> dict[str, str]:
    """Each export-control event id -> its announcement as published (what readers see)."""
    events = marts.get("export_control_events")
    if events is None or not {"event_id", "announcement"} <= set(events.columns):
        return {}
    return {
        str(i): str(a)
        for i, a in events.select("event_id", "announcement").drop_nulls().iter_rows()
    }


def record_build(site: SiteFigures, found: list[Headline]) -> BuildRecord:
    """This build's state, what changed since the previous build, and the updated changelog."""
    data = site.data
    state = changes.headline_state(
        data.build_date,
        {h.key: {"text": unmarked(h.text), "value": h.value} for h in found},
        site.summary,
        _alliance_imports(site),
        {
            **{f"clean/{k}": v.height for k, v in data.clean.items()},
            **{f"marts/{k}": v.height for k, v in data.marts.items()},
        },
        event_ids(data.marts),
    )
    diff = changes.diff_states(data.previous_state, state, site.mineral_names, event_names(data.marts))
    changelog = changes.update_changelog(
        data.changelog, data.build_date, diff, first_build=data.previous_state is None
    )
    return BuildRecord(state, diff, changelog)


# Revisions listed per MCS edition on the page; the rest are in the download.
REVISIONS_SHOWN = 25


def _alliance_imports(site: SiteFigures) -> pl.DataFrame:
    """China's share of the alliance's imports, one figure per mineral and year, only where it
    is a finding (codes that see the stage China holds, material imports): a move in an
    ores-only share says nothing about dependence on China."""
    return site.import_shares.filter(
        (pl.col("importer") == figures.ALLIANCE_BLOC) & quotable_expr()
    )


def _revisions(site: SiteFigures) -> pl.DataFrame | None:
    return site.data.clean.get("usgs_revisions")


def sections(site: SiteFigures, record: BuildRecord) -> list[dict]:
    """The page's sections, newest first: builds (by build date), USGS editions (by edition
    year: the manifests record no release day), the latest BACI year."""
    out = [
        {"date": e["date"], "title": f"Build of {e['date']}", "changes": e["changes"], "more": 0}
        for e in record.changelog
    ]
    revisions = _revisions(site)
    if revisions is not None and revisions.height:
        for edition in sorted(revisions["edition"].unique().to_list(), reverse=True):
            listed = changes.usgs_revision_changes(
                revisions, site.mineral_names, site.names, edition=edition
            )
            out.append(
                {
                    "date": str(edition),
                    "title": f"USGS Mineral Commodity Summaries {edition}: revised production figures",
                    "changes": listed[:REVISIONS_SHOWN],
                    "more": max(0, len(listed) - REVISIONS_SHOWN),
                }
            )
    moves = changes.china_share_moves(_alliance_imports(site))
    if moves.height:
        year = int(moves["year"].max())
        out.append(
            {
                "date": str(year),
                "title": f"CEPII BACI {year}: China's share of the alliance's imports against {year - 1}",
                "changes": changes.share_move_sentences(moves, site.mineral_names),
                "more": 0,
            }
        )
    # Stable sort: a build and an edition of the same year keep builds first.
    return sorted(out, key=lambda s: s["date"][:4], reverse=True)


def what_changed(site: SiteFigures, record: BuildRecord, n: int = 5) -> list[str]:
    """The ``n`` changes for the home page's "What changed": since the previous build first,
    then the latest MCS edition's largest revisions and the largest moves in China's share of
    the alliance's imports."""
    revisions = _revisions(site)
    latest = None if revisions is None or revisions.is_empty() else int(revisions["edition"].max())
    return changes.top_changes(
        record.diff,
        changes.usgs_revision_changes(
            revisions, site.mineral_names, site.names, edition=latest, limit=n
        ),
        changes.share_move_sentences(
            changes.china_share_moves(_alliance_imports(site)), site.mineral_names, limit=n
        ),
        n,
    )


def changelog_page(site: SiteFigures, env: jinja2.Environment, record: BuildRecord) -> Page:
    return Page(
        "changelog.md",
        "Changelog",
        env.get_template("changelog.md.j2").render(sections=sections(site, record)),
    )
