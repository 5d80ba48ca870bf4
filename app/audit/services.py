"""The one audit helper every change goes through."""
import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import insert

from app.audit.models import AuditEntry
from app.extensions import db


def record(actor, action: str, obj, changes: dict | None = None) -> None:
    """Add an audit entry for `action` on `obj` by `actor` (a User, or None for the system) to the transaction."""
    if getattr(obj, "id", None) is None:
        db.session.flush()  # new objects get their id before the entry points at them
    # A plain INSERT, not an object for the unit of work to track: entries are only ever added.
    db.session.execute(insert(AuditEntry), [{
        "user_id": getattr(actor, "id", None),
        "action": action,
        "object_type": type(obj).__name__,
        "object_id": getattr(obj, "id", None),
        "object_label": str(_label(obj))[:200],
        "changes": {k: [_plain(old), _plain(new)] for k, (old, new) in (changes or {}).items()},
    }])


def apply_changes(obj, values: dict, secret: frozenset = frozenset()) -> dict:
    """Set attributes on `obj` and return {field: (old, new)} for those that changed.

    Fields named in `secret` are recorded as changed without their values.
    """
    changed = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            setattr(obj, field, new)
            changed[field] = ("***", "***") if field in secret else (old, new)
    return changed


def _label(obj) -> str:
    for attr in ("number", "username", "name", "sku"):
        if value := getattr(obj, attr, None):
            return value
    return ""


def _plain(value):
    """JSON-friendly form of a field value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value
