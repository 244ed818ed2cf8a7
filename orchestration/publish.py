"""Publish the site: ``mkdocs build --strict`` into a fresh folder, then swap it into place.

The build runs as a subprocess of the project's own Python (``python -m mkdocs``), with a
generated config that inherits the repository's ``mkdocs.yml`` and sets the docs folder, the
nav and absolute paths. The new site is built next to the published one
(``public.staging-<id>``); only when MkDocs succeeds is the published folder renamed to
``public.previous`` and the new one renamed into place, so a failed or interrupted build leaves
the previous site intact. ``recover_interrupted_publish`` puts back the previous site if a swap
was cut between its two renames.
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

from orchestration.atomic import recover_interrupted_swap, swap_in
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
    """Restore the last complete site if a swap was interrupted; remove stale staging folders."""
    recover_interrupted_swap(Path(public_dir))


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


def build_and_publish(
    docs_dir: Path, public_dir: Path, config_file: Path = MKDOCS_CONFIG
) -> PublishResult:
    """Build the site from ``docs_dir`` and swap it into ``public_dir`` only if the build succeeded."""
    started = time.perf_counter()
    public_dir = Path(public_dir).resolve()
    public_dir.parent.mkdir(parents=True, exist_ok=True)
    recover_interrupted_publish(public_dir)
    staging = public_dir.with_name(f"{public_dir.name}.staging-{uuid.uuid4().hex[:12]}")
    try:
        log = mkdocs_build(docs_dir, staging, config_file)
        if not (staging / "index.html").exists():
            raise SiteBuildError(f"mkdocs reported success but wrote no index.html into {staging}")
        swap_in(staging, public_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    # With directory URLs every page is <path>/index.html.
    pages = sum(1 for _ in public_dir.rglob("index.html"))
    return PublishResult(
        public_dir, pages, folder_size(public_dir), time.perf_counter() - started, log
    )
