"""Crash safety of the snapshot rebuild: a SIGKILL at any moment leaves the last complete snapshot.

``briefing snapshot`` parses every table into a staging folder beside the snapshot and swaps it
in with two renames (``orchestration.atomic.swap_in``). These tests kill the real command with
SIGKILL in the middle of the parsing (after the first, the sixth and the last "ok" line), and
kill a rebuild exactly between and after the two renames of the swap, then check that the
snapshot folder is the previous complete version byte for byte (or, once the swap is done,
the new complete version), and that the next run succeeds and cleans up.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.atomic import recover_interrupted_swap
from orchestration.snapshot_store import read_manifests, read_table
from tests._helpers import REPO_ROOT, briefing_command, run_briefing, tree_hashes
from tests.gauntlet.runner import write_clean
from transforms.snapshot import TABLES

SNAPSHOT_DIR = REPO_ROOT / "data" / "snapshot"
pytestmark = [pytest.mark.slow, pytest.mark.upstream]


def _leftovers(out: Path) -> list[str]:
    # The snapshot's lock file (orchestration/locks.py) stays by design; it holds no data.
    return sorted(
        p.name
        for p in out.parent.iterdir()
        if p.name.startswith((f".{out.name}.", f"{out.name}.")) and not p.name.endswith(".lock")
    )


def _assert_complete(out: Path) -> None:
    """Every table is present and matches the sha256 its manifest records."""
    manifests = read_manifests(out)
    assert manifests, f"no manifests in {out}"
    for spec in TABLES:
        if spec.required or (out / spec.source / f"{spec.name}.parquet").exists():
            assert read_table(spec.name, out) is not None


@pytest.fixture
def small_upstream(upstream_dir: Path, tmp_path: Path) -> Path:
    """The gauntlet's minimal upstream folder (real files, lithium only for USGS): the swap tests
    need a rebuild, not the full parse."""
    write_clean(upstream_dir, tmp_path / "upstream")
    return tmp_path / "upstream"


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A complete previous snapshot (a copy of the embedded one) and its hashes."""
    out = tmp_path / "work" / "snapshot"
    shutil.copytree(SNAPSHOT_DIR, out)
    return out, tree_hashes(out)


def _kill_after_ok_lines(upstream: Path, out: Path, count: int) -> list[str]:
    proc = subprocess.Popen(
        [*briefing_command(), "snapshot", "--from", str(upstream), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO_ROOT,
    )
    seen: list[str] = []
    ok = 0
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line.rstrip())
            if line.strip().startswith("ok "):
                ok += 1
                if ok == count:
                    proc.send_signal(signal.SIGKILL)
                    break
    finally:
        proc.wait(timeout=120)
    assert ok == count, f"the run ended before {count} tables:\n" + "\n".join(seen)
    assert proc.returncode == -signal.SIGKILL
    return seen


def _rebuild(upstream: Path, out: Path) -> None:
    # The minimal folder holds fewer files than the previous (embedded) snapshot: say so.
    done = run_briefing(["snapshot", "--from", str(upstream), "--out", str(out), "--accept-shrink", "crash test"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Snapshot rebuilt" in done.stdout
    assert _leftovers(out) == []
    _assert_complete(out)


@pytest.mark.parametrize("ok_lines", [1, 6, len(TABLES)])
def test_sigkill_while_parsing_keeps_the_previous_snapshot(
    upstream_dir: Path, previous: tuple[Path, dict[str, str]], ok_lines: int
) -> None:
    out, before = previous
    _kill_after_ok_lines(upstream_dir, out, ok_lines)
    after = tree_hashes(out) if out.exists() else {}
    if ok_lines < len(TABLES):
        # Killed with tables still to parse: the swap cannot have started.
        assert after == before
        assert any(".staging-" in name for name in _leftovers(out)), "killed after the run ended?"
    else:
        # Killed after the last table: before the swap (the previous snapshot), during it (the
        # previous one, put back by recovery) or after it (the new one, complete).
        recover_interrupted_swap(out)
        if tree_hashes(out) != before:
            _assert_complete(out)
    _rebuild(upstream_dir, out)


def _kill_inside_swap(upstream: Path, out: Path, after_rename_to: str) -> None:
    """Rebuild in a child process that SIGKILLs itself right after a given rename of the swap."""
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "import orchestration.atomic as atomic\n"
        "import orchestration.snapshot_store as snapshot\n"
        "real = os.rename\n"
        "def rename(src, dst, *args, **kwargs):\n"
        "    real(src, dst, *args, **kwargs)\n"
        "    if str(dst).endswith(sys.argv[3]):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "atomic.os.rename = rename\n"
        "snapshot.build_snapshot(Path(sys.argv[1]), Path(sys.argv[2]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(upstream), str(out), after_rename_to],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr


def test_sigkill_between_the_two_renames(
    small_upstream: Path, previous: tuple[Path, dict[str, str]]
) -> None:
    out, before = previous
    _kill_inside_swap(small_upstream, out, ".previous")
    # The old tree was moved aside and the new one not yet moved in.
    assert not out.exists()
    assert (out.parent / f"{out.name}.previous").is_dir()
    recover_interrupted_swap(out)
    assert tree_hashes(out) == before
    _rebuild(small_upstream, out)


def test_sigkill_after_the_swap_before_clean_up(
    small_upstream: Path, previous: tuple[Path, dict[str, str]]
) -> None:
    out, _ = previous
    _kill_inside_swap(small_upstream, out, out.name)
    # The new tree is in place and complete; the old one is still beside it.
    _assert_complete(out)
    assert (out.parent / f"{out.name}.previous").is_dir()
    _rebuild(small_upstream, out)
    assert not (out.parent / f"{out.name}.previous").exists()


def test_a_swap_never_deletes_the_only_complete_tree(tmp_path: Path) -> None:
    # After a kill between the renames only "<target>.previous" holds data. A later swap (even
    # one not preceded by recovery) that fails before its new tree is in must leave that data
    # recoverable, not delete it first.
    from orchestration.atomic import swap_in

    target = tmp_path / "snap"
    previous = tmp_path / "snap.previous"
    previous.mkdir()
    (previous / "table.parquet").write_bytes(b"old")
    with pytest.raises(FileNotFoundError):
        swap_in(tmp_path / ".snap.staging-gone", target)
    recover_interrupted_swap(target)
    assert (target / "table.parquet").read_bytes() == b"old"

    new = tmp_path / ".snap.staging-1"
    new.mkdir()
    (new / "table.parquet").write_bytes(b"new")
    swap_in(new, target)
    assert (target / "table.parquet").read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["snap"]
