"""Start-up refuses example and short secret keys; the Docker image trusts no proxy by default; private files
(secret key, SQLite database, backups) are written with mode 0600."""
import os
import re
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app import config as config_module
from app import create_app
from app.config import Config, InsecureSecretKey, TestConfig
from app.extensions import db
from tests import factories
from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k3Yq9vW2xR7tL0pZ8mN4bC6dF1gH5jS3aE"


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """The usual umask (files 0644 unless the app says otherwise), restored afterwards."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _documented_example_key() -> str:
    return re.search(r"SECRET_KEY=(\S+)", (ROOT / "docs" / "deploy.md").read_text()).group(1)


@pytest.mark.parametrize("key", [_documented_example_key(), "change-me", "CHANGEME-" + "x" * 40, "short-key",
                                 "x" * 31, ""])
def test_example_and_short_secret_keys_are_refused_at_start(key):
    with pytest.raises(InsecureSecretKey, match="SECRET_KEY") as refused:
        create_app(Config, SECRET_KEY=key, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert "secrets.token_urlsafe" in str(refused.value)


def test_a_long_random_key_starts(tmp_path):
    assert create_app(Config, SECRET_KEY=GOOD_KEY, SQLALCHEMY_DATABASE_URI="sqlite://").config["SECRET_KEY"] == GOOD_KEY


def test_the_generated_key_is_private_and_accepted(tmp_path, monkeypatch, umask):
    monkeypatch.setattr(config_module, "INSTANCE", tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    key = config_module._secret_key()
    assert _mode(tmp_path / "secret_key") == 0o600
    config_module.check_secret_key(key)
    assert config_module._secret_key() == key  # read back, not made again
    assert create_app(Config, SQLALCHEMY_DATABASE_URI="sqlite://").config["SECRET_KEY"] == key


def test_the_docker_image_trusts_no_proxy_by_default():
    environment = " ".join(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("ENV"))
    assert "JXC_PROXY_HOPS=1" not in environment
    assert "JXC_PROXY_HOPS=0" in environment
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    assert "X-Forwarded-For" in deploy and "JXC_PROXY_HOPS=0" in deploy


def test_behind_one_proxy_the_forwarded_address_is_the_one_counted(database):
    """The contrast to test_auth_sessions' hops=0 test: with hops=1 each forwarded address has its own count."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database, SECRET_KEY="test", PROXY_HOPS=1,
                     LOGIN_LIMITS=("50 per minute", "3 per minute"))
    client = app.test_client()
    with app.app_context():
        try:
            client.get("/login")
            codes = [client.post("/login", data={"username": "nobody", "password": "guess",
                                                 "csrf_token": csrf_token(client)},
                                 headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(4)]
            assert codes == [422, 422, 422, 422]
        finally:
            from app.auth import throttle
            throttle.reset()
            db.engine.dispose()


def test_a_new_sqlite_database_and_its_wal_files_are_private(tmp_path, umask):
    path = tmp_path / "new.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert {_mode(path), _mode(f"{path}-wal"), _mode(f"{path}-shm")} == {0o600}
    engine.dispose()


def test_backups_are_private(app, tmp_path, umask, monkeypatch):
    from app.backups import services
    monkeypatch.setenv("JXC_BACKUP_IDENTITY_FILE", str(tmp_path / "backup-identity.txt"))
    services.create_key(factories.user())
    db.session.commit()
    assert _mode(tmp_path / "backup-identity.txt") == 0o600
    path = tmp_path / "jxc.backup"
    path.write_text("an older file, world-readable")
    path.chmod(0o644)
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert _mode(path) == 0o600
    assert path.stat().st_size > 1000
