"""A document's new lines written in one statement, however many there are.

The unit of work inserts new rows one statement each when it must read their ids back and cannot tell which id went
to which row: on SQLite, SQLAlchemy's batched INSERT ... RETURNING needs a sentinel column the tables do not have,
so a 20-line delivery took 20 INSERTs. Here the lines go in as one executemany and come back in one SELECT, in id
order, which is the order they were given: one statement draws its ids row after row on both engines (SQLite's rowid,
PostgreSQL's sequence within one session).
"""
from sqlalchemy import inspect, select
from sqlalchemy.orm import MANYTOONE
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db


def insert_lines(parent, collection: str, lines: list) -> list:
    """Write `lines` (new objects of one model, not added to the session) as the `collection` of `parent` (flushed,
    with no lines yet) and return them loaded, with their ids, in the order given; `parent.<collection>` is them."""
    if not lines:
        set_committed_value(parent, collection, [])
        return []
    relation = inspect(type(parent)).relationships[collection]
    model = relation.mapper.class_
    parent_keys = {remote.key: _value(parent, local) for local, remote in relation.local_remote_pairs}
    rows = [{**_row(line), **parent_keys} for line in lines]
    if any(row.keys() != rows[0].keys() for row in rows):  # one executemany takes one set of columns
        raise ValueError(f"{model.__name__}: every line must set the same columns")
    db.session.connection().execute(relation.mapper.local_table.insert(), rows)
    where = [column == parent_keys[column.key] for _local, column in relation.local_remote_pairs]
    loaded = db.session.scalars(select(model).where(*where).order_by(*relation.mapper.primary_key)).all()
    if len(loaded) != len(lines):
        raise RuntimeError(f"{model.__name__}: {len(lines)} lines written, {len(loaded)} read back")
    set_committed_value(parent, collection, list(loaded))
    return list(loaded)


def _row(line) -> dict:
    """The line's column values as set (the table's defaults fill the rest), many-to-one relations as their keys."""
    mapper, given = inspect(type(line)), line.__dict__
    row = {prop.columns[0].key: given[prop.key] for prop in mapper.column_attrs if prop.key in given}
    for relation in mapper.relationships:
        target = given.get(relation.key)
        if relation.direction is MANYTOONE and target is not None:
            row.update({local.key: _value(target, remote) for local, remote in relation.local_remote_pairs})
    return row


def _value(obj, column):
    return getattr(obj, inspect(type(obj)).get_property_by_column(column).key)
