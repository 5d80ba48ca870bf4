"""Signed-in devices: each session knows its browser and address, "last seen" moves without a write per request, the
user ends any of them, the owner ends all of a user's sessions, trusted devices and tokens at once; the audit trail
of sign-ins and failures."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.audit.models import AuditEntry
from app.auth import browsers, trust
from app.auth.models import ApiToken, TrustedDevice, UserSession
from app.db_types import utcnow
from app.extensions import db
from tests import factories
from tests.conftest import PASSWORD, csrf_token

PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Mobile Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")


def browser_of(client, user_agent, address="127.0.0.1"):
    """Another browser (of the client's app) that sends this User-Agent and comes from this address."""
    other = client.application.test_client()
    other.environ_base.update({"HTTP_USER_AGENT": user_agent, "REMOTE_ADDR": address})
    return other


def sign_in(client, username, password=PASSWORD):
    client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})


@pytest.mark.parametrize("agent, name", [
    (PHONE, "Chrome · Android"),
    (IPHONE, "Safari · iPhone"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
     "MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN", "WeChat · iPhone"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
     "Safari/537.36 Edg/126.0.0.0", "Edge · Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox · Mac"),
    ("curl/8.5.0", "curl/8.5.0"),
])
def test_a_browser_is_named_from_its_user_agent(agent, name):
    assert browsers.describe(agent) == name


def test_the_devices_page_lists_each_browser_and_ends_another(client):
    factories.user(username="boss")
    phone, laptop = browser_of(client, PHONE, "10.0.0.7"), browser_of(client, IPHONE, "10.0.0.9")
    sign_in(phone, "boss")
    sign_in(laptop, "boss")
    page = laptop.get("/account/devices").get_data(as_text=True)
    assert "Chrome · Android" in page and "Safari · iPhone" in page and "10.0.0.7" in page and "10.0.0.9" in page
    assert page.count("本设备") == 1
    phone_row = db.session.scalars(select(UserSession).where(UserSession.ip == "10.0.0.7")).one()
    assert phone_row.id not in page  # the id is what cookies carry: the page names a handle instead
    assert phone_row.handle in page
    ended = laptop.post(f"/account/devices/{phone_row.handle}/end", data={"csrf_token": csrf_token(laptop, "/")})
    assert ended.status_code == 302
    assert phone.get("/").status_code == 302 and laptop.get("/").status_code == 200
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "user.end_session")).all()


def test_a_user_cannot_end_someone_elses_session_or_trust(client):
    factories.user(username="boss")
    factories.user(username="clerk", role="sales")
    boss, clerk = browser_of(client, PHONE), browser_of(client, IPHONE)
    sign_in(boss, "boss")
    sign_in(clerk, "clerk")
    boss_row = next(row for row in db.session.scalars(select(UserSession)) if row.user_agent == PHONE)
    token = csrf_token(clerk, "/")
    assert clerk.post(f"/account/devices/{boss_row.handle}/end", data={"csrf_token": token}).status_code == 404
    assert clerk.post("/account/devices/not-a-handle/end", data={"csrf_token": token}).status_code == 404
    device = TrustedDevice(user_id=boss_row.user_id, token_hash="x" * 64, expires_at=utcnow() + timedelta(days=1))
    db.session.add(device)
    db.session.commit()
    assert clerk.post(f"/account/trusted/{device.id}/forget", data={"csrf_token": token}).status_code == 404
    assert boss.get("/").status_code == 200 and db.session.get(TrustedDevice, device.id) is not None
    assert boss.post(f"/account/trusted/{device.id}/forget",
                     data={"csrf_token": csrf_token(boss, "/")}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(TrustedDevice)) is None


