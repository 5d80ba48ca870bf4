"""The scan box without a browser: vendored decoder files present, matching and served; the macro's markup;
the wiring the scanner needs from the app (its Jinja global, a CSP that lets the wasm compile)."""
import hashlib
import re
import subprocess

import pytest
from flask import render_template_string

from app import vendor
from app.config import ROOT

SCANBOX = '{% from "macros/scan.html" import scanbox %}{{ scanbox(**kwargs) }}'


def render(app, **kwargs):
    with app.test_request_context():
        return render_template_string(SCANBOX, kwargs={"action": "/products/scan", **kwargs})


def test_decoder_versions_are_pinned_and_in_the_file_names():
    version = vendor.PACKAGES["barcode-detector"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "pin an exact version"
    assert vendor.LOCKED["node_modules/barcode-detector"]["version"] == version
    wanted = vendor.LOCKED["node_modules/barcode-detector"]["dependencies"]["zxing-wasm"]
    assert vendor.ZXING_WASM_VERSION == wanted, "the wasm must come from barcode-detector's own zxing-wasm"
    assert f"-{version}/" in vendor.BARCODE_DETECTOR_MODULE
    assert vendor.ZXING_READER_WASM.endswith(f"-{vendor.ZXING_WASM_VERSION}.wasm")


def test_vendored_wasm_is_the_one_the_decoder_expects():
    """barcode-detector embeds the SHA-256 and version of the reader wasm it was built with."""
    bundle = (ROOT / "static" / vendor.BARCODE_DETECTOR_MODULE).with_name("zxing-exported.js").read_text()
    wasm = (ROOT / "static" / vendor.ZXING_READER_WASM).read_bytes()
    assert hashlib.sha256(wasm).hexdigest() in bundle
    assert f'"{vendor.ZXING_WASM_VERSION}"' in bundle
    ponyfill = (ROOT / "static" / vendor.BARCODE_DETECTOR_MODULE).read_text()
    assert re.findall(r'from\s*"([^"]+)"', ponyfill) == ["./zxing-exported.js"], "the module loads one sibling file"


def test_make_static_is_up_to_date_and_idempotent():
    result = subprocess.run(["make", "-q", "static"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"`make static` would do work after it ran: {result.stdout}{result.stderr}"


@pytest.mark.parametrize("path, mimetype", [
    ("js/scanner.js", "text/javascript"),
    (vendor.BARCODE_DETECTOR_MODULE, "text/javascript"),
    (vendor.BARCODE_DETECTOR_MODULE.replace("ponyfill.js", "zxing-exported.js"), "text/javascript"),
    (vendor.ZXING_READER_WASM, "application/wasm"),  # instantiateStreaming needs this type
])
def test_scanner_files_are_served(client, path, mimetype):
    response = client.get(f"/static/{path}")
    assert response.status_code == 200
    assert response.mimetype == mimetype


def test_scanbox_renders_a_plain_get_form_with_the_decoder_locations(app):
    app.jinja_env.globals.setdefault("scanner_assets", vendor.scanner_assets)
    html = render(app)
    form = re.search(r'<form class="scan-form" id="scan-code" action="/products/scan" method="get"[^>]*>', html)
    assert form and "data-scanbox" in form.group()
    assert 'name="code"' in html and 'data-scan-results' in html
    assert f'data-scan-decoder="/static/{vendor.BARCODE_DETECTOR_MODULE}"' in html
    assert f'data-scan-wasm="/static/{vendor.ZXING_READER_WASM}"' in html
    assert 'accept="image/*" capture="environment"' in html
    assert '<script src="/static/js/scanner.js" defer></script>' in html
    assert not re.search(r"\sstyle=|\son[a-z]+=", html), "the CSP forbids inline styles and handlers"

    other = render(app, name="barcode", target="#lines", label="Scan an item", id="line-scan")
    assert 'id="line-scan"' in other and 'name="barcode"' in other and 'data-scan-target="#lines"' in other
    assert "data-scan-results" not in other and "Scan an item" in other


def test_the_app_gives_templates_the_scanner_assets(app):
    assert app.jinja_env.globals.get("scanner_assets") is vendor.scanner_assets, (
        "register it in app/__init__.py: app.add_template_global(vendor.scanner_assets)")


def test_pages_let_the_barcode_wasm_compile(client):
    """Chromium refuses to compile WebAssembly under a script-src without 'wasm-unsafe-eval'."""
    csp = client.get("/login").headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src")).split()
    assert "'wasm-unsafe-eval'" in script_src and "'unsafe-eval'" not in script_src, csp


@pytest.mark.parametrize("script", ["order.js", "receiving.js", "stocktake.js"])
def test_scanning_screens_send_no_scan_themselves(script):
    """One scan queue: scanner.js posts a screen's scans (or stocktake's outbox keeps them); a screen's own queue
    would send a burst out of order, or a retried scan twice."""
    source = (ROOT / "static" / "js" / script).read_text()
    assert "fetch(" not in source and "Promise.resolve()" not in source, f"{script} sends scans itself"
