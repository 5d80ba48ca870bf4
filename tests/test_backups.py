"""Encrypted, verified backups: made to a folder or a bucket, checked by restoring a scratch copy, restored only
with the right key from a whole file, kept as long as the owner says, and made once a day when due."""
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.auth.models import User
from app.backups import services, snapshot, status, storage
from app.backups.models import FAILED, OK, BackupRun
from app.backups.task import run_if_due, run_now
from app.db_types import utcnow
from app.extensions import db
from tests import factories
from tests.backup_fixtures import cli, keyed  # noqa: F401  (fixtures)


def _newest(folder: Path) -> Path:
    return sorted(folder.glob("jxc-*.age"))[-1]


def test_a_backup_is_encrypted_private_verified_and_restores_with_the_key(cli, keyed):
    factories.user(username="before")
    result = cli("backup")
    assert result.exit_code == 0, result.output
    run = db.session.query(BackupRun).one()
    assert (run.status, run.verified, run.trigger) == (OK, True, "manual") and run.size > 1000
    path = _newest(keyed / "store")
    assert run.location == str(path) and path.stat().st_size == run.size
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(keyed / "key" / "backup-identity.txt").st_mode & 0o777 == 0o600
    data = path.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n") and b"before" not in data and b"SQLite" not in data
    assert not list((keyed / "store").glob(".*partial"))

    factories.user(username="after")
    result = cli("restore", str(path), "--key", str(keyed / "key" / "backup-identity.txt"), "--yes")
    assert result.exit_code == 0, result.output
    names = {user.username for user in db.session.query(User)}
    assert "before" in names and "after" not in names


