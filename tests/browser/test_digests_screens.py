"""Scheduled reports on a 390 x 844 phone in Chinese: finance subscribes, sends the summary now, sees the bell's
unread count, reads it and the count goes. (Axe and the 44 px targets on these screens: the owner's walk in
test_axe_screens.py.)"""
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.screens import sign_in


def test_finance_subscribes_and_reads_the_summary_under_the_bell(new_page, app):
    finance = factories.user("finance", display_name="王会计")
    page = new_page(PHONE)
    sign_in(page, finance, settle=True)
    expect(page.locator(".topbar .bell .bell-count")).to_be_hidden()  # nothing unread yet
    page.goto("/settings/reports", wait_until="networkidle")
    page.get_by_label("发送频率").select_option("weekly")
    page.get_by_label("星期几（每周）").select_option("4")
    page.get_by_label("发送时间").select_option("9")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#digest-subscriptions")).to_contain_text("每周星期五 09:00")
    page.get_by_role("button", name="立即发送").click()
    expect(page.locator(".flash-success")).to_contain_text("应用内通知：已发送。")
    expect(page.locator(".topbar .bell .bell-count")).to_have_text("1")  # loaded after the page
    page.locator(".topbar .bell").click()
    expect(page.locator("h1")).to_have_text("通知")
    expect(page.locator(".notification.unread")).to_contain_text("每周汇总")
    expect(page.get_by_role("link", name="查看")).to_have_attribute("href", "/reports/")  # the dashboard
    page.get_by_role("button", name="全部标为已读（1）").click()
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(page.locator(".topbar .bell .bell-count")).to_be_hidden()  # the bell counted again

