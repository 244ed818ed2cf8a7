"""Concurrent runs and leftovers: the publish and snapshot locks (two processes), the per-run
working folders of dead runs, and the link swap that never leaves the published site missing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from orchestration import atomic, locks, publish
from tests._helpers import REPO_ROOT, briefing_command, build_env, run_briefing, tree_hashes

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from orchestration import locks
    with locks.hold(Path(sys.argv[1]), sys.argv[2]):
        print("held", flush=True)
        time.sleep(float(sys.argv[3]))
    """
)


def _hold_in_other_process(lock: Path, what: str, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock), what, str(seconds)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def _site(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(text)
    return folder


def test_a_second_holder_is_told_who_runs_and_refuses_without_wait(tmp_path):
    lock = locks.publish_lock_path(tmp_path / "public")
    other = _hold_in_other_process(lock, "build", 30)
    try:
        with pytest.raises(locks.LockBusy) as refused, locks.hold(lock, "build", wait=False):
            pass
        message = str(refused.value)
        assert f"another build is running (pid {other.pid}, started " in message
        assert "refusing to start (--no-wait)" in message
    finally:
        other.kill()
        other.wait()


def test_a_second_holder_waits_then_runs(tmp_path):
    lock = locks.snapshot_lock_path(tmp_path / "snapshot")
    other = _hold_in_other_process(lock, "snapshot rebuild", 1.5)
    said: list[str] = []
    started = time.monotonic()
    with locks.hold(lock, "snapshot rebuild", say=said.append):
        waited = time.monotonic() - started
    other.wait()
    assert waited > 1.0, "got the lock while the other process still held it (1.5 s)"
    assert said[0].startswith(f"another snapshot rebuild is running (pid {other.pid}")
    assert said[0].endswith("waiting for it to finish (use --no-wait to refuse instead).")


def test_the_lock_is_reentrant_in_one_process(tmp_path):
    lock = tmp_path / "x.lock"
    with locks.hold(lock, "build"), locks.hold(lock, "build", wait=False):
        assert locks.held(lock)
    assert not locks.held(lock)


def test_briefing_build_no_wait_refuses_while_another_build_runs(tmp_path):
    env = build_env(tmp_path)
    other = _hold_in_other_process(locks.publish_lock_path(tmp_path / "public"), "build", 60)
    try:
        refused = run_briefing(["build", "--no-wait"], env=env, timeout=120)
    finally:
        other.kill()
        other.wait()
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert f"Build NOT started: another build is running (pid {other.pid}" in refused.stderr
    assert not (tmp_path / "warehouse").exists(), "the refused build ran anyway"


def test_briefing_snapshot_no_wait_refuses_while_another_writes(tmp_path):
    out = tmp_path / "snapshot"
    other = _hold_in_other_process(locks.snapshot_lock_path(out), "snapshot rebuild", 60)
    try:
        refused = run_briefing(["snapshot", "--no-wait", "--out", str(out)], timeout=120)
    finally:
        other.kill()
        other.wait()
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "Snapshot NOT rebuilt: another snapshot rebuild is running" in refused.stderr


def test_working_folders_of_dead_runs_are_removed_and_live_ones_kept(tmp_path):
    runs = tmp_path / "runs"
    mine = locks.run_dir(runs, "live-run")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    gone = runs / "dead-run"
    gone.mkdir()
    (gone / locks.OWNER_FILE).write_text(f'{{"pid": {dead.stdout.strip()}}}')
    (runs / "no-owner").mkdir()
    assert locks.clean_dead_runs(runs) == ["dead-run", "no-owner"]
    assert mine.is_dir()


def test_switching_the_link_replaces_the_site_and_removes_the_old_one(tmp_path):
    public = _site(tmp_path / "public", "legacy folder")  # published before links were used
    first = _site(atomic.site_folder(public, "run1"), "first")
    atomic.switch_link(first, public)
    assert public.is_symlink() and (public / "index.html").read_text() == "first"
    second = _site(atomic.site_folder(public, "run2"), "second")
    atomic.switch_link(second, public)
    assert (public / "index.html").read_text() == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "public.site-run2"]


@pytest.mark.parametrize(
    "killed_at",
    ["before the link", "temporary link made", "legacy folder moved", "old site still there"],
)
def test_a_kill_at_any_step_of_the_swap_leaves_a_site_to_serve(tmp_path, killed_at):
    public = tmp_path / "public"
    if killed_at == "legacy folder moved":
        # Killed between moving a pre-link site aside and linking to it.
        _site(atomic.site_folder(public, "legacy"), "last site")
        _site(tmp_path / "public.staging-old", "half-built")
    else:
        _site(atomic.site_folder(public, "run1"), "last site")
        os.symlink("public.site-run1", public)
        new = _site(atomic.site_folder(public, "run2"), "new site")
        if killed_at == "temporary link made":
            os.symlink(new.name, tmp_path / ".public.link-999")
        if killed_at == "old site still there":  # link switched, old folder not yet removed
            public.unlink()
            os.symlink(new.name, public)
    publish.recover_interrupted_publish(public)
    expected = "new site" if killed_at == "old site still there" else "last site"
    assert (public / "index.html").read_text() == expected
    assert [p.name for p in tmp_path.iterdir() if p.name != "public"] == [os.readlink(public)]


def test_serve_repairs_a_site_left_unlinked_by_a_kill(tmp_path):
    public = tmp_path / "public"
    _site(atomic.site_folder(public, "legacy"), "last site")  # killed before the link was made
    serve = subprocess.Popen(
        [*briefing_command(), "serve", "--dir", str(public), "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stdout is not None and serve.stdout.readline().startswith("Serving ")
    finally:
        serve.kill()
        serve.communicate()
    assert (public / "index.html").read_text() == "last site"


@pytest.mark.slow
def test_two_builds_started_together_publish_one_runs_site(tmp_path):
    """Two real builds on the same folders: the second waits for the first, and the published
    site is entirely one run's: the one link, to the one site folder left."""
    env = build_env(tmp_path)
    procs = [
        subprocess.Popen(
            [*briefing_command(), "build"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=1800) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    waited = [err for _, err in outputs if "another build is running" in err and "waiting" in err]
    assert len(waited) == 1, outputs
    public = tmp_path / "public"
    assert public.is_symlink() and (public / "index.html").is_file()
    leftovers = [p.name for p in tmp_path.iterdir() if ".staging-" in p.name or ".site-" in p.name]
    assert leftovers == [os.readlink(public)]
    assert tree_hashes(public)
