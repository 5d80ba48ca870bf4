"""The API's list envelope: items, total, page, per_page (and for a feed next_cursor and deleted: app.api.feed)."""
from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.api import feed
from app.api.schema import ValidationFailed
from app.extensions import db
from app.limits import MAX_PAGE, parse_int

MAX_PER_PAGE = 200


def page_args(default_per_page: int = 50) -> tuple[int, int]:
    """The request's `page` and `per_page`, checked (a 422 naming each bad one)."""
    page = request.args.get("page", "1")
    per_page = request.args.get("per_page", str(default_per_page))
    errors = {}
    try:
        page = parse_int(page, 1, MAX_PAGE)
    except ValueError:
        errors["page"] = [_("Must be a whole number from 1 to %(n)d.", n=MAX_PAGE)]
    try:
        per_page = parse_int(per_page, 1, MAX_PER_PAGE)
    except ValueError:
        errors["per_page"] = [_("Must be a whole number from 1 to %(n)d.", n=MAX_PER_PAGE)]
    if errors:
        raise ValidationFailed(errors)
    return page, per_page


def paginate(query, to_json=None, default_per_page: int = 50, whole_rows: bool = False) -> dict:
    """One page of `query` in the envelope, its items as they are or through `to_json` (spec.reply dumps them as the
    listing declares); `whole_rows=True` gives rows (a query of columns), not objects. A listing declared as a
    feed, asked for one (updated_since or cursor), gives that feed's page instead."""
    page, per_page = page_args(default_per_page)
    declared = getattr(current_app.view_functions[request.endpoint].operation, "feed", None)
    if declared is not None and feed.requested():
        listing = feed.page(query, declared, per_page, whole_rows)
        return listing if to_json is None else {**listing, "items": [to_json(row) for row in listing["items"]]}
    result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    rows = result.all() if whole_rows else result.scalars().all()
    if page == 1 and len(rows) < per_page:
        total = len(rows)  # all of it is on this page: no second pass over the table to count it
    else:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = rows if to_json is None else [to_json(row) for row in rows]
    return {"items": items, "total": total, "page": page, "per_page": per_page}
