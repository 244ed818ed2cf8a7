"""Declarative automation, evaluated without a daemon: observations, incoming files and their
quarantine, the monthly refresh assets, and runs of exactly what depends on a changed file."""

from __future__ import annotations

import gzip
from pathlib import Path

import dagster as dg
import pytest

from orchestration import automation
from orchestration.assets.incoming import INGEST_KEY, incoming_ingest
from orchestration.assets.observed import (
    snapshot_file_key,
)
from orchestration.assets.refresh import refresh_assets, refresh_key
from orchestration.resources import SnapshotSource
from orchestration.snapshot_store import read_manifests
from orchestration.upstream.versions import list_versions
from tests import _connectors as tc

# A revised standard error (the estimate and its normalised score must stay consistent).
WGI_FILE = "wgi/wgi_political_stability_stderr.csv"


def _definitions(snapshot_dir: Path) -> dg.Definitions:
    """The project's definitions reading the test's own snapshot."""
    from orchestration.definitions import defs

    return dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=defs.jobs,
        schedules=defs.schedules,
        sensors=defs.sensors,
        resources={**defs.resources, "snapshot": SnapshotSource(snapshot_dir=str(snapshot_dir))},
    )


@pytest.fixture
def auto_env(env, monkeypatch, tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    monkeypatch.setenv("BRIEFING_INCOMING_DIR", str(incoming))
    monkeypatch.setenv("BRIEFING_QUARANTINE_DIR", str(tmp_path / "quarantine"))
    monkeypatch.setenv("BRIEFING_RAW_DIR", str(env.raw))
    monkeypatch.setenv("BRIEFING_UPSTREAM_DIR", str(env.upstream))
    monkeypatch.setenv("BRIEFING_SNAPSHOT_VERSIONS_DIR", str(env.versions))
    return env, incoming, tmp_path / "quarantine"


def test_every_asset_says_when_it_runs():
    from orchestration.definitions import defs

    repo = defs.get_repository_def()
    graph = repo.asset_graph
    weekly = repo.get_schedule_def("weekly_site_build")
    assert (weekly.cron_schedule, weekly.job_name) == ("0 5 * * 1", "build")
    assert repo.get_sensor_def("briefing_automation")
    assert not repo.has_sensor_def("upstream_changes")
    build_keys = repo.get_job("build").asset_layer.selected_asset_keys
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        label = key.to_user_string()
        assert node.automation_condition is not None, f"{label} has no automation condition"
        if node.is_materializable:
            assert node.code_version, f"{label} has no code version"
        # The build job never downloads or ingests: those are the automation's.
        if key.path[0] in {"upstream", "reference", "snapshot_files"}:
            assert key not in build_keys, label
    site = graph.get(dg.AssetKey(["site", "public"])).automation_condition
    assert "all_deps_blocking_checks_passed" in str(site)
    # Editing minerals.yaml marks the clean layer stale; a policy file the marts.
    assert dg.AssetKey(["reference", "curated"]) in graph.get(
        dg.AssetKey(["clean", "governance"])
    ).parent_keys
    assert dg.AssetKey(["reference", "policy"]) in graph.get(
        dg.AssetKey(["marts", "scenario_stockpile"])
    ).parent_keys


def _built(defs: dg.Definitions, instance: dg.DagsterInstance) -> None:
    """Record every materialisable asset (and trade year) as built, as a finished build leaves
    them, so automation decides from a complete warehouse."""
    graph = defs.get_repository_def().asset_graph
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        partitions = node.partitions_def.get_partition_keys() if node.partitions_def else [None]
        for partition in partitions:
            instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=partition))
    for check in graph.asset_check_keys:
        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(asset_key=check.asset_key, check_name=check.name, passed=True)
        )


def _observe(defs: dg.Definitions, instance: dg.DagsterInstance) -> None:
    # One observation run, as the automation launches it; the trade file reports every year.
    job = defs.resolve_job_def("observe_sources")
    assert job.execute_in_process(instance=instance).success


def _requested(defs, instance, cursor):
    """One automation tick: its result and the assets it requested (user strings)."""
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    keys = {
        r.key.to_user_string()
        for r in result.results
        if isinstance(r.key, dg.AssetKey) and result.get_num_requested(r.key)
    }
    return result, keys


def _ingest(instance, snapshot_dir):
    return dg.materialize(
        [incoming_ingest],
        instance=instance,
        resources={"snapshot": SnapshotSource(snapshot_dir=str(snapshot_dir))},
        raise_on_error=False,
    )


