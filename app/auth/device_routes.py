"""Where the user is signed in (end any of it), the devices trusted to skip the code, and the owner's 2FA policy."""
import re

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _

from app.auth import browsers, services, trust, two_factor
from app.auth.forms import SecurityPolicyForm
from app.auth.roles import EVERYONE, Role, allow
from app.auth.routes import bp
from app.forms import form_write
from app.web import render

HANDLE = re.compile(r"[0-9a-f]{16}")


@bp.route("/account/devices")
@allow(EVERYONE)
def devices():
    """The browsers signed in as this user, and the devices trusted to skip the second step."""
    return render("auth/devices.html", sessions=services.sessions_of(g.user), trusted=trust.devices_of(g.user),
                  browser=browsers.describe)


@bp.route("/account/devices/<handle>/end", methods=["POST"])
@allow(EVERYONE)
@form_write
def end_device(handle):
    """Sign one of one's browsers out (this one included: then it is the sign-in page next)."""
    if not HANDLE.fullmatch(handle) or not services.end_session(g.user, handle):
        abort(404)
    flash(_("That device was signed out."), "success")
    return redirect(url_for("auth.devices"))


@bp.route("/account/trusted/<int:device_id>/forget", methods=["POST"])
@allow(EVERYONE)
@form_write
def forget_device(device_id):
    """Stop trusting a device: it is asked for a code at its next sign-in."""
    if not trust.forget(g.user, device_id):
        abort(404)
    flash(_("That device will be asked for a code again."), "success")
    return redirect(url_for("auth.devices"))


@bp.route("/settings/security", methods=["GET", "POST"])
@allow(Role.OWNER)
@form_write
def security_policy():
    """Which roles must use two-step sign-in."""
    form = SecurityPolicyForm(data={"roles": [role.value for role in two_factor.required_roles()]})
    if form.validate_on_submit():
        two_factor.set_required_roles(g.user, form.roles.data)
        flash(_("Saved."), "success")
        return redirect(url_for("auth.security_policy"))
    return render("auth/security_policy.html", form=form, status=422 if form.errors else 200)
