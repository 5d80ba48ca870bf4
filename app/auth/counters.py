"""The sign-in counters' `limits` storage over the app's database (auth.throttle uses it without REDIS_URL).

A module of its own so that `limits` is imported with the first sign-in, not by every worker at start.
"""
import time

from limits.storage import Storage
from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from app.auth.throttle import RateLimitCounter


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