def test_a_changed_file_runs_only_what_depends_on_it(auto_env):
    snap, incoming, _ = auto_env
    defs = _definitions(snap.snapshot)
    instance = dg.DagsterInstance.ephemeral()
    _built(defs, instance)
    _observe(defs, instance)
    first, keys = _requested(defs, instance, None)
    assert not {k for k in keys if not k.startswith(("upstream/", "reference/", "snapshot_files/"))}

    # A revised WGI file dropped into the incoming folder: ingested into a new snapshot version.
    (incoming / "wgi").mkdir()
    text = (snap.real / WGI_FILE).read_text()
    (incoming / WGI_FILE).write_text(text.replace("Aruba,ABW,nan", "Aruba,ABW,0.5", 1))
    ingested = _ingest(instance, snap.snapshot)
    assert ingested.success
    meta = ingested.asset_materializations_for_node("upstream__incoming_ingest")[0].metadata
    assert meta["changed_tables"].value == "wgi_political_stability"
    assert read_manifests(snap.snapshot)["wgi"]["refresh"]["reason"] == "incoming files"
    assert len(list_versions(snap.versions)) == 1

    # The next observation sees one changed table file; automation requests its downstream only.
    _observe(defs, instance)
    _result, keys = _requested(defs, instance, first.cursor)
    assert {"snapshot/wgi_political_stability", "clean/governance", "site/public"} <= keys, keys
    graph = defs.get_repository_def().asset_graph
    downstream = dg.AssetSelection.keys(snapshot_file_key("wgi_political_stability")).downstream()
    assert keys <= {k.to_user_string() for k in downstream.resolve(graph)} | {"upstream/incoming_ingest"}
    assert not keys & {"snapshot/usgs_world", "snapshot/baci_trade", "clean/production", "clean/trade"}


def test_a_bad_incoming_file_fails_the_run_and_is_quarantined(auto_env):
    snap, incoming, quarantine_dir = auto_env
    instance = dg.DagsterInstance.ephemeral()
    manifests = read_manifests(snap.snapshot)
    (incoming / "world-mining-data").mkdir()
    bad = incoming / "world-mining-data/wmd_production_2018_2025.csv"
    bad.write_text("not,world,mining\n1,2,3\n")

    result = _ingest(instance, snap.snapshot)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.event_specific_data.error.message
    assert "incoming files refused, snapshot untouched" in message
    assert "wmd_production_2018_2025.csv" in message
    assert read_manifests(snap.snapshot) == manifests
    assert not bad.exists()
    [moved] = quarantine_dir.glob("*/world-mining-data/wmd_production_2018_2025.csv")
    error = moved.with_name(moved.name + ".error.txt").read_text()
    assert "wmd_production_2018_2025.csv" in error and "Fix the file" in error
    # Nothing left to ingest: the next run succeeds without touching the snapshot.
    assert _ingest(instance, snap.snapshot).success
    assert read_manifests(snap.snapshot) == manifests
    assert instance.get_latest_materialization_event(INGEST_KEY) is not None


def test_a_revised_trade_year_recomputes_that_year_only(auto_env):
    snap, incoming, _ = auto_env
    defs = _definitions(snap.snapshot)
    instance = dg.DagsterInstance.ephemeral()
    _built(defs, instance)
    _observe(defs, instance)
    first, _ = _requested(defs, instance, None)

    lines = [*snap.baci_lines[2021], *snap.baci_lines[2022]]
    t, i, j, k, v, q = lines[-1].split(",")
    lines[-1] = ",".join([t, i, j, k, str(float(v) + 1), q])
    (incoming / "baci-hs92").mkdir()
    with gzip.open(incoming / "baci-hs92/BACI_HS92_V202401b_critical_subset.csv.gz", "wt") as fh:
        fh.write("t,i,j,k,v,q\n" + "\n".join(lines) + "\n")
    assert _ingest(instance, snap.snapshot).success
    _observe(defs, instance)
    result, keys = _requested(defs, instance, first.cursor)
    for table in ("snapshot/baci_trade", "clean/trade"):
        assert result.get_requested_partitions(dg.AssetKey.from_user_string(table)) == {"2022"}
    assert not keys & {"snapshot/wgi_political_stability", "clean/governance", "clean/production"}


def test_refresh_assets_record_failures_and_go_on(auto_env, server, monkeypatch):
    snap, _, _ = auto_env
    tc.serve_mcs2024_release(server, snap.real)
    monkeypatch.setenv("BRIEFING_SCIENCEBASE_URL", server.url_for(""))
    monkeypatch.setenv("BRIEFING_BACI_URL", server.url_for("/missing/BACI_HS92_V202501.zip"))
    monkeypatch.setenv("BRIEFING_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("BRIEFING_USGS_ITEMS", tc.PARENT)
    chosen = [a for a in refresh_assets if a.key in {refresh_key("baci-hs92"), refresh_key("usgs-mcs")}]
    result = dg.materialize(
        chosen,
        instance=dg.DagsterInstance.ephemeral(),
        resources={"snapshot": SnapshotSource(snapshot_dir=str(snap.snapshot))},
        raise_on_error=False,
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "refresh of baci-hs92 failed, its snapshot is untouched" in (
        failure.event_specific_data.error.message
    )
    [usgs] = result.asset_materializations_for_node("upstream__refresh_usgs_mcs")
    assert usgs.metadata["outcome"].value == "updated"
    assert usgs.metadata["changed_tables"].value == "usgs_world"
    cron = automation.refresh_upstream_job
    assert cron.name == "refresh_upstream"
