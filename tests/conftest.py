"""Shared fixtures: where the real upstream files are, and how their absence is handled.

The real upstream files live outside the repository (``../shared/data`` beside the checkout,
or wherever ``BRIEFING_UPSTREAM_DIR`` points). On a user's fresh clone they may be missing:
tests that need them skip. Under ``CI=true`` a missing upstream folder is an error, because CI
must test the parsers on the real files.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


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
