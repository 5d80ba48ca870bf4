"""Fixtures the backup tests share: the command line, and a key made as the owner makes it."""
import pytest

from app.backups import services
from app.extensions import db
from tests import factories


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args, input=None):
        db.session.remove()  # the command works in its own session, as it would from a shell
        return runner.invoke(args=list(args), input=input)
    return run


@pytest.fixture
def keyed(app, tmp_path, monkeypatch):
    """A key made as the owner makes it, kept in a temporary key file; backups go to a temporary folder."""
    monkeypatch.setenv("JXC_BACKUP_IDENTITY_FILE", str(tmp_path / "key" / "backup-identity.txt"))
    owner = factories.user("owner", username="boss")
    services.create_key(owner)
    services.settings().folder = str(tmp_path / "store")
    db.session.commit()
    return tmp_path
