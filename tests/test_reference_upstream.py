"""The curated reference tables against the real upstream files.

These tests read the upstream files directly (with polars or the csv module), so that they
do not depend on the parsers: every country name, USGS Type, 2026 row, WMD commodity and HS
code the registry relies on must exist upstream and map, and the EoL-RIR values must be those
of the SCRREEN map.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl
import pytest

from transforms import reference as ref
from transforms.parsers.usgs_mcs2025 import parse_world_files
from transforms.parsers.usgs_release2026 import parse_release_world


def _usgs_name(raw: str) -> str:
    """The parser's normalisation of a USGS country cell: odd spaces, trim, footnote digits."""
    text = re.sub(r"\s+", " ", re.sub("[\u00a0\u2007\u2009\u202f\ufeff]", " ", raw)).strip()
    return re.sub(r"^(.*\D)\d+$", r"\1", text).strip()


def _world_files(upstream_dir: Path) -> list[Path]:
    files = sorted((upstream_dir / "usgs-mcs").glob("mcs202[34]/world/*"))
    return [f for f in files if f.name.lower().endswith("_world.csv")]


def _file_code(path: Path) -> str:
    return re.sub(r"^mcs20\d\d-", "", path.name.lower()).removesuffix("_world.csv")


def _world_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


# --- EoL-RIR ----------------------------------------------------------------------------


@pytest.mark.upstream
def test_eol_rir_values_are_those_of_the_scrreen_map(upstream_dir: Path) -> None:
    with (upstream_dir / "reference" / "hs_code_map_scrreen.csv").open(encoding="utf-8-sig") as fh:
        published = {row["Sheet_name"]: float(row["EoL-RIR (2023)"]) for row in csv.DictReader(fh)}
    for mineral in ref.load_minerals():
        eol = mineral["eol_rir"]
        if eol is not None:
            assert published[eol["scrreen_row"]] == pytest.approx(eol["value"]), mineral["slug"]


# --- HS codes ----------------------------------------------------------------------------


@pytest.mark.upstream
def test_hs_codes_exist_in_baci_product_table_and_subset(upstream_dir: Path) -> None:
    baci = upstream_dir / "baci-hs92"
    products = pl.read_csv(baci / "product_codes_HS92_V202401b.csv", infer_schema=False)
    subset_codes = (
        pl.read_csv(baci / "BACI_HS92_V202401b_critical_subset.csv.gz", columns=["k"])
        .get_column("k")
        .cast(pl.String)
        .str.zfill(6)
        .unique()
    )
    hs = ref.hs_map_frame()
    assert hs.height > 0
    assert hs["hs6"].is_unique().all()
    assert set(hs["hs6"]) <= set(products["code"])
    assert set(hs["hs6"]) <= set(subset_codes)
    assert set(hs["stage"]) <= set(ref.HS_STAGES)


@pytest.mark.upstream
def test_scrreen_main_codes_follow_its_stage(upstream_dir: Path) -> None:
    # SCRREEN's main code: Extraction -> ore, Processing -> refined, except where the
    # registry documents a deviation in its hs note.
    hs = {(r["hs6"]): (r["slug"], r["stage"]) for r in ref.hs_map_frame().iter_rows(named=True)}
    notes = {m["slug"]: m["hs"].get("note", "") for m in ref.load_minerals()}
    with (upstream_dir / "reference" / "hs_code_map_scrreen.csv").open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            code = row["HS Code"]
            if code not in hs:
                continue
            slug, stage = hs[code]
            expected = {"Extraction": "ore", "Processing": "refined"}[row["Supply Chain Stage"]]
            assert stage == expected or code in notes[slug], (code, slug)


# --- USGS types and files ------------------------------------------------------------------


@pytest.mark.upstream
def test_every_usgs_code_has_a_world_file(upstream_dir: Path) -> None:
    available = {_file_code(f) for f in _world_files(upstream_dir)}
    codes = set(ref.usgs_type_map()["usgs_code"]) | set(
        ref.minerals_frame()["usgs_code"].drop_nulls()
    )
    assert codes
    assert codes <= available, sorted(codes - available)


@pytest.mark.upstream
def test_every_type_in_the_registry_files_is_mapped_and_none_is_stale(upstream_dir: Path) -> None:
    type_map = ref.usgs_type_map()
    mapped = set(zip(type_map["usgs_code"], type_map["type"], strict=True))
    seen: set[tuple[str, str]] = set()
    for path in _world_files(upstream_dir):
        code = _file_code(path)
        if code not in set(type_map["usgs_code"]):
            continue
        for row in _world_rows(path)[1:]:
            # Column 3 is Type; mcs2024-fluor names that column after its only value.
            if len(row) > 2 and row[2].strip():
                seen.add((code, row[2]))
    # MCS 2025 is one long file for all commodities: its parser names each row's file code.
    world25 = parse_world_files([upstream_dir / "usgs-mcs" / "mcs2025" / "world" / "MCS2025_World_Data.csv"])
    codes = set(type_map["usgs_code"])
    seen |= {(c, ty) for c, ty in world25.select("commodity_code", "type").unique().iter_rows() if c in codes}
    assert seen - mapped == set()
    assert mapped - seen == set()


