"""Scan box test helpers: the real macro served on the live server's origin (so the app's CSP applies),
barcode pictures, and a Chromium whose fake camera films one of them."""
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from barcode import Code128, EAN13
from barcode.writer import ImageWriter
from flask import render_template_string
from PIL import Image

from app import vendor
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

FRAME = (640, 480)
SCAN_ACTION = "/scan-test"
CAMERA_CODE = "6901234567892"  # EAN-13, check digit 2

# Records what the page sees: scan events, finished scans and CSP violations (evaluated over CDP, not
# by a page script, so the page's own CSP is untouched).
RECORDER = """() => {
  window.seen = {scans: [], done: [], violations: []};
  document.addEventListener("scan", (e) => window.seen.scans.push(e.detail));
  document.addEventListener("scan:done", (e) => window.seen.done.push(e.detail));
  document.addEventListener("securitypolicyviolation",
    (e) => window.seen.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
}"""

# A keyboard-wedge scanner's burst, typed inside the page in one task: the keys of page.keyboard.type each cross
# the DevTools connection, and on a loaded machine they came slower than the 30 ms a key that marks a scanner
# (static/js/order.js), so the scan was taken for typing. Synthetic keys insert no text, so it is inserted here.
BURST = """(code) => {
  const box = document.activeElement;
  const key = (name) => box.dispatchEvent(new KeyboardEvent("keydown", {key: name, bubbles: true, cancelable: true}));
  for (const character of code) {
    key(character);
    box.setRangeText(character, box.selectionStart, box.selectionEnd, "end"); // replaces a selection, as a key does
    box.dispatchEvent(new InputEvent("input", {bubbles: true, data: character, inputType: "insertText"}));
  }
  key("Enter");
}"""


def wedge_burst(page, code: str) -> None:
    """Type `code` into the focused box as a wedge scanner does: every key within a millisecond, then Enter."""
    page.evaluate(BURST, code)


INJECT = """(html) => {
  document.querySelector("main").innerHTML = html;  // scripts set by innerHTML do not run: add it as an element
  const script = document.createElement("script");
  script.src = "/static/js/scanner.js";
  document.head.append(script);
}"""


def ean13(code: str) -> bytes:
    """A PNG of an EAN-13 made by python-barcode's ImageWriter (which silently fixes a wrong check digit)."""
    symbol = EAN13(code[:12], writer=ImageWriter())
    assert symbol.get_fullcode() == code, f"{code} has a wrong check digit"
    return _png(symbol)


def code128(code: str) -> bytes:
    return _png(Code128(code, writer=ImageWriter()))


def _png(symbol) -> bytes:
    out = io.BytesIO()
    symbol.write(out, options={"module_width": 0.25, "module_height": 10, "quiet_zone": 4, "dpi": 300})
    return out.getvalue()


def framed(png: bytes) -> Image.Image:
    """The picture centred in a white 640x480 frame, as a camera would film it."""
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    picture.thumbnail((FRAME[0] - 40, FRAME[1] - 40))
    frame = Image.new("RGB", FRAME, "white")
    frame.paste(picture, ((FRAME[0] - picture.width) // 2, (FRAME[1] - picture.height) // 2))
    return frame


def write_y4m(image: Image.Image, path):
    """A one-frame yuv420p Y4M (what Chromium's fake camera plays, looped), made without ffmpeg."""
    width, height = image.size
    luma, blue, red = image.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = [luma.tobytes(), blue.resize(half, Image.BILINEAR).tobytes(), red.resize(half, Image.BILINEAR).tobytes()]
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + b"".join(planes))


def render_scanbox(app, **kwargs) -> str:
    """The real macro's HTML, rendered by the test's app."""
    # Normally a global of every app (app/__init__.py); tests/test_scanner_static.py checks that wiring.
    app.jinja_env.globals.setdefault("scanner_assets", vendor.scanner_assets)
    with app.test_request_context():
        return render_template_string('{% from "macros/scan.html" import scanbox %}{{ scanbox(**kwargs) }}',
                                      kwargs={"action": SCAN_ACTION, **kwargs})


def open_scan_page(page, app, **kwargs):
    """A real app page (base.html, real CSP) with the scan box in its main area, scanner initialised."""
    page.goto("/offline", wait_until="domcontentloaded")
    page.evaluate(RECORDER)
    page.evaluate(INJECT, render_scanbox(app, **kwargs))
    page.wait_for_function("() => window.jxcScanner !== undefined")
    return page.locator("form[data-scanbox]")


class Responder:
    """Answers the scan box's requests to SCAN_ACTION (page.route) and remembers them, in order.
    With hold=True it answers nothing until release(), like a slow server."""

    def __init__(self, status=200, headers=None, hold=False):
        self.requests = []
        self.held = [] if hold else None
        self.status = status
        self.headers = headers or {}

    def __call__(self, route):
        self.requests.append(route.request)
        if self.held is not None:
            self.held.append(route)
        else:
            self.answer(route)

    def answer(self, route):
        word = "unknown" if self.status == 404 else "found"
        route.fulfill(status=self.status, headers={"Content-Type": "text/html; charset=utf-8", **self.headers},
                      body=f'<p class="scan-hit">{word} {scanned_code(route.request)}</p>')

    def release(self):
        held, self.held = self.held or [], None
        for route in held:
            self.answer(route)

    @property
    def codes(self):
        return [scanned_code(request) for request in self.requests]


def scanned_code(request) -> str:
    return parse_qs(urlsplit(request.url).query)["code"][0]


@pytest.fixture(scope="module")
def camera_video(tmp_path_factory):
    """The fake camera's film: an EAN-13 in a 640x480 frame."""
    path = tmp_path_factory.mktemp("camera") / "ean13.y4m"
    write_y4m(framed(ean13(CAMERA_CODE)), path)
    return path



@pytest.fixture(scope="module")
def camera_browser(chromium, camera_video):
    """A second Chromium whose camera films camera_video (one launch per video file)."""
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=CHROMIUM_ARGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                              f"--use-file-for-fake-video-capture={camera_video.resolve()}"])
    yield browser
    browser.close()


@pytest.fixture
def camera_page(app, camera_browser, live_server, judge):
    """A phone-sized page in the filming browser; closed before `app` empties the tables."""
    context = camera_browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server, has_touch=True,
                                         service_workers="block")
    context.set_default_timeout(10_000)
    judge.watch(context)
    yield context.new_page()
    context.close()
