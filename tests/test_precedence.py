"""Source precedence of clean production (transforms.precedence), the BGS/IEA clean tables and
the three-way reconciliation (transforms.reconcile.source_reconciliation): rules on small
frames, then the figures of the committed snapshot against the upstream files."""

from __future__ import annotations

import polars as pl
import pytest

from orchestration.assets.clean import COMPUTE, known_sets
from orchestration.snapshot_store import read_table
from transforms import reconcile
from transforms.metadata import dtypes, validate
from transforms.metadata.precedence import BGS, IEA, USGS, WMD
from transforms.precedence import CANDIDATE_SCHEMA, apply_precedence


def _usgs(rows: list[tuple]) -> pl.DataFrame:
    """(mineral, stage, country_code, year, t) rows as the latest-edition USGS frame."""
    cols = dtypes("production")
    drop = ("precedence_rank", "chosen_because", "sources_available")
    return pl.DataFrame(
        [
            {
                "mineral": m, "stage": s, "country_code": c, "country_kind": "economy", "year": y,
                "production_t": t, "value_text": str(t), "value_flag": None, "unit_basis": "contained",
                "is_estimate": False, "source": USGS, "edition": 2024, "editions_available": "2024",
                "usgs_type": "Mine production", "source_file": "f.csv", "source_line": 2,
            }
            for m, s, c, y, t in rows
        ],
        schema={k: v for k, v in cols.items() if k not in drop},
    )


def _candidates(source: str, rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "mineral": m, "stage": s, "country_code": c, "country_kind": "economy", "year": y,
                "production_t": t, "unit_basis": "contained", "is_estimate": False, "source": source,
                "edition": 2024, "source_file": "x", "source_line": None, "source_product": "refined cobalt",
            }
            for m, s, c, y, t in rows
        ],
        schema=CANDIDATE_SCHEMA,
    )


def test_refinery_falls_back_from_usgs_to_iea_then_bgs_per_mineral_stage_and_year():
    usgs = _usgs([("cobalt", "mine", "COD", 2022, 100.0), ("cobalt", "mine", "COD", 2023, 110.0)])
    iea = _candidates(IEA, [("cobalt", "refinery", "CHN", 2023, 170.0)])
    bgs = _candidates(
        BGS,
        [("cobalt", "refinery", "CHN", 2022, 150.0), ("cobalt", "refinery", "CHN", 2023, 160.0)],
    )
    out = apply_precedence(usgs, [iea, bgs])
    refinery = {r["year"]: r for r in out.filter(pl.col("stage") == "refinery").iter_rows(named=True)}
    assert set(refinery) == {2022, 2023}
    assert (refinery[2023]["source"], refinery[2023]["production_t"], refinery[2023]["precedence_rank"]) == (IEA, 170.0, 2)
    assert refinery[2023]["sources_available"] == f"{IEA}, {BGS}"
    assert refinery[2023]["chosen_because"].startswith("USGS MCS publishes no refinery figure for Cobalt in 2023")
    assert (refinery[2022]["source"], refinery[2022]["precedence_rank"]) == (BGS, 3)
    assert "USGS MCS and IEA Critical Minerals Data Explorer publish no refinery figure" in refinery[2022]["chosen_because"]
    mine = out.filter(pl.col("stage") == "mine")
    assert mine["precedence_rank"].to_list() == [1, 1] and set(mine["source"]) == {USGS}


def test_a_usgs_table_wins_the_whole_year_and_fallbacks_fill_the_years_before_it():
    usgs = _usgs([("nickel", "refinery", "FIN", 2023, 10.0)])
    # BGS has another economy in 2023 (USGS's table wins the year: no mixing) and 1990, a year
    # USGS does not cover, which BGS fills.
    bgs = _candidates(BGS, [("nickel", "refinery", "CHN", 2023, 50.0), ("nickel", "refinery", "CHN", 1990, 5.0)])
    out = apply_precedence(usgs, [bgs]).sort("year")
    assert out.select("country_code", "year", "source").rows() == [("CHN", 1990, BGS), ("FIN", 2023, USGS)]
    assert out.filter(pl.col("year") == 2023)["sources_available"].item() == f"{USGS}, {BGS}"


