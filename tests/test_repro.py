"""Byte-identical builds: two builds of the same data, each in its own fresh folders, publish
the same public/ byte for byte, the build date apart (scripts/repro_check.py does the same for
N builds from the command line)."""

from __future__ import annotations

import importlib.util

import pytest

from tests._helpers import REPO_ROOT


def _repro_check():
    spec = importlib.util.spec_from_file_location("repro_check", REPO_ROOT / "scripts" / "repro_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_build_date_is_the_only_thing_masked(tmp_path):
    check = _repro_check()
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"built 2026-11-30, 30 November 2026; China 31.6%")
    b.write_bytes(b"built 2026-12-01, 1 December 2026; China 31.6%")
    assert check.masked_digest(a) == check.masked_digest(b)
    b.write_bytes(b"built 2026-12-01, 1 December 2026; China 31.7%")
    assert check.masked_digest(a) != check.masked_digest(b)
    assert check.differing([{"x": "1", "y": "2"}, {"x": "1"}]) == ["y"]


@pytest.mark.slow
def test_two_builds_of_the_same_data_publish_the_same_bytes(tmp_path):
    check = _repro_check()
    publics = [check.build(tmp_path / f"build-{i}") for i in (1, 2)]
    trees = [check.tree(p) for p in publics]
    assert len(trees[0]) > 100
    assert check.differing(trees) == []
