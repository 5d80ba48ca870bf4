"""Idempotency keys: the same user sending the same key gets the first response, once.

The API handles every POST in app/api/idempotent.py; HTML forms carry a hidden key and use
`previous` and `commit_once` to send a double tap to the first result.
"""
import hashlib
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, bindparam, delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 100


class IdempotencyRecord(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100), default="")
    location: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("user_id", "key"),)


def fingerprint(*parts) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def previous(user_id: int, key: str):
    """The record kept for this user's key within the last 24 hours (a row with the record's columns)."""
    return db.session.execute(_PREVIOUS, {"user_id": user_id, "key": key, "since": utcnow() - LIFETIME}).first()


class _KeyTaken(Exception):
    """A twin request (the same user and key) kept its answer first: this one's work is to be rolled back."""


def _remember(user_id: int, key: str, request_hash: str, status: int, body: str = "",
             content_type: str = "", location: str = "") -> None:
    """Keep the response for this key, in the caller's transaction, so both commit together: one statement that
    takes the key, or the place of an expired record under it. _KeyTaken when a twin's live record holds it, whether
    committed since `previous` looked or still committing (PostgreSQL waits for that twin's end)."""
    connection = db.session.connection()
    now = utcnow()
    taken = connection.execute(_REMEMBER, {
        "user_id": user_id, "key": key, "request_hash": request_hash, "status": status, "body": body,
        "content_type": content_type, "location": location, "created_at": now, "before": now - LIFETIME}).first()
    if taken is None:
        raise _KeyTaken(key)


# Built once: every API write with a key runs them (SQLAlchemy then skips constructing them and their cache keys).
_RECORD = IdempotencyRecord.__table__
_PREVIOUS = select(_RECORD).where(_RECORD.c.user_id == bindparam("user_id"), _RECORD.c.key == bindparam("key"),
                                  _RECORD.c.created_at > bindparam("since"))


# INSERT ... ON CONFLICT (user, key) DO UPDATE only where the record there has expired, RETURNING its id: no row back
# means a live twin holds the key. Plain SQL that SQLite (3.35+) and PostgreSQL both run as is: SQLAlchemy compiles
# its own ON CONFLICT constructs afresh on every call (they are not cacheable), which cost a scan 0.3 ms.
_KEPT = ("request_hash", "status", "content_type", "location", "body", "created_at")
_REMEMBER = text(
    f'INSERT INTO {_RECORD.name} (user_id, "key", {", ".join(_KEPT)}) '
    f'VALUES (:user_id, :key, {", ".join(":" + name for name in _KEPT)}) '
    f'ON CONFLICT (user_id, "key") DO UPDATE SET {", ".join(f"{name} = excluded.{name}" for name in _KEPT)} '
    f"WHERE {_RECORD.name}.created_at <= :before RETURNING id"
).bindparams(bindparam("created_at", type_=UTCDateTime()), bindparam("before", type_=UTCDateTime()))


def commit_once(user_id: int, key: str, request_hash: str, status: int, body: str = "", content_type: str = "",
                location: str = ""):
    """Commit the work with its answer kept under the key (`_remember`). If a twin's answer holds the key, roll back
    and return the twin's record (a row with the record's columns) to answer as it did; else None."""
    try:
        _remember(user_id, key, request_hash, status, body, content_type, location)
        db.session.commit()
        return None
    except (_KeyTaken, IntegrityError):
        db.session.rollback()
        record = previous(user_id, key)
        if record is None:  # not a twin: the work itself broke a unique rule
            raise
        return record


def purge_expired() -> int:
    """Delete records older than 24 hours; returns how many."""
    return db.session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.created_at <= utcnow() - LIFETIME)).rowcount
