"""Tests of the World Mining Data, WGI and SCRREEN HS-map parsers on the real files.

Known figures were read from the raw files with sed/grep: WMD line 2 is
``Iron (Fe),Algeria,12,DZA,2018,1178800.0,metr. t,e``; WGI estimate line 2 (Aruba) has 2004 =
0.993218183517456; the HS map's Cobalt record starts on line 16 because Geology cells span lines.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests._helpers import one, upstream_fixture
from transforms.errors import UpstreamFormatError
from transforms.parsers.hsmap import HS_MAP_HEADER, HS_MAP_SCHEMA, parse_hs_map, snake_case
from transforms.parsers.wgi import WGI_SCHEMA, parse_wgi
from transforms.parsers.wmd import WMD_COLUMNS, WMD_SCHEMA, WMD_UNIT_TONNES, parse_wmd

WMD_FILE = "wmd_production_2018_2024.csv"


wmd = upstream_fixture(parse_wmd, "world-mining-data", WMD_FILE)
wgi = upstream_fixture(parse_wgi, "wgi")
hsmap = upstream_fixture(parse_hs_map, "reference", "hs_code_map_scrreen.csv")


# ---------------------------------------------------------------------------------------------
# World Mining Data


@pytest.mark.upstream
def test_wmd_shape_and_first_row(wmd: pl.DataFrame) -> None:
    assert wmd.height == 14_133
    assert wmd.schema == pl.Schema(WMD_SCHEMA)
    assert wmd.row(0, named=True) == {
        "commodity": "Iron (Fe)",
        "country": "Algeria",
        "wmd_country_code": 12,
        "country_iso": "DZA",
        "year": 2018,
        "value": 1178800.0,
        "unit": "metr. t",
        "data_source": "e",
        "is_estimate": True,
        "is_total": False,
        "file": WMD_FILE,
        "line": 2,
    }
    assert wmd["commodity"].n_unique() == 65
    assert sorted(wmd["year"].unique().to_list()) == list(range(2018, 2025))


@pytest.mark.upstream
def test_wmd_units_all_have_a_factor(wmd: pl.DataFrame) -> None:
    counts = dict(wmd.group_by("unit").len().iter_rows())
    assert counts == {"metr. t": 11_585, "kg": 1_561, "Mio m3": 665, "ct": 322}
    assert set(counts) == set(WMD_UNIT_TONNES)
    assert one(wmd, commodity="Gold", country="China", year=2023)["unit"] == "kg"
    assert one(wmd, commodity="Natural Gas", country="Norway", year=2023)["unit"] == "Mio m3"
    assert WMD_UNIT_TONNES["Mio m3"] is None


@pytest.mark.upstream
def test_wmd_totals_kept_and_flagged(wmd: pl.DataFrame) -> None:
    totals = wmd.filter(pl.col("is_total"))
    assert totals.height == 455
    assert totals["country_iso"].unique().to_list() == ["DELETE"]
    assert totals["data_source"].unique().to_list() == ["nan"]
    assert totals["wmd_country_code"].null_count() == 455
    assert totals["is_estimate"].null_count() == 455
    ree = one(wmd, commodity="Rare Earths (REO)", country="Total", year=2023)
    assert (ree["value"], ree["line"]) == (394221.0, 4165)
    # Laos is listed after the Total, and counted in it.
    laos = one(wmd, commodity="Rare Earths (REO)", country="Laos", year=2023)
    assert (laos["value"], laos["line"]) == (5360.0, 4172)
    china = one(wmd, commodity="Rare Earths (REO)", country="China", year=2023)
    assert (china["value"], china["data_source"], china["is_estimate"]) == (255000.0, "r", False)


@pytest.mark.upstream
def test_wmd_empty_values_flags_and_odd_codes(wmd: pl.DataFrame) -> None:
    assert wmd["value"].null_count() == 271
    angola = one(wmd, commodity="Iron (Fe)", country="Angola", year=2018)
    assert (angola["value"], angola["data_source"], angola["line"]) == (None, "r", 9)
    provisional = wmd.filter(pl.col("data_source") == "p")
    assert provisional.height == 70
    assert sorted(provisional["country"].unique().to_list()) == ["India", "Vietnam"]
    assert provisional["is_estimate"].null_count() == 70
    assert wmd.filter(pl.col("data_source") == "e").height == 3_038
    taiwan = (
        wmd.filter(pl.col("country") == "Taiwan").select("wmd_country_code", "country_iso").unique()
    )
    assert taiwan.rows() == [(490, "S19")]
    kosovo = (
        wmd.filter(pl.col("country") == "Kosovo").select("wmd_country_code", "country_iso").unique()
    )
    assert kosovo.rows() == [(697, "R20")]
    guiana = wmd.filter(pl.col("country") == "French Guiana").select(
        "wmd_country_code", "country_iso"
    )
    assert guiana.unique().rows() == [(328, "GUY")]
    assert (
        one(wmd, commodity="Rare Earths (REO)", country="India", year=2023)["is_estimate"] is True
    )


def _wmd_file(tmp_path: Path, body: str, header: str = ",".join(WMD_COLUMNS)) -> Path:
    path = tmp_path / WMD_FILE
    path.write_text(header + "\n" + body, encoding="utf-8")
    return path


def test_wmd_bad_files_name_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(UpstreamFormatError) as info:
        parse_wmd(
            _wmd_file(
                tmp_path,
                "",
                header="commodity,country,code,country_iso,year,value,unit,data_source",
            )
        )
    assert (info.value.line, info.value.column) == (1, "country_code")

    good = "Cobalt,Congo,180,COD,2023,170000.0,metr. t,r\n"
    with pytest.raises(UpstreamFormatError) as info:
        parse_wmd(_wmd_file(tmp_path, good + "Cobalt,Zambia,894,ZMB,2023,approx. 4000,metr. t,e\n"))
    assert (info.value.file, info.value.line, info.value.column) == (WMD_FILE, 3, "value")
    assert "line 3" in str(info.value) and "column 'value'" in str(info.value)

    with pytest.raises(UpstreamFormatError, match="WMD_UNIT_TONNES") as info:
        parse_wmd(_wmd_file(tmp_path, good + "Cobalt,Zambia,894,ZMB,2023,4000,lbs,e\n"))
    assert (info.value.line, info.value.column) == (3, "unit")

    with pytest.raises(UpstreamFormatError) as info:
        parse_wmd(_wmd_file(tmp_path, good + "Cobalt,Zambia,894,ZMB,2023,-1,metr. t,e\n"))
    assert (info.value.line, info.value.column) == (3, "value")

    # A BOM and trailing empty rows are harmless.
    path = tmp_path / "bom.csv"
    path.write_text(
        "\ufeff" + ",".join(WMD_COLUMNS) + "\r\n" + good.replace("\n", "\r\n") + ",,,,,,,\r\n",
        encoding="utf-8",
    )
    assert parse_wmd(path)["value"].to_list() == [170000.0]


# ---------------------------------------------------------------------------------------------
# WGI


@pytest.mark.upstream
def test_wgi_years_have_the_biennial_gaps(wgi: pl.DataFrame) -> None:
    years = sorted(wgi["year"].unique().to_list())
    assert years == [1996, 1998, 2000, *range(2002, 2025)]
    assert not {1997, 1999, 2001} & set(years)
    assert wgi.height == 217 * 26
    assert wgi.schema == pl.Schema(WGI_SCHEMA)


@pytest.mark.upstream
def test_wgi_known_values(wgi: pl.DataFrame) -> None:
    aruba = one(wgi, wb_code="ABW", year=2004)
    assert aruba["country_name"] == "Aruba"
    assert aruba["country_code"] == 533
    assert aruba["estimate"] == 0.993218183517456
    assert aruba["stderr"] == 0.4251982271671295
    assert aruba["normalized"] == 0.30135636329650883
    assert aruba["line"] == 2
    jersey = one(wgi, wb_code="JEY", year=2013)
    assert jersey["estimate"] == 1.4444147999999999
    assert jersey["country_code"] is None  # "NA" in the file


@pytest.mark.upstream
def test_wgi_normalized_is_null_where_estimate_is(wgi: pl.DataFrame) -> None:
    # Aruba 1996: estimate "nan", normalized published as 0.0.
    aruba = one(wgi, wb_code="ABW", year=1996)
    assert (aruba["estimate"], aruba["stderr"], aruba["normalized"]) == (None, None, None)
    assert wgi.filter(pl.col("estimate").is_null() & pl.col("normalized").is_not_null()).height == 0
    assert wgi["estimate"].null_count() == 225  # 223 "nan" + 2 "None"
    pus = one(wgi, wb_code="PUS", year=2024)
    assert (pus["estimate"], pus["normalized"]) == (None, None)
    # normalized is a risk score: (2.5 - estimate) / 5, clipped to [0, 1].
    present = wgi.drop_nulls("estimate")
    implied = ((2.5 - present["estimate"]) / 5).clip(0.0, 1.0)
    assert (implied - present["normalized"]).abs().max() < 1e-9
    assert present.filter(pl.col("normalized") == 1.0)["estimate"].max() < -2.5


@pytest.mark.upstream
def test_wgi_duplicate_guyana_rows_kept(wgi: pl.DataFrame) -> None:
    guy = wgi.filter(pl.col("wb_code") == "GUY", pl.col("year") == 1996).sort("line")
    assert guy["line"].to_list() == [81, 83]
    assert guy["estimate"].to_list() == [0.03840913623571396, -0.26641353964805603]
    same = wgi.filter(pl.col("wb_code") == "GUY", pl.col("year") == 2024)["estimate"]
    assert same.to_list() == [0.4120274, 0.4120274]


def _wgi_dir(folder: Path, rows: dict[str, list[str]]) -> Path:
    folder.mkdir()
    header = "Country/Territory,Code,2022,2023,country_code\n"
    for measure, lines in rows.items():
        (folder / f"wgi_political_stability_{measure}.csv").write_text(header + "".join(lines))
    return folder


def test_wgi_bad_files(tmp_path: Path) -> None:
    good = {
        "estimate": ["Chile,CHL,0.1,nan,152\n"],
        "stderr": ["Chile,CHL,0.2,nan,152\n"],
        "normalized": ["Chile,CHL,0.48,0.0,152\n"],
    }
    frame = parse_wgi(_wgi_dir(tmp_path / "good", good))
    assert frame["normalized"].to_list() == [0.48, None]

    text = {**good, "stderr": ["Chile,CHL,0.2,n.a.,152\n"]}
    with pytest.raises(UpstreamFormatError) as info:
        parse_wgi(_wgi_dir(tmp_path / "text", text))
    err = info.value
    assert (err.file, err.line, err.column) == ("wgi_political_stability_stderr.csv", 2, "2023")
    assert "line 2" in str(err) and "column '2023'" in str(err)

    shifted = {**good, "normalized": ["Peru,PER,0.48,0.0,604\n"]}
    with pytest.raises(UpstreamFormatError, match="economy differs") as info:
        parse_wgi(_wgi_dir(tmp_path / "shifted", shifted))
    assert (info.value.line, info.value.column) == (2, "Code")


# ---------------------------------------------------------------------------------------------
# SCRREEN HS-code map


@pytest.mark.upstream
def test_hs_map_columns_and_rows(hsmap: pl.DataFrame) -> None:
    assert hsmap.height == 65
    assert hsmap.schema == pl.Schema(HS_MAP_SCHEMA)
    assert [snake_case(h) for h in HS_MAP_HEADER] == [
        "sheet_name",
        "category_wmd",
        "reference_id",
        "supply_chain_stage",
        "symbol",
        "geology",
        "reference",
        "eol_rir_2023",
        "hs_code_complementary",
        "hs_code",
        "description",
    ]
    codes = hsmap["hs_code"].drop_nulls()
    assert codes.str.len_chars().unique().to_list() == [6]


@pytest.mark.upstream
def test_hs_map_known_rows(hsmap: pl.DataFrame) -> None:
    aluminium = one(hsmap, sheet_name="Aluminium")
    assert (aluminium["hs_code"], aluminium["eol_rir_2023"], aluminium["line"]) == (
        "760110",
        0.32,
        2,
    )
    assert aluminium["supply_chain_stage"] == "Processing"
    cobalt = one(hsmap, sheet_name="Cobalt")
    assert (cobalt["hs_code"], cobalt["hs_codes_complementary"], cobalt["line"]) == (
        "282200",
        ["810510"],
        16,
    )
    kaolin = one(hsmap, sheet_name="Kaolin (China-Clay)")
    assert kaolin["hs_code_complementary"] == "250830;250840"
    assert kaolin["hs_codes_complementary"] == ["250830", "250840"]
    ree = one(hsmap, sheet_name="Rare Earths (REO)")
    assert (ree["hs_code"], ree["hs_codes_complementary"]) == ("284690", ["284610", "280530"])
    assert one(hsmap, sheet_name="Zircon")["line"] == 182
    # Geology keeps its line breaks as published.
    assert "\n" in one(hsmap, sheet_name="Cobalt")["geology"]


@pytest.mark.upstream
def test_hs_map_not_available_and_blanks(hsmap: pl.DataFrame) -> None:
    flagged = hsmap.filter(pl.col("hs_code").is_null())
    assert flagged.height == 12
    assert flagged["hs_code_flag"].unique().to_list() == ["Not Available"]
    assert "Gallium" in flagged["sheet_name"].to_list()
    assert hsmap["supply_chain_stage"].null_count() == 12
    assert one(hsmap, sheet_name="Lignite")["reference"] == "Not Available"
    diamonds = hsmap.filter(pl.col("reference_id") == "Diamonds")
    assert diamonds["sheet_name"].to_list() == ["Diamonds (Gem)", "Diamonds (Ind)"]


def _hs_file(tmp_path: Path, row: str) -> Path:
    path = tmp_path / "hs_code_map_scrreen.csv"
    path.write_text(",".join(HS_MAP_HEADER) + "\r\n" + row + "\r\n", encoding="utf-8")
    return path


def test_hs_map_synthetic(tmp_path: Path) -> None:
    ok = parse_hs_map(
        _hs_file(tmp_path, 'Meat,Food,Meat,Extraction,M,"two\nlines",ref,0.5,10121,10120,Horses')
    )
    assert ok.row(0, named=True)["hs_code"] == "010120"
    assert ok.row(0, named=True)["hs_codes_complementary"] == ["010121"]
    with pytest.raises(UpstreamFormatError, match="several codes") as info:
        parse_hs_map(_hs_file(tmp_path, "Tin,Metals,Tin,Extraction,Sn,g,r,0.3,,260900;800110,Tin"))
    assert (info.value.line, info.value.column) == (2, "HS Code")
    with pytest.raises(UpstreamFormatError) as info:
        parse_hs_map(_hs_file(tmp_path, "Tin,Metals,Tin,Extraction,Sn,g,r,high,,260900,Tin"))
    assert (info.value.line, info.value.column) == (2, "EoL-RIR (2023)")
