"""Helpers shared by every domain's forms."""
import uuid

from app.errors import BusinessRuleError


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
