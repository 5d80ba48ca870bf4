"""The second factor: TOTP (RFC 6238: 30 s steps, 6 digits, one step either side), recovery codes, and which roles
must use it. Rules only; the screens are auth.two_factor_routes, the sign-in's second step auth.routes.verify.

The secret stays in the database in clear: the server needs it to check codes, as every TOTP server does. A code
is accepted once: the user row keeps the last step used and a guarded UPDATE moves it forward, so two requests
racing with one code cannot both pass. Recovery codes are 50 random bits each, kept as SHA-256 hashes (guessing
them online meets the sign-in limits; whoever holds the database already holds the TOTP secret).
"""
import hashlib
import hmac
import secrets
import time

import pyotp
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash

from app.audit import services as audit
from app.auth.models import RecoveryCode, TrustedDevice, TwoFactorRule, User
from app.auth.roles import Role
from app.db_types import utcnow
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db

STEP = 30
DIGITS = 6
WINDOW = 1  # steps either side: a phone clock 30 s off still works
RECOVERY_CODES = 10
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i to misread from paper


# ---- policy ---------------------------------------------------------------------------------------------------------

def required_roles() -> set[Role]:
    """The roles that must use a second factor: the owner's choices, else TWO_FACTOR_DEFAULT_ROLES."""
    chosen = {rule.role: rule.required for rule in db.session.scalars(select(TwoFactorRule))}
    return {role for role in Role if role_requires(role, chosen.get(role.value))}


def role_requires(role: Role, rule: bool | None) -> bool:
    """Whether `role` must use a second factor, given its TwoFactorRule's `required` (None: no row, so the
    configured default)."""
    return rule if rule is not None else role.value in current_app.config["TWO_FACTOR_DEFAULT_ROLES"]


def set_required_roles(actor, roles) -> None:
    """Save which roles must use a second factor (a row per role, so a changed default no longer applies)."""
    before = required_roles()
    after = {Role(role) for role in roles}
    for role in Role:
        rule = db.session.get(TwoFactorRule, role.value) or TwoFactorRule(role=role.value)
        rule.required = role in after
        db.session.add(rule)
        if (role in before) != (role in after):
            audit.record(actor, "security.two_factor_policy", rule, {"role": (None, role),
                                                                     "required": (role in before, role in after)})


def is_required(user: User) -> bool:
    rule = db.session.get(TwoFactorRule, user.role.value)
    return role_requires(user.role, rule.required if rule is not None else None)


def must_enrol(user: User) -> bool:
    """Signed in with a password, and their role requires a second factor they have not set up: they may do
    nothing else until they do (access.enforce). A user loaded for a page request carries their role's rule,
    read by the same query as their session (access.load_user), so this asks the database nothing more."""
    if user.totp_enabled_at is not None:
        return False
    return is_required(user) if user.two_factor_required is None else user.two_factor_required


# ---- enrolment ------------------------------------------------------------------------------------------------------

def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP).provisioning_uri(name=user.username,
                                                                            issuer_name=issuer or "JXC")


def qr_svg(uri: str) -> str:
    """The address as an inline SVG QR code (a full QR code: Micro QR confuses phone cameras)."""
    import segno  # loaded on first use, not by every worker at start
    return segno.make_qr(uri, error="m").svg_inline(scale=4, border=2, dark="#111", light="#fff", omitsize=True)


def enable(user: User, secret: str, code: str, now: float | None = None) -> list[str]:
    """Turn the second factor on once a code from `secret` checks out; returns the recovery codes (shown once)."""
    if user.totp_enabled_at is not None:
        raise InvalidState(_("Two-step sign-in is already on."))
    step = _matching_step(secret, code, now)
    if step is None:
        raise BusinessRuleError(_("That code is not right. Check the time on your phone and try the newest code."),
                                "code")
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    codes = _new_recovery_codes(user)
    audit.record(user, "user.two_factor_on", user, {"two_factor": (False, True)})
    return codes


def regenerate_codes(user: User, password: str) -> list[str]:
    """New recovery codes; the old ones stop working."""
    _check_on(user)
    _check_password(user, password)
    codes = _new_recovery_codes(user)
    audit.record(user, "user.recovery_codes", user, {"recovery_codes": ("***", "***")})
    return codes


def disable(user: User, password: str, code: str) -> None:
    """The user turns it off with their password and a current code (or a recovery code)."""
    _check_on(user)
    _check_password(user, password)
    if verify(user, code) is None:
        raise BusinessRuleError(_("That code is not right."), "code")
    _clear(user)
    audit.record(user, "user.two_factor_off", user, {"two_factor": (True, False)})


def reset(actor, user: User) -> None:
    """Another owner (or the CLI) turns it off for a user who lost their phone and their recovery codes."""
    if user.totp_enabled_at is None:
        raise InvalidState(_("%(name)s does not use two-step sign-in.", name=user.display_name))
    _clear(user)
    audit.record(actor, "user.two_factor_reset", user, {"two_factor": (True, False)})


def _clear(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TrustedDevice).where(TrustedDevice.user_id == user.id))


def _check_on(user: User) -> None:
    if user.totp_enabled_at is None:
        raise InvalidState(_("Two-step sign-in is off."))


def _check_password(user: User, password: str) -> None:
    if not check_password_hash(user.password_hash, password or ""):
        raise BusinessRuleError(_("The password is not correct."), "password")


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# ---- checking a code ------------------------------------------------------------------------------------------------

def verify(user: User, code: str, now: float | None = None) -> str | None:
    """"totp" or "recovery" when `code` passes (and is used up), None otherwise."""
    code = "".join((code or "").split()).replace("-", "").lower()
    if user.totp_enabled_at is None or not code:
        return None
    if code.isascii() and code.isdigit() and len(code) == DIGITS:
        step = _matching_step(user.totp_secret, code, now)
        return "totp" if step is not None and _use_step(user, step) else None
    return "recovery" if _use_recovery_code(user, code) else None


def _matching_step(secret: str, code: str, now: float | None) -> int | None:
    code = "".join((code or "").split())
    if not (code.isascii() and code.isdigit() and len(code) == DIGITS):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP)
    current = int((time.time() if now is None else now) // STEP)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def _use_step(user: User, step: int) -> bool:
    """Move the user's last used step forward to `step`; False when a code of this step (or later) was used."""
    moved = db.session.execute(update(User).where(
        User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
    if moved:
        user.totp_last_step = step
    return moved == 1


def _use_recovery_code(user: User, code: str) -> bool:
    row = db.session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                       RecoveryCode.code_hash == _hash(code),
                                                       RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    used = db.session.execute(update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                              .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if used != 1:
        return False
    audit.record(user, "user.recovery_code_used", user, {"recovery_codes_left": (None, recovery_codes_left(user))})
    return True
