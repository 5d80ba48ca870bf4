"""Document numbers (SO-2026-000123): unique and gapless per type and year.

The counter row is bumped with one atomic upsert inside the transaction that creates the
document: concurrent creators queue on that row (PostgreSQL row lock, SQLite write lock), and a
rolled-back document rolls its number back too, so no number is skipped or used twice.
"""
from sqlalchemy import Integer, String
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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
    table = DocumentSequence.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(prefix=prefix, year=year, last=1).on_conflict_do_update(
        index_elements=[table.c.prefix, table.c.year], set_={"last": table.c.last + 1},
    ).returning(table.c.last)
    value = db.session.execute(statement).scalar_one()
    return f"{prefix}-{year}-{value:06d}"
