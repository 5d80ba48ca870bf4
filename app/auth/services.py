"""Users, passwords and API tokens: the rules, without HTTP."""
import re
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.audit import services as audit
from app.auth import browsers
from app.auth.models import ApiToken, TrustedDevice, User, UserInvitation, UserSession
from app.auth.roles import Role
from app.db_types import utcnow
from app.errors import BusinessRuleError, Duplicate, InvalidState
from app.extensions import db

USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
MIN_PASSWORD = 8
PHONE = re.compile(r"\+?[0-9][0-9 \-]{4,28}", re.ASCII)
LANGUAGES = {"zh_CN": "中文", "en": "English"}

# A hash to compare against when the username is unknown, so timing does not reveal which names exist.
_DUMMY_HASH = None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD:
        raise BusinessRuleError(_("Use at least %(n)d characters.", n=MIN_PASSWORD), field)


def clean_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if phone and not PHONE.fullmatch(phone):
        raise BusinessRuleError(_("Enter a phone number: digits, spaces, dashes, an optional + at the start."),
                                "phone")
    return phone


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, or None."""
    global _DUMMY_HASH
    user = find_user(username or "")
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password("not a real password")
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active or user.pending:
        return None
    user.last_login_at = utcnow()
    return user


def create_user(actor, username: str, role, password: str, display_name: str = "") -> User:
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise BusinessRuleError(_("2 to 64 letters, digits, dots, dashes or underscores."), "username")
    if find_user(username):
        raise Duplicate(_("The username %(name)s is taken.", name=username), "username")
    role = parse_role(role)
    check_password_rules(password)
    user = User(username=username, role=role, display_name=(display_name or "").strip() or username,
                password_hash=hash_password(password))
    db.session.add(user)
    audit.record(actor, "user.create", user, {"role": (None, role), "display_name": (None, user.display_name)})
    return user


def parse_role(role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise BusinessRuleError(_("Choose one of the roles."), "role") from None


def update_user(actor, user: User, *, role=None, display_name=None, phone=None) -> User:
    values = {}
    if phone is not None:
        values["phone"] = clean_phone(phone)
    if role is not None:
        values["role"] = parse_role(role)
        if user.id == actor.id and values["role"] != user.role:
            raise BusinessRuleError(_("You cannot change your own role."), "role")
        if values["role"] != Role.OWNER and user.active:
            _ensure_another_owner(user, _("The last active owner cannot stop being an owner."), "role")
    if display_name is not None:
        if not display_name.strip():
            raise BusinessRuleError(pgettext("person", "Enter a name."), "display_name")
        values["display_name"] = display_name.strip()
    if changes := audit.apply_changes(user, values):
        audit.record(actor, "user.update", user, changes)
    return user


def set_active(actor, user: User, active: bool) -> User:
    """Deactivating signs the user out everywhere and revokes its API tokens for good."""
    if user.id == actor.id and not active:
        raise InvalidState(_("You cannot deactivate yourself."))
    if user.active == active:
        return user
    if not active:
        _ensure_another_owner(user)
        end_sessions(user)
        for token in user.tokens:
            token.revoked_at = token.revoked_at or utcnow()
        _revoke_invitations(user)  # a link must not come back to life if the user is reactivated later
    audit.record(actor, "user.activate" if active else "user.deactivate", user,
                 {"active": (not active, active)})
    user.active = active
    return user


def _revoke_invitations(user: User) -> None:
    db.session.execute(update(UserInvitation).where(
        UserInvitation.user_id == user.id, UserInvitation.accepted_at.is_(None),
        UserInvitation.revoked_at.is_(None)).values(revoked_at=utcnow()))


def _ensure_another_owner(user: User, message=None, field=None) -> None:
    """Refuse to leave the company without an active owner who can sign in (a pending owner cannot)."""
    if user.role == Role.OWNER and not user.pending and db.session.scalar(
            select(func.count()).select_from(User).where(
                User.role == Role.OWNER, User.active.is_(True), User.pending.is_(False), User.id != user.id)) == 0:
        raise InvalidState(message or _("The last active owner cannot be deactivated."), field)


def open_session(user: User, user_agent: str = "", ip: str = "") -> UserSession:
    """A new signed-in session of `user` (its id goes into the cookies through User.get_id); sessions older
    than the longest a cookie may live are dropped on the way. The browser and address are for the devices page."""
    oldest = utcnow() - timedelta(seconds=current_app.config["REMEMBER_COOKIE_DURATION"])
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.created_at < oldest))
    row = UserSession(id=secrets.token_urlsafe(32), user_id=user.id, user_agent=(user_agent or "")[:255],
                      ip=(ip or "")[:45], last_seen_at=utcnow())
    db.session.add(row)
    user.session_id = row.id
    return row


def close_session(user: User) -> None:
    """End the session `user` was loaded for (sign-out on this device); its cookies stop working everywhere."""
    if user.session_id:
        db.session.execute(delete(UserSession).where(UserSession.id == user.session_id))
    user.session_id = None


def end_sessions(user: User) -> None:
    """End every session of `user` on every device, remember-me cookies and trusted 2FA devices included."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(delete(TrustedDevice).where(TrustedDevice.user_id == user.id))
    user.session_version += 1
    user.session_id = None


