"""End-to-end fixtures: the built site served on 127.0.0.1 and Debian's headless Chromium
driven by Playwright. A missing browser or an unbuilt site is a failure, never a skip."""

import functools
import os
import shutil
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def chromium_path() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.fail(
            "Chromium not found (looked at $CHROMIUM, PATH and /usr/bin/chromium). "
            "Install it with `apt-get install -y chromium`; .ci/run does this for CI.",
            pytrace=False,
        )
    return found


class _QuietHandler(SimpleHTTPRequestHandler):
    requested: list  # set per server

    def log_message(self, *args):  # keep pytest output readable
        pass

    def do_GET(self):
        self.requested.append(self.path)
        super().do_GET()


@pytest.fixture(scope="session")
def site_url():
    if not (SITE / ".built").exists():
        pytest.fail("The site is not built: run `make test` (it builds the site first).", pytrace=False)
    requested: list[str] = []
    handler = type("Handler", (_QuietHandler,), {"requested": requested})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Playwright's sync API keeps its asyncio loop registered
    as the running loop while it is open, so a browser kept for the whole session made every
    later test that starts a loop (pysim's asyncio clients) fail with "cannot be called from
    a running event loop"; closed after each e2e module, it leaves the tests after e2e as a
    learner's script finds Python: with no loop running."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """What a page did that it must not: leave the origin, or throw."""

    def __init__(self, origin: str):
        self.origin = origin
        self.foreign_requests: list[str] = []
        self.page_errors: list[str] = []


@pytest.fixture
def page_problems(site_url):
    return PageProblems(site_url)


def guarded_context(browser, site_url, page_problems, **options):
    """A browser context whose requests may not leave the site's origin. The service worker is
    blocked unless a test asks for it (service_workers="allow"): requests it answers would
    bypass Playwright's routes, which several tests use to fake failures."""
    options.setdefault("viewport", {"width": 1280, "height": 900})
    options.setdefault("service_workers", "block")
    ctx = browser.new_context(**options)

    def guard(route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or f"{parts.scheme}://{parts.netloc}" == site_url:
            route.continue_()
        else:
            page_problems.foreign_requests.append(url)
            route.abort()

    ctx.route("**/*", guard)
    return ctx


@pytest.fixture
def context(browser, site_url, page_problems):
    ctx = guarded_context(browser, site_url, page_problems)
    yield ctx
    ctx.close()


def watch(pg, page_problems):
    pg.on("pageerror", lambda exc: page_problems.page_errors.append(str(exc)))
    pg.set_default_timeout(20_000)
    return pg


def check_problems(page_problems):
    assert page_problems.foreign_requests == [], f"requests left the site's origin: {page_problems.foreign_requests}"
    assert page_problems.page_errors == [], f"uncaught errors in the page: {page_problems.page_errors}"


@pytest.fixture
def page(context, page_problems):
    """A fresh page (fresh localStorage). After the test: no request left the origin and
    no uncaught error was thrown."""
    pg = watch(context.new_page(), page_problems)
    yield pg
    check_problems(page_problems)


def open_editor(page, selector):
    """Bring an exercise into view (Ace loads on approach) and wait for its editor."""
    page.locator(selector).scroll_into_view_if_needed()
    page.wait_for_function(f"document.querySelector('{selector}') && document.querySelector('{selector}').courseEditor")


# Test modules import these helpers as ``e2e_conftest``: every test folder has a conftest.py,
# and which one ``import conftest`` finds depends on what pytest loaded first.
sys.modules.setdefault("e2e_conftest", sys.modules[__name__])
