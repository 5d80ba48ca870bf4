"""The text in a share link's URL: the link's id and nonce, signed with SECRET_KEY (itsdangerous, HMAC-SHA256).

The signature means a guessed or altered token is refused before any query; the nonce, kept in the row, means that
even someone holding SECRET_KEY cannot make a working token for a link without reading the database. Changing
SECRET_KEY ends every link (they are then refused like tampered ones).
"""
import hashlib
import hmac
import re

from flask import current_app
from itsdangerous import BadSignature, Signer

from app.limits import MAX_ID

SALT = "jxc.share-link"
MAX_LENGTH = 120  # id, nonce and signature are about 70 characters; anything much longer was never ours
_VALUE = re.compile(r"^([1-9][0-9]{0,9})\.([A-Za-z0-9_-]{8,32})$")


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=SALT, digest_method=hashlib.sha256)


def make(link_id: int, nonce: str) -> str:
    return _signer().sign(f"{link_id}.{nonce}").decode()


def read(token: str) -> tuple[int, str] | None:
    """(link id, nonce) of a token we signed, else None (bad signature, wrong shape, too long)."""
    if not isinstance(token, str) or not 10 <= len(token) <= MAX_LENGTH:
        return None
    try:
        value = _signer().unsign(token).decode()
    except (BadSignature, UnicodeError):
        return None
    found = _VALUE.match(value)
    if not found or int(found.group(1)) > MAX_ID:
        return None
    return int(found.group(1)), found.group(2)


def same_nonce(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())
