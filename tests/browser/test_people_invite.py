"""The owner invites a salesperson on a tablet; the salesperson opens the link on a phone, sets a password and is in."""
import re

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import PHONE, TABLET
from tests.browser.screens import snapshot


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_owner_invites_on_a_tablet_and_the_salesperson_joins_on_a_phone(app, new_page):
    owner = factories.user("owner", display_name="张老板")
    tablet = new_page(TABLET)
    tablet.context.grant_permissions(["clipboard-read", "clipboard-write"])
    tablet.goto("/login")
    tablet.locator("input[name=username]").fill(owner.username)
    tablet.locator("input[name=password]").fill(factories.PASSWORD)
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="登录", exact=True).click()

    tablet.goto("/users")
    tablet.get_by_role("link", name="邀请用户").first.click()
    expect(tablet.get_by_role("heading", name="邀请用户")).to_be_visible()
    tablet.get_by_label("姓名").fill("王小明")
    tablet.get_by_label("手机号").fill("13800138000")
    expect(tablet.get_by_label("用户名")).to_have_value("wangxiaoming")  # proposed from the name, editable
    expect(tablet.get_by_label("角色")).to_have_value("sales")
    snapshot(tablet, "people invite form")
    tablet.get_by_role("button", name="生成邀请链接").click()

    expect(tablet.get_by_role("heading", name="给 王小明 的邀请")).to_be_visible()
    expect(tablet.locator(".invite-qr svg")).to_be_visible()
    link = tablet.locator("[data-invite-link]").input_value()
    assert re.search(r"/invite/[A-Za-z0-9_-]{40,}$", link)
    tablet.get_by_role("button", name="复制链接").click()
    expect(tablet.get_by_role("button", name="已复制")).to_be_visible()
    assert tablet.evaluate("navigator.clipboard.readText()") == link
    _no_sideways_scroll(tablet)
    snapshot(tablet, "people invitation link")

    tablet.goto("/users")
    expect(tablet.locator("#pending-invitations")).to_contain_text("王小明")

    phone = new_page(PHONE)
    phone.goto(link)
    expect(phone.get_by_text("王小明，欢迎您！")).to_be_visible()
    expect(phone.get_by_text("wangxiaoming")).to_be_visible()
    _no_sideways_scroll(phone)
    snapshot(phone, "people accept")
    phone.get_by_label("新密码", exact=True).fill("xiaoming 2026")
    phone.get_by_label("确认新密码").fill("xiaoming 2026")
    with phone.expect_navigation():
        phone.get_by_role("button", name="设置密码并登录").tap()

    expect(phone.get_by_role("heading", name="欢迎您，王小明")).to_be_visible()
    # Headless Chromium offers no install prompt here: the written steps for iOS and Android show instead.
    expect(phone.get_by_text("iPhone 和 iPad（Safari 浏览器）")).to_be_visible()
    expect(phone.locator("[data-install-button]")).to_be_hidden()
    _no_sideways_scroll(phone)
    snapshot(phone, "people welcome")
    phone.get_by_role("link", name="开始使用 JXC").tap()
    expect(phone).to_have_url(re.compile(r"^http://[^/]+/$"))  # the home page
    expect(phone.locator("body.signed-in")).to_be_visible()
    expect(phone.locator(".topbar .who")).to_contain_text("王小明")
    snapshot(phone, "people home after invite")

    # The link is used up: opened again, it says so plainly and points to the owner.
    phone.goto(link)
    expect(phone.get_by_text("此邀请链接已经用过")).to_be_visible()
    expect(phone.get_by_text("请联系老板重新生成邀请链接。")).to_be_visible()
    snapshot(phone, "people link used")
