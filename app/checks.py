"""Invariants `flask check` verifies. Each area registers its own; each returns the breaches it finds."""
import importlib

from sqlalchemy import func, select

from app.auth.models import ApiToken, User
from app.auth.roles import Role
from app.backups.snapshot import current_revision, head_revision
from app.extensions import db

INVARIANTS = []


def invariant(check):
    INVARIANTS.append(check)
    return check


# Each area's checks, registered by importing its module (when a check runs, not when this module loads,
# so importing the registry pulls in no area).
AREA_CHECKS = ("app.inventory.checks", "app.sales.checks", "app.purchasing.checks", "app.stocktake.checks",
               "app.opening.checks", "app.books.checks", "app.limits_checks")


def run_all() -> list[str]:
    for module in AREA_CHECKS:
        importlib.import_module(module)
    breaches = []
    for check in INVARIANTS:
        breaches += [f"{check.__doc__.strip()}: {problem}" for problem in check()]
    return breaches


@invariant
def schema_at_head():
    """The database schema is the latest migration"""
    current, head = current_revision(), head_revision()
    return [] if current == head else [f"database is at {current}, code expects {head}; run `flask --app wsgi db upgrade`"]


@invariant
def an_active_owner_exists():
    """At least one active owner can manage users"""
    count = db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.OWNER, User.active.is_(True)))
    return [] if count else ["no active owner; create one with `flask --app wsgi users create NAME --role owner`"]


@invariant
def inactive_users_have_no_live_tokens():
    """Deactivated users have no unrevoked API tokens"""
    ids = db.session.scalars(select(ApiToken.id).join(User).where(
        User.active.is_(False), ApiToken.revoked_at.is_(None))).all()
    return [f"token {token_id} of an inactive user is not revoked" for token_id in ids]
