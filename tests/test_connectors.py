"""Live connectors, offline: a local HTTP server serves real-format upstream files with faults.

Every failure test checks two things: what the user is told, and that the current snapshot (a
copy in tmp_path) is byte for byte as it was, with no half-written raw folder or version left.
The upstream files are small real ones copied from ../shared/data (the ``upstream_dir``
fixture); the BACI release zip is built from real BACI rows in BACI's own yearly layout.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import io
import json
import shutil
import socket
import socketserver
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

import orchestration.snapshot_store as store_mod
import orchestration.upstream.connectors as connectors_mod
import transforms.snapshot as snapshot_mod
from orchestration.snapshot_store import build_snapshot, read_manifests, read_table
from orchestration.upstream import http
from orchestration.upstream.comtrade import COMTRADE_ORIGIN
from orchestration.upstream.raw import RawFolder
from orchestration.upstream.refresh import (
    RefreshError,
    ingest_incoming,
    refresh_source,
    scan_incoming,
)
from orchestration.upstream.versions import list_versions, restore_version, snapshot_lock
from tests._helpers import tree_hashes
from transforms.errors import UpstreamFormatError
from transforms.parsers.comtrade import parse_comtrade
from transforms.snapshot import tables_for_file

TODAY = date(2026, 12, 1)
MINI_FILES = [
    "usgs-mcs/mcs2023/world/mcs2023-lithi_world.csv",
    "usgs-mcs/mcs2023/world/mcs2023-cobal_world.csv",
    "usgs-mcs/mcs2023/salient/mcs2023-lithi_salient.csv",
    "usgs-mcs/mcs2023/salient/mcs2023-cobal_salient.csv",
    "usgs-mcs/mcs2024/world/mcs2024-lithi_world.csv",
    "usgs-mcs/mcs2024/world/MCS2024-bismu_world.csv",
    "usgs-mcs/mcs2024/world/MCS 2024 Data Release Revision File 2024-03-06.txt",
    "usgs-mcs/mcs2024/salient/mcs2024-lithi_salient.csv",
    "usgs-mcs/mcs2024/salient/MCS2024-bismu_salient.csv",
    "baci-hs92/country_codes_V202401b.csv",
    "baci-hs92/product_codes_HS92_V202401b.csv",
    "world-mining-data/wmd_production_2018_2024.csv",
    "wgi/wgi_political_stability_estimate.csv",
    "wgi/wgi_political_stability_normalized.csv",
    "wgi/wgi_political_stability_stderr.csv",
    "reference/hs_code_map_scrreen.csv",
]
BACI_YEARS = (2021, 2022)
BACI_ROWS_A_YEAR = 1500


def fast_policy(**kw) -> tuple[http.RetryPolicy, list[float]]:
    """Tiny timeouts and backoff; ``sleeps`` records what the code asked to wait."""
    sleeps: list[float] = []
    policy = http.RetryPolicy(
        **{"timeout": 2.0, "attempts": 3, "backoff": 0.01, "max_retry_after": 60, **kw},
        sleep=sleeps.append,
    )
    return policy, sleeps


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


# ---------------------------------------------------------------------------------------------
# Fixtures: a small real upstream folder, its snapshot, a threaded local HTTP server


def _baci_lines(upstream_dir: Path) -> dict[int, list[str]]:
    """The first rows of each test year from the real BACI subset, exactly as published."""
    by_year: dict[int, list[str]] = {y: [] for y in BACI_YEARS}
    with gzip.open(
        upstream_dir / "baci-hs92" / "BACI_HS92_V202401b_critical_subset.csv.gz", "rt"
    ) as fh:
        next(fh)
        for line in fh:
            year = int(line[:4])
            if year in by_year and len(by_year[year]) < BACI_ROWS_A_YEAR:
                by_year[year].append(line.rstrip("\n"))
            if year > max(BACI_YEARS):
                break
    return by_year


@pytest.fixture(scope="session")
def mini(upstream_dir: Path, tmp_path_factory) -> dict:
    """A small upstream folder of real files and the snapshot built from it."""
    root = tmp_path_factory.mktemp("mini")
    upstream = root / "upstream"
    for rel in MINI_FILES:
        dest = upstream / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(upstream_dir / rel, dest)
    lines = _baci_lines(upstream_dir)
    subset = upstream / "baci-hs92" / "BACI_HS92_V202401b_critical_subset.csv.gz"
    with gzip.open(subset, "wt") as fh:
        fh.write("t,i,j,k,v,q\n" + "\n".join(line for y in BACI_YEARS for line in lines[y]) + "\n")
    snapshot = root / "snapshot"
    build_snapshot(upstream, snapshot)
    return {"upstream": upstream, "snapshot": snapshot, "baci_lines": lines, "real": upstream_dir}


@dataclass
class Env:
    upstream: Path
    snapshot: Path
    raw: Path
    versions: Path
    real: Path
    baci_lines: dict[int, list[str]] = field(repr=False)

    def kwargs(self, **extra) -> dict:
        return {
            "upstream_dir": self.upstream,
            "snapshot_dir": self.snapshot,
            "raw_root": self.raw,
            "versions_dir": self.versions,
            "today": TODAY,
            **extra,
        }

    def refresh(self, source: str, config: dict, policy: http.RetryPolicy | None = None):
        """``refresh_source`` on this environment's folders (fast retries unless ``policy``)."""
        policy = policy or fast_policy()[0]
        return refresh_source(source, **self.kwargs(config=config, policy=policy))

    def refresh_fails(
        self, source: str, config: dict, match: str | None = None, **kw
    ) -> pytest.ExceptionInfo[RefreshError]:
        """The refresh must raise RefreshError (matching ``match``) and leave all as it was."""
        before = tree_hashes(self.snapshot)
        with pytest.raises(RefreshError, match=match) as err:
            self.refresh(source, config, **kw)
        self.assert_untouched(before)
        return err

    def assert_untouched(self, before: dict[str, str]) -> None:
        assert tree_hashes(self.snapshot) == before, "the current snapshot changed"
        assert not self.versions.exists() or not any(self.versions.iterdir()), (
            "a version was archived"
        )
        dated = [p for p in self.raw.glob("*/*") if p.is_dir()] if self.raw.exists() else []
        assert dated == [], f"raw folders left behind: {dated}"
        leftovers = [
            p.name
            for p in self.snapshot.parent.iterdir()
            if ".candidate-" in p.name or ".staging-" in p.name
        ]
        assert leftovers == []


