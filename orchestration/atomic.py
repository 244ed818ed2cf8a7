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


# The published site is a symlink ``public -> public.site-<id>``: a new site is built in its own
# folder and the link is replaced with one ``os.replace``, so a reader (or ``briefing serve``)
# always finds a complete site, even if the process is killed at any instant.
SITE_PREFIX = ".site-"


def site_folder(link: Path, run_id: str) -> Path:
    """Where a run builds the site that ``link`` will point to: ``<link>.site-<run-id>``."""
    return link.with_name(f"{link.name}{SITE_PREFIX}{run_id}")


def switch_link(new_dir: Path, link: Path) -> None:
    """Point ``link`` at ``new_dir`` (a sibling) atomically and remove the site it pointed to.

    A ``link`` that is still a real folder (a site published before links were used) is first
    moved to a ``.site-`` folder and linked to, so it is never missing for more than that one
    rename; :func:`recover_site_link` repairs even that window.
    """
    link, new_dir = Path(link), Path(new_dir)
    if link.is_dir() and not link.is_symlink():
        legacy = site_folder(link, "legacy")
        if legacy.exists():
            shutil.rmtree(legacy)
        os.rename(link, legacy)
        _point(link, legacy)
    old = Path(os.readlink(link)) if link.is_symlink() else None
    _point(link, new_dir)
    fsync_dir(link.parent)
    if old is not None and old.name != new_dir.name:
        shutil.rmtree(link.parent / old, ignore_errors=True)


def _point(link: Path, target: Path) -> None:
    temporary = link.with_name(f".{link.name}.link-{os.getpid()}")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(target.name, temporary)  # relative: the pair can be copied or moved together
    os.replace(temporary, link)


def recover_site_link(link: Path) -> None:
    """Repair the published site after a kill, and drop the sites no link points to.

    Run under the publish lock. A site from before links (``<link>.previous`` after a kill
    between the old two renames) is put back; a missing or dangling link is pointed at the newest
    complete site folder; every other ``.site-``, ``.staging-`` or ``.previous`` folder is removed.
    """
    link = Path(link)
    parent = link.parent
    if not parent.is_dir():
        return
    previous = link.with_name(link.name + ".previous")
    if not link.exists() and not link.is_symlink() and previous.is_dir():
        os.rename(previous, link)
    if link.is_symlink() and not link.exists():
        link.unlink()  # dangling: its site was removed
    sites = sorted(
        (p for p in parent.glob(f"{link.name}{SITE_PREFIX}*") if (p / "index.html").is_file()),
        key=lambda p: p.stat().st_mtime,
    )
    if not link.exists() and sites:
        _point(link, sites[-1])
    current = Path(os.readlink(link)).name if link.is_symlink() else None
    for pattern in (
        f"{link.name}{SITE_PREFIX}*",
        f"{link.name}.staging-*",
        f"{link.name}.previous",
        f".{link.name}.link-*",
    ):
        for stale in parent.glob(pattern):
            if stale.name == current:
                continue
            if stale.is_symlink() or stale.is_file():
                stale.unlink()
            else:
                shutil.rmtree(stale, ignore_errors=True)
