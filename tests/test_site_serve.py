"""``briefing serve`` as a static host: the site's own 404 page with status 404, gzip for text
when the browser accepts it (and only then), folders redirected to their slash URL."""

from __future__ import annotations

import gzip
import http.client
import threading

import pytest

from orchestration.serve import MIN_GZIP_BYTES, site_server


@pytest.fixture
def site(tmp_path):
    (tmp_path / "index.html").write_text("<h1>Home</h1>" + "x" * MIN_GZIP_BYTES)
    (tmp_path / "404.html").write_text("<h1>Page not found</h1>")
    (tmp_path / "minerals").mkdir()
    (tmp_path / "minerals" / "index.html").write_text("<h1>Minerals</h1>")
    (tmp_path / "data.csv.gz").write_bytes(gzip.compress(b"a,b\n1,2\n"))
    server = site_server(tmp_path)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _get(port: int, path: str, gzip_ok: bool = True, method: str = "GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    response = conn.getresponse()
    return response, response.read()


def test_missing_page_is_the_sites_404_page(site):
    response, body = _get(site, "/no/such/page/")
    assert response.status == 404
    assert b"Page not found" in body
    assert response.getheader("Content-Type").startswith("text/html")
    head, head_body = _get(site, "/no/such/page/", method="HEAD")
    assert head.status == 404 and head_body == b""


def test_text_is_gzipped_only_for_browsers_that_accept_it(site, tmp_path):
    response, body = _get(site, "/")
    assert response.status == 200 and response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == (tmp_path / "index.html").read_bytes()
    assert int(response.getheader("Content-Length")) == len(body) < MIN_GZIP_BYTES
    plain, plain_body = _get(site, "/", gzip_ok=False)
    assert plain.getheader("Content-Encoding") is None
    assert plain_body == (tmp_path / "index.html").read_bytes()


def test_small_and_compressed_files_are_sent_as_they_are(site):
    small, body = _get(site, "/minerals/")
    assert small.getheader("Content-Encoding") is None and b"Minerals" in body
    download, data = _get(site, "/data.csv.gz")
    assert download.getheader("Content-Encoding") is None
    assert gzip.decompress(data) == b"a,b\n1,2\n"


def test_folder_without_slash_redirects(site):
    response, _ = _get(site, "/minerals")
    assert response.status == 301 and response.getheader("Location") == "/minerals/"