@pytest.mark.parametrize("damage", ["wrong key", "truncated", "tampered", "not a backup", "other schema"])
def test_a_bad_file_or_key_is_refused_in_plain_words_and_nothing_changes(cli, keyed, monkeypatch, damage):
    path, key = keyed / "jxc.age", keyed / "key" / "backup-identity.txt"
    assert cli("backup", str(path)).exit_code == 0
    factories.user(username="still-here")
    data = path.read_bytes()
    expected = {"wrong key": "另一把密钥", "truncated": "已损坏或不完整", "tampered": "已损坏或不完整",
                "not a backup": "不是加密的 JXC 备份", "other schema": "abc123"}[damage]
    if damage == "wrong key":
        from app.backups import crypto
        key = keyed / "other.txt"
        crypto.new_identity(key)
    elif damage == "truncated":
        path.write_bytes(data[:len(data) * 2 // 3])
    elif damage == "tampered":
        path.write_bytes(data[:-200] + bytes([data[-200] ^ 1]) + data[-199:])
    elif damage == "not a backup":
        path = keyed / "notes.txt"
        path.write_text("hello")
    else:
        monkeypatch.setattr(snapshot, "head_revision", lambda: "abc123")
    result = cli("restore", str(path), "--key", str(key), "--yes")
    assert result.exit_code == 1 and expected in result.output, result.output
    assert "Traceback" not in result.output
    assert db.session.query(User).filter_by(username="still-here").count() == 1


def test_restore_refuses_a_key_file_that_is_not_a_key(cli, keyed):
    assert cli("backup", str(keyed / "jxc.age")).exit_code == 0
    (keyed / "junk.txt").write_text("not a key")
    result = cli("restore", str(keyed / "jxc.age"), "--key", str(keyed / "junk.txt"), "--yes")
    assert result.exit_code == 1 and "AGE-SECRET-KEY-" in result.output


def test_a_backup_that_fails_the_checks_is_recorded_as_failed(app, keyed):
    # The data itself breaks an invariant (no active owner): the scratch copy's checks say so.
    db.session.query(User).update({"active": False})
    db.session.commit()
    run = run_now()
    assert run.status == FAILED and not run.verified and "owner" in run.message
    assert status.latest()["state"] == status.LAST_FAILED


def test_a_missing_key_file_fails_the_run_plainly(app, keyed):
    (keyed / "key" / "backup-identity.txt").unlink()
    run = run_now()
    assert run.status == FAILED and "无法读取备份密钥文件" in run.message


def test_no_key_no_backup(cli, app, tmp_path, monkeypatch):
    monkeypatch.setenv("JXC_BACKUP_IDENTITY_FILE", str(tmp_path / "none.txt"))
    factories.user("owner")
    result = cli("backup")
    assert result.exit_code == 1 and "请先生成备份密钥" in result.output
    assert status.latest()["state"] == status.NO_KEY


def test_backup_to_a_path(cli, keyed):
    target = keyed / "elsewhere.age"
    result = cli("backup", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"age-encryption.org/v1\n") and os.stat(target).st_mode & 0o777 == 0o600


def _files(folder: Path, *ages_in_days, now):
    folder.mkdir(parents=True, exist_ok=True)
    names = [storage.backup_name(now - timedelta(days=age)) for age in ages_in_days]
    for name in names:
        (folder / name).write_bytes(b"x")
    return names


@pytest.mark.parametrize("keep_days, keep_copies, kept", [
    (30, 0, {0, 1, 10, 29}), (0, 3, {0, 1, 10}), (5, 0, {0, 1}), (0, 0, {0, 1, 10, 29, 31, 400}),
    (1, 1, {0}),  # the one just made stays whatever the limits say
])
def test_retention_deletes_old_copies_and_never_the_newest(tmp_path, keep_days, keep_copies, kept):
    now = datetime(2026, 12, 6, 2, 30, tzinfo=timezone.utc)
    ages = (0, 1, 10, 29, 31, 400)
    names = _files(tmp_path, *ages, now=now)
    plan = services.Plan("", "folder", str(tmp_path), (), keep_days, keep_copies)
    services.prune(storage.Folder(tmp_path), plan, now, keep=names[0])
    assert set(storage.Folder(tmp_path).names()) == {names[ages.index(age)] for age in kept}


def test_the_schedule_runs_once_a_day_at_the_owners_time(app, keyed, monkeypatch):
    made = []
    # When, not how: making the backup is tested above.
    monkeypatch.setattr(services, "make", lambda plan, moment: made.append(moment) or services.Outcome(True, "", "x", 1))
    settings = services.settings()
    settings.time_of_day = "02:30"  # Asia/Shanghai: 18:30 UTC the day before
    db.session.commit()
    evening = datetime(2026, 12, 5, 18, 0, tzinfo=timezone.utc)
    start = datetime(2026, 12, 5, 18, 30, tzinfo=timezone.utc)
    db.session.add(BackupRun(started_at=evening - timedelta(hours=1), status=OK))  # yesterday's
    db.session.commit()
    assert run_if_due(evening) is None
    run = run_if_due(start + timedelta(minutes=2))
    assert run is not None and run.trigger == "schedule" and run.status == OK, run and run.message
    assert made == [start + timedelta(minutes=2)]
    assert run_if_due(start + timedelta(minutes=7)) is None  # once
    assert run_if_due(start + timedelta(hours=23)) is None
    settings = services.settings()
    settings.enabled = False
    db.session.commit()
    assert run_if_due(start + timedelta(days=1, minutes=5)) is None
    assert status.latest(start + timedelta(days=1, minutes=5))["state"] == status.OFF


def test_a_run_left_running_by_a_dead_process_is_ended(app, keyed):
    now = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
    db.session.add(BackupRun(started_at=now - timedelta(hours=5)))
    db.session.commit()
    services.end_stale_runs(now)
    db.session.commit()
    run = db.session.query(BackupRun).one()
    assert run.status == FAILED and "已中断" in run.message


def test_status_is_overdue_after_26_hours(app, keyed):
    now = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
    assert status.latest(now)["state"] == status.OVERDUE  # a key, never a backup
    db.session.add(BackupRun(started_at=now - timedelta(hours=25), finished_at=now - timedelta(hours=25), status=OK))
    db.session.commit()
    fine = status.latest(now)
    assert fine["state"] == status.FINE and not fine["problem"] and fine["last_run"]["status"] == OK
    assert status.latest(now + timedelta(hours=2))["state"] == status.OVERDUE


def test_a_backup_to_an_s3_bucket_is_read_back_and_verified(app, keyed):
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")
        client.create_bucket(Bucket="jxc-backups")
        owner = db.session.query(User).one()
        services.update_settings(owner, {"destination": "s3", "s3_endpoint": endpoint, "s3_bucket": "jxc-backups",
                                         "s3_prefix": "shop1", "s3_region": "us-east-1", "s3_access_key": "test",
                                         "s3_secret_key": "test", "keep_copies": 1})
        db.session.commit()
        older = "shop1/" + storage.backup_name(utcnow() - timedelta(days=1))
        client.put_object(Bucket="jxc-backups", Key=older, Body=b"yesterday's")
        client.put_object(Bucket="jxc-backups", Key="shop1/notes.txt", Body=b"not ours")
        run = run_now()
        assert run.status == OK and run.verified, run.message
        assert run.location.startswith("s3://jxc-backups/shop1/jxc-")
        keys = [item["Key"] for item in client.list_objects_v2(Bucket="jxc-backups")["Contents"]]
        assert older not in keys and "shop1/notes.txt" in keys  # the older copy was pruned, nothing else
        assert run.location.endswith([key for key in keys if key.endswith(".age")][0])
        body = client.get_object(Bucket="jxc-backups", Key=run.location.split("/", 3)[3])["Body"].read()
        assert body.startswith(b"age-encryption.org/v1\n")
    finally:
        server.stop()


def test_an_unreachable_bucket_fails_the_run_with_the_reason(app, keyed):
    owner = db.session.query(User).one()
    services.update_settings(owner, {"destination": "s3", "s3_endpoint": "http://127.0.0.1:9", "s3_bucket": "b",
                                     "s3_access_key": "x", "s3_secret_key": "y", "s3_region": "us-east-1"})
    db.session.commit()
    run = run_now()
    assert run.status == FAILED and run.message and not run.verified


def test_a_plain_snapshot_from_before_encryption_still_restores(cli, app, tmp_path):
    factories.user(username="before")
    path = tmp_path / "old.backup"
    snapshot.take(path)
    factories.user(username="after")
    result = cli("restore", str(path), "--yes")
    assert result.exit_code == 0, result.output
    assert {user.username for user in db.session.query(User)} == {"before"}
