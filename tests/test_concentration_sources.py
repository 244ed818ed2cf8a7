"""The concentration marts against the publishers' own files: shares equal USGS's printed
figures, never exceed 100%, never read "100.0%" beside another producer; strontium has no world
reserve share; palladium's leader is the raw file's; history and outlook cover the key minerals.
"""

from __future__ import annotations

import polars as pl
import pytest

from orchestration.assets.clean import COMPUTE
from orchestration.snapshot_store import read_table
from transforms import reference
from transforms.marts import concentration as conc
from transforms.marts import concentration_history as history
from transforms.site import figures

pytestmark = pytest.mark.upstream

MCS2026 = "usgs-mcs/mcs2026-release/MCS2026_Commodities_Data.csv"
MCS2025_WORLD = "usgs-mcs/mcs2025/world/MCS2025_World_Data.csv"
# registry slug -> (MCS 2026 commodity, stage): a sample across stages and table kinds.
SAMPLE = {
    "antimony": ("Antimony", "mine"),
    "bismuth": ("Bismuth", "refinery"),
    "cobalt": ("Cobalt", "mine"),
    "fluorspar": ("Fluorspar", "mine"),
    "gallium": ("Gallium", "refinery"),
    "graphite": ("Graphite (Natural)", "mine"),
    "rare-earths": ("Rare Earths", "mine"),
    "tellurium": ("Tellurium", "refinery"),
    "tungsten": ("Tungsten", "mine"),
    "vanadium": ("Vanadium", "mine"),
}


def _raw(upstream_dir, path: str) -> pl.DataFrame:
    return pl.read_csv(upstream_dir / path, infer_schema=False, encoding="utf8-lossy")


def _number(text: str) -> float:
    return float(text.replace(",", "").lstrip(">"))


@pytest.fixture(scope="module")
def sides() -> dict[str, list[str]]:
    groups = reference.load_groups()
    return {"china": groups["china"], "alliance": groups["alliance"]}


def clean_table(name: str) -> pl.DataFrame:
    """A clean table as the build computes it (the source precedence included)."""
    ins, compute = COMPUTE[name]
    return compute(**{arg: read_table(table) for arg, table in ins.items()})


@pytest.fixture(scope="module")
def marts(sides) -> dict[str, pl.DataFrame]:
    production = clean_table("production")
    concentration = pl.concat(
        [
            conc.production_concentration(production, **sides),
            conc.reserves_concentration(clean_table("reserves"), **sides),
        ]
    )
    bgs = clean_table("production_history")
    return {
        "production": production,
        "concentration": concentration,
        "history": history.concentration_history(bgs, concentration, **sides),
        "outlook": history.concentration_outlook(
            clean_table("production_iea"), clean_table("outlook"), **sides
        ),
        "elements": history.concentration_by_element(bgs, clean_table("production_wmd"), **sides),
    }


def test_china_shares_equal_usgs_printed_figures(upstream_dir, marts):
    raw = _raw(upstream_dir, MCS2026).filter(
        (pl.col("Statistics") == "Production") & (pl.col("Year") == "2025")
    )
    rows = marts["concentration"].filter(
        (pl.col("measure") == "production") & (pl.col("year") == 2025)
    )
    for slug, (commodity, stage) in SAMPLE.items():
        part = raw.filter(pl.col("Commodity") == commodity)
        china = _number(part.filter(pl.col("Country") == "China")["Value"][0])
        world = _number(part.filter(pl.col("Country") == "World total")["Value"][0])
        row = rows.filter((pl.col("mineral") == slug) & (pl.col("stage") == stage)).row(
            0, named=True
        )
        # The publisher's own world total, as printed, is the denominator (tellurium's
        # excludes the United States, whose figure is withheld).
        assert row["denominator"].startswith("world_total"), slug
        assert row["china_share"] == pytest.approx(china / world, rel=1e-9), slug


