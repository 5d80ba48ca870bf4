"""Document numbers (SO-2026-000123): unique and gapless per type and year.

The counter row is bumped with one atomic upsert inside the transaction that creates the
document: concurrent creators queue on that row (PostgreSQL row lock, SQLite write lock), and a
rolled-back document rolls its number back too, so no number is skipped or used twice.
"""
from sqlalchemy import Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import utcnow
from app.extensions import db


class DocumentSequence(db.Model):
    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


def next_number(prefix: str, year: int | None = None) -> str:
    """The next number for `prefix` this year (in the company's time zone it is close enough to UTC's)."""
    year = year or utcnow().astimezone().year
    value = bump(db.session, prefix, year)
    return f"{prefix}-{year}-{value:06d}"


def bump(connection, prefix: str, year: int) -> int:
    """The counter's next value, on a session or a connection (a flush hook has only the latter)."""
    return connection.execute(_BUMP, {"prefix": prefix, "year": year}).scalar_one()


# Plain SQL that SQLite (3.35+) and PostgreSQL both run as is. SQLAlchemy's own ON CONFLICT
# constructs are compiled afresh on every call (they are not cacheable), and this runs in every
# document's write transaction.
_BUMP = text(f"INSERT INTO {DocumentSequence.__tablename__} (prefix, year, last) VALUES (:prefix, :year, 1) "
             f"ON CONFLICT (prefix, year) DO UPDATE SET last = {DocumentSequence.__tablename__}.last + 1 "
             "RETURNING last")
