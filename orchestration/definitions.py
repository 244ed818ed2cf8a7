"""The one Dagster entry point: every asset, check, job and resource of the briefing.

``dagster dev`` loads this module (see ``[tool.dagster]`` in pyproject.toml); the CLI's
``briefing build`` runs its ``build`` job in process against the project's DAGSTER_HOME, so
CLI runs show up in the UI too.
"""

from __future__ import annotations

import warnings

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
from orchestration.assets.usgs_quality import usgs_quality_assets, usgs_quality_checks
from orchestration.automation import build_job_selection, schedules, sensors, with_automation
from orchestration.automation import jobs as automation_jobs
from orchestration.code_version import with_code_versions
from orchestration.io import PolarsParquetIOManager
from orchestration.metadata import with_registry_metadata
from orchestration.progress import progress_logger
from orchestration.resources import DEFAULT_WAREHOUSE_DIR, SnapshotSource
from orchestration.scenario_settings import ScenarioSettings
from orchestration.settings import BriefingSettings

# Code references are labelled beta by Dagster; they are metadata only, used on purpose.
warnings.filterwarnings(
    "ignore",
    message=".*(with_source_code_references|LocalFileCodeReference|CodeReferencesMetadataValue)",
    category=dg.BetaWarning,
)

build_job = dg.define_asset_job(
    "build",
    # The source assets (observations, incoming ingest, publisher refreshes) are automation's.
    selection=build_job_selection,
    description="Materialise every asset on the embedded snapshot, checks included.",
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    # Code references let the UI open each asset's source file; the registry adds column schemas.
    assets=[
        *observed_assets,
        *with_code_versions(
            dg.with_source_code_references(
                [
                    *incoming_assets,
                    *refresh_assets,
                    *with_automation(
                        with_registry_metadata(
                            [*snapshot_assets, *clean_assets, *reconcile_assets, *crosscheck_assets, *usgs_quality_assets, *marts_metrics_assets, *marts_scenario_assets, *site_assets]
                        )
                    ),
                ]
            )
        ),
    ],
    asset_checks=[*clean_checks, *reconcile_checks, *crosscheck_checks, *usgs_quality_checks, *marts_metrics_checks, *marts_scenario_checks, *site_checks],
    jobs=[build_job, *automation_jobs],
    schedules=schedules,
    sensors=sensors,
    resources={
        "io_manager": PolarsParquetIOManager(base_dir=str(DEFAULT_WAREHOUSE_DIR)),
        "snapshot": SnapshotSource(),
        "settings": BriefingSettings(),
        "scenario_settings": ScenarioSettings(),
    },
    loggers={"progress": progress_logger, "console": dg.colored_console_logger},
)
