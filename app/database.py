"""Engine-level behaviour: SQLite pragmas, and SQLite writers that serialise from their first statement.

SQLite has no SELECT ... FOR UPDATE. A deferred transaction that reads and then writes can lose a
race (SQLITE_BUSY_SNAPSHOT) or, worse, act on what it read before another writer committed. Write
transactions therefore begin with BEGIN IMMEDIATE, which takes the write lock up front (waiting up
to the busy timeout); read-only requests keep plain BEGIN so they never wait for writers (WAL).
PostgreSQL needs none of this: the inventory service locks rows with SELECT ... FOR UPDATE.
"""
from contextvars import ContextVar

from flask import g, request

from sqlalchemy import event
from sqlalchemy.engine import Engine

# True unless the current request is a safe method (GET, HEAD, OPTIONS). CLI commands, tasks and
# tests write, so the default is True.
_write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def set_write_intent(writes: bool):
    """Set whether transactions begun from now on in this context will write; returns a reset token."""
    return _write_intent.set(writes)


def init_app(app) -> None:
    """Requests with safe methods read; the rest write. The previous value comes back afterwards."""

    @app.before_request
    def start_request():
        g._write_intent_token = set_write_intent(request.method not in SAFE_METHODS)

    @app.teardown_request
    def end_request(_error):
        if token := g.pop("_write_intent_token", None):
            _write_intent.reset(token)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    """WAL, foreign keys and a busy timeout on every SQLite connection; we issue BEGIN ourselves."""
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None  # stop pysqlite's own implicit BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
