"""A Digest in words, in the subscriber's language: a subject, plain text, HTML for email, Markdown for WeCom.

The same templates (templates/digests/) draw every channel from the same figures, so they cannot disagree.
"""
import os
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from app.digests.models import Frequency
from app.digests.summary import Digest
from app.formatting import date_
from app.settings.services import company

# WeCom's robot takes Markdown messages up to 4,096 bytes; the summary stays well below.
WECOM_MAX_BYTES = 4096


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    markdown: str


def locale_of(user) -> str:
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def base_url() -> str:
    """Where the app is reached from outside (JXC_BASE_URL), for links in the summary; "" leaves them out."""
    return (current_app.config.get("BASE_URL") or os.environ.get("JXC_BASE_URL", "")).rstrip("/")


def dashboard_path() -> str:
    """The dashboard's path, built without a request (the task queue has none)."""
    return current_app.url_map.bind("localhost").build("reports.dashboard")


def title(digest: Digest, frequency: str) -> str:
    period = digest.period
    name = company().name or _("JXC")
    if frequency == Frequency.WEEKLY:
        return _("%(company)s weekly summary, %(start)s to %(end)s", company=name,
                 start=date_(period.start, "short"), end=date_(period.end, "short"))
    return _("%(company)s daily summary for %(day)s", company=name, day=date_(period.start, "medium"))


def message(digest: Digest, frequency: str, locale: str) -> Message:
    """The summary drawn in `locale` (zh_CN or en)."""
    with force_locale(locale):
        link = base_url() + dashboard_path() if base_url() else ""
        context = {"digest": digest, "subject": title(digest, frequency), "link": link}
        return Message(context["subject"], render_template("digests/email.txt", **context),
                       render_template("digests/email.html", **context),
                       render_template("digests/wecom.md", **context))
