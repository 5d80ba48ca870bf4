"""Share links: make or reuse one for a document, revoke, find the one a token opens, log each opening.

Who may share which document is decided by the routes (app.sharing.routes: the roles that see the document, and
for invoices and quotations its prices) and by the data scope that loaded the document; nothing here checks access.
Like every service, nothing here commits.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import services as audit
from app.db_types import utcnow
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import parse_int
from app.sales.models import OrderStatus, SalesDelivery, SalesInvoice, SalesOrder
from app.sharing import tokens
from app.sharing.models import ShareLink, ShareOpening

DEFAULT_DAYS = 30
MAX_DAYS = 365
# Sharing again reuses the newest open link while it has this long left, so one document does not collect a new link
# per tap; closer to its end a fresh link is made, so what the customer gets lasts.
REUSE_MIN_DAYS = 7
KINDS = {"invoice": ("sales_invoice_id", SalesInvoice), "quotation": ("sales_order_id", SalesOrder),
         "delivery": ("sales_delivery_id", SalesDelivery)}
USER_AGENT_LENGTH = 300


class LinkUnusable(Exception):
    """A token that opens nothing: `reason` is "unknown" (bad signature, no such link), "expired" or "revoked"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class LinkRow:
    """A link as the document page lists it."""
    link: ShareLink
    url: str
    opened: int
    last_opened: datetime | None
    active: bool
    current: bool = False  # the link sharing again would hand out (share() reuses it)


def _column(kind: str):
    return getattr(ShareLink, KINDS[kind][0])


def url_of(link: ShareLink) -> str:
    """The link's public address (absolute: it leaves the app in a chat message or a QR code)."""
    return url_for("sharing.view", token=tokens.make(link.id, link.nonce), _external=True)


def parse_days(text) -> int:
    """How many days a new link lasts: whole days from 1 to MAX_DAYS, default DEFAULT_DAYS."""
    if text is None or text == "":
        return DEFAULT_DAYS
    try:
        return parse_int(str(text), 1, MAX_DAYS)
    except ValueError:
        raise BusinessRuleError(_l("A link lasts from 1 to %(most)s days.", most=MAX_DAYS), field="days") from None


def _check_shareable(kind: str, document) -> None:
    if kind == "quotation" and document.status == OrderStatus.CANCELLED:
        raise BusinessRuleError(_l("A cancelled order has no quotation to share."), problem="invalid-state")


def _reusable(kind: str, document, now: datetime) -> ShareLink | None:
    return db.session.scalar(select(ShareLink).where(
        _column(kind) == document.id, ShareLink.revoked_at.is_(None),
        ShareLink.expires_at > now + timedelta(days=REUSE_MIN_DAYS)).order_by(ShareLink.id.desc()).limit(1))


def open_url(kind: str, document) -> str | None:
    """The address sharing `document` again would hand out, if it has such a link (reads only)."""
    link = _reusable(kind, document, utcnow())
    return url_of(link) if link is not None else None


def share(actor, kind: str, document, days: int | None = None) -> ShareLink:
    """A link to `document`: the newest open one if it has REUSE_MIN_DAYS left and no length was asked for, else a
    new one lasting `days` (DEFAULT_DAYS)."""
    _check_shareable(kind, document)
    now = utcnow()
    if days is None and (reusable := _reusable(kind, document, now)) is not None:
        return reusable
    link = ShareLink(nonce=secrets.token_urlsafe(12), created_at=now, created_by_id=getattr(actor, "id", None),
                     expires_at=now + timedelta(days=days or DEFAULT_DAYS), **{KINDS[kind][0]: document.id})
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "share_link.create", document, {"share_link": (None, link.id),
                                                         "expires_at": (None, link.expires_at)})
    return link


def share_url(kind: str, document, actor) -> str:
    """The address a customer opens to see `document` (made if it has no usable link yet): for messages and QR codes.

    `kind` is "invoice" (a SalesInvoice), "quotation" (a SalesOrder) or "delivery" (a SalesDelivery). The caller has
    loaded the document through the data scope and checked the actor may share it; the caller commits. Needs a request
    context (the address is absolute, from the request's host) or SERVER_NAME.
    """
    return url_of(share(actor, kind, document))


def revoke(actor, link: ShareLink) -> bool:
    """Stop a link working; False if it already had."""
    if link.revoked_at is not None:
        return False
    link.revoked_at, link.revoked_by_id = utcnow(), getattr(actor, "id", None)
    audit.record(actor, "share_link.revoke", link.document, {"share_link": (link.id, None)})
    return True


def revoke_all(actor, kind: str, document) -> int:
    """Stop every open link of `document`; how many were open."""
    links = db.session.scalars(select(ShareLink).where(_column(kind) == document.id,
                                                       ShareLink.revoked_at.is_(None))).all()
    return sum(revoke(actor, link) for link in links)


def find_link(kind: str, document, link_id) -> ShareLink | None:
    """One of `document`'s links by id (None if it is another document's)."""
    if not isinstance(link_id, int):
        return None
    return db.session.scalar(select(ShareLink).where(ShareLink.id == link_id, _column(kind) == document.id))


def links_of(kind: str, document) -> list[LinkRow]:
    """Every link of `document`, newest first, with how often and when last it was opened."""
    openings = (select(ShareOpening.link_id, func.count().label("opened"), func.max(ShareOpening.at).label("last"))
                .group_by(ShareOpening.link_id).subquery())
    rows = db.session.execute(select(ShareLink, openings.c.opened, openings.c.last)
                              .outerjoin(openings, openings.c.link_id == ShareLink.id)
                              .where(_column(kind) == document.id).order_by(ShareLink.id.desc())).all()
    now = utcnow()
    found = [LinkRow(link, url_of(link), opened or 0, last, link.active(now)) for link, opened, last in rows]
    reusable = _reusable(kind, document, now)
    for row in found:
        row.current = row.link is reusable
    return found


def open_link(token: str) -> ShareLink:
    """The link a token opens, or LinkUnusable saying why not."""
    read = tokens.read(token)
    link = db.session.get(ShareLink, read[0]) if read else None
    if link is None or not tokens.same_nonce(link.nonce, read[1]):
        raise LinkUnusable("unknown")
    if link.revoked_at is not None or (link.kind == "quotation" and link.order.status == OrderStatus.CANCELLED):
        raise LinkUnusable("revoked")
    if link.expires_at <= utcnow():
        raise LinkUnusable("expired")
    return link


def log_opening(link: ShareLink, part: str, address: str, user_agent: str) -> None:
    """Remember that someone opened the link's page or PDF, from where and with what."""
    db.session.add(ShareOpening(link_id=link.id, at=utcnow(), part=part, address=(address or "?")[:45],
                                user_agent=(user_agent or "")[:USER_AGENT_LENGTH]))
