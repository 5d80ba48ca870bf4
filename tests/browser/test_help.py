"""Help at phone size (390 x 844), in Chinese: the header's help button opens the current screen's page, the
quick start walks a role through the real screens, and a help page once seen opens again offline."""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.db_types import utcnow
from tests import factories
from tests.browser.screens import sign_in
from tests.browser.test_pwa import controlled, installed  # noqa: F401  (the persistent-profile fixture)


def shot(page, name):
    """With JXC_SCREENSHOTS=<folder>, keep the screen as a person sees it (viewport only: a full-page capture
    resizes the page)."""
    folder = os.environ.get("JXC_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"help-{name}-390x844.png"))


def bell_of(path: str):
    """The answer to the bell's request from the page at `path` (htmx names the page it asks from), not a late one
    from the page before: leaving a page while its bell is asking is a cancelled request (htmx:sendError)."""
    return lambda response: ("/notifications/bell" in response.url
                             and response.request.headers.get("hx-current-url", "").endswith(path))


# Offline, the nav's low-stock badge cannot load: htmx reports that, and only that.
@pytest.mark.browser_expects("htmx:sendError", r"low-count")
@pytest.mark.browser_expects("console", r"ERR_INTERNET_DISCONNECTED|Failed to load resource")
def test_help_button_opens_this_screens_help_which_then_opens_offline(installed, app):
    page = installed
    user = factories.user(role="sales", display_name="李销售", quickstart_seen_at=utcnow())
    sign_in(page, user, settle=True)
    controlled(page)

    with page.expect_response(bell_of("/orders")):
        page.goto("/orders")
    button = page.get_by_role("link", name="本页帮助")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    button.focus()
    page.keyboard.press("Enter")  # usable from the keyboard
    expect(page).to_have_url(re.compile(r"/help/sales\.index\?back="))
    expect(page.locator("article.help-page h1")).to_have_text("订单")
    expect(page.locator("article.help-page")).to_contain_text("常见任务")
    page.wait_for_load_state("networkidle")
    shot(page, "orders")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The bell asks for its count after the page: let it answer before the connection goes, as a user's would.
    with page.expect_response(bell_of("/orders")):
        page.get_by_role("link", name="← 返回页面").click()
    expect(page).to_have_url(re.compile(r"/orders$"))
    page.wait_for_load_state("networkidle")

    page.context.set_offline(True)
    page.goto("/help/sales.index")  # a help page seen once opens offline, whatever screen it was opened from
    expect(page.locator("article.help-page h1")).to_have_text("订单")
    expect(page.locator(".topbar [data-pwa-net]")).to_contain_text("离线")
    page.goto("/orders")
    page.get_by_role("link", name="本页帮助").click()
    expect(page.locator("article.help-page h1")).to_have_text("订单")
    shot(page, "offline")
    page.goto("/help/sales.show")  # never seen: the offline page, not an error
    expect(page.locator("h1")).to_have_text("网络已断开")
    page.context.set_offline(False)


def test_the_quick_start_walks_the_real_screens(new_page, app):
    page = new_page()
    user = factories.user(role="sales", display_name="王销售")
    factories.customer(name="华强电子", salesperson=user)
    sign_in(page, user, settle=True)
    card = page.locator("section.qs-home")
    expect(card).to_contain_text("第一次使用？销售快速上手")
    expect(card.get_by_role("button", name="开始：出库和开单")).to_be_visible()
    shot(page, "home-quickstart")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    card.get_by_role("button", name="开始：给客户下单").click()
    expect(page).to_have_url(re.compile(r"/orders\?tour=sales\.0\.0$"))
    bar = page.locator(".tour-bar")
    expect(bar).to_contain_text("第 1 步，共 3 步")
    expect(page.locator("#main .tour-target")).to_contain_text("新建订单")  # what to tap, highlighted
    shot(page, "tour-1")

    bar.get_by_role("link", name="下一步").click()
    expect(page).to_have_url(re.compile(r"/orders/new\?tour=sales\.0\.1$"))
    expect(page.locator(".tour-bar")).to_contain_text("第 2 步，共 3 步")
    expect(page.get_by_role("button", name=re.compile("华强电子"))).to_be_visible()
    shot(page, "tour-2")

    page.goto("/")
    expect(page.locator("section.qs-home")).to_have_count(0)  # started once: not offered again
    page.goto("/account")
    page.get_by_role("link", name="销售快速上手").click()
    expect(page.locator("h1")).to_have_text("销售快速上手")
    expect(page.locator(".qs-task")).to_have_count(3)
    shot(page, "quickstart")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_empty_list_links_to_what_to_do(new_page, app):
    page = new_page()
    user = factories.user(role="owner", quickstart_seen_at=utcnow())
    sign_in(page, user, settle=True)
    page.goto("/customers")
    empty = page.locator(".empty-state")
    expect(empty).to_contain_text("没有匹配的客户")
    shot(page, "empty-customers")
    empty.get_by_role("link", name="新建客户").click()
    expect(page.locator("h1")).to_have_text("新建客户")


def test_help_search_finds_a_chinese_word_as_you_type(new_page, app):
    page = new_page()
    user = factories.user(role="finance", quickstart_seen_at=utcnow())
    sign_in(page, user, settle=True)
    page.get_by_role("link", name="本页帮助").click()
    expect(page.locator("article.help-page h1")).to_have_text("首页")
    page.get_by_role("link", name="全部帮助").click()
    expect(page.locator("h1")).to_have_text("帮助")
    # Typing before htmx has wired the swapped-in box up would meet a plain input and send nothing.
    page.wait_for_function("() => document.querySelector('#help-q')?.['htmx-internal-data']")
    page.get_by_label("搜索帮助").fill("核销")
    expect(page).to_have_url(re.compile(r"/help\?q=%E6%A0%B8%E9%94%80$"))
    results = page.locator("#help-results > ul").first  # the matches, above the list of every page
    expect(results.get_by_role("link", name="登记收款")).to_be_visible()
    shot(page, "search")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    results.get_by_role("link", name="登记收款").click()
    expect(page.locator("article.help-page h1")).to_have_text("登记收款")


def test_help_follows_the_users_language(new_page, app):
    page = new_page(locale="en-US")
    user = factories.user(role="warehouse", locale="en", quickstart_seen_at=utcnow())
    sign_in(page, user, settle=True)
    page.goto("/receiving")
    page.get_by_role("link", name="Help for this screen").click()
    expect(page.locator("article.help-page h1")).to_have_text("Receiving")
    expect(page.locator("article.help-page")).to_contain_text("Common tasks")
    shot(page, "english")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
