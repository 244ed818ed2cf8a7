"""Hostile and plausible-wrong inputs refused early, with messages that say what is wrong.

The byte- and file-level guards (transforms/parsers/_guards.py), the snapshot's shrink check
against the previous snapshot (transforms/shrinkage.py), range checks in the parsers, WGI's
normalised score against its estimate, world totals where some figures are withheld, and the
unit-slip check on the real raw files (a blocking ERROR check). The gauntlet
(tests/gauntlet/cases.yaml) runs the same classes end to end through ``briefing snapshot``.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import polars as pl
import pytest

from transforms.errors import UpstreamFormatError
from transforms.parsers import _guards
from transforms.parsers._csv import read_csv_file, read_csv_rows
from transforms.parsers.baci import read_baci
from transforms.parsers.usgs import parse_salient_dir, parse_world_file
from transforms.parsers.wgi import parse_wgi
from transforms.reconcile import WORLD_TOTAL_REL_TOLERANCE, world_total_reconciliation
from transforms.shrinkage import AcceptedShrink, shrinkage
from transforms.snapshot import TABLES_BY_NAME, find_inputs, parse_table

# --- bytes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ("a,b\n1,2\n".encode("utf-16"), "file is UTF-16; save it as UTF-8"),
        (b"a,b\r1,2\r3,4\r", "carriage returns only"),
        (b"a,b\n1,2\n" + b"\0" * 64, "NUL bytes at offset 8"),
        (b"", "file is empty"),
        (gzip.compress(b"a,b\n1,2\n", mtime=0), "gzip-compressed"),
        (b"a,b\n", "header row but no data rows"),
        (b'a,b\n1,"' + b"x" * 200_000 + b'"\n', "cell longer than 131,072 bytes at line 2"),
        (b"a,b\n1," + b"x" * (_guards.MAX_LINE_BYTES + 1) + b"\n", "cell longer than 1,048,576 bytes at line 2"),
    ],
)
def test_text_problems_are_said_as_such(data: bytes, said: str) -> None:
    with pytest.raises(UpstreamFormatError, match=said) as err:
        read_csv_rows("x.csv", data)
    assert err.value.file == "x.csv"


def test_long_cell_names_its_column_past_quoted_commas() -> None:
    data = b'name,note,value\n"Korea, Republic of",ok,' + b"9" * (_guards.MAX_LINE_BYTES + 10) + b"\n"
    with pytest.raises(UpstreamFormatError) as err:
        read_csv_rows("x.csv", data)
    assert (err.value.line, err.value.column) == (2, "value")


def test_error_values_are_short_and_printable() -> None:
    err = UpstreamFormatError("x.csv", "bad", value="root:x:0:0\n" * 100 + "\x1b[31m")
    assert len(err.value) <= 120 and "\n" not in err.value and "\x1b" not in err.value


def test_not_gzip_says_what_the_file_is(tmp_path: Path) -> None:
    path = tmp_path / "BACI_HS92_V202401b_x.csv.gz"
    path.write_bytes(b"t,i,j,k,v,q\n2020,4,8,260111,1.0,1.0\n")
    with pytest.raises(UpstreamFormatError, match="not gzip; file is plain text"):
        read_baci(path, code_tables=None)


def test_gzip_bomb_is_refused_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "BACI_HS92_V202401b_x.csv.gz"
    # 200 MB of rows in well under 1 MB: beyond the ratio cap.
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(b"t,i,j,k,v,q\n")
        for _ in range(200):
            fh.write(b"2020,4,8,260111,1.0,1.0\n" * 40_000)
    assert path.stat().st_size * _guards.MAX_GZIP_RATIO < 200 * 10**6
    with pytest.raises(UpstreamFormatError, match="decompression bomb"):
        read_baci(path, code_tables=None)


def test_baci_year_outside_the_range_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "BACI_HS92_V202401b_x.csv.gz"
    path.write_bytes(gzip.compress(b"t,i,j,k,v,q\n2020,4,8,260111,1.0,1.0\n2099,4,8,260111,1.0,1.0\n", mtime=0))
    with pytest.raises(UpstreamFormatError) as err:
        read_baci(path, code_tables=None)
    assert (err.value.line, err.value.column) == (3, "t") and "out of range" in err.value.message


# --- paths ----------------------------------------------------------------------------------


def _wmd_folder(root: Path) -> Path:
    folder = root / "up" / "world-mining-data"
    folder.mkdir(parents=True)
    return folder


def test_link_leaving_the_folder_is_refused_without_reading_it(tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    folder = _wmd_folder(tmp_path)
    (folder / "wmd_production_2018_2024.csv").symlink_to(secret)
    with pytest.raises(UpstreamFormatError, match="symbolic link leaving the upstream folder") as err:
        parse_table(TABLES_BY_NAME["wmd_production"], tmp_path / "up")
    assert "root:x" not in str(err.value)


def test_link_to_a_file_of_the_same_name_is_a_mirror(upstream_dir: Path, tmp_path: Path) -> None:
    folder = _wmd_folder(tmp_path)
    real = upstream_dir / "world-mining-data" / "wmd_production_2018_2024.csv"
    (folder / real.name).symlink_to(real)
    assert find_inputs(tmp_path / "up", ("world-mining-data/wmd_production_*.csv",)) == [folder / real.name]


@pytest.mark.parametrize("kind", ["folder", "dangling"])
def test_a_matched_path_that_is_not_a_file_is_an_error(kind: str, tmp_path: Path) -> None:
    folder = tmp_path / "up" / "world-mining-data"
    folder.mkdir(parents=True)
    target = folder / "wmd_production_2018_2024.csv"
    if kind == "folder":
        target.mkdir()
    else:
        target.symlink_to(tmp_path / "nowhere.csv")
    with pytest.raises(UpstreamFormatError, match=r"folder where|dangling link"):
        find_inputs(tmp_path / "up", ("world-mining-data/wmd_production_*.csv",))


def test_unreadable_file_is_a_message_not_a_traceback(upstream_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, where chmod 000 still reads: make the read fail as it does for a user.
    folder = tmp_path / "mcs2024" / "salient"
    folder.mkdir(parents=True)
    shutil.copyfile(upstream_dir / "usgs-mcs/mcs2024/salient/mcs2024-lithi_salient.csv", folder / "mcs2024-lithi_salient.csv")
    real = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self.name.endswith("_salient.csv"):
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(UpstreamFormatError, match="cannot be read: Permission denied"):
        parse_salient_dir(folder)
    monkeypatch.setattr(_guards.os, "access", lambda *_a, **_k: False)
    with pytest.raises(UpstreamFormatError, match="permission denied"):
        read_csv_file(folder / "mcs2024-lithi_salient.csv")


# --- the snapshot may not shrink without a reason -------------------------------------------


def _manifest(files: int, rows: int) -> dict[str, dict]:
    return {
        "usgs-mcs": {
            "files": [{"name": f"usgs-mcs/f{n}.csv"} for n in range(files)],
            "tables": [{"name": "usgs_world", "rows": rows}],
        }
    }


def test_lost_files_and_rows_are_named() -> None:
    lost = shrinkage(_manifest(77, 1000), _manifest(0, 850))
    assert lost[0][0] == "usgs-mcs/f0.csv" and "0 upstream files, the previous snapshot had 77" in lost[0][1]
    assert "850 rows, the previous snapshot had 1,000 (a fall of 15%" in lost[1][1]
    assert shrinkage(_manifest(77, 1000), _manifest(77, 950)) == []


def test_an_accepted_shrink_holds_for_the_counts_it_names() -> None:
    accepted = (
        AcceptedShrink(table="usgs_world", previous=1000, reason="USGS dropped a commodity"),
        AcceptedShrink(source="usgs-mcs", previous=77, reason="one release zip now"),
    )
    assert shrinkage(_manifest(77, 1000), _manifest(1, 500), accepted) == []
    # Once the snapshot moved on, the entry no longer applies.
    assert len(shrinkage(_manifest(78, 1200), _manifest(1, 500), accepted)) == 2


# --- values that look plausible ---------------------------------------------------------------


def test_wgi_normalised_score_must_follow_from_the_estimate(upstream_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "wgi"
    shutil.copytree(upstream_dir / "wgi", folder)
    path = folder / "wgi_political_stability_normalized.csv"
    lines = path.read_bytes().split(b"\n")
    cells = lines[38].split(b",")  # Chile, line 39
    cells[2] = b"0.9"
    lines[38] = b",".join(cells)
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(UpstreamFormatError, match="does not follow from the estimate") as err:
        parse_wgi(folder)
    assert (err.value.file, err.value.line) == ("wgi_political_stability_normalized.csv", 39)


def _group(values: list[float | None], total: float) -> pl.DataFrame:
    n = len(values)
    return pl.DataFrame(
        {
            "mineral": ["x"] * (n + 1), "stage": ["mine"] * (n + 1), "year": [2022] * (n + 1),
            "edition": [2023] * (n + 1),
            "country_kind": ["economy"] * n + ["world"],
            "country_code": [f"C{i}" for i in range(n)] + ["WORLD"],
            "production_t": [*values, total],
            "value_text": ["W" if v is None else None for v in values] + [None],
            "value_flag": ["W" if v is None else None for v in values] + [None],
        },
        schema_overrides={"year": pl.Int16, "edition": pl.Int16, "production_t": pl.Float64},
    )


def test_world_total_is_checked_when_some_figures_are_withheld() -> None:
    doubled = world_total_reconciliation(_group([100.0, 100.0, None], 100.0))
    assert doubled["status"].to_list() == ["outside tolerance"] and not doubled["comparable"][0]
    short = world_total_reconciliation(_group([60.0, None], 100.0))
    assert short["status"].to_list() == ["not comparable (withheld or non-numeric figures)"]
    rounding = world_total_reconciliation(_group([100.0 * (1 + WORLD_TOTAL_REL_TOLERANCE * 0.9), None], 100.0))
    assert rounding["status"].to_list() == ["ok"]


def _world_files(upstream_dir: Path) -> list[Path]:
    return sorted((upstream_dir / "usgs-mcs").glob("mcs202[34]/world/*_world.csv"))


@pytest.mark.upstream
def test_chromium_slip_is_found_in_the_raw_file(upstream_dir: Path) -> None:
    from transforms.unit_sanity import find_cases

    raw = parse_world_file(upstream_dir / "usgs-mcs/mcs2023/world/mcs2023-chrom_world.csv")
    cases = find_cases(raw)
    statement = cases.filter(pl.col("case") == "unit statement")
    assert sorted(statement["column"]) == ["Prod_t_2021", "Prod_t_est_2022"]
    assert (statement["ratio"] == 1000.0).all()


@pytest.mark.upstream
def test_kt_header_slip_stops_publishing(upstream_dir: Path, tmp_path: Path) -> None:
    """Lithium's MCS 2024 header turned from _t_ to _kt_ (x1000): an edition jump against MCS
    2023, unexplained, so the blocking ERROR check fails and nothing downstream is built."""
    from orchestration.assets.usgs_quality import units_explained
    from transforms.unit_sanity import unit_sanity_table

    real = upstream_dir / "usgs-mcs/mcs2024/world/mcs2024-lithi_world.csv"
    slipped = tmp_path / real.name
    slipped.write_bytes(real.read_bytes().replace(b"Prod_t_2022,Prod_t_est_2023", b"Prod_kt_2022,Prod_kt_est_2023", 1))
    frames = [parse_world_file(slipped if f.name == real.name else f) for f in _world_files(upstream_dir)]
    table = unit_sanity_table(pl.concat(frames, how="vertical"), None, None)
    lithium = table.filter(pl.col("commodity_code") == "lithi", pl.col("status") == "unexplained")
    assert "edition jump" in lithium["case"].to_list()
    assert lithium.filter(pl.col("case") == "edition jump")["ratio"].min() > 500
    result = units_explained(table)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert all(spec.blocking for spec in units_explained.check_specs)


def test_build_from_upstream_refuses_years_that_are_not_partitions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.assets import snapshot as snapshot_assets

    folder = tmp_path / "baci-hs92"
    folder.mkdir()
    rows = "".join(f"{y},4,8,260111,1.0,1.0\n" for y in (2020, 2021, 2030))
    (folder / "BACI_HS92_V202401b_x.csv.gz").write_bytes(gzip.compress(("t,i,j,k,v,q\n" + rows).encode()))
    monkeypatch.setattr(snapshot_assets, "read_trade", lambda files, **kw: read_baci(files, code_tables=None, **kw))
    keys = ["2020", "2021"]
    monkeypatch.setattr(snapshot_assets.trade_years, "get_partition_keys", lambda *a, **k: keys)
    # A run of every year, as the CLI build is (no partition key: it takes every year).
    context = SimpleNamespace(partition_keys=keys, has_partition_key=False, has_partition_key_range=False)
    with pytest.raises(UpstreamFormatError, match=r"year\(s\) 2030, which are not trade partitions"):
        snapshot_assets._upstream_trade(TABLES_BY_NAME["baci_trade"], tmp_path, context)
