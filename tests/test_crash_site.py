"""Crash safety of the site step: a build killed with SIGKILL while MkDocs publishes leaves the
last complete public/ in place, and the next build succeeds."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests._helpers import REPO_ROOT, briefing_command, build_env, run_briefing, tree_hashes


def _build(root: Path) -> subprocess.CompletedProcess:
    return run_briefing(["build"], env=build_env(root), timeout=900)


@pytest.mark.slow
def test_sigkill_during_the_site_step_keeps_the_last_published_site(session_build, tmp_path):
    # Start from a copy of the session's finished build (its warehouse, docs, public/ and
    # Dagster instance) rather than building again.
    assert session_build.returncode == 0, session_build.stdout + session_build.stderr
    shutil.copytree(session_build.root, tmp_path, dirs_exist_ok=True, symlinks=True)
    public = tmp_path / "public"
    before = tree_hashes(public)
    assert "index.html" in before

    # Second build: kill the whole process group as soon as the pages are rendered, i.e. while
    # MkDocs builds into its staging folder and before the swap.
    proc = subprocess.Popen(
        [*briefing_command(), "build"],
        cwd=REPO_ROOT,
        env=build_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    killed = False
    deadline = time.monotonic() + 900
    assert proc.stdout is not None
    for line in proc.stdout:
        if "built    site/pages" in line:
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            break
        assert time.monotonic() < deadline, "build did not reach the site step"
    proc.wait(timeout=60)
    assert killed, "the build finished before it could be killed"

    assert tree_hashes(public) == before, "public/ changed although the build was killed"

    again = _build(tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (public / "index.html").exists()
    leftovers = [
        p.name for p in tmp_path.iterdir() if ".staging-" in p.name or p.name.endswith(".previous")
    ]
    assert leftovers == [], f"staging folders left after a good build: {leftovers}"
