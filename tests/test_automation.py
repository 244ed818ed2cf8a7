"""Schedules, the refresh job and the upstream-changes sensor, evaluated without a daemon."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import dagster as dg
import pytest

from orchestration import automation
from orchestration.resources import SnapshotSource
from orchestration.snapshot_store import read_manifests
from orchestration.upstream.versions import list_versions, restore_version
from tests import _connectors as tc


def _definitions(snapshot_dir: Path | None = None) -> dg.Definitions:
    """The project's definitions with the automation wired in (as definitions.py will do)."""
    from orchestration.definitions import defs

    repo = defs.get_repository_def()
    extra = dg.Definitions(
        jobs=[j for j in automation.jobs if not repo.has_job(j.name)],
        schedules=[s for s in automation.schedules if not repo.has_schedule_def(s.name)],
        sensors=[s for s in automation.sensors if not repo.has_sensor_def(s.name)],
    )
    merged = dg.Definitions.merge(defs, extra)
    if snapshot_dir is None:
        return merged
    return dg.Definitions(
        assets=merged.assets,
        asset_checks=merged.asset_checks,
        jobs=merged.jobs,
        schedules=merged.schedules,
        sensors=merged.sensors,
        resources={**merged.resources, "snapshot": SnapshotSource(snapshot_dir=str(snapshot_dir))},
        loggers=merged.loggers,
    )


def test_schedules_and_sensor_load_with_the_project():
    repo = _definitions().get_repository_def()
    weekly = repo.get_schedule_def("weekly_site_build")
    monthly = repo.get_schedule_def("monthly_upstream_refresh")
    assert (weekly.cron_schedule, weekly.job_name, weekly.execution_timezone) == (
        "0 5 * * 1",
        "build",
        "UTC",
    )
    assert (monthly.cron_schedule, monthly.job_name) == ("0 4 2 * *", "refresh_upstream")
    assert repo.get_sensor_def("upstream_changes").job_name == "upstream_changed"
    assert repo.has_job("build") and repo.has_job("refresh_upstream")


