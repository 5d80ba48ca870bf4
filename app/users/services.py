"""People: inviting users by a one-time link, and handing a salesperson's customers to another.

An invitation's token is shown once (as a link and its QR code) and only its SHA-256 is kept, so the
owner cannot see it again: they re-issue, which ends the previous link. A user made by an invitation is
`pending` until they set their own password through the link, and a pending user cannot sign in.
"""
import re
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import func, select

from app import pinyin
from app.audit import services as audit
from app.auth import services as auth
from app.auth.models import User, UserInvitation
from app.db_types import utcnow
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.limits import clean_text
from app.partners.models import Customer
from app.partners.services import SELLERS
from app.sales.models import OrderStatus, SalesOrder

INVITATION_HOURS = 72
# Orders whose follow-up is still to come move with their customer; finished ones stay with who sold them.
OPEN_ORDER = (OrderStatus.DRAFT, OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_DELIVERED, OrderStatus.DELIVERED)


# ---- invitations --------------------------------------------------------------------------------------------------

def propose_username(name: str = "", phone: str = "") -> str:
    """A free username from the name (in pinyin: 王小明 -> wangxiaoming) or else the phone's digits."""
    base = re.sub(r"[^a-z0-9]", "", "".join(pinyin.syllables(clean_text(name or "").strip())).lower())[:40]
    if len(base) < 2:
        base = re.sub(r"[^0-9]", "", phone or "")[-11:]
    if len(base) < 2:
        return ""
    candidate, number = base, 1
    while auth.find_user(candidate):
        number += 1
        candidate = f"{base}{number}"
    return candidate


def invite_user(actor, display_name: str, role, phone: str = "", username: str = "") -> tuple[User, str]:
    """A pending user and their first invitation; returns the user and the link's token (shown once)."""
    user = add_pending_user(actor, username, display_name, role, phone, action=None)
    return user, issue_invitation(actor, user, action="user.invite")


def add_pending_user(actor, username: str, display_name: str, role, phone: str = "",
                     action: str | None = "user.invite") -> User:
    """A user who cannot sign in until they accept an invitation (the users import makes these: the owner
    hands out their links later). `action` None: the caller audits the invitation itself."""
    display_name = clean_text(display_name or "").strip()
    if not display_name:
        raise BusinessRuleError(pgettext("person", "Enter a name."), "display_name")
    if len(display_name) > 100:
        raise BusinessRuleError(_("At most %(n)d characters.", n=100), "display_name")
    phone = auth.clean_phone(phone)
    username = (username or "").strip() or propose_username(display_name, phone)
    # A random password nobody knows: the column stays filled, and `pending` keeps the user out until they
    # choose their own through the link.
    user = auth.create_user(actor, username, role, UserInvitation.new_secret(), display_name)
    user.pending = True
    user.phone = phone
    if action:
        audit.record(actor, action, user, {"pending": (None, True), "phone": (None, phone or None)})
    return user


def issue_invitation(actor, user: User, action: str = "user.reissue_invitation") -> str:
    """A new link for a pending user; every earlier open link of theirs stops working. Returns the token."""
    if not user.pending:
        raise InvalidState(_("%(name)s has already set a password; there is nothing to invite.",
                             name=user.display_name))
    if not user.active:
        raise InvalidState(_("Reactivate the user before inviting them."))
    now = utcnow()
    for earlier in open_invitations(user):
        earlier.revoked_at = now
    secret = UserInvitation.new_secret()
    invitation = UserInvitation(user=user, token_hash=UserInvitation.hash(secret), created_by_id=getattr(actor, "id", None),
                                created_at=now, expires_at=now + timedelta(hours=INVITATION_HOURS))
    db.session.add(invitation)
    db.session.flush()
    changes = {"invitation": (None, invitation.id), "expires_at": (None, invitation.expires_at)}
    if action == "user.invite":
        changes.update(pending=(None, True), phone=(None, user.phone or None))
    audit.record(actor, action, user, changes)
    return secret


def open_invitations(user: User) -> list[UserInvitation]:
    return list(db.session.scalars(select(UserInvitation).where(
        UserInvitation.user_id == user.id, UserInvitation.accepted_at.is_(None), UserInvitation.revoked_at.is_(None))))


def latest_invitation(user: User) -> UserInvitation | None:
    return db.session.scalar(select(UserInvitation).where(UserInvitation.user_id == user.id)
                             .order_by(UserInvitation.id.desc()).limit(1))


