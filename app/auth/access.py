"""Deny by default: one check before every request, for pages, fragments and the API."""
from flask import current_app, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select, update
from werkzeug.exceptions import Forbidden

from app import database
from app.auth import two_factor
from app.auth.models import ApiToken, TwoFactorRule, User, UserSession
from app.auth.redirects import safe_next
from app.auth.roles import PUBLIC, allowed_roles
from app.db_types import utcnow
from app.errors import is_api_request, problem
from app.extensions import db, htmx, login_manager

# Endpoints that are not our view functions but must stay open.
PUBLIC_ENDPOINTS = frozenset({"static"})


def enforce():
    """before_request: let the request through only if its view allows the caller's role."""
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return None  # unknown URLs fall through to the 404 handler
    roles = allowed_roles(current_app.view_functions[request.endpoint])
    g.user = user = api_user() if is_api_request() else _session_user()
    if roles == PUBLIC:
        return None
    if user is None:
        return _unauthenticated()
    if roles is None or user.role not in roles:
        raise Forbidden()
    if not is_api_request() and request.endpoint not in WHILE_ENROLLING and two_factor.must_enrol(user):
        return _enrol_first()
    return None


def _enrol_first():
    """To the enrolment page; a fragment a page loads by itself (the header's badges) gets nothing instead, or the
    enrolment page, which loads them too, would send itself there again and again."""
    if htmx and not htmx.boosted:
        return current_app.response_class(status=204)
    return redirect(url_for("auth.two_factor"))


# What a user whose role requires a second factor may open before setting it up: nothing else.
WHILE_ENROLLING = frozenset({"auth.two_factor", "auth.two_factor_enable", "auth.logout", "auth.language",
                             "help.page", "pwa.csrf_token"})


def may(endpoint: str) -> bool:
    """Whether the signed-in user's role passes the @allow of the view at `endpoint`: templates offer a link or
    button only to those its view lets in, so each rule is written once, on the view (a template global)."""
    roles = allowed_roles(current_app.view_functions[endpoint])  # a misspelt endpoint fails loudly
    if roles == PUBLIC:
        return True
    user = g.get("user")
    return roles is not None and user is not None and user.role in roles


def _session_user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def api_user():
    """The user of a valid bearer token; session cookies never count on the API."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    found = db.session.execute(_TOKEN_USER, {"token_hash": ApiToken.hash(secret.strip())}).first()
    if found is None or not found.User.active:
        return None
    user, token_id, last_used = found
    now = utcnow()
    if last_used is None or (now - last_used).total_seconds() > SEEN_EVERY:
        # Coarse, so a busy client does not write on every call.
        _note_use(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return user


# Built once (the API's hottest query): the user of a token not revoked (api_user then wants them active), and what
# moving its "last used" needs, in one round trip; the token itself is not loaded (a tenth of a millisecond).
_TOKEN_USER = (select(User, ApiToken.id, ApiToken.last_used_at).join(ApiToken, ApiToken.user_id == User.id)
               .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None)))


def _note_use(statement) -> None:
    """Move a token's or a session's "last used" forward. A write request's transaction carries it (one transaction
    a request: it commits with the work, or goes with the work's rollback); a read request commits it at once."""
    if database.writing():
        db.session.execute(statement)
    else:
        database.commit_hint(statement)


def _unauthenticated():
    if is_api_request():
        return problem(401, "unauthenticated", _("Please sign in."),
                       _("Send a valid API token as 'Authorization: Bearer <token>'."),
                       headers={"WWW-Authenticate": "Bearer"})
    login = url_for("auth.login", next=safe_next(request.full_path.rstrip("?")))
    if htmx:
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = login
        return response
    return redirect(login)


@login_manager.user_loader
def load_user(session_id: str):
    """The session's user while its session row exists (sign-out deletes it) and its version is current."""
    user_id, version, row_id = (session_id.split(":") + ["", ""])[:3]
    if not user_id.isdigit() or not row_id:
        return None
    found = db.session.execute(_SESSION_USER, {"user_id": int(user_id), "row_id": row_id}).first()
    if found is None or not found.User.active or str(found.User.session_version) != version:
        return None
    user, last_seen, rule = found
    now = utcnow()
    if last_seen is None or (now - last_seen).total_seconds() >= SEEN_EVERY:  # no write per request
        _note_use(update(UserSession).where(UserSession.id == row_id).values(last_seen_at=now))
    user.session_id = row_id
    user.two_factor_required = two_factor.role_requires(user.role, rule)
    return user


SEEN_EVERY = 300  # s: how stale a token's or a session's "last used" may grow
# One round trip per page request: the user, if this session of theirs is still open, and their role's second-factor
# rule (enforce asks two_factor.must_enrol on every page; reading the rules apart was a query a request).
_SESSION_USER = (select(User, UserSession.last_seen_at, TwoFactorRule.required)
                 .join(UserSession, UserSession.user_id == User.id)
                 .outerjoin(TwoFactorRule, TwoFactorRule.role == User.role)
                 .where(User.id == bindparam("user_id"), UserSession.id == bindparam("row_id")))
