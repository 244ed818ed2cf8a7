"""Parsers of the MCS 2025 and MCS 2026 USGS data releases, one test per quirk of the real files,
plus the transcription-vs-release comparison and the header-vs-notes unit check."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from transforms import reference
from transforms.errors import UpstreamFormatError
from transforms.parsers import usgs
from transforms.parsers.usgs_end_uses import parse_end_uses
from transforms.parsers.usgs_mcs2025 import (
    COMMODITY_CODES,
    parse_salient_2025_dir,
    parse_salient_files,
    parse_world_2025,
    parse_world_files,
)
from transforms.parsers.usgs_release2026 import (
    RELEASE_HEADER,
    commodity_slugs,
    parse_release,
    release_import_sources,
    release_salient,
    release_world,
)
from transforms.parsers.usgs_release_compare import COMPARISON_SCHEMA, compare_transcription
from transforms.parsers.usgs_units import edition_jumps, unit_statement_conflicts

REPO = Path(__file__).resolve().parents[1]
RELEASE = "usgs-mcs/mcs2026-release/MCS2026_Commodities_Data.csv"
WORLD25 = "usgs-mcs/mcs2025/world/MCS2025_World_Data.csv"


@pytest.fixture(scope="module")
def release_path(upstream_dir: Path) -> Path:
    return upstream_dir / RELEASE


@pytest.fixture(scope="module")
def release(release_path: Path) -> pl.DataFrame:
    return parse_release(release_path)


@pytest.fixture(scope="module")
def raw_lines(release_path: Path) -> list[str]:
    """The release's physical lines, decoded independently of the parser."""
    return release_path.read_bytes().decode("cp1252").split("\r\n")


@pytest.fixture(scope="module")
def world25(upstream_dir: Path) -> pl.DataFrame:
    return parse_world_2025(upstream_dir / WORLD25)


