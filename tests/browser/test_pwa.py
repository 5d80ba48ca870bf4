"""The installable app at phone size: Chromium finds nothing missing to install it, the shell opens offline after
a first visit, a new version waits for the user's reload, and the outbox keeps writes made offline, sends each
once when the connection is back, and shows the ones the server refuses with its reason."""
import json
import re

import pytest
from playwright.sync_api import Error, expect

from app.pwa import shell
from tests import factories
from tests.browser.screens import sign_in
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE


@pytest.fixture
def installed(app, chromium, live_server, tmp_path, judge):
    """A page in a persistent profile with service workers on (a default context is incognito, and Chromium
    reports `in-incognito` there as an installability error)."""
    context = chromium.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
        viewport=PHONE, locale="zh-CN", base_url=live_server, has_touch=True)
    context.set_default_timeout(10_000)
    judge.watch(context)
    yield context.pages[0] if context.pages else context.new_page()
    context.close()


def controlled(page):
    """Wait until the service worker is active and controls the page. A page whose load began while the worker
    was still installing may miss its clients.claim(); the next visit is controlled, as a person's would be."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("() => !!navigator.serviceWorker.controller")


def cache_urls(page, suffix):
    return page.evaluate("""async (suffix) => {
        const urls = [];
        for (const name of await caches.keys()) {
            if (!name.endsWith(suffix)) continue;
            for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
        }
        return urls;
    }""", suffix)


def test_installable_and_the_shell_opens_offline(installed, app):
    page = installed
    user = factories.user(role="warehouse", display_name="张仓管")
    sign_in(page, user, settle=True)
    controlled(page)

    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    cdp.detach()  # while attached, the page's navigator.onLine ignores the emulated offline state

    page.reload()  # the first visit to / came before the worker; this one goes through it
    expect(page.locator("h1")).to_have_text("您好，张仓管")
    assert "/" in cache_urls(page, "-pages")
    # An htmx fragment of /stock is fetched, but never stored: offline, /stock must not be that fragment.
    assert page.evaluate("fetch('/stock', {headers: {'HX-Request': 'true'}}).then(r => r.status)") == 200
    assert "/stock" not in cache_urls(page, "-pages")

    page.context.set_offline(True)
    page.reload()
    expect(page.locator("h1")).to_have_text("您好，张仓管")
    expect(page.locator(".topbar [data-pwa-net]")).to_contain_text("离线")
    expect(page.locator("nav.nav")).to_be_visible()  # styled by the precached app.css
    assert page.evaluate("getComputedStyle(document.querySelector('nav.nav')).position") == "fixed"

    page.goto("/stock")
    expect(page.locator("h1")).to_have_text("网络已断开")
    expect(page.get_by_role("link", name="重试")).to_be_visible()

    page.context.set_offline(False)
    page.get_by_role("link", name="重试").click()
    expect(page).to_have_url(re.compile(r"/stock$"))
    expect(page.locator("h1")).not_to_have_text("网络已断开")


def test_sign_out_forgets_the_cached_pages(installed, app):
    page = installed
    sign_in(page, factories.user(role="owner", display_name="王老板"), settle=True)
    controlled(page)
    page.reload()
    assert "/" in cache_urls(page, "-pages")
    page.goto("/account")
    page.get_by_role("button", name="退出登录", exact=True).click()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    page.wait_for_function("() => caches.keys().then(keys => !keys.some(k => k.endsWith('-pages')))")

    page.context.set_offline(True)
    try:  # the owner's home is not there any more for whoever holds the phone next
        page.goto("/")
    except Error as error:  # /logout clears the site's storage, the worker included: no offline page either
        assert "ERR_INTERNET_DISCONNECTED" in str(error)
    else:
        expect(page.locator("h1")).to_have_text("网络已断开")
    expect(page.get_by_text("王老板")).to_have_count(0)


def test_the_sign_in_page_clears_pages_another_user_left(installed, app):
    """A session that ended without signing out (expired, or signed out everywhere) leaves cached pages behind."""
    page = installed
    sign_in(page, factories.user(role="owner", display_name="王老板"), settle=True)
    controlled(page)
    page.reload()
    assert "/" in cache_urls(page, "-pages")
    page.context.clear_cookies()
    page.goto("/login")
    page.wait_for_function("() => caches.keys().then(keys => !keys.some(k => k.endsWith('-pages')))")
    assert cache_urls(page, "-static")  # the app shell stays


def test_a_new_version_waits_until_the_user_reloads(installed, app, monkeypatch):
    page = installed
    sign_in(page, factories.user(role="warehouse"), settle=True)
    controlled(page)
    old = page.evaluate("caches.keys()")
    banner = page.locator("[data-pwa-update]")
    expect(banner).to_be_hidden()

    monkeypatch.setattr(shell, "shell_version", lambda: "0123456789ab")  # a deploy: new worker bytes
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(re.compile("A new version is available|新版本"))
    assert set(old) <= set(page.evaluate("caches.keys()"))  # the old worker still serves this page
    assert page.evaluate("navigator.serviceWorker.getRegistration().then(r => !!r.waiting)")

    with page.expect_navigation():
        banner.get_by_role("button").click()
    controlled(page)
    expect(banner).to_be_hidden()
    keys = page.evaluate("caches.keys()")
    assert keys and all(key.startswith("jxc-0123456789ab-") for key in keys), keys


# ---- The outbox (no service worker needed: it lives in the page and IndexedDB) ----

PROBE = "/outbox-probe"  # answered by page.route, so each replay is seen and counted


def probe(page, answers):
    """Answer POSTs to PROBE with the given (status, body) in turn (the last one repeats); returns the calls."""
    calls = []

    def handle(route):
        calls.append({"headers": route.request.headers, "body": route.request.post_data_json})
        status, body = answers[min(len(calls), len(answers)) - 1]
        route.fulfill(status=status, content_type="application/problem+json" if status >= 400 else "application/json",
                      body=json.dumps(body))
    page.route(f"**{PROBE}", handle)
    return calls


def add(page, key, label="扫描 6901234567892", body=None):
    page.evaluate("(entry) => jxcOutbox.add(entry)", {"url": PROBE, "key": key, "label": label, "group": "stocktake:1",
                                                      "body": body or {"barcode": "6901234567892", "qty": 1}})


def until(page, condition, timeout_ms=10_000):
    """Wait for a condition on what the route handlers saw (they run while Playwright waits)."""
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("condition not met in time")


def waiting_keys(page):
    return page.evaluate("jxcOutbox.waiting().then(list => list.map(e => e.key))")


def listen(page, name):
    """Keep the detail of the next `name` event; read it with `await window.outboxEvent`."""
    page.evaluate("""(name) => { window.outboxEvent = new Promise(done =>
        document.addEventListener(name, (event) => done(event.detail), {once: true})); }""", name)


WAITING_ONE = re.compile(r"^1\s*(条待同步|waiting to sync)$")


def test_a_write_made_offline_waits_then_is_sent_once(new_page, app):
    page = new_page(PHONE)
    user = factories.user(role="warehouse", display_name="张仓管")
    calls = probe(page, [(201, {"id": 7})])
    sign_in(page, user, settle=True)
    page.goto("/account", wait_until="networkidle")
    bar = page.locator("[data-outbox-bar]")
    expect(bar).to_be_hidden()

    page.context.set_offline(True)
    expect(page.locator("[data-pwa-net]")).to_contain_text("离线")
    add(page, "scan-1")
    expect(bar.locator("[data-outbox-waiting]")).to_have_text(WAITING_ONE)
    expect(bar.locator("[data-outbox-sync]")).to_be_visible()
    page.wait_for_timeout(500)
    assert waiting_keys(page) == ["scan-1"] and calls == []

    # Signing out with a write waiting asks first; saying no keeps the user signed in.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="退出登录", exact=True).click()
    expect(page.get_by_role("button", name="退出登录", exact=True)).to_be_visible()

    listen(page, "outbox:sent")
    page.context.set_offline(False)
    expect(bar).to_be_hidden()
    detail = page.evaluate("() => window.outboxEvent")
    assert detail["status"] == 201 and detail["data"] == {"id": 7} and detail["entry"]["key"] == "scan-1"
    assert len(calls) == 1
    headers = calls[0]["headers"]
    assert headers["idempotency-key"] == "scan-1" and headers["content-type"] == "application/json"
    assert headers["x-csrftoken"] and headers["accept"] == "application/json"
    assert calls[0]["body"] == {"barcode": "6901234567892", "qty": 1}

    page.evaluate("jxcOutbox.flush()")
    page.reload()
    page.wait_for_timeout(300)
    assert len(calls) == 1 and waiting_keys(page) == []


@pytest.mark.browser_expects("console", r"status of 503 .* at .*/outbox-probe$")  # the probe's own outage
def test_writes_replay_in_order_and_wait_through_a_server_error(new_page, app):
    page = new_page(PHONE)
    calls = probe(page, [(503, {}), (201, {}), (201, {})])
    sign_in(page, factories.user(role="warehouse"), settle=True)
    page.context.set_offline(True)
    add(page, "a", body={"n": 1})
    add(page, "b", body={"n": 2})
    assert waiting_keys(page) == ["a", "b"]

    page.context.set_offline(False)
    until(page, lambda: len(calls) == 1)
    page.wait_for_timeout(500)
    assert len(calls) == 1 and waiting_keys(page) == ["a", "b"]  # the 503 stopped the run: b not sent ahead of a
    expect(page.locator("[data-outbox-waiting]")).to_have_text(re.compile(r"^2\s*(条待同步|waiting to sync)$"))
    page.locator("[data-outbox-sync]").click()
    expect(page.locator("[data-outbox-bar]")).to_be_hidden()
    assert [call["body"] for call in calls] == [{"n": 1}, {"n": 1}, {"n": 2}]


@pytest.mark.browser_expects("console", r"status of 422 .* at .*/outbox-probe$")  # the probe refuses
def test_a_refused_write_shows_its_reason_and_is_not_retried(new_page, app):
    page = new_page(PHONE)
    calls = probe(page, [(422, {"type": "validation-error", "title": "输入有误", "status": 422,
                                "detail": "条码 6901234567892 不在本次盘点中"})])
    sign_in(page, factories.user(role="warehouse"), settle=True)
    listen(page, "outbox:failed")
    add(page, "scan-x", label="扫描 6901234567892")
    assert page.evaluate("() => window.outboxEvent")["reason"] == "条码 6901234567892 不在本次盘点中"

    button = page.locator("[data-outbox-failed]")
    expect(button).to_be_visible()
    expect(page.locator("[data-outbox-waiting]")).to_be_hidden()
    button.click()
    item = page.locator(".outbox-failed-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("扫描 6901234567892")
    expect(item).to_contain_text("条码 6901234567892 不在本次盘点中")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths

    page.evaluate("jxcOutbox.flush()")
    page.reload()
    expect(page.locator("[data-outbox-failed]")).to_be_visible()  # still there after a reload
    assert len(calls) == 1

    page.locator("[data-outbox-failed]").click()
    page.locator("[data-outbox-dismiss]").click()
    expect(page.locator("[data-outbox-bar]")).to_be_hidden()
    assert page.evaluate("jxcOutbox.failed()") == [] and len(calls) == 1
