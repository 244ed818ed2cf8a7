"""Page weight of the published site: what a first visit to each page downloads.

Serves the site folder with ``orchestration.serve`` (gzip, as a static host would), opens each
page in a fresh Chromium context (empty cache) and prints per page the bytes transferred
(compressed bodies plus headers, as Chromium counts them) and the number of requests, then the
size of the folder. Chromium is Debian's (/usr/bin/chromium), driven by playwright.

    uv run python scripts/page_weight.py [public] [--pages / /minerals/rare-earths/ ...]

Without ``--pages`` it measures the home page, one page of each kind and the largest HTML page.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.serve import CHROMIUM, CHROMIUM_ARGS, site_server

KINDS = [
    "/",
    "/minerals/",
    "/minerals/rare-earths/",
    "/countries/jpn/",
    "/scenarios/",
    "/data/",
    "/data/quality/",
    "/methodology/",
]


def largest_page(public: Path) -> str:
    """The URL of the largest HTML page of the site."""
    biggest = max(public.rglob("index.html"), key=lambda p: p.stat().st_size)
    rel = biggest.parent.relative_to(public).as_posix()
    return "/" if rel == "." else f"/{rel}/"


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure(public: Path, paths: list[str], plain: bool = False) -> list[tuple[str, float, int]]:
    """(path, KB transferred, requests) of a first visit to each page; ``plain``: served without
    compression (Python's own file server, as ``briefing serve`` did before it sent gzip)."""
    if plain:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(public))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    else:
        server = site_server(public)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for path in paths:
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                sizes: list[int] = []

                def done(request, sizes=sizes):
                    s = request.sizes()
                    sizes.append(s["responseBodySize"] + s["responseHeadersSize"])

                page.on("requestfinished", done)
                page.goto(base + path, wait_until="networkidle")
                page.wait_for_timeout(300)  # the search worker's index request, if any
                rows.append((path, sum(sizes) / 1000, len(sizes)))
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("public", nargs="?", default="public", help="site folder (default public)")
    parser.add_argument("--pages", nargs="*", help="URL paths to measure")
    parser.add_argument("--plain", action="store_true", help="serve without gzip")
    args = parser.parse_args(argv)
    public = Path(args.public).resolve()
    paths = args.pages or [*KINDS, largest_page(public)]
    rows = measure(public, list(dict.fromkeys(paths)), plain=args.plain)
    print(f"{'page':40} {'KB':>8} {'requests':>9}")
    for path, kb, requests in rows:
        print(f"{path:40} {kb:8.1f} {requests:9d}")
    print(f"site folder: {folder_bytes(public) / 1e6:.1f} MB ({public})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
