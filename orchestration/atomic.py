"""Replacing a folder atomically: the snapshot, the rendered pages and the published site.

A new tree is built beside the target (a staging folder) and swapped in with two renames; the
old tree is kept as ``<target>.previous`` until the new one is in place. A process killed at
any point leaves either the old or the new tree at the target, or the old one at
``.previous``, which :func:`recover_interrupted_swap` puts back.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def swap_in(new_dir: Path, target: Path) -> None:
    """Replace ``target`` by ``new_dir`` with two renames; the old tree is kept until the end.

    A process killed at any point leaves either the old tree or the new one at ``target``, or
    (between the two renames) the old tree at ``<target>.previous``, which
    :func:`recover_interrupted_swap` — run first by every swap and by the CLI — puts back.
    """
    previous = target.with_name(target.name + ".previous")
    if previous.exists():
        if target.exists():
            shutil.rmtree(previous)  # a finished swap that was killed before its clean-up
        else:
            os.rename(previous, target)  # killed between the renames: the last complete tree
    if target.exists():
        os.rename(target, previous)
    os.rename(new_dir, target)
    fsync_dir(target.parent)
    if previous.exists():
        shutil.rmtree(previous)


def fsync_dir(folder: Path) -> None:
    """Make the renames in ``folder`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def recover_interrupted_swap(target: Path) -> None:
    """Put back the last complete tree if a swap was interrupted, and drop dead staging folders.

    Safe to call at any time from a single writer: with ``target`` present a leftover
    ``.previous`` is an old tree (removed); without it, ``.previous`` is the last complete one.
    """
    previous = target.with_name(target.name + ".previous")
    if not target.exists() and previous.exists():
        os.rename(previous, target)
    elif target.exists() and previous.exists():
        shutil.rmtree(previous, ignore_errors=True)
    # Staging folders of builds that died: hidden (snapshot) or visible (site) names.
    for pattern in (f".{target.name}.staging-*", f"{target.name}.staging-*"):
        for stale in target.parent.glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)
