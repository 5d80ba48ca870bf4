"""Users and their API tokens."""
import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
import sqlalchemy as sa
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.roles import Role
from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(30), default="", server_default="")
    role: Mapped[Role] = mapped_column(db.Enum(Role, native_enum=False, length=20,
                                               values_callable=lambda e: [m.value for m in e]))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Invited and not yet accepted: no password of their own yet, so no sign-in (auth.services.authenticate).
    pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    locale: Mapped[str | None] = mapped_column(String(10))
    # Bumped whenever all sessions end (UserSession rows deleted too): a cookie carrying an older value no
    # longer signs in, whatever rows exist.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the user started or dismissed their role's quick start; until then the home screen offers it.
    quickstart_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The second factor (auth.two_factor): an RFC 6238 secret, set once the user confirmed a code from it, and
    # the last time step a code was accepted for, so a code seen over a shoulder cannot be used again.
    totp_secret: Mapped[str | None] = mapped_column(String(32))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None]

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", order_by="ApiToken.id")

    @property
    def is_active(self) -> bool:
        return self.active

    # The signed-in session this object was loaded for (set by auth.sessions); not a column.
    session_id = None
    # Whether the user's role must use a second factor, as read with that session (access.load_user); None when
    # not loaded that way (two_factor.must_enrol then asks). Not a column.
    two_factor_required = None

    def get_id(self) -> str:
        """What the session and remember-me cookies carry: user, session version and the session's row."""
        return f"{self.id}:{self.session_version}:{self.session_id or ''}"

    def __repr__(self):
        return f"<User {self.username} {self.role}>"


class ApiToken(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")

    PREFIX = "jxc_"

    @staticmethod
    def new_secret() -> str:
        return ApiToken.PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def hash(secret: str) -> str:
        # Tokens are long random strings, so a fast hash is enough (no KDF needed to resist guessing).
        return hashlib.sha256(secret.encode()).hexdigest()


class UserSession(db.Model):
    """One signed-in browser. Cookies are signed, not stored, so a cookie cannot be taken back; deleting its row
    can: the user loader accepts a session or remember-me cookie only while its row exists (auth.sessions)."""
    id: Mapped[str] = mapped_column(String(43), primary_key=True)  # secrets.token_urlsafe(32)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the user's devices page shows; last_seen_at moves at most every few minutes (access.load_user).
    user_agent: Mapped[str] = mapped_column(String(255), default="", server_default="")
    ip: Mapped[str] = mapped_column(String(45), default="", server_default="")
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def handle(self) -> str:
        """What a page may name this session by: the id itself is what the cookies carry, so it stays unshown."""
        return hashlib.sha256(self.id.encode()).hexdigest()[:16]


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app (a lost phone); only its hash is kept."""
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrustedDevice(db.Model):
    """A browser that may skip the second step until `expires_at`: its signed cookie counts only while this row
    exists, so ending the user's sessions (or removing it on the devices page) takes the trust back."""
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")


class TwoFactorRule(db.Model):
    """Whether a role must use a second factor; a role without a row follows TWO_FACTOR_DEFAULT_ROLES."""
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    required: Mapped[bool]


class UserInvitation(db.Model):
    """A one-time link the owner hands to a new user: only the token's hash is kept, so the link is shown once
    (re-issuing makes a new one and ends this one). Used, revoked or past `expires_at`, it no longer opens."""
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @staticmethod
    def new_secret() -> str:
        # Hex, not urlsafe base64: a link read aloud or shown in a narrow field has no _ or - to lose.
        return secrets.token_hex(24)

    @staticmethod
    def hash(secret: str) -> str:
        # 192 random bits: a fast hash is enough, as for API tokens.
        return hashlib.sha256(secret.encode()).hexdigest()

    def state(self, now: datetime) -> str:
        """open, accepted, revoked or expired."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "open"