def test_no_share_above_one_and_no_100_percent_beside_another_producer(marts, sides):
    shares = [c for c in marts["concentration"].columns if c.endswith("_share")]
    for name in ("concentration", "history", "outlook", "elements"):
        df = marts[name]
        for col in (c for c in shares if c in df.columns):
            assert df.filter(pl.col(col) > 1 + 1e-9).height == 0, (name, col)
    rows = figures.production_shares(
        marts["production"], marts["concentration"], sides["alliance"], sides["china"]
    )
    others = rows.with_columns(
        (pl.col("production_t").fill_null(0) > 0).sum().over("mineral", "stage", "year").alias("n")
    )
    full = others.filter(pl.col("share_text") == "100.0%")
    assert full.filter(pl.col("n") > 1).height == 0
    # Gallium 2025: China 900 t of a rounded world 900 t beside Russia and Japan.
    gallium = rows.filter(
        (pl.col("mineral") == "gallium") & (pl.col("year") == 2025) & (pl.col("country_code") == "CHN")
    ).row(0, named=True)
    assert gallium["share"] == 1.0 and gallium["share_text"] == "99.0%–100%"


def test_strontium_has_no_world_reserve_share(upstream_dir, marts):
    raw = _raw(upstream_dir, MCS2025_WORLD).filter(pl.col("COMMODITY") == "Strontium")
    world = raw.filter(pl.col("COUNTRY").str.starts_with("World"))["RESERVES_2024"]
    assert world.is_null().all()  # USGS prints no world total of strontium reserves
    row = (
        marts["concentration"]
        .filter((pl.col("mineral") == "strontium") & (pl.col("measure") == "reserves"))
        .row(0, named=True)
    )
    assert row["china_share"] is None and row["denominator"] == "no_world_total"
    assert row["share_note"] == conc.NOTE_NO_WORLD_TOTAL


def test_lower_bound_world_reserves_stay_lower_bounds(upstream_dir, marts):
    raw = _raw(upstream_dir, MCS2026).filter(
        (pl.col("Commodity") == "Rare Earths")
        & (pl.col("Country") == "World total")
        & (pl.col("Statistics") == "Reserves")
    )
    assert raw["Value"][0].startswith(">")
    row = (
        marts["concentration"]
        .filter((pl.col("mineral") == "rare-earths") & (pl.col("measure") == "reserves"))
        .sort("year")
        .row(-1, named=True)
    )
    assert row["total"] == _number(raw["Value"][0])
    assert row["total_qualifier"] == conc.LOWER_BOUND


def test_palladium_is_led_by_the_raw_files_leader(upstream_dir, marts):
    raw = _raw(upstream_dir, MCS2026).filter(
        (pl.col("Commodity") == "Palladium") & (pl.col("Statistics") == "Production")
    )
    year = raw["Year"].max()
    producers = raw.filter(
        (pl.col("Year") == year) & ~pl.col("Country").is_in(["World total", "Other countries"])
    ).with_columns(pl.col("Value").map_elements(_number, return_dtype=pl.Float64))
    leader_name = producers.sort("Value", descending=True)["Country"][0]
    names = reference.country_names_frame().filter(pl.col("source") == "any")
    leader = names.filter(pl.col("name") == leader_name)["code"][0]
    elements = marts["elements"]
    latest = elements.filter(pl.col("year") == pl.col("year").max().over("element"))
    palladium = latest.filter(pl.col("element") == "palladium").row(0, named=True)
    platinum = latest.filter(pl.col("element") == "platinum").row(0, named=True)
    assert palladium["top1_code"] == leader  # Russia, in MCS 2026
    assert platinum["top1_code"] != palladium["top1_code"]


@pytest.mark.parametrize("mineral", ["rare-earths", "graphite", "cobalt", "lithium"])
def test_key_minerals_have_history_and_outlook_at_both_stages(marts, mineral):
    hist = marts["history"].filter(
        (pl.col("mineral") == mineral) & pl.col("china_share").is_not_null()
    )
    mine = hist.filter(pl.col("stage") == "mine")
    assert mine["year"].min() <= 1995 and mine["year"].max() >= 2024
    assert hist.filter(pl.col("stage") == "refinery").height >= 1
    outlook = marts["outlook"].filter(pl.col("mineral") == mineral)
    for stage in ("mine", "refinery"):
        years = outlook.filter(pl.col("stage") == stage)["year"].to_list()
        assert sorted(years) == [2023, 2030, 2035, 2040], (mineral, stage)
    assert (outlook["source"].str.starts_with("IEA")).all()
