"""The project's trade ingest (transforms.ingest): same figures as the clean layer, strict input."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from orchestration.snapshot_store import read_table
from tests._helpers import BACI_HEADER, baci_file, refused, write_text
from transforms import clean
from transforms.errors import UpstreamFormatError
from transforms.ingest import (
    GROUP_KEY,
    TRADE_FLOWS_SCHEMA,
    ingest_trade,
    read_trade,
    registry_hs_codes,
)


@pytest.mark.upstream
def test_real_subset_matches_the_clean_trade_table(upstream_dir: Path) -> None:
    flows = ingest_trade(upstream_dir / "baci-hs92" / "BACI_HS92_V202401b_critical_subset.csv.gz")
    assert flows.schema == pl.Schema(TRADE_FLOWS_SCHEMA)
    # The clean layer's trade table, from the embedded snapshot, summed the same way.
    trade = clean.clean_trade(read_table("baci_trade"), read_table("baci_country_codes"))
    expected = (
        trade.group_by(GROUP_KEY)
        .agg(
            pl.col("value_usd").sum(),
            pl.when(pl.col("quantity_t").is_not_null().any()).then(pl.col("quantity_t").sum()),
            pl.len().cast(pl.UInt32).alias("flows"),
        )
        .sort(GROUP_KEY)
    )
    got = flows.select(*GROUP_KEY, "value_usd", "quantity_t", "flows")
    assert got.height == expected.height
    joined = got.join(expected, on=GROUP_KEY, how="full", nulls_equal=True, suffix="_clean")
    assert joined.height == got.height
    assert (joined["flows"] == joined["flows_clean"]).all()
    assert (
        (joined["value_usd"] - joined["value_usd_clean"]).abs() <= 1e-6 * joined["value_usd"]
    ).all()
    assert joined["quantity_t"].is_null().equals(joined["quantity_t_clean"].is_null())
    assert int(flows["flows"].sum()) == trade.height


@pytest.mark.upstream
def test_the_snapshot_trade_table_is_the_ingest_first_step(upstream_dir: Path) -> None:
    # One trade path: the embedded snapshot's baci_trade is read_trade of the upstream files.
    rows = read_trade(sorted((upstream_dir / "baci-hs92").glob("BACI_HS92_*.csv.gz")))
    assert rows.equals(read_table("baci_trade"))


def test_csv_and_parquet_give_the_same_result(tmp_path: Path) -> None:
    rows = "2022,156,842,260600,10.5,2\n2022,156,842,760110,1.25,\n2022,36,156,260600,3,1.5\n2022,4,8,010121,9,9\n"
    csv_path = baci_file(tmp_path / "csv", rows)
    frame = pl.read_csv(csv_path, schema_overrides={"k": pl.Utf8})
    parquet = tmp_path / "pq" / "BACI_HS92_Y2022_V202401b.parquet"
    parquet.parent.mkdir()
    frame.write_parquet(parquet)
    a, b = ingest_trade(csv_path), ingest_trade(parquet)
    assert a.equals(b)
    aluminium = a.filter(pl.col("mineral") == "aluminium", pl.col("exporter_code") == "CHN")
    # 260600 (bauxite) and 760110 (unwrought aluminium): two stages, kept apart.
    assert sorted(aluminium["stage"].to_list()) == ["mine", "refinery"]
    mine = aluminium.filter(pl.col("stage") == "mine").row(0, named=True)
    assert (mine["importer_code"], mine["value_usd"], mine["quantity_t"]) == ("USA", 10_500.0, 2.0)
    refinery = aluminium.filter(pl.col("stage") == "refinery").row(0, named=True)
    assert refinery["quantity_t"] is None and refinery["flows_without_quantity"] == 1
    # Horses (010121) are not in the registry.
    assert a["flows"].sum() == 3


def test_an_hs_code_of_two_minerals_counts_for_each(tmp_path: Path) -> None:
    path = baci_file(tmp_path, "2022,156,842,261590,7,1\n")
    hs_map = pl.DataFrame(
        {"slug": ["niobium", "tantalum"], "stage": ["ore", "ore"], "hs6": ["261590", "261590"]}
    )
    flows = ingest_trade(path, hs_map=hs_map)
    assert flows["mineral"].to_list() == ["niobium", "tantalum"]
    assert flows["value_usd"].to_list() == [7000.0, 7000.0]
    assert registry_hs_codes(hs_map).height == 2


def test_a_code_without_iso3_is_refused_with_its_file(tmp_path: Path) -> None:
    path = baci_file(tmp_path, "2022,9999,842,260600,7,1\n")
    error = refused(ingest_trade, path, match="9999")
    assert error.file == path.name and error.column == "i (exporter)"


def test_overlapping_inputs_are_refused(tmp_path: Path) -> None:
    row = "2022,156,842,260600,7,1\n"
    a = baci_file(tmp_path, row)
    b = write_text(tmp_path / "BACI_HS92_extract.csv", BACI_HEADER + row.replace("7,1", "8,1"))
    with pytest.raises(UpstreamFormatError, match="overlap"):
        ingest_trade([a, b])


def test_a_bad_kept_row_stops_the_ingest_with_its_line(tmp_path: Path) -> None:
    path = baci_file(
        tmp_path,
        "2022,156,842,260600,7,1\n2022,4,8,010121,oops,1\n2022,36,156,260600,-3,1\n",
    )
    error = refused(ingest_trade, path)
    # Line 3 (horses, not kept) is never looked at; line 4 is.
    assert (error.line, error.column) == (4, "v")
