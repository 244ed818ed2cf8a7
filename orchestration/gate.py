"""The publishing gate: the site is published only when everything upstream of it succeeded.

Blocking checks hold back what is downstream of them within one run. The UI's "Materialize
all" splits a materialisation into several runs, and a schedule or sensor run may take only part
of the graph, so ``site/public`` also asks the Dagster instance, before it publishes, about
every asset and every check upstream of it (the rendered pages included):

* every asset has been materialised (every trade year), the last run that planned it did
  materialise it (a failed or skipped step did not), and no other run is still materialising it;
* every check has a completed evaluation that is no ERROR failure, and no other run is still
  evaluating it.

``publishing_blockers`` returns what stands in the way, one line each; an empty list publishes.
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

# The published site itself: its own checks run after it is published, so they cannot gate it.
SITE_PUBLIC = dg.AssetKey(["site", "public"])


def _in_run(run_id: str) -> str:
    return f" in run {run_id}" if run_id else " (reported outside a run)"


def _run_active(instance: dg.DagsterInstance, run_id: str, current: str) -> bool:
    if run_id == current:
        return False
    run = instance.get_run_by_id(run_id)
    return run is not None and not run.is_finished


def asset_blockers(
    instance: dg.DagsterInstance, graph, keys: Iterable[dg.AssetKey], current_run: str
) -> list[str]:
    out = []
    for key in sorted(keys, key=lambda k: k.path):
        name = key.to_user_string()
        materialised = instance.fetch_materializations(key, limit=1).records
        planned = instance.get_latest_planned_materialization_info(key)
        if planned is not None and _run_active(instance, planned.run_id, current_run):
            out.append(f"{name} is still being materialised by run {planned.run_id}")
            continue
        if not materialised:
            out.append(f"{name} has never been materialised")
            continue
        if planned is not None and planned.storage_id > materialised[0].storage_id:
            # A run planned it after its last materialisation and did not materialise it: the
            # step failed or was skipped (this run's upstream steps have all finished by now).
            out.append(f"{name} was not materialised by run {planned.run_id}, which planned it")
            continue
        partitions_def = graph.get(key).partitions_def
        if partitions_def is not None:
            missing = sorted(set(partitions_def.get_partition_keys()) - instance.get_materialized_partitions(key))
            if missing:
                out.append(f"{name} lacks partitions {', '.join(missing[:5])}{'...' if len(missing) > 5 else ''}")
    return out


def check_blockers(
    instance: dg.DagsterInstance, check_keys: list[dg.AssetCheckKey], current_run: str
) -> list[str]:
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(check_keys)
    out = []
    for key in sorted(check_keys, key=lambda k: (k.asset_key.path, k.name)):
        name = f"{key.asset_key.to_user_string()}:{key.name}"
        record = records.get(key)
        if record is None:
            out.append(f"check {name} has never been evaluated")
        elif record.status.value == "PLANNED":
            if _run_active(instance, record.run_id, current_run):
                out.append(f"check {name} is still running in run {record.run_id}")
            else:
                out.append(f"check {name} was not evaluated in run {record.run_id}")
        elif record.evaluation is None:
            out.append(f"check {name} did not complete{_in_run(record.run_id)}")
        elif not record.evaluation.passed and record.evaluation.severity == dg.AssetCheckSeverity.ERROR:
            out.append(f"check {name} failed (ERROR){_in_run(record.run_id)}")
    return out


def publishing_blockers(instance: dg.DagsterInstance, graph, current_run: str) -> list[str]:
    """Everything upstream of the published site not in a publishable state, one line each.

    site/pages counts too: a site/public run after a run whose pages failed ``settings_agree``
    (a what-if) must not publish those pages."""
    # Upstream of the site only: the automation's source assets (incoming ingest, refreshes)
    # feed the snapshot files, not the site's inputs.
    upstream = dg.AssetSelection.assets(SITE_PUBLIC).upstream().resolve(graph)
    keys = sorted(
        (k for k in graph.materializable_asset_keys if k in upstream and k != SITE_PUBLIC),
        key=lambda k: k.path,
    )
    check_keys = [k for k in graph.asset_check_keys if k.asset_key in set(keys)]
    return asset_blockers(instance, graph, keys, current_run) + check_blockers(
        instance, check_keys, current_run
    )
