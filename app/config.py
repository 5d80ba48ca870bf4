"""Configuration from the environment; nothing secret lives in the repository."""
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("JXC_INSTANCE", ROOT / "instance"))


PRIVATE = 0o600  # the secret key, the SQLite database and backups: readable by the app's own user only
MIN_SECRET_KEY = 32
# Values that appear in documentation and tutorials (ours: docs/deploy.md); anyone can sign cookies with them.
EXAMPLE_SECRET_KEYS = ("change-me", "changeme", "change_me", "replace-me", "your-secret", "secret-key",
                       "secret_key", "secretkey", "dev-key", "development", "not-secret", "insecure")


class InsecureSecretKey(RuntimeError):
    """SECRET_KEY is an example value or too short: refused at start, before it signs any cookie."""


def check_secret_key(key: str) -> None:
    """Refuse a known example or a short SECRET_KEY, saying how to make a good one."""
    how = ("Generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))', "
           "or leave SECRET_KEY unset to use the key generated in the instance folder.")
    lowered = (key or "").lower()
    if any(example in lowered for example in EXAMPLE_SECRET_KEYS):
        raise InsecureSecretKey(f"SECRET_KEY is an example value from the documentation; anyone could sign "
                                f"sessions with it. {how}")
    if len(key or "") < MIN_SECRET_KEY:
        raise InsecureSecretKey(f"SECRET_KEY has {len(key or '')} characters; use at least {MIN_SECRET_KEY}. {how}")


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated on first run and kept in instance/ (mode 0600)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        write_private(path, secrets.token_urlsafe(48).encode())
    return path.read_text().strip()


def create_private(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist (never readable by others, not even briefly)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    except FileExistsError:
        pass


def write_private(path: Path, data: bytes) -> None:
    """Write `path` with mode 0600, whatever the umask."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.chmod(path, PRIVATE)


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
    # Openings of share links (app/sharing) per address: a customer opens a page and its PDF a few times; a shop's
    # customers behind one carrier address stay well below this.
    SHARE_LIMITS = os.environ.get("JXC_SHARE_LIMITS", "30 per minute; 300 per hour")
    # Number of reverse proxies in front (nginx: 1). Their X-Forwarded-* headers are then trusted,
    # so sign-in throttling counts the real client address, not the proxy's.
    PROXY_HOPS = int(os.environ.get("JXC_PROXY_HOPS", "0"))
    # While no user exists every page leads to the setup screen (app/setup). Off in TestConfig: most tests start
    # from an empty database and test sign-in and anonymous requests; tests/test_setup.py turns it on.
    FIRST_RUN_SETUP = True
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    LOGO_MAX_PX = 600
    # Roles that must use a second factor until the owner says otherwise on /settings/security (app/auth/two_factor).
    # Empty in TestConfig: most tests sign in an owner with a password alone; the 2FA tests set the policy.
    TWO_FACTOR_DEFAULT_ROLES = ("owner", "finance")


class TestConfig(Config):
    TESTING = True
    FIRST_RUN_SETUP = False
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
    TWO_FACTOR_DEFAULT_ROLES = ()
