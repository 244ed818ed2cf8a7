"""Schedules and sensors: the briefing keeps itself current without anyone running it by hand.

* ``weekly_site_build`` (Mondays 05:00 UTC) runs the ``build`` job: every asset on the current
  snapshot, checks included.
* ``monthly_upstream_refresh`` (the 2nd of each month, 04:00 UTC) runs ``refresh_upstream``,
  which asks each publisher for new data (``orchestration.upstream.refresh.refresh_source``). A
  source that fails is logged with the reason and the others go on; the snapshot of a failed
  source is left exactly as it was. A refreshed source is a new snapshot version, which the
  sensor below picks up.
* ``upstream_changes`` (every 60 s) watches two things:

  1. the incoming folder (``data/incoming/`` or ``BRIEFING_INCOMING_DIR``, git-ignored): new or
     changed files, laid out like the upstream folder (``wgi/wgi_political_stability_estimate.csv``),
     are mapped to the snapshot tables that read them (``transforms.snapshot.TABLES`` patterns)
     and the snapshot is rebuilt with them (``ingest_incoming``: previous version archived, a
     file that does not parse changes nothing and is reported once);
  2. the snapshot's tables, by the sha256 their manifests record, so a monthly refresh or a
     ``briefing snapshot`` run is noticed too.

  When tables changed it requests one run of the ``upstream_changed`` job for those snapshot
  tables and everything downstream of them, nothing else: for the one year that changed when
  only one trade year did (``partition_key``), else without a partition, which takes every year. The cursor holds the sha256 of every
  incoming file and of every snapshot table; the first tick only records them.

Export: :data:`jobs`, :data:`schedules`, :data:`sensors`.
"""

import hashlib
import json
import os
from pathlib import Path

import dagster as dg
import polars as pl

from orchestration.partitions import PARTITION_COLUMN, trade_years
from orchestration.paths import default_incoming_dir, default_versions_dir
from orchestration.resources import SnapshotSource
from orchestration.snapshot_store import read_manifests, table_path
from orchestration.upstream.comtrade import API_KEY_ENV
from orchestration.upstream.connectors import SOURCES
from orchestration.upstream.refresh import (
    RefreshError,
    ingest_incoming,
    refresh_source,
    scan_incoming,
)
from orchestration.upstream.versions import list_versions

WEEKLY_BUILD_CRON = "0 5 * * 1"
MONTHLY_REFRESH_CRON = "0 4 2 * *"
SENSOR_INTERVAL_SECONDS = 60


class RefreshUpstreamConfig(dg.Config):
    """Which sources to refresh; by default all (Comtrade only when its API key is set)."""

    sources: list[str] | None = None
    fail_on_error: bool = False


@dg.op(
    description="Ask each publisher for new data and publish refreshed sources as new snapshot "
    "versions. A failed source is logged with its reason; its snapshot is left untouched.",
    tags={"kind": "refresh"},
)
def refresh_upstream_sources(
    context: dg.OpExecutionContext, config: RefreshUpstreamConfig, snapshot: SnapshotSource
) -> dict:
    sources = config.sources
    if sources is None:
        sources = [s for s in SOURCES if s != "comtrade" or os.environ.get(API_KEY_ENV)]
        if "comtrade" not in sources:
            context.log.info(f"comtrade skipped: {API_KEY_ENV} is not set")
    outcome: dict[str, str] = {}
    for source in sources:
        try:
            result = refresh_source(
                source, snapshot_dir=snapshot.snapshot_path, progress=context.log.debug
            )
        except RefreshError as exc:
            context.log.error(f"refresh of {source} failed, its snapshot is untouched: {exc}")
            outcome[source] = f"failed: {exc}"
            continue
        except Exception as exc:
            # A bug, not an upstream problem; the snapshot swap is atomic, so it is untouched too,
            # and the other sources still get their turn.
            context.log.exception(f"refresh of {source} crashed, its snapshot is untouched")
            outcome[source] = f"failed: {exc.__class__.__name__}: {exc}"
            continue
        context.log.info(result.summary())
        outcome[source] = result.status + (
            f" ({', '.join(result.changed_tables)})" if result.changed_tables else ""
        )
    failed = sorted(s for s, o in outcome.items() if o.startswith("failed"))
    context.add_output_metadata(
        {
            "outcome": dg.MetadataValue.json(outcome),
            "failed": dg.MetadataValue.int(len(failed)),
            "updated": dg.MetadataValue.int(sum(o.startswith("updated") for o in outcome.values())),
        }
    )
    if failed and config.fail_on_error:
        raise dg.Failure(
            description=f"refresh failed for {', '.join(failed)}",
            metadata={s: outcome[s] for s in failed},
        )
    return outcome


