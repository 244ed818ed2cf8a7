"""Tests of the BGS World Mineral Statistics parser and ``production_history`` on the real files.

Figures read with grep: BGS_cobalt_production.csv line 2 is Canada, cobalt mine, 1971, 1961 t
(metal content); BGS_platinum_production.csv line 1145 is South Africa platinum 2023, 124870 kg;
West Germany ("German Federal Republic", filed as DEU) refined 1303 t of cobalt in 1990, where
the "Germany" row (also DEU) has no figure.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests._helpers import derived_fixture, one, upstream_fixture
from transforms.cleaning.bgs import BGS_MAP, clean_production_history
from transforms.cleaning.historical import load_historical_economies
from transforms.errors import UpstreamFormatError
from transforms.parsers.bgs import BGS_COLUMNS, BGS_SCHEMA, parse_bgs

parsed = upstream_fixture(parse_bgs, "bgs-wms")


history = derived_fixture(clean_production_history, "parsed")


@pytest.mark.upstream
def test_shape_years_and_files(parsed: pl.DataFrame) -> None:
    assert parsed.schema == pl.Schema(BGS_SCHEMA)
    assert parsed.height == 27_487
    assert parsed["file"].n_unique() == 14
    assert (parsed["year"].min(), parsed["year"].max()) == (1971, 2023)


@pytest.mark.upstream
def test_columns_taken_by_name_whatever_their_order(parsed: pl.DataFrame) -> None:
    # The cobalt and platinum files order their 28 columns differently.
    cobalt = one(parsed, file="BGS_cobalt_production.csv", line=2)
    assert (cobalt["country_code"], cobalt["year"], cobalt["quantity"]) == ("CAN", 1971, 1961.0)
    assert cobalt["units"] == "tonnes (metal content)"
    platinum = one(parsed, file="BGS_platinum_production.csv", line=1145)
    assert (platinum["country_name"], platinum["sub_commodity"]) == ("South Africa", "Platinum")
    assert platinum["quantity"] == 124_870.0


@pytest.mark.upstream
def test_units_converted_to_tonnes(history: pl.DataFrame) -> None:
    platinum = one(history, file="BGS_platinum_production.csv", line=1145)
    assert platinum["quantity_t"] == pytest.approx(124.87)
    assert (platinum["mineral"], platinum["unit_basis"]) == ("pgm", "contained")
    assert platinum["bgs_units"] == "kilograms (metal content)"


@pytest.mark.upstream
def test_missing_figures_kept_null_with_precision_code(parsed: pl.DataFrame) -> None:
    missing = parsed.filter(pl.col("quantity").is_null())
    assert missing.height == 189
    assert set(missing["precision_code"]) == {"O"}
    assert set(missing["quantity_book"]) == {"..."}


@pytest.mark.upstream
def test_historical_economies_typed_never_dropped(
    parsed: pl.DataFrame, history: pl.DataFrame
) -> None:
    historical = history.filter(economy_kind="historical")
    assert set(historical["economy"]) == {"SUN", "YUG", "CSK", "DDR", "FRG", "SCG", "ZAR", "RHO"}
    kept = parsed.filter(
        pl.col("commodity").is_in([c for c, v in BGS_MAP.items() if v[1] != "exclude"])
    )
    assert history.height == kept.height  # no row lost to harmonisation
    # West Germany and reunified Germany share DEU at BGS and overlap in 1989-1991.
    frg = one(history, economy="FRG", bgs_commodity="cobalt, refined", year=1990)
    deu = one(history, economy="DEU", bgs_commodity="cobalt, refined", year=1990)
    assert (frg["quantity_t"], deu["quantity_t"]) == (1303.0, None)
    assert (
        one(history, economy="XKX", bgs_commodity="nickel, mine", year=2010)["country_name"]
        == "Kosovo"
    )


def test_historical_reference_successors() -> None:
    table = load_historical_economies()
    successors = dict(table.select("code", "successors").iter_rows())
    assert successors["CSK"] == ["CZE", "SVK"]
    assert "RUS" in successors["SUN"] and len(successors["SUN"]) == 15
    assert successors["YUG"][-2:] == ["SCG", "SVN"]


@pytest.mark.upstream
def test_refined_series_map_to_refinery(history: pl.DataFrame) -> None:
    stages = dict(history.select("bgs_commodity", "stage").unique().iter_rows())
    for commodity in (
        "cobalt, refined",
        "nickel, smelter/refinery",
        "gallium, primary",
        "germanium metal",
        "magnesium metal, primary",
        "copper, refined",
    ):
        assert stages[commodity] == "refinery", commodity
    assert "copper, smelter" not in stages  # excluded: it would double the refinery stage


def _write(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    header = list(reversed(BGS_COLUMNS.values()))
    lines = [",".join(header)] + [",".join(f'"{r.get(h, "")}"' for h in header) for r in rows]
    path = tmp_path / "BGS_test_production.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


_ROW = {
    "country_iso3_code": "CHN",
    "country_trans": "China",
    "bgs_commodity_trans": "graphite",
    "units": "tonnes (metric)",
    "year": "2020-01-01 00:00:00",
    "quantity": "5",
    "sdmx_code": "A",
}


def test_year_not_a_timestamp_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, [_ROW, {**_ROW, "year": "2021"}])
    with pytest.raises(UpstreamFormatError, match="timestamp") as info:
        parse_bgs(tmp_path)
    assert (info.value.line, info.value.column) == (3, "year")


def test_empty_quantity_needs_missing_code(tmp_path: Path) -> None:
    _write(tmp_path, [{**_ROW, "quantity": "", "sdmx_code": "A"}])
    with pytest.raises(UpstreamFormatError, match="precision code O") as info:
        parse_bgs(tmp_path)
    assert (info.value.line, info.value.column) == (2, "quantity")


def test_unknown_commodity_and_code_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, [{**_ROW, "bgs_commodity_trans": "unobtainium, mine"}])
    with pytest.raises(UpstreamFormatError, match="BGS_MAP") as info:
        clean_production_history(parse_bgs(tmp_path))
    assert info.value.line == 2
    _write(tmp_path, [{**_ROW, "country_iso3_code": "XYZ"}])
    with pytest.raises(UpstreamFormatError, match="historical economy"):
        clean_production_history(parse_bgs(tmp_path))


@pytest.mark.upstream
def test_one_row_per_economy_series_and_year(history: pl.DataFrame) -> None:
    key = pl.struct("economy", "bgs_commodity", "bgs_sub_commodity", "year")
    assert history.filter(key.is_duplicated()).height == 0


@pytest.mark.upstream
@pytest.mark.parametrize(
    ("column", "bad_value", "message"),
    [
        ("commodity", "Unobtainium", "BGS commodity not in"),
        ("units", "furlongs", "unknown unit"),
        ("country_code", "ZZZ", "neither an economy nor a historical economy"),
    ],
)
def test_a_bad_cell_stops_the_clean_at_its_row(
    parsed: pl.DataFrame, column: str, bad_value: str, message: str
) -> None:
    first = parsed.row(0, named=True)
    broken = parsed.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(bad_value))
        .otherwise(pl.col(column))
        .alias(column)
    )
    with pytest.raises(UpstreamFormatError, match=message) as info:
        clean_production_history(broken)
    error = info.value
    assert (error.line, error.column, error.value) == (first["line"], column, bad_value)
