"""The engineers' view, tested for real: dagster-webserver on 127.0.0.1, driven through GraphQL.

The test starts ``dagster-webserver`` in its own session (a fresh DAGSTER_HOME and warehouse in
tmp_path), waits for the code location to load, reads the assets, checks, schedules and sensor
from the GraphQL API, launches a materialisation of ``snapshot/wgi_political_stability`` and
``clean/governance`` the way the UI's "Materialize" button does, waits for SUCCESS, and stops
the server by process group: SIGTERM, then SIGKILL after a grace period, then a check that no
process it started (code server, run worker) is still alive.

Runs are launched without a daemon: the instance uses the DefaultRunCoordinator, so the
webserver hands the run straight to the default run launcher (a subprocess).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 180
RUN_TIMEOUT = 240
STOP_GRACE = 15

# Loads the project's definitions, with the automation of orchestration/automation.py added if
# definitions.py does not wire it yet (so the schedules are visible either way).
LOCATION_FILE = """
import dagster as dg
import orchestration.definitions as _project
from orchestration import automation

_repo = _project.defs.get_repository_def()
defs = dg.Definitions.merge(_project.defs, dg.Definitions(
    jobs=[j for j in automation.jobs if not _repo.has_job(j.name)],
    schedules=[s for s in automation.schedules if not _repo.has_schedule_def(s.name)],
    sensors=[s for s in automation.sensors if not _repo.has_sensor_def(s.name)],
))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop_process_group(proc: subprocess.Popen) -> set[int]:
    """SIGTERM the server's process group, SIGKILL what is left; returns PIDs that survived."""
    started = {proc.pid} | _descendants(proc.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=STOP_GRACE)
    deadline = time.monotonic() + STOP_GRACE
    while time.monotonic() < deadline and any(_alive(p) for p in started):
        time.sleep(0.2)
    for pid in [p for p in started if _alive(p)]:  # a child that left the group
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    return {p for p in started if _alive(p)}


class GraphQL:
    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as resp:
            answer = json.loads(resp.read())
        assert not answer.get("errors"), answer["errors"]
        return answer["data"]


WORKSPACE = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""

