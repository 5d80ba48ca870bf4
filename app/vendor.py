"""Vendored front-end files: their versions come from package.json and package-lock.json, the one place
they are pinned. `make static` runs this file as a script (plain Python, no app import) to copy them
from node_modules into static/vendor under the names below, so the app and the Makefile cannot disagree.
"""
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"

PACKAGES = json.loads((ROOT / "package.json").read_text())["dependencies"]
LOCKED = json.loads((ROOT / "package-lock.json").read_text())["packages"]


def installed_path(name: str, parent: str | None = None) -> str:
    """Where npm puts package `name`: nested under `parent` if the lock file nests it, else top level."""
    nested = f"node_modules/{parent}/node_modules/{name}"
    return nested if parent and nested in LOCKED else f"node_modules/{name}"


HTMX_VERSION = PACKAGES["htmx.org"]
HTMX_SCRIPT = f"vendor/htmx-{HTMX_VERSION}.min.js"

# The camera scanner's decoder: barcode-detector's ES modules (loaded lazily by static/js/scanner.js) and
# the ZXing-C++ reader wasm of the zxing-wasm version that barcode-detector itself depends on.
BARCODE_DETECTOR_VERSION = PACKAGES["barcode-detector"]
_ZXING = installed_path("zxing-wasm", parent="barcode-detector")
ZXING_WASM_VERSION = LOCKED[_ZXING]["version"]
BARCODE_DETECTOR_MODULE = f"vendor/barcode-detector-{BARCODE_DETECTOR_VERSION}/ponyfill.js"
ZXING_READER_WASM = f"vendor/zxing_reader-{ZXING_WASM_VERSION}.wasm"

# static/<destination>: node_modules source. The ponyfill imports "./zxing-exported.js" beside it.
SCANNER_FILES = {
    BARCODE_DETECTOR_MODULE: "node_modules/barcode-detector/dist/es/ponyfill.js",
    f"vendor/barcode-detector-{BARCODE_DETECTOR_VERSION}/zxing-exported.js":
        "node_modules/barcode-detector/dist/es/zxing-exported.js",
    ZXING_READER_WASM: f"{_ZXING}/dist/reader/zxing_reader.wasm",
}


def scanner_assets() -> dict:
    """The decoder files scanner.js loads, as static filenames (a Jinja global for macros/scan.html)."""
    return {"decoder": BARCODE_DETECTOR_MODULE, "wasm": ZXING_READER_WASM}


def copy_scanner_files():
    """Replace any other version of the scanner's vendored files with the pinned ones."""
    vendor = STATIC / "vendor"
    for old in [*vendor.glob("barcode-detector-*"), *vendor.glob("zxing_reader-*.wasm")]:
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    for destination, source in SCANNER_FILES.items():
        target = STATIC / destination
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / source, target)


if __name__ == "__main__":  # used by the Makefile: `vendor.py scanner-files` | `vendor.py copy-scanner`
    if sys.argv[1:] == ["scanner-files"]:
        print(" ".join(f"static/{name}" for name in SCANNER_FILES))
    elif sys.argv[1:] == ["copy-scanner"]:
        copy_scanner_files()
    else:
        sys.exit("usage: vendor.py scanner-files | copy-scanner")
