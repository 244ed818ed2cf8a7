"""The monthly upstream refresh, as assets: one ``upstream/refresh_<source>`` per connector.

Each asks its publisher for new data (``orchestration.upstream.refresh.refresh_source``) on the
2nd of each month, 04:00 UTC (declarative automation, ``AutomationCondition.on_cron``-style),
or when materialised from the UI. A materialisation records what happened (up to date, or
updated with the changed tables and the raw folder); a failure is a red, alertable step with the
reason, and the source's snapshot is left exactly as it was, while the other sources go on. A
refreshed source changes its snapshot files, which their observations (``snapshot_files/*``)
turn into runs of what depends on them.

Comtrade is refreshed only when its API key is set; without it the asset says so and succeeds.
"""


import os

import dagster as dg

from orchestration.assets.observed import OWNERS
from orchestration.resources import SnapshotSource
from orchestration.upstream.comtrade import API_KEY_ENV
from orchestration.upstream.connectors import SOURCES

MONTHLY_REFRESH_CRON = "0 4 2 * *"
GROUP = "sources"


def refresh_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["upstream", f"refresh_{source.replace('-', '_')}"])


def _refresh_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=refresh_key(source),
        group_name=GROUP,
        owners=OWNERS,
        kinds={"python"},
        description=f"Ask the publisher of {source} for new data, monthly; a new release becomes "
        "a new snapshot version (the previous one archived), a failure leaves the snapshot as it was.",
        automation_condition=dg.AutomationCondition.cron_tick_passed(MONTHLY_REFRESH_CRON)
        & ~dg.AutomationCondition.in_progress(),
        tags={"purpose": "upstream-refresh"},
    )
    def _asset(context: dg.AssetExecutionContext, snapshot: SnapshotSource) -> dg.MaterializeResult:
        from orchestration.upstream.refresh import RefreshError, refresh_source

        if source == "comtrade" and not os.environ.get(API_KEY_ENV):
            return dg.MaterializeResult(metadata={"outcome": f"skipped: {API_KEY_ENV} is not set"})
        try:
            result = refresh_source(
                source, snapshot_dir=snapshot.snapshot_path, progress=context.log.debug
            )
        except RefreshError as exc:
            raise dg.Failure(
                description=f"refresh of {source} failed, its snapshot is untouched: {exc}"
            ) from exc
        context.log.info(result.summary())
        return dg.MaterializeResult(
            metadata={
                "outcome": result.status,
                "summary": result.summary(),
                "changed_tables": ", ".join(result.changed_tables) or "none",
            }
        )

    return _asset


refresh_assets = [_refresh_asset(source) for source in sorted(SOURCES)]
