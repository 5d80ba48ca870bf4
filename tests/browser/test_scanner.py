"""The scan box in a real browser at phone size, on a real app page under the app's CSP: keyboard-wedge bursts,
what the server's answers do, the camera decoding a filmed EAN-13 with the vendored wasm, the photo fallback."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, SMALL_PHONE
from tests.browser.scan_fixtures import (  # noqa: F401 (fixtures)
    CAMERA_CODE, SCAN_ACTION, Responder, camera_browser, camera_page, camera_video, code128, open_scan_page)

CODES = ["6901234567892", "4006381333931", "96385074", "JXC-0001", "012345678905"]


def wedge(page, codes, gap_ms=60):
    """Type like a keyboard-wedge scanner: each code in a burst, Enter, then the next one gap_ms later."""
    for code in codes:
        page.keyboard.type(code, delay=0)
        page.keyboard.press("Enter")
        page.wait_for_timeout(gap_ms)


def seen(page, what):
    return page.evaluate(f"window.seen.{what}")


def wait_done(page, count):
    page.wait_for_function(f"() => window.seen.done.length >= {count}")


def wait_decoded(page):
    """Until a decoded scan is done, or the box says why not (e.g. the CSP blocked the wasm)."""
    page.wait_for_function("() => window.seen.done.length || !document.querySelector('[data-scan-notice]').hidden")
    notice = page.locator("[data-scan-notice]")
    assert notice.is_hidden(), f"{notice.text_content()}; CSP violations: {seen(page, 'violations')}"


def test_wedge_burst_every_scan_sent_once_in_order(new_page, app):
    page = new_page(PHONE)
    responder = Responder(hold=True)  # a slow server: the burst must wait in the queue, not be lost
    page.route(re.compile(rf".*{SCAN_ACTION}\?.*"), responder)
    form = open_scan_page(page, app)
    field = form.locator("input[name=code]")
    field.focus()

    wedge(page, CODES)

    expect(field).to_have_value("")
    expect(field).to_be_focused()
    page.wait_for_timeout(200)  # room for any request that should not be sent yet
    assert responder.codes == CODES[:1], "one request at a time"
    expect(form.locator(".scan-log li")).to_have_count(len(CODES))
    responder.release()
    wait_done(page, len(CODES))

    scans = seen(page, "scans")
    assert [scan["code"] for scan in scans] == CODES
    assert len({uuid.UUID(scan["uuid"]) for scan in scans}) == len(CODES)
    assert responder.codes == CODES, "scans were lost, merged or reordered"
    for request, scan in zip(responder.requests, scans):
        assert request.headers["hx-request"] == "true"
        assert request.headers["x-scan-uuid"] == scan["uuid"]
    assert [done["status"] for done in seen(page, "done")] == ["found"] * len(CODES)
    expect(field).to_have_value("")
    expect(field).to_be_focused()
    expect(form.locator(".scan-log li code")).to_have_text(list(reversed(CODES)))
    expect(page.locator("[data-scan-results] .scan-hit")).to_have_text(f"found {CODES[-1]}")
    assert seen(page, "violations") == []


def test_a_page_that_consumes_scans_stops_the_request(new_page, app):
    page = new_page(PHONE)
    responder = Responder()
    page.route(re.compile(rf".*{SCAN_ACTION}\?.*"), responder)
    form = open_scan_page(page, app)
    page.evaluate("() => document.addEventListener('scan', (e) => e.preventDefault())")
    form.locator("input[name=code]").focus()

    wedge(page, CODES[:3])
    wait_done(page, 3)

    assert [scan["code"] for scan in seen(page, "scans")] == CODES[:3]
    assert [done["status"] for done in seen(page, "done")] == ["handled"] * 3
    assert responder.requests == []


@pytest.mark.browser_expects("console", r"status of 404 .* at .*/scan-test\?code=1234$")  # the unknown answer
def test_unknown_barcode_shows_the_servers_fragment(new_page, app):
    page = new_page(PHONE)
    page.route(re.compile(rf".*{SCAN_ACTION}\?.*"), Responder(status=404))
    form = open_scan_page(page, app, target="#elsewhere")
    page.evaluate("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<div id=elsewhere></div>')")

    form.locator("input[name=code]").fill("1234")
    form.get_by_role("button", name=re.compile("Find|查找")).click()
    wait_done(page, 1)

    expect(page.locator("#elsewhere .scan-hit")).to_have_text("unknown 1234")
    assert seen(page, "done")[0]["status"] == "unknown"
    expect(form.locator(".scan-log li")).to_have_attribute("data-status", "unknown")


def test_found_product_navigates_to_hx_location(new_page, app):
    page = new_page(PHONE)
    page.route(re.compile(rf".*{SCAN_ACTION}\?.*"), Responder(headers={"HX-Location": "/offline?found=1"}))
    form = open_scan_page(page, app)

    form.locator("input[name=code]").fill(CAMERA_CODE)
    form.locator("input[name=code]").press("Enter")

    expect(page).to_have_url(re.compile(r"/offline\?found=1$"))


@pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE], ids=["390", "360"])
def test_fits_a_phone_with_big_targets(new_page, app, viewport):
    page = new_page(viewport)
    form = open_scan_page(page, app)
    expect(form.locator("[data-scan-camera]")).to_be_visible()  # headless Chromium has mediaDevices
    widths = page.evaluate("[Math.max(document.documentElement.scrollWidth, document.body.scrollWidth), window.innerWidth]")
    assert widths[0] <= widths[1], widths
    for target in form.locator("input[name=code], button:visible").all():
        box = target.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (target.evaluate("e => e.outerHTML"), box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box


def test_camera_reads_a_filmed_ean13_once_while_it_stays_in_view(camera_page, app):
    page = camera_page
    responder = Responder()
    page.route(re.compile(rf".*{SCAN_ACTION}\?.*"), responder)
    form = open_scan_page(page, app)
    wasm = []
    page.on("request", lambda request: wasm.append(request.url) if request.url.endswith(".wasm") else None)

    form.locator("[data-scan-camera]").click()

    expect(form.locator("video")).to_be_visible()
    wait_decoded(page)
    assert [scan["code"] for scan in seen(page, "scans")] == [CAMERA_CODE]
    assert seen(page, "scans")[0]["source"] == "camera"
    assert responder.codes == [CAMERA_CODE]
    assert len(wasm) == 1 and "/static/vendor/zxing_reader-" in wasm[0], wasm  # offline: our own copy
    page.wait_for_timeout(2000)  # the item stays in view: no second read
    assert len(seen(page, "scans")) == 1
    assert seen(page, "violations") == []

    page.evaluate("() => { window.film = document.querySelector('video').srcObject; }")
    form.locator("[data-scan-close]").click()
    expect(form.locator("video")).to_be_hidden()
    assert page.evaluate("() => window.film.getTracks().every((track) => track.readyState === 'ended')")


HIDE_PAGE = """() => {
  Object.defineProperty(document, "hidden", {value: true, configurable: true});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


@pytest.mark.parametrize("leave", [
    "() => document.querySelector('main').replaceChildren()",  # as an htmx swap does
    HIDE_PAGE,
], ids=["swapped-out", "page-hidden"])
def test_camera_stops_when_the_form_goes_away(camera_page, app, leave):
    page = camera_page
    page.route(re.compile(rf".*{SCAN_ACTION}\?.*"), Responder())
    form = open_scan_page(page, app)
    form.locator("[data-scan-camera]").click()
    page.wait_for_function("() => document.querySelector('video')?.srcObject?.active")
    page.evaluate("() => { window.film = document.querySelector('video').srcObject; }")

    page.evaluate(leave)

    page.wait_for_function("() => window.film.getTracks().every((track) => track.readyState === 'ended')")


def test_without_a_camera_a_photo_is_decoded(new_page, app, tmp_path):
    page = new_page(PHONE)  # the default browser has no camera: getUserMedia fails
    responder = Responder()
    page.route(re.compile(rf".*{SCAN_ACTION}\?.*"), responder)
    form = open_scan_page(page, app)

    form.locator("[data-scan-camera]").click()
    photo = form.locator("[data-scan-photo]")
    expect(photo).to_be_visible()
    expect(form.locator("[data-scan-notice]")).to_be_visible()
    assert photo.bounding_box()["height"] >= 44

    path = tmp_path / "label.png"
    path.write_bytes(code128("JXC-0042"))
    page.evaluate("() => { document.querySelector('[data-scan-notice]').hidden = true; }")  # read the next notice
    photo.locator("input[type=file]").set_input_files(path)

    wait_decoded(page)
    assert [(scan["code"], scan["source"]) for scan in seen(page, "scans")] == [("JXC-0042", "photo")]
    assert responder.codes == ["JXC-0042"]
