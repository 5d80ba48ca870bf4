"""Subscriptions and the SMTP server: the rules for what may be saved. Sending is app.digests.sending."""
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import services as audit
from app.auth.roles import MONEY_REPORT_READERS
from app.digests.models import Frequency, Security, SmtpSettings, Subscription
from app.digests.transport import WECOM_PREFIX, valid_address
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import parse_int

SMTP_ID = 1
# Who may subscribe: the summary shows margins and what customers owe, which only they see on the dashboard.
SUBSCRIBERS = MONEY_REPORT_READERS
FIELDS = ("frequency", "weekday", "hour", "email", "in_app", "wecom_url", "active")


def smtp() -> SmtpSettings:
    """The SMTP settings, or unsaved empty ones before the owner first saves."""
    return db.session.get(SmtpSettings, SMTP_ID) or SmtpSettings(
        id=SMTP_ID, host="", port=465, security=Security.SSL, username="", password="", sender="")


def update_smtp(actor, values: dict) -> SmtpSettings:
    """Save the SMTP server. An empty password keeps the stored one (the screen never shows it back) unless
    `clear_password` is set."""
    settings = smtp()
    db.session.add(settings)
    host = (values.get("host") or "").strip()
    sender = (values.get("sender") or "").strip()
    if values.get("security") not in set(Security):
        raise BusinessRuleError(_("Choose how the connection is secured."), field="security")
    try:
        port = parse_int(str(values.get("port") or ""), 1, 65535)
    except ValueError:
        raise BusinessRuleError(_("Enter a port from 1 to 65535."), field="port") from None
    if host and not sender:
        raise BusinessRuleError(_("Enter the address the email is sent from."), field="sender")
    if sender and not valid_address(sender):
        raise BusinessRuleError(_("Enter one email address, like reports@example.com."), field="sender")
    changes = {"host": host, "port": port, "security": values["security"], "sender": sender,
               "username": (values.get("username") or "").strip()}
    if values.get("password"):
        changes["password"] = values["password"]
    elif values.get("clear_password"):
        changes["password"] = ""
    changed = audit.apply_changes(settings, changes, secret=frozenset({"password"}))
    if changed:
        audit.record(actor, "smtp.update", settings, changed)
    return settings


def subscriptions_of(user) -> list[Subscription]:
    return db.session.scalars(select(Subscription).where(Subscription.user_id == user.id)
                              .order_by(Subscription.id)).all()


def find(user, subscription_id: int) -> Subscription | None:
    """The user's own subscription of that id; another user's is not found."""
    found = db.session.get(Subscription, subscription_id)
    return found if found is not None and found.user_id == user.id else None


def _clean(values: dict) -> dict:
    clean = {name: values.get(name) for name in FIELDS}
    if clean["frequency"] not in set(Frequency):
        raise BusinessRuleError(_("Choose daily or weekly."), field="frequency")
    for name, low, high, message in (("hour", 0, 23, _("Choose an hour from 0 to 23.")),
                                     ("weekday", 0, 6, _("Choose a day of the week."))):
        try:
            clean[name] = parse_int(str(clean[name] if clean[name] is not None else ""), low, high)
        except ValueError:
            raise BusinessRuleError(message, field=name) from None
    clean["email"] = (clean["email"] or "").strip()
    clean["wecom_url"] = (clean["wecom_url"] or "").strip()
    clean["in_app"], clean["active"] = bool(clean["in_app"]), bool(clean["active"])
    if clean["email"] and not valid_address(clean["email"]):
        raise BusinessRuleError(_("Enter one email address, like boss@example.com."), field="email")
    url = clean["wecom_url"]
    if url and not (url.startswith(WECOM_PREFIX) and len(url) > len(WECOM_PREFIX)):
        raise BusinessRuleError(_("Paste the group robot's webhook address, starting with %(prefix)s",
                                  prefix=WECOM_PREFIX), field="wecom_url")
    if not (clean["email"] or clean["in_app"] or clean["wecom_url"]):
        raise BusinessRuleError(_("Choose at least one way to receive it."), field="in_app")
    return clean


def save_subscription(actor, values: dict, subscription: Subscription | None = None) -> Subscription:
    """Make (or change) one of `actor`'s subscriptions."""
    if actor.role not in SUBSCRIBERS:
        raise BusinessRuleError(_("Only the owner and finance receive the summary."))
    clean = _clean(values)
    if subscription is None:
        subscription = Subscription(user_id=actor.id, **clean)
        db.session.add(subscription)
        audit.record(actor, "digest_subscription.create", subscription, {name: (None, clean[name]) for name in clean
                                                                         if name != "wecom_url"})
        return subscription
    # The robot's key is a secret of the group: the log says it changed, not what it is.
    changed = audit.apply_changes(subscription, clean, secret=frozenset({"wecom_url"}))
    if changed:
        audit.record(actor, "digest_subscription.update", subscription, changed)
    return subscription


def delete_subscription(actor, subscription: Subscription) -> None:
    audit.record(actor, "digest_subscription.delete", subscription)
    db.session.delete(subscription)
