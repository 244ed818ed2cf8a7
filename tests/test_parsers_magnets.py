"""Tests of the permanent-magnet (HS 850511, UN Comtrade) and USITC DataWeb import parsers and
their clean tables, on the real files.

Read off the files: the magnets CSV's line 2 is China 2018, 264,505,233 USD, share 0.651066,
rank 1; the USITC "Customs Value" sheet's Total row gives 2,497,711,093 USD for 1993 (with
thousands separators), China's HS 8505 "Value for: number" is 344,128,552 USD in 2025, the
annual 2026 column is all zeros and the "Customs Value YTD" sheet has 142,243,782 USD for 2026.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests._helpers import assert_table_opens_with, upstream_fixture
from tests._sheet_grid import sheet_grid
from transforms.cleaning.magnets import clean_magnet_imports, clean_usitc_imports
from transforms.errors import UpstreamFormatError
from transforms.parsers._excel import SheetGrid
from transforms.parsers.magnets import (
    MAGNETS_FILE,
    MAGNETS_HEADER,
    MAGNETS_SCHEMA,
    parse_magnet_imports,
)
from transforms.parsers.usitc import (
    USITC_FILE,
    USITC_SCHEMA,
    parse_usitc,
    parse_usitc_parameters,
    parse_usitc_sheet,
)

magnets = upstream_fixture(parse_magnet_imports, "trade-extra", MAGNETS_FILE)


@pytest.fixture(scope="module")
def usitc_path(upstream_dir: Path) -> Path:
    return upstream_dir / "trade-extra" / USITC_FILE


@pytest.fixture(scope="module")
def usitc(usitc_path: Path) -> pl.DataFrame:
    return parse_usitc(usitc_path)


@pytest.fixture(scope="module")
def usitc_clean(usitc: pl.DataFrame, usitc_path: Path) -> pl.DataFrame:
    return clean_usitc_imports(usitc, parse_usitc_parameters(usitc_path))


@pytest.mark.upstream
def test_magnets_shape_first_row_and_shares(magnets: pl.DataFrame) -> None:
    assert_table_opens_with(
        magnets,
        MAGNETS_SCHEMA,
        424,
        year=2018,
        partner_iso3="CHN",
        value_usd=264_505_233.0,
        share=0.651066,
        rank=1,
    )
    shares = magnets.group_by("year").agg(pl.col("share").sum())["share"]
    assert shares.is_between(0.9999, 1.0001).all()


@pytest.mark.upstream
def test_magnet_partners_comtrade_names_and_unknown_code(magnets: pl.DataFrame) -> None:
    clean = clean_magnet_imports(magnets)
    names = dict(clean.select("partner_name", "partner").unique().iter_rows())
    assert names["China, Hong Kong SAR"] == "HKG" and names["Rep. of Korea"] == "KOR"
    # The Faroe Islands (FRO) were added to economies.csv for this source: every partner is known.
    assert names["Faroe Isds"] == "FRO" and clean["partner_known"].all()
    assert set(clean["mineral"]) == {"rare-earths"}
    # A code that is not an economy is kept and flagged, not dropped.
    unknown = clean_magnet_imports(
        magnets.head(1).with_columns(
            partner_iso3=pl.lit("ZZZ"), partner_name=pl.lit("Nowhere Isds")
        )
    )
    assert unknown.select("partner", "partner_known").row(0) == ("ZZZ", False)


def test_magnet_name_code_disagreement_is_refused(tmp_path: Path) -> None:
    path = tmp_path / MAGNETS_FILE
    row = "rare_earths_and_magnets,850511,2018,156,JPN,China,f,1.0,0.5,1"
    path.write_text(",".join(MAGNETS_HEADER) + "\n" + row + "\n")
    with pytest.raises(UpstreamFormatError, match="maps to CHN") as info:
        clean_magnet_imports(parse_magnet_imports(path))
    assert (info.value.line, info.value.column) == (2, "partner_iso3")


@pytest.mark.upstream
def test_usitc_sheets_years_and_totals(usitc: pl.DataFrame) -> None:
    assert usitc.schema == pl.Schema(USITC_SCHEMA)
    assert sorted(usitc["year"].unique().to_list()) == list(range(1993, 2027))
    assert usitc["sheet"].n_unique() == 6
    # Parsing checked each Total row against the sum of its column; 1993 is 2,497,711,093 USD.
    value_1993 = usitc.filter(sheet="Customs Value", year=1993)["value"].sum()
    assert value_1993 == 2_497_711_093
    assert usitc.filter(pl.col("suppressed").is_not_null())["sheet"].unique().sort().to_list() == [
        "First Unit of Quantity",
        "First Unit of Quantity YTD",
        "Second Unit of Quantity",
        "Second Unit of Quantity YTD",
    ]


@pytest.mark.upstream
def test_usitc_2026_is_year_to_date(usitc: pl.DataFrame, usitc_clean: pl.DataFrame) -> None:
    assert usitc.filter(period="full_year", year=2026)["value"].abs().sum() == 0
    magnets = usitc_clean.filter(hs4="8505", partner="CHN", measure="customs_value")
    number = magnets.filter(quantity_description="number")
    assert number.filter(year=2025, year_to_date=False)["value"].item() == 344_128_552
    current = number.filter(year=2026)
    assert current["year_to_date"].to_list() == [True]
    assert current["value"].item() == 142_243_782
    assert set(usitc_clean.filter(measure="customs_value")["unit"]) == {"USD"}
    assert "component kilograms" in set(usitc_clean.filter(measure="second_unit_quantity")["unit"])


@pytest.mark.upstream
def test_usitc_partners_and_parameters(usitc_path: Path, usitc_clean: pl.DataFrame) -> None:
    assert usitc_clean["partner"].null_count() == 0
    assert usitc_clean["partner"].n_unique() == 18
    parameters = dict(parse_usitc_parameters(usitc_path).select("parameter", "value").iter_rows())
    assert parameters["Trade Flow"] == "Imports For Consumption"
    assert len(parameters["Commodity List"].split(", ")) == 25


def _grid(rows: list[list[str | None]]) -> SheetGrid:
    return sheet_grid(rows, "Customs Value", first_row=1)


_HEAD = [
    ["Imports For Consumption|Annual"],
    ["Data Row Count", "1"],
    ["Data Type", "Country", "HTS Number", "Description", "Quantity Description", "2024", "2025"],
]


@pytest.mark.parametrize(
    ("rows", "cell", "message"),
    [
        (
            [["Customs Value", "China", "8505", "X", "Value for: number", "1", "n/a"]],
            "G4",
            "not a number",
        ),
        (
            [["Customs Value", "China", "850511", "X", "Value for: number", "1", "2"]],
            "C4",
            "four-digit",
        ),
        (
            [
                ["Customs Value", "China", "8505", "X", "Value for: number", "1", "2"],
                ["Total: ", None, None, None, None, "1", "3"],
            ],
            "G5",
            "total differs",
        ),
        (
            [
                ["Customs Value", "China", "8505", "X", "Value for: number", "1", "2"],
                ["Customs Value", "Japan", "8505", "X", "Value for: number", "1", "2"],
            ],
            "B2",
            "Data Row Count",
        ),
    ],
)
def test_usitc_malformed_sheets_are_refused(rows: list, cell: str, message: str) -> None:
    with pytest.raises(UpstreamFormatError, match=message) as info:
        parse_usitc_sheet(
            _grid(_HEAD + rows), "customs_value", "full_year", {c: [] for c in USITC_SCHEMA}
        )
    assert info.value.column == cell