@dg.job(
    name="refresh_upstream",
    description="Try to refresh every upstream source from its publisher (monthly).",
    tags={"purpose": "upstream-refresh"},
)
def refresh_upstream_job():
    refresh_upstream_sources()


upstream_changed_job = dg.define_asset_job(
    "upstream_changed",
    selection=dg.AssetSelection.all(),
    description="Rematerialise the snapshot tables that changed and what depends on them "
    "(runs requested by the upstream_changes sensor with the exact selection).",
)


@dg.schedule(
    name="weekly_site_build",
    cron_schedule=WEEKLY_BUILD_CRON,
    job_name="build",
    execution_timezone="UTC",
    description="Rebuild every asset and the site on the current snapshot, weekly.",
)
def weekly_site_build(_context: dg.ScheduleEvaluationContext):
    # A run without a partition takes every trade year, as 'briefing build' does.
    return dg.RunRequest()


monthly_upstream_refresh = dg.ScheduleDefinition(
    name="monthly_upstream_refresh",
    cron_schedule=MONTHLY_REFRESH_CRON,
    job=refresh_upstream_job,
    execution_timezone="UTC",
    description="Ask the publishers for new data, monthly; changed sources become new snapshot versions.",
)


def snapshot_table_shas(snapshot_dir) -> dict[str, str]:
    return {
        t["name"]: t["sha256"] for m in read_manifests(snapshot_dir).values() for t in m["tables"]
    }


def _year_digests(path: Path) -> dict[int, list[int]]:
    """Per year, the sorted hashes of its rows: equal lists mean an unchanged year."""
    frame = pl.read_parquet(path)
    digests = (
        frame.select(
            pl.col(PARTITION_COLUMN),
            pl.struct(pl.exclude(PARTITION_COLUMN)).hash(seed=0).alias("h"),
        )
        .group_by(PARTITION_COLUMN)
        .agg(pl.col("h").sort())
    )
    return {row[PARTITION_COLUMN]: row["h"] for row in digests.iter_rows(named=True)}


def changed_trade_years(snapshot_dir, previous_sha: str | None) -> list[str] | None:
    """Years whose trade rows differ from the archived version with ``previous_sha``; None when
    that version is not in the archive (then every year is redone)."""
    name = "baci_trade"
    old = next(
        (
            table_path(name, Path(v["path"]) / "snapshot")
            for v in list_versions(default_versions_dir(snapshot_dir))
            if previous_sha and v["tables"].get(name) == previous_sha
        ),
        None,
    )
    new = table_path(name, snapshot_dir)
    if old is None or not old.exists() or not new.exists():
        return None
    before, after = _year_digests(old), _year_digests(new)
    return sorted(str(y) for y in before.keys() | after.keys() if before.get(y) != after.get(y))


