"""Vendored front-end files: their versions come from package.json, the one place they are pinned."""
import json

from app.config import ROOT

PACKAGES = json.loads((ROOT / "package.json").read_text())["dependencies"]
HTMX_VERSION = PACKAGES["htmx.org"]
HTMX_SCRIPT = f"vendor/htmx-{HTMX_VERSION}.min.js"
