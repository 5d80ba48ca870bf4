""""Trust this device for 30 days": a browser that passed the second step may skip it for a while.

The cookie is signed and names the user and a random token; it counts only while a TrustedDevice row holds the
token's hash and has not expired, so the devices page, the owner's "end everything", a password change or signing
out everywhere (services.end_sessions deletes the rows) take the trust back at once, wherever the cookie went.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select

from app.auth.models import TrustedDevice, User
from app.db_types import utcnow
from app.extensions import db

COOKIE = "jxc_trusted"
DAYS = 30


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="auth.trusted-device")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def trusted(user: User) -> TrustedDevice | None:
    """This browser's trusted-device row for `user`, if its cookie is valid and the row still stands."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        payload = _serializer().loads(value, max_age=DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("u") != user.id or not isinstance(payload.get("t"), str):
        return None
    device = db.session.scalar(select(TrustedDevice).where(TrustedDevice.token_hash == _hash(payload["t"]),
                                                           TrustedDevice.user_id == user.id))
    if device is None or device.expires_at <= utcnow():
        return None
    device.last_used_at = utcnow()
    return device


def trust(response, user: User, user_agent: str, ip: str) -> None:
    """Remember this browser for DAYS days: a row, and the cookie that points at it."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(TrustedDevice(user_id=user.id, token_hash=_hash(token), created_at=now,
                                 expires_at=now + timedelta(days=DAYS), user_agent=(user_agent or "")[:255],
                                 ip=(ip or "")[:45]))
    response.set_cookie(COOKIE, _serializer().dumps({"u": user.id, "t": token}), max_age=DAYS * 86400,
                        httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])


def devices_of(user: User) -> list[TrustedDevice]:
    return list(db.session.scalars(select(TrustedDevice).where(
        TrustedDevice.user_id == user.id, TrustedDevice.expires_at > utcnow()).order_by(TrustedDevice.id.desc())))


def forget(user: User, device_id: int) -> bool:
    """Remove one of the user's own trusted devices; False when it is not theirs (or gone already)."""
    return db.session.execute(delete(TrustedDevice).where(TrustedDevice.id == device_id,
                                                          TrustedDevice.user_id == user.id)).rowcount == 1
