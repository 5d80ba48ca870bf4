"""The app shell in a real browser: sign-in, navigation per role and screen size, language, sign-out."""
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.screens import sign_in
from tests.browser.conftest import PHONE, SMALL_PHONE, TABLET

# role: (display name, role label in Chinese)
ROLES = {
    "owner": ("王老板", "老板"),
    "sales": ("李销售", "销售"),
    "warehouse": ("张仓管", "仓管"),
    "purchasing": ("赵采购", "采购"),
    "finance": ("钱会计", "财务"),
}
OWNER_ONLY = ("用户", "操作日志", "设置")


def at_path(path):
    return re.compile(rf"^http://127\.0\.0\.1:\d+{re.escape(path)}(\?.*)?$")


def nav_link(page, label):
    return page.locator("nav.nav").get_by_role("link", name=label, exact=True)


def assert_no_horizontal_scroll(page):
    widths = page.evaluate("[Math.max(document.documentElement.scrollWidth, document.body.scrollWidth), window.innerWidth]")
    assert widths[0] <= widths[1], f"page scrolls sideways at {page.url}: scrollWidth {widths[0]} > {widths[1]}"


def assert_fits_phone_widths(page):
    """No sideways scrolling at 390 px nor at 360 px, the narrowest phone we support."""
    for viewport in (PHONE, SMALL_PHONE):
        page.set_viewport_size(viewport)
        assert_no_horizontal_scroll(page)
    page.set_viewport_size(PHONE)


# Each role's bottom bar between 首页 and 我的: its daily jobs, five entries at most.
BOTTOM_BAR = {"owner": ("商品", "库存", "订单"), "sales": ("商品", "订单", "客户"), "warehouse": ("库存", "订单", "收货"),
              "purchasing": ("商品", "采购", "供应商"), "finance": ("销售单", "收款", "账务")}


@pytest.mark.parametrize("role", list(ROLES))
def test_phone_sign_in_switch_language_and_sign_out(new_page, role):
    name, role_label = ROLES[role]
    user = factories.user(role=role, display_name=name)
    page = new_page(PHONE)

    sign_in(page, user)

    expect(page).to_have_url(at_path("/"))
    expect(page.locator("h1")).to_have_text(f"您好，{name}")
    expect(page.locator(".topbar .who")).to_have_text(f"{name} · {role_label}")
    nav = page.locator("nav.nav")
    expect(nav).to_be_visible()
    box = nav.bounding_box()
    assert box["x"] == 0 and box["width"] == page.evaluate("document.documentElement.clientWidth"), box
    assert abs(box["y"] + box["height"] - PHONE["height"]) <= 1, f"nav is not at the bottom: {box}"
    assert box["height"] < box["width"], box
    for label in ("首页", "我的"):
        expect(nav_link(page, label)).to_be_in_viewport()
    for label in BOTTOM_BAR[role]:
        expect(nav_link(page, label)).to_be_in_viewport()
    for label in OWNER_ONLY:  # the owner's admin jobs are tiles on the phone's home, not bottom-bar entries
        tile = page.locator(".tiles").get_by_role("link", name=re.compile(f"^{label} "))
        if role == "owner":
            expect(tile).to_be_visible()
            expect(nav_link(page, label)).to_be_hidden()
        else:
            expect(tile).to_have_count(0)
            expect(nav_link(page, label)).to_have_count(0)
    assert_fits_phone_widths(page)

    nav_link(page, "我的").click()
    expect(page).to_have_url(at_path("/account"))
    expect(nav_link(page, "我的")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="退出登录", exact=True)).to_be_visible()
    assert_fits_phone_widths(page)

    page.get_by_role("button", name="English", exact=True).click()
    expect(nav_link(page, "Me")).to_be_visible()
    expect(nav_link(page, "Home")).to_be_visible()
    expect(page).to_have_url(at_path("/account"))
    expect(page.get_by_role("button", name="退出登录")).to_have_count(0)

    expect(page.locator("h1")).to_have_text("My account")
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(at_path("/login"))
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    expect(page.locator("nav.nav")).to_have_count(0)
    page.goto("/")  # really signed out: home now asks to sign in
    expect(page).to_have_url(at_path("/login"))
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()

    # The choice belongs to the user, not to this browser: a new browser (Chinese) signs in to English.
    other = new_page(PHONE)
    sign_in(other, user)
    expect(other).to_have_url(at_path("/"))
    expect(other.locator("h1")).to_have_text(f"Hello, {name}")
    expect(nav_link(other, "Me")).to_be_visible()
    expect(nav_link(other, "Home")).to_be_visible()
    expect(nav_link(other, "我的")).to_have_count(0)


