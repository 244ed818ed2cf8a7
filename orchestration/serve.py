"""Serve the published site as a static host would: loopback only, the site's own 404 page for
a missing path, and text compressed with gzip when the browser accepts it.

``briefing serve`` runs this; the page-weight script (``scripts/page_weight.py``) and the browser
tests use it too, so what they measure is what a reader of the served site downloads.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import os
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

# Debian's Chromium and its flags for looking at the served site offline (the browser tests and
# scripts/page_weight.py): no sync, updates or background traffic.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Text compresses four to ten times; images, Parquet and .gz downloads are already compressed.
COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".csv", ".map")
# Below this a gzip header and the CPU cost more than they save.
MIN_GZIP_BYTES = 1024


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """A static-file handler with the site's 404 page and gzip for text files."""

    # Caching is the host's business; the compressed bodies are kept per (path, mtime, size).
    _gzipped: ClassVar[dict[tuple[str, float, int], bytes]] = {}

    def log_message(self, format, *args):
        if os.environ.get("BRIEFING_SERVE_LOG"):
            super().log_message(format, *args)

    def send_error(self, code, message=None, explain=None):
        """A 404 answers with the site's own 404.html (its styles and navigation), not Python's."""
        not_found = Path(self.directory) / "404.html"
        if code != 404 or not not_found.is_file():
            super().send_error(code, message, explain)
            return
        body = not_found.read_bytes()
        self.send_response(404, message)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            if not urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # the base class redirects to the folder's URL
            path = os.path.join(path, "index.html")
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts_gzip and path.endswith(COMPRESSIBLE) and os.path.isfile(path)):
            return super().send_head()
        stat = os.stat(path)
        if stat.st_size < MIN_GZIP_BYTES:
            return super().send_head()
        key = (path, stat.st_mtime, stat.st_size)
        body = self._gzipped.get(key)
        if body is None:
            body = gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)
            self._gzipped[key] = body
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
        self.end_headers()
        return io.BytesIO(body)


def site_server(directory: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """A server of ``directory`` on 127.0.0.1:``port`` (0: any free port); not yet serving."""
    handler = functools.partial(SiteHandler, directory=str(Path(directory).resolve()))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