def _write_release(path: Path, rows: list[str], encoding: str = "cp1252") -> Path:
    text = "\r\n".join([",".join(RELEASE_HEADER), *rows]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


_GOOD_ROW = (
    "COBALT,World Mine Production and Reserves,Cobalt,Cuba,Production,Mine production,"
    "metric tons,2025,{},Estimated.,Yes,"
)


# --- MCS 2026 release: encoding, line ends, numbers ----------------------------------------


@pytest.mark.upstream
def test_release_windows_1252_em_dash_is_decoded(release_path: Path, release: pl.DataFrame) -> None:
    assert b"\x97" in release_path.read_bytes()
    sections = set(release["section"].unique().to_list())
    assert "Salient Statistics\u2014United States" in sections
    assert not any("\ufffd" in s for s in sections)


@pytest.mark.upstream
def test_release_crlf_lines_are_physical_lines(release: pl.DataFrame, raw_lines: list[str]) -> None:
    # Every parsed row's country and value text sit on the physical line the row names.
    sample = release.filter(pl.col("line") % 97 == 0)
    assert sample.height > 50
    for line, country, year in sample.select("line", "country", "year_text").iter_rows():
        physical = raw_lines[line - 1]
        assert f",{country}," in physical or f'"{country}"' in physical
        assert f",{year}," in physical


@pytest.mark.upstream
def test_release_quoted_thousands_separators(release: pl.DataFrame, raw_lines: list[str]) -> None:
    quoted = release.filter(pl.col("value_flag").is_null(), pl.col("value") >= 1000)
    assert quoted.height > 1000
    for line, value in quoted.head(200).select("line", "value").iter_rows():
        assert f'"{value:,.0f}"' in raw_lines[line - 1] or f'"{value:,.1f}"' in raw_lines[line - 1]


@pytest.mark.upstream
def test_release_s_takes_the_phrase_of_the_notes(release: pl.DataFrame) -> None:
    # "s" with "Less than ½ unit." in the notes is the bound 0.5, not an unknown text.
    half = release.filter(
        pl.col("notes").str.contains("Less than ½ unit"), pl.col("value_text") != "s"
    )
    assert half.height > 0
    assert half["value_flag"].unique().to_list() == ["<"]
    included = release.filter(pl.col("value_flag") == "Included")
    assert included.height > 0 and included["value"].is_null().all()


@pytest.mark.upstream
def test_release_en_dash_period_and_shifted_critical_cell(release: pl.DataFrame) -> None:
    sources = release_import_sources(release)
    assert sources["period"].unique().to_list() == ["2021-24"]
    assert (release.filter(pl.col("year").is_null())["year_text"] == "2021\u201324").all()
    yttrium = release.filter(pl.col("line") == 8533).row(0, named=True)
    assert (yttrium["commodity_name"], yttrium["is_critical_mineral_2025"]) == ("Yttrium", True)
    assert yttrium["notes"] is None and yttrium["value_flag"] == "range"


@pytest.mark.upstream
def test_release_lost_minus_sign_is_read_as_negative(
    release: pl.DataFrame, raw_lines: list[str]
) -> None:
    minus = release.filter(pl.col("value_flag") == "minus")
    assert minus.height >= 1
    for line, value in minus.select("line", "value").iter_rows():
        assert value < 0
        assert f",?{-value:.0f}," in raw_lines[line - 1]


@pytest.mark.upstream
def test_release_layouts_match_the_transcribed_snapshot_tables(release: pl.DataFrame) -> None:
    snapshot = REPO / "data" / "snapshot" / "usgs-mcs-2026"
    for table, frame in (
        ("usgs2026_world", release_world(release)),
        ("usgs2026_salient", release_salient(release)),
        ("usgs2026_import_sources", release_import_sources(release)),
    ):
        expected = pl.read_parquet_schema(snapshot / f"{table}.parquet")
        assert frame.schema == expected, table
        assert frame.height > 0 and frame["line"].is_not_null().all()


@pytest.mark.upstream
def test_release_world_reaches_every_registry_mapping(release: pl.DataFrame) -> None:
    world = release_world(release).with_columns(pl.col("product").fill_null(""))
    mapped = (
        reference.usgs2026_map_frame()
        .filter(pl.col("stage") != "exclude")
        .select("commodity", "source_stage", pl.col("source_product").fill_null(""))
    )
    found = world.select("commodity", "stage", "product").unique()
    missing = mapped.join(
        found,
        left_on=["commodity", "source_stage", "source_product"],
        right_on=["commodity", "stage", "product"],
        how="anti",
    )
    assert missing.height == 0, missing


@pytest.mark.upstream
def test_release_one_figure_per_key(release: pl.DataFrame) -> None:
    # Mica prints two tables under one name; titanium two commodities under one detail.
    salient = release_salient(release)
    assert salient.select("commodity", "statistic", "year").is_duplicated().sum() == 0
    sources = release_import_sources(release)
    assert sources.select("commodity", "category", "partner_country").is_duplicated().sum() == 0
    registry = reference.usgs2026_map_frame().select("commodity").unique()
    production = release_world(release).filter(pl.col("production").is_not_null())
    production = production.join(registry, on="commodity", how="semi")
    key = ["commodity", "country", "stage", "product", "year"]
    assert production.select(key).is_duplicated().sum() == 0


def test_release_slugs_keep_the_qualifier_that_tells_chapters_apart() -> None:
    slugs = commodity_slugs(
        {"RARE EARTHS", "RARE EARTHS (Heavy)", "GRAPHITE (NATURAL)", "PHOSPHATE ROCK"}
    )
    assert slugs == {
        "RARE EARTHS": "rare-earths",
        "RARE EARTHS (Heavy)": "rare-earths-heavy",
        "GRAPHITE (NATURAL)": "graphite",
        "PHOSPHATE ROCK": "phosphate",
    }


def test_release_unknown_value_names_line_and_column(tmp_path: Path) -> None:
    path = _write_release(
        tmp_path / "r.csv", [_GOOD_ROW.format('"2,000"'), _GOOD_ROW.format("lots")]
    )
    with pytest.raises(UpstreamFormatError) as err:
        parse_release(path)
    assert (err.value.line, err.value.column, err.value.value) == (3, "Value", "lots")


def test_release_undefined_windows_1252_byte_is_refused(tmp_path: Path) -> None:
    path = _write_release(tmp_path / "r.csv", [_GOOD_ROW.format("1")])
    path.write_bytes(path.read_bytes().replace(b"Cuba", b"Cu\x81a"))
    with pytest.raises(UpstreamFormatError) as err:
        parse_release(path)
    assert err.value.line == 2


def test_release_utf8_reissue_reads_the_same(tmp_path: Path) -> None:
    row = _GOOD_ROW.format('"2,000"').replace("World Mine", "World\u2014Mine")
    one = parse_release(_write_release(tmp_path / "a.csv", [row]))
    two = parse_release(_write_release(tmp_path / "b.csv", [row], encoding="utf-8"))
    assert one.drop("file").equals(two.drop("file"))
    assert one["value"].to_list() == [2000.0]


def test_release_wrong_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"MCS chapter,Section,Country\r\nA,B,C\r\n")
    with pytest.raises(UpstreamFormatError) as err:
        parse_release(path)
    assert err.value.line == 1


