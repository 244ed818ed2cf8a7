"""One writer at a time: the locks on publishing the site and on writing the snapshot, and the
per-run working folders of a build.

Two builds that publish to the same ``public/`` (and share the warehouse) must not interleave,
or one run publishes the other's figures. So a build holds the *publish lock* of its site folder
(``<public>.lock``, a :mod:`filelock` lock, released by the OS if the process dies) from start to
end; ``briefing snapshot`` holds the *snapshot lock* (``.<snapshot>.lock`` beside the snapshot).
Whoever finds a lock taken says who holds it ("another build is running (pid N, started T)")
and waits, or refuses with ``wait=False`` (``--no-wait``).

Locks are re-entrant within a process: the CLI takes the publish lock for the whole build and the
publish step takes it again (for runs launched from the Dagster UI); the inner hold is a no-op.

A build keeps its staging folders in ``runs/<run-id>/`` beside the docs folder, with an
``owner.json`` naming its process; :func:`clean_dead_runs` removes the folders of runs whose
process is gone (run under the lock, so no live run's folder is ever removed).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

OWNER_FILE = "owner.json"
# Paths of the locks this process holds, with how many times (re-entrant holds).
_HELD: dict[str, int] = {}


class LockBusy(RuntimeError):
    """The lock is held by another process and the caller chose not to wait."""


def publish_lock_path(public_dir: Path) -> Path:
    """The publish lock of a site folder: ``<public>.lock`` beside it."""
    public_dir = Path(public_dir)
    return public_dir.with_name(f"{public_dir.name}.lock")


def snapshot_lock_path(snapshot_dir: Path) -> Path:
    """The snapshot lock: ``.<snapshot>.lock`` beside the snapshot folder."""
    snapshot_dir = Path(snapshot_dir)
    return snapshot_dir.with_name(f".{snapshot_dir.name}.lock")


def _owner_path(lock_path: Path) -> Path:
    return lock_path.with_name(lock_path.name + ".owner")


def owner(lock_path: Path) -> dict | None:
    """Who holds (or last held) the lock: ``{"pid", "started", "what"}``, or None."""
    try:
        return json.loads(_owner_path(lock_path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def describe_owner(info: dict | None, what: str) -> str:
    if not info:
        return f"another {what} is running"
    return f"another {info.get('what', what)} is running (pid {info.get('pid')}, started {info.get('started')})"


@contextlib.contextmanager
def hold(
    lock_path: Path,
    what: str,
    *,
    wait: bool = True,
    say=lambda message: print(message, file=sys.stderr, flush=True),
) -> Iterator[None]:
    """Hold the lock at ``lock_path`` for the block; ``what`` names the holder ("build").

    If another process holds it: say who, then wait for it (``wait=True``) or raise
    :class:`LockBusy`. A second hold of a lock this process already holds does nothing.
    """
    key = str(Path(lock_path).resolve())
    if _HELD.get(key):
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    lock_path = Path(lock_path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        busy = describe_owner(owner(lock_path), what)
        if not wait:
            raise LockBusy(f"{busy}; refusing to start (--no-wait).") from None
        say(f"{busy}; waiting for it to finish (use --no-wait to refuse instead).")
        lock.acquire()
        say(f"the other {what} finished; starting.")
    try:
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        _owner_path(lock_path).write_text(
            json.dumps({"pid": os.getpid(), "started": started, "what": what}) + "\n",
            encoding="utf-8",
        )
        _HELD[key] = 1
        yield
    finally:
        _HELD.pop(key, None)
        # Before the release: once released, the file may already name the next holder.
        _owner_path(lock_path).unlink(missing_ok=True)
        lock.release()


def held(lock_path: Path) -> bool:
    """Whether this process holds the lock at ``lock_path``."""
    return bool(_HELD.get(str(Path(lock_path).resolve())))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def run_dir(runs_root: Path, run_id: str) -> Path:
    """A fresh working folder for one run, marked with its owner process."""
    folder = Path(runs_root) / run_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / OWNER_FILE).write_text(json.dumps({"pid": os.getpid()}) + "\n", encoding="utf-8")
    return folder


def clean_dead_runs(runs_root: Path) -> list[str]:
    """Remove the working folders of runs whose process has died; returns their names."""
    runs_root = Path(runs_root)
    if not runs_root.is_dir():
        return []
    removed = []
    for folder in sorted(runs_root.iterdir()):
        info = None
        with contextlib.suppress(OSError, json.JSONDecodeError):
            info = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
        pid = info.get("pid") if isinstance(info, dict) else None
        if pid == os.getpid() or (isinstance(pid, int) and _alive(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed


@contextlib.contextmanager
def hold_if_free(lock_path: Path, what: str) -> Iterator[bool]:
    """Hold the lock for the block if nobody else does; yields whether it is held."""
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(hold(lock_path, what, wait=False, say=lambda message: None))
    except LockBusy:
        yield False
        return
    with stack:
        yield True