@pytest.fixture
def sensor_env(env, monkeypatch, tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    monkeypatch.setenv("BRIEFING_INCOMING_DIR", str(incoming))
    monkeypatch.setenv("BRIEFING_RAW_DIR", str(env.raw))
    monkeypatch.setenv("BRIEFING_UPSTREAM_DIR", str(env.upstream))
    monkeypatch.setenv("BRIEFING_SNAPSHOT_VERSIONS_DIR", str(env.versions))
    return env, incoming


def _tick(defs: dg.Definitions, cursor: str | None):
    context = dg.build_sensor_context(
        cursor=cursor, definitions=defs, resources={"snapshot": defs.resources["snapshot"]}
    )
    return defs.resolve_sensor_def("upstream_changes").evaluate_tick(context)


def _assert_selects(request: dg.RunRequest, wanted: set[str], spared: set[str]) -> None:
    """The run request materialises every asset of ``wanted`` and none of ``spared``."""
    selected = {k.to_user_string() for k in request.asset_selection}
    assert wanted <= selected
    assert not selected & spared


def test_sensor_rebuilds_the_snapshot_and_requests_only_downstream_assets(sensor_env):
    snap, incoming = sensor_env
    defs = _definitions(snap.snapshot)

    first = _tick(defs, None)
    assert first.run_requests == [] and "no new incoming files" in first.skip_message
    baseline = json.loads(first.cursor)
    assert baseline["tables"]["wgi_political_stability"]

    (incoming / "wgi").mkdir()
    text = (snap.real / "wgi/wgi_political_stability_estimate.csv").read_text()
    (incoming / "wgi/wgi_political_stability_estimate.csv").write_text(
        text.replace("Aruba,ABW,nan", "Aruba,ABW,0.5", 1)
    )
    second = _tick(defs, first.cursor)
    assert len(second.run_requests) == 1
    request = second.run_requests[0]
    _assert_selects(
        request,
        {"snapshot/wgi_political_stability", "clean/governance"},
        {"snapshot/usgs_world", "snapshot/baci_trade", "clean/production", "clean/trade"},
    )
    assert request.tags["briefing/changed_tables"] == "wgi_political_stability"
    assert request.tags["briefing/trigger"] == "incoming"
    assert read_manifests(snap.snapshot)["wgi"]["refresh"]["reason"] == "incoming files"
    assert len(list_versions(snap.versions)) == 1

    third = _tick(defs, second.cursor)
    assert third.run_requests == [] and "no new incoming files" in third.skip_message

    # A file that does not parse is reported once and changes nothing.
    (incoming / "world-mining-data").mkdir()
    (incoming / "world-mining-data/wmd_production_2018_2025.csv").write_text(
        "not,world,mining\n1,2,3\n"
    )
    manifests = read_manifests(snap.snapshot)
    fourth = _tick(defs, third.cursor)
    assert fourth.run_requests == [] and "not ingested, snapshot untouched" in fourth.skip_message
    assert read_manifests(snap.snapshot) == manifests
    assert "no new incoming files" in _tick(defs, fourth.cursor).skip_message

    # A snapshot changed by something else (here: a restore) is noticed too.
    restore_version(
        list_versions(snap.versions)[0]["version"],
        snapshot_dir=snap.snapshot,
        versions_dir=snap.versions,
    )
    fifth = _tick(defs, fourth.cursor)
    assert [r.tags["briefing/trigger"] for r in fifth.run_requests] == ["snapshot"]
    assert (
        dg.AssetKey(["snapshot", "wgi_political_stability"])
        in fifth.run_requests[0].asset_selection
    )


def test_refresh_job_logs_failures_and_goes_on(sensor_env, server, monkeypatch):
    snap, _ = sensor_env
    tc.serve_mcs2024_release(server, snap.real)
    server.expect_request("/catalog/item/000000000000000000000000").respond_with_data(
        "Item not found", status=404
    )
    monkeypatch.setenv("BRIEFING_SCIENCEBASE_URL", server.url_for(""))
    monkeypatch.setenv("BRIEFING_BACI_URL", server.url_for("/missing/BACI_HS92_V202501.zip"))
    monkeypatch.setenv("BRIEFING_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("BRIEFING_USGS_ITEMS", tc.PARENT)
    resources = {"snapshot": SnapshotSource(snapshot_dir=str(snap.snapshot))}

    def run(**config):
        return automation.refresh_upstream_job.execute_in_process(
            run_config={"ops": {"refresh_upstream_sources": {"config": config}}},
            resources=resources,
            raise_on_error=False,
        )

    result = run(sources=["baci-hs92", "usgs-mcs"])
    assert result.success
    outcome = result.output_for_node("refresh_upstream_sources")
    assert (
        outcome["baci-hs92"].startswith("failed: baci-hs92: GET")
        and "HTTP 500" in outcome["baci-hs92"]
    )
    assert outcome["usgs-mcs"] == "updated (usgs_world)"

    monkeypatch.setenv("BRIEFING_USGS_ITEMS", "000000000000000000000000")
    failing = run(sources=["usgs-mcs"], fail_on_error=True)
    assert not failing.success
    failure = next(e for e in failing.all_events if e.is_step_failure)
    assert "refresh failed for usgs-mcs" in failure.event_specific_data.error.message


def test_sensor_narrows_a_trade_change_to_the_years_that_changed(sensor_env):
    snap, incoming = sensor_env
    defs = _definitions(snap.snapshot)
    first = _tick(defs, None)

    # The same subset file with one 2022 value revised: only 2022 is recomputed.
    lines = [*snap.baci_lines[2021], *snap.baci_lines[2022]]
    t, i, j, k, v, q = lines[-1].split(",")
    lines[-1] = ",".join([t, i, j, k, str(float(v) + 1), q])
    (incoming / "baci-hs92").mkdir()
    with gzip.open(incoming / "baci-hs92/BACI_HS92_V202401b_critical_subset.csv.gz", "wt") as fh:
        fh.write("t,i,j,k,v,q\n" + "\n".join(lines) + "\n")
    second = _tick(defs, first.cursor)
    [request] = second.run_requests
    assert request.tags["briefing/changed_tables"] == "baci_trade"
    assert request.partition_key == "2022"
    _assert_selects(
        request,
        {"snapshot/baci_trade", "clean/trade"},
        {"snapshot/wgi_political_stability", "clean/governance", "clean/production"},
    )


def test_weekly_build_takes_every_trade_year():
    # A run without a partition takes every year (orchestration.partitions.run_years); no
    # internal partition-range tags.
    [request] = automation.weekly_site_build.evaluate_tick(dg.build_schedule_context()).run_requests
    assert request.partition_key is None
    assert not any(tag.startswith("dagster/asset_partition") for tag in request.tags)
    assert request.job_name in (None, "build")
