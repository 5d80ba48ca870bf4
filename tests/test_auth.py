"""Sign-in, throttling, sessions, passwords, language and the user's own tokens."""
import pytest
from werkzeug.security import check_password_hash

from app.audit.models import AuditEntry
from app.auth import services, throttle
from app.auth.models import ApiToken
from app.extensions import db
from tests import factories
from tests.conftest import PASSWORD, csrf_token


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client), **extra})


def test_passwords_are_hashed_with_a_kdf(app):
    user = factories.user()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    assert check_password_hash(user.password_hash, PASSWORD)


def test_wrong_password_is_refused_in_chinese_with_422(client):
    factories.user(username="boss")
    response = sign_in(client, "boss", "wrong password")
    assert response.status_code == 422
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_sign_in_is_case_insensitive_on_username(client):
    factories.user(username="Boss")
    assert sign_in(client, "boss").status_code == 302


def test_inactive_user_cannot_sign_in(client):
    factories.user(username="gone", active=False)
    assert sign_in(client, "gone").status_code == 422


@pytest.mark.parametrize("next_url, expected", [
    ("/users", "/users"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
])
def test_next_redirect_is_same_site_only(client, next_url, expected):
    factories.user(username="boss")
    response = sign_in(client, "boss", next=next_url)
    assert response.headers["Location"] == expected


def test_sign_in_without_csrf_token_is_refused_with_a_clear_message(client):
    factories.user(username="boss")
    client.get("/login")
    response = client.post("/login", data={"username": "boss", "password": PASSWORD})
    assert response.status_code == 400
    assert "请重试" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_account_is_throttled_after_five_failures(app, client):
    factories.user(username="boss")
    for _ in range(5):
        assert sign_in(client, "boss", "nope").status_code == 422
    response = sign_in(client, "boss")  # even the right password waits now
    assert response.status_code == 429
    assert "尝试次数过多" in response.get_data(as_text=True)


def test_address_is_throttled_across_accounts(app, client):
    client.application.config["LOGIN_LIMITS"] = ("5 per minute", "3 per minute")
    for name in ("a1", "a2", "a3", "a4"):
        factories.user(username=name)
    assert [sign_in(client, name, "nope").status_code for name in ("a1", "a2", "a3", "a4")] == [422, 422, 422, 429]


def test_throttle_counts_live_in_the_database_shared_by_workers(app):
    """A second storage object (as another worker process would have) sees the same counts."""
    from app.auth.counters import DatabaseStorage
    first = DatabaseStorage(engine=throttle._counter_engine())
    second = DatabaseStorage(engine=throttle._counter_engine())
    assert first.incr("k", 60) == 1
    assert second.incr("k", 60) == 2
    assert first.get("k") == 2
    second.clear("k")
    assert first.get("k") == 0


def test_throttle_uses_redis_when_configured(app):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15").ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    app.extensions.pop("jxc_throttle", None)
    app.config["LOGIN_LIMITS"] = ("2 per minute", "100 per minute")
    limiter = throttle._limiter()
    assert type(limiter.storage).__name__ == "RedisStorage"
    limiter.storage.reset()
    throttle.login_failed("someone")
    throttle.login_failed("someone")
    assert not throttle.login_allowed("someone", "1.2.3.4")
    limiter.storage.reset()


def test_deactivation_signs_out_everywhere_and_stops_tokens(app, client, api):
    factories.user(username="boss")
    victim, secret = factories.user_with_token(role="sales", username="victim")
    other_device = client.application.test_client()
    assert sign_in(other_device, "victim").status_code == 302
    assert other_device.get("/").status_code == 200
    owner = services.find_user("boss")
    services.set_active(owner, victim, False)
    db.session.commit()
    assert other_device.get("/").status_code == 302
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    services.set_active(owner, victim, True)
    db.session.commit()
    # Reactivation does not bring old tokens back.
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_last_owner_cannot_be_deactivated(app):
    owner = factories.user(role="owner")
    other = factories.user(role="owner")
    services.set_active(other, owner, False)
    with pytest.raises(services.InvalidState):
        services.set_active(owner, other, False)


def test_changing_own_password_signs_out_other_devices(app, client, login):
    user = login("sales")
    other_device = client.application.test_client()
    sign_in(other_device, user.username)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "new password 1", "confirm": "new password 1",
        "csrf_token": client.csrf})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this device stays signed in
    assert other_device.get("/").status_code == 302
    assert sign_in(client.application.test_client(), user.username, "new password 1").status_code == 302


def test_wrong_current_password_is_a_field_error(client, login):
    login("sales")
    response = client.post("/account/password", data={
        "current_password": "nope", "new_password": "new password 1", "confirm": "new password 1",
        "csrf_token": client.csrf})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_language_is_zh_by_default_and_english_on_request(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Sign in" in english.get_data(as_text=True)
    assert 'lang="en"' in english.get_data(as_text=True)


def test_language_choice_is_kept_on_the_user(app, client, login):
    user = login("sales", display_name="小李")
    client.post("/language", data={"locale": "en", "csrf_token": client.csrf})
    assert "Hello, 小李" in client.get("/").get_data(as_text=True)
    db.session.refresh(user)
    assert user.locale == "en"
    fresh = client.application.test_client()
    sign_in(fresh, user.username)
    assert "Hello, 小李" in fresh.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_tokens_are_shown_once_stored_hashed_and_revocable(app, client, login):
    user = login("finance")
    page = client.post("/account/tokens", data={"name": "金蝶", "idempotency_key": "k1",
                                                 "csrf_token": client.csrf})
    assert page.status_code == 201
    token = db.session.query(ApiToken).filter_by(user_id=user.id).one()
    secret = next(word for word in page.get_data(as_text=True).split('"') if word.startswith("jxc_"))
    assert token.token_hash == ApiToken.hash(secret) and secret not in token.token_hash
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json["username"] == user.username
    # A double tap with the same form key makes no second token.
    client.post("/account/tokens", data={"name": "金蝶", "idempotency_key": "k1", "csrf_token": client.csrf})
    assert db.session.query(ApiToken).filter_by(user_id=user.id).count() == 1
    client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": client.csrf})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    actions = [e.action for e in db.session.query(AuditEntry).filter_by(user_id=user.id)]
    assert {"token.create", "token.revoke"} <= set(actions)


def test_nobody_revokes_another_users_token(app, client, login):
    _owner, _secret = factories.user_with_token(role="sales")
    token = db.session.query(ApiToken).one()
    login("owner")
    assert client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": client.csrf}).status_code == 404
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_sign_out_ends_the_session(client, login):
    login("warehouse")
    response = client.post("/logout", data={"csrf_token": client.csrf})
    assert response.status_code == 302
    assert client.get("/").status_code == 302
