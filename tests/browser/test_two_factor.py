"""Two-step sign-in on a phone, in Chinese: a finance user is made to enrol right after the password, signs in with
a code, a trusted device skips it, and a recovery code works once."""
import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from app.auth import two_factor
from app.extensions import db
from tests import factories


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _password(page, username):
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录", exact=True).tap()


def _code(page, code, trust=False):
    expect(page).to_have_url(re.compile(r"/login/verify$"))
    page.get_by_label("验证码", exact=True).fill(code)
    if trust:
        page.get_by_label("信任此设备 30 天").tap()
    with page.expect_navigation():
        page.get_by_role("button", name="登录", exact=True).tap()


def _sign_out(page):
    page.goto("/account")
    with page.expect_navigation():
        page.get_by_role("button", name="退出登录", exact=True).tap()


@pytest.mark.browser_expects("console", r"status of 422 .* at .*/login/verify$")  # the used recovery code
def test_finance_enrols_then_signs_in_with_a_code_a_trusted_device_and_a_recovery_code(app, new_page):
    user = factories.user(role="finance", display_name="小王")
    two_factor.set_required_roles(None, ["finance"])
    db.session.commit()
    page = new_page()

    _password(page, user.username)
    expect(page).to_have_url(re.compile(r"/account/2fa$"))  # taken to enrol: nothing else opens
    expect(page.get_by_text("您的角色必须使用两步登录")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/account/2fa$"))
    expect(page.locator(".invite-qr svg")).to_be_visible()
    _no_sideways_scroll(page)
    secret = page.locator("#totp-secret").input_value()
    page.get_by_label("App 上的验证码").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="开启", exact=True).tap()
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    _no_sideways_scroll(page)
    with page.expect_navigation():
        page.get_by_role("link", name="已保存好，继续").tap()
    expect(page).not_to_have_url(re.compile(r"/account/2fa$"))

    _sign_out(page)
    _password(page, user.username)
    trust_box = page.locator(".field.check").bounding_box()
    assert trust_box["height"] >= 44
    _no_sideways_scroll(page)
    # The next step's code: the enrolment used this step's, and a code counts once.
    _code(page, pyotp.TOTP(secret).at(time.time() + 30), trust=True)
    expect(page).to_have_url(re.compile(r"/$"))

    _sign_out(page)
    _password(page, user.username)  # this phone is trusted: no code asked
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/account/devices")
    expect(page.locator("#sessions .badge")).to_have_text("本设备")
    expect(page.locator("#trusted-devices").get_by_role("button", name="取消信任")).to_have_count(1)
    _no_sideways_scroll(page)

    other = new_page()  # another phone, not trusted: a recovery code instead of the app
    _password(other, user.username)
    _code(other, codes[0])
    expect(other).to_have_url(re.compile(r"/$"))
    third = new_page()
    _password(third, user.username)
    _code(third, codes[0])  # used already
    expect(third.get_by_text("验证码不正确")).to_be_visible()
    expect(third).to_have_url(re.compile(r"/login/verify$"))
