"""Shared fixtures: where the real upstream files are, and how their absence is handled.

The real upstream files live outside the repository (``../shared/data`` beside the checkout,
or wherever ``BRIEFING_UPSTREAM_DIR`` points). On a user's fresh clone they may be missing:
tests that need them skip. Under ``CI=true`` a missing upstream folder is an error, because CI
must test the parsers on the real files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests._connectors import Env, small_upstream
from tests._helpers import REPO_ROOT, build_env, run_briefing


def _upstream_dir() -> Path:
    env = os.environ.get("BRIEFING_UPSTREAM_DIR")
    if env:
        return Path(env)
    return (REPO_ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def upstream_dir() -> Path:
    """The folder of real upstream files; skips (or fails under CI=true) when absent."""
    path = _upstream_dir()
    if not (path / "usgs-mcs").is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the upstream files are missing at {path}")
        pytest.skip(f"upstream files not found at {path} (set BRIEFING_UPSTREAM_DIR)")
    return path


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@dataclass(frozen=True)
class Build:
    """One ``briefing build`` of the embedded snapshot, in its own folders."""

    root: Path
    env: dict[str, str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def public(self) -> Path:
        return self.root / "public"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"


@pytest.fixture(scope="session")
def session_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The whole pipeline built once per test session through the CLI, as a user runs it.

    A build takes half a minute on two cores; the slow tests that only read a finished build
    (CLI output, Dagster instance, the published site in Chromium, the crash test's starting
    point) share this one instead of building again. Tests must not modify it: copy first.
    """
    root = tmp_path_factory.mktemp("session_build")
    env = build_env(root)
    result = run_briefing(["build"], env=env, timeout=900)
    return Build(root, env, result.returncode, result.stdout, result.stderr)


# ---------------------------------------------------------------------------------------------
# The connector tests (tests/test_connectors*.py, tests/test_automation.py)


@pytest.fixture(scope="session")
def mini(upstream_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A small upstream folder of real files and the snapshot built from it, once a session."""
    return small_upstream(upstream_dir, tmp_path_factory.mktemp("mini"))


@pytest.fixture
def env(tmp_path: Path, mini: dict) -> Env:
    """The test's own copy of the small snapshot and its folders (see tests/_connectors.py)."""
    return Env.copy_of(mini, tmp_path)


@pytest.fixture(scope="module")
def _module_server():
    srv = HTTPServer(host="127.0.0.1", threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def server(_module_server):
    """A threaded local server (a slow handler must not hold up the retry), cleared per test."""
    _module_server.clear()
    yield _module_server
    _module_server.clear()
