"""The embedded snapshot: manifests, size, integrity, reproducibility from upstream, atomicity."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from orchestration.paths import DEFAULT_SNAPSHOT_DIR
from orchestration.snapshot_store import build_snapshot, read_manifests, read_table
from tests._helpers import tree_hashes
from transforms.errors import UpstreamFormatError
from transforms.snapshot import TABLES

MAX_SNAPSHOT_BYTES = 25 * 1024 * 1024
ORIGIN_FIELDS = ("publisher", "title", "url", "licence", "citation", "date_accessed")


def test_snapshot_is_small_enough():
    size = sum(p.stat().st_size for p in DEFAULT_SNAPSHOT_DIR.rglob("*") if p.is_file())
    assert 0 < size < MAX_SNAPSHOT_BYTES, f"snapshot is {size / 1e6:.1f} MB"


def test_every_source_has_a_complete_manifest():
    manifests = read_manifests()
    assert set(manifests) == {t.source for t in TABLES}
    for source, manifest in manifests.items():
        for field in ORIGIN_FIELDS:
            assert manifest.get(field), f"{source}: manifest lacks {field}"
        assert manifest["files"], source
        for record in manifest["files"]:
            assert len(record["sha256"]) == 64 and record["bytes"] > 0 and record["name"]
        for table in manifest["tables"]:
            assert table["rows"] > 0 and table["columns"]


def test_every_table_reads_and_matches_its_manifest_row_count():
    manifests = read_manifests()
    for spec in TABLES:
        df = read_table(spec.name)
        assert df is not None, spec.name
        recorded = {t["name"]: t for t in manifests[spec.source]["tables"]}[spec.name]
        assert df.height == recorded["rows"]
        assert {c: str(t) for c, t in df.schema.items()} == recorded["columns"]


def test_a_tampered_table_is_refused(tmp_path):
    copy = tmp_path / "snapshot"
    shutil.copytree(DEFAULT_SNAPSHOT_DIR, copy)
    path = copy / "wgi" / "wgi_political_stability.parquet"
    df = pl.read_parquet(path)
    df.with_columns(pl.col("estimate") * 2).write_parquet(path)
    with pytest.raises(UpstreamFormatError, match="does not match the sha256"):
        read_table("wgi_political_stability", copy)


@pytest.mark.upstream
@pytest.mark.slow
def test_rebuild_from_upstream_equals_the_committed_snapshot(upstream_dir, tmp_path):
    out = tmp_path / "snapshot"
    manifests = build_snapshot(upstream_dir, out)
    committed = read_manifests()
    assert set(manifests) == set(committed)
    for source, manifest in manifests.items():
        assert manifest["files"] == committed[source]["files"], f"{source}: upstream files differ"
        for new, old in zip(manifest["tables"], committed[source]["tables"], strict=True):
            assert new["name"] == old["name"]
            assert new["rows"] == old["rows"], new["name"]
            assert_frame_equal(read_table(new["name"], out), read_table(old["name"]), check_exact=True)
    # Byte-for-byte too: the Parquet writer is deterministic for the same input.
    assert tree_hashes(out) == tree_hashes(DEFAULT_SNAPSHOT_DIR)


def _symlinked_upstream(upstream_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "upstream"
    shutil.copytree(upstream_dir, copy, symlinks=True, copy_function=lambda s, d: Path(d).symlink_to(s))
    return copy


@pytest.mark.upstream
def test_a_broken_upstream_file_leaves_the_previous_snapshot_intact(upstream_dir, tmp_path):
    upstream = _symlinked_upstream(upstream_dir, tmp_path)
    target = upstream / "wgi" / "wgi_political_stability_estimate.csv"
    text = target.read_text(encoding="utf-8")
    target.unlink()
    lines = text.splitlines()
    cells = lines[3].split(",")
    cells[-2] = "abc"  # the 2024 estimate of the fourth line
    lines[3] = ",".join(cells)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")

    out = tmp_path / "snapshot"
    shutil.copytree(DEFAULT_SNAPSHOT_DIR, out)
    before = tree_hashes(out)
    with pytest.raises(UpstreamFormatError) as err:
        build_snapshot(upstream, out)
    message = str(err.value)
    assert "wgi_political_stability_estimate.csv" in message and "line 4" in message
    assert "2024" in message  # the column
    assert tree_hashes(out) == before
    assert not list(tmp_path.glob(".snapshot.staging-*")), "staging folder left behind"


def test_manifest_json_is_stable_text():
    for path in DEFAULT_SNAPSHOT_DIR.glob("*/manifest.json"):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n")
        assert json.loads(text)["snapshot_format_version"] >= 1
