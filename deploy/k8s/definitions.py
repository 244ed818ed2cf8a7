"""Code location for Kubernetes: the briefing's definitions, every step in its own pod.

Example, not imported by the project or its tests: it needs ``dagster-k8s`` (same release line
as dagster, 0.29.x for 1.13.x). Loaded by the user-code deployment of deploy/k8s/values.yaml
with ``dagster api grpc -f deploy/k8s/definitions.py``.

Jobs that name their own executor keep it (the project's ``build`` job runs in process for the
CLI); the asset jobs, schedules and sensor runs without one use the Kubernetes executor set
here.
"""

import dagster as dg
from dagster_k8s import k8s_job_executor

import orchestration.definitions as project
from orchestration import automation

_repo = project.defs.get_repository_def()
defs = dg.Definitions.merge(
    project.defs,
    dg.Definitions(
        jobs=[j for j in automation.jobs if not _repo.has_job(j.name)],
        schedules=[s for s in automation.schedules if not _repo.has_schedule_def(s.name)],
        sensors=[s for s in automation.sensors if not _repo.has_sensor_def(s.name)],
        executor=k8s_job_executor,
    ),
)
