"""Prove a snapshot restores: load it into a scratch database and run on it the checks `flask check` runs.

SQLite: the decrypted snapshot is itself a database file in a private temporary folder. PostgreSQL: a scratch
database beside the live one (the database user needs CREATEDB), created for the check and dropped after it.
"""
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.backups import snapshot
from app.errors import BusinessRuleError
from app.extensions import db


def verify(raw: Path) -> list[str]:
    """The breaches `flask check` finds in the snapshot at `raw` (none: it restores and holds together)."""
    live = db.engine.url
    snapshot.check_restorable(raw, live.get_backend_name())
    if live.get_backend_name() == snapshot.SQLITE:
        return _checks(f"sqlite:///{raw}")
    # PostgreSQL names stop at 63 bytes; the random part keeps two verifications from meeting.
    scratch = live.set(database=f"{live.database[:40]}_verify_{uuid.uuid4().hex[:8]}")
    admin = create_engine(live, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{scratch.database}"'))
    except SQLAlchemyError as error:
        admin.dispose()
        raise BusinessRuleError(_("No scratch database could be made to test the backup (the database user needs "
                                  "the CREATEDB right): %(error)s", error=str(error.orig or error)[:300])) from None
    try:
        snapshot.load_into_empty(raw, scratch)
        return _checks(scratch.render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
        admin.dispose()


def _checks(url: str) -> list[str]:
    from app import create_app
    from app.checks import run_all
    from app.config import Config
    # A second app on the scratch database: the checks read `db.session`, which is per app.
    scratch = create_app(Config, **(dict(current_app.config) | {"SQLALCHEMY_DATABASE_URI": url}))
    with scratch.app_context():
        try:
            return run_all()
        finally:
            db.session.remove()
            db.engine.dispose()

