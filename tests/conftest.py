"""Fixtures in flaskr's shape: app, client, login(role). Every test runs on the engine DATABASE_URL names
(SQLite in a temporary file by default, PostgreSQL in CI's second run)."""
import os
import re

import pytest
from flask import g, has_request_context, request
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Engine

from app import create_app
from app.auth import throttle
from app.config import TestConfig, database_url
from app.database import set_write_intent, writing
from app.extensions import db, init_migrations
from tests import factories

PASSWORD = factories.PASSWORD

# Files that take minutes, not seconds: started first, one per worker, so the many short files fill in around them
# instead of one long file running alone at the end while the other worker idles (make test passes
# --no-loadscope-reorder, so pytest-xdist hands files out in this order).
LONGEST_FIRST = ("tests/test_api_schemathesis.py", "tests/browser/test_axe_screens.py")


def pytest_collection_modifyitems(items):
    """The longest files first, then the others by number of tests, most first (xdist's own order otherwise)."""
    files = [item.nodeid.split("::")[0] for item in items]
    sizes = {name: files.count(name) for name in set(files)}
    first = {name: place for place, name in enumerate(LONGEST_FIRST)}
    order = {id(item): (first.get(name, len(first)), -sizes[name], name) for item, name in zip(items, files)}
    items.sort(key=lambda item: order[id(item)])


# -- a page writes nothing in its read transaction -----------------------------------------------------------------
# A request that reads (GET, HEAD, OPTIONS; a @reads_first view until its writes begin) runs in a read transaction.
# A write there, after it has read, fails at once on SQLite ("database is locked") when another request has
# committed since it began, and on both engines goes with the page's rollback: a new company's first dashboard
# answered 500 so. What a page must write goes through database.written_apart. The "last used" hints
# (database.commit_hint) write there on purpose and give way on a lost race; the sign-in and share-link counters
# write in transactions of their own that begin with the write, and are not flagged.
HINTS = ("UPDATE api_token SET last_used_at", "UPDATE user_session SET last_seen_at")
_page_writes: list[str] = []


@event.listens_for(Engine, "begin")
def _nothing_read_yet(connection):
    connection.info.pop("jxc_has_read", None)


@event.listens_for(Engine, "before_cursor_execute")
def _watch_page_writes(connection, _cursor, statement, _parameters, _context, _executemany):
    head = statement.lstrip()[:6].upper()
    if head.startswith(("SELECT", "WITH")):
        connection.info["jxc_has_read"] = True
    elif (head in ("INSERT", "UPDATE", "DELETE") and connection.info.get("jxc_has_read") and has_request_context()
          and "_write_intent_token" in g and not writing() and not statement.startswith(HINTS)):
        # (_write_intent_token: a request the app dispatched, not test code in a test_request_context)
        _page_writes.append(f"{request.method} {request.path}: {' '.join(statement.split())[:120]}")


@pytest.fixture(autouse=True)
def _pages_write_nothing_in_their_read_transaction():
    _page_writes.clear()
    yield
    assert not _page_writes, "a page wrote in its read transaction (use database.written_apart):\n" + "\n".join(
        dict.fromkeys(_page_writes))


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database, named after the one DATABASE_URL names
    (made on first use), since every run drops and rebuilds the schema it tests in."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first() is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _fresh_database_url(tmp_path_factory) -> str:
    if os.environ.get("DATABASE_URL"):
        url = _worker_database(database_url())
        engine = create_engine(url)
        with engine.begin() as connection:  # start from nothing, so migrations are tested for real
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            # Every commit waited 4-9 ms for its WAL to reach the disk here, some 0.3 s a test: tests need what
            # others see at commit (unchanged), not what survives a power cut. Sessions opened from now on.
            connection.execute(text(f'ALTER DATABASE "{make_url(url).database}" SET synchronous_commit = off'))
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """An empty database brought to the latest schema by the migrations."""
    url = _fresh_database_url(tmp_path_factory)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="test")
    init_migrations(app)  # create_app leaves Flask-Migrate to `flask db` (app.extensions.init_migrations)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def _make_app(database):
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database, SECRET_KEY="test")


