"""Tests of the CEPII BACI parsers on the real HS92 V202401b files and on synthetic bad files.

Known figures were read from the raw files (zcat | sed -n): line 2 of the subset is
``1995,100,124,260300,7903.042,1746.437``; line 21 is ``1995,100,376,250810,311,`` (blank q);
the subset has 1,264,888 data rows, 18,453 of them for HS 260300 and 49,292 in 2024.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from tests._helpers import BACI_HEADER, assert_points_at, baci_file, refused, write_text
from transforms.errors import UpstreamFormatError
from transforms.parsers.baci import (
    BACI_SCHEMA,
    baci_errors,
    baci_sources,
    find_baci_problem,
    iter_baci,
    parse_baci_country_codes,
    parse_baci_product_codes,
    read_baci,
    repair_mojibake,
    scan_baci,
    sink_baci_parquet,
    validate_baci_header,
)

SUBSET = "BACI_HS92_V202401b_critical_subset.csv.gz"


@pytest.fixture(scope="module")
def baci_dir(upstream_dir: Path) -> Path:
    return upstream_dir / "baci-hs92"


@pytest.fixture(scope="module")
def subset(baci_dir: Path) -> pl.DataFrame:
    return read_baci(baci_dir / SUBSET)


# ---------------------------------------------------------------------------------------------
# the real subset


@pytest.mark.upstream
def test_subset_row_count_and_schema(subset: pl.DataFrame) -> None:
    assert subset.height == 1_264_888
    assert subset.schema == pl.Schema(BACI_SCHEMA)
    assert subset["file"].unique().to_list() == [SUBSET]


@pytest.mark.upstream
def test_subset_first_row_as_published(subset: pl.DataFrame) -> None:
    first = subset.row(0, named=True)
    assert first == {
        "year": 1995,
        "exporter_code": 100,
        "importer_code": 124,
        "hs6": "260300",
        "value_kusd": 7903.042,
        "quantity_t": 1746.437,
        "file": SUBSET,
    }


@pytest.mark.upstream
def test_subset_blank_quantity_is_null_not_zero(subset: pl.DataFrame) -> None:
    row = subset.row(19, named=True)  # line 21 of the file
    assert (row["importer_code"], row["hs6"], row["value_kusd"]) == (376, "250810", 311.0)
    assert row["quantity_t"] is None
    assert subset["quantity_t"].null_count() == 61_682
    assert subset["value_kusd"].null_count() == 0


@pytest.mark.upstream
def test_subset_years_and_codes(subset: pl.DataFrame) -> None:
    assert sorted(subset["year"].unique().to_list()) == list(range(1995, 2025))
    assert subset.filter(pl.col("year") == 2024).height == 49_292
    codes = subset["hs6"].unique()
    assert codes.len() == 74
    assert codes.str.len_chars().unique().to_list() == [6]


@pytest.mark.upstream
def test_hs6_filter_and_years_on_a_folder(baci_dir: Path) -> None:
    # The folder also holds the code tables; only the trade table is read.
    assert [s.name for s in baci_sources(baci_dir)] == [SUBSET]
    copper = read_baci(baci_dir, hs6_filter={"260300"})
    assert copper.height == 18_453
    assert copper["hs6"].unique().to_list() == ["260300"]
    only_2024 = scan_baci(baci_dir / SUBSET, years=[2024]).select(pl.len()).collect().item()
    assert only_2024 == 49_292


@pytest.mark.upstream
def test_official_zip_layout_from_real_rows(baci_dir: Path, tmp_path: Path) -> None:
    # Rows of the subset re-written as BACI's own per-year files in a release zip, with the
    # missing quantity written as BACI does (NA, right-aligned) and the code tables and Readme.
    lines_1995 = [
        "1995,100,124,260300,7903.042,1746.437",
        "1995,100,191,250810,66.274,500",
        "1995,100,376,250810,311,          NA",
    ]
    lines_2024 = [
        "2024,96,764,270900,492216.14,738495.894",
        "2024,96,764,271111,61922.038,131701.206",
    ]
    archive = tmp_path / "BACI_HS92_V202401b.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("BACI_HS92_Y1995_V202401b.csv", BACI_HEADER + "\n".join(lines_1995) + "\n")
        zf.writestr("BACI_HS92_Y2024_V202401b.csv", BACI_HEADER + "\n".join(lines_2024) + "\n")
        zf.write(baci_dir / "country_codes_V202401b.csv", "country_codes_V202401b.csv")
        zf.write(baci_dir / "product_codes_HS92_V202401b.csv", "product_codes_HS92_V202401b.csv")
        zf.writestr("Readme.txt", "BACI HS92 V202401b\n")

    frame = read_baci(tmp_path)  # a folder holding the zip
    assert frame.height == 5
    assert frame["file"].unique(maintain_order=True).to_list() == [
        "BACI_HS92_V202401b.zip/BACI_HS92_Y1995_V202401b.csv",
        "BACI_HS92_V202401b.zip/BACI_HS92_Y2024_V202401b.csv",
    ]
    assert frame.row(2, named=True)["quantity_t"] is None
    assert frame.row(3, named=True) == {
        "year": 2024,
        "exporter_code": 96,
        "importer_code": 764,
        "hs6": "270900",
        "value_kusd": 492216.14,
        "quantity_t": 738495.894,
        "file": "BACI_HS92_V202401b.zip/BACI_HS92_Y2024_V202401b.csv",
    }
    # The same rows as in the subset, value for value.
    published = scan_baci(baci_dir / SUBSET, years=[1995]).head(2).drop("file").collect()
    assert frame.head(2).drop("file").equals(published)
    # Written to parquet member by member, the same rows come back.
    parts = sink_baci_parquet(archive, tmp_path / "parquet")
    assert [p.name for p in parts] == [
        "BACI_HS92_Y1995_V202401b.parquet",
        "BACI_HS92_Y2024_V202401b.parquet",
    ]
    assert pl.concat([pl.read_parquet(p) for p in parts]).equals(frame)
    # A year filter picks members by name; the lazy frame outlives the extraction call.
    lazy = scan_baci(archive, years=[2024], hs6_filter=["271111"])
    assert lazy.collect()["value_kusd"].to_list() == [61922.038]


# ---------------------------------------------------------------------------------------------
# synthetic files: layout quirks


def test_padding_lost_zero_bom_and_crlf(tmp_path: Path) -> None:
    path = baci_file(
        tmp_path,
        "2022,  4,  31, 10121,   0.327,          NA\r\n2022,4,31,091099,2.044,1.5\r\n\r\n",
        header="\ufefft,i,j,k,v,q\r\n",
    )
    frame = read_baci(path)
    assert frame["hs6"].to_list() == ["010121", "091099"]
    assert frame["exporter_code"].to_list() == [4, 4]
    assert frame["quantity_t"].to_list() == [None, 1.5]
    assert frame["year"].dtype == pl.Int16
    frames = list(iter_baci([path, path]))
    assert [f.height for f in frames] == [2, 2]


def test_hs6_filter_only_checks_rows_it_keeps(tmp_path: Path) -> None:
    path = baci_file(
        tmp_path,
        "2022,4,31,260300,1.5,2\n2022,4,31,999999,oops,2\n",
    )
    assert read_baci(path, hs6_filter={"260300"}).height == 1
    with pytest.raises(UpstreamFormatError, match="line 3"):
        read_baci(path)
    with pytest.raises(ValueError, match="6-digit"):
        read_baci(path, hs6_filter={"26A"})


# ---------------------------------------------------------------------------------------------
# synthetic files: errors name file, line and column


_WRONG_HEADER = "t,i,j,k,v,quantity\n"


@pytest.mark.parametrize(
    ("read", "header", "rows", "line", "column", "match"),
    [
        pytest.param(
            validate_baci_header, _WRONG_HEADER, "2022,4,31,1,1,1\n", 1, "q", None, id="header"
        ),
        pytest.param(
            scan_baci, _WRONG_HEADER, "2022,4,31,1,1,1\n", 1, "q", None, id="header-of-a-scan"
        ),
        pytest.param(
            read_baci,
            BACI_HEADER,
            "2022,4,31,260300,1.5,2\n2022,4,31,260300\n",
            3,
            "v",
            None,
            id="missing-field",
        ),
        pytest.param(
            read_baci, BACI_HEADER, "2022,4,31,26-300,1.5,2\n", 2, "k", None, id="bad-code"
        ),
        pytest.param(
            read_baci,
            BACI_HEADER,
            '2022,4,31,260300,"1,5",2\n',
            2,
            "v",
            "quote",
            id="quoted-number",
        ),
    ],
)
def test_a_bad_file_is_refused_at_its_line_and_column(
    tmp_path: Path,
    read: Callable[[Path], object],
    header: str,
    rows: str,
    line: int,
    column: str,
    match: str | None,
) -> None:
    path = baci_file(tmp_path, rows, header=header)
    assert_points_at(refused(read, path, match), path.name, line, column)


def test_text_in_value(tmp_path: Path) -> None:
    path = baci_file(
        tmp_path,
        "2022,4,31,260300,1.5,2\n2022,4,31,260300,12,1\n2022,4,31,260300,n/a,1\n",
    )
    error = refused(read_baci, path)
    assert_points_at(error, path.name, 4, "v")
    assert error.value == "n/a"


def test_zip_members_need_no_temporary_folder_of_the_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pure parser manages no temporary folders: members are read in memory, or written into
    # the caller's work_dir and deleted there once read.
    archive = tmp_path / "BACI_HS92_V202401b.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("BACI_HS92_Y2021_V202401b.csv", BACI_HEADER + "2021,4,31,260300,1.5,2\n")
        zf.writestr("BACI_HS92_Y2022_V202401b.csv", BACI_HEADER + "2022,4,31,260300,2.5,NA\n")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser created a temporary folder")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    monkeypatch.setattr(tempfile, "TemporaryDirectory", refuse)
    in_memory = read_baci(archive)
    assert in_memory["value_kusd"].to_list() == [1.5, 2.5]
    work_dir = tmp_path / "work"
    work_dir.mkdir()
    assert read_baci(archive, work_dir=work_dir).equals(in_memory)
    assert list(work_dir.iterdir()) == []
    lazy = scan_baci(archive, years=[2022]).collect()
    assert lazy.drop("file").equals(in_memory.filter(pl.col("year") == 2022).drop("file"))


def test_negative_quantity_in_a_zip_member(tmp_path: Path) -> None:
    archive = tmp_path / "BACI_HS92_V202401b.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("BACI_HS92_Y2021_V202401b.csv", BACI_HEADER + "2021,4,31,260300,1.5,2\n")
        zf.writestr(
            "BACI_HS92_Y2022_V202401b.csv",
            BACI_HEADER
            + "2022,4,31,260300,1.5,2\n2022,4,31,260300,1.5,3\n2022,4,31,260300,1.5,-0.5\n",
        )
    with pytest.raises(UpstreamFormatError, match="negative") as info:
        read_baci(archive)
    assert_points_at(info.value, "BACI_HS92_V202401b.zip/BACI_HS92_Y2022_V202401b.csv", 4, "q")
    with pytest.raises(UpstreamFormatError, match="negative") as info:
        sink_baci_parquet(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "BACI_HS92_Y2022_V202401b.parquet").exists()
    assert_points_at(info.value, "BACI_HS92_V202401b.zip/BACI_HS92_Y2022_V202401b.csv", 4, "q")
    # The lazy path reports the same once collected inside baci_errors.
    with pytest.raises(UpstreamFormatError) as info, baci_errors(baci_sources(archive)):
        scan_baci(archive).collect()
    assert (info.value.line, info.value.column) == (4, "q")
    assert find_baci_problem(archive).line == 4


def test_truncated_gzip(tmp_path: Path) -> None:
    rows = "".join(f"2022,{n % 900},31,260300,{n}.125,{n}.5\n" for n in range(20_000))
    data = gzip.compress((BACI_HEADER + rows).encode())
    cut = data[: len(data) // 2]
    path = tmp_path / "BACI_HS92_V202401b_critical_subset.csv.gz"
    path.write_bytes(cut)
    # The expected line: one after the last complete line that survives the cut.
    survived = zlib.decompressobj(wbits=31).decompress(cut)
    expected_line = survived.count(b"\n") + 1
    with pytest.raises(UpstreamFormatError, match="truncated") as info:
        read_baci(path)
    err = info.value
    assert (err.file, err.line) == (path.name, expected_line)
    assert err.column in {"t", "i", "j", "k", "v", "q"}
    assert f"line {expected_line}" in str(err) and "column" in str(err)


def test_good_copy_of_the_zip_has_no_problem(tmp_path: Path) -> None:
    src = baci_file(tmp_path, "2022,4,31,260300,1.5,\n")
    shutil.copy(src, tmp_path / "BACI_HS92_Y2023_V202401b.csv")
    assert find_baci_problem(tmp_path) is None


# ---------------------------------------------------------------------------------------------
# code tables


@pytest.mark.upstream
def test_country_codes(baci_dir: Path) -> None:
    codes = parse_baci_country_codes(baci_dir / "country_codes_V202401b.csv")
    assert codes.height == 238
    assert codes.schema["baci_code"] == pl.Int32
    by_code = {r["baci_code"]: r for r in codes.iter_rows(named=True)}
    assert (by_code[156]["iso3"], by_code[156]["iso2"]) == ("CHN", "CN")
    # BACI's own codes: France 251, India 699, USA 842; Taiwan hides in "Other Asia, nes".
    assert by_code[251]["iso3"] == "FRA" and by_code[699]["iso3"] == "IND"
    assert by_code[842]["country_name"] == "USA"
    assert (by_code[490]["country_name"], by_code[490]["iso2"], by_code[490]["iso3"]) == (
        "Other Asia, nes",
        None,
        "S19",
    )
    assert by_code[711]["iso3"] == "ZA1"
    # Namibia's ISO2 "NA" is an empty cell in this file: kept as published (null).
    assert (by_code[516]["iso2"], by_code[516]["iso3"]) == (None, "NAM")
    # Historical codes share the ISO3 of their successors.
    assert by_code[58]["iso3"] == by_code[56]["iso3"] == "BEL"
    # Names double-encoded upstream are kept, with a repaired copy.
    assert by_code[531]["country_name"] == "CuraÃ§ao"
    assert by_code[531]["country_name_repaired"] == "Curaçao"
    assert by_code[156]["country_name_repaired"] == "China"
    assert by_code[4]["line"] == 2


@pytest.mark.upstream
def test_product_codes(baci_dir: Path) -> None:
    products = parse_baci_product_codes(baci_dir / "product_codes_HS92_V202401b.csv")
    assert products.height == 5022
    assert products.row(0, named=True)["hs6"] == "010111"
    assert products.row(0, named=True)["description"] == "Horses: live, pure-bred breeding animals"
    assert products["hs6"].str.len_chars().unique().to_list() == [6]
    assert products.filter(pl.col("hs6") == "9999AA").height == 1  # BACI's legacy non-WCO code
    copper = products.filter(pl.col("hs6") == "260300")
    assert copper["description"].item() == "Copper ores and concentrates"


def test_product_codes_in_windows_1252_and_lost_zeros(tmp_path: Path) -> None:
    path = tmp_path / "product_codes.csv"
    # 0xE9 is é and 0x96 an en dash in Windows-1252; neither byte is valid UTF-8 here.
    path.write_bytes(b"code,description\r\n10121,Caf\xe9 \x96 roasted\r\n")
    products = parse_baci_product_codes(path)
    assert products.row(0) == ("010121", "Café – roasted", "product_codes.csv", 2)
    bad = write_text(tmp_path / "bad.csv", "code,desc\n010121,x\n")
    with pytest.raises(UpstreamFormatError, match="line 1"):
        parse_baci_product_codes(bad)


def test_repair_mojibake_leaves_good_text_alone() -> None:
    assert repair_mojibake("TÃ¼rkiye") == "Türkiye"
    assert repair_mojibake("Türkiye") == "Türkiye"
    assert repair_mojibake(None) is None