@pytest.fixture
def env(tmp_path: Path, mini: dict) -> Env:
    data = tmp_path / "data"
    shutil.copytree(mini["snapshot"], data / "snapshot")
    return Env(
        mini["upstream"],
        data / "snapshot",
        data / "raw",
        data / "snapshot_versions",
        mini["real"],
        mini["baci_lines"],
    )


@pytest.fixture(scope="module")
def _module_server():
    srv = HTTPServer(host="127.0.0.1", threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def server(_module_server):
    """A threaded local server (a slow handler must not hold up the retry), cleared per test."""
    _module_server.clear()
    yield _module_server
    _module_server.clear()


# ---------------------------------------------------------------------------------------------
# The HTTP helper


def test_download_is_verified_and_never_overwrites(server, tmp_path):
    body = (Path(__file__).parents[1] / "data" / "reference" / "economies.csv").read_bytes()
    server.expect_request("/economies.csv").respond_with_data(body, content_type="text/csv")
    policy, _ = fast_policy()
    dest = tmp_path / "raw" / "economies.csv"
    got = http.download(
        server.url_for("/economies.csv"),
        dest,
        kind="csv",
        policy=policy,
        expected_digests={"md5": md5(body)},
        expected_size=len(body),
    )
    assert got.sha256 == hashlib.sha256(body).hexdigest() and got.bytes == len(body)
    assert dest.read_bytes() == body and got.attempts == 1
    assert [p.name for p in dest.parent.iterdir()] == ["economies.csv"]  # no .part left
    with pytest.raises(FileExistsError, match="never overwrite"):
        http.download(server.url_for("/economies.csv"), dest, kind="csv", policy=policy)


def test_timeout_is_retried_then_reported(server, tmp_path):
    def slow(_request):
        time.sleep(0.6)
        return Response("t,i,j,k,v,q\n", content_type="text/csv")

    server.expect_request("/slow.csv").respond_with_handler(slow)
    policy, sleeps = fast_policy(timeout=0.2, attempts=2)
    with pytest.raises(http.DownloadError) as err:
        http.download(server.url_for("/slow.csv"), tmp_path / "slow.csv", kind="csv", policy=policy)
    assert "after 2 attempts: timed out" in str(err.value)
    assert sleeps == [0.01]
    assert not any(tmp_path.iterdir())


def test_http_500_then_success_is_retried_with_backoff(server, tmp_path):
    server.expect_oneshot_request("/f.csv").respond_with_data("busy", status=500)
    server.expect_oneshot_request("/f.csv").respond_with_data("busy", status=503)
    server.expect_request("/f.csv").respond_with_data("a,b\n1,2\n", content_type="text/csv")
    policy, sleeps = fast_policy(attempts=4)
    got = http.download(server.url_for("/f.csv"), tmp_path / "f.csv", kind="csv", policy=policy)
    assert got.attempts == 3 and sleeps == [0.01, 0.02]  # exponential: backoff, 2 x backoff


def test_http_500_every_time_says_so(server, tmp_path):
    server.expect_request("/f.csv").respond_with_data("Internal error: database down", status=500)
    policy, _ = fast_policy()
    with pytest.raises(
        http.DownloadError,
        match=r"after 3 attempts: HTTP 500 INTERNAL SERVER ERROR \(Internal error: database down\)",
    ):
        http.download(server.url_for("/f.csv"), tmp_path / "f.csv", kind="csv", policy=policy)


def test_429_retry_after_is_honoured(server, tmp_path):
    server.expect_oneshot_request("/api").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    server.expect_request("/api").respond_with_json({"data": []})
    policy, sleeps = fast_policy()
    assert http.fetch_json(server.url_for("/api"), policy=policy) == {"data": []}
    assert sleeps == [7.0]


def test_503_retry_after_as_an_http_date_is_honoured(server, tmp_path):
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.expect_oneshot_request("/api").respond_with_data(
        "maintenance", status=503, headers={"Retry-After": when}
    )
    server.expect_request("/api").respond_with_json({"data": [1]})
    policy, sleeps = fast_policy()
    assert http.fetch_json(server.url_for("/api"), policy=policy) == {"data": [1]}
    assert len(sleeps) == 1 and 25 <= sleeps[0] <= 30


def test_not_found_is_an_answer_not_retried(server, tmp_path):
    server.expect_request("/gone.csv").respond_with_data("No such file", status=404)
    policy, sleeps = fast_policy()
    with pytest.raises(http.DownloadError) as err:
        http.download(server.url_for("/gone.csv"), tmp_path / "gone.csv", kind="csv", policy=policy)
    assert str(err.value).endswith("failed: HTTP 404 NOT FOUND (No such file)")
    assert err.value.status == 404 and sleeps == [] and len(server.log) == 1


def test_a_redirect_does_not_use_up_an_attempt(server, tmp_path):
    server.expect_request("/old.csv").respond_with_response(
        Response(status=301, headers={"Location": "/new.csv"})
    )
    server.expect_oneshot_request("/new.csv").respond_with_data("busy", status=502)
    server.expect_request("/new.csv").respond_with_data("a,b\n1,2\n", content_type="text/csv")
    policy, sleeps = fast_policy(attempts=2)
    got = http.download(server.url_for("/old.csv"), tmp_path / "f.csv", kind="csv", policy=policy)
    assert got.attempts == 2 and sleeps == [0.01]


def test_429_asking_for_too_long_fails_at_once(server, tmp_path):
    server.expect_request("/api").respond_with_data(
        "quota", status=429, headers={"Retry-After": "86400"}
    )
    policy, sleeps = fast_policy()
    with pytest.raises(http.DownloadError, match=r"retry after 86400 s, longer than the 60 s"):
        http.fetch_json(server.url_for("/api"), policy=policy)
    assert sleeps == []


def test_wrong_content_type_is_refused_without_retry(server, tmp_path):
    page = b"<!DOCTYPE html><html><body>Scheduled maintenance</body></html>"
    server.expect_request("/release.zip").respond_with_data(page, content_type="text/html")
    policy, sleeps = fast_policy()
    with pytest.raises(http.DownloadError) as err:
        http.download(
            server.url_for("/release.zip"), tmp_path / "release.zip", kind="zip", policy=policy
        )
    assert "expected a zip file, the server sent text/html" in str(err.value)
    assert "Scheduled maintenance" in str(err.value) and err.value.attempts == 1 and sleeps == []
    assert not any(tmp_path.iterdir())


def test_html_page_labelled_as_csv_is_refused(server, tmp_path):
    server.expect_request("/f.csv").respond_with_data(
        b"<html><body>Login</body></html>", content_type="text/csv"
    )
    policy, _ = fast_policy()
    with pytest.raises(http.DownloadError, match="expected a csv file, got an HTML page"):
        http.download(server.url_for("/f.csv"), tmp_path / "f.csv", kind="csv", policy=policy)


def _small_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "BACI_HS92_Y2022_V202501.csv", "t,i,j,k,v,q\n" + "2022,4,31,260300,1.5,2\n" * 2000
        )
    return buf.getvalue()


