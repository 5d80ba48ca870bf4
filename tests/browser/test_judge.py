"""The judge (tests/browser/judge.py) sees what a user would suffer: each kind of finding is caught on a real app
page, a clean page gives none, and a `browser_expects` marker lets through only what it names."""
import urllib.request

import pytest

from tests.browser.conftest import PHONE, TABLET
from tests.browser.judge import Expected, Judge

WIDE = "document.body.append(Object.assign(document.createElement('div'), {style: 'width: 2000px; height: 4px'}))"


@pytest.fixture
def watched(app, chromium, live_server):
    """A page on the live server watched by a judge of our own (the test reads its findings, not the verdict)."""
    judge = Judge()
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server, service_workers="block")
    context.set_default_timeout(5_000)
    judge.watch(context)
    yield judge, context.new_page()
    context.close()


def kinds(judge):
    judge.look_at_open_pages()
    return sorted({finding["kind"] for finding in judge.unexpected()})


def test_a_clean_page_has_nothing_to_say(watched):
    judge, page = watched
    page.goto("/login")
    page.wait_for_load_state("networkidle")
    assert kinds(judge) == []


def test_an_inline_script_blocked_by_the_csp_is_caught(watched, live_server):
    judge, page = watched
    policy = urllib.request.urlopen(f"{live_server}/login").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    page.route("**/judge-probe", lambda route: route.fulfill(
        status=200, content_type="text/html", headers={"Content-Security-Policy": policy},
        body="<!doctype html><title>p</title><button type=button onclick=\"document.title = 'clicked'\">go</button>"
             "<script>document.title = 'ran'</script>"))
    page.goto("/judge-probe")
    page.wait_for_function("() => window.__jxcJudgeFindings.some(f => f.kind === 'csp')")
    assert page.title() == "p"  # the inline script did not run
    assert "csp" in kinds(judge) and "console" in kinds(judge)  # Chromium also logs the refusal
    page.locator("button").click()  # an inline handler is refused too, and the finding names its element
    page.wait_for_function("() => window.__jxcJudgeFindings.some(f => f.message.includes('onclick'))")
    assert page.title() == "p"
    assert any(f["kind"] == "csp" and '<button type="button" onclick' in f["message"] for f in judge.unexpected())


def test_console_errors_and_uncaught_exceptions_are_caught(watched):
    judge, page = watched
    page.goto("/login")
    page.evaluate("console.error('something broke')")
    page.evaluate("setTimeout(() => { throw new Error('boom') }, 0)")
    page.wait_for_timeout(100)  # let the timer throw
    found = judge.unexpected()
    assert {"kind": "console", "message": "something broke"}.items() <= found[0].items()
    assert any(f["kind"] == "pageerror" and "boom" in f["message"] for f in found)


def test_an_htmx_error_event_is_caught_with_its_status_and_path(watched):
    judge, page = watched
    page.goto("/login")
    page.evaluate("htmx.ajax('GET', '/no-such-page', {target: 'main', swap: 'innerHTML'})")
    page.wait_for_function("() => window.__jxcJudgeFindings.some(f => f.kind === 'htmx:responseError')")
    error = next(f for f in judge.unexpected() if f["kind"] == "htmx:responseError")
    assert error["message"].startswith("404 /no-such-page")
    assert "htmx:responseError" in kinds(judge)


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_a_page_that_scrolls_sideways_is_caught_on_load_and_at_the_end(watched, viewport):
    judge, page = watched
    page.set_viewport_size(viewport)
    page.goto("/login")
    assert kinds(judge) == []
    page.evaluate(WIDE)  # after load: only the last look sees it
    assert kinds(judge) == ["sideways"]

    judge.findings.clear()
    page.route("**/judge-wide", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><div class=too-wide style='width:3000px'>x</div>"))
    page.goto("/judge-wide")
    page.wait_for_function("() => window.__jxcJudgeFindings.some(f => f.kind === 'sideways')")
    on_load = next(f for f in judge.findings if f["kind"] == "sideways")
    assert "div.too-wide" in on_load["message"]  # it names the culprit


def test_a_marker_lets_through_only_what_it_names(watched):
    judge, page = watched
    page.goto("/login")
    page.evaluate("console.error('expected: the probe said no')")
    page.evaluate("console.error('something else')")
    judge.expected = [Expected("console", r"^expected: "), Expected("pageerror", "something else")]
    assert [f["message"] for f in judge.unexpected()] == ["something else"]
    with pytest.raises(pytest.fail.Exception, match="something else"):
        judge.verdict()


def test_a_marked_test_has_its_markers_read(request):
    from tests.browser.judge import judge_for
    request.node.add_marker(pytest.mark.browser_expects("console", r"status of 404 .* at .*/x$"))
    (expected,) = judge_for(request).expected
    finding = {"kind": "console", "message": "Failed to load resource: the server responded with a status of 404 "
                                             "(NOT FOUND)", "url": "http://127.0.0.1/x"}
    assert expected.covers(finding)
    assert not expected.covers({**finding, "url": "http://127.0.0.1/y"})
    assert not expected.covers({**finding, "kind": "pageerror"})
