"""Configuration from the environment; nothing secret lives in the repository."""
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("JXC_INSTANCE", ROOT / "instance"))


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated on first run and kept in instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def database_url() -> str:
    """DATABASE_URL, normalised to psycopg 3 for PostgreSQL; SQLite under instance/ by default."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'jxc.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = None  # filled by create_app so importing this module never writes files
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}  # a server drops connections; off for SQLite (create_app)
    REDIS_URL = os.environ.get("REDIS_URL") or None
    TIMEZONE = os.environ.get("JXC_TIMEZONE", "Asia/Shanghai")  # the business's calendar: due dates, overdue

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("JXC_SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_NAME = "remember_token"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30  # only when "remember me" is ticked; sign-out ends it anyway
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 14

    WTF_CSRF_TIME_LIMIT = None  # tied to the session; phones keep a form open for hours
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("JXC_TIMEZONE", "Asia/Shanghai")
    LANGUAGES = ("zh_CN", "en")

    # werkzeug's scrypt; tests lower the work factor, never production.
    PASSWORD_HASH_METHOD = "scrypt"
    LOGIN_LIMITS = ("5 per minute; 20 per hour", "30 per minute")  # per account, per address
    # Number of reverse proxies in front (nginx: 1). Their X-Forwarded-* headers are then trusted,
    # so sign-in throttling counts the real client address, not the proxy's.
    PROXY_HOPS = int(os.environ.get("JXC_PROXY_HOPS", "0"))
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    LOGO_MAX_PX = 600


class TestConfig(Config):
    TESTING = True
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
