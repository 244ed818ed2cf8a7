"""Helpers shared by the test modules: one home for what several of them needed.

Frames: the single row a test looks at (:func:`one`), a parsed table's schema, size and first
row (:func:`assert_table_opens_with`), hand-made frames typed by the metadata
registry (:func:`registry_frame`). Files: module fixtures that parse one real upstream file
(:func:`upstream_fixture`) and the tables derived from them (:func:`derived_fixture`), small synthetic files (:func:`write_text`, :func:`write_csv`, :func:`baci_file`) and the
error a reader refuses one with (:func:`refused`, :func:`assert_points_at`).
The CLI: the environment that keeps a build's outputs in a test folder (:func:`build_env`),
running ``briefing`` (:func:`run_briefing`) and hashing a folder's files (:func:`tree_hashes`).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl
import pytest

from orchestration.paths import isolated_build_env
from orchestration.snapshot_store import sha256_file
from transforms.errors import UpstreamFormatError
from transforms.metadata import dtypes

REPO_ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------------------------
# Frames


def one(frame: pl.DataFrame, **where: object) -> dict:
    """The single row matching every ``column == value`` condition (fails on 0 or several)."""
    rows = frame.filter(*[pl.col(k) == v for k, v in where.items()])
    assert rows.height == 1, f"{rows.height} rows match {where}:\n{rows}"
    return rows.row(0, named=True)


def assert_table_opens_with(
    frame: pl.DataFrame, schema: dict[str, pl.DataType], height: int, **first: object
) -> dict:
    """Assert ``frame`` has exactly ``schema`` and ``height`` rows and that its first row holds
    the ``column=value`` cells given; return that first row for further checks."""
    assert frame.schema == pl.Schema(schema)
    assert frame.height == height
    row = frame.row(0, named=True)
    assert {column: row[column] for column in first} == first
    return row


# The clean production table's columns that the mart tests' hand-made rows carry.
PRODUCTION_COLUMNS = (
    "mineral",
    "stage",
    "country_code",
    "country_kind",
    "year",
    "production_t",
    "value_flag",
    "unit_basis",
)


def registry_frame(table: str, columns: Sequence[str], rows: list[tuple]) -> pl.DataFrame:
    """Hand-made rows (tuples in ``columns`` order) typed as the registry types ``table``, so a
    test fixture cannot drift from the real table's dtypes."""
    return pl.DataFrame(rows, schema=dtypes(table, list(columns)), orient="row")


# ---------------------------------------------------------------------------------------------
# Files


def upstream_fixture(parse: Callable[[Path], object], *parts: str):
    """A module-scoped fixture: ``parse`` applied to ``upstream_dir / parts...`` (a real upstream
    file or folder; the ``upstream_dir`` fixture skips or fails when they are absent)."""

    @pytest.fixture(scope="module")
    def parsed(upstream_dir: Path) -> object:
        return parse(upstream_dir.joinpath(*parts))

    return parsed


def derived_fixture(transform: Callable[..., object], *fixtures: str):
    """A module-scoped fixture: ``transform`` applied to the values of the named fixtures (a
    clean table computed from the parsed frames of :func:`upstream_fixture`)."""

    @pytest.fixture(scope="module")
    def derived(request: pytest.FixtureRequest) -> object:
        return transform(*(request.getfixturevalue(name) for name in fixtures))

    return derived


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` as UTF-8 bytes exactly (no newline translation), creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def write_csv(
    directory: Path, name: str, lines: list[str], *, bom: bool = True, crlf: bool = True
) -> Path:
    """Write CSV text the way the USGS spreadsheets do (BOM, CRLF) unless told otherwise."""
    text = ("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")
    path = directory / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


BACI_HEADER = "t,i,j,k,v,q\n"
BACI_2022 = "BACI_HS92_Y2022_V202401b.csv"


def baci_file(folder: Path, rows: str, header: str = BACI_HEADER) -> Path:
    """A BACI yearly file (2022, release V202401b) in ``folder`` holding ``header`` + ``rows``."""
    return write_text(folder / BACI_2022, header + rows)


# ---------------------------------------------------------------------------------------------
# The CLI


def refused(
    read: Callable[[Path], object], path: Path, match: str | None = None
) -> UpstreamFormatError:
    """The :class:`UpstreamFormatError` that ``read(path)`` raises (its message matching
    ``match`` when given); the test fails when it raises none."""
    with pytest.raises(UpstreamFormatError, match=match) as info:
        read(path)
    return info.value


def assert_points_at(err: UpstreamFormatError, name: str, line: int, column: str) -> None:
    """``err`` names file ``name``, ``line`` and ``column``, as attributes and in its text."""
    assert (err.file, err.line, err.column) == (name, line, column)
    text = str(err)
    assert f"file {name}" in text
    assert f"line {line}" in text
    assert f"column '{column}'" in text


def build_env(root: Path) -> dict[str, str]:
    """Environment that sends every output of a build under ``root`` (the repository stays as it is)."""
    return isolated_build_env(root)


def briefing_command() -> list[str]:
    """The ``briefing`` console script of this environment (``uv run briefing``)."""
    script = Path(sys.executable).with_name("briefing")
    return [str(script)] if script.exists() else [sys.executable, "-m", "orchestration.cli"]


def run_briefing(
    args: list[str], *, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess:
    """Run ``briefing ARGS`` from the repository root, capturing its output as text."""
    return subprocess.run(
        [*briefing_command(), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (relative path -> digest)."""
    return {
        p.relative_to(root).as_posix(): sha256_file(p)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