def test_last_seen_moves_at_most_every_five_minutes(client):
    factories.user(username="boss")
    phone = browser_of(client, PHONE)
    sign_in(phone, "boss")
    row_id = db.session.scalars(select(UserSession.id)).one()
    recent, old = utcnow() - timedelta(minutes=2), utcnow() - timedelta(minutes=10)
    db.session.execute(update(UserSession).values(last_seen_at=recent))
    db.session.commit()
    phone.get("/")
    assert db.session.get(UserSession, row_id).last_seen_at == recent  # no write for a request 2 minutes later
    db.session.execute(update(UserSession).values(last_seen_at=old))
    db.session.commit()
    db.session.expire_all()
    phone.get("/")
    assert db.session.get(UserSession, row_id).last_seen_at > utcnow() - timedelta(minutes=1)


def test_the_owner_ends_all_of_a_users_sessions_trust_and_tokens_at_once(app, client, login):
    owner = login("owner")
    clerk, secret = factories.user_with_token(role="sales", username="clerk")
    phone = browser_of(client, PHONE)
    sign_in(phone, "clerk")
    db.session.add(TrustedDevice(user_id=clerk.id, token_hash="y" * 64, expires_at=utcnow() + timedelta(days=30)))
    db.session.commit()
    page = client.get(f"/users/{clerk.id}").get_data(as_text=True)
    assert "Chrome · Android" in page and "结束全部登录和令牌" in page
    done = client.post(f"/users/{clerk.id}/end-everything", data={"csrf_token": client.csrf}, follow_redirects=True)
    assert "登录会话 1 个，受信任设备 1 台，API 令牌 1 个" in done.get_data(as_text=True)
    assert phone.get("/").status_code == 302
    assert client.get("/api/v1/products", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert db.session.scalar(select(TrustedDevice)) is None
    assert db.session.scalars(select(ApiToken.revoked_at)).one() is not None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.end_sessions")).one()
    assert entry.changes == {"sessions": [1, 0], "trusted_devices": [1, 0], "tokens": [1, 0]}
    own = client.post(f"/users/{owner.id}/end-everything", data={"csrf_token": client.csrf})
    assert own.status_code == 409 and client.get("/").status_code == 200  # one's own: "sign out on all devices"


def test_signing_out_everywhere_is_in_the_audit_log(client):
    factories.user(username="boss")
    phone = browser_of(client, PHONE)
    sign_in(phone, "boss")
    sign_in(client, "boss")
    client.post("/logout", data={"everywhere": "1", "csrf_token": csrf_token(client, "/")})
    assert phone.get("/").status_code == 302
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.end_sessions")).one()
    assert entry.changes == {"sessions": [2, 0], "trusted_devices": [0, 0]} and entry.object_label == "boss"


def test_sign_ins_failures_and_token_creation_are_in_the_audit_log(app, client):
    user = factories.user(username="boss")
    assert sign_in(client, "nobody", "x" * 8).status_code == 422
    assert sign_in(client, "boss", "wrong-password").status_code == 422
    assert sign_in(client, "boss").status_code == 302
    client.post("/account/tokens", data={"name": "ERP", "csrf_token": csrf_token(client, "/account")})
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action != "user.create")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.object_type, e.object_label) for e in entries] == [
        ("user.sign_in_failed", "SignInAttempt", "nobody"), ("user.sign_in_failed", "User", "boss"),
        ("user.sign_in", "User", "boss"), ("token.create", "ApiToken", "ERP")]
    assert entries[1].changes == {"step": [None, "password"], "ip": [None, "127.0.0.1"]}
    assert entries[2].user_id == user.id and entries[2].changes["sign_in_with"] == [None, "password"]
    history = client.get("/audit").get_data(as_text=True)
    assert "登录失败" in history and "用不存在的用户名登录" in history


def test_a_trusted_device_past_its_30_days_is_not_trusted(app):
    user = factories.user(username="boss")
    with app.test_request_context():
        from flask import make_response
        response = make_response("")
        trust.trust(response, user, PHONE, "10.0.0.1")
        db.session.commit()
        cookie = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    with app.test_request_context(headers={"Cookie": f"{trust.COOKIE}={cookie}"}):
        assert trust.trusted(user) is not None
        db.session.execute(update(TrustedDevice).values(expires_at=utcnow() - timedelta(seconds=1)))
        assert trust.trusted(user) is None
        assert trust.devices_of(user) == []