def test_truncated_zip_is_refused(server, tmp_path):
    data = _small_zip()
    server.expect_request("/r.zip").respond_with_data(
        data[: len(data) // 2], content_type="application/zip"
    )
    policy, _ = fast_policy()
    with pytest.raises(http.DownloadError, match="corrupt or truncated zip archive"):
        http.download(server.url_for("/r.zip"), tmp_path / "r.zip", kind="zip", policy=policy)
    assert not any(tmp_path.iterdir())


def test_zip_with_a_bad_member_is_refused(server, tmp_path):
    data = bytearray(_small_zip())
    data[60] ^= 0xFF  # inside the compressed member
    server.expect_request("/r.zip").respond_with_data(bytes(data), content_type="application/zip")
    policy, _ = fast_policy()
    with pytest.raises(http.DownloadError, match=r"(corrupt|CRC|truncated)"):
        http.download(server.url_for("/r.zip"), tmp_path / "r.zip", kind="zip", policy=policy)


def test_checksum_mismatch_is_retried_then_reported(server, tmp_path):
    server.expect_request("/f.csv").respond_with_data("a,b\n1,2\n", content_type="text/csv")
    policy, _ = fast_policy(attempts=2)
    with pytest.raises(
        http.DownloadError,
        match=r"after 2 attempts: md5 checksum mismatch: got [0-9a-f]{32}, expected 0{32}",
    ):
        http.download(
            server.url_for("/f.csv"),
            tmp_path / "f.csv",
            kind="csv",
            policy=policy,
            expected_digests={"md5": "0" * 32},
        )
    assert not any(tmp_path.iterdir())


def test_size_limit(server, tmp_path):
    server.expect_request("/big.csv").respond_with_data("x" * 5000, content_type="text/csv")
    policy, _ = fast_policy()
    with pytest.raises(
        http.DownloadError, match="5,000 bytes announced, over the 1,000-byte limit"
    ):
        http.download(
            server.url_for("/big.csv"),
            tmp_path / "big.csv",
            kind="csv",
            policy=policy,
            max_bytes=1000,
        )


class _CutOffHandler(socketserver.BaseRequestHandler):
    """Announces 1,000 bytes, sends 10, hangs up: what a dropped connection looks like."""

    def handle(self):
        self.request.recv(65536)
        self.request.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\n0123456789"
        )
        self.request.shutdown(socket.SHUT_RDWR)