def sessions_of(user: User) -> list[UserSession]:
    """The user's signed-in browsers, the most recently seen first."""
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(
        UserSession.last_seen_at.desc().nulls_last(), UserSession.created_at.desc())))


def end_session(user: User, handle: str) -> bool:
    """End one of the user's own sessions, named by its handle (UserSession.handle); False if there is none."""
    row = next((row for row in sessions_of(user) if row.handle == handle), None)
    if row is None:
        return False
    db.session.delete(row)
    audit.record(user, "user.end_session", user, {"device": (browsers.describe(row.user_agent), None),
                                                   "ip": (row.ip, None)})
    return True


def sign_out_everywhere(user: User) -> None:
    """The user ends all their own sessions and trusted devices (a lost phone, a shared computer)."""
    counts = _live_counts(user)
    end_sessions(user)
    audit.record(user, "user.end_sessions", user, {name: (count, 0) for name, count in counts.items()})


def end_everything(actor, user: User) -> dict:
    """The owner ends all of a user's sessions, trusted devices and API tokens at once (a lost phone, a leak)."""
    if user.id == actor.id:  # one's own: "Sign out on all devices" and the account page's token list
        raise InvalidState(_("Use “Sign out on all devices” on your own account page."))
    counts = _live_counts(user)
    end_sessions(user)
    counts["tokens"] = _revoke_all_tokens(actor, user)
    audit.record(actor, "user.end_sessions", user, {name: (count, 0) for name, count in counts.items()})
    return counts


def _live_counts(user: User) -> dict:
    return {"sessions": db.session.scalar(select(func.count()).select_from(UserSession).where(
                UserSession.user_id == user.id)),
            "trusted_devices": db.session.scalar(select(func.count()).select_from(TrustedDevice).where(
                TrustedDevice.user_id == user.id))}


# ---- the sign-in's audit trail ------------------------------------------------------------------------------------

class SignInAttempt:
    """What a failed sign-in with an unknown username is logged against (there is no user to point at)."""
    id = None

    def __init__(self, username: str):
        self.username = (username or "").strip()[:64]


def record_sign_in(user: User, method: str, ip: str, user_agent: str) -> None:
    """`method`: password, totp, recovery or trusted (a trusted device skipped the second step)."""
    audit.record(user, "user.sign_in", user, {"sign_in_with": (None, method), "ip": (None, ip),
                                               "device": (None, browsers.describe(user_agent))})


def record_failure(username: str, step: str, ip: str, locked: bool) -> None:
    """A wrong password (`step` password) or code (`step` code); `locked` when this attempt used up the limit."""
    target = find_user(username or "") or SignInAttempt(username)
    audit.record(None, "user.sign_in_failed", target, {"step": (None, step), "ip": (None, ip)})
    if locked:
        audit.record(None, "user.lockout", target, {"ip": (None, ip)})


def reset_password(actor, user: User, new_password: str) -> None:
    """The owner sets a new password; the user's sessions end and their API tokens are revoked."""
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    _revoke_all_tokens(actor, user)
    changes = {"password": ("***", "***")}
    if user.pending:  # the owner chose the password instead of inviting: the invitation links end
        user.pending = False
        _revoke_invitations(user)
        changes["pending"] = (True, False)
    audit.record(actor, "user.reset_password", user, changes)


def change_own_password(user: User, current: str, new: str) -> int:
    """Change the password; every session ends (the caller opens a new one here) and every API token
    is revoked, since a password is changed when it may have leaked. Returns the number of tokens revoked."""
    if not check_password_hash(user.password_hash, current or ""):
        raise BusinessRuleError(_("The current password is not correct."), "current_password")
    check_password_rules(new, "new_password")
    user.password_hash = hash_password(new)
    end_sessions(user)
    revoked = _revoke_all_tokens(user, user)
    audit.record(user, "user.change_password", user, {"password": ("***", "***")})
    return revoked


def _revoke_all_tokens(actor, user: User) -> int:
    live = [token for token in user.tokens if token.revoked_at is None]
    for token in live:
        token.revoked_at = utcnow()
        audit.record(actor, "token.revoke", token, {"revoked": (False, True)})
    return len(live)


def set_locale(user: User, locale: str) -> None:
    if locale not in LANGUAGES:
        raise BusinessRuleError(_("Choose a language."), "locale")
    if changes := audit.apply_changes(user, {"locale": locale}):
        audit.record(user, "user.update", user, changes)


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for `user`; the secret is returned once and only its hash is kept."""
    name = (name or "").strip()
    if not name:
        raise BusinessRuleError(_("Name the token, e.g. the system that will use it."), "name")
    secret = ApiToken.new_secret()
    token = ApiToken(user=user, name=name[:100], token_hash=ApiToken.hash(secret),
                     prefix=secret[:len(ApiToken.PREFIX) + 4])
    db.session.add(token)
    audit.record(user, "token.create", token, {"name": (None, token.name)})
    return token, secret


def revoke_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise BusinessRuleError(_("Not found."), problem="not-found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(user, "token.revoke", token, {"revoked": (False, True)})
    return token