# --- transcription vs release ---------------------------------------------------------------


@pytest.mark.upstream
def test_comparison_of_release_with_itself_is_empty(release: pl.DataFrame) -> None:
    frames = {
        "world": release_world(release),
        "salient": release_salient(release),
        "import_sources": release_import_sources(release),
    }
    assert compare_transcription(frames, frames).height == 0


@pytest.mark.upstream
def test_comparison_lists_the_transcription_differences(release: pl.DataFrame) -> None:
    snapshot = REPO / "data" / "snapshot" / "usgs-mcs-2026-transcribed"
    transcribed = {
        k: pl.read_parquet(snapshot / f"usgs2026_transcribed_{k}.parquet")
        for k in ("world", "salient", "import_sources")
    }
    official = {
        "world": release_world(release),
        "salient": release_salient(release),
        "import_sources": release_import_sources(release),
    }
    diff = compare_transcription(transcribed, official)
    assert diff.schema == pl.Schema(COMPARISON_SCHEMA)
    differs = diff.filter(pl.col("note") == "value differs")
    assert differs.height > 0
    # Each listed figure really differs, and each names both lines.
    assert (differs["transcribed_value"] != differs["official_value"]).all()
    assert (
        differs["transcribed_line"].is_not_null().all()
        and differs["official_line"].is_not_null().all()
    )


def test_comparison_matches_names_without_punctuation() -> None:
    def salient(statistic: str, value: float) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "commodity": ["tin"],
                "statistic": [statistic],
                "year": [2024],
                "unit": ["metric tons"],
                "value": [value],
                "value_text": [None],
                "line": [2],
            },
            schema_overrides={"value_text": pl.String, "year": pl.Int16},
        )

    same = compare_transcription(
        {"salient": salient("Production | Mine", 5.0)},
        {"salient": salient("Production, Mine", 5.0)},
    )
    assert same.height == 0
    other = compare_transcription(
        {"salient": salient("Production | Mine", 5.0)},
        {"salient": salient("Production: Mine", 6.0)},
    )
    assert other["note"].to_list() == ["value differs"]


# --- MCS 2025 -------------------------------------------------------------------------------


@pytest.mark.upstream
def test_mcs2025_world_bom_and_spaced_headers(upstream_dir: Path, world25: pl.DataFrame) -> None:
    assert (upstream_dir / WORLD25).read_bytes().startswith(b"\xef\xbb\xbf")
    assert world25.schema == pl.Schema(usgs.WORLD_SCHEMA)
    est = world25.filter(pl.col("column") == "PROD_EST_ 2024")
    assert est.height > 0 and est["is_estimate"].all() and (est["year"] == 2024).all()
    assert not world25.filter(pl.col("column") == "PROD_2023")["is_estimate"].any()
    assert set(world25["commodity_code"].unique()) <= set(COMMODITY_CODES.values())


