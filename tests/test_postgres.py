"""The full build on a PostgreSQL-backed Dagster instance with the multiprocess executor.

A throwaway PostgreSQL cluster is initialised in a temporary folder and started on a loopback
port (as the ``postgres`` user when the tests run as root: PostgreSQL refuses to run as root).
The instance is ``deploy/dagster.yaml`` as documented, pointed at the cluster through the
``DAGSTER_PG_*`` variables. The ``build`` job runs with the multiprocess executor (each asset in
its own process) and the test then reads the run, its steps' process ids and its asset
materialisations back from PostgreSQL itself.

Skipped when the PostgreSQL server binaries or dagster-postgres are missing, except under
``CI=true``, where that is a failure (CI installs them).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DB, USER, PASSWORD = "dagster", "briefing", "briefing-test-only"
PRELOAD = ["dagster", "polars", "pandera.polars", "jinja2"]


def _missing(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def _pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def multiprocess_build_job():
    """The project's build job with the multiprocess executor (reconstructable for the workers)."""
    import dagster as dg

    from orchestration.definitions import defs

    return defs.resolve_job_def("build").with_executor_def(dg.multiprocess_executor)


@pytest.fixture
def postgres():
    """A PostgreSQL cluster on 127.0.0.1:<free port>, stopped and deleted afterwards."""
    bindir = _pg_bin()
    if bindir is None:
        _missing(
            "PostgreSQL server binaries (initdb, pg_ctl) not found; apt-get install postgresql"
        )
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="briefing-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            _missing("running as root and there is no 'postgres' user to run PostgreSQL as")
        runner = shutil.which("runuser") or shutil.which("su")
        as_user = [runner, "-u", "postgres", "--"] if runner.endswith("runuser") else None
        if as_user is None:
            _missing("running as root without runuser")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    (pwfile := root / "pw").write_text(PASSWORD + "\n")
    if as_user:
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    data, port = root / "data", _free_port()

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*as_user, *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    try:
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
        )
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off",
            "start",
        )
        # Over the cluster's own socket the user is trusted; over TCP it needs the password.
        run(str(bindir / "createdb"), "-w", "-h", str(root), "-p", str(port), "-U", USER, DB)
        yield {"host": "127.0.0.1", "port": port}
    except subprocess.CalledProcessError as exc:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        pytest.fail(f"PostgreSQL did not start: {exc.stderr}\n{log[-2000:]}")
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_full_build_on_postgres_with_the_multiprocess_executor(postgres, tmp_path, monkeypatch):
    try:
        import psycopg2  # a dependency of dagster-postgres
        from dagster_postgres import DagsterPostgresStorage  # noqa: F401
    except ImportError:
        _missing("dagster-postgres is not installed")
    import dagster as dg
    from dagster._core.definitions.reconstruct import ReconstructableJob

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
    env = {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": postgres["host"],
        "DAGSTER_PG_PORT": str(postgres["port"]),
        "DAGSTER_PG_DB": DB,
        "DAGSTER_PG_USERNAME": USER,
        "DAGSTER_PG_PASSWORD": PASSWORD,
        "BRIEFING_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
    }
    # The site goes to the test's own folders, never to the repository's public/.
    env |= {
        "BRIEFING_DOCS_DIR": str(tmp_path / "docs"),
        "BRIEFING_PUBLIC_DIR": str(tmp_path / "public"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(REPO)

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        # By file: pytest imports this module under a name the step workers could not import.
        job = ReconstructableJob.for_file(__file__, multiprocess_build_job.__name__)
        # forkserver: workers fork from a process that imported the libraries once (not the
        # project: it runs polars at import, and forking a process whose polars thread pool
        # is running deadlocks).
        run_config = {
            "execution": {
                "config": {
                    "max_concurrent": 2,
                    "start_method": {"forkserver": {"preload_modules": PRELOAD}},
                }
            }
        }
        # A run without a partition takes every trade year, as 'briefing build' does.
        with dg.execute_job(job, instance=instance, run_config=run_config) as result:
            assert result.success, [
                (e.message, getattr(getattr(e.event_specific_data, "error", None), "message", ""))
                for e in result.all_events
                if e.is_failure
            ]
            run_id = result.run_id
            expected = {
                k.to_user_string() for k in result.job_def.asset_layer.executable_asset_keys
            }

        # Steps ran in worker processes, not in this one.
        step_pids = {
            e.dagster_event.pid
            for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
        }
        assert step_pids and os.getpid() not in step_pids

    # What PostgreSQL itself holds.
    conn = psycopg2.connect(
        host=postgres["host"], port=postgres["port"], dbname=DB, user=USER, password=PASSWORD
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pipeline_name, status FROM runs WHERE run_id = %s", (run_id,))
            assert cur.fetchall() == [("build", "SUCCESS")]
            cur.execute(
                "SELECT DISTINCT asset_key FROM event_logs WHERE run_id = %s AND dagster_event_type = %s",
                (run_id, "ASSET_MATERIALIZATION"),
            )
            materialised = {
                dg.AssetKey.from_db_string(row[0]).to_user_string() for row in cur.fetchall()
            }
            cur.execute(
                "SELECT count(*) FROM event_logs WHERE run_id = %s AND dagster_event_type = %s",
                (run_id, "ASSET_CHECK_EVALUATION"),
            )
            checks = cur.fetchone()[0]
    finally:
        conn.close()
    assert materialised == expected
    assert {"snapshot/baci_trade", "clean/trade", "clean/governance"} <= materialised
    assert checks > 0
