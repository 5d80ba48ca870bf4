"""Helpers shared by every domain's forms."""
import uuid

from flask import flash, g, redirect
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


def sent_before(form):
    """The form's idempotency key, and a redirect to the first result if this key was already used."""
    key = form.idempotency_key.data or new_key()
    record = idempotency.previous(g.user.id, key)
    return key, (redirect(record.location) if record else None)


def commit_and_redirect(key: str, location: str, message: str):
    """Commit once under the key and go to the result; a concurrent double tap lands on the first one."""
    idempotency.remember(g.user.id, key, "", 303, location=location)
    if twin := idempotency.commit_once(g.user.id, key):
        return redirect(twin.location)
    flash(message, "success")
    return redirect(location)


def post_once(form, create, done):
    """Make a document once under the form's key: `create()` makes it, `done(document)` gives (location, message).

    Returns the redirect, or None with the refusal on the form and nothing written (a refused document
    leaves no number, moves, counters or audit behind).
    """
    key = form.idempotency_key.data or new_key()
    if record := idempotency.previous(g.user.id, key):
        return redirect(record.location)
    try:
        document = create()
    except BusinessRuleError as error:
        db.session.rollback()
        if record := idempotency.previous(g.user.id, key):
            return redirect(record.location)  # a double tap that lost the race to its twin
        if error.field == "lines":  # about the lines as a whole, not one row of a FieldList
            form.form_errors.append(str(error.message))
        else:
            apply_error(form, error)
        return None
    return commit_and_redirect(key, *done(document))
