"""Browser tests: Playwright (sync API) driving Debian's Chromium.

No browser is ever downloaded: Chromium is /usr/bin/chromium, launched headless
with a fresh profile in pytest's temporary directory, and the tests skip when it
is missing. Pages are served by pytest-django's `live_server`; the merchant's
own web site is a tiny http.server on loopback (`merchant_site`), reached by the
browser as http://shop.localhost:<port>/, which Chromium resolves to loopback
itself, so it is another origin and another host than the panel's.

Screenshots of the main pages go to test-artifacts/screenshots/ (git-ignored);
the folder is printed at the end of the run.
"""

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

from tests.e2e.conftest import BROKERS, broker, worker  # noqa: F401  (fixtures)

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
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# The merchant's site: Chromium resolves every *.localhost name to loopback.
SITE_HOST = "shop.localhost"

_taken = []


@pytest.fixture
def broker_url():
    """Browser tests use the filesystem broker only (tests/e2e tries them all)."""
    return BROKERS["filesystem"]()


@pytest.fixture(scope="package")
def chromium(tmp_path_factory):
    """One Chromium for the browser tests, with a fresh profile."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an asyncio loop in this thread, which Django
    # takes for an async context: allow the ORM calls the tests make meanwhile.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(tmp_path_factory.mktemp("chromium-profile")),
                executable_path=str(CHROMIUM),
                args=CHROMIUM_ARGS,
                headless=True,
                accept_downloads=True,
                viewport=DESKTOP,
                locale="en-GB",
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture
def page(chromium):
    """A new tab, signed out (no cookies left from another test)."""
    chromium.clear_cookies()
    tab = chromium.new_page()
    tab.set_default_timeout(15_000)
    tab.set_viewport_size(DESKTOP)
    yield tab
    tab.close()


@pytest.fixture
def public_base_url(live_server, settings):
    """Links in e-mails and snippets point at the live server."""
    settings.PUBLIC_BASE_URL = live_server.url
    return live_server.url


def screenshot(page, name):
    """Save the whole page as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    _taken.append(path)
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class MerchantSite:
    """Static files served on 127.0.0.1, seen by the browser as SITE_HOST."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        handler = functools.partial(_QuietHandler, directory=str(self.root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.origin = f"http://{SITE_HOST}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def publish(self, name, html):
        (self.root / name).write_text(html, encoding="utf-8")
        return f"{self.origin}/{name}"


@pytest.fixture
def merchant_site(tmp_path):
    site = MerchantSite(tmp_path / "merchant-site")
    site.thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()
    site.thread.join(timeout=10)


def pytest_terminal_summary(terminalreporter):
    if _taken:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(set(_taken))} screenshots in {SCREENSHOTS}")