def pending_users() -> list[tuple[User, UserInvitation | None]]:
    """Users who have not accepted yet, with their latest invitation (newest first)."""
    users = db.session.scalars(select(User).where(User.pending.is_(True), User.active.is_(True))
                               .order_by(User.created_at.desc(), User.id.desc())).all()
    return [(user, latest_invitation(user)) for user in users]


def revoke_invitation(actor, user: User) -> int:
    """End every open link of a pending user (they stay pending; a new link can be issued later)."""
    invitations = open_invitations(user)
    now = utcnow()
    for invitation in invitations:
        invitation.revoked_at = now
    if invitations:
        audit.record(actor, "user.revoke_invitation", user, {"invitation": ([i.id for i in invitations], None)})
    return len(invitations)


class InvitationUnusable(Exception):
    """The link cannot be used: `reason` is unknown, expired, accepted or revoked."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def find_invitation(token: str) -> UserInvitation:
    """The open invitation this token opens, or InvitationUnusable saying why not."""
    token = (token or "").strip()
    invitation = db.session.scalar(select(UserInvitation).where(
        UserInvitation.token_hash == UserInvitation.hash(token))) if 20 <= len(token) <= 100 else None
    if invitation is None:
        raise InvitationUnusable("unknown")
    state = invitation.state(utcnow())
    if state == "open" and not (invitation.user.active and invitation.user.pending):
        state = "revoked"
    if state != "open":
        raise InvitationUnusable(state)
    return invitation


def accept_invitation(token: str, password: str, confirm: str) -> User:
    """The invited user sets their password: the link is used up and the user may sign in from now on."""
    invitation = find_invitation(token)
    auth.check_password_rules(password)
    if password != confirm:
        raise BusinessRuleError(_("The passwords differ."), "confirm")
    user = invitation.user
    invitation.accepted_at = utcnow()
    user.password_hash = auth.hash_password(password)
    user.pending = False
    user.last_login_at = utcnow()
    audit.record(user, "user.accept_invitation", user, {"pending": (True, False), "password": ("***", "***")})
    return user


def qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (a full QR code: Micro QR confuses phone cameras)."""
    import segno  # loaded on first use, not by every worker at start
    return segno.make_qr(url, error="m").svg_inline(scale=5, border=2, dark="#111", light="#fff", omitsize=True)


# ---- customers from one salesperson to another ----------------------------------------------------------------------

def sellers(excluding: User | None = None) -> list[User]:
    query = select(User).where(User.active.is_(True), User.role.in_(SELLERS)).order_by(User.display_name, User.username)
    if excluding is not None:
        query = query.where(User.id != excluding.id)
    return list(db.session.scalars(query))


def customers_of(user: User) -> list[Customer]:
    return list(db.session.scalars(select(Customer).where(Customer.salesperson_id == user.id).order_by(Customer.name)))


def reassign_customers(actor, from_user: User, to_user_id, customer_ids=None) -> list[Customer]:
    """Give `from_user`'s customers (all of them, or those named) and their open orders to another salesperson.

    Invoiced, paid and cancelled orders stay with who sold them, so past sales figures do not move.
    """
    to_user = db.session.get(User, to_user_id) if isinstance(to_user_id, int) else None
    if to_user is None or not to_user.active or to_user.role not in SELLERS:
        raise BusinessRuleError(_("Choose an active salesperson."), "to_user_id")
    if to_user.id == from_user.id:
        raise BusinessRuleError(_("Choose another salesperson than the current one."), "to_user_id")
    owned = {customer.id: customer for customer in customers_of(from_user)}
    if customer_ids is None:
        chosen = list(owned.values())
    else:
        if any(cid not in owned for cid in customer_ids):
            raise BusinessRuleError(_("Choose customers of %(name)s.", name=from_user.display_name), "customer_ids")
        chosen = [owned[cid] for cid in dict.fromkeys(customer_ids)]
    if not chosen:
        raise BusinessRuleError(_("Choose at least one customer."), "customer_ids")
    for customer in chosen:
        customer.salesperson_id = to_user.id
        audit.record(actor, "customer.reassign", customer, {"salesperson_id": (from_user.id, to_user.id)})
    orders = db.session.scalars(select(SalesOrder).where(
        SalesOrder.customer_id.in_([c.id for c in chosen]), SalesOrder.salesperson_id == from_user.id,
        SalesOrder.status.in_(OPEN_ORDER)))
    for order in orders:
        order.salesperson_id = to_user.id
        audit.record(actor, "sales_order.reassign", order, {"salesperson_id": (from_user.id, to_user.id)})
    return chosen


def customer_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Customer).where(Customer.salesperson_id == user.id))
