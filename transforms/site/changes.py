"""What moved between builds: a small state of headline figures, its diff, and the changelog.

Each build writes ``briefing-state.json`` (headline figures, China/alliance shares per mineral
and stage, China's share of alliance imports, table row counts, event ids) and
``changelog.json`` (one entry per build that changed something, newest first) into the site.
The next build reads both from the published site, so the changelog is carried forward across
builds and a failed build (which publishes nothing) changes neither.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from transforms.site.text import fmt_pct, fmt_pp

STATE_FILE = "briefing-state.json"
CHANGELOG_FILE = "changelog.json"
STATE_SCHEMA = 1
# A share that moves less than this (0.1 percentage point) has not moved.
SHARE_TOLERANCE = 0.001
MAX_CHANGELOG_ENTRIES = 200


def headline_state(
    build_date: date,
    headlines: dict[str, dict],
    stage_summary: pl.DataFrame,
    alliance_imports: pl.DataFrame,
    table_rows: dict[str, int],
    events: list[str],
) -> dict:
    """The figures the next build compares against (JSON-serialisable)."""
    shares = {
        f"{r['mineral']}/{r['stage']}": {
            "year": r["year"],
            "china_share": r["china_share"],
            "alliance_share": r["alliance_share"],
        }
        for r in stage_summary.iter_rows(named=True)
    }
    imports = {}
    if alliance_imports.height:
        latest = alliance_imports.sort("year").group_by("mineral").agg(pl.all().last())
        imports = {
            r["mineral"]: {
                "year": r["year"],
                "china_share": r["china_share"],
                "imports_usd": r["imports_usd"],
            }
            for r in latest.iter_rows(named=True)
        }
    return {
        "schema": STATE_SCHEMA,
        "build_date": build_date.isoformat(),
        "headlines": headlines,
        "stage_shares": shares,
        "alliance_imports": imports,
        "tables": dict(sorted(table_rows.items())),
        "events": sorted(events),
    }


def _moved(before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return before is not after
    return abs(after - before) >= SHARE_TOLERANCE


def diff_states(previous: dict | None, current: dict, mineral_names: dict[str, str]) -> list[str]:
    """Sentences saying what changed since ``previous`` (empty for a first build or no change)."""
    if not previous or previous.get("schema") != STATE_SCHEMA:
        return []
    out: list[str] = []
    before_shares = previous.get("stage_shares", {})
    for key, now in current["stage_shares"].items():
        mineral, stage = key.split("/")
        name = mineral_names.get(mineral, mineral)
        was = before_shares.get(key)
        if was is None:
            out.append(
                f"{name}, {stage}: new figures for {now['year']} (China {fmt_pct(now['china_share'])})."
            )
        elif was["year"] != now["year"]:
            out.append(
                f"{name}, {stage}: figures now for {now['year']} (were {was['year']}); China {fmt_pct(now['china_share'])} (was {fmt_pct(was['china_share'])}), alliance {fmt_pct(now['alliance_share'])} (was {fmt_pct(was['alliance_share'])})."
            )
        elif _moved(was["china_share"], now["china_share"]) or _moved(
            was["alliance_share"], now["alliance_share"]
        ):
            delta = (
                None
                if was["china_share"] is None or now["china_share"] is None
                else now["china_share"] - was["china_share"]
            )
            out.append(
                f"{name}, {stage} {now['year']}: China {fmt_pct(now['china_share'])} (was {fmt_pct(was['china_share'])}, {fmt_pp(delta)}), alliance {fmt_pct(now['alliance_share'])} (was {fmt_pct(was['alliance_share'])})."
            )
    for key in sorted(set(before_shares) - set(current["stage_shares"])):
        mineral, stage = key.split("/")
        out.append(f"{mineral_names.get(mineral, mineral)}, {stage}: no longer has figures.")
    before_imports = previous.get("alliance_imports", {})
    for mineral, now in current["alliance_imports"].items():
        was = before_imports.get(mineral)
        name = mineral_names.get(mineral, mineral)
        if was is None:
            continue
        if was["year"] != now["year"]:
            out.append(
                f"{name}: alliance imports now for {now['year']} (were {was['year']}); China's share {fmt_pct(now['china_share'])} (was {fmt_pct(was['china_share'])})."
            )
        elif _moved(was["china_share"], now["china_share"]):
            out.append(
                f"{name}: China's share of alliance imports in {now['year']} {fmt_pct(now['china_share'])} (was {fmt_pct(was['china_share'])})."
            )
    before_tables = previous.get("tables", {})
    for table, rows in current["tables"].items():
        if table not in before_tables:
            out.append(f"New table {table}: {rows:,} rows.")
        elif before_tables[table] != rows:
            out.append(f"Table {table}: {rows:,} rows (was {before_tables[table]:,}).")
    for table in sorted(set(before_tables) - set(current["tables"])):
        out.append(f"Table {table} is no longer published.")
    for event in sorted(set(current["events"]) - set(previous.get("events", []))):
        out.append(f"New export-control event: {event}.")
    return out


def update_changelog(
    entries: list[dict], build_date: date, changes: list[str], *, first_build: bool
) -> list[dict]:
    """The changelog with this build's entry on top (none when nothing changed)."""
    entries = list(entries or [])
    if first_build and not entries:
        entries.insert(
            0,
            {"date": build_date.isoformat(), "changes": ["First published build of the briefing."]},
        )
    elif changes:
        entries.insert(0, {"date": build_date.isoformat(), "changes": changes})
    return entries[:MAX_CHANGELOG_ENTRIES]
