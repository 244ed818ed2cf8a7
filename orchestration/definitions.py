"""The one Dagster entry point: every asset, check, job and resource of the briefing.

``dagster dev`` loads this module (see ``[tool.dagster]`` in pyproject.toml); the CLI's
``briefing build`` runs its ``build`` job in process against the project's DAGSTER_HOME, so
CLI runs show up in the UI too. The UI, the CLI, the schedule and the sensor launch the same
``build`` job; a run without a partition takes every trade year (``orchestration.partitions``).

Engineers' view: every asset has an owner, a group per layer (snapshot, clean, quality, marts,
site, so the lineage collapses to five boxes), its registry column schema, a code reference to
the function that computes it and a code version from that code, an automation condition
(``orchestration.automation``), and a freshness policy on the clean, quality and mart tables and
on the published site. Runs execute in one process, launched from the UI or the CLI alike.
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from orchestration.assets.clean import clean_assets, clean_checks
from orchestration.assets.crosscheck import crosscheck_assets, crosscheck_checks
from orchestration.assets.incoming import incoming_assets
from orchestration.assets.marts_metrics import marts_metrics_assets, marts_metrics_checks
from orchestration.assets.marts_scenarios import marts_scenario_assets, marts_scenario_checks
from orchestration.assets.observed import observed_assets
from orchestration.assets.reconcile import reconcile_assets, reconcile_checks
from orchestration.assets.refresh import refresh_assets
from orchestration.assets.site import site_assets, site_checks
from orchestration.assets.snapshot import snapshot_assets
from orchestration.assets.trade import trade_assets
from orchestration.assets.usgs_quality import usgs_quality_assets, usgs_quality_checks
from orchestration.automation import build_job_selection, schedules, sensors, with_automation
from orchestration.automation import jobs as automation_jobs
from orchestration.code_version import with_code_versions
from orchestration.io import PolarsParquetIOManager
from orchestration.metadata import registry_table, with_code_references, with_registry_metadata
from orchestration.progress import progress_logger
from orchestration.resources import DEFAULT_WAREHOUSE_DIR, SnapshotSource
from orchestration.scenario_settings import ScenarioSettings
from orchestration.settings import BriefingSettings

OWNERS = ["team:briefing"]
# The site is rebuilt weekly (weekly_site_build): a mart or a published site older than a week
# and a day means a scheduled build did not run or failed; after two weeks it is stale.
WEEKLY_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(days=15), warn_window=timedelta(days=8)
)
SITE_PUBLIC = dg.AssetKey(["site", "public"])


def _polish(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Owner, layer group and freshness policy of one asset."""
    meta = registry_table(spec.key)
    group = "quality" if meta is not None and meta.layer == "quality" else spec.group_name
    fresh = spec.freshness_policy
    if spec.key.path[0] in ("marts", "intermediate") or spec.key == SITE_PUBLIC or group == "quality":
        fresh = WEEKLY_FRESHNESS
    return spec.replace_attributes(group_name=group, freshness_policy=fresh).merge_attributes(owners=OWNERS)


ALL_ASSETS = [
    *snapshot_assets,
    *trade_assets,
    *clean_assets,
    *reconcile_assets,
    *crosscheck_assets,
    *usgs_quality_assets,
    *marts_metrics_assets,
    *marts_scenario_assets,
    *site_assets,
]

build_job = dg.define_asset_job(
    "build",
    # The source assets (observations, incoming ingest, publisher refreshes) are automation's.
    selection=build_job_selection,
    description="Materialise every asset, checks included, and publish the site. Without a "
    "partition it takes every trade year; from the UI, launch it as is.",
)

defs = dg.Definitions(
    # Code references let the UI open each asset's source; the registry adds column schemas.
    # Automation conditions and the observed sources' dependencies (orchestration.automation);
    # code versions from the code references (orchestration.code_version).
    assets=[
        *with_code_references(observed_assets),
        *with_code_versions(
            with_code_references(
                [
                    *incoming_assets,
                    *refresh_assets,
                    *with_automation(
                        with_registry_metadata(dg.map_asset_specs(_polish, ALL_ASSETS))
                    ),
                ]
            )
        ),
    ],
    asset_checks=[*clean_checks, *reconcile_checks, *crosscheck_checks, *usgs_quality_checks, *marts_metrics_checks, *marts_scenario_checks, *site_checks],
    jobs=[build_job, *automation_jobs],
    schedules=schedules,
    sensors=sensors,
    # One process for every run, from the UI as from the CLI: a process per step costs more
    # in start-up (polars, pandera, the registry) than the steps themselves.
    executor=dg.in_process_executor,
    resources={
        "io_manager": PolarsParquetIOManager(base_dir=str(DEFAULT_WAREHOUSE_DIR)),
        "snapshot": SnapshotSource(),
        "settings": BriefingSettings(),
        "scenario_settings": ScenarioSettings(),
    },
    loggers={"progress": progress_logger, "console": dg.colored_console_logger},
)
