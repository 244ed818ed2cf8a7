"""Each clean table's pandera schema rejects a bad frame, naming the column, check and row origin."""

from __future__ import annotations

import polars as pl
import pytest

from transforms.tables import TABLES, validate

KNOWN = {
    "mineral": frozenset({"gallium", "antimony"}),
    "economy": frozenset({"CHN", "JPN", "USA"}),
    "country_or_aggregate": frozenset({"CHN", "JPN", "USA", "WORLD"}),
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
    }
    rows = [row | overrides] if overrides else [row]
    schema = {name: col.dtype for name, col in TABLES["production"].columns.items()}
    return pl.DataFrame(rows, schema=schema)


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


def test_every_table_description_names_its_key():
    for meta in TABLES.values():
        assert set(meta.primary_key) <= set(meta.columns), meta.name
        assert ", ".join(meta.primary_key) in meta.asset_description()


def test_every_check_kind_used_by_any_table_metadata_builds():
    # Marts declare their own TableMeta; the one schema builder must know all their check kinds.
    from transforms.marts.metrics_tables import METRICS_TABLES
    from transforms.marts.scenario_tables import MART_TABLES
    from transforms.tables import schema_from_meta

    known = {k: frozenset() for k in ("mineral", "economy", "country_or_aggregate", "importer")}
    for meta in [*TABLES.values(), *METRICS_TABLES.values(), *MART_TABLES.values()]:
        needed = {arg for col in meta.columns.values() for kind, arg in col.checks if kind == "known"}
        assert schema_from_meta(meta, known | {k: frozenset() for k in needed}).name == meta.name
