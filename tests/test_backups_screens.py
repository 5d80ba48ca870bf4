"""The owner's backup screen (make the key, see or download it after the password, schedule, destination, back up
now, the runs) and the dashboard's red item when backups are not set up, failed or are overdue."""
import re

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.backups import services
from app.backups.models import FAILED, OK, BackupRun, BackupSettings
from app.db_types import utcnow
from app.extensions import db
from tests.conftest import PASSWORD

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def owner(client, login, tmp_path, monkeypatch):
    monkeypatch.setenv("JXC_BACKUP_IDENTITY_FILE", str(tmp_path / "backup-identity.txt"))
    return login("owner")


def _post(client, path, data):
    return client.post(path, data={"csrf_token": client.csrf, **data})


def _settings() -> BackupSettings:
    db.session.expire_all()
    return services.settings()


@pytest.mark.parametrize("role", ["sales", "warehouse", "purchasing", "finance"])
def test_only_the_owner_opens_the_backup_screen(client, login, role):
    login(role)
    assert client.get("/settings/backups").status_code == 403


def test_the_owner_makes_a_key_then_sees_and_downloads_it_after_the_password(client, owner, tmp_path):
    page = client.get("/settings/backups", headers=ZH).get_data(as_text=True)
    assert "备份" in page and "生成密钥" in page and "立即备份" not in page  # nothing to back up with yet
    response = _post(client, "/settings/backups/key/new", {"idempotency_key": "k1"})
    assert response.status_code == 302
    recipient = _settings().recipient
    assert recipient.startswith("age1") and recipient in (tmp_path / "backup-identity.txt").read_text()
    page = client.get("/settings/backups", headers=ZH).get_data(as_text=True)
    assert recipient in page and "AGE-SECRET-KEY-" not in page and "立即备份" in page

    wrong = _post(client, "/settings/backups/key", {"password": "not-it", "action": "show"})
    assert wrong.status_code == 422 and "AGE-SECRET-KEY-" not in wrong.get_data(as_text=True)
    shown = _post(client, "/settings/backups/key", {"password": PASSWORD, "action": "show"})
    assert shown.status_code == 200 and "AGE-SECRET-KEY-" in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    download = _post(client, "/settings/backups/key", {"password": PASSWORD, "action": "download"})
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.get_data(as_text=True) == (tmp_path / "backup-identity.txt").read_text()
    actions = [entry.action for entry in db.session.query(AuditEntry)]
    assert actions.count("backup.key_shown") == 2 and "backup.key" in actions


def test_guessing_the_password_for_the_key_is_limited_as_at_sign_in(client, owner):
    client.application.config["LOGIN_LIMITS"] = ("2 per minute", "100 per minute")
    _post(client, "/settings/backups/key/new", {"idempotency_key": "k1"})
    for _attempt in range(2):
        assert _post(client, "/settings/backups/key", {"password": "guess", "action": "show"}).status_code == 422
    blocked = _post(client, "/settings/backups/key", {"password": PASSWORD, "action": "show"})
    assert blocked.status_code == 429 and "AGE-SECRET-KEY-" not in blocked.get_data(as_text=True)


def test_a_new_key_keeps_the_old_one_beside_it(client, owner, tmp_path):
    _post(client, "/settings/backups/key/new", {"idempotency_key": "k1"})
    first = _settings().recipient
    _post(client, "/settings/backups/key/new", {"idempotency_key": "k2"})
    assert _settings().recipient != first
    assert len(list(tmp_path.glob("backup-identity.txt.*.old"))) == 1


def test_the_owner_sets_the_schedule_and_a_bucket(client, owner):
    data = {"enabled": "y", "time_of_day": "03:15", "keep_days": "14", "keep_copies": "0", "destination": "s3",
            "folder": "", "s3_endpoint": "https://oss-cn-hangzhou.aliyuncs.com", "s3_region": "cn-hangzhou",
            "s3_bucket": "shop-backups", "s3_prefix": "jxc/", "s3_access_key": "AKID", "s3_secret_key": "s3cret"}
    assert _post(client, "/settings/backups", data).status_code == 302
    saved = _settings()
    assert (saved.time_of_day, saved.keep_days, saved.s3_bucket, saved.s3_secret_key) == ("03:15", 14, "shop-backups",
                                                                                         "s3cret")
    page = client.get("/settings/backups").get_data(as_text=True)
    assert "s3cret" not in page  # write-only
    # An empty secret keeps the saved one.
    assert _post(client, "/settings/backups", {**data, "s3_secret_key": ""}).status_code == 302
    assert _settings().s3_secret_key == "s3cret"


