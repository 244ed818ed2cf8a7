"""The built site in a real browser: Debian's Chromium driven by playwright, served on 127.0.0.1.

The session's one CLI build of the whole pipeline (tests/conftest.py ``session_build``), then:
home, a mineral page, a country page and the data page load with no console error; every
chart's SVG is visible with a non-zero size; the built-in search finds "gallium"; every request
is routed and any to a non-loopback host fails the test; screenshots of the home page and a
mineral page go to ``test-output/``. Chromium comes from Debian (``apt-get install chromium``,
done by ``.ci/run``), never from ``playwright install``.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
except ImportError:  # playwright is a dev dependency; without it the fixtures skip first
    PlaywrightTimeoutError = TimeoutError

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
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
OUTPUT_DIR = Path(__file__).resolve().parents[1] / "test-output"
PAGES = {
    "home": "/",
    "mineral": "/minerals/gallium/",
    "country": "/countries/jpn/",
    "data": "/data/",
}

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} missing: install Debian's chromium (apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def built_site(session_build) -> Path:
    """The published site of the session's one CLI build (see tests/conftest.py)."""
    _require_chromium()
    assert session_build.returncode == 0, session_build.stdout[-3000:] + session_build.stderr[-3000:]
    public = session_build.public
    assert (public / "index.html").exists()
    return public


@pytest.fixture(scope="module")
def site_url(built_site: Path):
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A page whose every request is routed: anything not on the loopback host is refused and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.external_requests = []
    page.console_errors = []

    def route(route):
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            page.external_requests.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on(
        "console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None
    )
    page.on("pageerror", lambda err: page.console_errors.append(str(err)))
    yield page
    context.close()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_loads_cleanly_with_visible_charts(page, site_url, name):
    response = page.goto(site_url + PAGES[name], wait_until="networkidle")
    assert response is not None and response.ok
    assert page.locator("h1").first.is_visible()
    charts = page.locator("figure.briefing-chart svg")
    if name in ("mineral", "country"):  # home and data are tables and text
        assert charts.count() > 0, f"no chart on the {name} page"
    for i in range(charts.count()):
        svg = charts.nth(i)
        svg.scroll_into_view_if_needed()
        assert svg.is_visible(), f"chart {i} on {name} not visible"
        box = svg.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, f"chart {i} on {name} has no size"
        assert svg.get_attribute("role") == "img" and svg.get_attribute("aria-labelledby")
    assert page.console_errors == [], f"console errors on {name}: {page.console_errors}"
    assert page.external_requests == [], (
        f"requests to other hosts from {name}: {page.external_requests}"
    )


def test_sortable_table_sorts(page, site_url):
    page.goto(site_url + "/minerals/", wait_until="networkidle")
    header = page.locator("article table th", has_text="China, refinery").first
    header.click()  # first click: descending, largest first
    cells = page.locator("article table tbody tr td:nth-child(3)").all_inner_texts()
    numbers = [float(c.rstrip("%")) for c in cells if c.endswith("%") and not c.startswith("<")]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] >= 80, cells
    assert header.get_attribute("aria-sort") == "descending"
    header.click()  # second click: ascending; cells without a number stay last
    cells = page.locator("article table tbody tr td:nth-child(3)").all_inner_texts()
    numbers = [float(c.rstrip("%")) for c in cells if c.endswith("%") and not c.startswith("<")]
    assert numbers == sorted(numbers) and not cells[0].startswith("–"), cells


def test_search_finds_gallium(page, site_url):
    page.goto(site_url + "/", wait_until="networkidle")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator("input.md-search__input")
    results = page.locator(".md-search-result__item")
    # The search index loads in a web worker; a query typed before it is ready is not run, so
    # type again until results show (bounded: 10 tries of about 3 s).
    for _ in range(10):
        box.fill("")
        box.press_sequentially("gallium", delay=30)
        try:
            results.first.wait_for(timeout=3_000)
            break
        except PlaywrightTimeoutError:
            continue
    assert results.count() > 0, "search found nothing for 'gallium'"
    assert "Gallium" in page.locator(".md-search-result").inner_text()
    assert page.external_requests == []


def test_screenshots(page, site_url):
    OUTPUT_DIR.mkdir(exist_ok=True)
    for name, path in (("home", "/"), ("mineral-gallium", "/minerals/gallium/")):
        page.goto(site_url + path, wait_until="networkidle")
        target = OUTPUT_DIR / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    assert page.external_requests == []