def test_connection_cut_short_is_retried_then_reported(tmp_path):
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _CutOffHandler) as srv:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        policy, sleeps = fast_policy()
        try:
            with pytest.raises(
                http.DownloadError, match=r"after 3 attempts: (truncated: 10 of 1,000|connection)"
            ):
                http.download(
                    f"http://127.0.0.1:{srv.server_address[1]}/f.csv",
                    tmp_path / "f.csv",
                    kind="csv",
                    policy=policy,
                )
        finally:
            srv.shutdown()
    assert len(sleeps) == 2 and not any(tmp_path.iterdir())


def test_not_modified_reuses_the_previous_download(server, tmp_path):
    body = b"a,b\n1,2\n"
    server.expect_request("/f.csv", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    server.expect_request("/f.csv").respond_with_data(
        body, content_type="text/csv", headers={"ETag": '"v1"'}
    )
    policy, _ = fast_policy()
    first = RawFolder(tmp_path, "src", date(2026, 1, 1))
    first.fetch(server.url_for("/f.csv"), "f.csv", kind="csv", policy=policy)
    first.finish()
    second = RawFolder(tmp_path, "src", date(2026, 2, 1))
    path = second.fetch(server.url_for("/f.csv"), "f.csv", kind="csv", policy=policy)
    assert path.read_bytes() == body and second.reused == 1 and second.fetched == 0
    assert second.finish().name == "2026-02-01"


def test_secrets_in_urls_are_masked():
    assert (
        http.redact_url("https://x/api?period=2023&subscription-key=abc")
        == "https://x/api?period=2023&subscription-key=%2A%2A%2A"
    )
    err = http.DownloadError("https://x/api?token=abc", "HTTP 401")
    assert "abc" not in str(err)


# ---------------------------------------------------------------------------------------------
# USGS MCS from ScienceBase


def _file_entry(
    server: HTTPServer,
    item: str,
    name: str,
    data: bytes,
    content_type: str,
    checksum: str | None = None,
) -> dict:
    path = f"/catalog/file/get/{item}/{name.replace(' ', '_')}"
    server.expect_request(path).respond_with_data(data, content_type=content_type)
    url = server.url_for(path)
    return {
        "cuid": None,
        "key": f"{item}/{name}",
        "bucket": "prod-is-usgs-sb-prod-publish",
        "name": name,
        "title": "",
        "contentType": content_type,
        "contentEncoding": None,
        "pathOnDisk": "__disk__",
        "processed": False,
        "size": len(data),
        "checksum": {"value": checksum or md5(data), "type": "MD5"},
        "dateUploaded": "2024-01-31T15:29:44Z",
        "originalMetadata": False,
        "useForPreview": False,
        "url": url,
        "downloadUri": url,
    }


PARENT, WORLD_CHILD, SALIENT_CHILD = (
    "65a6e45fd34e5af967a46749",
    "65a6e4a1d34e5af967a4674b",
    "65a6e4a9d34e5af967a4674d",
)


def usgs_config(server: HTTPServer) -> dict:
    """The usgs-mcs connector's config for the release that ``serve_mcs2024_release`` serves."""
    return {"base_url": server.url_for(""), "item_ids": [PARENT]}


def serve_mcs2024_release(
    server: HTTPServer,
    real: Path,
    *,
    bad_checksum: str | None = None,
    item_content_type: str = "application/json",
) -> None:
    """A ScienceBase data release as the catalogue lays it out: a parent item with the revision
    note, a 'world' child with per-commodity CSVs, and a 'salient' child whose CSVs come in a zip."""
    world = real / "usgs-mcs" / "mcs2024" / "world"
    salient = real / "usgs-mcs" / "mcs2024" / "salient"
    revision = "MCS 2024 Data Release Revision File 2024-03-06.txt"
    parent = {
        "link": {"rel": "self", "url": f"https://www.sciencebase.gov/catalog/item/{PARENT}"},
        "id": PARENT,
        "title": "U.S. Geological Survey Mineral Commodity Summaries 2024 Data Release",
        "hasChildren": True,
        "files": [
            _file_entry(server, PARENT, revision, (world / revision).read_bytes(), "text/plain")
        ],
    }
    world_files = []
    for name in (
        "mcs2024-lithi_world.csv",
        "mcs2024-cobal_world.csv",
        "MCS2024-bismu_world.csv",
        "mcs2024-lithi_meta.xml",
    ):
        data = (world / name).read_bytes()
        kind = "application/xml" if name.endswith(".xml") else "text/csv"
        world_files.append(
            _file_entry(
                server, WORLD_CHILD, name, data, kind, "f" * 32 if name == bad_checksum else None
            )
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in (
            "mcs2024-lithi_salient.csv",
            "MCS2024-bismu_salient.csv",
            "mcs2024-cobal_salient.csv",
            "mcs2024-lithi_meta.xml",
        ):
            zf.write(salient / name, f"MCS2024_Salient/{name}")
    salient_files = [
        _file_entry(
            server, SALIENT_CHILD, "MCS2024_Salient_Data.zip", buf.getvalue(), "application/zip"
        )
    ]
    children = [
        {
            "id": WORLD_CHILD,
            "title": "MCS 2024 world data",
            "hasChildren": False,
            "files": world_files,
        },
        {
            "id": SALIENT_CHILD,
            "title": "MCS 2024 salient statistics",
            "hasChildren": False,
            "files": salient_files,
        },
    ]
    if item_content_type == "application/json":
        server.expect_request(
            f"/catalog/item/{PARENT}", query_string={"format": "json"}
        ).respond_with_json(parent)
    else:
        server.expect_request(f"/catalog/item/{PARENT}").respond_with_data(
            "<!DOCTYPE html><html><body>ScienceBase is down for maintenance</body></html>",
            content_type=item_content_type,
        )
    # Two pages, linked by nextlink, as ScienceBase pages search results.
    page2 = server.url_for("/catalog/items/page2")
    server.expect_request(
        "/catalog/items",
        query_string={
            "parentId": PARENT,
            "format": "json",
            "max": "100",
            "fields": "title,files,facets,hasChildren",
        },
    ).respond_with_json(
        {"total": 2, "items": children[:1], "nextlink": {"rel": "next", "url": page2}}
    )
    server.expect_request("/catalog/items/page2").respond_with_json(
        {"total": 2, "items": children[1:]}
    )


def test_usgs_refresh_publishes_a_new_version(env, server):
    serve_mcs2024_release(server, env.real)
    before = read_manifests(env.snapshot)
    old_world = read_table("usgs_world", env.snapshot)
    result = env.refresh("usgs", usgs_config(server))
    assert result.status == "updated", result.summary()
    assert result.changed_tables == [
        "usgs_world"
    ]  # cobal 2024 is new; its 'salient' file is a world table
    new_world = read_table("usgs_world", env.snapshot)
    assert new_world.height > old_world.height
    assert "mcs2024-cobal_world.csv" in set(new_world["file"].to_list())

    after = read_manifests(env.snapshot)
    assert after["usgs-mcs"]["date_accessed"] == TODAY.isoformat()
    assert after["usgs-mcs"]["refresh"]["raw"] == [str(result.raw_dir)]
    for source in ("wgi", "baci-hs92", "world-mining-data"):
        assert after[source] == before[source], source  # untouched sources keep their manifests
    names = {f["name"] for f in after["usgs-mcs"]["files"]}
    assert "usgs-mcs/mcs2023/world/mcs2023-cobal_world.csv" in names  # the 2023 edition is kept

    # The raw folder: dated, complete, with what was fetched and its checksums.
    assert result.raw_dir == env.raw / "usgs-mcs" / TODAY.isoformat()
    record = json.loads((result.raw_dir / "download.json").read_text())
    by_name = {Path(r["name"]).name: r for r in record["files"]}
    cobal = (env.real / "usgs-mcs/mcs2024/world/mcs2024-cobal_world.csv").read_bytes()
    assert by_name["mcs2024-cobal_world.csv"]["sha256"] == hashlib.sha256(cobal).hexdigest()
    assert "mcs2024-lithi_meta.xml" not in by_name  # metadata is not needed by the snapshot
    assert (result.raw_dir / "upstream/usgs-mcs/mcs2024/salient/MCS2024-bismu_salient.csv").exists()

    # The previous version is kept, whole, with a record of what replaced it.
    versions = list_versions(env.versions)
    assert len(versions) == 1 and Path(versions[0]["path"]) == result.archived
    assert versions[0]["superseded_by"]["changed_tables"] == ["usgs_world"]
    assert read_manifests(result.archived / "snapshot") == before

    # A second refresh of the same release is up to date and leaves everything as it is.
    digest = tree_hashes(env.snapshot)
    again = env.refresh("usgs-mcs", usgs_config(server))
    assert again.status == "up_to_date", again.summary()
    assert tree_hashes(env.snapshot) == digest and len(list_versions(env.versions)) == 1
    assert sorted(p.name for p in (env.raw / "usgs-mcs").iterdir()) == [TODAY.isoformat()]

    # And the previous version can be put back.
    restore_version(result.archived.name, snapshot_dir=env.snapshot, versions_dir=env.versions)
    assert read_manifests(env.snapshot) == before


def test_usgs_checksum_mismatch_leaves_the_snapshot_untouched(env, server):
    serve_mcs2024_release(server, env.real, bad_checksum="mcs2024-cobal_world.csv")
    policy, _ = fast_policy(attempts=2)
    err = env.refresh_fails("usgs-mcs", usgs_config(server), policy=policy)
    assert "mcs2024-cobal_world.csv failed after 2 attempts: md5 checksum mismatch" in str(
        err.value
    )


def test_usgs_catalogue_answering_html_is_reported(env, server):
    serve_mcs2024_release(server, env.real, item_content_type="text/html")
    env.refresh_fails(
        "usgs-mcs", usgs_config(server), r"expected JSON, the server sent text/html .*maintenance"
    )


def test_usgs_item_ids_come_from_the_dois(server):
    server.expect_request("/10.5066/P144BA54").respond_with_response(
        Response(status=302, headers={"Location": server.url_for(f"/catalog/item/{PARENT}")})
    )
    server.expect_request(f"/catalog/item/{PARENT}").respond_with_data(
        "<html>landing</html>", content_type="text/html"
    )
    from orchestration.upstream.usgs import resolve_item_ids, upstream_path

    policy, _ = fast_policy()
    assert resolve_item_ids(
        ["https://doi.org/10.5066/P144BA54"], resolver=server.url_for(""), policy=policy
    ) == [PARENT]
    assert (
        upstream_path("mcs2023tellu_salient.csv")
        == "usgs-mcs/mcs2023/salient/mcs2023tellu_salient.csv"
    )
    assert (
        upstream_path("MCS2024-bismu_world.csv") == "usgs-mcs/mcs2024/world/MCS2024-bismu_world.csv"
    )
    assert upstream_path("mcs2024-lithi_meta.xml") is None


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
    estimate = (env.real / "wgi/wgi_political_stability_estimate.csv").read_text()
    (incoming / "wgi/wgi_political_stability_estimate.csv").write_text(
        estimate.replace("Aruba,ABW,nan", "Aruba,ABW,0.5", 1)
    )
    (incoming / "notes.txt").write_text("not upstream data")
    changed = sorted(scan_incoming(incoming))
    assert changed == ["notes.txt", "wgi/wgi_political_stability_estimate.csv"]
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
        / "upstream/wgi/wgi_political_stability_estimate.csv"
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


# ---------------------------------------------------------------------------------------------
# Where IO lives


def test_transforms_does_no_network_process_or_lock_io():
    """transforms/ is polars in, polars out: fetching, subprocesses, locks and the Dagster layer
    belong to orchestration/ (the connectors moved there for this reason)."""
    import ast

    forbidden = {
        "dagster", "fcntl", "filelock", "http", "orchestration", "requests", "socket",
        "subprocess", "urllib", "urllib3",
    }  # fmt: skip
    root = Path(__file__).parents[1] / "transforms"
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            found += [
                f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] in forbidden
            ]
    assert found == []
