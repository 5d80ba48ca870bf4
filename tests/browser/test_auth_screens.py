"""Sign-in and account screens on a phone, in Chinese: remember-me is a choice, sign-out ends the session."""
from playwright.sync_api import expect

from tests import factories



def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_phone_sign_in_remembers_only_when_ticked_and_sign_out_ends_it(app, new_page):
    user = factories.user(role="finance", display_name="小王")
    page = new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto("/login")
    remember = page.get_by_label("记住我", exact=True)
    expect(remember).not_to_be_checked()
    box = page.locator(".field.check").bounding_box()
    assert box["height"] >= 44  # the whole row (box and its label) is the touch target
    _no_sideways_scroll(page)

    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    remember.tap()
    with page.expect_navigation():
        page.get_by_role("button", name="登录", exact=True).tap()
    cookies = {cookie["name"] for cookie in page.context.cookies()}
    assert {"session", "remember_token", "jxc_device"} <= cookies

    page.goto("/account")
    expect(page.get_by_text("您的 API 令牌将被撤销")).to_be_visible()
    _no_sideways_scroll(page)
    with page.expect_navigation():
        page.get_by_role("button", name="退出登录", exact=True).tap()
    assert "remember_token" not in {cookie["name"] for cookie in page.context.cookies()}
    page.goto("/")
    assert "/login" in page.url
    assert errors == []
