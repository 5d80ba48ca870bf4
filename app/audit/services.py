"""The one audit helper every change goes through."""
import enum
from datetime import date, datetime
from decimal import Decimal

from app.audit.models import AuditEntry
from app.extensions import db


def record(actor, action: str, obj, changes: dict | None = None) -> None:
    """Add an audit entry for `action` on `obj` by `actor` (a User, or None for the system) to the transaction."""
    # The change is written first: new objects get their id before the entry points at them, and what the request
    # then answers with (an updated_at, say) is what is stored.
    db.session.flush()
    # A plain Core INSERT, not an object for the unit of work to track: entries are only ever added.
    db.session.connection().execute(_INSERT, {
        "user_id": getattr(actor, "id", None),
        "action": action,
        "object_type": type(obj).__name__,
        "object_id": getattr(obj, "id", None),
        "object_label": str(_label(obj))[:200],
        "changes": {k: [_plain(old), _plain(new)] for k, (old, new) in (changes or {}).items()},
    })


_INSERT = AuditEntry.__table__.insert()


def listed(lines) -> list[str]:
    """A document's lines as its one audit entry lists them: "SKU qty", and "@ unit cost" where one was moved at;
    `lines` are (sku, qty, unit cost or None)."""
    return [f"{sku} {qty.normalize():f}" + (f" @ {cost}" if cost is not None else "") for sku, qty, cost in lines]


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
