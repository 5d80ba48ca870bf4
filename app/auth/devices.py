"""Device cookies: a browser that has signed in as a user before may keep trying when that account is locked.

Without them, five wrong passwords from anywhere lock the owner out too. Following OWASP's "Slow Down
Online Guessing Attacks with Device Cookies": a successful sign-in leaves a signed cookie naming the
user and a random nonce; attempts that carry a valid one for the username typed are limited per cookie
(throttle.login_allowed), not per account or address, so an attacker's lockout of the account does not
reach the devices its owner already uses. The cookie proves nothing alone: the password is still checked.
"""
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "jxc_device"
MAX_AGE = 180 * 24 * 3600  # a device unused for half a year is untrusted again


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="auth.device")


def trusted(username: str) -> str | None:
    """The nonce of this browser's device cookie if it is valid and was issued to `username`, else None."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        payload = _serializer().loads(value, max_age=MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("u") != (username or "").strip().lower():
        return None
    nonce = payload.get("n")
    return nonce if isinstance(nonce, str) and nonce else None


def remember(response, username: str) -> None:
    """Mark this browser as a device of `username` (a fresh nonce at every successful sign-in)."""
    value = _serializer().dumps({"u": username.strip().lower(), "n": secrets.token_urlsafe(16)})
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
