"""Sign-in, sign-out, language, and the user's own account and API tokens."""
from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from app.auth import devices, second_step, services, throttle, trust, two_factor
from app.auth.redirects import safe_next
from app.auth.forms import CodeForm, LanguageForm, LoginForm, PasswordForm, TokenForm
from app.auth.roles import EVERYONE, allow, public
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import form_write, new_key, refuse
from app.web import render

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
@form_write
def login():
    """Sign in with username and password, throttled per account and per address (per device once trusted)."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=safe_next(request.args.get("next")))
    if form.validate_on_submit():
        device = devices.trusted(form.username.data)
        if not throttle.login_allowed(form.username.data, _address(), device):
            form.password.errors.append(_("Too many attempts. Please wait a minute and try again."))
            return render("auth/login.html", form=form, status=429)
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            _failed(form.username.data, device, "password")
            form.password.errors.append(_("Wrong username or password."))
            return render("auth/login.html", form=form, status=422)
        if user.totp_enabled_at is None or trust.trusted(user):
            return _signed_in(user, form.remember.data, form.next.data,
                              "password" if user.totp_enabled_at is None else "trusted")
        second_step.start(user, form.remember.data, safe_next(form.next.data))
        return redirect(url_for("auth.verify"))
    return render("auth/login.html", form=form, status=422 if form.errors else 200)


@bp.route("/login/verify", methods=["GET", "POST"])
@public
@form_write
def verify():
    """The second step: a code from the authenticator app or a recovery code, under the sign-in limits."""
    if (waiting := second_step.pending()) is None:
        return redirect(url_for("auth.login"))
    user, state = waiting
    form = CodeForm()
    if form.validate_on_submit():
        device = devices.trusted(user.username)
        if not throttle.login_allowed(user.username, _address(), device):
            form.code.errors.append(_("Too many attempts. Please wait a minute and try again."))
            return render("auth/verify.html", form=form, status=429)
        if (method := two_factor.verify(user, form.code.data)) is None:
            _failed(user.username, device, "code")
            form.code.errors.append(_("That code is not right."))
            return render("auth/verify.html", form=form, status=422)
        response = _signed_in(user, state["r"], state["n"], method)
        if form.trust.data:
            trust.trust(response, user, _agent(), _address())
        return response
    return render("auth/verify.html", form=form, status=422 if form.errors else 200)


def _address() -> str:
    return request.remote_addr or "?"


def _agent() -> str:
    return request.headers.get("User-Agent", "")


def _failed(username: str, device: str | None, step: str) -> None:
    """Count the failure against the limits and log it; the log is committed although the answer refuses."""
    services.record_failure(username, step, _address(), locked=throttle.login_failed(username, device))
    db.session.commit()


def _signed_in(user, remember: bool, next_url: str | None, method: str):
    services.open_session(user, _agent(), _address())  # form_write commits it before the cookie is sent
    services.record_sign_in(user, method, _address(), _agent())
    session.clear()  # the second step's state goes with the rest
    login_user(user, remember=remember)
    response = redirect(safe_next(next_url) or url_for("home.index"))
    devices.remember(response, user.username)
    return response


@bp.route("/logout", methods=["POST"])
@allow(EVERYONE)
@form_write
def logout():
    """Sign out of this device, or with everywhere=1 of every device (a lost phone, a shared computer).

    The session ends server-side, so a copied session or remember-me cookie is void too.
    """
    if request.form.get("everywhere") == "1":
        services.sign_out_everywhere(g.user)
    else:
        services.close_session(g.user)
    return _signed_out()


def _signed_out():
    session.clear()
    logout_user()  # after clear(): it leaves the flag that deletes the remember-me cookie
    response = redirect(url_for("auth.login"))
    # The HTTP cache goes; the app's own stores stay: the shell empties its pages cache on sign-out (and on the
    # sign-in page), and writes still waiting in the outbox belong to this user and are sent at their next sign-in.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/language", methods=["POST"])
@public
@form_write
def language():
    """Switch language; kept on the user when signed in, in the session otherwise."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            services.set_locale(current_user, form.locale.data)
    return redirect(safe_next(form.next.data) or url_for("home.index"))


@bp.route("/account")
@allow(EVERYONE)
def account():
    """The user's own page: password, language and API tokens."""
    return _account_page()


def _account_page(password_form=None, token_form=None, new_secret=None, status=200):
    return render("auth/account.html", "auth/_tokens.html", status=status,
                  password_form=password_form or PasswordForm(),
                  token_form=token_form or TokenForm(idempotency_key=new_key()),
                  language_form=LanguageForm(locale=g.user.locale or "zh_CN"),
                  tokens=g.user.tokens, new_secret=new_secret)


@bp.route("/account/password", methods=["POST"])
@allow(EVERYONE)
@form_write
def change_password():
    """Change one's own password; other devices are signed out."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            revoked = services.change_own_password(g.user, form.current_password.data, form.new_password.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            services.open_session(g.user, _agent(), _address())  # this device keeps going in a new session
            # Remembered only if it was before.
            login_user(g.user, remember=current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies)
            flash(ngettext("Your password was changed. Your other devices were signed out and your %(num)s API "
                           "token was revoked.", "Your password was changed. Your other devices were signed out "
                           "and your %(num)s API tokens were revoked.", revoked) if revoked else
                  _("Your password was changed. Your other devices were signed out."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form, status=422)


def _token_created_before():
    """A double tap on "create token": the secret was shown to the first one only."""
    flash(_("This token was already created."), "info")
    return redirect(url_for("auth.account"))


@bp.route("/account/tokens", methods=["POST"])
@allow(EVERYONE)
@form_write(replay=_token_created_before)
def create_token():
    """Make an API token; its secret is shown once."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _token, secret = services.create_token(g.user, form.name.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            return _account_page(new_secret=secret, status=201)
    return _account_page(token_form=form, status=422)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@allow(EVERYONE)
@form_write
def revoke_token(token_id):
    """Revoke one of one's own tokens."""
    services.revoke_token(g.user, token_id)
    flash(_("The token was revoked."), "success")
    return redirect(url_for("auth.account"))
