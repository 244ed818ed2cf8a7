"""Property-based tests (hypothesis) of the parsers and of the concentration statistics.

Parsers: whatever text a cell of an otherwise valid file holds — properly quoted, or pasted raw
so that it breaks the CSV structure, or raw bytes that are not UTF-8 — every parser either
returns a frame or raises :class:`UpstreamFormatError` (never a bare polars, csv, unicode or
index error); numbers round-trip through the parsers; BACI's result does not depend on the order
of its rows. Metrics: shares lie in [0, 1] and China + alliance + rest = 1, the HHI lies in
[0, 10,000] and between (100·top1)² and 100²·top1, pooling the alliance never lowers it, and
nothing depends on the order of the input rows.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from transforms.errors import UpstreamFormatError
from transforms.marts.concentration import share_statistics
from transforms.parsers import hsmap, usgs, wgi, wmd
from transforms.parsers._text import parse_cell
from transforms.parsers.baci import (
    parse_baci_country_codes,
    parse_baci_product_codes,
    read_baci,
)

FILE_SETTINGS = settings(
    max_examples=int(__import__("os").environ.get("PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---------------------------------------------------------------------------------------------
# Valid little files, one per parser: (file name, header, rows, parse function)

WORLD_HEADER = [
    "Source",
    "Country",
    "Type",
    "Prod_t_2022",
    "Prod_t_est_2023",
    "Prod_notes",
    "Reserves_t",
    "Reserves_notes",
]
SALIENT_HEADER = ["DataSource", "Commodity", "Year", "USprod_t", "Imports_t", "NIR_pct"]


def _parse_wgi_estimate(path: Path) -> pl.DataFrame:
    # The three WGI files are parsed together; the other two stay valid: the standard errors
    # any numbers, the normalised scores the ones the estimates imply ((2.5 - e) / 5 in [0, 1]),
    # which the parser checks.
    lines = path.read_bytes().decode("utf-8", "replace").splitlines() or [""]
    header, rows = lines[0] + "\n", [line.split(",") for line in lines[1:] if line]

    def normalised(cell: str) -> str:
        try:
            return repr(min(1.0, max(0.0, (2.5 - float(cell)) / 5)))
        except ValueError:
            return cell

    stderr = "".join(",".join([*r[:2], *["0.2"] * (len(r) - 3), r[-1]]) + "\n" for r in rows)
    norm = "".join(",".join([*r[:2], *map(normalised, r[2:-1]), r[-1]]) + "\n" for r in rows)
    (path.parent / "wgi_political_stability_stderr.csv").write_text(header + stderr)
    (path.parent / "wgi_political_stability_normalized.csv").write_text(header + norm)
    return wgi.parse_wgi(path.parent)


FILES: dict[str, tuple[str, list[str], list[list[str]], Callable[[Path], object]]] = {
    "baci": (
        "BACI_HS92_Y2022_V202401b.csv",
        ["t", "i", "j", "k", "v", "q"],
        [["2022", "4", "31", "260300", "1.5", "2"], ["2022", "8", "31", "260300", "12", ""]],
        read_baci,
    ),
    "baci_countries": (
        "country_codes_V202401b.csv",
        ["country_code", "country_name", "country_iso2", "country_iso3"],
        [["4", "Afghanistan", "AF", "AFG"], ["8", "Albania", "AL", "ALB"]],
        parse_baci_country_codes,
    ),
    "baci_products": (
        "product_codes_HS92_V202401b.csv",
        ["code", "description"],
        [["260300", "Copper ores"], ["010121", "Horses"]],
        parse_baci_product_codes,
    ),
    "wmd": (
        "wmd_production_2018_2024.csv",
        list(wmd.WMD_COLUMNS),
        [
            ["Cobalt", "Congo", "180", "COD", "2023", "170000.0", "metr. t", "r"],
            ["Cobalt", "Zambia", "894", "ZMB", "2023", "4000", "metr. t", "e"],
        ],
        wmd.parse_wmd,
    ),
    "wgi": (
        "wgi_political_stability_estimate.csv",
        ["Country/Territory", "Code", "2022", "2023", "country_code"],
        [["Chile", "CHL", "0.1", "nan", "152"], ["Peru", "PER", "-0.4", "0.2", "604"]],
        _parse_wgi_estimate,
    ),
    "hsmap": (
        "hs_code_map_scrreen.csv",
        list(hsmap.HS_MAP_HEADER),
        [["Tin", "Metals", "Tin", "Extraction", "Sn", "g", "r", "0.3", "", "260900", "Tin ores"]],
        hsmap.parse_hs_map,
    ),
    "usgs_world": (
        "mcs2024-testc_world.csv",
        WORLD_HEADER,
        [
            ["MCS2024", "Chile", "Mine production", "1,200", "W", "", "3000", ""],
            ["MCS2024", "Peru", "Mine production", "NA", "e50", "note", ">75", ""],
        ],
        usgs.parse_world_file,
    ),
    "usgs_salient": (
        "mcs2024-testc_salient.csv",
        SALIENT_HEADER,
        [
            ["MCS2024", "Testium", "2022", "W", "1,200", ">75"],
            ["MCS2024", "Testium", "2023", "5", "NA", "E"],
        ],
        usgs.parse_salient_file,
    ),
    "usgs2026_imports": (
        "us_import_sources.csv",
        list(usgs.MCS2026_IMPORT_SOURCES_COLUMNS),
        [
            ["cobalt", "Cobalt", "2021-24", "Metal", "Norway", "20", "abc", ""],
            ["cobalt", "Cobalt", "2021-24", "Metal", "other", "80", "abc", ""],
        ],
        usgs.parse_mcs2026_import_sources,
    ),
}


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "case"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def _parse_or_refuse(parse: Callable[[Path], object], path: Path) -> None:
    """The only acceptable failure is UpstreamFormatError, with the file named."""
    try:
        parse(path)
    except UpstreamFormatError as err:
        assert err.file, "an error must name its file"
        assert str(err).startswith("file ")


@pytest.mark.parametrize("kind", sorted(FILES))
def test_valid_little_files_parse(tmp_path: Path, kind: str) -> None:
    name, header, rows, parse = FILES[kind]
    path = _write(tmp_path, name, _csv_text(header, rows).encode())
    parse(path)  # the base files must be valid, or the properties below test nothing


cell_text = st.text(max_size=30)
raw_text = st.text(
    alphabet=st.sampled_from(list(',"\n\r;\t ') + list("0123456789.eE-NAW<>x")), max_size=12
)


@pytest.mark.parametrize("kind", sorted(FILES))
@FILE_SETTINGS
@given(data=st.data(), text=cell_text)
def test_any_quoted_cell_text_is_parsed_or_refused(
    tmp_path: Path, kind: str, data, text: str
) -> None:
    name, header, rows, parse = FILES[kind]
    rows = [list(r) for r in rows]
    r = data.draw(st.integers(0, len(rows) - 1), label="row")
    c = data.draw(st.integers(0, len(header) - 1), label="column")
    rows[r][c] = text
    _parse_or_refuse(parse, _write(tmp_path, name, _csv_text(header, rows).encode("utf-8")))


@pytest.mark.parametrize("kind", sorted(FILES))
@FILE_SETTINGS
@given(data=st.data(), text=raw_text)
def test_any_raw_text_pasted_into_a_line_is_parsed_or_refused(
    tmp_path: Path, kind: str, data, text: str
) -> None:
    name, header, rows, parse = FILES[kind]
    lines = _csv_text(header, rows).splitlines(keepends=True)
    n = data.draw(st.integers(0, len(lines) - 1), label="line")
    at = data.draw(st.integers(0, len(lines[n])), label="offset")
    lines[n] = lines[n][:at] + text + lines[n][at:]
    _parse_or_refuse(parse, _write(tmp_path, name, "".join(lines).encode("utf-8")))


@pytest.mark.parametrize("kind", sorted(FILES))
@FILE_SETTINGS
@given(data=st.data(), raw=st.binary(min_size=1, max_size=4))
def test_any_bytes_are_parsed_or_refused(tmp_path: Path, kind: str, data, raw: bytes) -> None:
    name, header, rows, parse = FILES[kind]
    blob = _csv_text(header, rows).encode("utf-8")
    at = data.draw(st.integers(0, len(blob)), label="offset")
    _parse_or_refuse(parse, _write(tmp_path, name, blob[:at] + raw + blob[at:]))


# ---------------------------------------------------------------------------------------------
# Numbers round-trip

amounts = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(value=st.integers(min_value=0, max_value=10**12))
def test_usgs_thousands_separators_round_trip(value: int) -> None:
    assert parse_cell(f"{value:,}") == (float(value), None)


@given(
    whole=st.integers(min_value=0, max_value=10**9),
    fraction=st.text(alphabet="0123456789", min_size=1, max_size=4),
    prefix=st.sampled_from(["", ">", "<", "e"]),
    commas=st.booleans(),
)
def test_usgs_decimals_and_bounds_round_trip(
    whole: int, fraction: str, prefix: str, commas: bool
) -> None:
    # USGS prints plain decimals, with or without thousands separators, maybe after a bound
    # (">75") or the estimate marker ("e5,000").
    text = f"{prefix}{whole:,}.{fraction}" if commas else f"{prefix}{whole}.{fraction}"
    value, flag = parse_cell(text)
    assert value == float(f"{whole}.{fraction}")
    assert flag == (prefix or None)


baci_rows = st.lists(
    st.tuples(
        st.integers(1995, 2030),
        st.integers(0, 999),
        st.integers(0, 999),
        st.sampled_from(["260300", "010121", "10121", "9999AA", "811292"]),
        amounts,
        st.one_of(st.none(), amounts),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda r: (r[0], r[1], r[2], r[3].zfill(6)),
)


def _baci_text(rows: list[tuple]) -> str:
    lines = ["t,i,j,k,v,q"]
    for t, i, j, k, v, q in rows:
        lines.append(f"{t},{i},{j},{k},{v!r},{'' if q is None else repr(q)}")
    return "\n".join(lines) + "\n"


@FILE_SETTINGS
@given(rows=baci_rows)
def test_baci_values_round_trip(tmp_path: Path, rows: list[tuple]) -> None:
    path = _write(tmp_path, "BACI_HS92_Y2022_V202401b.csv", _baci_text(rows).encode())
    frame = read_baci(path)
    assert frame.select(
        "year", "exporter_code", "importer_code", "hs6", "value_kusd", "quantity_t"
    ).rows() == [(t, i, j, k.zfill(6), v, q) for t, i, j, k, v, q in rows]


@FILE_SETTINGS
@given(rows=baci_rows, seed=st.randoms(use_true_random=False))
def test_baci_result_does_not_depend_on_row_order(tmp_path: Path, rows: list[tuple], seed) -> None:
    shuffled = list(rows)
    seed.shuffle(shuffled)
    a = read_baci(_write(tmp_path, "BACI_HS92_Y2022_V202401b.csv", _baci_text(rows).encode()))
    b = read_baci(_write(tmp_path, "BACI_HS92_Y2021_V202401b.csv", _baci_text(shuffled).encode()))
    key = ["year", "exporter_code", "importer_code", "hs6"]
    assert a.drop("file").sort(key).equals(b.drop("file").sort(key))


@FILE_SETTINGS
@given(value=amounts)
def test_wmd_values_round_trip(tmp_path: Path, value: float) -> None:
    row = ["Cobalt", "Congo", "180", "COD", "2023", repr(value), "metr. t", "r"]
    path = _write(
        tmp_path, "wmd_production_2018_2024.csv", _csv_text(list(wmd.WMD_COLUMNS), [row]).encode()
    )
    assert wmd.parse_wmd(path)["value"].to_list() == [value]


# ---------------------------------------------------------------------------------------------
# Concentration statistics (transforms.marts.concentration.share_statistics)

CHINA = ["CHN"]
ALLIANCE = ["USA", "JPN", "DEU", "AUS"]
ECONOMIES = ["CHN", "USA", "JPN", "DEU", "AUS", "BRA", "CHL", "COD", "IDN", "ZAF"]

parts_rows = st.lists(
    st.tuples(
        st.sampled_from(["cobalt", "lithium"]),
        st.sampled_from([*ECONOMIES, "OTHER"]),
        # Published figures: zero, or at least a gram (squares of subnormal floats underflow).
        st.one_of(st.none(), st.just(0.0), st.floats(min_value=1e-6, max_value=1e12)),
        st.sampled_from([None, "W", "NA"]),
    ),
    min_size=1,
    max_size=30,
    unique_by=lambda r: (r[0], r[1]),
)


def _parts(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "mineral": m,
                "code": code,
                "is_economy": code != "OTHER",
                "value": value,
                "flag": None if value is not None else flag,
            }
            for m, code, value, flag in rows
        ],
        schema={
            "mineral": pl.Utf8,
            "code": pl.Utf8,
            "is_economy": pl.Boolean,
            "value": pl.Float64,
            "flag": pl.Utf8,
        },
    )


def _stats(parts: pl.DataFrame, world: pl.DataFrame | None = None) -> pl.DataFrame:
    return share_statistics(
        parts, ["mineral"], china=CHINA, alliance=ALLIANCE, world_totals=world
    ).sort("mineral")


TOL = 1e-9


@settings(max_examples=200, deadline=None)
@given(rows=parts_rows, world_factor=st.one_of(st.none(), st.floats(min_value=0.5, max_value=3)))
def test_shares_and_hhi_bounds(rows: list[tuple], world_factor: float | None) -> None:
    parts = _parts(rows)
    world = None
    if world_factor is not None:
        sums = parts.group_by("mineral").agg(pl.col("value").sum().alias("s"))
        world = sums.select(
            "mineral",
            (pl.col("s") * world_factor).alias("world_total"),
            pl.lit("world_total").alias("world_label"),
        )
    stats = _stats(parts, world)
    for row in stats.iter_rows(named=True):
        if row["denominator"] == "no_figures":
            assert row["hhi"] is None and row["china_share"] is None
            continue
        shares = [
            row[c] for c in ("china_share", "alliance_share", "rest_share", "unattributed_share")
        ]
        assert all(-TOL <= s <= 1 + TOL for s in shares), row
        if row["economies"] == 0:
            # Only aggregates ("Other countries") have a figure: no economy leads.
            assert row["top1_share"] is None and row["top1_code"] is None
            assert row["hhi"] == 0
            continue
        assert 0 < row["top1_share"] <= 1 + TOL and row["top3_share"] <= 1 + TOL
        # Shares are of the published total even where the listed parts exceed it (a rounded
        # total): then the whole is parts / total, above 1, as the publisher's shares add up.
        whole = max(1.0, row["parts_total"] / row["total"])
        assert math.isclose(
            row["china_share"] + row["alliance_share"] + row["rest_share"], whole, abs_tol=1e-9
        )
        assert row["top1_share"] <= row["top3_share"] + TOL
        assert -TOL <= row["hhi"] <= 10_000 + 1e-6
        # The HHI divides by the larger of total and parts; top1_share by the total.
        top1 = row["top1_share"] / whole
        assert (100 * top1) ** 2 <= row["hhi"] + 1e-6
        assert row["hhi"] <= 10_000 * top1 + 1e-6
        assert row["alliance_pooled_hhi"] >= row["hhi"] - 1e-6
        assert row["alliance_pooled_hhi"] <= 10_000 + 1e-6


@settings(max_examples=100, deadline=None)
@given(rows=parts_rows, seed=st.randoms(use_true_random=False))
def test_statistics_do_not_depend_on_row_order(rows: list[tuple], seed) -> None:
    shuffled = list(rows)
    seed.shuffle(shuffled)
    a, b = _stats(_parts(rows)), _stats(_parts(shuffled))
    assert a.columns == b.columns
    for col in a.columns:
        left, right = a[col], b[col]
        if left.dtype == pl.Float64:
            assert (
                (left - right).abs().fill_null(0) <= 1e-9 * left.abs().fill_null(1).clip(1)
            ).all(), col
            assert left.is_null().equals(right.is_null())
        else:
            assert left.equals(right), col


@settings(max_examples=100, deadline=None)
@given(rows=parts_rows)
def test_a_single_economy_has_the_whole_market(rows: list[tuple]) -> None:
    # One economy with a positive figure and nothing else: share 1, HHI 10,000.
    mineral, code, value, _ = rows[0]
    assume(code != "OTHER" and value is not None and value > 0)
    stats = _stats(_parts([(mineral, code, value, None)]))
    row = stats.row(0, named=True)
    assert row["top1_code"] == code
    assert math.isclose(row["hhi"], 10_000)
    assert math.isclose(row["top1_share"], 1.0)
