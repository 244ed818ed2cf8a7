"""What moved between builds: a small state of headline figures, its diff, and the changelog.

Each build writes ``briefing-state.json`` (headline figures, China/alliance shares per mineral
and stage, China's share of alliance imports, table row counts, event ids) and
``changelog.json`` (one entry per build that changed something, newest first) into the site.
The next build reads both from the published site, so the changelog is carried forward across
builds and a failed build (which publishes nothing) changes neither.

It also says what the sources changed: the production figures USGS revised between Mineral
Commodity Summaries editions (clean ``usgs_revisions``) and how China's share of the alliance's
imports moved between the last two BACI years, as sentences; :func:`top_changes` picks the few
a reader should see first.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from transforms.metadata import TABLES
from transforms.site.text import fmt_mass, fmt_pct, fmt_pp

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


def table_title(key: str) -> str:
    """A state key ("clean/production") as readers know the table: its registry title, quoted."""
    meta = TABLES.get(key.split("/")[-1])
    return f"“{meta.title}”" if meta is not None else f"“{key.split('/')[-1].replace('_', ' ')}”"


def _moved(before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return before is not after
    return abs(after - before) >= SHARE_TOLERANCE


def diff_states(
    previous: dict | None,
    current: dict,
    mineral_names: dict[str, str],
    event_names: dict[str, str] | None = None,
) -> list[str]:
    """Sentences saying what changed since ``previous`` (empty for a first build or no change).

    ``event_names`` gives each export-control event id the words readers see (its announcement).
    """
    event_names = event_names or {}
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
            out.append(f"New table {table_title(table)}: {rows:,} rows.")
        elif before_tables[table] != rows:
            out.append(f"Table {table_title(table)}: {rows:,} rows (was {before_tables[table]:,}).")
    for table in sorted(set(before_tables) - set(current["tables"])):
        out.append(f"Table {table_title(table)} is no longer published.")
    for event in sorted(set(current["events"]) - set(previous.get("events", []))):
        out.append(f"New export-control event: {event_names.get(event, event)}.")
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


# --- What the sources revised: USGS between MCS editions, BACI between years ------------------

STAGE_WORDS = {"mine": "mine production", "refinery": "refined production"}
AGGREGATE_NAMES = {"WORLD": "world total", "OTHER": "other countries"}


def _signed_pct(rel: float | None) -> str:
    """A relative change for running text: -0.333 -> "-33.3%", 1.5 -> "2.5 times the earlier figure"."""
    if rel is None:
        return "from zero"
    if rel >= 1:
        return f"{1 + rel:.1f} times the earlier figure"
    return f"{rel * 100:+.1f}%".replace("-", "\u2212")


def _signed_mass(tonnes: float) -> str:
    """A change in tonnes with its sign: "+27,000 t", "−20,000 t"."""
    return ("+" if tonnes > 0 else "−") + fmt_mass(abs(tonnes))


def revision_sentence(row: dict, mineral_names: dict[str, str], economy_names: dict[str, str]) -> str:
    """One revised figure in words, with both figures, the revision and its weight in the world."""
    code = row["country_code"]
    who = AGGREGATE_NAMES.get(code) or economy_names.get(code, code)
    mineral = mineral_names.get(row["mineral"], row["mineral"])
    stage = STAGE_WORDS.get(row["stage"], row["stage"])
    change = row["revision_t"]
    direction = "up" if change > 0 else "down"
    world = row.get("revision_world_share")
    weight = "" if world is None or code == "WORLD" else f"; {fmt_pct(abs(world))} of world output"
    return (
        f"{mineral}, {stage}, {who}, {row['year']}: MCS {row['edition']} revised it {direction} from "
        f"{fmt_mass(row['previous_production_t'])} (MCS {row['previous_edition']}) to "
        f"{fmt_mass(row['production_t'])} ({_signed_mass(change)}, "
        f"{_signed_pct(row['revision_rel'])}{weight})."
    )


def usgs_revision_changes(
    revisions: pl.DataFrame | None,
    mineral_names: dict[str, str],
    economy_names: dict[str, str],
    *,
    edition: int | None = None,
    limit: int | None = None,
) -> list[str]:
    """The largest USGS revisions (of ``edition``, else of every edition) as sentences.

    ``revisions`` is the clean ``usgs_revisions`` table, already largest first; economies and
    world totals only ("other countries" moves with whatever USGS lists separately).
    """
    if revisions is None or revisions.is_empty():
        return []
    rows = revisions.filter(pl.col("country_code") != "OTHER")
    if edition is not None:
        rows = rows.filter(pl.col("edition") == edition)
    if limit is not None:
        rows = rows.head(limit)
    return [revision_sentence(r, mineral_names, economy_names) for r in rows.iter_rows(named=True)]


def china_share_moves(alliance_imports: pl.DataFrame) -> pl.DataFrame:
    """China's share of the alliance's imports per mineral: latest BACI year against the year
    before, largest move first (ties by mineral). Columns mineral, year, previous_year,
    china_share, previous_share, move."""
    empty = pl.DataFrame(
        schema={"mineral": pl.Utf8, "year": pl.Int64, "previous_year": pl.Int64,
                "china_share": pl.Float64, "previous_share": pl.Float64, "move": pl.Float64}
    )
    if alliance_imports.is_empty():
        return empty
    rows = (
        alliance_imports.filter(pl.col("china_share").is_not_null())
        .sort("mineral", "year")
        .group_by("mineral", maintain_order=True)
        .agg(
            pl.col("year").last().cast(pl.Int64),
            pl.col("year").get(-2, null_on_oob=True).cast(pl.Int64).alias("previous_year"),
            pl.col("china_share").last(),
            pl.col("china_share").get(-2, null_on_oob=True).alias("previous_share"),
        )
        .filter(pl.col("previous_year").is_not_null())
        .with_columns((pl.col("china_share") - pl.col("previous_share")).alias("move"))
    )
    return rows.sort(pl.col("move").abs(), "mineral", descending=[True, False]).select(empty.columns)


def share_move_sentences(moves: pl.DataFrame, mineral_names: dict[str, str], limit: int | None = None) -> list[str]:
    """Moves of China's share of alliance imports as sentences (moves under 0.1 pp left out)."""
    rows = moves.filter(pl.col("move").abs() >= SHARE_TOLERANCE)
    if limit is not None:
        rows = rows.head(limit)
    return [
        f"{mineral_names.get(r['mineral'], r['mineral'])}: China's share of the alliance's imports "
        f"(value, CEPII BACI) {fmt_pct(r['china_share'])} in {r['year']}, "
        f"{fmt_pp(r['move']).replace('-', chr(0x2212))} from {fmt_pct(r['previous_share'])} in {r['previous_year']}."
        for r in rows.iter_rows(named=True)
    ]


def top_changes(
    since_last_build: list[str], revisions: list[str], share_moves: list[str], n: int = 5
) -> list[str]:
    """The ``n`` changes a reader should see first: what moved since the previous build, then
    the largest USGS revisions and the largest moves in China's share of imports, alternating."""
    out = list(since_last_build[:n])
    rest = [s for pair in zip(revisions, share_moves, strict=False) for s in pair]
    rest += revisions[len(share_moves):] + share_moves[len(revisions):]
    return (out + rest)[:n]
