"""Sign-in throttling per account and per address, shared by every worker process.

The counting is the `limits` library's; its storage is Redis when REDIS_URL is set, otherwise a
table in the database, so N gunicorn workers (or machines) see the same counters. On SQLite that
table lives in a file of its own beside the main one: the request's write transaction holds the
main file's lock, and the counters must commit on their own (a refused sign-in rolls back).
"""
import time
from pathlib import Path

from flask import current_app
from limits import parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Float, Integer, String, create_engine, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class RateLimitCounter(db.Model):
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float)  # epoch seconds, as `limits` speaks


class DatabaseStorage(Storage):
    """A `limits` storage over the app's database (fixed-window strategy)."""

    STORAGE_SCHEME = ["jxcdb"]

    def __init__(self, uri: str | None = None, engine=None, **options):
        super().__init__(uri, **options)
        self.engine = engine

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = RateLimitCounter.__table__
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = insert(table).values(key=key, count=amount, expires_at=now + expiry)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key], set_={"count": table.c.count + amount}
        ).returning(table.c.count)
        with self.engine.begin() as connection:
            connection.execute(delete(table).where(table.c.key == key, table.c.expires_at <= now))
            return connection.execute(statement).scalar_one()

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.count if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row.expires_at if row else time.time()

    def check(self) -> bool:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(RateLimitCounter.__table__).where(RateLimitCounter.key == key))

    def _row(self, key):
        table = RateLimitCounter.__table__
        with self.engine.connect() as connection:
            return connection.execute(
                select(table.c.count, table.c.expires_at).where(table.c.key == key, table.c.expires_at > time.time())
            ).first()


def _limiter() -> FixedWindowRateLimiter:
    app = current_app._get_current_object()
    limiter = app.extensions.get("jxc_throttle")
    if limiter is None:
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
    limiter = _limiter()
    return all([limiter.hit(item, "share-address", address) for item in parse_many(current_app.config["SHARE_LIMITS"])])


def reset() -> None:
    """Forget every count (for tests, or after an attack has passed)."""
    _limiter().storage.reset()
