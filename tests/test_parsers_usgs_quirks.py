"""Tests of the USGS Mineral Commodity Summaries parsers on synthetic files: the world and
salient layouts' quirks the parsers absorb (BOM, CRLF, footnotes, header units, stray cells,
misfiled world tables) and the errors that name file, line and column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from tests._helpers import one, write_csv
from transforms.errors import UpstreamFormatError
from transforms.parsers import usgs
from transforms.parsers.usgs.salient import _FELDS_2024_HEADER

WORLD_HEADER = (
    "Source,Country,Type,Prod_t_2022,Prod_t_est_2023,Prod_notes,Reserves_t,Reserves_notes"
)

SALIENT_HEADER = "DataSource,Commodity,Year,USprod_Primary_kg,Imports_Metalkg,Price_dlb,NIR_pct,,"


def _testc_table(
    table: str, default_header: str, parse: Callable[[Path], pl.DataFrame]
) -> tuple[Callable[..., Path], Callable[..., pl.DataFrame]]:
    """A writer of synthetic MCS 2024 ``table`` files ('world' or 'salient') of a made-up
    commodity, 'testc': ``write(tmp_path, rows, header=default_header)``, and ``parsed`` with
    the same arguments, which writes the file and returns ``parse`` of it."""

    def write(tmp_path: Path, rows: list[str], header: str = default_header) -> Path:
        return write_csv(tmp_path, f"mcs2024-testc_{table}.csv", [header, *rows])

    def parsed(tmp_path: Path, rows: list[str], header: str = default_header) -> pl.DataFrame:
        return parse(write(tmp_path, rows, header))

    return write, parsed


world_file, world_parsed = _testc_table("world", WORLD_HEADER, usgs.parse_world_file)
salient_file, salient_parsed = _testc_table("salient", SALIENT_HEADER, usgs.parse_salient_file)


# --- synthetic: world quirks ------------------------------------------------------------


def test_world_quirks_bom_crlf_nbsp_footnotes_padding(tmp_path: Path) -> None:
    df = world_parsed(
        tmp_path,
        [
            'MCS2024,United\xa0States,"Mine production, testium",W,W,,NA,,,',
            'MCS2024,Japane,"Mine production, testium","1,500",1600,,"88,000",Note A,,',
            'MCS 2024,Other countries4,"Mine production, testium",             NA,e200,,">2,000,000",,,',
            'MCS2024,Vietnam\xa0,"Mine production, testium",--,<1,, Large,,,',
            ",,,,,,,,,",
            'MCS2024,World total (rounded)10,"Mine production, testium",XX,,,E,,,',
            ",,,,,,,,,",
            ",,,,,,,,,",
        ],
        header=WORLD_HEADER + ",,",
    )
    assert df.schema == pl.Schema(usgs.WORLD_SCHEMA)
    assert df.height == 5 * 3  # 5 data rows x 3 value columns; blank rows skipped
    assert df["line"].unique().to_list() == [2, 3, 4, 5, 7]
    assert df["country"].unique(maintain_order=True).to_list() == [
        "United States",
        "Japane",
        "Other countries",
        "Vietnam",
        "World total (rounded)",
    ]
    assert one(df, line=2, year=2022)["country_raw"] == "United\xa0States"
    cells = {(r["line"], r["column"]): r for r in df.iter_rows(named=True)}

    def check(line: int, column: str, text: str | None, value: float | None, flag: str | None):
        row = cells[(line, column)]
        assert (row["value_text"], row["value"], row["value_flag"]) == (text, value, flag)

    check(2, "Prod_t_2022", "W", None, "W")
    check(2, "Reserves_t", "NA", None, "NA")
    check(3, "Prod_t_2022", "1,500", 1500.0, None)
    check(3, "Reserves_t", "88,000", 88000.0, None)
    check(4, "Prod_t_2022", "NA", None, "NA")  # leading spaces trimmed
    check(4, "Prod_t_est_2023", "e200", 200.0, "e")
    check(4, "Reserves_t", ">2,000,000", 2_000_000.0, ">")
    check(5, "Prod_t_2022", "--", 0.0, "--")
    check(5, "Prod_t_est_2023", "<1", 1.0, "<")
    check(5, "Reserves_t", "Large", None, "Large")
    check(7, "Prod_t_2022", "XX", None, "XX")
    check(7, "Prod_t_est_2023", None, None, "empty")
    check(7, "Reserves_t", "E", None, "E")
    assert one(df, line=3, measure="reserves")["notes"] == "Note A"
    assert one(df, line=3, measure="production", year=2022)["notes"] is None
    est = df.filter(pl.col("measure") == "production").select("year", "is_estimate").unique()
    assert sorted(est.rows()) == [(2022, False), (2023, True)]
    assert df.filter(pl.col("measure") == "reserves")["year"].null_count() == 5
    assert df["edition"].unique().to_list() == [2024]
    assert df["commodity_code"].unique().to_list() == ["testc"]


def test_world_without_bom_or_crlf(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "mcs2023-testc_world.csv",
        ["Source,Country,Type,Prod_kt_2021", "MCS2023,Chile,Mine production,12"],
        bom=False,
        crlf=False,
    )
    row = usgs.parse_world_file(path).row(0, named=True)
    assert (row["edition"], row["country"], row["value"], row["unit"]) == (
        2023,
        "Chile",
        12.0,
        "kt",
    )


@pytest.mark.parametrize(
    ("header", "measure", "qualifier", "unit", "factor", "year", "estimate"),
    [
        ("Prod_kg_2022", "production", None, "kg", 0.001, 2022, False),
        ("Prod_t_est_2023", "production", None, "t", 1.0, 2023, True),
        ("Prod_kt_Est_2023", "production", None, "kt", 1000.0, 2023, True),
        ("Cap_Sponge_t_2022", "capacity", "Sponge", "t", 1.0, 2022, False),
        ("Prod_Sponge_t_Est_2022", "production", "Sponge", "t", 1.0, 2022, True),
        ("Reserves_ore_kt", "reserves", "ore", "kt", 1000.0, None, False),
        ("Reserves_ore_K2O_equiv_kt", "reserves", "ore_K2O_equiv", "kt", 1000.0, None, False),
        ("Reserves_mct", "reserves", None, "mct", None, None, False),
        ("Prod_kct_est_2023", "production", None, "kct", None, 2023, True),
        ("Prod_mcm_est_2023", "production", None, "mcm", None, 2023, True),
        ("Reserves_kt_2023", "reserves", None, "kt", 1000.0, 2023, False),
        ("Reserves_Mt", "reserves", None, "Mt", 1e6, None, False),
        ("Reserves_mt", "reserves", None, "mt", 1e6, None, False),
        ("Prod_mmt_2022", "production", None, "mmt", 1e6, 2022, False),
    ],
)
def test_world_header_units(
    tmp_path: Path,
    header: str,
    measure: str,
    qualifier: str | None,
    unit: str,
    factor: float | None,
    year: int | None,
    estimate: bool,
) -> None:
    row = world_parsed(
        tmp_path, ["MCS2024,Peru,Mine production,7"], header=f"Source,Country,Type,{header}"
    ).row(0, named=True)
    assert row["column"] == header
    assert (row["measure"], row["qualifier"], row["unit"]) == (measure, qualifier, unit)
    assert (row["unit_factor_t"], row["year"], row["is_estimate"]) == (factor, year, estimate)
    assert row["value"] == 7.0


def test_every_world_unit_token_is_documented() -> None:
    for token, (meaning, factor) in usgs.WORLD_UNITS.items():
        assert meaning, token
        assert factor is None or factor > 0, token
    assert usgs.WORLD_UNITS["mt"][1] == 1e6  # million, not metric tons


def test_world_type_header_replaced_by_its_value(tmp_path: Path) -> None:
    df = world_parsed(
        tmp_path,
        [
            'MCS2024,China,"Mine production, fluorspar",5700,5700,,67000,',
            'MCS2024,Mexico,"Mine production, fluorspar",1000,1000,,68000,',
        ],
        header=WORLD_HEADER.replace("Type", '"Mine production, fluorspar"'),
    )
    assert df["type"].unique().to_list() == ["Mine production, fluorspar"]
    assert one(df, country="China", year=2023)["value"] == 5700.0


def test_world_several_types_and_notes_variants(tmp_path: Path) -> None:
    header = (
        "Source,Country,Type,Prod_t_2022,Prod_note,Cap_t_2023,Cap_notes,Reserves_t,Reserves_notes"
    )
    df = world_parsed(
        tmp_path,
        [
            "MCS2024,Chile, Refinery production ,1,prod note,2,cap note,3,res note",
            "MCS2024,Chile,Mine production,4,,5,,6,",
        ],
        header=header,
    )
    assert df["type"].unique(maintain_order=True).to_list() == [
        "Refinery production",
        "Mine production",
    ]
    first = df.filter(pl.col("line") == 2)
    assert dict(zip(first["measure"], first["notes"], strict=True)) == {
        "production": "prod note",
        "capacity": "cap note",
        "reserves": "res note",
    }
    assert df.filter(pl.col("line") == 3)["notes"].null_count() == 3


def test_world_notes_column_of_a_measure_without_values(tmp_path: Path) -> None:
    # mcs2024-abras: capacity values, notes column named Prod_notes.
    df = world_parsed(
        tmp_path,
        ["MCS2024,Austria,Plant capacity,90000,90000,revised"],
        header="Source,Country,Type,Cap_t_est_2022,Cap_t_est_2023,Prod_notes",
    )
    assert df["notes"].to_list() == ["revised", "revised"]


def test_world_stray_cell_goes_to_notes(tmp_path: Path) -> None:
    df = world_parsed(
        tmp_path,
        ["MCS2024,China,Mine production,1,2,,92,,92", "MCS2024,Iran,Mine production,1,2,,3,a,b"],
        header=WORLD_HEADER + ",",
    ).filter(pl.col("measure") == "reserves")
    assert df["notes"].to_list() == ["92", "a | b"]


def test_world_line_numbers_count_line_breaks_inside_quotes(tmp_path: Path) -> None:
    df = world_parsed(
        tmp_path,
        [
            'MCS2024,Chile,Mine production,1,2,"two\nlines",3,',
            "MCS2024,Peru,Mine production,1,2,,3,",
        ],
    )
    assert df.filter(pl.col("country") == "Peru")["line"].unique().to_list() == [4]
    assert one(df, country="Chile", year=2022)["notes"] == "two\nlines"


def test_world_dir_sorted_and_concatenated(tmp_path: Path) -> None:
    for name in ("mcs2024-zzz_world.csv", "MCS2024-aaa_world.csv", "mcs2024-mmm_world.csv"):
        write_csv(tmp_path, name, ["Source,Country,Type,Prod_t_2022", "MCS2024,Peru,Mine,1"])
    write_csv(tmp_path, "mcs2024-mmm_salient.csv", ["not,a,world,table"])
    (tmp_path / "mcs2024-mmm_meta.xml").write_text("<metadata/>")
    df = usgs.parse_world_dir(tmp_path)
    assert df["file"].to_list() == [
        "MCS2024-aaa_world.csv",
        "mcs2024-mmm_world.csv",
        "mcs2024-zzz_world.csv",
    ]
    assert df["commodity_code"].to_list() == ["aaa", "mmm", "zzz"]


# --- synthetic: world errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "row", "column"),
    [
        ("Source,Nation,Type,Prod_t_2022", "MCS2024,Peru,Mine,1", "Country"),
        ("Source,Country,Prod_t_2022", "MCS2024,Peru,1", "Type"),
        ("Source,Country,Kind,Prod_t_2022", "MCS2024,Peru,Mine,1", "Type"),
        ("Source,Country,Type,Prod_notes", "MCS2024,Peru,Mine,note", "Prod_*"),
    ],
)
def test_world_missing_required_column(tmp_path: Path, header: str, row: str, column: str) -> None:
    path = world_file(tmp_path, [row], header=header)
    with pytest.raises(UpstreamFormatError) as err:
        usgs.parse_world_file(path)
    assert err.value.file == "mcs2024-testc_world.csv"
    assert err.value.column == column
    assert "mcs2024-testc_world.csv" in str(err.value) and column in str(err.value)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("approx. 5", 3, "Prod_t_est_2023"),
        ("1,00", 3, "Prod_t_est_2023"),
        ("5 kt", 3, "Prod_t_est_2023"),
        ("Moderate", 3, "Prod_t_est_2023"),
    ],
)
def test_world_unknown_text_in_number_column(
    tmp_path: Path, text: str, line: int, column: str
) -> None:
    path = world_file(
        tmp_path,
        ["MCS2024,Chile,Mine,1,2,,3,", f'MCS2024,Peru,Mine,1,"{text}",,3,'],
    )
    with pytest.raises(UpstreamFormatError) as err:
        usgs.parse_world_file(path)
    assert (err.value.file, err.value.line, err.value.column, err.value.value) == (
        "mcs2024-testc_world.csv",
        line,
        column,
        text,
    )
    assert f"line {line}" in str(err.value) and column in str(err.value)


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        ("Source,Country,Type,Prod_lb_2022", ["MCS2024,Peru,Mine,1"], "unit token"),
        ("Source,Country,Type,Prod_t_2022,Grade", ["MCS2024,Peru,Mine,1,x"], "unrecognised"),
        ("Source,Country,Type,Prod_t_2022", ["MCS2023,Peru,Mine,1"], "edition"),
        ("Source,Country,Type,Prod_t_2022", ["MCS2024,,Mine,1"], "without a country"),
        ("Source,Country,Type,Prod_t_2022", ["MCS2024,Peru,Mine,1,2"], "more fields"),
        ("Country,Type,Prod_t_2022,", ["Peru,Mine,1,stray"], "no header"),
    ],
)
def test_world_malformed_input(tmp_path: Path, header: str, rows: list[str], message: str) -> None:
    path = world_file(tmp_path, rows, header=header)
    with pytest.raises(UpstreamFormatError, match=message) as err:
        usgs.parse_world_file(path)
    assert err.value.file == "mcs2024-testc_world.csv"


def test_ragged_row_error_names_its_line(tmp_path: Path) -> None:
    path = world_file(tmp_path, ["MCS2024,Peru,Mine,1,2,,3,", "MCS2024,Chile,Mine,1,2,,3,,extra"])
    with pytest.raises(UpstreamFormatError, match="more fields than the header") as err:
        usgs.parse_world_file(path)
    assert err.value.line == 3


def test_bad_file_names_and_empty_dirs(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "world.csv", ["Source,Country,Type,Prod_t_2022"])
    with pytest.raises(UpstreamFormatError, match="file name"):
        usgs.parse_world_file(path)
    salient_named = write_csv(tmp_path, "mcs2024-x_salient.csv", ["DataSource,Commodity,Year"])
    with pytest.raises(UpstreamFormatError, match="file name"):
        usgs.parse_world_file(salient_named)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UpstreamFormatError, match="no"):
        usgs.parse_world_dir(empty)
    with pytest.raises(UpstreamFormatError, match="no"):
        usgs.parse_salient_dir(empty)


# --- synthetic: salient -----------------------------------------------------------------


def test_salient_long_table(tmp_path: Path) -> None:
    df = salient_parsed(
        tmp_path,
        [
            'MCS2024,Testium,2022,W,"1,200",3.5,>75,,',
            "MCS2024,Testium,2023e,0, NA ,e4,E,,",
            ",,,,,,,,",
        ],
    )
    assert df.schema == pl.Schema(usgs.SALIENT_SCHEMA)
    assert df.height == 2 * 4
    nir = one(df, year=2022, statistic="NIR")
    assert (nir["value"], nir["value_flag"], nir["unit"], nir["unit_meaning"]) == (
        75.0,
        ">",
        "pct",
        "percent",
    )
    assert one(df, year=2023, statistic="NIR")["value_flag"] == "E"
    imports = one(df, year=2022, column="Imports_Metalkg")
    assert (imports["statistic"], imports["unit"], imports["value"]) == (
        "Imports_Metal",
        "kg",
        1200.0,
    )
    assert one(df, year=2022, column="USprod_Primary_kg")["value_flag"] == "W"
    assert one(df, year=2023, column="Imports_Metalkg")["value_text"] == "NA"
    price = one(df, year=2023, column="Price_dlb")
    assert (price["value"], price["value_flag"], price["unit_meaning"]) == (
        4.0,
        "e",
        "dollars per pound",
    )
    y23 = df.filter(pl.col("year") == 2023)
    assert y23["year_text"].unique().to_list() == ["2023e"]
    assert y23["is_estimate"].all()
    assert not df.filter(pl.col("year") == 2022)["is_estimate"].any()
    assert df["column_number"].unique().sort().to_list() == [4, 5, 6, 7]
    assert df["data_source"].unique().to_list() == ["MCS2024"]
    assert df["commodity"].unique().to_list() == ["Testium"]


@pytest.mark.parametrize(
    ("header", "statistic", "unit", "meaning"),
    [
        ("NIR_pct", "NIR", "pct", "percent"),
        ("USprod_Minet", "USprod_Mine", "t", "metric tons"),
        ("Consump_Reportedt", "Consump_Reported", "t", "metric tons"),
        ("Price_WO3dt", "Price_WO3", "dt", "dollars per metric ton"),
        ("Price_High-puritydkg", "Price_High-purity", "dkg", "dollars per kilogram"),
        ("Grade-A-Salesmcm", "Grade-A-Sales", "mcm", "million cubic meters"),
        ("Exports_Total", "Exports_Total", None, None),
        ("Consump_", "Consump", None, None),
        ("Employment_um", "Employment", "um", None),
        ("Price_Imports_df", "Price_Imports", "df", None),
        ("Exports_g", "Exports", "g", None),
        ("Price_Ingot_ctslb", "Price_Ingot", "ctslb", "cents per pound"),
        ("USprod_Natural_mdol", "USprod_Natural", "mdol", "million dollars"),
    ],
)
def test_salient_header_units(
    tmp_path: Path, header: str, statistic: str, unit: str | None, meaning: str | None
) -> None:
    row = salient_parsed(
        tmp_path, ["MCS2024,Testium,2023,5"], header=f"DataSource,Commodity,Year,{header}"
    ).row(0, named=True)
    assert (row["column"], row["statistic"], row["unit"], row["unit_meaning"]) == (
        header,
        statistic,
        unit,
        meaning,
    )


def test_every_salient_unit_token_is_documented() -> None:
    assert all(usgs.SALIENT_UNIT_MEANINGS.values())
    assert all(usgs.SALIENT_UNITS_UNINTERPRETED.values())
    assert not set(usgs.SALIENT_UNIT_MEANINGS) & set(usgs.SALIENT_UNITS_UNINTERPRETED)


def test_salient_duplicate_headers_kept(tmp_path: Path) -> None:
    df = salient_parsed(
        tmp_path,
        ["MCS2024,Mica,2023,1,2"],
        header="DataSource,Commodity,Year,USprod_Flake_t,USprod_Flake_t",
    )
    assert df.select("column", "column_number", "value").rows() == [
        ("USprod_Flake_t", 4, 1.0),
        ("USprod_Flake_t", 5, 2.0),
    ]


@pytest.mark.parametrize(
    ("header", "rows", "line", "column", "message"),
    [
        ("DataSource,Commodity,Price_dt", ["MCS2024,T,1"], 1, "Year", "missing"),
        ("DataSource,Year,Price_dt", ["MCS2024,2023,1"], 1, "Commodity", "missing"),
        ("Commodity,Year,Price_dt", ["T,2023,1"], 1, "DataSource", "missing"),
        ("DataSource,Commodity,Year,Price_dt", ["MCS2024,T,23,1"], 2, "Year", "four-digit"),
        ("DataSource,Commodity,Year,Price_dt", ["MCS2024,T,,1"], 2, "Year", "four-digit"),
        (
            "DataSource,Commodity,Year,Price_dt",
            ["MCS2024,T,2022,1", "MCS2024,T,2023,about 5"],
            3,
            "Price_dt",
            "does not know",
        ),
    ],
)
def test_salient_errors(
    tmp_path: Path,
    header: str,
    rows: list[str],
    line: int | None,
    column: str,
    message: str,
) -> None:
    path = salient_file(tmp_path, rows, header=header)
    with pytest.raises(UpstreamFormatError, match=message) as err:
        usgs.parse_salient_file(path)
    assert (err.value.file, err.value.line, err.value.column) == (
        "mcs2024-testc_salient.csv",
        line,
        column,
    )


def test_salient_data_beyond_the_header_is_an_error(tmp_path: Path) -> None:
    path = salient_file(tmp_path, ["MCS2024,T,2023,1,2,3,4,5,"])
    with pytest.raises(UpstreamFormatError, match="no header but holds data") as err:
        usgs.parse_salient_file(path)
    assert err.value.line == 2


def test_salient_realignment_refuses_a_changed_file(tmp_path: Path) -> None:
    header = ",".join(_FELDS_2024_HEADER)
    row = "MCS2024,F,2023,1,2,3,4,5,6,7,8,9,10,11,12"  # no blank cell at column 8
    path = write_csv(tmp_path, "mcs2024-felds_salient.csv", [header, row])
    with pytest.raises(UpstreamFormatError, match="no longer matches"):
        usgs.parse_salient_file(path)


def test_salient_dir_skips_world_tables_only_when_the_world_file_exists(tmp_path: Path) -> None:
    salient, world = tmp_path / "salient", tmp_path / "world"
    salient.mkdir()
    world.mkdir()
    misfiled = ["Source,Country,Type,Prod_t_2022", "MCS2024,Peru,Mine,1"]
    write_csv(
        salient, "mcs2024-aaa_salient.csv", ["DataSource,Commodity,Year,X_t", "MCS2024,A,2023,1"]
    )
    write_csv(salient, "mcs2024-bbb_salient.csv", misfiled)
    with pytest.raises(UpstreamFormatError, match="world production table"):
        usgs.parse_salient_dir(salient)
    write_csv(world, "mcs2024-bbb_world.csv", misfiled)
    df = usgs.parse_salient_dir(salient)
    assert df["file"].unique().to_list() == ["mcs2024-aaa_salient.csv"]
    with pytest.raises(UpstreamFormatError, match="world production table"):
        usgs.parse_salient_file(salient / "mcs2024-bbb_salient.csv")
