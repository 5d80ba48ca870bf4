"""Change feeds on the API's lists: `updated_since` or `cursor` turns a list into a feed another system syncs by.

A feed lists the rows changed at or after a point, oldest change first, ordered by (updated_at, key) so that equal
timestamps are broken by the key and every row has one place. `next_cursor` holds the place after the page's last
row (and after the last deletion it returned): a row changed while a client pages moves to a later place and is
seen again, never skipped. Deactivated rows stay in a feed (with `active` false); deleted ones come back under
`deleted` (app.feeds.models.Tombstone).

A row's updated_at is written when its transaction writes it, which may be a little before that transaction
commits. So that a slow transaction's rows are not passed by while uncommitted, the cursor of a feed's last page
never points past now - SETTLE: a client polling again sees the rows of those last seconds a second time
(upserts make that harmless) rather than missing one.
"""
import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import request
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, tuple_

from app.api.schema import ValidationFailed
from app.db_types import utcnow
from app.extensions import db
from app.feeds.models import Tombstone
from app.limits import MAX_ID

SETTLE = timedelta(seconds=60)  # longer than an API or screen transaction takes from its writes to its commit
# ISO 8601 with an offset (Z or ±hh:mm), 1900 to 2099: what `updated_since` takes. The pattern says it all; a
# `format: date-time` beside it made generated requests (schemathesis) search for strings meeting both, which took
# its runs from seconds to minutes.
INSTANT = {"type": "string", "maxLength": 40,
           "pattern": r"^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$"}
PARAMETERS = {
    "updated_since": {**INSTANT, "description": "A feed: only rows changed at or after this time (ISO 8601 with "
                                                "offset), oldest change first, with next_cursor and deleted"},
    "cursor": {"type": "string", "maxLength": 200, "pattern": r"^[A-Za-z0-9_-]+$",
               "description": "A feed's next page: the next_cursor of the page before (updated_since is then "
                              "not needed)"},
}
ENVELOPE = {
    "next_cursor": {"type": "string", "description": "Feeds only: send as `cursor` for what changed after this "
                                                     "page (keep it between syncs)"},
    "deleted": {"type": "array", "description": "Feeds only: rows of this kind deleted at or after the point, "
                                                "oldest first", "items": {
        "type": "object", "required": ["id", "deleted_at"], "additionalProperties": False,
        "properties": {"id": {"type": "integer"}, "deleted_at": {"type": "string", "format": "date-time"}}}},
}
_INSTANT = re.compile(INSTANT["pattern"])


@dataclass(frozen=True)
class Feed:
    """What makes a listing a feed: its model, the column that says when a row last changed (default its
    updated_at) and the key that breaks ties (default its id); its deletions are the tombstones of its table.
    Columns are looked up by name in the list's query first (a query of a subquery's columns names them there)."""
    model: Any
    updated: Any = "updated_at"
    keys: tuple = ("id",)

    def column(self, query, name):
        if not isinstance(name, str):
            return name
        columns = query.selected_columns
        return columns[name] if name in columns else getattr(self.model, name)


def requested() -> bool:
    return bool(request.args.get("updated_since") or request.args.get("cursor"))


def parse_instant(value: str) -> datetime | None:
    """An ISO 8601 time with an offset, as UTC; None when it is not one."""
    if not _INSTANT.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


# The cursor: base64url of JSON [items' time, items' key, deletions' time, deletions' id]: opaque to clients.

def _encode(position: tuple, deleted: tuple) -> str:
    data = [position[0].isoformat(), list(position[1]), deleted[0].isoformat(), deleted[1]]
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, width: int) -> tuple[tuple, tuple]:
    wrong = ValidationFailed({"cursor": [_("Not a cursor this list gave; start again with updated_since.")]})
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise wrong from None
    if not (isinstance(data, list) and len(data) == 4 and all(isinstance(v, str) for v in data[::2])
            and isinstance(data[1], list) and len(data[1]) == width
            and all(_is_id(v) for v in (*data[1], data[3]))):
        raise wrong
    try:  # the times _encode wrote (an updated_since in +08:00 on 1900-01-01 is in 1899 in UTC)
        first, deleted_at = datetime.fromisoformat(data[0]), datetime.fromisoformat(data[2])
    except ValueError:
        raise wrong from None
    if first.tzinfo is None or deleted_at.tzinfo is None:
        raise wrong
    return (first, tuple(data[1])), (deleted_at, data[3])


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def start(feed: Feed) -> tuple[tuple, tuple]:
    """Where the request's feed starts: its cursor's places, or updated_since (which check_query has checked)."""
    if cursor := request.args.get("cursor"):
        return _decode(cursor, len(feed.keys))
    since = parse_instant(request.args["updated_since"])
    return (since, (0,) * len(feed.keys)), (since, 0)


def _after(updated, keys: list, position: tuple):
    """Rows after `position` in (updated, keys) order."""
    time, values = position
    key = keys[0] if len(keys) == 1 else tuple_(*keys)
    value = values[0] if len(values) == 1 else tuple_(*values)
    return or_(updated > time, and_(updated == time, key > value))


def page(query, feed: Feed, per_page: int, whole_rows: bool = False) -> dict:
    """One page of the feed of `query`: the list envelope (page 1, total counting from here on) plus next_cursor
    and the deletions of the feed's kind."""
    if request.args.get("page", "1") != "1":
        raise ValidationFailed({"page": [_("A feed pages by cursor: send next_cursor as cursor.")]})
    position, deleted_position = start(feed)
    updated = feed.column(query, feed.updated)
    keys = [feed.column(query, name) for name in feed.keys]
    narrowed = query.where(_after(updated, keys, position))
    places = [updated.label("feed_updated"), *(key.label(f"feed_key_{n}") for n, key in enumerate(keys))]
    found = db.session.execute(narrowed.add_columns(*places).order_by(None).order_by(updated, *keys)
                               .limit(per_page)).all()
    rows = found if whole_rows else [row[0] for row in found]
    total = (len(rows) if len(rows) < per_page else
             db.session.scalar(select(func.count()).select_from(narrowed.order_by(None).subquery())))
    tombstones = db.session.scalars(
        select(Tombstone).where(Tombstone.kind == feed.model.__tablename__,
                                _after(Tombstone.deleted_at, [Tombstone.id], (deleted_position[0], (deleted_position[1],))))
        .order_by(Tombstone.deleted_at, Tombstone.id).limit(per_page)).all()
    settled = utcnow() - SETTLE
    if found:
        last = found[-1][-len(places):]
        position = (last[0], tuple(last[1:]))
    if len(rows) < per_page:  # the end for now: never past what may still be committing
        position = min(position, (settled, (0,) * len(keys)))
    if tombstones:
        deleted_position = (tombstones[-1].deleted_at, tombstones[-1].id)
    if len(tombstones) < per_page:
        deleted_position = min(deleted_position, (settled, 0))
    return {"items": rows, "total": total, "page": 1, "per_page": per_page,
            "next_cursor": _encode(position, deleted_position),
            "deleted": [{"id": t.object_id, "deleted_at": t.deleted_at.isoformat()} for t in tombstones]}
