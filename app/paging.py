"""Lists shown a page at a time: the ?page= asked for, and one page read with one extra row, so the screen knows
whether more follow (templates/macros/pager.html's `more` footer then loads the next page in its place)."""
from dataclasses import dataclass

from flask import request

from app.extensions import db


@dataclass(frozen=True)
class Page:
    """One page of a list read with one extra row, so the screen knows whether more follow."""
    items: list
    page: int
    has_next: bool


def page_number() -> int:
    """The ?page= asked for, from 1 (app/inputs already keeps it below limits.MAX_PAGE)."""
    return max(request.args.get("page", 1, type=int), 1)


def read_page(query, page: int, per_page: int, scalars: bool = False) -> Page:
    """Rows `per_page` at a time (`scalars`: the first column of each, e.g. whole entities)."""
    page = max(page, 1)
    result = db.session.execute(query.offset((page - 1) * per_page).limit(per_page + 1))
    rows = list(result.scalars() if scalars else result)
    return Page(rows[:per_page], page, len(rows) > per_page)