# create_app registers some 1,300 URL rules (40-70 ms) and every test wants two apps (its own and its client's), so
# each worker keeps one of each per database and puts back, after each test, the config and extensions the test may
# have changed. A test that changes an app in other ways (adds a route, say) asks for new ones: @pytest.mark.fresh_app.
_APPS: dict[tuple[str, str], tuple] = {}


def _app_for(request, database, use: str):
    if request.node.get_closest_marker("fresh_app"):
        return _make_app(database)
    if (database, use) not in _APPS:
        made = _make_app(database)
        _APPS[database, use] = (made, dict(made.config), dict(made.extensions))
    return _APPS[database, use][0]


def _put_back(app) -> None:
    for kept, config, extensions in _APPS.values():
        if kept is app:
            app.config.clear()
            app.config.update(config)
            app.extensions.clear()
            app.extensions.update(extensions)


@pytest.fixture
def app(request, database):
    """The app whose context the test code runs in (factories, services, assertions)."""
    app = _app_for(request, database, "test")
    # Test code reads between requests; on SQLite an IMMEDIATE transaction left open by such a read
    # would hold the write lock against the requests it is testing.
    set_write_intent(False)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        throttle.reset()
        db.engine.dispose()
    _put_back(app)


def _empty_tables():
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # TRUNCATE took 180 ms after every test (it replaces each table's files); the few rows a test leaves
            # go faster by DELETE, children first, then the id sequences that were drawn from start again.
            holding = set(connection.execute(text(" UNION ALL ".join(
                f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables))).scalars())
            for table in tables:
                if table.name in holding:
                    connection.execute(table.delete())
            for sequence in connection.execute(text(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() "
                    "AND last_value IS NOT NULL")).scalars():
                connection.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        else:
            for table in tables:
                connection.execute(table.delete())
            connection.execute(text("DELETE FROM sqlite_sequence")) if connection.execute(text(
                "SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first() else None


class Client(FlaskClient):
    """Ends the test's own transaction before each request, as a separate process would not see
    it: its writes are committed, and afterwards the test reads fresh data, not an old snapshot."""

    def open(self, *args, **kwargs):
        db.session.commit()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(request, app, database):
    """A browser-like client of a second app instance on the same database.

    Requests get their own app context (and so their own `g` and db session), as they would in
    another process; a client of `app` itself would share the test's context and hide bugs.
    Change `client.application.config` to configure what the requests see.
    """
    web = _app_for(request, database, "web")
    web.test_client_class = Client
    yield web.test_client()
    with web.app_context():
        db.session.remove()
        db.engine.dispose()
    _put_back(web)


def csrf_token(client, path="/login") -> str:
    """The CSRF token the page carries in hx-headers (the same one every form uses)."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


@pytest.fixture
def login(client):
    """Sign in a new user of `role` through the real form; returns the user."""
    def sign_in(role="owner", **fields):
        user = factories.user(role=role, **fields)
        response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 302, response.get_data(as_text=True)
        client.csrf = csrf_token(client, "/")
        return user
    return sign_in


@pytest.fixture
def api(client):
    """A JSON client for a new user of `role`, authenticated by a bearer token."""
    class Api:
        def __init__(self, role):
            self.user, self.token = factories.user_with_token(role=role)
            self.headers = {"Authorization": f"Bearer {self.token}"}

        def call(self, method, path, json=None, headers=None, **kw):
            return client.open(f"/api/v1{path}", method=method, json=json,
                               headers={**self.headers, **(headers or {})}, **kw)

        def get(self, path, **kw):
            return self.call("GET", path, **kw)

        def post(self, path, json=None, **kw):
            return self.call("POST", path, json, **kw)

        def patch(self, path, json=None, **kw):
            return self.call("PATCH", path, json, **kw)

    return Api