@pytest.mark.upstream
def test_mcs2025_world_blank_unit_takes_the_unit_of_its_table(world25: pl.DataFrame) -> None:
    row = world25.filter(pl.col("line") == 1132, pl.col("column") == "PROD_2023")
    assert row["unit"].to_list() == ["t"]
    same_type = world25.filter(pl.col("type") == row["type"][0])
    assert same_type["unit"].unique().to_list() == ["t"]


def test_mcs2025_world_unknown_commodity_is_refused(tmp_path: Path) -> None:
    from transforms.parsers.usgs_mcs2025 import WORLD_HEADER

    path = tmp_path / "MCS2025_World_Data.csv"
    row = "MCS2025,Unobtainium,Chile,Mine production,metric tons,1,2,,,,,,"
    path.write_text(",".join(WORLD_HEADER) + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(UpstreamFormatError) as err:
        parse_world_2025(path)
    assert (err.value.line, err.value.column) == (2, "COMMODITY")


@pytest.mark.upstream
def test_mcs2025_salient_existing_parser_fails_only_on_bauxite(upstream_dir: Path) -> None:
    folder = upstream_dir / "usgs-mcs" / "mcs2025" / "salient"
    failing = []
    for path in sorted(folder.glob("*_salient.csv")):
        try:
            usgs.parse_salient_file(path)
        except UpstreamFormatError:
            failing.append(path.name)
    assert failing == ["mcs2025-bauxi_salient.csv"]


@pytest.mark.upstream
def test_mcs2025_salient_dir_reads_all_with_earlier_codes(upstream_dir: Path) -> None:
    salient = parse_salient_2025_dir(upstream_dir / "usgs-mcs" / "mcs2025" / "salient")
    assert salient.schema == pl.Schema(usgs.SALIENT_SCHEMA)
    codes = set(salient["commodity_code"].unique())
    assert len(codes) == 85
    assert {"lithi", "raree", "bauxi"} <= codes and not {"lithium", "rareee"} & codes
    assert set(salient["year"].unique()) == {2020, 2021, 2022, 2023, 2024}
    price = salient.filter(
        pl.col("commodity_code") == "bauxi", pl.col("statistic") == "Alumina_Price"
    )
    assert price["unit"].unique().to_list() == ["dt"]
    assert price["column"].unique().to_list() == ["Alumina_Price_kt"]


@pytest.mark.upstream
def test_snapshot_entry_points_add_2025_and_leave_2023_2024_as_they_are(upstream_dir: Path) -> None:
    mcs = upstream_dir / "usgs-mcs"
    snapshot = REPO / "data" / "snapshot" / "usgs-mcs"
    world = parse_world_files(sorted(mcs.glob("mcs202[345]/world/*_[wW]orld*.csv")))
    salient = parse_salient_files(sorted(mcs.glob("mcs202[345]/salient/*salient.csv")))
    assert set(world["edition"].unique()) == set(salient["edition"].unique()) == {2023, 2024, 2025}
    key = ["file", "line", "column"]
    before = pl.read_parquet(snapshot / "usgs_world.parquet").sort(key)
    assert world.filter(pl.col("edition") < 2025).sort(key).equals(before)
    before = pl.read_parquet(snapshot / "usgs_salient.parquet")
    assert salient.filter(pl.col("edition") < 2025).equals(before)


@pytest.mark.upstream
def test_mcs2025_end_uses(upstream_dir: Path) -> None:
    uses = parse_end_uses(
        upstream_dir
        / "usgs-mcs"
        / "mcs2025"
        / "trends"
        / "MCS2025_T4_Critical_Minerals_End_Use.csv"
    )
    assert uses.height == 50 and uses["critical_mineral"].n_unique() == 50
    assert (uses["edition"] == 2025).all() and uses["primary_applications"].is_not_null().all()


def test_end_uses_mineral_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t4.csv"
    path.write_text(
        "Source,Critical Mineral,Primary Applications,Category_Note\nMCS2025,Tin,Solder.,\nMCS2025,Tin,Solder.,\n",
        encoding="utf-8",
    )
    with pytest.raises(UpstreamFormatError) as err:
        parse_end_uses(path)
    assert (err.value.line, err.value.column) == (3, "Critical Mineral")


# --- units ----------------------------------------------------------------------------------


@pytest.mark.upstream
def test_unit_conflicts_on_the_chromium_2023_file(upstream_dir: Path) -> None:
    world = usgs.parse_world_file(
        upstream_dir / "usgs-mcs" / "mcs2023" / "world" / "mcs2023-chrom_world.csv"
    )
    conflicts = unit_statement_conflicts(world)
    assert sorted(conflicts["column"]) == ["Prod_t_2021", "Prod_t_est_2022"]
    assert (conflicts["stated_factor_t"] == 1e3).all() and (conflicts["unit"] == "t").all()
    # Read with the unit the notes state, South Africa's 2021 output is 18.6 Mt.
    row = world.filter(pl.col("country") == "South Africa", pl.col("column") == "Prod_t_2021")
    assert row["value"][0] * conflicts["stated_factor_t"][0] == pytest.approx(18.6e6)


def test_unit_conflicts_ignore_agreeing_statements() -> None:
    frame = pl.DataFrame(
        {
            "file": ["f"] * 2,
            "commodity_code": ["x"] * 2,
            "column": ["Prod_kt_2021", "Prod_t_2021"],
            "unit": ["kt", "t"],
            "unit_factor_t": [1e3, 1.0],
            "line": [2, 3],
            "notes": ["Units are thousand metric tons.", "Data in metric tons."],
        },
    )
    assert unit_statement_conflicts(frame).height == 0


@pytest.mark.upstream
def test_edition_jumps_find_the_chromium_and_vanadium_unit_slips(upstream_dir: Path) -> None:
    mcs = upstream_dir / "usgs-mcs"
    world = pl.concat(
        usgs.parse_world_file(mcs / f"mcs{edition}" / "world" / f"mcs{edition}-{code}_world.csv")
        for edition in (2023, 2024)
        for code in ("chrom", "vanad")
    )
    jumps = edition_jumps(world)
    found = set(jumps.select("commodity_code", "measure").unique().iter_rows())
    assert found == {("chrom", "production"), ("vanad", "reserves")}
    # Thousand tons printed as tons: a factor of 1,000, give or take the edition's revisions.
    assert (jumps["ratio"] > 200).all()
    assert jumps["ratio"].median() == pytest.approx(1000, rel=0.1)
    assert jumps.filter(pl.col("country") == "South Africa", pl.col("year") == 2022).height == 1


def test_edition_jumps_leave_ordinary_revisions_alone() -> None:
    frame = pl.DataFrame(
        {
            "edition": [2023, 2024, 2023, 2024],
            "commodity_code": ["x"] * 4,
            "file": ["a", "b", "a", "b"],
            "line": [2, 2, 3, 3],
            "country": ["Chile", "Chile", "Peru", "Peru"],
            "column": ["Prod_t_2022"] * 4,
            "measure": ["production"] * 4,
            "unit_factor_t": [1.0, 1.0, 1.0, 1e3],
            "year": [2022] * 4,
            "value": [100.0, 1000.0, 100.0, 100.0],
        },
        schema_overrides={"edition": pl.Int16, "year": pl.Int16, "line": pl.Int32},
    )
    jumps = edition_jumps(frame)
    assert jumps["country"].to_list() == ["Peru"] and jumps["ratio"].to_list() == [1000.0]
