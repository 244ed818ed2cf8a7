"""The trade connectors (CEPII BACI, UN Comtrade), incoming files, the refresh lock and the CLI,
offline against a local server: what the user is told, and a snapshot left as it was on failure.

The server and the small real upstream folder are fixtures of tests/conftest.py; the USGS
release the server serves is built by tests/_connectors.py."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest

import orchestration.snapshot_store as store_mod
import orchestration.upstream.connectors as connectors_mod
import transforms.snapshot as snapshot_mod
from orchestration.snapshot_store import read_manifests, read_table
from orchestration.upstream.comtrade import COMTRADE_ORIGIN
from orchestration.upstream.refresh import (
    RefreshError,
    ingest_incoming,
    refresh_source,
    scan_incoming,
)
from orchestration.upstream.versions import list_versions, snapshot_lock
from tests._connectors import (
    BACI_YEARS,
    PARENT,
    TODAY,
    Env,
    fast_policy,
    serve_mcs2024_release,
    usgs_config,
)
from tests._helpers import tree_hashes
from transforms.errors import UpstreamFormatError
from transforms.parsers.comtrade import parse_comtrade
from transforms.snapshot import tables_for_file

# ---------------------------------------------------------------------------------------------
# CEPII BACI


def make_baci_zip(
    path: Path,
    env: Env,
    *,
    version: str = "V202501",
    scale: float = 1.01,
    bad_line: int | None = None,
) -> bytes:
    """A BACI release zip in CEPII's layout: yearly CSVs (codes unpadded, q right-aligned, NA for
    a missing quantity), the two code tables and a Readme. Values are the real rows scaled."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for year in BACI_YEARS:
            out = ["t,i,j,k,v,q"]
            for n, line in enumerate(env.baci_lines[year], start=2):
                t, i, j, k, v, q = line.split(",")
                v = f"{float(v) * scale:.3f}"
                q = f"{q:>12}" if q else "          NA"
                if bad_line == n and year == BACI_YEARS[-1]:
                    v = "1.2.3"
                out.append(f"{t},{i},{j},{int(k)},{v},{q}")
            zf.writestr(f"BACI_HS92_Y{year}_{version}.csv", "\n".join(out) + "\n")
        zf.write(env.real / "baci-hs92/country_codes_V202401b.csv", f"country_codes_{version}.csv")
        zf.write(
            env.real / "baci-hs92/product_codes_HS92_V202401b.csv",
            f"product_codes_HS92_{version}.csv",
        )
        zf.writestr(f"Readme_{version}.txt", "BACI release for tests\n")
    data = buf.getvalue()
    path.write_bytes(data)
    return data


def test_baci_refresh_writes_the_subset_and_a_new_version(env, server, tmp_path):
    data = make_baci_zip(tmp_path / "BACI_HS92_V202501.zip", env)
    server.expect_request("/baci/BACI_HS92_V202501.zip").respond_with_data(
        data, content_type="application/zip"
    )
    old = read_table("baci_trade", env.snapshot)
    result = env.refresh("baci", {"url": server.url_for("/baci/BACI_HS92_V202501.zip")})
    assert result.status == "updated", result.summary()
    # The code tables' rows are the same, but each row names its file, and the file names changed.
    assert result.changed_tables == ["baci_country_codes", "baci_product_codes", "baci_trade"]
    new = read_table("baci_trade", env.snapshot)
    assert new.height == old.height
    assert set(new["file"].unique()) == {"BACI_HS92_V202501_critical_subset.csv.gz"}
    joined = old.join(new, on=["year", "exporter_code", "importer_code", "hs6"], suffix="_new")
    assert joined.height == old.height
    # Values were scaled by 1.01 and printed with BACI's three decimals.
    assert (joined["value_kusd_new"] - joined["value_kusd"] * 1.01).abs().max() <= 0.0005 + 1e-9
    # NA and blank quantities both stay missing, never zero.
    assert new["quantity_t"].null_count() == old["quantity_t"].null_count()
    names = sorted(f["name"] for f in read_manifests(env.snapshot)["baci-hs92"]["files"])
    assert names == [
        "baci-hs92/BACI_HS92_V202501_critical_subset.csv.gz",
        "baci-hs92/country_codes_V202501.csv",
        "baci-hs92/product_codes_HS92_V202501.csv",
    ]


