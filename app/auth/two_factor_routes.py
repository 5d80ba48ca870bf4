"""The user's own second factor: set it up (QR code, confirm a code, recovery codes once), new codes, turn it off."""
from flask import flash, g, redirect, session, url_for
from flask_babel import gettext as _

from app.auth import two_factor
from app.auth.forms import ConfirmPasswordForm, DisableTwoFactorForm, EnableTwoFactorForm
from app.auth.roles import EVERYONE, allow
from app.auth.routes import bp
from app.errors import BusinessRuleError
from app.forms import form_write, refuse
from app.settings.services import company
from app.web import render

ENROLLING = "totp_enrolling"  # the secret being set up, in the signed session until a code from it is confirmed


@bp.route("/account/2fa", endpoint="two_factor")
@allow(EVERYONE)
def two_factor_page():
    """Two-step sign-in: set it up, or see it is on, get new recovery codes, turn it off."""
    return _page()


def _page(enable_form=None, codes_form=None, disable_form=None, recovery_codes=None, status=200):
    context = {"required": two_factor.is_required(g.user), "recovery_codes": recovery_codes}
    if g.user.totp_enabled_at is None:
        secret = _enrolling_secret()
        uri = two_factor.provisioning_uri(g.user, secret, company().name)
        context.update(secret=secret, qr=two_factor.qr_svg(uri),
                       enable_form=enable_form or EnableTwoFactorForm(formdata=None))
    else:
        # formdata=None: the forms not posted start empty (a posted code must not reappear in "turn off").
        context.update(codes_left=two_factor.recovery_codes_left(g.user),
                       codes_form=codes_form or ConfirmPasswordForm(formdata=None),
                       disable_form=disable_form or DisableTwoFactorForm(formdata=None))
    return render("auth/two_factor.html", status=status, **context)


def _enrolling_secret() -> str:
    """The same secret on every reload (the QR code the phone scanned stays right), tied to this user."""
    held = session.get(ENROLLING)
    if not isinstance(held, dict) or held.get("u") != g.user.id or not isinstance(held.get("s"), str):
        held = session[ENROLLING] = {"u": g.user.id, "s": two_factor.new_secret()}
    return held["s"]


@bp.route("/account/2fa/enable", methods=["POST"])
@allow(EVERYONE)
@form_write
def two_factor_enable():
    """Confirm a code from the app: two-step sign-in is on, and the recovery codes are shown once."""
    form = EnableTwoFactorForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(g.user, _enrolling_secret(), form.code.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            session.pop(ENROLLING, None)
            return _page(recovery_codes=codes)
    return _page(enable_form=form, status=422)


@bp.route("/account/2fa/recovery-codes", methods=["POST"])
@allow(EVERYONE)
@form_write
def two_factor_codes():
    """New recovery codes (the old ones stop working), shown once."""
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        try:
            return _page(recovery_codes=two_factor.regenerate_codes(g.user, form.password.data))
        except BusinessRuleError as error:
            refuse(form, error)
    return _page(codes_form=form, status=422)


@bp.route("/account/2fa/disable", methods=["POST"])
@allow(EVERYONE)
@form_write
def two_factor_disable():
    """Turn two-step sign-in off with the password and a code."""
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        try:
            two_factor.disable(g.user, form.password.data, form.code.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Two-step sign-in is off."), "success")
            return redirect(url_for("auth.two_factor"))
    return _page(disable_form=form, status=422)
