"""Sign-out ends sessions server-side; remember-me only on request; password changes revoke tokens;
device cookies keep a locked-out owner's own devices working; the proxy setting cannot fake addresses."""
import re

from app.auth import devices
from app.auth.models import ApiToken
from app.extensions import db
from tests import factories
from tests.conftest import PASSWORD, csrf_token


def sign_in(client, username, password=PASSWORD, **extra):
    client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client), **extra})


def _cookies(client):
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")
            if client.get_cookie(name) is not None}


def _replay(app, cookies):
    """A new browser carrying only the given cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def test_remember_me_is_off_unless_ticked(client):
    factories.user(username="boss")
    page = client.get("/login").get_data(as_text=True)
    assert "记住我" in page
    assert re.search(r'<input aria-invalid="false" id="remember" name="remember" type="checkbox" value="y">', page)  # unticked
    assert sign_in(client, "boss").status_code == 302
    assert client.get_cookie("remember_token") is None
    ticked = client.application.test_client()
    assert sign_in(ticked, "boss", remember="y").status_code == 302
    assert ticked.get_cookie("remember_token") is not None


def test_sign_out_ends_replayed_session_and_remember_cookies(client):
    factories.user(username="boss")
    sign_in(client, "boss", remember="y")
    saved = _cookies(client)
    assert set(saved) == {"session", "remember_token"}
    assert _replay(client.application, saved).get("/").status_code == 200  # the copy works while signed in
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302
    assert _replay(client.application, saved).get("/").status_code == 302
    assert _replay(client.application, {"session": saved["session"]}).get("/").status_code == 302
    assert _replay(client.application, {"remember_token": saved["remember_token"]}).get("/").status_code == 302
    assert sign_in(client.application.test_client(), "boss").status_code == 302  # signing in again works


def test_sign_out_ends_only_this_devices_session(client):
    factories.user(username="boss")
    sign_in(client, "boss", remember="y")
    phone = client.application.test_client()
    sign_in(phone, "boss", remember="y")
    saved = _cookies(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert _replay(client.application, saved).get("/").status_code == 302
    assert phone.get("/").status_code == 200  # the user's other device carries on
    assert _replay(client.application, {"remember_token": _cookies(phone)["remember_token"]}).get("/").status_code == 200


def test_sign_out_everywhere_ends_every_session_and_remember_cookie(client):
    factories.user(username="boss")
    sign_in(client, "boss")
    phone = client.application.test_client()
    sign_in(phone, "boss", remember="y")
    saved_phone = _cookies(phone)
    page = client.get("/account").get_data(as_text=True)
    assert "在所有设备上退出" in page
    client.post("/logout", data={"everywhere": "1", "csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    assert _replay(client.application, {"remember_token": saved_phone["remember_token"]}).get("/").status_code == 302


def test_password_change_revokes_api_tokens_and_says_so(app, client):
    user, secret = factories.user_with_token(role="finance", username="money")
    sign_in(client, "money")
    page = client.get("/account").get_data(as_text=True)
    assert "API 令牌将被撤销" in page
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "new password 1", "confirm": "new password 1",
        "csrf_token": csrf_token(client, "/account")}, follow_redirects=True)
    assert "1 个 API 令牌已被撤销" in response.get_data(as_text=True)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert db.session.query(ApiToken).filter_by(user_id=user.id).one().revoked_at is not None
    assert client.get("/").status_code == 200  # this device stays signed in


def test_owner_password_reset_revokes_the_users_tokens(app, client):
    factories.user(username="boss")
    user, secret = factories.user_with_token(role="sales", username="li")
    sign_in(client, "boss")
    client.post(f"/users/{user.id}/password", data={"password": "new password 1",
                                                     "csrf_token": csrf_token(client, f"/users/{user.id}")})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_a_locked_account_still_signs_in_from_a_device_that_signed_in_before(app, client):
    factories.user(username="boss")
    assert sign_in(client, "boss").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get_cookie(devices.COOKIE) is not None  # kept across sign-out
    attacker = client.application.test_client()
    for _ in range(5):
        assert sign_in(attacker, "boss", "guess").status_code == 422
    assert sign_in(attacker, "boss").status_code == 429  # untrusted: the lockout holds, even for the password
    assert sign_in(client, "boss").status_code == 302  # the owner's own phone gets in


def test_trusted_device_attempts_are_limited_per_device(app, client):
    factories.user(username="boss")
    sign_in(client, "boss")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    for _ in range(5):
        assert sign_in(client, "boss", "guess").status_code == 422
    assert sign_in(client, "boss").status_code == 429
    assert sign_in(client.application.test_client(), "boss").status_code == 302  # not the account's limit


def test_device_cookie_counts_only_for_its_own_user_and_signature(app, client):
    factories.user(username="boss")
    factories.user(username="li")
    sign_in(client, "li")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    for _ in range(5):
        sign_in(client, "boss", "guess")
    assert sign_in(client, "boss").status_code == 429  # li's device is not boss's
    forged = client.application.test_client()
    forged.set_cookie(devices.COOKIE, client.get_cookie(devices.COOKIE).value.replace("li", "boss", 1) + "x")
    assert sign_in(forged, "boss").status_code == 429


def test_without_a_proxy_x_forwarded_for_does_not_change_the_counted_address(client):
    assert client.application.config["PROXY_HOPS"] == 0
    client.application.config["LOGIN_LIMITS"] = ("50 per minute", "3 per minute")
    factories.user(username="boss")
    client.get("/login")
    codes = [client.post("/login", data={"username": "boss", "password": "guess", "csrf_token": csrf_token(client)},
                         headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(4)]
    assert codes == [422, 422, 422, 429]