def test_baci_refresh_of_one_year_keeps_the_others(env, server, tmp_path):
    data = make_baci_zip(tmp_path / "BACI_HS92_V202501.zip", env, scale=2.0)
    server.expect_request("/BACI_HS92_V202501.zip").respond_with_data(
        data, content_type="application/octet-stream"
    )
    old = read_table("baci_trade", env.snapshot)
    config = {"url": server.url_for("/BACI_HS92_V202501.zip"), "years": [2022]}
    result = env.refresh("baci-hs92", config)
    assert result.status == "updated"
    new = read_table("baci_trade", env.snapshot)
    total = lambda df, y: df.filter(pl.col("year") == y)["value_kusd"].sum()  # noqa: E731
    assert total(new, 2021) == pytest.approx(total(old, 2021))
    assert total(new, 2022) == pytest.approx(2 * total(old, 2022), rel=1e-4)
    assert any("carried over" in n for n in result.notes)


def test_baci_truncated_zip_leaves_the_snapshot_untouched(env, server, tmp_path):
    data = make_baci_zip(tmp_path / "r.zip", env)
    server.expect_request("/r.zip").respond_with_data(
        data[: len(data) - 2000], content_type="application/zip"
    )
    env.refresh_fails(
        "baci-hs92",
        {"url": server.url_for("/r.zip")},
        r"baci-hs92: GET .*/r.zip failed: corrupt or truncated zip archive",
    )


def test_baci_malformed_row_names_file_line_and_column(env, server, tmp_path):
    data = make_baci_zip(tmp_path / "r.zip", env, bad_line=5)
    server.expect_request("/BACI_HS92_V202501.zip").respond_with_data(
        data, content_type="application/zip"
    )
    err = env.refresh_fails("baci-hs92", {"url": server.url_for("/BACI_HS92_V202501.zip")})
    assert isinstance(err.value.__cause__, UpstreamFormatError)
    message = str(err.value)
    assert "BACI_HS92_V202501.zip/BACI_HS92_Y2022_V202501.csv" in message and "line 5" in message


# ---------------------------------------------------------------------------------------------
# UN Comtrade


def comtrade_row(
    period: int,
    reporter: int,
    iso: str,
    partner: int,
    piso: str,
    flow: str,
    code: str,
    value: float,
    kg: float | None,
) -> dict:
    """One row as the Comtrade+ API returns it (its field names and flags)."""
    return {
        "typeCode": "C",
        "freqCode": "A",
        "refPeriodId": int(f"{period}0101"),
        "refYear": period,
        "refMonth": 52,
        "period": str(period),
        "reporterCode": reporter,
        "reporterISO": iso,
        "reporterDesc": None,
        "flowCode": flow,
        "flowDesc": None,
        "partnerCode": partner,
        "partnerISO": piso,
        "partnerDesc": None,
        "partner2Code": 0,
        "partner2ISO": "W00",
        "classificationCode": "H6",
        "classificationSearchCode": "HS",
        "isOriginalClassification": True,
        "cmdCode": code,
        "cmdDesc": None,
        "aggrLevel": 6,
        "isLeaf": True,
        "customsCode": "C00",
        "mosCode": "0",
        "motCode": 0,
        "qtyUnitCode": 8,
        "qtyUnitAbbr": "kg",
        "qty": kg,
        "isQtyEstimated": False,
        "altQtyUnitCode": 8,
        "altQty": kg,
        "isAltQtyEstimated": False,
        "netWgt": kg,
        "isNetWgtEstimated": False,
        "grossWgt": None,
        "isGrossWgtEstimated": False,
        "cifvalue": value if flow == "M" else None,
        "fobvalue": value if flow == "X" else None,
        "primaryValue": value,
        "legacyEstimationFlag": 0,
        "isReported": True,
        "isAggregate": False,
    }


@pytest.fixture
def comtrade_ready(monkeypatch):
    """Comtrade's origin record, as the lead will add it to sources.yaml, and a test key."""
    real = snapshot_mod.load_sources

    def with_comtrade(path=snapshot_mod.SOURCES_FILE):
        return {**real(path), "comtrade": {**COMTRADE_ORIGIN, "date_accessed": "2026-11-26"}}

    monkeypatch.setattr(snapshot_mod, "load_sources", with_comtrade)
    monkeypatch.setattr(connectors_mod, "load_sources", with_comtrade)
    monkeypatch.setattr(store_mod, "load_sources", with_comtrade)
    monkeypatch.setenv("COMTRADE_API_KEY", "test-key-not-a-secret-1234")


