"""Two-step sign-in (TOTP, RFC 6238): enrolment, the sign-in's second step under the sign-in limits, recovery codes,
trusted devices, the per-role requirement and forced enrolment, the owner's and the CLI's reset, the audit trail."""
import re
import time

import pyotp
import pytest
from sqlalchemy import delete, event, select
from sqlalchemy.engine import Engine

from app.audit.models import AuditEntry
from app.auth import second_step, two_factor
from app.auth.models import RecoveryCode, TrustedDevice, TwoFactorRule, User
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from tests import factories
from tests.conftest import PASSWORD, csrf_token


def enrol(user) -> tuple[str, list[str]]:
    """Turn 2FA on for `user` with a code from a minute ago, so codes of the current step still count once."""
    secret, then = pyotp.random_base32(), time.time() - 60
    codes = two_factor.enable(user, secret, pyotp.TOTP(secret).at(then), now=then)
    db.session.commit()
    return secret, codes


def sign_in(client, username, password=PASSWORD, **extra):
    client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client), **extra})


def give_code(client, code, **extra):
    return client.post("/login/verify", data={"code": code, "csrf_token": csrf_token(client), **extra})


def actions(name=None) -> list[str]:
    query = select(AuditEntry.action).order_by(AuditEntry.id)
    return list(db.session.scalars(query.where(AuditEntry.action == name) if name else query))


# ---- the rules --------------------------------------------------------------------------------------------------

def test_a_code_passes_within_one_step_and_only_once(app):
    user = factories.user(username="boss")
    secret, _codes = enrol(user)
    totp, now = pyotp.TOTP(secret), time.time()
    assert two_factor.verify(user, totp.at(now - 30), now=now) == "totp"  # the phone's clock 30 s behind
    assert two_factor.verify(user, totp.at(now - 30), now=now) is None  # the same step again
    assert two_factor.verify(user, totp.at(now - 60), now=now) is None  # an older step, after a newer one
    assert two_factor.verify(user, totp.at(now + 30), now=now) == "totp"  # 30 s ahead, a later step
    assert two_factor.verify(user, totp.at(now + 90), now=now) is None  # two steps off: refused
    assert two_factor.verify(user, "12345", now=now) is None and two_factor.verify(user, "１２３４５６", now=now) is None


def test_enabling_needs_a_right_code_and_makes_ten_recovery_codes_kept_as_hashes(app):
    user = factories.user(username="boss")
    secret = two_factor.new_secret()
    with pytest.raises(BusinessRuleError) as refused:
        two_factor.enable(user, secret, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert refused.value.field == "code" and user.totp_enabled_at is None
    codes = two_factor.enable(user, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    assert len(set(codes)) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored) and not {c.replace("-", "") for c in codes} & set(stored)
    with pytest.raises(InvalidState):
        two_factor.enable(user, secret, pyotp.TOTP(secret).now())


def test_a_recovery_code_works_once_and_new_codes_end_the_old(app):
    user = factories.user(username="boss")
    _secret, codes = enrol(user)
    assert two_factor.verify(user, codes[0].upper().replace("-", " ")) == "recovery"  # as typed from paper
    assert two_factor.verify(user, codes[0]) is None
    assert two_factor.recovery_codes_left(user) == 9
    with pytest.raises(BusinessRuleError):
        two_factor.regenerate_codes(user, "wrong password")
    fresh = two_factor.regenerate_codes(user, PASSWORD)
    assert two_factor.verify(user, codes[1]) is None and two_factor.verify(user, fresh[1]) == "recovery"
    db.session.commit()
    assert actions() [-3:] == ["user.recovery_code_used", "user.recovery_codes", "user.recovery_code_used"]


def test_turning_off_needs_the_password_and_a_code(app):
    user = factories.user(username="boss")
    secret, _codes = enrol(user)
    with pytest.raises(BusinessRuleError) as refused:
        two_factor.disable(user, "wrong password", pyotp.TOTP(secret).now())
    assert refused.value.field == "password"
    with pytest.raises(BusinessRuleError) as refused:
        two_factor.disable(user, PASSWORD, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert refused.value.field == "code"
    two_factor.disable(user, PASSWORD, pyotp.TOTP(secret).now())
    db.session.commit()
    assert user.totp_secret is None and db.session.scalar(select(RecoveryCode)) is None
    assert actions()[-1] == "user.two_factor_off"


def test_the_policy_defaults_to_the_config_until_the_owner_chooses(app):
    owner = factories.user(username="boss")
    app.config["TWO_FACTOR_DEFAULT_ROLES"] = ("owner", "finance")
    assert {role.value for role in two_factor.required_roles()} == {"owner", "finance"}
    two_factor.set_required_roles(owner, ["sales"])
    db.session.commit()
    app.config["TWO_FACTOR_DEFAULT_ROLES"] = ("owner", "finance", "warehouse")  # a chosen policy stays as chosen
    assert {role.value for role in two_factor.required_roles()} == {"sales"}
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "security.two_factor_policy")
                                 .order_by(AuditEntry.id)).all()
    # One entry per role whose requirement changed.
    assert sorted((entry.changes["role"][1], entry.changes["required"]) for entry in entries) == [
        ("finance", [True, False]), ("owner", [True, False]), ("sales", [False, True])]


