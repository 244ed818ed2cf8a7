"""What changed: USGS revisions between MCS editions (checked against the raw edition files),
moves in China's share of imports between BACI years, the home page's top changes, the
changelog's words, and the exact sums that make two builds give the same bytes."""

from __future__ import annotations

import csv
import math
import random
import re
from pathlib import Path

import polars as pl
import pytest

from orchestration.snapshot_store import read_table
from transforms.cleaning.revisions import usgs_revisions
from transforms.site import changes
from transforms.stable import exact_sum, exact_sum_of_squares

NAMES = {"antimony": "Antimony", "graphite": "Graphite (natural)", "cobalt": "Cobalt"}
ECONOMIES = {"CHN": "China", "RUS": "Russia"}


@pytest.fixture(scope="module")
def revisions() -> pl.DataFrame:
    return usgs_revisions(
        read_table("usgs_world"), read_table("usgs2026_world"), read_table("usgs2025_world")
    )


def _mcs2025_china_antimony_2024(upstream_dir: Path) -> float:
    path = upstream_dir / "usgs-mcs" / "mcs2025" / "world" / "MCS2025_World_Data.csv"
    with path.open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if row["COMMODITY"] == "Antimony" and row["COUNTRY"] == "China" and "Mine" in row["TYPE"]:
                return float(row["PROD_EST_ 2024"].replace(",", ""))
    raise AssertionError("China's antimony row not in MCS2025_World_Data.csv")


def _mcs2026_china_antimony_2024(upstream_dir: Path) -> float:
    path = upstream_dir / "usgs-mcs" / "mcs2026-release" / "MCS2026_Commodities_Data.csv"
    with path.open(encoding="cp1252") as fh:
        for row in csv.reader(fh):
            if row[:4] == ["ANTIMONY", "World Mine Production and Reserves", "Antimony", "China"] and row[5] == "Mine production" and row[7] == "2024":
                return float(row[8].replace(",", ""))
    raise AssertionError("China's 2024 antimony row not in MCS2026_Commodities_Data.csv")


def test_china_2024_antimony_revision_matches_both_editions(revisions, upstream_dir):
    before = _mcs2025_china_antimony_2024(upstream_dir)
    after = _mcs2026_china_antimony_2024(upstream_dir)
    assert before != after  # USGS revised it (MCS 2026 says so in its notes)
    row = revisions.filter(
        (pl.col("mineral") == "antimony") & (pl.col("country_code") == "CHN") & (pl.col("year") == 2024)
    ).row(0, named=True)
    assert (row["previous_edition"], row["edition"]) == (2025, 2026)
    assert (row["previous_production_t"], row["production_t"]) == (before, after)
    assert row["revision_t"] == after - before
    assert row["revision_rel"] == pytest.approx((after - before) / before)
    world = revisions.filter(
        (pl.col("mineral") == "antimony") & (pl.col("country_code") == "WORLD") & (pl.col("year") == 2024)
        & (pl.col("edition") == 2026)
    )["production_t"][0]
    assert row["revision_world_share"] == pytest.approx((after - before) / world)


def test_revisions_are_real_same_basis_and_largest_first(revisions):
    assert revisions.height > 0
    assert (revisions["revision_t"] != 0).all()
    assert (revisions["edition"] > revisions["previous_edition"]).all()
    weights = revisions["revision_world_share"].drop_nulls().abs().to_list()
    assert weights == sorted(weights, reverse=True)
    assert revisions.select("mineral", "stage", "country_code", "year", "edition").is_duplicated().sum() == 0


def test_revision_sentences_read_as_words(revisions):
    names = {m: m.replace("-", " ").capitalize() for m in revisions["mineral"].unique()}
    sentences = changes.usgs_revision_changes(revisions, names, ECONOMIES, edition=2026, limit=40)
    assert sentences
    china = next(s for s in sentences if s.startswith("Antimony, mine production, China, 2024"))
    assert "from 60,000 t (MCS 2025) to 40,000 t (\u221220,000 t, \u221233.3%" in china
    for s in sentences:
        assert not re.search(r"\bNone\b|\bnan\b|True|False|e\+0|_", s), s


def test_china_share_moves_rank_the_latest_year_against_the_one_before():
    imports = pl.DataFrame(
        {
            "mineral": ["antimony"] * 3 + ["cobalt"] * 2 + ["graphite"],
            "year": [2022, 2023, 2024, 2023, 2024, 2024],
            "china_share": [0.1, 0.228, 0.0004, 0.26, 0.377, 0.7],
        }
    )
    moves = changes.china_share_moves(imports)
    assert moves["mineral"].to_list() == ["antimony", "cobalt"]  # graphite has one year only
    assert moves["previous_year"].to_list() == [2023, 2023]
    assert moves["move"][0] == pytest.approx(0.0004 - 0.228)
    text = changes.share_move_sentences(moves, NAMES)
    assert text[0] == (
        "Antimony: China's share of the alliance's imports (value, CEPII BACI) <0.1% in 2024, "
        "\u221222.8 pp from 22.8% in 2023."
    )


def test_top_changes_put_the_last_build_first_then_alternate():
    top = changes.top_changes(["b1"], ["r1", "r2", "r3"], ["m1"], n=4)
    assert top == ["b1", "r1", "m1", "r2"]
    assert changes.top_changes([], [], [], n=5) == []


def test_table_changes_name_tables_by_title_not_id():
    state = {"stage_shares": {}, "alliance_imports": {}, "events": []}
    before = {"schema": changes.STATE_SCHEMA, **state, "tables": {"clean/production": 1}}
    now = {**state, "tables": {"clean/production": 2, "clean/usgs_revisions": 3}}
    text = changes.diff_states(before, now, {})
    assert text == [
        "Table \u201cProduction by mineral, stage, economy and year\u201d: 2 rows (was 1).",
        "New table \u201cProduction figures USGS revised between MCS editions\u201d: 3 rows.",
    ]


def test_exact_sum_is_the_same_in_any_order_and_as_exact_as_fsum():
    rng = random.Random(7)
    values = [rng.uniform(0, 1e9) * rng.choice([1, 1e-6]) for _ in range(20_000)]
    frame = pl.DataFrame({"k": [i % 3 for i in range(len(values))], "v": values})
    totals = {
        tuple(frame.sample(fraction=1.0, shuffle=True, seed=seed).group_by("k").agg(exact_sum("v")).sort("k")["v"])
        for seed in range(5)
    }
    assert len(totals) == 1
    expected = [math.fsum(v for i, v in enumerate(values) if i % 3 == k) for k in range(3)]
    assert list(next(iter(totals))) == pytest.approx(expected, rel=1e-12)
    nan = pl.DataFrame({"v": [1.0, float("nan")]}).select(exact_sum("v")).item()
    assert math.isnan(nan)
    assert pl.DataFrame({"v": [None, None]}, schema={"v": pl.Float64}).select(exact_sum("v")).item() == 0.0


def test_a_single_tiny_value_squares_exactly():
    frame = pl.DataFrame({"v": [0.0078125]})
    assert frame.select(exact_sum_of_squares(pl.col("v"))).item() == 0.0078125**2
    assert frame.clear().select(exact_sum_of_squares(pl.col("v"))).item() == 0.0
