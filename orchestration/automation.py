"""How the briefing keeps itself current: declarative automation, plus one weekly schedule.

Every asset says *when* it should run (an ``AutomationCondition``); the automation sensor
``briefing_automation`` evaluates those conditions and launches the runs. Turn it on in the UI
(Automation → briefing_automation) or with ``dagster sensor start briefing_automation``.

* **Observations** — the source assets of ``orchestration.assets.observed`` (the incoming folder,
  every embedded snapshot table file, the curated reference data) are observed on a cron tick;
  their data versions are checksums, so an observation only counts as an update when a file
  changed.
* **Ingest** — ``upstream/incoming_ingest`` runs when the incoming folder changed; a file that
  does not parse fails that run and is quarantined (``orchestration.assets.incoming``).
* **Refresh** — ``upstream/refresh_<source>`` runs on the 2nd of each month, 04:00 UTC
  (``orchestration.assets.refresh``).
* **Eager** — snapshot, clean, data-quality and mart assets run as soon as something they depend
  on was updated (``AutomationCondition.eager()``), only for the trade years whose data changed;
  the site's assets also wait until every blocking check of their upstream passed.
* **Weekly** — ``weekly_site_build`` (Mondays 05:00 UTC) runs the whole ``build`` job as well,
  so the published site is rebuilt from scratch at least once a week.

Each asset also carries a code version (the sha256 of the source files its code references name),
so the UI marks assets whose code changed since their last materialisation.

Export: :data:`jobs`, :data:`schedules`, :data:`sensors`, :func:`with_automation`.
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

from orchestration.assets.observed import (
    REFERENCE_CURATED,
    REFERENCE_POLICY,
    observed_keys,
    snapshot_file_key,
)
from orchestration.assets.refresh import refresh_assets

WEEKLY_BUILD_CRON = "0 5 * * 1"
AUTOMATION_INTERVAL_SECONDS = 30

# What each layer reads besides its asset inputs: the files behind the snapshot tables, the
# curated reference data (names, registry, corrections) and the policy files.
_EXTRA_DEPS_BY_GROUP: dict[str, tuple[dg.AssetKey, ...]] = {
    "clean": (REFERENCE_CURATED,),
    "marts": (REFERENCE_CURATED, REFERENCE_POLICY),
}


def _condition(group: str | None) -> dg.AutomationCondition:
    if group == "site":
        # The published site must never run ahead of a blocking check of what it reads.
        return dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
    return dg.AutomationCondition.eager()


def _automate(spec: dg.AssetSpec) -> dg.AssetSpec:
    group = spec.group_name
    deps = list(spec.deps)
    if group == "snapshot":
        deps.append(dg.AssetDep(snapshot_file_key(spec.key.path[-1])))
    deps += [dg.AssetDep(k) for k in _EXTRA_DEPS_BY_GROUP.get(group or "", ())]
    condition = spec.automation_condition or _condition(group)
    return spec.replace_attributes(deps=deps, automation_condition=condition)


def with_automation(assets: Iterable[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """``assets`` with their automation conditions and the dependencies on the observed sources."""
    return [a.map_asset_specs(_automate) for a in assets]


build_job_selection = dg.AssetSelection.all() - dg.AssetSelection.groups("sources")

refresh_upstream_job = dg.define_asset_job(
    "refresh_upstream",
    selection=dg.AssetSelection.assets(*refresh_assets),
    description="Ask every publisher for new data now (the refresh assets also run monthly).",
)


observe_sources_job = dg.define_asset_job(
    "observe_sources",
    selection=dg.AssetSelection.assets(*observed_keys()),
    description="Observe every source asset now (checksums of the incoming folder, the snapshot "
    "files and the reference data); automation does this on its own cron ticks.",
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


briefing_automation = dg.AutomationConditionSensorDefinition(
    "briefing_automation",
    target=dg.AssetSelection.all(),
    minimum_interval_seconds=AUTOMATION_INTERVAL_SECONDS,
    description="Evaluates every asset's automation condition: observes the incoming folder, the "
    "snapshot files and the reference data, ingests dropped files, refreshes monthly, and runs "
    "exactly what depends on a changed file.",
)

jobs = [refresh_upstream_job, observe_sources_job]
schedules = [weekly_site_build]
sensors = [briefing_automation]