@pytest.mark.upstream
def test_usgs2026_rows_are_mapped_and_exist(upstream_dir: Path) -> None:
    # The 2026 edition comes from USGS's data release, laid out as the transcription was.
    wpr = parse_release_world(
        upstream_dir / "usgs-mcs" / "mcs2026-release" / "MCS2026_Commodities_Data.csv"
    ).with_columns(pl.col("product").fill_null(""))
    published = set(wpr.select("commodity", "stage", "product").unique().iter_rows())
    mapping = ref.usgs2026_map_frame()
    mapped = set(mapping.select("commodity", "source_stage", "source_product").iter_rows())
    assert mapped <= published, sorted(mapped - published)
    commodities = set(mapping["commodity"])
    assert {row for row in published if row[0] in commodities} == mapped


@pytest.mark.upstream
def test_wmd_commodities_exist(upstream_dir: Path) -> None:
    wmd = pl.read_csv(
        upstream_dir / "world-mining-data" / "wmd_production_2018_2024.csv",
        columns=["commodity"],
        infer_schema=False,
    )
    assert set(ref.wmd_map_frame()["wmd_commodity"]) <= set(wmd["commodity"])


# --- country names ------------------------------------------------------------------------


def _assert_all_map(values: list[str], source: str) -> None:
    frame = pl.DataFrame({"name": values}, schema={"name": pl.String})
    assert frame.height > 0
    unmapped = ref.unmapped_names(frame, "name", source)
    assert unmapped.is_empty(), unmapped["name"].to_list()


@pytest.mark.upstream
def test_every_usgs_world_country_maps(upstream_dir: Path) -> None:
    names: list[str] = []
    for path in _world_files(upstream_dir):
        rows = _world_rows(path)
        column = rows[0].index("Country")
        names += [_usgs_name(r[column]) for r in rows[1:] if len(r) > column and r[column].strip()]
    _assert_all_map(names, "usgs")
    flagged = ref.harmonise_countries(
        pl.DataFrame({"name": sorted(set(names))}), "name", "usgs"
    ).filter(pl.col("name_marked_estimate"))
    # The estimate marker occurs in the 2024 files (gallium, platinum, perlite, peat...).
    assert {"Japane", "Russiae", "Korea, Republic ofe"} <= set(flagged["name"])
    assert set(flagged["code"]) >= {"JPN", "RUS", "KOR"}


@pytest.mark.upstream
def test_every_usgs2026_country_and_partner_maps(upstream_dir: Path) -> None:
    folder = upstream_dir / "usgs-mcs" / "mcs2026"
    wpr = pl.read_csv(folder / "world_production_reserves.csv", infer_schema=False)
    imports = pl.read_csv(folder / "us_import_sources.csv", infer_schema=False)
    names = wpr["country"].to_list() + imports["partner_country"].to_list()
    _assert_all_map([_usgs_name(n) for n in names if n], "usgs2026")


@pytest.mark.upstream
def test_every_baci_code_maps(upstream_dir: Path) -> None:
    baci = upstream_dir / "baci-hs92"
    table = pl.read_csv(baci / "country_codes_V202401b.csv", infer_schema=False)
    trade = pl.read_csv(baci / "BACI_HS92_V202401b_critical_subset.csv.gz", columns=["i", "j"])
    codes = table["country_code"].to_list() + trade["i"].cast(pl.String).unique().to_list()
    codes += trade["j"].cast(pl.String).unique().to_list()
    _assert_all_map(codes, "baci")
    harmonised = ref.harmonise_countries(trade.head(1000), "i", "baci")
    assert harmonised["code"].null_count() == 0


@pytest.mark.upstream
def test_every_wmd_country_and_iso_maps(upstream_dir: Path) -> None:
    wmd = pl.read_csv(
        upstream_dir / "world-mining-data" / "wmd_production_2018_2024.csv",
        columns=["country", "country_iso"],
        infer_schema=False,
    )
    _assert_all_map(wmd["country"].to_list(), "wmd")
    _assert_all_map(wmd["country_iso"].to_list(), "wmd")


@pytest.mark.upstream
def test_every_wgi_code_maps(upstream_dir: Path) -> None:
    codes: list[str] = []
    for path in sorted((upstream_dir / "wgi").glob("*.csv")):
        codes += pl.read_csv(path, columns=["Code"], infer_schema=False)["Code"].to_list()
    _assert_all_map(codes, "wgi")
