"""Compress and encrypt snapshots with age (X25519, through pyrage), and open them again with the owner's key.

age is a small, well-specified format with several independent implementations (the `age` and `rage` command-line
tools read our files too), authenticated in 64 KiB chunks: a wrong key, a cut-off or changed file is refused, never
half-read. Both steps stream file to file, so memory stays flat whatever the size of the database.

The secret half (the identity) lives in a 0600 file outside the database (JXC_BACKUP_IDENTITY_FILE, else
instance/backup-identity.txt), so a copy of the database or of the bucket is unreadable without it; the public
half (the recipient) is kept in the backup settings.
"""
from __future__ import annotations

import gzip
import os
import shutil
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from app.config import INSTANCE, create_private, write_private
from app.errors import BusinessRuleError

if TYPE_CHECKING:
    from pyrage import x25519

AGE_HEADER = b"age-encryption.org/v1\n"
CHUNK = 1024 * 1024


def _age():
    """pyrage, imported when a backup is made or opened rather than by every worker at start."""
    import pyrage
    return pyrage


def identity_path() -> Path:
    return Path(os.environ.get("JXC_BACKUP_IDENTITY_FILE") or INSTANCE / "backup-identity.txt")


def new_identity(path: Path | None = None) -> x25519.Identity:
    """Make a key pair and keep its secret half at `path` (0600). A key it replaces is kept beside it, renamed,
    since the backups made with it can only be opened with it."""
    path = path or identity_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        os.replace(path, path.with_name(f"{path.name}.{stamp}.old"))
    identity = _age().x25519.Identity.generate()
    write_private(path, f"# JXC backup key, made {datetime.now(timezone.utc):%Y-%m-%d}\n"
                        f"# public key: {identity.to_public()}\n{identity}\n".encode())
    return identity


def read_identity(path: Path | None = None) -> x25519.Identity:
    """The age identity in a key file (the one this app keeps, or one the owner gives `flask restore`)."""
    path = path or identity_path()
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        raise BusinessRuleError(_("The backup key file %(path)s cannot be read.", path=path)) from None
    pyrage = _age()
    for line in lines:
        if line.strip().startswith("AGE-SECRET-KEY-"):
            try:
                return pyrage.x25519.Identity.from_str(line.strip())
            except pyrage.IdentityError:
                break
    raise BusinessRuleError(_("%(path)s is not a backup key: it should hold a line starting AGE-SECRET-KEY-.",
                              path=path))


def parse_recipient(text: str) -> x25519.Recipient:
    return _age().x25519.Recipient.from_str(text.strip())


def is_sealed(path: Path) -> bool:
    with open(path, "rb") as file:
        return file.read(len(AGE_HEADER)) == AGE_HEADER


def seal(raw: Path, sealed: Path, recipient: str) -> None:
    """Compress `raw` and encrypt it for `recipient` into `sealed` (0600); `raw`'s folder holds the gzip between."""
    packed = raw.with_name(raw.name + ".gz")
    create_private(packed)
    # Level 6: nearly all of level 9's saving on database pages, in a third of the time.
    with open(raw, "rb") as source, gzip.open(packed, "wb", compresslevel=6) as target:
        shutil.copyfileobj(source, target, CHUNK)
    # Encrypted beside `sealed` and renamed over it when complete: a private new file, never half a backup.
    partial = sealed.with_name(f".{sealed.name}.partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    try:
        _age().encrypt_file(str(packed), str(partial), [parse_recipient(recipient)])
        os.replace(partial, sealed)
    finally:
        partial.unlink(missing_ok=True)
        packed.unlink(missing_ok=True)


def unseal(sealed: Path, raw: Path, identity: x25519.Identity) -> None:
    """Decrypt and decompress `sealed` into `raw` (0600), or refuse in plain words and leave nothing behind."""
    if not is_sealed(sealed):
        raise BusinessRuleError(_("%(name)s is not an encrypted JXC backup.", name=sealed.name))
    pyrage = _age()
    packed = raw.with_name(raw.name + ".gz")
    create_private(packed)
    create_private(raw)
    try:
        try:
            pyrage.decrypt_file(str(sealed), str(packed), [identity])
        except pyrage.DecryptError as error:
            if "no matching keys" in str(error).lower():
                raise BusinessRuleError(_("This backup was encrypted with another key; "
                                          "give the key file that belongs to it.")) from None
            raise _damaged(sealed) from None
        except OSError:
            raise _damaged(sealed) from None
        try:
            with gzip.open(packed, "rb") as source, open(raw, "wb") as target:
                shutil.copyfileobj(source, target, CHUNK)
        except (OSError, EOFError, zlib.error):
            raise _damaged(sealed) from None
    except BusinessRuleError:
        raw.unlink(missing_ok=True)
        raise
    finally:
        packed.unlink(missing_ok=True)


def _damaged(sealed: Path) -> BusinessRuleError:
    return BusinessRuleError(_("%(name)s is damaged or incomplete (cut off or changed after it was written); "
                               "nothing was restored from it. Use another copy.", name=sealed.name))
