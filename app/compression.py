"""Text responses gzipped for browsers that accept it: pages, fragments, JSON and static files.

On a phone's slow link this was Lighthouse's first saving (80-106 KiB a page). A static file is compressed once
per process and kept (or its `.gz` copy is sent, where one was written beside it: app/assets.py); pages are
compressed as they leave, at a moderate level (well under a millisecond for a page). Streamed responses
(exports, downloads), responses already encoded and bodies under a kilobyte go out as they are.
"""
import gzip
import os

from flask import current_app, request
from werkzeug.security import safe_join

MIN_SIZE = 1024  # below this the header and the work cost more than the bytes saved
PAGE_LEVEL = 6
TYPES = {"text/html", "text/css", "text/javascript", "application/javascript", "application/json",
         "application/problem+json", "application/manifest+json", "image/svg+xml", "application/wasm",
         "text/plain", "text/csv", "application/xml", "text/xml"}
_static: dict[str, tuple] = {}  # path: (size, mtime_ns, gzipped bytes)


def compress(response):
    """Gzip `response` when the browser accepts it and it is worth it; `Vary: Accept-Encoding` on every text type."""
    if response.mimetype not in TYPES:
        return response
    response.vary.add("Accept-Encoding")
    if (response.status_code != 200 or request.method != "GET" or "Content-Encoding" in response.headers
            or request.accept_encodings["gzip"] <= 0):
        return response
    if request.endpoint == "static" and response.direct_passthrough:
        body = _static_gzip(safe_join(current_app.static_folder, request.view_args["filename"]))
        if body is None:
            return response
        if hasattr(response.response, "close"):
            response.response.close()  # the file send_file opened
        response.direct_passthrough = False
    elif response.is_streamed or response.direct_passthrough:
        return response
    else:
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        body = gzip.compress(data, PAGE_LEVEL, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.headers.pop("Accept-Ranges", None)  # ranges would be of the encoded bytes: not offered
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)  # another encoding of the same content (If-None-Match compares weakly)
    return response


def _static_gzip(path: str | None) -> bytes | None:
    """The gzipped bytes of a static file (None when too small): its `.gz` copy if as new, else made once."""
    if path is None:
        return None
    stat = os.stat(path)
    if stat.st_size < MIN_SIZE:
        return None
    kept = _static.get(path)
    if kept and kept[:2] == (stat.st_size, stat.st_mtime_ns):
        return kept[2]
    try:
        copy = os.stat(path + ".gz")
        fresh = copy.st_mtime_ns >= stat.st_mtime_ns
    except OSError:
        fresh = False
    with open(path + ".gz" if fresh else path, "rb") as file:
        body = file.read() if fresh else gzip.compress(file.read(), 9, mtime=0)
    _static[path] = (stat.st_size, stat.st_mtime_ns, body)
    return body
