"""Plain snapshots of the database: taken while the app runs, and loaded back only when their schema version matches.

These are the files inside an encrypted backup (app/backups/crypto.py seals them); the snapshot is either a SQLite
database file or a `pg_dump --format=custom` archive, so either engine's own tools can read it after decryption.
"""
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import inspect, text

from app.config import ROOT, create_private
from app.errors import BusinessRuleError
from app.extensions import db

SQLITE, POSTGRESQL = "sqlite", "postgresql"


def head_revision() -> str:
    from alembic.script import ScriptDirectory  # Alembic loads for backups and `flask check`, not at every start
    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def current_revision() -> str | None:
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def take(path: Path) -> None:
    """Write a consistent snapshot of the live database to `path`, readable by this user only (mode 0600).

    It is written beside `path` and renamed over it when complete, so a failed run never leaves half a
    snapshot where a good one was; the file is private before a byte is written (it holds every customer,
    price and password hash).
    """
    url = db.engine.url
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    try:
        if url.get_backend_name() == SQLITE:
            # The online backup API copies a consistent snapshot while other connections write.
            with closing(sqlite3.connect(url.database)) as source, closing(sqlite3.connect(partial)) as target:
                source.backup(target)
        else:
            # pg_dump reads everything in one repeatable-read transaction: one moment's data, writers not blocked.
            run_tool(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}", libpq(url)])
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def check_restorable(path: Path, engine: str) -> None:
    """Refuse a snapshot of the other engine or of another schema version, in words the owner can act on."""
    kind, version = describe(path)
    if kind != engine:
        raise BusinessRuleError(_("This backup was made from another kind of database (SQLite vs PostgreSQL)."))
    if version != head_revision():
        raise BusinessRuleError(_(
            "This backup is from schema version %(theirs)s; this installation is at %(ours)s. "
            "Restore it with the JXC version that made it, or upgrade that copy first.",
            theirs=version or _("unknown"), ours=head_revision()))


def load(path: Path) -> None:
    """Replace the live database with the snapshot at `path`, if its schema version matches."""
    url = db.engine.url
    check_restorable(path, url.get_backend_name())
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == SQLITE:
        with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(url.database)) as target:
            source.backup(target)
        return
    run_tool(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={libpq(url)}", str(path)])


def load_into_empty(path: Path, url) -> None:
    """Restore a PostgreSQL snapshot into the empty database at `url` (a scratch copy to check)."""
    run_tool(["pg_restore", "--no-owner", "--single-transaction", "--exit-on-error", f"--dbname={libpq(url)}",
              str(path)])


def describe(path: Path) -> tuple[str, str | None]:
    """The engine a snapshot is for and its schema version (None when unreadable)."""
    magic = _magic(path)
    if magic.startswith(b"SQLite format 3"):
        try:
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
                return SQLITE, connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        except (sqlite3.Error, TypeError):
            return SQLITE, None
    if magic.startswith(b"PGDMP"):
        listing = run_tool(["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path)])
        lines = listing.splitlines()
        for index, line in enumerate(lines):
            if line.startswith("COPY ") and "alembic_version" in line and index + 1 < len(lines):
                return POSTGRESQL, lines[index + 1].strip() or None
        return POSTGRESQL, None
    raise BusinessRuleError(_("%(path)s is not a JXC backup.", path=path.name))


def is_snapshot(path: Path) -> bool:
    return _magic(path).startswith((b"SQLite format 3", b"PGDMP"))


def _magic(path: Path) -> bytes:
    with open(path, "rb") as file:
        return file.read(16)


def libpq(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def run_tool(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        raise BusinessRuleError(_("%(tool)s is needed; install the PostgreSQL client (apt-get install postgresql-client).",
                                  tool=command[0]))
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BusinessRuleError(result.stderr.strip() or f"{command[0]} failed")
    return result.stdout
