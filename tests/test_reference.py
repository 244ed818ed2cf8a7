"""Tests of the reference loaders: frames and their schemas, the country-name harmoniser,
group expansion, and the validation of every reference file — a broken file raises
ReferenceDataError naming the file and the key path. Coverage of the real upstream files is
in test_reference_upstream.py, the policy files in test_reference_policy.py.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from transforms import reference as ref
from transforms.reference.corrections import load_corrections
from transforms.reference.files import key_path

# --- loading and structure ---------------------------------------------------------------


def test_reference_dir_is_the_repo_data_folder(repo_root: Path) -> None:
    assert repo_root / "data" / "reference" == ref.REFERENCE_DIR


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
    assert ref.country_names_frame().columns == ["source", "name", "kind", "code", "note"]
    assert set(ref.wmd_map_frame()["stage"]) <= set(ref.STAGES)
    assert set(ref.usgs2026_map_frame()["stage"]) <= set(ref.STAGES)


def test_load_minerals_returns_a_copy() -> None:
    first = ref.load_minerals()
    first[0]["slug"] = "changed"
    assert ref.load_minerals()[0]["slug"] != "changed"


def test_every_mineral_is_on_a_list_and_has_a_production_source() -> None:
    entries = ref.minerals_frame()
    frame = entries.filter(pl.col("downstream_of").is_null())
    assert frame.height == 36
    assert frame.filter(pl.any_horizontal(list(ref.LIST_FLAGS))).height == frame.height
    kept_usgs = set(ref.usgs_type_map().filter(pl.col("stage") != "exclude")["slug"])
    kept_wmd = set(ref.wmd_map_frame().filter(pl.col("stage") != "exclude")["slug"])
    assert set(frame["slug"]) == kept_usgs | kept_wmd


def test_the_one_downstream_product_is_magnets_on_no_list_with_a_labelled_proxy() -> None:
    entries = ref.minerals_frame()
    products = entries.filter(pl.col("downstream_of").is_not_null())
    assert products.select("slug", "downstream_of").rows() == [("permanent-magnets", "rare-earths")]
    assert not products.select(pl.any_horizontal(list(ref.LIST_FLAGS))).item()
    magnets = next(m for m in ref.load_minerals() if m["slug"] == "permanent-magnets")
    assert magnets["product_hs6"] == ["850511"]
    assert "850511" not in set(ref.hs_map_frame()["hs6"])  # not a BACI code: not under hs
    proxy = magnets["production_proxy"]
    assert (proxy["source"], proxy["of_mineral"], proxy["stage"]) == (
        "iea",
        "rare-earths",
        "refinery",
    )
    assert "magnet rare earth elements" in proxy["label"]


def test_every_economy_is_used_by_some_name() -> None:
    used = set(ref.country_names_frame().filter(pl.col("kind") == "economy")["code"])
    assert set(ref.economies_frame()["iso3"]) == used


def test_sources_and_corrections_load() -> None:
    assert all(record["url"].startswith("http") for record in ref.load_sources().values())
    corrections = load_corrections()
    assert {fix.action for fix in corrections.rows} <= {"drop", "set"}


def test_key_path_names_list_items_and_odd_keys() -> None:
    loc = ("minerals", 12, "usgs_types", "galli", "Primary production", "stage")
    assert key_path(loc) == "minerals[12].usgs_types.galli['Primary production'].stage"
    assert key_path(("usgs-mcs", "doi", 0)) == "usgs-mcs.doi[0]"
    assert key_path(()) == "file"


# --- country names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "source", "code", "kind", "marked"),
    [
        ("Japane", "usgs", "JPN", "economy", True),  # USGS's estimate marker glued on
        ("France", "usgs", "FRA", "economy", False),  # ends in "e" but matches exactly
        ("World total (rounded)", "usgs", "WORLD", "aggregate", False),
        ("490", "baci", "TWN", "economy", False),
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


def test_groups_expand_their_includes() -> None:
    written = yaml.safe_load((ref.REFERENCE_DIR / "groups.yaml").read_text())["groups"]
    groups = ref.load_groups()
    alliance = written["alliance"]
    expected = set(alliance["members"]).union(*(groups[g] for g in alliance["include"]))
    assert set(groups["alliance"]) == expected
    assert all(members == sorted(members) for members in groups.values())


def test_alliance_can_be_overridden() -> None:
    groups = ref.load_groups(alliance=["g7", "AUS"])
    assert set(groups["alliance"]) == set(ref.load_groups()["g7"]) | {"AUS"}
    assert ref.load_groups()["alliance"] != groups["alliance"]
    with pytest.raises(ValueError, match="Atlantis"):
        ref.load_groups(alliance=["Atlantis"])


def test_economy_flags_agree_with_groups() -> None:
    economies = ref.economies_frame()
    groups = ref.load_groups()
    for column, group in ref.GROUP_FLAG_COLUMNS.items():
        assert set(economies.filter(pl.col(column))["iso3"]) == set(groups[group])


def test_reference_files_are_plain_utf8_without_bom() -> None:
    for path in ref.REFERENCE_DIR.rglob("*.*"):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), path.name
        data.decode("utf-8")
        assert b"\r\n" not in data, path.name


# --- validation of broken files: one test per rule -------------------------------------------


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    target = tmp_path / "reference"
    shutil.copytree(ref.REFERENCE_DIR, target)
    return target


def _change_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _mineral(data: dict, slug: str) -> tuple[int, dict]:
    return next((i, m) for i, m in enumerate(data["minerals"]) if m["slug"] == slug)


def _raises(message: str) -> Any:
    """Expect a ReferenceDataError whose message starts with ``message`` (file and key path)."""
    return pytest.raises(ref.ReferenceDataError, match="^" + re.escape(message))


def _broken_mineral(copy: Path, slug: str, change: Callable[[dict], None]) -> int:
    index = -1

    def edit(data: dict) -> None:
        nonlocal index
        index, mineral = _mineral(data, slug)
        change(mineral)

    _change_yaml(copy / "minerals.yaml", edit)
    return index


@pytest.mark.parametrize(
    ("slug", "change", "where", "message"),
    [
        # model: unknown key (extra="forbid")
        ("gallium", lambda m: m.update(colour="grey"), "colour", "Extra inputs are not permitted"),
        # model: non-empty text
        ("gallium", lambda m: m.update(name="  "), "name", "must be non-empty text"),
        # model: stage literal
        (
            "gallium",
            lambda m: m["usgs_types"]["galli"]["Primary production"].update(stage="smelting"),
            "usgs_types.galli['Primary production'].stage",
            "Input should be 'mine', 'refinery' or 'exclude' (got 'smelting')",
        ),
        # model: unit basis vocabulary
        (
            "gallium",
            lambda m: m["wmd_commodity"][0].update(unit_basis="metal"),
            "wmd_commodity[0].unit_basis",
            "unknown unit_basis 'metal'",
        ),
        # model: a kept stage needs a unit basis, an excluded one a reason
        (
            "gallium",
            lambda m: m["wmd_commodity"][0].pop("unit_basis"),
            "wmd_commodity[0]",
            "stage 'refinery' needs a unit_basis",
        ),
        (
            "aluminium",
            lambda m: m["usgs_types"]["bauxi"][
                "Refinery production, alumina - calcined equivalent weights"
            ].pop("reason"),
            "usgs_types.bauxi['Refinery production, alumina - calcined equivalent weights']",
            "stage 'exclude' needs a reason",
        ),
        # model: HS codes are six digits in quotes
        ("antimony", lambda m: m["hs"].update(ore=[261710]), "hs.ore[0]", "HS code 261710 must"),
        # model: list flags are booleans, not text
        ("antimony", lambda m: m["lists"].update(eu_crm_2023="yes"), "lists.eu_crm_2023", ""),
        # model: EoL-RIR is a share
        ("antimony", lambda m: m["eol_rir"].update(value=1.5), "eol_rir.value", ""),
        # model: the principal USGS code is one of the mineral's files
        ("gallium", lambda m: m.update(usgs_code="gallo"), "", "usgs_code 'gallo' is not a key"),
        # model: URLs
        (
            "antimony",
            lambda m: m["eol_rir"].update(reference="scrreen.eu"),
            "eol_rir.reference",
            "",
        ),
        # loader: cited sources are ids of the file or URLs
        ("gallium", lambda m: m["sources"].append("hearsay"), "sources[3]", "'hearsay' is neither"),
        # loader: an HS code belongs to one mineral
        (
            "arsenic",
            lambda m: m["hs"]["refined"].append("261710"),
            "hs.refined[1]",
            "HS code '261710' is also at minerals[1].hs.ore[0]",
        ),
        # loader: one slug per mineral
        ("arsenic", lambda m: m.update(slug="antimony"), "slug", "slug 'antimony' is also at"),
        # model: a downstream product is made from a mineral of the registry
        (
            "permanent-magnets",
            lambda m: m.update(downstream_of="unobtainium"),
            "downstream_of",
            "'unobtainium' is not a mineral of the registry",
        ),
        (
            "permanent-magnets",
            lambda m: m["production_proxy"].update(of_mineral="neodymium"),
            "production_proxy.of_mineral",
            "'neodymium' is not a mineral of the registry",
        ),
        # model: a proxy is shown under its label, so the label is required
        (
            "permanent-magnets",
            lambda m: m["production_proxy"].pop("label"),
            "production_proxy.label",
            "Field required",
        ),
        # model: product codes and a proxy belong to a downstream product only
        (
            "gallium",
            lambda m: m.update(product_hs6=["850511"]),
            "",
            "product_hs6 and production_proxy go with downstream_of",
        ),
        (
            "permanent-magnets",
            lambda m: m.update(product_hs6=[850511]),
            "product_hs6[0]",
            "HS code",
        ),
    ],
)
def test_minerals_yaml_errors_name_the_key_path(
    reference_copy: Path, slug: str, change: Callable[[dict], None], where: str, message: str
) -> None:
    index = _broken_mineral(reference_copy, slug, change)
    path = f"minerals[{index}]" + (f".{where}" if where and where[0] != "[" else where)
    with _raises(f"minerals.yaml: {path}: {message}"):
        ref.minerals_frame(reference_copy)


def test_types_differing_only_in_spacing_must_map_alike(reference_copy: Path) -> None:
    def change(mineral: dict) -> None:
        mineral["usgs_types"]["galli"]["Primary  production"] = {
            "stage": "mine",
            "unit_basis": "contained",
        }

    index = _broken_mineral(reference_copy, "gallium", change)
    where = f"minerals[{index}].usgs_types.galli['Primary  production']"
    with _raises(f"minerals.yaml: {where}: maps differently from a type that differs only"):
        ref.usgs_type_map(reference_copy)


def _text_edit(old: str, new: str) -> Callable[[Path], None]:
    return lambda path: _replace(path, old, new)


def _yaml_edit(change: Callable[[Any], None]) -> Callable[[Path], None]:
    return lambda path: _change_yaml(path, change)


def _unclosed(path: Path) -> None:
    path.write_text("groups: [unclosed\n", encoding="utf-8")


_GROUPS = ref.load_groups
_ECONOMIES = ref.economies_frame
_NAMES = ref.country_names_frame


def _sources(folder: Path) -> Any:
    return ref.load_sources(folder / "sources.yaml")


def _corrections(folder: Path) -> Any:
    return load_corrections(folder / "corrections.yaml")


@pytest.mark.parametrize(
    ("file", "change", "load", "message"),
    [
        ("groups.yaml", _unclosed, _GROUPS, "file: not valid YAML"),
        (
            "groups.yaml",
            _text_edit("members: [CHN]", "members: [CHN, CHN]"),
            _GROUPS,
            "groups.china.members: [1] 'CHN' is listed twice",
        ),
        (
            "groups.yaml",
            _text_edit("members: [CHN]", "members: [CHN, XXX]"),
            _GROUPS,
            "groups.china.members: not in economies.csv: ['XXX']",
        ),
        (
            "groups.yaml",
            _text_edit("include: [g7, eu27]", "include: [g7, eu27, alliance]"),
            _GROUPS,
            "groups.alliance.include: includes itself",
        ),
        (
            "groups.yaml",
            _text_edit("include: [g7, eu27]", "include: [g7, eu28]"),
            _GROUPS,
            "groups.alliance.include: unknown group 'eu28'",
        ),
        (
            "economies.csv",
            _text_edit("NOR,Norway,false,false,false,true,", "NOR,Norway,true,false,false,true,"),
            _GROUPS,
            "column is_eu27: disagrees with group 'eu27'",
        ),
        (
            "economies.csv",
            _text_edit("ABW,Aruba,false,", "ABW,Aruba,no,"),
            _ECONOMIES,
            "line 2.is_eu27: Input should be 'true' or 'false' (got 'no')",
        ),
        ("economies.csv", _text_edit("iso3,name,", "iso,name,"), _ECONOMIES, "header: columns"),
        (
            "country_names.csv",
            _text_edit("any,Burma,economy,MMR,", "any,Burma ,economy,MMR,"),
            _NAMES,
            "line 31.name: name must be non-empty, trimmed",
        ),
        (
            "country_names.csv",
            _text_edit("any,Burma,economy,MMR,", "any,Burma,economy,BUR,"),
            _NAMES,
            "line 31 (any, 'Burma'): economy code 'BUR' is not in",
        ),
        (
            "sources.yaml",
            _yaml_edit(lambda d: d["wgi"].update(url="www.worldbank.org")),
            _sources,
            "wgi.url: 'www.worldbank.org' is not an http(s) URL",
        ),
        (
            "sources.yaml",
            _yaml_edit(lambda d: d["wgi"].update(date_accessed="26/11/2026")),
            _sources,
            "wgi.date_accessed: must be an ISO date (YYYY-MM-DD)",
        ),
        (
            "sources.yaml",
            _yaml_edit(lambda d: d["wgi"].update(mirror="x")),
            _sources,
            "wgi.mirror: Extra inputs are not permitted",
        ),
        (
            "corrections.yaml",
            _yaml_edit(lambda d: d["rows"][1].pop("set")),
            _corrections,
            "rows[1]: a 'set' mapping goes with action 'set'",
        ),
        (
            "corrections.yaml",
            _yaml_edit(lambda d: d["rows"][0]["where"].update(line=[81])),
            _corrections,
            "rows[0].where.line: must be text, a number or true/false",
        ),
        (
            "corrections.yaml",
            _yaml_edit(lambda d: d["accepted"][0].update(key={})),
            _corrections,
            "accepted[0].key: Dictionary should have at least 1 item",
        ),
    ],
)
def test_broken_files_are_refused_naming_the_key_path(
    reference_copy: Path,
    file: str,
    change: Callable[[Path], None],
    load: Callable[[Path], Any],
    message: str,
) -> None:
    change(reference_copy / file)
    with _raises(f"{file}: {message}"):
        load(reference_copy)
