"""Browser fixtures: one live server and one Chromium for the whole session, a fresh context per test.

The server is a separate app instance on the same database as the `app` fixture, so tests make their
users with tests.factories inside `app` and get the usual table cleanup after each test.

Every page is judged (tests/browser/judge.py): a console error, an uncaught exception, a CSP violation, an htmx
error event or a page that scrolls sideways fails the test, unless it names what it expects with
`@pytest.mark.browser_expects(kind, pattern)`.
"""
import os
import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.config import TestConfig
from tests.browser.judge import judge_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
TABLET = {"width": 1024, "height": 768}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser_expects(kind, pattern): this browser test provokes a finding of "
                                       "that kind (console, pageerror, csp, sideways, htmx:...Error) whose message "
                                       "matches the pattern; the judge lets it pass (tests/browser/judge.py)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Judge the pages once the test body has run, before any fixture closes them: findings fail the test itself."""
    judge = item.funcargs.get("judge")
    try:
        result = yield
    except BaseException:
        if judge is not None:  # the findings often explain the failure: show them beside it
            item.add_report_section("call", "browser", judge.summary())
        raise
    if judge is not None:
        judge.verdict()
    return result


@pytest.fixture
def judge(request):
    """The judge of this test's pages: fixtures that make their own contexts hand them to `judge.watch`."""
    return judge_for(request)


class _Requests:
    """How many requests the live servers are in: a page closed by its test may leave one running (a screen's lazy
    fragment, the chart of accounts seeded on first use), and emptying the tables under it deadlocked on PostgreSQL."""

    def __init__(self):
        self.running = 0
        self.changed = threading.Condition()

    def counted(self, wsgi_app):
        def app(environ, start_response):
            with self.changed:
                self.running += 1
            try:
                return wsgi_app(environ, start_response)  # the database work is done by the time it returns
            finally:
                with self.changed:
                    self.running -= 1
                    self.changed.notify_all()
        return app

    def wait_until_none(self, timeout: float = 10) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.running == 0, timeout)


REQUESTS = _Requests()


@pytest.fixture(autouse=True)
def _requests_end_before_the_tables_are_emptied(app):
    """Torn down after the test's pages are closed and before `app` empties the tables."""
    yield
    REQUESTS.wait_until_none()


@contextmanager
def serving(server_app):
    """`server_app` served over HTTP on 127.0.0.1 and a free port, in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, REQUESTS.counted(server_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with server_app.app_context():
            from app.extensions import db
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(database):
    """The app served over HTTP on 127.0.0.1 and a free port, in a background thread."""
    with serving(create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database, SECRET_KEY="test")) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, launched once (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs it) or apt-get install -y chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(app, chromium, live_server, judge):
    """Open a page in a new browser context (own cookies), Chinese like a phone in China, watched by the judge.

    Depends on `app`, so every context is closed before the tables are emptied.
    """
    contexts = []

    def open_page(viewport=PHONE, locale="zh-CN"):
        # Service workers are blocked: the shell is under test here, not the offline cache, and the
        # worker's install fetches would only race with the test's own requests.
        context = chromium.new_context(viewport=viewport, locale=locale, base_url=live_server,
                                       has_touch=viewport["width"] < 768, service_workers="block")
        context.set_default_timeout(5_000)
        contexts.append(context)
        judge.watch(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
