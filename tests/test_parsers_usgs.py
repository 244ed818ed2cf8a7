"""Tests of the USGS Mineral Commodity Summaries parsers on the real files, the cell parser and
the MCS 2026 tidy CSVs; the synthetic quirks and errors are in test_parsers_usgs_quirks.py."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests._helpers import one, write_csv
from transforms.errors import UpstreamFormatError
from transforms.parsers import usgs
from transforms.parsers._text import FLAG_MEANINGS, UnknownCellText, parse_cell

# --- real files -------------------------------------------------------------------------

EDITIONS = ["mcs2023", "mcs2024"]
# Salient files of the 2024 release that hold a world table instead of salient statistics.
MISFILED_2024 = {
    "mcs2024-cobal_salient.csv",
    "mcs2024-gypsu_salient.csv",
    "mcs2024-kyani_salient.csv",
}


@pytest.fixture(scope="module")
def mcs(upstream_dir: Path) -> Path:
    return upstream_dir / "usgs-mcs"


@pytest.fixture(scope="module")
def world24(mcs: Path) -> pl.DataFrame:
    return usgs.parse_world_dir(mcs / "mcs2024" / "world")


@pytest.fixture(scope="module")
def salient24(mcs: Path) -> pl.DataFrame:
    return usgs.parse_salient_dir(mcs / "mcs2024" / "salient")


@pytest.fixture(scope="module")
def salient23(mcs: Path) -> pl.DataFrame:
    return usgs.parse_salient_dir(mcs / "mcs2023" / "salient")


@pytest.mark.upstream
@pytest.mark.parametrize("edition", EDITIONS)
def test_every_real_world_file_parses(mcs: Path, edition: str) -> None:
    files = sorted((mcs / edition / "world").glob("*_world.csv"))
    assert len(files) == 77
    for path in files:
        df = usgs.parse_world_file(path)
        assert df.schema == pl.Schema(usgs.WORLD_SCHEMA), path.name
        assert df.height >= 4, path.name
        assert df["edition"].unique().to_list() == [int(edition[3:])], path.name
        assert df["country"].null_count() == 0, path.name
        assert df["measure"].is_in(["production", "capacity", "reserves"]).all(), path.name
        # A value is there exactly when the cell is a number or a bound.
        numeric = df.filter(pl.col("value").is_not_null())
        assert numeric["value_flag"].is_in([None, ">", "<", "e", "--"], nulls_equal=True).all()
        flagged = df.filter(pl.col("value").is_null())
        assert flagged["value_flag"].is_not_null().all(), path.name
        assert set(flagged["value_flag"].to_list()) <= set(FLAG_MEANINGS), path.name
        # value_text is null only for blank cells.
        assert (df["value_text"].is_null() == (df["value_flag"] == "empty")).all(), path.name


@pytest.mark.upstream
@pytest.mark.parametrize("edition", EDITIONS)
def test_every_real_salient_file_parses(mcs: Path, edition: str) -> None:
    files = sorted((mcs / edition / "salient").glob("*_salient.csv"))
    assert len(files) == {"mcs2023": 83, "mcs2024": 85}[edition]
    first = int(edition[3:]) - 5
    misfiled = set()
    for path in files:
        try:
            df = usgs.parse_salient_file(path)
        except UpstreamFormatError as exc:
            assert "world production table" in str(exc), path.name
            misfiled.add(path.name)
            continue
        assert df.schema == pl.Schema(usgs.SALIENT_SCHEMA), path.name
        years = sorted(df["year"].unique().to_list())
        assert years == list(range(first, first + 5)), path.name
        n_columns = df["column_number"].n_unique()
        assert df.height == 5 * n_columns, path.name
    assert misfiled == (MISFILED_2024 if edition == "mcs2024" else set())


@pytest.mark.upstream
def test_dir_parsers_cover_every_file(mcs: Path) -> None:
    # Speed is measured by the benchmarks, not asserted here: a wall-clock bound fails on a
    # busy machine without saying anything about the parsers.
    frames = {
        e: (usgs.parse_world_dir(mcs / e / "world"), usgs.parse_salient_dir(mcs / e / "salient"))
        for e in EDITIONS
    }
    world23, salient23 = frames["mcs2023"]
    world24, salient24 = frames["mcs2024"]
    assert world23["file"].n_unique() == world24["file"].n_unique() == 77
    assert salient23["file"].n_unique() == 83
    assert salient24["file"].n_unique() == 85 - len(MISFILED_2024)
    assert not set(salient24["file"].unique().to_list()) & MISFILED_2024
    for df in (world23, world24):
        assert 3000 < df.height < 5000
    for df in (salient23, salient24):
        assert 4000 < df.height < 6000
    # Files come sorted by name (upper-case "MCS2024-bismu" first) and lines in order.
    files = world24["file"].unique(maintain_order=True).to_list()
    assert files == sorted(files)
    assert files[0] == "MCS2024-bismu_world.csv"


@pytest.mark.upstream
def test_known_world_figures(world24: pl.DataFrame) -> None:
    china_ga = one(
        world24, commodity_code="galli", country="China", measure="production", year=2023
    )
    assert china_ga["value"] == 600000.0
    assert china_ga["unit"] == "kg"
    assert china_ga["unit_factor_t"] == 0.001
    assert china_ga["is_estimate"] is True
    assert china_ga["column"] == "Prod_kg_est_2023"

    china_sb = one(
        world24, commodity_code="antim", country="China", measure="production", year=2023
    )
    assert (china_sb["value"], china_sb["unit"]) == (40000.0, "t")

    # The 2024-03-06 revision changed these headers to kt; the headers are authoritative.
    for code in ("zinc", "barit"):
        units = world24.filter(pl.col("commodity_code") == code)["unit"].unique().to_list()
        assert units == ["kt"], code
    assert world24.filter(pl.col("commodity_code") == "zinc")[
        "unit_factor_t"
    ].unique().to_list() == [1000.0]
    china_zn = one(world24, commodity_code="zinc", country="China", year=2023)
    assert china_zn["value"] == 4000.0


@pytest.mark.upstream
def test_known_world_quirks(world24: pl.DataFrame, mcs: Path) -> None:
    galli = world24.filter(pl.col("commodity_code") == "galli")
    japan = galli.filter(pl.col("country_raw") == "Japane")
    assert japan.height == 3
    assert japan["country"].unique().to_list() == ["Japane"]

    other = one(galli, country_raw="Other countries4", measure="capacity")
    assert other["country"] == "Other countries"
    assert (other["value_text"], other["value"], other["value_flag"]) == ("88,000", 88000.0, None)
    assert other["notes"] == "estimated"

    us = galli.filter(pl.col("country_raw") == "United\xa0States")
    assert us.height == 3 and us["country"].unique().to_list() == ["United States"]

    nickel = world24.filter(pl.col("commodity_code") == "nicke", pl.col("measure") == "reserves")
    world = one(nickel, country="World total (rounded)")
    assert (world["value_text"], world["value"], world["value_flag"]) == (
        ">130,000,000",
        130_000_000.0,
        ">",
    )
    other_ni = one(nickel, country="Other countries")
    assert (other_ni["value_text"], other_ni["value"]) == (">9,100,000", 9_100_000.0)

    barite_us = one(world24, commodity_code="barit", country="United States", year=2023)
    assert (barite_us["value_text"], barite_us["value"], barite_us["value_flag"]) == (
        "W",
        None,
        "W",
    )
    bismuth = world24.filter(pl.col("file") == "MCS2024-bismu_world.csv")
    assert bismuth.height > 0
    assert bismuth["commodity_code"].unique().to_list() == ["bismu"]

    # "Mine production, fluorspar" printed instead of the Type header.
    fluor = world24.filter(pl.col("commodity_code") == "fluor")
    assert fluor["type"].unique().to_list() == ["Mine production, fluorspar"]

    # "e5,000": the estimate marker glued to a number in a column without "_est".
    sand = world24.filter(pl.col("commodity_code") == "sandi", pl.col("value_flag") == "e")
    assert sand.height == 18
    assert sand["is_estimate"].all()
    assert sand.filter(pl.col("value_text") == "e5,000")["value"].to_list() == [5000.0] * 2

    # Reserves with a year in the header, and several types (products) per file.
    zirco = world24.filter(pl.col("commodity_code") == "zirco", pl.col("measure") == "reserves")
    assert zirco["year"].unique().to_list() == [2023]
    assert world24.filter(pl.col("commodity_code") == "abras")["type"].n_unique() == 2

    w23 = usgs.parse_world_file(mcs / "mcs2023" / "world" / "mcs2023-titan_world.csv")
    blank = one(w23, country="Other countries", column="Prod_Sponge_t_Est_2021")
    assert (blank["value_text"], blank["value"], blank["value_flag"]) == (None, None, "empty")
    assert set(w23["qualifier"].unique().to_list()) == {"Sponge", "Pigment"}


@pytest.mark.upstream
def test_stray_cells_beyond_the_header_go_to_notes(world24: pl.DataFrame) -> None:
    # mcs2024-barit repeats the reserves figures in a column without a header.
    barite = one(world24, commodity_code="barit", country="China", measure="reserves")
    assert (barite["value"], barite["notes"]) == (92000.0, "92,000")
    vermi = one(world24, commodity_code="vermi", country="Brazil", measure="reserves")
    assert vermi["value"] == 6600.0
    assert vermi["notes"].startswith("8100 | For Australia")


@pytest.mark.upstream
def test_known_salient_figures(salient24: pl.DataFrame, salient23: pl.DataFrame) -> None:
    s23 = salient23
    abras = one(s23, commodity_code="abras", year=2018, column="NIR_Al2O3_pct")
    assert (abras["value"], abras["value_flag"], abras["statistic"], abras["unit"]) == (
        75.0,
        ">",
        "NIR_Al2O3",
        "pct",
    )
    ree = one(salient24, commodity_code="raree", year=2023, column="NIR_Concentrate_t")
    assert (ree["value_text"], ree["value"], ree["value_flag"]) == ("E", None, "E")
    ga = one(salient24, commodity_code="galli", year=2023, statistic="NIR")
    assert (ga["value"], ga["unit"], ga["unit_meaning"]) == (100.0, "pct", "percent")
    # Units glued to the statistic and odd tokens, kept as published.
    w = salient24.filter(pl.col("commodity_code") == "tungs", pl.col("year") == 2023)
    assert one(w, column="USprod_Minet")["statistic"] == "USprod_Mine"
    assert one(w, column="Consump_Reportedt")["unit"] == "t"
    assert one(w, column="Price_WO3dt")["unit"] == "dt"
    nir = one(w, column="NIR_ct")
    assert (nir["statistic"], nir["unit"], nir["unit_meaning"]) == ("NIR", "ct", None)
    # The no-dash file name.
    tellu = s23.filter(pl.col("file") == "mcs2023tellu_salient.csv")
    assert tellu.height > 0 and tellu["commodity_code"].unique().to_list() == ["tellu"]
    # A header printed twice is kept twice, told apart by its column number.
    mica = salient24.filter(
        pl.col("commodity_code") == "mica",
        pl.col("year") == 2023,
        pl.col("column") == "USprod_Flake_t",
    )
    assert mica["column_number"].to_list() == [4, 5]


@pytest.mark.upstream
def test_misaligned_2024_salient_files_are_realigned(
    salient24: pl.DataFrame, salient23: pl.DataFrame
) -> None:
    s23 = salient23
    cols = ["column", "value_text"]

    def rows(df: pl.DataFrame, code: str, years: list[int]) -> pl.DataFrame:
        return (
            df.filter(pl.col("commodity_code") == code, pl.col("year").is_in(years))
            .select("year", *cols)
            .sort("year", "column")
        )

    # Fluorspar 2024: blank first cell and a wrong header; the FGDC labels fit the values.
    assert rows(salient24, "fluor", [2019, 2020, 2021]).equals(
        rows(s23, "fluor", [2019, 2020, 2021])
    )
    # Feldspar 2024: a blank cell under Consump_Feldspar_kt.
    assert rows(salient24, "felds", [2019]).equals(rows(s23, "felds", [2019]))
    nir = one(salient24, commodity_code="felds", year=2023, column="NIR_Nepheline_syenite_pct")
    assert nir["value_text"] == ">95"


@pytest.mark.upstream
def test_mcs2026_files_load_with_readme_row_counts(mcs: Path) -> None:
    d = mcs / "mcs2026"
    world = usgs.parse_mcs2026_world(d / "world_production_reserves.csv")
    salient = usgs.parse_mcs2026_salient(d / "us_salient.csv")
    imports = usgs.parse_mcs2026_import_sources(d / "us_import_sources.csv")
    assert (world.height, salient.height, imports.height) == (1065, 2545, 422)
    assert world["commodity"].n_unique() == 39
    assert salient["commodity"].n_unique() == 41
    assert imports["commodity"].n_unique() == 41
    assert world.schema["year"] == pl.Int16
    assert world.schema["production"] == pl.Float64
    assert world.schema["production_is_estimate"] == pl.Boolean
    assert world.schema["footnote"] == pl.String
    assert salient.schema["is_estimate"] == pl.Boolean
    assert imports.schema["share_pct"] == pl.Float64
    for df, columns in (
        (world, usgs.MCS2026_WORLD_COLUMNS),
        (salient, usgs.MCS2026_SALIENT_COLUMNS),
        (imports, usgs.MCS2026_IMPORT_SOURCES_COLUMNS),
    ):
        assert df.columns == [*columns, "file", "line"]
        assert df["line"].to_list() == list(range(2, df.height + 2))
    assert set(world["year"].unique().to_list()) == {2024, 2025}


# --- cell parser ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "flag"),
    [
        ("600000", 600000.0, None),
        ("88,000", 88000.0, None),
        ("1,100,000", 1_100_000.0, None),
        ("0.19", 0.19, None),
        ("−84", -84.0, None),
        ("  42  ", 42.0, None),
        ("W", None, "W"),
        ("NA", None, "NA"),
        ("             NA", None, "NA"),
        ("XX", None, "XX"),
        ("--", 0.0, "--"),
        ("—", 0.0, "--"),
        ("E", None, "E"),
        (">75", 75.0, ">"),
        (">2,000,000", 2_000_000.0, ">"),
        ("    >9,100,000", 9_100_000.0, ">"),
        ("<1,000", 1000.0, "<"),
        ("e5,000", 5000.0, "e"),
        (" e24,000", 24000.0, "e"),
        ("50–300", None, "range"),
        ("500–14,000", None, "range"),
        ("Small", None, "Small"),
        ("Very small", None, "Very small"),
        ("Large", None, "Large"),
        ('Categorized as "large"', None, "Large"),
        ("Included in World total.", None, "Included"),
        ("Included with “Other countries.”", None, "Included"),
        ("included with ilmenite", None, "Included"),
        ("Less than ½ unit.", 0.5, "<"),
        ("Less than 1/2 unit.", 0.5, "<"),
        ("Less than a half unit", 0.5, "<"),
        ("Less than one-half unit", 0.5, "<"),
        ("Variable, depending on type of product", None, "Variable"),
        ("", None, "empty"),
        ("   ", None, "empty"),
        (None, None, "empty"),
    ],
)
def test_parse_cell(text: str | None, value: float | None, flag: str | None) -> None:
    assert parse_cell(text) == (value, flag)
    assert flag is None or flag in FLAG_MEANINGS


def test_parse_cell_bounds_in_another_unit() -> None:
    assert parse_cell("Less than 500\xa0carats.", carats_per_unit=1e6) == (0.0005, "<")
    assert parse_cell("Less than 50,000 tons", tonnes_per_unit=1e6) == (0.05, "<")
    assert parse_cell("Less than 50,000 tons") == (None, "<")


@pytest.mark.parametrize("text", ["w", "n/a", "1,00", "12,3456", "5 kt", "≥5", "Moderate", "e"])
def test_parse_cell_unknown_text(text: str) -> None:
    with pytest.raises(UnknownCellText):
        parse_cell(text)


# --- MCS 2026 tidy CSVs -----------------------------------------------------------------


def test_mcs2026_typing(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "us_import_sources.csv",
        [
            "commodity,commodity_name,period,category,partner_country,share_pct,source_commit,qa_flag,extra",
            "gallium,Gallium,2021-24,Metal,China,21,abc,,x",
            "gallium,Gallium,2021-24,Metal,other,79.5,abc,note,",
        ],
        bom=False,
    )
    df = usgs.parse_mcs2026_import_sources(path)
    assert df.columns == [*usgs.MCS2026_IMPORT_SOURCES_COLUMNS, "extra", "file", "line"]
    assert df["share_pct"].to_list() == [21.0, 79.5]
    assert df["period"].to_list() == ["2021-24", "2021-24"]
    assert df["line"].to_list() == [2, 3]
    assert df["file"].unique().to_list() == ["us_import_sources.csv"]


def test_mcs2026_salient_booleans_and_years(tmp_path: Path) -> None:
    header = ",".join(usgs.MCS2026_SALIENT_COLUMNS)
    path = write_csv(
        tmp_path,
        "us_salient.csv",
        [
            header,
            "ga,Gallium,2025,true,NIR,,,NIR,percent,,>95,,abc,",
            "ga,Gallium,2024,False,NIR,,,NIR,percent,100,,,abc,",
        ],
        bom=False,
    )
    df = usgs.parse_mcs2026_salient(path)
    assert df["year"].to_list() == [2025, 2024]
    assert df.schema["year"] == pl.Int16
    assert df["is_estimate"].to_list() == [True, False]
    assert df["value"].to_list() == [None, 100.0]
    assert df["value_text"].to_list() == [">95", None]


@pytest.mark.parametrize(
    ("column", "bad"),
    [("share_pct", "1,000"), ("share_pct", "about 5"), ("commodity", None)],
)
def test_mcs2026_errors(tmp_path: Path, column: str, bad: str | None) -> None:
    cols = list(usgs.MCS2026_IMPORT_SOURCES_COLUMNS)
    values = ["ga", "Gallium", "2021-24", "Metal", "China", "21", "abc", ""]
    if bad is None:
        cols.remove(column)
        values = values[1:]
    else:
        values[cols.index(column)] = f'"{bad}"'
    path = write_csv(
        tmp_path, "us_import_sources.csv", [",".join(cols), ",".join(values)], bom=False
    )
    with pytest.raises(UpstreamFormatError) as err:
        usgs.parse_mcs2026_import_sources(path)
    assert err.value.file == "us_import_sources.csv"
    assert err.value.column == column
    if bad is not None:
        assert (err.value.line, err.value.value) == (2, bad)


def test_mcs2026_bad_boolean_and_year(tmp_path: Path) -> None:
    header = ",".join(usgs.MCS2026_SALIENT_COLUMNS)
    for row, column in (
        ("ga,Gallium,2025,yes,NIR,,,NIR,percent,1,,,abc,", "is_estimate"),
        ("ga,Gallium,2025e,true,NIR,,,NIR,percent,1,,,abc,", "year"),
    ):
        path = write_csv(tmp_path, "us_salient.csv", [header, row], bom=False)
        with pytest.raises(UpstreamFormatError) as err:
            usgs.parse_mcs2026_salient(path)
        assert (err.value.line, err.value.column) == (2, column)