REPOSITORIES = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
    name location { name }
    schedules { name cronSchedule executionTimezone pipelineName }
    sensors { name targets { pipelineName } }
    assetNodes { assetKey { path } description groupName kinds
                 assetChecksOrError { ... on AssetChecks { checks { name blocking } } } }
} } } }"""

LAUNCH = """mutation Launch($params: ExecutionParams!) { launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message stack }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
} }"""

RUN = """query Run($id: ID!) { runOrError(runId: $id) { __typename ... on Run {
    status assetSelection { path } stepStats { stepKey status } } } }"""

MATERIALISATIONS = """query M($key: AssetKeyInput!) { assetOrError(assetKey: $key) { ... on Asset {
    assetMaterializations(limit: 1) { runId metadataEntries { label } } } } }"""


@pytest.fixture
def webserver(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\n"
        "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\n"
    )
    location = tmp_path / "briefing_location.py"
    location.write_text(LOCATION_FILE)
    port = _free_port()
    env = os.environ | {
        "DAGSTER_HOME": str(home),
        "BRIEFING_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
        "BRIEFING_DOCS_DIR": str(tmp_path / "docs"),
        "BRIEFING_PUBLIC_DIR": str(tmp_path / "public"),
        "PYTHONPATH": str(REPO),
    }
    # The server keeps its own copy of the log's file descriptor.
    with open(tmp_path / "webserver.log", "wb") as log:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("dagster-webserver")),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-f",
                str(location),
                "-d",
                str(REPO),
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    gql = GraphQL(f"http://127.0.0.1:{port}/graphql")
    try:
        deadline = time.monotonic() + START_TIMEOUT
        entries = []
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "webserver.log").read_text()
            try:
                entries = gql(WORKSPACE)["workspaceOrError"]["locationEntries"]
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                entries = []
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                break
            time.sleep(1)
        else:
            pytest.fail(
                f"webserver not ready in {START_TIMEOUT} s: {entries}\n{(tmp_path / 'webserver.log').read_text()[-3000:]}"
            )
        errors = [
            e["locationOrLoadError"]
            for e in entries
            if e["locationOrLoadError"]["__typename"] == "PythonError"
        ]
        assert not errors, errors
        yield gql, proc
    finally:
        survivors = stop_process_group(proc)
        assert not survivors, f"processes still alive after stopping the webserver: {survivors}"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_webserver_graphql_lists_and_materialises(webserver):
    gql, proc = webserver
    [repo] = gql(REPOSITORIES)["repositoriesOrError"]["nodes"]

    assets = {"/".join(a["assetKey"]["path"]): a for a in repo["assetNodes"]}
    assert {
        "snapshot/wgi_political_stability",
        "clean/governance",
        "clean/production",
    } <= assets.keys()
    assert all(a["description"] for a in assets.values()), [
        k for k, a in assets.items() if not a["description"]
    ]
    assert "polars" in assets["clean/governance"]["kinds"]
    checks = {c["name"]: c for c in assets["clean/governance"]["assetChecksOrError"]["checks"]}
    assert checks and any(c["blocking"] for c in checks.values())

    schedules = {s["name"]: s for s in repo["schedules"]}
    assert schedules["weekly_site_build"]["cronSchedule"] == "0 5 * * 1"
    assert schedules["weekly_site_build"]["pipelineName"] == "build"
    # The rest is declarative automation, evaluated by one automation-condition sensor.
    assert "briefing_automation" in {s["name"] for s in repo["sensors"]}

    selection = [
        {"path": ["snapshot", "wgi_political_stability"]},
        {"path": ["clean", "governance"]},
    ]
    run_id = _launch(gql, repo, "__ASSET_JOB", selection)
    run = _wait(gql, run_id, RUN_TIMEOUT)
    assert run.get("status") == "SUCCESS", run
    assert sorted("/".join(k["path"]) for k in run["assetSelection"]) == [
        "clean/governance",
        "snapshot/wgi_political_stability",
    ]

    for key in selection:
        [event] = gql(MATERIALISATIONS, {"key": key})["assetOrError"]["assetMaterializations"]
        assert event["runId"] == run_id
        assert "dagster/row_count" in {m["label"] for m in event["metadataEntries"]}
    assert proc.poll() is None  # still serving after the run


def _launch(gql, repo: dict, job: str, selection: list[dict] | None = None) -> str:
    selector = {
        "repositoryLocationName": repo["location"]["name"],
        "repositoryName": repo["name"],
        "jobName": job,
    }
    if selection is not None:
        selector["assetSelection"] = selection
    launched = gql(
        LAUNCH,
        {"params": {"selector": selector, "mode": "default", "runConfigData": {}, "executionMetadata": {"tags": []}}},
    )["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def _wait(gql, run_id: str, timeout: float) -> dict:
    deadline, run = time.monotonic() + timeout, {}
    while time.monotonic() < deadline:
        run = gql(RUN, {"id": run_id})["runOrError"]
        if run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            return run
        time.sleep(2)
    return run


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_the_build_job_launched_from_the_ui_builds_and_publishes(webserver, tmp_path):
    """The ``build`` job as the launchpad's "Launch run" sends it: no partition, no tags. It
    takes every trade year in one run, in one process, and publishes the site."""
    gql, proc = webserver
    [repo] = gql(REPOSITORIES)["repositoriesOrError"]["nodes"]
    assert proc.poll() is None
    started = time.monotonic()
    run_id = _launch(gql, repo, "build")
    run = _wait(gql, run_id, 1200)
    seconds = time.monotonic() - started
    assert run.get("status") == "SUCCESS", (run, (tmp_path / "webserver.log").read_text()[-3000:])
    print(f"UI build run: {seconds:.0f} s")
    assert (tmp_path / "public" / "index.html").exists()
    years = sorted(p.stem for p in (tmp_path / "warehouse" / "clean" / "trade").glob("*.parquet"))
    assert years and years[0] == "1995" and len(years) == int(years[-1]) - 1995 + 1
    [event] = gql(MATERIALISATIONS, {"key": {"path": ["site", "public"]}})["assetOrError"]["assetMaterializations"]
    assert event["runId"] == run_id