# ---- enrolment on the account page ----------------------------------------------------------------------------

def test_enrolment_shows_a_qr_code_and_the_key_then_the_codes_once(client, login):
    user = login("sales")
    page = client.get("/account/2fa").get_data(as_text=True)
    secret = re.search(r'id="totp-secret"[^>]*value="([A-Z2-7]{32})"', page).group(1)
    assert "<svg" in page and "扫描" in page
    assert secret in client.get("/account/2fa").get_data(as_text=True)  # a reload keeps the same key
    wrong = client.post("/account/2fa/enable", data={"code": "12", "csrf_token": client.csrf})
    assert wrong.status_code == 422 and "不正确" in wrong.get_data(as_text=True)
    done = client.post("/account/2fa/enable", data={"code": pyotp.TOTP(secret).now(), "csrf_token": client.csrf})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and len(re.findall(r"<code>[a-z2-9]{5}-[a-z2-9]{5}</code>", body)) == 10
    assert not re.search(r'name="code"[^>]*value="\d', body)  # the posted code is not left in "turn off"
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == secret
    page = client.get("/account/2fa").get_data(as_text=True)
    assert "<code>" not in page and "还剩 10 个恢复码" in page
    assert "user.two_factor_on" in actions()


def test_the_owner_requires_it_per_role_on_the_security_screen(client, login):
    login("owner")
    page = client.get("/settings/security").get_data(as_text=True)
    assert "必须使用两步登录的角色" in page
    assert len(re.findall(r'<input[^>]*type="checkbox"', page)) == 5 and not re.search(r'<input[^>]*checked', page)
    saved = client.post("/settings/security", data={"roles": ["finance", "warehouse"], "csrf_token": client.csrf})
    assert saved.status_code == 302
    assert {role.value for role in two_factor.required_roles()} == {"finance", "warehouse"}
    page = client.get("/settings/security").get_data(as_text=True)
    assert sorted(re.findall(r'<input checked id="roles-\d" name="roles" type="checkbox" value="(\w+)"', page)) == [
        "finance", "warehouse"]
    bad = client.post("/settings/security", data={"roles": ["king"], "csrf_token": client.csrf})
    assert bad.status_code == 422
    assert {role.value for role in two_factor.required_roles()} == {"finance", "warehouse"}


def test_a_role_that_requires_it_is_taken_to_enrol_and_can_do_nothing_else(client):
    client.application.config["TWO_FACTOR_DEFAULT_ROLES"] = ("finance",)
    factories.user(role="finance", username="cashier")
    response = sign_in(client, "cashier")
    assert response.status_code == 302
    for path in ("/", "/books/accounts", "/account/devices"):
        assert client.get(path).headers["Location"] == "/account/2fa", path
    assert client.get("/", headers={"HX-Request": "true", "HX-Boosted": "true"}).headers["Location"] == "/account/2fa"
    badge = client.get("/stock/low-count", headers={"HX-Request": "true"})  # loaded by the enrolment page itself
    assert badge.status_code == 204 and "HX-Redirect" not in badge.headers
    assert client.get("/help/auth.two_factor").status_code == 200  # the ? button still helps
    page = client.get("/account/2fa").get_data(as_text=True)
    assert "您的角色必须使用两步登录" in page
    secret = re.search(r'id="totp-secret"[^>]*value="([A-Z2-7]{32})"', page).group(1)
    client.post("/account/2fa/enable", data={"code": pyotp.TOTP(secret).now(),
                                              "csrf_token": csrf_token(client, "/account/2fa")})
    assert client.get("/").status_code == 200


def test_a_rule_applies_from_the_next_page_and_is_read_with_the_session(client, login):
    """The role's rule comes with the signed-in session's own query (access.load_user), not a query of its own,
    and a change (or the configured default when the role has no rule) applies from the next request."""
    client.application.config["TWO_FACTOR_DEFAULT_ROLES"] = ("warehouse",)
    two_factor.set_required_roles(None, [])  # a rule for every role: none required
    db.session.commit()
    login("warehouse")
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)
    event.listen(Engine, "before_cursor_execute", seen)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    rules = [statement for statement in statements if "two_factor_rule" in statement]
    assert len(rules) == 1 and "user_session" in rules[0]
    two_factor.set_required_roles(None, ["warehouse"])
    db.session.commit()
    assert client.get("/").headers["Location"] == "/account/2fa"
    db.session.execute(delete(TwoFactorRule))  # no rule at all: the configured default, which names warehouse
    db.session.commit()
    assert client.get("/").headers["Location"] == "/account/2fa"
    client.application.config["TWO_FACTOR_DEFAULT_ROLES"] = ()
    assert client.get("/").status_code == 200


