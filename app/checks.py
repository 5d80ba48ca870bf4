"""Invariants `flask check` verifies. Each area registers its own; each returns the breaches it finds."""
from sqlalchemy import func, select

from app.extensions import db

INVARIANTS = []


def invariant(check):
    INVARIANTS.append(check)
    return check


def run_all() -> list[str]:
    breaches = []
    for check in INVARIANTS:
        breaches += [f"{check.__doc__.strip()}: {problem}" for problem in check()]
    return breaches


@invariant
def schema_at_head():
    """The database schema is the latest migration"""
    from app.backup import current_revision, head_revision
    current, head = current_revision(), head_revision()
    return [] if current == head else [f"database is at {current}, code expects {head}; run `flask --app wsgi db upgrade`"]


@invariant
def an_active_owner_exists():
    """At least one active owner can manage users"""
    from app.auth.models import User
    from app.auth.roles import Role
    count = db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.OWNER, User.active.is_(True)))
    return [] if count else ["no active owner; create one with `flask --app wsgi users create NAME --role owner`"]


@invariant
def inactive_users_have_no_live_tokens():
    """Deactivated users have no unrevoked API tokens"""
    from app.auth.models import ApiToken, User
    ids = db.session.scalars(select(ApiToken.id).join(User).where(
        User.active.is_(False), ApiToken.revoked_at.is_(None))).all()
    return [f"token {token_id} of an inactive user is not revoked" for token_id in ids]


from app.inventory import checks as _inventory_checks  # noqa: E402,F401  (registers the ledger checks)
from app.sales import checks as _sales_checks  # noqa: E402,F401  (registers the sales checks)
from app.purchasing import checks as _purchasing_checks  # noqa: E402,F401  (registers the purchasing checks)
from app.stocktake import checks as _stocktake_checks  # noqa: E402,F401  (registers the stocktake checks)
from app.opening import checks as _opening_checks  # noqa: E402,F401  (registers the opening checks)
from app import limits_checks as _limits_checks  # noqa: E402,F401  (registers the bounds and sums checks)