def test_comtrade_refresh_adds_its_table(env, server, comtrade_ready):
    rows = {
        "M": [
            comtrade_row(2023, 842, "USA", 156, "CHN", "M", "810590", 1.5e6, 2.0e4),
            comtrade_row(2023, 392, "JPN", 156, "CHN", "M", "280530", 3.2e7, None),
        ],
        "X": [comtrade_row(2023, 156, "CHN", 842, "USA", "X", "810590", 1.4e6, 1.9e4)],
    }
    for flow, data in rows.items():
        query = {
            "period": "2023",
            "flowCode": flow,
            "cmdCode": "280530,810590",
            "breakdownMode": "classic",
            "includeDesc": "false",
        }
        server.expect_oneshot_request(
            "/get/C/A/HS",
            headers={"Ocp-Apim-Subscription-Key": "test-key-not-a-secret-1234"},
            query_string=query,
        ).respond_with_data("rate limited", status=429, headers={"Retry-After": "2"})
        server.expect_request("/get/C/A/HS", query_string=query).respond_with_json(
            {"elapsedTime": "0.1 secs", "count": len(data), "data": data, "error": ""}
        )
    policy, sleeps = fast_policy()
    result = refresh_source(
        "comtrade",
        **env.kwargs(
            config={
                "base_url": server.url_for("/get"),
                "periods": [2023],
                "hs6": ["810590", "280530"],
                "pause": 0,
            },
            policy=policy,
        ),
    )
    assert result.status == "updated" and result.changed_tables == ["comtrade_trade"]
    assert sleeps == [2.0, 2.0]  # each flow's 429 waited as asked
    table = (
        read_table("comtrade_trade", env.snapshot)
        if "comtrade_trade" in snapshot_mod.TABLES_BY_NAME
        else pl.read_parquet(env.snapshot / "comtrade" / "comtrade_trade.parquet")
    )
    assert table.height == 3 and table["net_weight_kg"].null_count() == 1
    assert sorted(table["flow"].unique()) == ["M", "X"]
    # The key was sent in a header and written nowhere.
    for folder in (env.raw, env.snapshot):
        for p in folder.rglob("*"):
            assert not p.is_file() or b"test-key-not-a-secret" not in p.read_bytes(), p


def test_comtrade_without_a_key_stops_before_any_request(env, server, comtrade_ready, monkeypatch):
    monkeypatch.delenv("COMTRADE_API_KEY")
    config = {"base_url": server.url_for("/get"), "periods": [2023]}
    env.refresh_fails("comtrade", config, "COMTRADE_API_KEY is not set")
    assert len(server.log) == 0


def test_comtrade_rejected_key_is_reported(env, server, comtrade_ready):
    server.expect_request("/get/C/A/HS").respond_with_json(
        {"statusCode": 401, "message": "Access denied due to invalid subscription key."}, status=401
    )
    policy, sleeps = fast_policy()
    config = {"base_url": server.url_for("/get"), "periods": [2023], "hs6": ["810590"], "pause": 0}
    env.refresh_fails(
        "comtrade",
        config,
        r"HTTP 401 .*invalid subscription key.*refused the credentials",
        policy=policy,
    )
    assert sleeps == []  # a refused key is not retried


def test_comtrade_parser_names_the_bad_cell(tmp_path):
    from transforms.parsers.comtrade import COMTRADE_COLUMNS

    path = tmp_path / "comtrade_HS_2023.csv"
    path.write_text(
        ",".join(COMTRADE_COLUMNS) + "\n"
        "2023,842,USA,156,CHN,M,810590,H6,1500000,1500000,,20000,20000,kg,false,true\n"
        "2023,842,USA,156,CHN,M,810590,H6,n/a,,,,,kg,false,true\n"
    )
    with pytest.raises(UpstreamFormatError) as err:
        parse_comtrade(path)
    assert (err.value.line, err.value.column, err.value.value) == (3, "value_usd", "n/a")


# ---------------------------------------------------------------------------------------------
# Incoming files, the lock, the CLI


def test_tables_for_file_follows_the_snapshot_patterns():
    assert tables_for_file("wgi/wgi_political_stability_stderr.csv") == ["wgi_political_stability"]
    assert tables_for_file(
        "usgs-mcs/mcs2024/world/MCS 2024 Data Release Revision File 2024-03-06.txt"
    ) == ["usgs_world"]
    assert (
        tables_for_file("usgs-mcs/mcs2023/world/sub/x_world.csv") == []
    )  # '*' does not cross folders
    assert tables_for_file("notes/readme.txt") == []


