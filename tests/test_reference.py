"""Tests of the curated reference tables and the country-name harmoniser.

The coverage tests read the real upstream files directly (with polars or the csv module),
so that they do not depend on the parsers: every country name, USGS Type, 2026 row, WMD
commodity and HS code the registry relies on must exist upstream and map.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from transforms import reference as ref

EU27 = {"AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN"}
EU27 |= {"IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN"}
EU27 |= {"ESP", "SWE"}
G7 = {"CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"}


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


# --- loading and structure ---------------------------------------------------------------


def test_reference_dir_is_the_repo_data_folder(repo_root: Path) -> None:
    assert repo_root / "data" / "reference" == ref.REFERENCE_DIR
    for name in ("minerals.yaml", "economies.csv", "groups.yaml", "country_names.csv", "README.md"):
        assert (ref.REFERENCE_DIR / name).is_file()


def test_tables_load_with_their_schemas() -> None:
    minerals = ref.minerals_frame()
    assert minerals.schema["eu_crm_2023"] == pl.Boolean
    assert minerals.schema["eol_rir"] == pl.Float64
    assert minerals.schema["usgs_codes"] == pl.List(pl.String)
    assert ref.usgs_type_map().columns[:6] == [
        "usgs_code",
        "type",
        "type_clean",
        "slug",
        "stage",
        "unit_basis",
    ]
    assert ref.hs_map_frame().schema == pl.Schema(
        {"slug": pl.String, "stage": pl.String, "hs6": pl.String}
    )
    economies = ref.economies_frame()
    assert economies.schema["is_alliance_core"] == pl.Boolean
    assert economies["iso3"].is_unique().all()
    names = ref.country_names_frame()
    assert names.columns == ["source", "name", "kind", "code", "note"]
    assert set(ref.wmd_map_frame()["stage"]) <= set(ref.STAGES)
    assert set(ref.usgs2026_map_frame()["stage"]) <= set(ref.STAGES)


def test_registry_has_at_least_30_minerals_with_the_key_ones() -> None:
    minerals = ref.load_minerals()
    slugs = [m["slug"] for m in minerals]
    assert len(slugs) >= 30
    assert len(set(slugs)) == len(slugs)
    for slug in (
        "gallium",
        "germanium",
        "antimony",
        "rare-earths",
        "graphite",
        "cobalt",
        "lithium",
        "tungsten",
        "nickel",
        "manganese",
        "pgm",
    ):
        assert slug in slugs


def test_load_minerals_returns_a_copy() -> None:
    first = ref.load_minerals()
    first[0]["slug"] = "changed"
    assert ref.load_minerals()[0]["slug"] != "changed"


def test_every_strategic_eu_raw_material_is_covered() -> None:
    # CRMA Annex I section 1 lists 17 strategic raw materials; all have a source here.
    strategic = ref.minerals_frame().filter(pl.col("eu_strategic_2023"))["slug"].to_list()
    assert len(strategic) == 17
    assert (
        ref.minerals_frame().filter(pl.col("eu_strategic_2023") & ~pl.col("eu_crm_2023")).is_empty()
    )


def test_every_mineral_is_on_a_list_and_has_a_production_source() -> None:
    frame = ref.minerals_frame()
    on_a_list = frame.filter(pl.any_horizontal(list(ref.LIST_FLAGS)))
    assert on_a_list.height == frame.height
    kept_usgs = set(ref.usgs_type_map().filter(pl.col("stage") != "exclude")["slug"])
    kept_wmd = set(ref.wmd_map_frame().filter(pl.col("stage") != "exclude")["slug"])
    assert set(frame["slug"]) == kept_usgs | kept_wmd


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
    assert seen - mapped == set()
    assert mapped - seen == set()


@pytest.mark.upstream
def test_usgs2026_rows_are_mapped_and_exist(upstream_dir: Path) -> None:
    wpr = pl.read_csv(
        upstream_dir / "usgs-mcs" / "mcs2026" / "world_production_reserves.csv",
        infer_schema=False,
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


def test_every_economy_is_used_by_some_name() -> None:
    used = set(ref.country_names_frame().filter(pl.col("kind") == "economy")["code"])
    assert set(ref.economies_frame()["iso3"]) == used


@pytest.mark.parametrize(
    ("name", "source", "code", "kind", "marked"),
    [
        ("Japane", "usgs", "JPN", "economy", True),
        ("Korea, Republic ofe", "usgs", "KOR", "economy", True),
        ("Burma", "usgs", "MMR", "economy", False),
        ("Congo (Kinshasa)", "usgs", "COD", "economy", False),
        ("World total (rounded)", "usgs", "WORLD", "aggregate", False),
        ("Other countries", "usgs", "OTHER", "aggregate", False),
        ("France", "usgs", "FRA", "economy", False),
        ("Ukraine", "usgs", "UKR", "economy", False),
        ("other", "usgs2026", "OTHER", "aggregate", False),
        ("490", "baci", "TWN", "economy", False),
        ("344", "baci", "HKG", "economy", False),
        ("156", "baci", "CHN", "economy", False),
        ("S19", "wmd", "TWN", "economy", False),
        ("DELETE", "wmd", "WORLD", "aggregate", False),
        ("R20", "wgi", "XKX", "economy", False),
    ],
)
def test_harmonise_examples(name: str, source: str, code: str, kind: str, marked: bool) -> None:
    out = ref.harmonise_countries(pl.DataFrame({"country": [name]}), "country", source)
    assert out.row(0, named=True) == {
        "country": name,
        "code": code,
        "kind": kind,
        "name_marked_estimate": marked,
    }


def test_harmonise_keeps_rows_order_and_other_columns() -> None:
    frame = pl.DataFrame(
        {
            "country": ["Chinae", None, "Atlantis", "China", "Japane"],
            "value": [1, 2, 3, 4, 5],
        }
    )
    out = ref.harmonise_countries(frame, "country", "usgs")
    assert out.columns == ["country", "value", "code", "kind", "name_marked_estimate"]
    assert out["value"].to_list() == [1, 2, 3, 4, 5]
    assert out["code"].to_list() == ["CHN", None, None, "CHN", "JPN"]
    assert out["name_marked_estimate"].to_list() == [True, False, False, False, True]
    assert out.schema["name_marked_estimate"] == pl.Boolean
    unmapped = ref.unmapped_names(frame, "country", "usgs")
    assert unmapped.to_dicts() == [{"country": "Atlantis", "rows": 1}]


def test_harmonise_takes_integer_baci_codes() -> None:
    out = ref.harmonise_countries(pl.DataFrame({"i": [490, 842]}), "i", "baci")
    assert out["code"].to_list() == ["TWN", "USA"]
    assert out["i"].dtype == pl.Int64


def test_harmonise_is_source_specific() -> None:
    # BACI numeric codes are not names of any other source.
    out = ref.harmonise_countries(pl.DataFrame({"c": ["490"]}), "c", "wgi")
    assert out["code"].to_list() == [None]


def test_harmonise_rejects_bad_arguments() -> None:
    frame = pl.DataFrame({"country": ["China"], "code": ["x"]})
    with pytest.raises(ValueError, match="already has"):
        ref.harmonise_countries(frame, "country", "usgs")
    with pytest.raises(ValueError, match="not in frame"):
        ref.harmonise_countries(frame, "nation", "usgs")
    with pytest.raises(ValueError, match="unknown name source"):
        ref.harmonise_countries(frame.drop("code"), "country", "comtrade")


# --- groups -----------------------------------------------------------------------------


def test_alliance_expands_to_eu27_g7_and_partners() -> None:
    groups = ref.load_groups()
    assert set(groups["eu27"]) == EU27
    assert set(groups["g7"]) == G7
    assert set(groups["alliance"]) == EU27 | G7 | {"AUS", "NZL", "IND", "KOR"}
    assert len(groups["alliance"]) == 35
    assert groups["china"] == ["CHN"]
    for other in ("HKG", "MAC", "TWN"):
        assert other not in groups["china"]
        assert other not in groups["alliance"]
    assert set(groups["china_with_sars"]) == {"CHN", "HKG", "MAC"}
    assert {"NOR", "EST", "IND", "USA"} <= set(groups["msp"])
    assert set(groups["msp"]) >= EU27


def test_alliance_can_be_overridden() -> None:
    groups = ref.load_groups(alliance=["g7", "AUS"])
    assert set(groups["alliance"]) == G7 | {"AUS"}
    assert len(ref.load_groups()["alliance"]) == 35
    with pytest.raises(ValueError, match="Atlantis"):
        ref.load_groups(alliance=["Atlantis"])


def test_economy_flags_agree_with_groups() -> None:
    economies = ref.economies_frame()
    groups = ref.load_groups()
    for column, group in ref.GROUP_FLAG_COLUMNS.items():
        assert set(economies.filter(pl.col(column))["iso3"]) == set(groups[group])


# --- validation of broken tables ------------------------------------------------------------


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    target = tmp_path / "reference"
    shutil.copytree(ref.REFERENCE_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_validation_rejects_duplicate_slug(reference_copy: Path) -> None:
    _edit(reference_copy / "minerals.yaml", "slug: antimony", "slug: aluminium")
    with pytest.raises(ValueError, match=r"minerals\.yaml: mineral 'aluminium'.*duplicate slug"):
        ref.load_minerals(reference_copy)


def test_validation_rejects_unknown_stage(reference_copy: Path) -> None:
    _edit(
        reference_copy / "minerals.yaml",
        '"Primary production": {stage: refinery',
        '"Primary production": {stage: smelting',
    )
    with pytest.raises(
        ref.ReferenceDataError, match=r"mineral 'gallium'.*unknown stage 'smelting'"
    ):
        ref.minerals_frame(reference_copy)


def test_validation_rejects_unknown_unit_basis(reference_copy: Path) -> None:
    _edit(
        reference_copy / "minerals.yaml",
        "{commodity: Gallium, stage: refinery, unit_basis: contained",
        "{commodity: Gallium, stage: refinery, unit_basis: metal",
    )
    with pytest.raises(ValueError, match=r"minerals\.yaml: mineral 'gallium'.*unit_basis 'metal'"):
        ref.wmd_map_frame(reference_copy)


def test_validation_rejects_unquoted_hs_code(reference_copy: Path) -> None:
    _edit(reference_copy / "minerals.yaml", 'ore: ["261710"]', "ore: [261710]")
    with pytest.raises(ValueError, match=r"mineral 'antimony'.hs.ore.*six digits"):
        ref.hs_map_frame(reference_copy)


def test_validation_rejects_unknown_iso3_in_country_names(reference_copy: Path) -> None:
    _edit(reference_copy / "country_names.csv", "any,Burma,economy,MMR,", "any,Burma,economy,BUR,")
    with pytest.raises(
        ValueError,
        match=r"country_names\.csv: line \d+ \(any, 'Burma'\).*'BUR' is not in economies",
    ):
        ref.country_names_frame(reference_copy)


def test_validation_rejects_flag_disagreeing_with_group(reference_copy: Path) -> None:
    _edit(
        reference_copy / "economies.csv",
        "NOR,Norway,false,false,false,true,",
        "NOR,Norway,true,false,false,true,",
    )
    with pytest.raises(ValueError, match=r"economies\.csv: column is_eu27.*\['NOR'\]"):
        ref.economies_frame(reference_copy)


def test_validation_rejects_group_member_not_an_economy(reference_copy: Path) -> None:
    _edit(reference_copy / "groups.yaml", "members: [CHN]", "members: [CHN, XXX]")
    with pytest.raises(ValueError, match=r"groups\.yaml: group 'china'.*XXX"):
        ref.load_groups(reference_copy)


def test_reference_files_are_plain_utf8_without_bom() -> None:
    for name in ("economies.csv", "country_names.csv", "minerals.yaml", "groups.yaml"):
        data = (ref.REFERENCE_DIR / name).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), name
        data.decode("utf-8")
        assert b"\r\n" not in data, name
