"""Idempotency keys: the same user sending the same key gets the first response, once.

The API handles every POST in app/api/idempotent.py; HTML forms carry a hidden key and use
`previous`, `remember` and `commit_once` to send a double tap to the first result.
"""
import hashlib
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, bindparam, delete, select
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


def remember(user_id: int, key: str, request_hash: str, status: int, body: str = "",
             content_type: str = "", location: str = "") -> None:
    """Keep the response for this key; added to the caller's transaction, so both commit together. A twin's record
    committed meanwhile fails the commit on the unique key (see commit_once)."""
    now = utcnow()
    connection = db.session.connection()
    connection.execute(_FORGET_EXPIRED, {"user_id": user_id, "key": key, "before": now - LIFETIME})
    connection.execute(_INSERT, {"user_id": user_id, "key": key, "request_hash": request_hash, "status": status,
                                 "body": body, "content_type": content_type, "location": location, "created_at": now})


# Built once: every API write with a key runs both (SQLAlchemy then skips constructing them and their cache keys).
_RECORD = IdempotencyRecord.__table__
_PREVIOUS = select(_RECORD).where(_RECORD.c.user_id == bindparam("user_id"), _RECORD.c.key == bindparam("key"),
                                  _RECORD.c.created_at > bindparam("since"))
_FORGET_EXPIRED = delete(_RECORD).where(_RECORD.c.user_id == bindparam("user_id"), _RECORD.c.key == bindparam("key"),
                                        _RECORD.c.created_at <= bindparam("before"))
_INSERT = _RECORD.insert()


def commit_once(user_id: int, key: str):
    """Commit the work and its record; if a concurrent twin committed first, roll back and return its record."""
    try:
        db.session.commit()
        return None
    except IntegrityError:
        db.session.rollback()
        record = previous(user_id, key)
        if record is None:
            raise
        return record


def purge_expired() -> int:
    """Delete records older than 24 hours; returns how many."""
    return db.session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.created_at <= utcnow() - LIFETIME)).rowcount