def _partition_key(context, graph, roots, selection, seen_tables, snapshot_dir) -> str | None:
    """The partition of the run to request: the changed year when only the trade table changed
    in one year (and the archive has its previous version); else none, and the run takes every
    year. Several changed years make one run of every year, not one run per year, so the marts
    and the site are computed once."""
    if not any(graph.get(k).partitions_def is not None for k in selection):
        return None
    keys = trade_years.get_partition_keys()
    # Only a change of the trade table itself narrows to years; a code table feeds every year.
    feeding = {
        root.path[-1]
        for root in roots
        if any(
            graph.get(k).partitions_def is not None
            for k in dg.AssetSelection.assets(root).downstream().resolve(graph)
        )
    }
    years = None
    if feeding == {"baci_trade"}:
        years = changed_trade_years(snapshot_dir, seen_tables.get("baci_trade"))
    if years is not None:
        unknown = sorted(set(years) - set(keys))
        if unknown:
            context.log.warning(
                f"years {', '.join(unknown)} are not trade partitions yet; reload the code "
                "location to add them"
            )
        years = [y for y in years if y in keys]
    return years[0] if years and len(years) == 1 else None


@dg.sensor(
    name="upstream_changes",
    job=upstream_changed_job,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    description="New files in data/incoming/ rebuild the snapshot; changed snapshot tables "
    "rematerialise themselves and everything downstream, nothing else.",
)
def upstream_changes_sensor(context: dg.SensorEvaluationContext, snapshot: SnapshotSource):
    cursor = json.loads(context.cursor) if context.cursor else {}
    snapshot_dir = snapshot.snapshot_path
    seen_files: dict[str, str] = cursor.get("incoming", {})
    seen_tables: dict[str, str] | None = cursor.get("tables")
    if seen_tables is None:
        # First tick: what is there now is the baseline, so turning the sensor on rebuilds nothing.
        seen_tables = snapshot_table_shas(snapshot_dir)

    incoming_dir = default_incoming_dir()
    files = scan_incoming(incoming_dir)
    changed_files = sorted(rel for rel, sha in files.items() if seen_files.get(rel) != sha)
    notes = []
    if changed_files:
        try:
            result = ingest_incoming(
                changed_files,
                incoming_dir=incoming_dir,
                snapshot_dir=snapshot_dir,
                progress=context.log.info,
            )
            notes.append(result.summary())
            context.log.info(result.summary())
        except RefreshError as exc:
            # Recorded in the cursor all the same: reported once, and a corrected copy (another
            # sha256) is picked up on the next tick.
            notes.append(f"incoming files not ingested, snapshot untouched: {exc}")
            context.log.error(notes[-1])

    tables = snapshot_table_shas(snapshot_dir)
    new_cursor = json.dumps({"incoming": files, "tables": tables}, sort_keys=True)
    changed = sorted(
        n for n in seen_tables.keys() | tables.keys() if seen_tables.get(n) != tables.get(n)
    )
    graph = context.repository_def.asset_graph
    roots = [k for k in (dg.AssetKey(["snapshot", n]) for n in changed) if graph.has(k)]
    if not roots:
        reason = " ".join(notes) or "no new incoming files and no snapshot table changed"
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=new_cursor)
    # required_multi_asset_neighbors: trade (snapshot/baci_trade + clean/trade) is one step.
    selection = sorted(
        dg.AssetSelection.assets(*roots).downstream().required_multi_asset_neighbors().resolve(graph),
        key=lambda k: k.path,
    )
    year = _partition_key(context, graph, roots, selection, seen_tables, snapshot_dir)
    run_key = hashlib.sha256(
        json.dumps({n: tables.get(n) for n in changed}, sort_keys=True).encode()
    ).hexdigest()[:16]
    context.log.info(
        f"snapshot tables changed: {', '.join(changed)}; requesting {len(selection)} assets"
    )
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=run_key,
                asset_selection=selection,
                partition_key=year,
                tags={
                    "briefing/changed_tables": ",".join(changed)[:200],
                    "briefing/trigger": "incoming" if changed_files else "snapshot",
                },
            )
        ],
        cursor=new_cursor,
    )


jobs = [refresh_upstream_job, upstream_changed_job]
schedules = [weekly_site_build, monthly_upstream_refresh]
sensors = [upstream_changes_sensor]
