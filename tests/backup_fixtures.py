"""Fixtures the backup tests share: the command line (test_cli's), and a key made as the owner makes it."""
import pytest

from app.backups import services
from app.extensions import db
from tests import factories
from tests.test_cli import cli  # noqa: F401  (a fixture)


@pytest.fixture
def keyed(app, tmp_path, monkeypatch):
    """A key made as the owner makes it, kept in a temporary key file; backups go to a temporary folder."""
    monkeypatch.setenv("JXC_BACKUP_IDENTITY_FILE", str(tmp_path / "key" / "backup-identity.txt"))
    owner = factories.user("owner", username="boss")
    services.create_key(owner)
    services.settings().folder = str(tmp_path / "store")
    db.session.commit()
    return tmp_path