def test_tablet_shows_a_side_bar(new_page):
    user = factories.user(role="owner", display_name="王老板")
    page = new_page(TABLET)
    sign_in(page, user)
    expect(page.locator("h1")).to_have_text("您好，王老板")

    box = page.locator("nav.nav").bounding_box()
    assert box["x"] == 0, f"nav is not on the left: {box}"
    assert box["height"] > box["width"], f"nav is not a side bar: {box}"
    assert box["width"] < TABLET["width"] / 2, box
    for label in ("首页", *OWNER_ONLY, "我的"):
        expect(nav_link(page, label)).to_be_in_viewport()
    assert_no_horizontal_scroll(page)


# hx-boost swaps the inner HTML of <body> only, so forms that change the session (sign-in,
# sign-out, language) load a full page: <body class>, its CSRF hx-headers and <html lang> follow.


def test_tablet_content_sits_beside_the_side_bar_after_sign_in(new_page):
    user = factories.user(role="owner", display_name="王老板")
    page = new_page(TABLET)
    sign_in(page, user)
    expect(page.locator("h1")).to_have_text("您好，王老板")

    nav = page.locator("nav.nav").bounding_box()
    heading = page.locator("h1").bounding_box()
    assert heading["x"] >= nav["x"] + nav["width"], f"the heading is under the side bar: {heading} {nav}"


def test_page_language_follows_the_switch(new_page):
    user = factories.user(role="sales", display_name="李销售")
    page = new_page(PHONE)
    sign_in(page, user)
    nav_link(page, "我的").click()
    page.get_by_role("button", name="English", exact=True).click()
    expect(nav_link(page, "Me")).to_be_visible()
    # Screen readers pick their voice from <html lang>.
    expect(page.locator("html")).to_have_attribute("lang", "en", timeout=1_000)


def test_phone_nav_touch_targets_are_44px(new_page):
    user = factories.user(role="owner", display_name="王老板")  # the owner has the most entries
    page = new_page(PHONE)
    sign_in(page, user)
    expect(page.locator("h1")).to_have_text("您好，王老板")

    targets = page.locator("nav.nav a:visible, nav.nav button:visible")
    expect(targets).to_have_count(5)  # 首页 商品 库存 订单 我的: the bottom bar keeps to the primary jobs
    for viewport in (PHONE, SMALL_PHONE):
        page.set_viewport_size(viewport)
        for box, label in zip(targets.evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())"),
                              targets.all_inner_texts()):
            assert box["height"] >= 44, f"{label!r} is {box['height']} px tall at {viewport['width']} px"
            assert box["width"] >= 44, f"{label!r} is {box['width']} px wide at {viewport['width']} px"


@pytest.mark.browser_expects("console", r"status of 422 .* at .*/login$")  # the form comes back with its error
def test_wrong_password_shows_an_error_and_stays_on_sign_in(new_page):
    user = factories.user(role="sales", display_name="李销售")
    page = new_page(PHONE)
    sign_in(page, user, password="not the password")

    expect(page.get_by_text("用户名或密码错误。")).to_be_visible()
    expect(page).to_have_url(at_path("/login"))
    expect(page.locator("input[name=password]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("nav.nav")).to_have_count(0)
    expect(page.locator("input[name=username]")).to_have_value(user.username)