@pytest.mark.parametrize("change, field", [
    ({"time_of_day": "25:00"}, "time_of_day"), ({"keep_days": "-1"}, "keep_days"),
    ({"destination": "s3", "s3_bucket": ""}, "s3_bucket"), ({"s3_endpoint": "not a url"}, "s3_endpoint"),
])
def test_bad_settings_are_refused_on_the_field_and_nothing_changes(client, owner, change, field):
    data = {"enabled": "y", "time_of_day": "02:30", "keep_days": "30", "keep_copies": "0", "destination": "folder",
            **change}
    response = _post(client, "/settings/backups", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="{field}-error"' in body
    assert _settings().keep_days == 30 and _settings().time_of_day == "02:30"


def test_back_up_now_goes_through_the_task_queue(client, owner, monkeypatch):
    from app import tasks
    asked = []
    monkeypatch.setattr(tasks, "backup_now", asked.append)
    response = _post(client, "/settings/backups/run", {"idempotency_key": "r0"})
    assert response.status_code == 302 and asked == []  # no key: refused, said why
    _post(client, "/settings/backups/key/new", {"idempotency_key": "k1"})
    response = _post(client, "/settings/backups/run", {"idempotency_key": "r1"})
    assert response.status_code == 302 and asked == [owner.id]
    _post(client, "/settings/backups/run", {"idempotency_key": "r1"})  # a double tap
    assert asked == [owner.id]


def test_the_runs_are_listed_with_result_and_size(client, owner):
    db.session.add_all([BackupRun(status=OK, verified=True, size=123456, location="/b/jxc-1.age"),
                        BackupRun(status=FAILED, message="磁盘已满", location="")])
    db.session.commit()
    page = client.get("/settings/backups", headers=ZH).get_data(as_text=True)
    assert "/b/jxc-1.age" in page and "磁盘已满" in page and "123.5 kB" in page


def _backup_tile(client) -> str:
    page = client.get("/reports/", headers=ZH).get_data(as_text=True)
    return re.search(r'<li>(?:(?!</li>).)*?备份(?:(?!</li>).)*?</li>', page, re.S).group(0)


def test_the_dashboard_shows_backups_red_until_a_good_one_is_recent(client, owner):
    tile = _backup_tile(client)
    assert "dash-warn" in tile and "未设置" in tile and 'href="/settings/backups"' in tile
    _post(client, "/settings/backups/key/new", {"idempotency_key": "k1"})
    db.session.add(BackupRun(status=OK, verified=True, finished_at=utcnow()))
    db.session.commit()
    tile = _backup_tile(client)
    assert "dash-warn" not in tile and "已验证" in tile
    db.session.add(BackupRun(status=FAILED, message="x", finished_at=utcnow()))
    db.session.commit()
    assert "dash-warn" in _backup_tile(client) and "上次失败" in _backup_tile(client)


def test_finance_sees_the_backup_item_without_a_link(client, login):
    login("finance")
    tile = _backup_tile(client)
    assert "dash-warn" in tile and "/settings/backups" not in tile


def test_the_screen_keeps_the_settings_it_makes_and_makes_them_once(app, client, owner):
    """The first visit makes the settings row with the defaults, and it stays: it went with the page's rollback, and
    on SQLite the page failed ("database is locked") if another request had made the row since its read began."""
    assert client.get("/settings/backups").status_code == 200
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(BackupSettings)) == 1  # kept
    db.session.execute(BackupSettings.__table__.delete())
    db.session.commit()
    with app.test_request_context("/settings/backups"):  # a page: reads in read transactions (the app fixture's)
        assert db.session.scalar(select(BackupSettings.id)) is None  # its read transaction began: no row yet
        with app.app_context(), app.test_request_context("/settings/backups"):  # another page, a session of its own
            made = services.settings().id
            db.session.commit()  # as a page's request may, noting a session's last use
        assert services.settings().id == made
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(BackupSettings)) == 1
