"""Sign-in throttling per account and per address, shared by every worker process.

The counting is the `limits` library's; its storage is Redis when REDIS_URL is set, otherwise a
table in the database, so N gunicorn workers (or machines) see the same counters. On SQLite that
table lives in a file of its own beside the main one: the request's write transaction holds the
main file's lock, and the counters must commit on their own (a refused sign-in rolls back).
"""
from pathlib import Path

from flask import current_app
from sqlalchemy import Float, Integer, String, create_engine
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class RateLimitCounter(db.Model):
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float)  # epoch seconds, as `limits` speaks


def _limiter():
    """The process's limiter, made on the first sign-in (`limits` is imported then, not by every worker at start)."""
    app = current_app._get_current_object()
    limiter = app.extensions.get("jxc_throttle")
    if limiter is None:
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter

        from app.auth.counters import DatabaseStorage
        redis_url = app.config.get("REDIS_URL")
        storage = storage_from_string(redis_url) if redis_url else DatabaseStorage(engine=_counter_engine())
        limiter = app.extensions["jxc_throttle"] = FixedWindowRateLimiter(storage)
    return limiter


def _counter_engine():
    """The main engine on PostgreSQL; on SQLite, an engine on `<db>-throttle.db` beside it."""
    if db.engine.dialect.name != "sqlite":
        return db.engine
    main = Path(db.engine.url.database)
    engine = create_engine(f"sqlite:///{main.with_name(main.stem + '-throttle.db')}")
    RateLimitCounter.__table__.create(engine, checkfirst=True)
    return engine


def _limits():
    from limits import parse_many
    per_account, per_address = current_app.config["LOGIN_LIMITS"]
    return parse_many(per_account), parse_many(per_address)


def login_allowed(username: str, address: str, device: str | None = None) -> bool:
    """Whether another sign-in attempt may be made now; counts the attempt against the address.

    `device` is the nonce of a valid device cookie for this username (auth.devices): such attempts
    are limited per device cookie only, so locking out the account or the address does not lock out a
    device that has signed in as this user before.
    """
    limiter = _limiter()
    per_account, per_address = _limits()
    if device:
        return all(limiter.test(item, "login-device", device) for item in per_account)
    account_key = username.strip().lower()
    if not all(limiter.test(item, "login-account", account_key) for item in per_account):
        return False
    return all([limiter.hit(item, "login-address", address) for item in per_address])


def login_failed(username: str, device: str | None = None) -> bool:
    """Count a failed attempt (a password, or a code at the second step) against the device cookie it carried, or
    else against the account. True when this attempt used up a limit: the account (or device) is now locked out."""
    limiter = _limiter()
    scope, key = ("login-device", device) if device else ("login-account", username.strip().lower())
    locked = False
    for item in _limits()[0]:
        limiter.hit(item, scope, key)
        # Exactly at the limit: this attempt locked it (later ones, refused before counting, never reach here).
        locked = locked or limiter.storage.get(item.key_for(scope, key)) == item.amount
    return locked


def invitation_allowed(address: str) -> bool:
    """Whether this address may try another invitation link: wrong links count like failed sign-ins, so
    guessing tokens is as slow as guessing passwords."""
    limiter = _limiter()
    return all(limiter.test(item, "invite-address", address) for item in _limits()[0])


def invitation_failed(address: str) -> None:
    limiter = _limiter()
    for item in _limits()[0]:
        limiter.hit(item, "invite-address", address)


def share_allowed(address: str) -> bool:
    """Whether this address may open another share link (page or PDF): counts the opening. Tokens are signed, so
    the limit is against scraping and against PDF renders used to load the server, not against guessing."""
    from limits import parse_many
    limiter = _limiter()
    return all([limiter.hit(item, "share-address", address) for item in parse_many(current_app.config["SHARE_LIMITS"])])


def reset() -> None:
    """Forget every count (for tests, or after an attack has passed)."""
    _limiter().storage.reset()
