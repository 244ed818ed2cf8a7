"""Smoke test of the scale benchmark's code (benchmarks/) on a few thousand rows.

The benchmark itself runs at full scale from the command line (see benchmarks/README.md); this
only checks that generation, the engines, the agreement check and the report work, with the
peers that are installed (DuckDB and pandas are in the ``bench`` dependency group).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("numpy")  # the generator draws with numpy

from benchmarks import baci_ingest
from benchmarks.generate import Spec, generate
from benchmarks.report import write_results

pytestmark = pytest.mark.slow
SMALL = Spec(rows_per_year=3_000, economies=40, products=300)
BALLAST_MB = 1024


def test_generation_is_deterministic_and_baci_shaped(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 2, SMALL, say=lambda _: None)
    b = generate(tmp_path / "b", 2, SMALL, say=lambda _: None)
    for fmt in ("csv", "parquet"):
        assert [p.read_bytes() for p in a[fmt]] == [p.read_bytes() for p in b[fmt]]
    assert [p.name for p in a["csv"]] == [
        "BACI_HS92_Y2013_V202401b.csv",
        "BACI_HS92_Y2014_V202401b.csv",
    ]
    frame = pl.read_parquet(a["parquet"][0])
    assert frame.columns == ["t", "i", "j", "k", "v", "q"]
    assert frame.select(pl.struct("i", "j", "k").is_duplicated().any()).item() is False
    assert (frame["i"] != frame["j"]).all()
    assert frame["k"].str.len_chars().unique().to_list() == [6]
    assert 0 < frame["q"].null_count() < frame.height
    assert frame.height == pytest.approx(SMALL.rows_per_year, rel=0.1)
    assert a["csv"][0].read_text().startswith("t,i,j,k,v,q\n")


def test_engines_agree_and_the_report_is_written(tmp_path: Path) -> None:
    engines = ["project"] + [e for e in ("duckdb", "pandas") if importlib.util.find_spec(e)]
    # A parent holding much memory (as after generating full-scale data) must not show up in the
    # engines' peak RSS: each worker reports its own process's peak.
    ballast = bytearray(BALLAST_MB << 20)
    ballast[:: 1 << 12] = b"\x01" * len(range(0, len(ballast), 1 << 12))
    record = baci_ingest.run(
        [1, 2], tmp_path / "work", engines=tuple(engines), repeat=1, spec=SMALL, say=lambda _: None
    )
    del ballast
    runs = record["runs"]
    assert {r["engine"] for r in runs} == set(engines)
    assert {(r["years"], r["format"]) for r in runs} == {
        (n, f) for n in (1, 2) for f in ("csv", "parquet")
    }
    assert all(r["wall_s"] > 0 and 0 < r["peak_rss_mb"] < BALLAST_MB for r in runs)
    # Same groups from every engine (run() raises otherwise); more years, more groups.
    groups = {(r["years"], r["format"]): r["groups"] for r in runs if r["engine"] == "project"}
    assert groups[(2, "csv")] > groups[(1, "csv")] == groups[(1, "parquet")]
    md, js = write_results(record, tmp_path / "out")
    text = md.read_text()
    assert "| years | format | rows | engine |" in text and "Where the project's time goes" in text
    assert js.exists()