def test_ingest_incoming_rebuilds_only_what_the_files_feed(env, tmp_path):
    incoming = tmp_path / "incoming"
    (incoming / "wgi").mkdir(parents=True)
    # A revised standard error: the estimate and its normalised score must stay consistent.
    stderr = (env.real / "wgi/wgi_political_stability_stderr.csv").read_text()
    (incoming / "wgi/wgi_political_stability_stderr.csv").write_text(
        stderr.replace("Aruba,ABW,nan", "Aruba,ABW,0.5", 1)
    )
    (incoming / "notes.txt").write_text("not upstream data")
    changed = sorted(scan_incoming(incoming))
    assert changed == ["notes.txt", "wgi/wgi_political_stability_stderr.csv"]
    before = read_manifests(env.snapshot)
    result = ingest_incoming(changed, incoming_dir=incoming, **env.kwargs())
    assert result.status == "updated" and result.changed_tables == ["wgi_political_stability"]
    assert any("ignored notes.txt" in n for n in result.notes)
    after = read_manifests(env.snapshot)
    assert (
        after["wgi"]["date_accessed"] == TODAY.isoformat()
        and after["baci-hs92"] == before["baci-hs92"]
    )
    assert (
        env.raw
        / "incoming"
        / TODAY.isoformat()
        / "upstream/wgi/wgi_political_stability_stderr.csv"
    ).exists()

    # The ingested file lives on in the raw area: a later refresh of another source keeps it.
    shutil.rmtree(incoming)
    ingest = ingest_incoming(
        ["world-mining-data/wmd_production_2018_2024.csv"], incoming_dir=env.real, **env.kwargs()
    )
    assert ingest.status == "up_to_date"
    assert read_manifests(env.snapshot)["wgi"] == after["wgi"]


def test_a_broken_incoming_file_is_reported_and_changes_nothing(env, tmp_path):
    incoming = tmp_path / "incoming"
    (incoming / "world-mining-data").mkdir(parents=True)
    (incoming / "world-mining-data/wmd_production_2018_2025.csv").write_text(
        "this,is,not\nworld,mining,data\n"
    )
    before = tree_hashes(env.snapshot)
    with pytest.raises(
        RefreshError, match=r"do not parse, snapshot kept: file .*wmd_production_2018_2025.csv"
    ):
        ingest_incoming(
            ["world-mining-data/wmd_production_2018_2025.csv"],
            incoming_dir=incoming,
            **env.kwargs(),
        )
    assert tree_hashes(env.snapshot) == before and not env.versions.exists()
    # The copy is kept in the raw area for inspection.
    assert (env.raw / "incoming" / TODAY.isoformat() / "download.json").exists()


def test_a_second_refresh_waits_for_the_first(env):
    with snapshot_lock(env.snapshot), pytest.raises(RefreshError, match="another refresh holds"):
        env.refresh("usgs-mcs", {"base_url": "http://127.0.0.1:9", "item_ids": [PARENT]})


def test_cli_snapshot_from_upstream(env, server, monkeypatch, capsys):
    from orchestration.cli import main

    serve_mcs2024_release(server, env.real)
    monkeypatch.setenv("BRIEFING_SCIENCEBASE_URL", server.url_for(""))
    monkeypatch.setenv("BRIEFING_USGS_ITEMS", PARENT)
    monkeypatch.setenv("BRIEFING_RAW_DIR", str(env.raw))
    code = main(
        [
            "snapshot",
            "--from-upstream",
            "usgs-mcs",
            "--from",
            str(env.upstream),
            "--out",
            str(env.snapshot),
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "usgs-mcs: new snapshot version, tables changed: usgs_world" in out.out
    assert len(list_versions(env.versions)) == 1

    before = tree_hashes(env.snapshot)
    server.expect_request("/catalog/item/000000000000000000000000").respond_with_data(
        "Item not found", status=404
    )
    monkeypatch.setenv("BRIEFING_USGS_ITEMS", "000000000000000000000000")
    code = main(
        [
            "snapshot",
            "--from-upstream",
            "usgs",
            "--from",
            str(env.upstream),
            "--out",
            str(env.snapshot),
        ]
    )
    out = capsys.readouterr()
    assert code == 1
    assert "Snapshot NOT refreshed; the current snapshot is untouched." in out.err
    assert "HTTP 404 NOT FOUND (Item not found)" in out.err
    assert tree_hashes(env.snapshot) == before


def test_a_killed_refresh_leaves_nothing_the_next_one_trips_on(env, server):
    """Work folders of a refresh killed mid-way are dropped by the next one (under the lock)."""
    leftovers = [
        env.snapshot.with_name(".snapshot.candidate-deadbeef"),
        env.snapshot.with_name(".snapshot.combine-deadbeef"),
        env.raw / "usgs-mcs" / ".2026-11-30.partial-deadbeef",
        env.versions / ".20261130T000000Z.partial-deadbeef",
    ]
    for folder in leftovers:
        (folder / "half").mkdir(parents=True)
    server.expect_request("/catalog/item/" + PARENT).respond_with_data("Item not found", status=404)
    env.refresh_fails("usgs-mcs", usgs_config(server), r"HTTP 404 NOT FOUND \(Item not found\)")
    assert [f for f in leftovers if f.exists()] == []
