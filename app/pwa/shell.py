"""The app shell the service worker keeps offline, and the version that names its caches.

One stylesheet (app/assets.py), linked by templates/base.html and precached by the service worker through
the same function, so the page and the precache cannot drift apart.
"""
import hashlib
import os
from pathlib import Path

from flask import current_app, request, url_for

from app import assets, vendor

# Counting and orders taken without signal are the offline jobs.
SCRIPTS = ("js/app.js", "js/outbox.js", "js/scanner.js", "js/stocktake.js", "js/offline_data.js",
           "js/offline_orders.js")
# Screens drawn from what the phone keeps: the worker fetches them with the user's cookies when asked (static/sw.js).
KEPT_PAGES = ("sales.offline_order",)
# The page's own icon. The manifest's 512 px icons are not kept: only installing reads them, and that is online.
ICONS = ("icons/icon-192.png",)
IMMUTABLE = "public, max-age=31536000, immutable"
# Besides static/, what the precached offline page is made of.
TEMPLATES = ("base.html", "pwa/offline.html")

_versions: dict[tuple, str] = {}


def stylesheet() -> str:
    """The URL of the stylesheet every page links, named after its content (built first if need be)."""
    return url_for("static", filename=assets.stylesheet(current_app.static_folder))


def cache_built_files(response):
    """The built stylesheet is cached for a year: its name changes with its content."""
    if (request.endpoint == "static" and response.status_code == 200
            and request.view_args["filename"].startswith(f"{assets.BUILD}/")):
        response.headers["Cache-Control"] = IMMUTABLE
    return response


def precache_urls() -> list[str]:
    """The app shell: the offline page, the manifest and the static files every page needs."""
    files = [assets.stylesheet(current_app.static_folder), *SCRIPTS, vendor.HTMX_SCRIPT, *ICONS]
    return [url_for("pwa.offline"), url_for("pwa.manifest")] + [url_for("static", filename=name) for name in files]


def kept_pages() -> list[str]:
    """The URLs of the screens the service worker keeps for offline use once the phone has their data."""
    return [url_for(endpoint) for endpoint in KEPT_PAGES]


def _shell_files() -> list[tuple[str, Path]]:
    """(name, path) of every static file and of the offline page's templates."""
    static = Path(current_app.static_folder).resolve()
    templates = Path(current_app.root_path, current_app.template_folder).resolve()
    # Not static/build: what is built there is made from the other files, and appears when a process first runs.
    files = sorted((f"static/{path.relative_to(static)}", path) for path in static.rglob("*")
                   if path.is_file() and path.relative_to(static).parts[0] != assets.BUILD)
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
