"""Live connectors, offline: a local HTTP server serves real-format upstream files with faults.

Every failure test checks two things: what the user is told, and that the current snapshot (a
copy in tmp_path) is byte for byte as it was, with no half-written raw folder or version left.
The upstream files are small real ones copied from ../shared/data (the ``upstream_dir``
fixture). Here: the HTTP helper, USGS MCS from ScienceBase and where IO lives; the trade
connectors, incoming files and the CLI are in test_connectors_trade.py. Fixtures: conftest.py;
shared helpers: tests/_connectors.py.
"""

from __future__ import annotations

import email.utils
import hashlib
import io
import json
import socket
import socketserver
import threading
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug import Response

from orchestration.snapshot_store import read_manifests, read_table
from orchestration.upstream import http
from orchestration.upstream.raw import RawFolder
from orchestration.upstream.versions import list_versions, restore_version
from tests._connectors import (
    PARENT,
    TODAY,
    fast_policy,
    md5,
    serve_mcs2024_release,
    usgs_config,
)
from tests._helpers import tree_hashes

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