def test_reconciliation_compares_like_with_like_and_names_pairs_beyond_tolerance():
    def figs(source, rows):
        return pl.DataFrame(
            rows, schema=["mineral", "stage", "country_code", "year", "unit_basis", "t", "product"], orient="row"
        ).with_columns(pl.lit(source).alias("source"), pl.col("year").cast(pl.Int16))

    figures = {
        USGS: figs(USGS, [("graphite", "mine", "CHN", 2022, "gross_weight", 100.0, "graphite"),
                          ("lithium", "mine", "AUS", 2022, "contained", 60.0, "Li content")]),
        # lithium in BGS as gross mineral weight: a different basis, never compared with USGS's Li content
        BGS: figs(BGS, [("graphite", "mine", "CHN", 2022, "gross_weight", 110.0, "natural graphite"),
                        ("lithium", "mine", "AUS", 2022, "gross_weight", 400.0, "spodumene")]),
        WMD: figs(WMD, [("graphite", "mine", "CHN", 2022, "gross_weight", 40.0, "Graphite"),
                        ("graphite", "mine", "CHN", 2022, "gross_weight", 200.0, "Graphite other")]),
    }
    out = reconcile.source_reconciliation(figures)
    assert "lithium" not in out["mineral"].to_list()
    pairs = {(r["source_a"], r["source_b"]): r for r in out.iter_rows(named=True)}
    assert pairs[(USGS, BGS)]["within_tolerance"]
    # of WMD's two graphite commodities, the one closer to USGS is compared (200 t: 50% apart)
    assert pairs[(USGS, WMD)]["product_b"] == "Graphite other"
    assert not pairs[(USGS, WMD)]["within_tolerance"]
    assert reconcile.reconciliation_summary(out).startswith("3 pairs compared on the same unit basis")
    # BGS's 110 t is 45% from WMD's closer figure too: beyond
    assert not pairs[(BGS, WMD)]["within_tolerance"]
    assert "1 within tolerance, 2 beyond" in reconcile.reconciliation_summary(out)


@pytest.fixture(scope="module")
def clean_tables() -> dict[str, pl.DataFrame]:
    out = {}
    for table in ("production", "production_history", "production_iea", "outlook"):
        ins, compute = COMPUTE[table]
        out[table] = compute(**{arg: read_table(name) for arg, name in ins.items()})
    return out


def test_published_production_has_the_processing_stage_as_iea_prints_it(clean_tables):
    production = clean_tables["production"]
    assert validate("production", production, known_sets()).passed
    refinery_2023 = production.filter(pl.col("stage") == "refinery", pl.col("year") == 2023)
    for mineral in ("rare-earths", "cobalt", "graphite", "lithium", "nickel"):
        rows = refinery_2023.filter(pl.col("mineral") == mineral)
        assert set(rows["source"]) == {IEA}, mineral
    ree = {r["country_code"]: r["production_t"] for r in refinery_2023.filter(pl.col("mineral") == "rare-earths").iter_rows(named=True)}
    # CM_Data_Explorer_May2024.xlsx, "2 Total supply for key minerals", magnet REE refining 2023
    assert ree["CHN"] == pytest.approx(70_300.0) and ree["WORLD"] == pytest.approx(76_300.0)


def test_bgs_history_keeps_refined_series_and_historical_economies(clean_tables):
    history = clean_tables["production_history"]
    assert validate("production_history", history, known_sets()).passed
    refinery = history.filter(pl.col("stage") == "refinery", pl.col("quantity_t").is_not_null())
    spans = {m: (refinery.filter(pl.col("mineral") == m)["year"].min(), refinery.filter(pl.col("mineral") == m)["year"].max())
             for m in ("cobalt", "germanium", "gallium")}
    # BGS figures: refined cobalt from 1972, germanium metal from 1971, primary gallium from 2007
    # (its 2006 rows carry precision code O, no figure)
    assert spans == {"cobalt": (1972, 2023), "germanium": (1971, 2023), "gallium": (2007, 2023)}
    soviet = history.filter(pl.col("economy") == "SUN")
    assert soviet.height and set(soviet["economy_kind"]) == {"historical"}


def test_iea_tables_keep_aggregates_typed_and_projections_apart(clean_tables):
    iea, outlook = clean_tables["production_iea"], clean_tables["outlook"]
    assert validate("production_iea", iea, known_sets()).passed
    assert validate("outlook", outlook, known_sets()).passed
    assert set(iea["year"]) == {2023} and set(outlook["year"]) == {2030, 2035, 2040}
    assert set(iea.filter(pl.col("economy_kind") == "aggregate")["economy"]) == {"OTHER", "WORLD"}
    assert set(outlook["scenario"]) == {"base case"}
