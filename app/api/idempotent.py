"""The API's transaction and Idempotency-Key handling, in one place for every write.

API views never commit: the response decides. A success (or a refusal) commits, together with
the idempotency record when a key was sent, so the work and its remembered answer land at once.
"""
import json

from flask import Response, g, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app import database, idempotency
from app.api.routes import bp
from app.errors import problem
from app.extensions import db

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _fingerprint() -> str:
    data = request.get_json(silent=True)
    body = json.dumps(data, sort_keys=True, separators=(",", ":")) if data is not None else request.get_data()
    return idempotency.fingerprint(request.method, request.path, body)


@bp.before_request
def replay_idempotent_post():
    """Answer a repeated Idempotency-Key with the first response, or refuse a changed body."""
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or key is None or "user" not in g:
        return None
    if not 0 < len(key) <= idempotency.MAX_KEY_LENGTH:
        return problem(422, "validation-error", _("Some fields are not valid."),
                       errors={"Idempotency-Key": [_("1 to 100 characters.")]})
    g.idempotency = (key, _fingerprint())
    record = idempotency.previous(g.user.id, key)  # a twin committing meanwhile is caught by the unique key
    if record is None:
        return None
    if record.request_hash != g.idempotency[1]:
        g.pop("idempotency")
        return problem(422, "idempotency-key-reused", _("This Idempotency-Key was used with a different request."),
                       _("Send a new key for a new request."))
    g.pop("idempotency")
    return _replay(record)


def _replay(record) -> Response:
    response = Response(record.body, status=record.status, content_type=record.content_type)
    if record.location:
        response.headers["Location"] = record.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.after_request
def finish_write(response):
    """Commit an API write (keeping its answer under the idempotency key) or roll it back."""
    if request.method not in WRITES:
        return response
    if response.status_code >= 500:
        db.session.rollback()
        return response
    database.writing_begins()  # a refusal of a @reads_first view's checks is remembered too
    try:
        if "idempotency" not in g:
            db.session.commit()
        elif twin := idempotency.commit_once(g.user.id, *g.pop("idempotency"), response.status_code,
                                             response.get_data(as_text=True), response.content_type or "",
                                             response.headers.get("Location", "")):
            return _replay(twin)  # a concurrent twin finished first; answer as it did
    except IntegrityError:
        db.session.rollback()
        return problem(409, "duplicate", _("This conflicts with an existing record."),
                       _("A unique value is already taken."))
    return response
