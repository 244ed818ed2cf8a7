"""The table registry (transforms.metadata): pandera schemas reject bad frames, naming column,
check and row origin; every published column has a description and a unit; the registry
matches the snapshot manifests; release labels come from the snapshot, not from code."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from orchestration.snapshot_store import read_manifests
from transforms.marts import invariants
from transforms.metadata import (
    CLEAN_TABLES,
    PUBLISHED_LAYERS,
    TABLES,
    column_title,
    column_unit,
    dtypes,
    schema_from_meta,
    tables_in,
    validate,
)
from transforms.metadata.fields import FIELDS, T
from transforms.metadata.sources import release_expr, release_labels, release_of
from transforms.site.datapackage import write_downloads
from transforms.snapshot import TABLES as SNAPSHOT_SPECS

KNOWN = {
    "mineral": frozenset({"gallium", "antimony"}),
    "economy": frozenset({"CHN", "JPN", "USA"}),
    "country_or_aggregate": frozenset({"CHN", "JPN", "USA", "WORLD"}),
    "economy_or_historical": frozenset({"CHN", "JPN", "USA", "WORLD", "SUN"}),
}


def _production(**overrides) -> pl.DataFrame:
    row = {
        "mineral": "gallium",
        "stage": "refinery",
        "country_code": "CHN",
        "country_kind": "economy",
        "year": 2023,
        "production_t": 600.0,
        "value_text": "600000",
        "value_flag": None,
        "unit_basis": "contained",
        "is_estimate": True,
        "source": "USGS MCS",
        "edition": 2024,
        "editions_available": "2024",
        "usgs_type": "Primary production",
        "source_file": "mcs2024-galli_world.csv",
        "source_line": 3,
        "precedence_rank": 1,
        "chosen_because": "USGS MCS: first choice for refinery (refinery production, latest MCS edition)",
        "sources_available": "USGS MCS",
    }
    rows = [row | overrides] if overrides else [row]
    return pl.DataFrame(rows, schema=dtypes("production"))


def test_a_valid_frame_passes():
    assert validate("production", _production(), KNOWN).passed


def test_duplicated_key_is_reported_with_file_and_line():
    df = pl.concat([_production(), _production(source_line=4)])
    report = validate("production", df, KNOWN)
    assert not report.passed
    assert report.failure_cases["source_line"].to_list() == [3, 4]
    assert "duplicated key [mineral=gallium, stage=refinery, country_code=CHN, year=2023]" in report.summary()
    assert "file mcs2024-galli_world.csv, line 4" in report.summary()


@pytest.mark.parametrize(
    ("override", "column", "check"),
    [
        ({"production_t": -5.0}, "production_t", "greater_than_or_equal_to(0)"),
        ({"country_code": "XXX"}, "country_code", "known_country_or_aggregate"),
        ({"mineral": "unobtainium"}, "mineral", "known_mineral"),
        ({"stage": "smelter"}, "stage", "isin"),
        ({"year": 1900}, "year", "in_range"),
        ({"unit_basis": "bushels"}, "unit_basis", "str_matches"),
    ],
)
def test_bad_values_are_named_by_column_and_check(override, column, check):
    report = validate("production", _production(**override), KNOWN)
    assert not report.passed
    case = report.failure_cases.row(0, named=True)
    assert case["column"] == column and check in case["check"]
    assert case["source_file"] == "mcs2024-galli_world.csv" and case["source_line"] == 3
    assert f"column {column}" in report.summary()


def test_a_missing_column_fails_the_schema():
    report = validate("production", _production().drop("unit_basis"), KNOWN)
    assert not report.passed
    assert "unit_basis" in " ".join(str(v) for v in report.failure_cases["failure_case"].to_list())


def test_a_null_in_a_required_column_fails():
    report = validate("production", _production(source=None), KNOWN)
    assert not report.passed and report.failure_cases["check"][0] == "not_nullable"


def test_every_asset_description_starts_with_a_plain_title_and_names_its_key():
    for meta in TABLES.values():
        first = meta.asset_description().splitlines()[0]
        assert first == f"{meta.title}." and "**" not in first, meta.name
        assert ", ".join(meta.primary_key) in meta.asset_description()


def test_every_table_of_every_layer_builds_a_schema():
    known = {k: frozenset() for k in ("mineral", "economy", "country_or_aggregate", "economy_or_historical", "importer")}
    for meta in TABLES.values():
        schema = schema_from_meta(meta, known)
        assert schema.name == meta.name and list(schema.columns) == list(meta.columns)


def test_every_column_of_every_published_table_has_a_description_and_a_unit():
    published = tables_in(*PUBLISHED_LAYERS)
    assert set(CLEAN_TABLES) <= set(published) and "concentration" in published
    for name, meta in published.items():
        assert meta.sources or meta.layer == "reference", f"{name} names no source"
        for column, f in meta.columns.items():
            assert len(f.description) > 5, (name, column)
            assert f.unit, (name, column)
            assert column_unit(name, column) == f.unit and column_title(name, column)


def test_every_table_names_only_sources_the_snapshot_has():
    sources = set(read_manifests())
    for meta in TABLES.values():
        assert set(meta.sources) <= sources, (meta.name, set(meta.sources) - sources)


def test_every_field_is_used_by_some_table():
    used = {key for meta in TABLES.values() for key in meta.field_keys}
    assert set(FIELDS) - used == set()


def test_snapshot_tables_match_their_manifests():
    manifests = read_manifests()
    for spec in SNAPSHOT_SPECS:
        meta = TABLES[spec.name]
        assert meta.layer == "snapshot" and meta.sources == (spec.source,)
        recorded = {t["name"]: t for t in manifests.get(spec.source, {}).get("tables", [])}.get(spec.name)
        if recorded is None:
            continue  # an optional table the snapshot does not hold
        assert {c: str(f.dtype) for c, f in meta.columns.items()} == recorded["columns"], spec.name


def test_release_labels_are_read_from_the_snapshot_files():
    labels = release_labels(read_manifests())
    names = [f["name"] for f in read_manifests()["baci-hs92"]["files"]]
    assert labels["baci-hs92"] == release_of("baci-hs92", names) and labels["baci-hs92"].startswith("V")
    # A refresh to a new BACI release relabels the data without a code change.
    assert release_of("baci-hs92", ["baci-hs92/BACI_HS92_Y2024_V202501.csv"]) == "V202501"
    assert release_of("wgi", ["wgi/wgi_political_stability_estimate.csv"]) is None


def test_tonnage_columns_of_the_scenarios_come_from_units():
    for table, columns in invariants.TONNE_COLUMNS.items():
        assert columns and all(TABLES[table].columns[c].unit == T for c in columns)
        assert "net_imports_t" not in columns and "price_usd_per_t" not in columns


def test_fixture_dtypes_follow_the_registry():
    trade = dtypes("trade", ["year", "exporter_code", "value_usd"])
    assert trade == {"year": pl.Int16, "exporter_code": pl.Utf8, "value_usd": pl.Float64}
    assert list(dtypes("production")) == list(TABLES["production"].columns)


def test_titles_and_units_for_the_site():
    assert column_unit("trade", "value_usd") == "USD" and column_unit("concentration", "hhi") == "index 0-10,000"
    assert column_unit("scenario_stockpile", "price_usd_per_t") == "USD/t"
    assert column_title("trade", "value_usd") == "Value usd"
    assert column_unit("a_new_mart", "x") is None and column_title("a_new_mart", "x_t") == "X t"


def test_the_trade_edition_is_the_release_of_each_row_file():
    files = pl.DataFrame({"file": ["BACI_HS92_V202401b_critical_subset.csv.gz", "BACI_HS92_V202501.zip/BACI_HS92_Y2024_V202501.csv"]})
    assert files.select(release_expr("baci-hs92", "file"))["file"].to_list() == ["V202401b", "V202501"]


def test_the_data_package_takes_sources_licences_and_releases_from_manifests(tmp_path):
    manifests = {
        "baci-hs92": {
            "source": "baci-hs92",
            "title": "BACI",
            "licence": "Etalab Open Licence 2.0",
            "files": [{"name": "baci-hs92/BACI_HS92_V209912_subset.csv.gz"}],
        }
    }
    trade = pl.DataFrame(schema=dtypes("trade"))
    write_downloads({"trade": trade}, {}, tmp_path, manifests, date(2026, 1, 1))
    package = json.loads((tmp_path / "datapackage.json").read_text())
    (res,) = package["resources"]
    assert res["sources"] == [{"title": "BACI", "version": "V209912"}]
    assert res["licenses"][0]["name"] == "etalab-2.0" and package["sources"] == res["sources"]
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    assert fields["value_usd"]["unit"] == "USD" and fields["edition"]["description"].startswith("BACI version")
