"""Engine-level behaviour: SQLite pragmas, and SQLite writers that serialise from their first statement.

SQLite has no SELECT ... FOR UPDATE. A deferred transaction that reads and then writes can lose a
race (SQLITE_BUSY_SNAPSHOT) or, worse, act on what it read before another writer committed. Write
transactions therefore begin with BEGIN IMMEDIATE, which takes the write lock up front (waiting up
to the busy timeout); read-only requests keep plain BEGIN so they never wait for writers (WAL).
PostgreSQL needs none of this: the inventory service locks rows with SELECT ... FOR UPDATE.

A write request is one transaction: its first statement (the API token's lookup, say) takes the lock
and its commit releases it. Reading the token and the idempotency key in read transactions of their
own cost two more BEGIN/COMMIT round trips through the session, a fifth of a stocktake scan's CPU
(issue 19). Where many writers queue for the one lock, though, what a request holds it for bounds how
many of them a second get through: a view marked @reads_first reads (the caller, the idempotency key,
its service's checks) in one read transaction, and its service says where the writes begin
(writing_begins), so the lock is held for the writes alone.
"""
import sqlite3
import time
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flask import g, has_request_context, request

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from app.config import create_private
from app.extensions import db

# True unless the current request is a safe method (GET, HEAD, OPTIONS). CLI commands, tasks and
# tests write, so the default is True.
_write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def set_write_intent(writes: bool):
    """Set whether transactions begun from now on in this context will write; returns a reset token."""
    return _write_intent.set(writes)


def writing() -> bool:
    """Whether transactions begun now write: true outside requests, and in requests other than GET, HEAD and
    OPTIONS (a @reads_first view's from its service's writing_begins() on)."""
    return _write_intent.get()


def reads_first(view):
    """Mark a write view whose service reads and checks before it writes and calls writing_begins() in between: on
    SQLite its request reads in one read transaction up to there. For the writes many clients send at once (a stock
    adjustment: 8 clients queued for the lock got 180 through a second with the checks under it, 200 without)."""
    view.reads_first = True
    return view


def writing_begins() -> None:
    """Where a @reads_first request's writes begin: its read transaction ends (keeping what it loaded) and the next
    statement begins with BEGIN IMMEDIATE. Anywhere else (a request already writing, a command, a test,
    PostgreSQL) nothing changes."""
    if not g.pop("_reading_first", False):
        return
    _write_intent.set(True)
    with _keeping_loaded() as session:
        if session.in_transaction() and db.engine.dialect.name == "sqlite":
            session.commit()


@contextmanager
def _keeping_loaded():
    """The session, whose commits in the block expire nothing it loaded: the request goes on with the same objects."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield session
    finally:
        session.expire_on_commit = expire


@contextmanager
def written_apart():
    """For what a read request must write before it can read on (the chart of accounts seeded on first use): the
    block runs in a write transaction of its own, committed when it ends. On SQLite a read transaction cannot become
    a writer once another has committed since it began (SQLITE_BUSY_SNAPSHOT, "database is locked" at once, with no
    wait): so the read transaction ends first (nothing of what it loaded is expired), the block begins with BEGIN
    IMMEDIATE and waits its turn, and the request then reads on in a new read transaction that sees what was
    written. In a write request, or outside requests (commands, tasks, tests), the block is simply part of the
    transaction under way."""
    if writing() or not has_request_context():
        yield
        return
    token = _write_intent.set(True)
    try:
        with _keeping_loaded() as session:
            session.commit()  # the read transaction: nothing to write
            try:
                yield
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        _write_intent.reset(token)


def commit_hint(statement) -> None:
    """Run and commit at once what a read request notes in passing (a token's or a session's "last used"), keeping
    what it loaded. Only a hint: on SQLite a reader that loses a race to a writer drops it rather than failing."""
    with _keeping_loaded() as session:
        try:
            session.execute(statement)
            session.commit()
        except OperationalError:
            session.rollback()


def init_app(app) -> None:
    """Requests with safe methods read; the rest write. The previous value comes back afterwards."""

    @app.before_request
    def start_request():
        writes = request.method not in SAFE_METHODS
        if writes and getattr(app.view_functions.get(request.endpoint), "reads_first", False):
            writes, g._reading_first = False, True  # until its service's writing_begins()
        g._write_intent_token = set_write_intent(writes)

    @app.teardown_request
    def end_request(_error):
        if token := g.pop("_write_intent_token", None):
            _write_intent.reset(token)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


BUSY_TIMEOUT_MS = 10000


@event.listens_for(Engine, "do_connect")
def _sqlite_private_file(dialect, _record, cargs, cparams):
    """Create a new SQLite database file with mode 0600 before SQLite does (it would use 0644 under the usual
    umask). SQLite gives the -wal and -shm files the database file's mode, so they are private too."""
    if dialect.name != "sqlite" or cparams.get("uri") or not cargs:
        return
    name = str(cargs[0])
    if name and name != ":memory:" and not name.startswith("file:"):
        create_private(Path(name))


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    """WAL, foreign keys and a busy timeout on every SQLite connection; we issue BEGIN ourselves."""
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None  # stop pysqlite's own implicit BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Read the database file through a memory map: a search reads the product table whole, and the
    # page cache (2 MB) is emptied whenever another connection writes.
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name != "sqlite":
        return
    if _write_intent.get():
        _begin_immediate(connection)
    else:
        connection.exec_driver_sql("BEGIN")


def _begin_immediate(connection) -> None:
    """BEGIN IMMEDIATE, tried again every fifth of a millisecond while another writer holds the lock.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15 ... ms between its tries, so behind a stream of
    short write transactions a waiting writer slept through most of the moments the lock was free.
    After BUSY_TIMEOUT_MS it gives up as SQLite would (OperationalError: database is locked).
    """
    dbapi_connection = connection.connection.dbapi_connection
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        while time.monotonic() < deadline:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
            time.sleep(0.0002)
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the last try, raising SQLAlchemy's error
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
