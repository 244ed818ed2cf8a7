"""Dependence that cannot mislead: trade coverage, one figure per ally and mineral, the count of
minerals mostly sourced from China, and the other sources — on the real snapshot data, checked
against the clean trade table and the raw USGS file."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl
import pytest

from tests._clean_tables import clean_table
from transforms import blocs, reference
from transforms.marts import dependence as dep
from transforms.marts.dependence_sources import china_other_sources
from transforms.reference import ReferenceDataError
from transforms.reference.trade_coverage import (
    TRADE_COVERAGE_FILE,
    load_trade_coverage,
    trade_coverage_frame,
)
from transforms.site import coverage

FROM_YEAR = 2022
SHARES = ("china_share", "china_share_t", "top_supplier_share", "other_share")


@pytest.fixture(scope="module")
def economies() -> blocs.Economies:
    g = reference.load_groups()
    return blocs.Economies(
        alliance=tuple(g["alliance"]), eu27=tuple(g["eu27"]), china=tuple(g["china"])
    )


@pytest.fixture(scope="module")
def trade() -> pl.DataFrame:
    return clean_table("trade").filter(pl.col("year") >= FROM_YEAR)


@pytest.fixture(scope="module")
def marts(economies, trade) -> dict[str, pl.DataFrame]:
    cov = trade_coverage_frame()
    mart = dep.dependence(
        blocs.importer_flows(trade, economies),
        clean_table("production"),
        economies=economies,
        coverage=cov,
    )
    shares = dep.china_import_shares(mart, cov)
    from orchestration.snapshot_store import read_table

    other = china_other_sources(
        read_table("usgs2026_import_sources"),
        pl.DataFrame(
            schema={
                "mineral": pl.Utf8,
                "year": pl.Int16,
                "product": pl.Utf8,
                "partner": pl.Utf8,
                "share": pl.Float64,
                "value_usd": pl.Float64,
                "source": pl.Utf8,
            }
        ),
        pl.DataFrame(
            schema={
                "month": pl.Date,
                "partner": pl.Utf8,
                "hs6": pl.Utf8,
                "mineral": pl.Utf8,
                "minerals_in_code": pl.List(pl.Utf8),
                "value_usd": pl.Float64,
                "quantity_t": pl.Float64,
                "source": pl.Utf8,
            }
        ),
        reference.minerals_frame(),
        economies=economies,
    )
    return {
        "dependence": mart,
        "shares": shares,
        "summary": dep.china_import_summary(shares),
        "other": other,
    }


def test_coverage_agrees_with_the_hs_codes() -> None:
    hs = reference.hs_map_frame()
    entries = {c.mineral: c for c in load_trade_coverage()}
    assert set(entries) == set(reference.minerals_frame()["slug"])
    for slug, entry in entries.items():
        stages = set(hs.filter(pl.col("slug") == slug)["stage"])
        assert ("ore" in entry.forms) == ("ore" in stages), slug
        assert bool({"processed", "product"} & set(entry.forms)) == ("refined" in stages), slug
    assert entries["antimony"].forms == ("ore",) and entries["gallium"].forms == ()


def test_a_coverage_that_contradicts_the_codes_is_refused(tmp_path: Path) -> None:
    from transforms.reference.files import REFERENCE_DIR

    for name in ("minerals.yaml", "sources.yaml"):
        shutil.copy(REFERENCE_DIR / name, tmp_path / name)
    text = (REFERENCE_DIR / TRADE_COVERAGE_FILE).read_text(encoding="utf-8")
    broken = text.replace(
        "{mineral: antimony, forms: [ore]", "{mineral: antimony, forms: [processed]"
    )
    assert broken != text
    (tmp_path / TRADE_COVERAGE_FILE).write_text(broken, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="ore"):
        load_trade_coverage(tmp_path)


def test_no_share_above_one(marts) -> None:
    for name, df in marts.items():
        for column in SHARES:
            if column in df.columns:
                values = df[column].drop_nulls()
                assert values.is_empty() or (values.min() >= 0 and values.max() <= 1 + 1e-9), (
                    name,
                    column,
                )


def test_antimony_and_gallium_figures_are_flagged_not_covered(marts) -> None:
    shares = marts["shares"]
    for slug in ("antimony", "gallium"):
        rows = shares.filter(pl.col("mineral") == slug)
        assert rows.height > 0, slug
        assert not rows["finding_ok"].any(), slug
        assert rows["coverage_note"].null_count() == 0, slug
        assert not any(coverage.quotable(r) for r in rows.iter_rows(named=True))
    antimony = shares.filter(pl.col("mineral") == "antimony")
    assert (antimony["trade_coverage"] == "ore only").all()
    assert antimony["coverage_note"].str.starts_with("Ore only").all()
    gallium = shares.filter(pl.col("mineral") == "gallium")
    assert gallium["stage"].is_null().all() and gallium["china_share"].is_null().all()
    assert (gallium["trade_coverage"] == "no trade code").all()
    # Every ore row of the dependence mart for antimony is flagged too.
    assert not marts["dependence"].filter(pl.col("mineral") == "antimony")["finding_ok"].any()


def test_japan_rare_earth_shares_equal_a_recount_of_the_trade_table(marts, trade, economies):
    year = int(trade["year"].max())
    row = (
        marts["shares"]
        .filter(
            (pl.col("importer") == "JPN")
            & (pl.col("mineral") == "rare-earths")
            & (pl.col("year") == year)
        )
        .row(0, named=True)
    )
    flows = trade.filter(
        (pl.col("importer_code") == "JPN")
        & (pl.col("mineral") == "rare-earths")
        & (pl.col("year") == year)
    )
    china = flows.filter(pl.col("exporter_code").is_in(list(economies.china)))
    assert row["stage"] == "refinery" and row["finding_ok"]
    assert row["china_share"] == pytest.approx(china["value_usd"].sum() / flows["value_usd"].sum())
    with_qty = flows.filter(pl.col("quantity_t").is_not_null())
    assert row["china_share_t"] == pytest.approx(
        china["quantity_t"].drop_nulls().sum() / with_qty["quantity_t"].sum()
    )
    # Value and tonnes tell different stories here: both are published, each labelled.
    assert abs(row["china_share"] - row["china_share_t"]) > 0.1


def test_majority_counts_equal_a_recount_of_the_mart(marts) -> None:
    mart = marts["dependence"]
    for r in marts["summary"].iter_rows(named=True):
        rows = mart.filter(
            (pl.col("importer") == r["importer"])
            & (pl.col("year") == r["year"])
            & (pl.col("stage") == "refinery")
            & (pl.col("imports_usd") >= dep.MIN_IMPORTS_USD)
        )
        by_value = rows.filter(pl.col("china_share") > 0.5)
        assert r["minerals_processed"] == rows.height
        assert r["china_majority_value"] == by_value.height
        assert r["china_majority_tonnes"] == rows.filter(pl.col("china_share_t") > 0.5).height
        assert r["china_majority_minerals"] == ", ".join(sorted(by_value["mineral"]))
    alliance = marts["summary"].filter(pl.col("importer") == dep.BLOC_ALLIANCE)
    assert alliance.height and alliance["china_majority_value"].max() > 0


def test_one_figure_per_importer_mineral_and_year(marts) -> None:
    shares = marts["shares"]
    assert shares.select(dep.SHARES_KEY).is_duplicated().sum() == 0
    no_code = set(
        trade_coverage_frame().filter(pl.col("trade_coverage") == "no trade code")["mineral"]
    )
    traded = marts["dependence"].group_by("importer", "year").agg(pl.col("mineral").unique())
    listed = shares.group_by("importer", "year").agg(pl.col("mineral").unique())
    both = traded.join(listed, on=["importer", "year"], suffix="_listed")
    # Every mineral the importer trades, plus every mineral without a code, once.
    for r in both.iter_rows(named=True):
        assert set(r["mineral_listed"]) == set(r["mineral"]) | no_code
    # Aluminium has ore and refined codes: the figure is the refined one, never their sum.
    aluminium = shares.filter(
        (pl.col("mineral") == "aluminium") & (pl.col("importer") == dep.BLOC_ALLIANCE)
    )
    refined = marts["dependence"].filter(
        (pl.col("mineral") == "aluminium")
        & (pl.col("importer") == dep.BLOC_ALLIANCE)
        & (pl.col("stage") == "refinery")
    )
    assert (aluminium["stage"] == "refinery").all()
    assert (
        aluminium.sort("year")["imports_usd"].to_list()
        == refined.sort("year")["imports_usd"].to_list()
    )


def test_usgs_import_sources_match_the_raw_file(marts, upstream_dir: Path) -> None:
    path = upstream_dir / "usgs-mcs" / "mcs2026-release" / "MCS2026_Commodities_Data.csv"
    with path.open(encoding="latin-1", newline="") as f:
        raw = [
            r
            for r in csv.DictReader(f)
            if r["Section"] == "Import Sources" and r["Country"] == "China"
        ]
    expected = {
        (r["Commodity"].lower(), r["Statistics_detail"]): float(r["Value"]) / 100
        for r in raw
        if r["Commodity"] in ("Antimony", "Gallium")
    }
    other = marts["other"].filter(pl.col("evidence") == "usgs_import_sources")
    got = {
        (r["mineral"], r["form"]): r["china_share"]
        for r in other.filter(pl.col("china_listed")).iter_rows(named=True)
        if r["mineral"] in ("antimony", "gallium")
    }
    assert got == pytest.approx(expected)
    assert got[("antimony", "Oxide")] == pytest.approx(0.66)
    # China not named for antimony ore: no share, bounded by "Other countries".
    ore = other.filter(
        (pl.col("mineral") == "antimony") & (pl.col("form") == "Ore and concentrates")
    )
    assert ore["china_share"].is_null().all() and not ore["china_listed"].any()
    assert ore["other_share"][0] == pytest.approx(0.05)
