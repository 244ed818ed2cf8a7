"""Publish the site: ``mkdocs build --strict`` into a fresh folder, then swap it into place.

The build runs as a subprocess of the project's own Python (``python -m mkdocs``), with a
generated config that inherits the repository's ``mkdocs.yml`` and sets the docs folder, the
nav and absolute paths. ``public`` is a symlink to the current site folder: the new site is built
next to it (``public.site-<run-id>``) and only when MkDocs succeeds is the link switched to it
with one atomic ``os.replace`` (``orchestration.atomic.switch_link``), so a failed or killed
build leaves the previous site in place and ``public/`` is never missing. The whole step holds
the publish lock, so two builds never publish into each other; ``recover_interrupted_publish``
(run under the lock) repairs the link and removes the folders of dead builds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml

from orchestration import locks
from orchestration.atomic import recover_site_link, site_folder, switch_link
from orchestration.paths import REPO_ROOT
from transforms.site.pages.data import SITE_META_FILE

MKDOCS_CONFIG = REPO_ROOT / "mkdocs.yml"
NAV_FILE = ".nav.json"
MKDOCS_TIMEOUT_S = 900


class SiteBuildError(RuntimeError):
    """MkDocs failed (in strict mode a warning is a failure); its output is in the message."""


@dataclass
class PublishResult:
    public_dir: Path
    pages: int
    bytes: int
    seconds: float
    log: str


def recover_interrupted_publish(public_dir: Path) -> None:
    """Restore the last complete site if a publish was interrupted; remove dead builds' folders."""
    recover_site_link(Path(public_dir))


def generated_config(docs_dir: Path, site_dir: Path, config_file: Path = MKDOCS_CONFIG) -> dict:
    """The config MkDocs runs with: the repository's file, plus this build's folders and nav."""
    base = yaml.safe_load(Path(config_file).read_text(encoding="utf-8"))
    theme = dict(base.get("theme", {}))
    if theme.get("custom_dir"):
        theme["custom_dir"] = str((Path(config_file).parent / theme["custom_dir"]).resolve())
    config = {
        "INHERIT": str(Path(config_file).resolve()),
        "docs_dir": str(Path(docs_dir).resolve()),
        "site_dir": str(Path(site_dir).resolve()),
        "theme": theme,
    }
    # The footer's date and version (transforms/site/pages/data.py) and, where the site is
    # deployed from a public repository, its address (BRIEFING_REPOSITORY_URL).
    footer = dict(base.get("extra", {}).get("briefing", {}))
    meta_file = Path(docs_dir) / SITE_META_FILE
    if meta_file.exists():
        footer |= json.loads(meta_file.read_text(encoding="utf-8"))
    if os.environ.get("BRIEFING_REPOSITORY_URL"):
        footer["repository"] = os.environ["BRIEFING_REPOSITORY_URL"]
    if footer:
        config["extra"] = {**base.get("extra", {}), "briefing": footer}
    nav_file = Path(docs_dir) / NAV_FILE
    if nav_file.exists():
        config["nav"] = json.loads(nav_file.read_text(encoding="utf-8"))
    return config


def mkdocs_build(docs_dir: Path, site_dir: Path, config_file: Path = MKDOCS_CONFIG) -> str:
    """Run ``mkdocs build --strict``; return its log, raise SiteBuildError on any failure."""
    fd, config_path = tempfile.mkstemp(prefix="briefing-mkdocs-", suffix=".yml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yaml.safe_dump(
                generated_config(docs_dir, site_dir, config_file),
                fh,
                sort_keys=False,
                allow_unicode=True,
            )
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        proc = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-f", config_path],
            capture_output=True,
            text=True,
            env=env,
            timeout=MKDOCS_TIMEOUT_S,
            check=False,
        )
    finally:
        os.unlink(config_path)
    log = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        raise SiteBuildError(f"mkdocs build --strict failed (exit {proc.returncode}):\n{log}")
    return log


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


# What the theme ships that an English site served as is never loads: source maps of its
# bundles, and the word segmenters of Thai (wordcut) and Japanese (tinyseg) search.
THEME_EXTRAS = ("assets/**/*.map", "assets/javascripts/lunr/wordcut.js", "assets/javascripts/lunr/tinyseg.js")


def prune_theme_extras(site_dir: Path) -> None:
    """Remove :data:`THEME_EXTRAS` from a built site (about 1.8 MB of the 40 MB budget)."""
    for pattern in THEME_EXTRAS:
        for path in site_dir.glob(pattern):
            path.unlink()


def build_and_publish(
    docs_dir: Path,
    public_dir: Path,
    config_file: Path = MKDOCS_CONFIG,
    *,
    run_id: str | None = None,
    wait: bool = True,
) -> PublishResult:
    """Build the site from ``docs_dir`` and switch ``public_dir`` to it only if the build succeeded.

    Holds the publish lock of ``public_dir`` throughout (waits for another build, or raises
    :class:`orchestration.locks.LockBusy` with ``wait=False``).
    """
    started = time.perf_counter()
    # Resolve the parent only: public_dir itself is the link, not the site it points to.
    public_dir = Path(public_dir).parent.resolve() / Path(public_dir).name
    public_dir.parent.mkdir(parents=True, exist_ok=True)
    with locks.hold(locks.publish_lock_path(public_dir), "build", wait=wait):
        recover_interrupted_publish(public_dir)
        staging = site_folder(public_dir, run_id or uuid.uuid4().hex[:12])
        try:
            log = mkdocs_build(docs_dir, staging, config_file)
            prune_theme_extras(staging)
            if not (staging / "index.html").exists():
                raise SiteBuildError(
                    f"mkdocs reported success but wrote no index.html into {staging}"
                )
            switch_link(staging, public_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        # Counted under the lock: the next build removes this folder once it is superseded.
        pages = sum(1 for _ in staging.rglob("index.html"))  # directory URLs: <path>/index.html
        size = folder_size(staging)
    return PublishResult(public_dir, pages, size, time.perf_counter() - started, log)
