"""Tests of the monthly Chinese export extract (UN Comtrade) parser and ``china_exports_monthly``.

Figures read with grep/awk: line 2 is ``2017-01-01,Australia,250410,10200.0,6116.362,...``;
line 5 is Belgium 811292 with a value of 87500 USD, a quantity of 0 and a unit value ``inf``;
HS 811292 totals 12,118,646 USD over 17 partners in 2023-07 and 10,415,453 USD over 12 in
2023-08, the first month of China's gallium/germanium export licensing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from tests._helpers import assert_table_opens_with, derived_fixture, upstream_fixture
from transforms.cleaning.china_exports import clean_china_exports_monthly
from transforms.errors import UpstreamFormatError
from transforms.parsers.china_exports import (
    CHINA_EXPORTS_FILE,
    CHINA_EXPORTS_HEADER,
    CHINA_EXPORTS_SCHEMA,
    CHINA_HS_MAP_FILE,
    parse_china_exports,
    parse_china_hs_map,
)

hs_map = upstream_fixture(parse_china_hs_map, "trade-extra", CHINA_HS_MAP_FILE)
exports = upstream_fixture(parse_china_exports, "trade-extra", CHINA_EXPORTS_FILE)


monthly = derived_fixture(clean_china_exports_monthly, "exports", "hs_map")


@pytest.mark.upstream
def test_shape_and_first_row(exports: pl.DataFrame) -> None:
    assert_table_opens_with(
        exports,
        CHINA_EXPORTS_SCHEMA,
        6_442,
        month=dt.date(2017, 1, 1),
        partner_name="Australia",
        hs6="250410",
        value_usd=10_200.0,
        quantity_kg=6_116.362,
        line=2,
    )
    months = exports["month"].unique()
    assert (months.min(), months.max(), months.len()) == (
        dt.date(2017, 1, 1),
        dt.date(2024, 12, 1),
        96,
    )


@pytest.mark.upstream
def test_english_partner_names_all_map(monthly: pl.DataFrame) -> None:
    assert monthly["partner"].null_count() == 0
    names = dict(monthly.select("partner_name", "partner").unique().iter_rows())
    assert names["USA"] == "USA" and names["UAE"] == "ARE" and names["South Korea"] == "KOR"
    assert names["Hong Kong"] == "HKG"  # kept apart from China


@pytest.mark.upstream
def test_zero_quantity_with_value_is_unreported_not_zero(
    exports: pl.DataFrame, monthly: pl.DataFrame
) -> None:
    belgium = monthly.filter(line=5).row(0, named=True)
    assert (belgium["value_usd"], belgium["quantity_t"], belgium["quantity_reported"]) == (
        87_500.0,
        None,
        False,
    )
    assert exports.filter(line=5)["unit_value"].item() is None  # the file's inf
    assert monthly.filter(~pl.col("quantity_reported")).height == 146


@pytest.mark.upstream
def test_811292_holds_gallium_and_germanium(hs_map: pl.DataFrame, monthly: pl.DataFrame) -> None:
    assert set(hs_map.filter(hs6="811292")["group"]) == {"gallium", "germanium"}
    code = monthly.filter(hs6="811292")
    assert code["mineral"].null_count() == code.height
    assert code["minerals_in_code"][0].to_list() == ["gallium", "germanium"]
    assert set(monthly.filter(pl.col("hs6") != "811292")["mineral"]) == {"graphite"}


@pytest.mark.upstream
def test_months_around_the_2023_export_controls(monthly: pl.DataFrame) -> None:
    code = monthly.filter(hs6="811292")
    july = code.filter(month=dt.date(2023, 7, 1))
    august = code.filter(month=dt.date(2023, 8, 1))
    assert (july["value_usd"].sum(), july.height) == (12_118_646.0, 17)
    assert (august["value_usd"].sum(), august.height) == (10_415_453.0, 12)


def _write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / CHINA_EXPORTS_FILE
    path.write_text(",".join(CHINA_EXPORTS_HEADER) + "\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("2017-01-15,Australia,250410,1.0,1.0,1.0", "period_dt"),
        ("2017-01-01,Australia,25041,1.0,1.0,1.0", "hs6"),
        ("2017-01-01,Australia,250410,-5,1.0,1.0", "val"),
        ("2017-01-01,Australia,250410,5,n/a,1.0", "qty"),
        ("2017-01-01,Australia,250410,5,0.0,3.0", "uv"),
    ],
)
def test_malformed_rows_are_refused_with_line_and_column(
    tmp_path: Path, row: str, column: str
) -> None:
    path = _write(tmp_path, "2017-01-01,Australia,250410,1.0,1.0,1.0", row)
    with pytest.raises(UpstreamFormatError) as info:
        parse_china_exports(path)
    assert (info.value.line, info.value.column) == (3, column)


def test_unmapped_partner_is_refused(tmp_path: Path) -> None:
    exports = parse_china_exports(_write(tmp_path, "2017-01-01,Atlantis,250410,1.0,1.0,1.0"))
    hs_map = pl.DataFrame(
        {
            "hs8": ["25041010"],
            "hs6": ["250410"],
            "material": ["x"],
            "group": ["graphite"],
            "notes": [None],
            "file": ["map.csv"],
            "line": [2],
        },
        schema_overrides={"notes": pl.Utf8, "line": pl.Int32},
    )
    with pytest.raises(UpstreamFormatError, match="country_names") as info:
        clean_china_exports_monthly(exports, hs_map)
    assert (info.value.line, info.value.value) == (2, "Atlantis")
