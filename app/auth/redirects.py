"""The one rule for redirecting to a target the user (or an attacker's link) supplied: same-site paths only."""
import unicodedata
from urllib.parse import urlsplit

from flask import url_for

MAX_LENGTH = 2000


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None; every redirect to a user-given `next` goes through here.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so `/\\t/evil.com` and
    `/\\evil.com` leave the site: refuse any control, format or space character and any backslash rather
    than strip them, then refuse whatever parses with a scheme or a host, or starts with `//`.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return None
    if "\\" in target or any(char.isspace() or unicodedata.category(char).startswith("C") for char in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    if parts.path == url_for("auth.login"):  # no loop back to the sign-in page
        return None
    return target
