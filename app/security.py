"""Security headers on every response."""
from flask import has_request_context

from app.web import wants_fragment

CSP = "; ".join([
    "default-src 'self'",
    # The camera scanner's barcode decoder is WebAssembly; this allows compiling it, not eval().
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def _is_fragment() -> bool:
    return has_request_context() and wants_fragment()


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    if _is_fragment():
        # An htmx fragment of whatever type: the service worker's Cache Storage ignores Vary, so a stored fragment
        # would later stand in for the full page of the same URL. Kept if a view chose a private cache itself.
        headers.setdefault("Cache-Control", "no-store")
    if response.mimetype == "text/html":
        # Pages carry personal data and a CSRF token: never from a shared or back-forward cache.
        headers.setdefault("Cache-Control", "no-store")
    return response
