"""Crash safety of the site step: a build killed with SIGKILL while MkDocs publishes leaves the
last complete public/ in place, and the next build succeeds."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path) -> dict[str, str]:
    return os.environ | {
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "BRIEFING_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
        "BRIEFING_DOCS_DIR": str(tmp_path / "docs"),
        "BRIEFING_PUBLIC_DIR": str(tmp_path / "public"),
    }


def _build(tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "build"],
        cwd=REPO,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=900,
    )


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_sigkill_during_the_site_step_keeps_the_last_published_site(tmp_path):
    first = _build(tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    public = tmp_path / "public"
    before = _hashes(public)
    assert "index.html" in before

    # Second build: kill the whole process group as soon as the pages are rendered, i.e. while
    # MkDocs builds into its staging folder and before the swap.
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "build"],
        cwd=REPO,
        env=_env(tmp_path),
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

    assert _hashes(public) == before, "public/ changed although the build was killed"

    again = _build(tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (public / "index.html").exists()
    leftovers = [
        p.name for p in tmp_path.iterdir() if ".staging-" in p.name or p.name.endswith(".previous")
    ]
    assert leftovers == [], f"staging folders left after a good build: {leftovers}"