# ---- the sign-in's second step --------------------------------------------------------------------------------

def test_sign_in_asks_for_the_code_and_signs_in_only_after_it(client):
    user = factories.user(username="boss")
    secret, _codes = enrol(user)
    response = sign_in(client, "boss", next="/account")
    assert response.headers["Location"] == "/login/verify"
    assert client.get("/").status_code == 302  # not signed in yet
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.sign_in")) is None
    page = client.get("/login/verify").get_data(as_text=True)
    assert "身份验证器" in page and "信任此设备 30 天" in page
    assert give_code(client, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111").status_code == 422
    done = give_code(client, pyotp.TOTP(secret).now())
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    assert client.get("/").status_code == 200
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.sign_in")).one()
    assert entry.changes["sign_in_with"] == [None, "totp"]
    failed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.sign_in_failed")).one()
    assert failed.changes["step"] == [None, "code"] and failed.object_id == user.id


def test_the_same_code_does_not_sign_in_twice(client):
    user = factories.user(username="boss")
    secret, _codes = enrol(user)
    code = pyotp.TOTP(secret).now()
    sign_in(client, "boss")
    assert give_code(client, code).status_code == 302
    other = client.application.test_client()
    sign_in(other, "boss")
    assert give_code(other, code).status_code == 422
    assert other.get("/").status_code == 302


def test_a_recovery_code_signs_in_once(client):
    user = factories.user(username="boss")
    _secret, codes = enrol(user)
    sign_in(client, "boss")
    assert give_code(client, codes[3]).status_code == 302
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.sign_in")).one().changes[
        "sign_in_with"] == [None, "recovery"]
    other = client.application.test_client()
    sign_in(other, "boss")
    assert give_code(other, codes[3]).status_code == 422


def test_the_second_step_is_under_the_sign_in_limits_and_a_lockout_is_logged_once(client):
    user = factories.user(username="boss")
    secret, _codes = enrol(user)
    sign_in(client, "boss")
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    assert [give_code(client, wrong).status_code for _ in range(5)] == [422] * 5
    refused = give_code(client, pyotp.TOTP(secret).now())  # even the right code waits now
    assert refused.status_code == 429 and "尝试次数过多" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert len(actions("user.sign_in_failed")) == 5 and len(actions("user.lockout")) == 1
    # The password step of the same account is locked too: one lockout, whichever step it came from.
    assert sign_in(client.application.test_client(), "boss").status_code == 429


def test_the_waiting_step_expires_and_follows_the_user(client, monkeypatch):
    user = factories.user(username="boss")
    secret, _codes = enrol(user)
    sign_in(client, "boss")
    monkeypatch.setattr(second_step, "TTL", -1)
    assert client.get("/login/verify").headers["Location"] == "/login"
    assert give_code(client, pyotp.TOTP(secret).now()).headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_a_trusted_device_skips_the_code_until_the_trust_ends(client):
    owner = factories.user(username="owner1")
    user = factories.user(username="boss", role="finance")
    secret, _codes = enrol(user)
    sign_in(client, "boss")
    assert give_code(client, pyotp.TOTP(secret).now(), trust="y").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    again = sign_in(client, "boss")
    assert again.headers["Location"] == "/" and client.get("/").status_code == 200  # no code asked
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.sign_in")
                              .order_by(AuditEntry.id.desc())).first().changes["sign_in_with"] == [None, "trusted"]
    other = client.application.test_client()
    assert sign_in(other, "boss").headers["Location"] == "/login/verify"  # another browser is asked
    from app.auth import services
    services.end_everything(owner, db.session.get(User, user.id))  # the owner ends everything: trust goes too
    db.session.commit()
    assert db.session.scalar(select(TrustedDevice)) is None
    assert sign_in(client, "boss").headers["Location"] == "/login/verify"


def test_the_owner_and_the_cli_turn_it_off_for_a_lost_phone(client, login):
    login("owner")
    user = factories.user(username="clerk", role="sales")
    enrol(user)
    page = client.get(f"/users/{user.id}").get_data(as_text=True)
    assert "两步登录：已开启" in page
    assert client.post(f"/users/{user.id}/two-factor/reset", data={"csrf_token": client.csrf}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_enabled_at is None
    assert client.post(f"/users/{user.id}/two-factor/reset", data={"csrf_token": client.csrf}).status_code == 409
    enrol(db.session.get(User, user.id))
    result = client.application.test_cli_runner().invoke(args=["users", "reset-2fa", "clerk"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_enabled_at is None
    assert actions("user.two_factor_reset") == ["user.two_factor_reset"] * 2
