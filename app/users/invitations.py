"""Inviting a user by a one-time link: the owner's side (invite, re-issue, revoke) and the employee's (accept)."""
from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from app.auth import devices, services as auth, throttle
from app.auth.models import User
from app.auth.roles import EVERYONE, Role, allow, public
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import form_write, new_key, refuse
from app.users import services
from app.users.routes import bp
from app.users.forms import AcceptInvitationForm, InviteForm
from app.web import render


@bp.route("/users/invite", methods=["GET", "POST"])
@allow(Role.OWNER)
@form_write
def invite():
    """Invite someone by name, role and phone; their one-time link and QR code are shown once."""
    form = InviteForm(idempotency_key=new_key(), role=Role.SALES.value)
    if form.validate_on_submit():
        try:
            user, token = services.invite_user(g.user, form.display_name.data, form.role.data, form.phone.data,
                                               form.username.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            response = _link_page(user, token, status=201)
            # The link is shown once; a double tap goes to the user's page (form_write keeps this Location).
            response.headers["Location"] = url_for("users.show", user_id=user.id)
            return response
    return render("users/invite.html", form=form, status=422 if form.errors else 200)


@bp.route("/users/invite/username")
@allow(Role.OWNER)
def propose_username():
    """A free username for the name or phone typed so far (plain text, for the invite form's script)."""
    name, phone = request.args.get("name", "")[:100], request.args.get("phone", "")[:30]
    response = current_app.response_class(services.propose_username(name, phone), mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def _link_page(user: User, token: str, status: int = 200):
    url = url_for("users.accept", token=token, _external=True)
    response = render("users/invitation.html", user=user, url=url, qr=services.qr_svg(url),
                      invitation=services.latest_invitation(user), status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _pending_user(user_id) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/users/<int:user_id>/invitation", methods=["POST"])
@allow(Role.OWNER)
@form_write
def reissue(user_id):
    """A new link for a pending user (the previous one stops working)."""
    user = _pending_user(user_id)
    try:
        token = services.issue_invitation(g.user, user)
    except BusinessRuleError as error:
        refuse(None, error)
        return redirect(url_for("users.show", user_id=user.id))
    return _link_page(user, token)


@bp.route("/users/<int:user_id>/invitation/revoke", methods=["POST"])
@allow(Role.OWNER)
@form_write
def revoke_invitation(user_id):
    """End a pending user's link; they cannot set a password until a new one is issued."""
    user = _pending_user(user_id)
    services.revoke_invitation(g.user, user)
    flash(_("The invitation link of %(name)s no longer works.", name=user.display_name), "success")
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/users/invitations", methods=["POST"])
@allow(Role.OWNER)
@form_write
def invitation_sheet():
    """New links and QR codes for everyone still waiting (e.g. after a users import), on one printable page."""
    cards = []
    for user, _invitation in services.pending_users():
        token = services.issue_invitation(g.user, user)
        url = url_for("users.accept", token=token, _external=True)
        cards.append((user, url, services.qr_svg(url)))
    if not cards:
        flash(_("Nobody is waiting for an invitation."), "info")
        return redirect(url_for("users.index"))
    response = render("users/invitation_sheet.html", cards=cards,
                      expires=services.latest_invitation(cards[0][0]).expires_at)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
@form_write
def accept(token):
    """The invited employee sets a password through the link and is signed in."""
    address = request.remote_addr or "?"
    if not throttle.invitation_allowed(address):
        return _invite_page("users/invitation_unusable.html", reason="throttled", status=429)
    try:
        invitation = services.find_invitation(token)
    except services.InvitationUnusable as unusable:
        if unusable.reason == "unknown":
            throttle.invitation_failed(address)
        return _invite_page("users/invitation_unusable.html", reason=unusable.reason,
                            status=404 if unusable.reason == "unknown" else 410)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.password.data, form.confirm.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            # form_write commits it with the password, before the cookie is sent
            auth.open_session(user, request.headers.get("User-Agent", ""), request.remote_addr or "")
            session.clear()
            login_user(user)
            response = redirect(url_for("users.welcome"))
            devices.remember(response, user.username)
            return response
    return _invite_page("users/accept.html", form=form, invitation=invitation, user=invitation.user,
                        status=422 if form.errors else 200)


def _invite_page(template: str, status: int = 200, **context):
    response = render(template, status=status, **context)
    # The token is in the URL: keep it out of caches and out of the Referer of anything the page loads.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/welcome")
@allow(EVERYONE)
def welcome():
    """After accepting an invitation: signed in, with the offer to add JXC to the home screen."""
    return render("users/welcome.html")
