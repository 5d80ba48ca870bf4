"""The bell in the header and the list of the user's notifications."""
from flask import Blueprint, g, redirect, url_for

from app.auth.roles import EVERYONE, allow
from app.forms import form_write
from app.notifications import services
from app.web import render, wants_fragment

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@allow(EVERYONE)
def index():
    """The user's notifications, newest first, unread ones marked."""
    return render("notifications/index.html", items=services.latest(g.user), unread=services.unread_count(g.user))


@bp.route("/notifications/bell")
@allow(EVERYONE)
def bell():
    """The bell's unread count, loaded after the page so no page waits for it."""
    response = render("notifications/_bell.html", unread=services.unread_count(g.user), limit=services.MAX_BADGE)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/notifications/read", methods=["POST"])
@bp.route("/notifications/<int:notification_id>/read", methods=["POST"], endpoint="mark_read")
@allow(EVERYONE)
@form_write
def read_all(notification_id=None):
    """Mark one notification (or all of them) read."""
    services.mark_read(g.user, notification_id)
    if wants_fragment():
        response = render("notifications/_list.html", items=services.latest(g.user),
                          unread=services.unread_count(g.user))
        response.headers["HX-Trigger"] = "notifications-read"  # the bell counts again
        return response
    return redirect(url_for("notifications.index"), 303)
