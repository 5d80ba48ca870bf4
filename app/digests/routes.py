"""Scheduled report screens: the user's subscriptions (owner and finance) and the SMTP server (owner)."""
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.auth.roles import Role, allow
from app.digests import sending, services
from app.digests.forms import SmtpForm, SubscriptionForm, TestEmailForm, weekday_name
from app.digests.models import Channel
from app.digests.transport import DeliveryError, valid_address
from app.errors import BusinessRuleError
from app.forms import form_write, new_key, refuse
from app.web import render

bp = Blueprint("digests", __name__, url_prefix="/settings/reports")

CHANNELS = {Channel.EMAIL: _l("Email"), Channel.APP: _l("In the app"), Channel.WECOM: _l("WeCom")}


def _mine(subscription_id: int):
    return services.find(g.user, subscription_id) or abort(404)


@bp.route("", methods=["GET", "POST"])
@allow(services.SUBSCRIBERS)
@form_write
def index():
    """The user's summaries (daily or weekly, by email, in the app, to WeCom) and a form to add or change one."""
    edit_id = request.args.get("edit", type=int)
    editing = _mine(edit_id) if edit_id else None
    form = SubscriptionForm(obj=editing, idempotency_key=new_key())
    if form.validate_on_submit():
        try:
            services.save_subscription(g.user, form.values(), editing)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Subscription saved."), "success")
            return redirect(url_for("digests.index"), 303)
    return render("digests/index.html", form=form, editing=editing, subscriptions=services.subscriptions_of(g.user),
                  smtp=services.smtp(), channels=CHANNELS, weekday_name=weekday_name,
                  status=422 if request.method == "POST" else 200)


@bp.route("/<int:subscription_id>/send", methods=["POST"])
@allow(services.SUBSCRIBERS)
@form_write
def send_now(subscription_id):
    """Send the latest period's summary now on every channel, to try the subscription."""
    for channel, error in sending.send_now(_mine(subscription_id)).items():
        if error:
            flash(_("%(channel)s: %(error)s", channel=CHANNELS[channel], error=error), "error")
        else:
            flash(_("%(channel)s: sent.", channel=CHANNELS[channel]), "success")
    return redirect(url_for("digests.index"), 303)


@bp.route("/<int:subscription_id>/delete", methods=["POST"])
@allow(services.SUBSCRIBERS)
@form_write
def delete(subscription_id):
    """Stop and remove one of the user's subscriptions."""
    services.delete_subscription(g.user, _mine(subscription_id))
    flash(_("Subscription removed."), "success")
    return redirect(url_for("digests.index"), 303)


@bp.route("/smtp", methods=["GET", "POST"])
@allow(Role.OWNER)
@form_write
def smtp():
    """The SMTP server reports are emailed through; the password is never shown back."""
    settings = services.smtp()
    form = SmtpForm(obj=settings if request.method == "GET" else None)  # a PasswordField never shows its value
    if form.validate_on_submit():
        try:
            services.update_smtp(g.user, form.values())
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Email settings saved."), "success")
            return redirect(url_for("digests.smtp"), 303)
    return render("digests/smtp.html", form=form, settings=settings, test_form=TestEmailForm(),
                  status=422 if request.method == "POST" else 200)


@bp.route("/smtp/test", methods=["POST"])
@allow(Role.OWNER)
def smtp_test():
    """Send a short test email through the saved SMTP settings and say how it went."""
    to = (TestEmailForm().to.data or "").strip()
    if not valid_address(to):
        flash(_("Enter one email address to send the test to."), "error")
        return redirect(url_for("digests.smtp"), 303)
    try:
        sending.send_test_email(g.user, to)
    except DeliveryError as error:
        flash(str(error), "error")
    else:
        flash(_("Test email sent to %(to)s.", to=to), "success")
    return redirect(url_for("digests.smtp"), 303)
