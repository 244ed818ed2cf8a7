"""The ``briefing`` CLI end to end: a build on the embedded snapshot, and builds that must fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(args: list[str], tmp_path: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = os.environ | {
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "BRIEFING_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
    }
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_build_on_the_embedded_snapshot(session_build):
    assert session_build.returncode == 0, session_build.stdout + session_build.stderr
    out = session_build.stdout
    assert "built    clean/production" in out
    assert "check    clean/production:schema" in out
    summary = next(line for line in out.splitlines() if line.startswith("Summary:"))
    assert "assets materialised" in summary and "checks passed" in summary
    assert (session_build.warehouse / "clean" / "production.parquet").exists()

    # The run is recorded in the project's instance, so 'dagster dev' shows it.
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(session_build.dagster_home))
    runs = instance.get_runs()
    assert len(runs) == 1 and runs[0].job_name == "build"
    assert instance.get_latest_materialization_event(dg.AssetKey(["clean", "production"])) is not None


def _upstream_copy(upstream_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "upstream"
    shutil.copytree(upstream_dir, copy, copy_function=lambda s, d: Path(d).symlink_to(s))
    return copy


def _replace(path: Path, edit) -> None:
    raw = path.read_bytes()
    path.unlink()
    path.write_bytes(edit(raw))


GALLIUM = "usgs-mcs/mcs2024/world/mcs2024-galli_world.csv"


@pytest.mark.upstream
@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "edit", "expected"),
    [
        (
            "text in a number column",
            lambda b: b.replace(b"China,Primary production,600000", b"China,Primary production,lots"),
            ["mcs2024-galli_world.csv", "line 3", "'Prod_kg_2022'", "lots"],
        ),
        (
            "wrong column",
            lambda b: b.replace(b"Source,Country,Type", b"Source,Nation,Type"),
            ["mcs2024-galli_world.csv", "Country"],
        ),
        (
            "duplicated key",
            lambda b: b.replace(
                b"MCS2024,China,Primary production,600000,600000,estimated in 2022 also,1000000,\r\n",
                b"MCS2024,China,Primary production,600000,600000,estimated in 2022 also,1000000,\r\n" * 2,
            ),
            ["duplicated key [mineral=gallium", "file mcs2024-galli_world.csv, line 4"],
        ),
    ],
)
def test_a_corrupted_upstream_file_fails_the_build_naming_file_row_and_column(
    upstream_dir, tmp_path, case, edit, expected
):
    upstream = _upstream_copy(upstream_dir, tmp_path)
    original = (upstream / GALLIUM).read_bytes()
    _replace(upstream / GALLIUM, edit)
    assert (upstream / GALLIUM).read_bytes() != original, f"{case}: the edit did not apply"

    result = _run(["build", "--from-upstream", str(upstream)], tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    for text in expected:
        assert text in out, f"{case}: {text!r} not in output:\n{out}"
    assert "Build FAILED" in out
    # Nothing downstream of the failure ran: the comparison with World Mining Data needs production.
    assert not (tmp_path / "warehouse" / "clean" / "usgs_wmd_comparison.parquet").exists()
    assert "Not built" in out


@pytest.mark.upstream
def test_snapshot_command_refuses_a_corrupted_file_and_keeps_the_old_snapshot(upstream_dir, tmp_path):
    upstream = _upstream_copy(upstream_dir, tmp_path)
    _replace(upstream / GALLIUM, lambda b: b.replace(b"China,Primary production,600000", b"China,Primary production,lots"))
    out_dir = tmp_path / "snap"
    shutil.copytree(REPO / "data" / "snapshot", out_dir)
    before = sorted((p.name, p.stat().st_size) for p in out_dir.rglob("*"))
    result = _run(["snapshot", "--from", str(upstream), "--out", str(out_dir)], tmp_path)
    assert result.returncode == 1
    assert "NOT rebuilt" in result.stderr and "line 3" in result.stderr
    assert sorted((p.name, p.stat().st_size) for p in out_dir.rglob("*")) == before
