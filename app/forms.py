"""Helpers shared by every domain's forms."""
import uuid
from collections.abc import Callable
from functools import wraps

from flask import flash, g, make_response, redirect, request
from wtforms import IntegerField

from app import idempotency
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import MAX_ID, parse_int


class IdField(IntegerField):
    """An id posted by a form: ASCII digits from 1 to limits.MAX_ID (WTForms' IntegerField takes
    '١٢', '1_000' and 10**30, which then fails in the database)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_int(valuelist[0], 1, MAX_ID)
        except ValueError:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value.")) from None


def new_key() -> str:
    """A fresh idempotency key for a form that creates something."""
    return uuid.uuid4().hex


def apply_error(form, error: BusinessRuleError) -> None:
    """Show a service's refusal on the form field it names (or on the form as a whole)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def refused() -> None:
    """A service refused the change and the view shows why its own way: undo the work at once (the page is then
    drawn from what is saved), and form_write keeps the form's key free, as after a status of 400 or more."""
    db.session.rollback()
    g.form_refused = True


def refuse(form, error: BusinessRuleError) -> None:
    """A service refused the form's change: undo its work at once (see refused) and show why on the form, or
    with no form (a button that answers with a redirect) in a flash message."""
    refused()
    if form is None:
        flash(str(error.message), "error")
    elif error.field == "lines":  # about the lines as a whole, not one row of a FieldList
        form.form_errors.append(str(error.message))
    else:
        apply_error(form, error)


def form_write(view=None, *, replay=None):
    """The one way a page's POST writes, as api/idempotent.finish_write is the API's.

    The view never commits. A form key (`idempotency_key`, or a scan's `key`) already used by this user
    answers as the first time did: a redirect to its result, or `replay(**view_args)` for views that answer
    with a fragment. Then the view runs; a refusal (status 400 or more, or `refuse()` called) rolls everything
    back (`refuse()` already did), so a refused document leaves no number, moves or audit behind; anything else
    commits, together with the key's record, and a double tap that lost the race to its twin lands where the
    twin did. The key is kept only for an answer that says where the result is (a redirect, or a 201 with a
    Location) or that `replay` can give again: a page that only shows something (a preview, one more empty
    line) leaves the key to the POST that writes.
    """
    if view is None:
        return lambda view: form_write(view, replay=replay)

    @wraps(view)
    def write(**view_args):
        if request.method != "POST":
            return view(**view_args)
        key = _form_key()
        if key and (record := idempotency.previous(g.user.id, key)):
            return _replay(record, replay, view_args)
        g.form_refused = False
        response = make_response(view(**view_args))
        if response.status_code >= 400 or g.form_refused:
            db.session.rollback()
            if key and (record := idempotency.previous(g.user.id, key)):
                return _replay(record, replay, view_args)  # a double tap whose twin committed first
            return response
        if not key or not (response.location or replay is not None):
            db.session.commit()
            return response
        if twin := idempotency.commit_once(g.user.id, key, "", response.status_code,
                                           location=response.location or ""):
            return _replay(twin, replay, view_args)
        return response
    return write


def _form_key() -> str:
    if g.get("user") is None:  # a public form (sign-in, set-up, an invitation) carries no key
        return ""
    key = request.form.get("idempotency_key") or request.form.get("key") or ""
    return key.strip()[:idempotency.MAX_KEY_LENGTH]


def _replay(record, replay, view_args):
    if replay is not None:
        return replay(**view_args)
    return redirect(record.location, record.status if 300 <= record.status < 400 else 302)


def created(form, make: Callable, done: Callable):
    """Make a document from a form (`make()`), then go to it: `done(document)` gives (location, message).
    None when a rule refused it: the reason is on the form and nothing is saved. Under form_write, so once a key."""
    try:
        document = make()
    except BusinessRuleError as error:
        refuse(form, error)
        return None
    db.session.flush()  # the document's id, for its location
    location, message = done(document)
    flash(message, "success")
    return redirect(location)
