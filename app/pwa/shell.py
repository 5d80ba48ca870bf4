"""The app shell the service worker keeps offline, and the version that names its caches.

One list of area stylesheets, read by templates/base.html and by the service worker's precache, so the
page and the precache cannot drift apart.
"""
import hashlib
import os
from pathlib import Path

from flask import current_app, url_for

from app import vendor

# Every screen loads these (base.html); each area adds rules to its own file.
STYLESHEETS = ("app", "catalog", "inventory", "scan", "partners", "sales", "purchasing", "receiving",
               "documents", "stocktake", "reports")
SCRIPTS = ("js/app.js", "js/outbox.js", "js/scanner.js", "js/stocktake.js")  # counting is the offline job
ICONS = ("icons/icon-192.png", "icons/icon-512.png", "icons/icon-maskable-512.png")
# Besides static/, what the precached offline page is made of.
TEMPLATES = ("base.html", "pwa/offline.html")

_versions: dict[tuple, str] = {}


def precache_urls() -> list[str]:
    """The app shell: the offline page, the manifest and the static files every page needs."""
    files = [f"css/{sheet}.css" for sheet in STYLESHEETS] + [*SCRIPTS, vendor.HTMX_SCRIPT, *ICONS]
    return [url_for("pwa.offline"), url_for("pwa.manifest")] + [url_for("static", filename=name) for name in files]


def _shell_files() -> list[tuple[str, Path]]:
    """(name, path) of every static file and of the offline page's templates."""
    static = Path(current_app.static_folder).resolve()
    templates = Path(current_app.root_path, current_app.template_folder).resolve()
    files = sorted((f"static/{path.relative_to(static)}", path) for path in static.rglob("*") if path.is_file())
    return files + [(f"templates/{name}", templates / name) for name in TEMPLATES]


def shell_version() -> str:
    """A digest of the static files' and offline page's contents: a deploy that changes any of them changes
    the service worker's bytes, so browsers install the new worker and its fresh caches.

    Contents, not modification times, so every process and machine of one deploy agrees. Hashed again only
    when a file's size or modification time changes (a stat of each file per request is cheap; reading the
    vendored wasm each time is not).
    """
    files = _shell_files()
    signature = tuple((str(path), stat.st_size, stat.st_mtime_ns) for _name, path in files
                      for stat in [os.stat(path)])
    if signature not in _versions:
        digest = hashlib.sha256()
        for name, path in files:
            digest.update(name.encode() + b"\0")  # a renamed or added file is a change too
            digest.update(path.read_bytes())
        _versions.clear()  # only the current signature is worth keeping
        _versions[signature] = digest.hexdigest()[:12]
    return _versions[signature]
