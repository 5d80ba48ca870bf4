"""Issue 17: a link the customer can open. At 390 px in Chinese a salesperson opens a sales slip, taps 分享链接 (this
Chromium has no share sheet, so the link is copied), and the customer opens it in a browser of their own with no
session: the sales slip alone, its PDF, nothing of the app. The salesperson sees both openings counted, revokes
the link, and the customer's next try says the link has expired."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.screens import sign_in, snapshot
from tests.browser.test_sales_flow import arrive, assert_fits_the_screen, assert_tappable
from tests.test_sharing import make_shop


@pytest.mark.browser_expects("console", r"status of 404 .* at .*/s/[^/]+$")  # the revoked link, on purpose
def test_share_a_sales_slip_and_the_customer_opens_it_without_an_account(new_page):
    shop = make_shop()
    invoice, other = shop["invoice"], shop["other"]
    page = new_page(PHONE)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, shop["seller"])
    page.goto(f"/invoices/{invoice.id}")
    arrive(page, rf"/invoices/{invoice.id}")
    panel = page.locator("[data-share-panel]")
    expect(panel).to_contain_text("还没有链接")
    button = panel.get_by_role("button", name="分享链接")
    assert_tappable(button)
    button.tap()
    expect(panel.locator("[data-share-status]")).to_have_text("链接已复制，粘贴到和客户的聊天里即可。")
    url = panel.locator("[data-share-current]").get_attribute("data-share-url")
    assert page.evaluate("navigator.clipboard.readText()") == url
    expect(panel).to_contain_text("已打开 0 次")
    assert_fits_the_screen(page)
    snapshot(page, "share-panel")
    button.tap()  # again: the same link, straight from the panel
    expect(panel.locator("[data-share-current]")).to_have_count(1)
    assert page.evaluate("navigator.clipboard.readText()") == url

    customer = new_page(PHONE)
    response = customer.goto(url)
    assert response.ok and response.headers["cache-control"] == "no-store"
    expect(customer.locator("h1")).to_have_text(f"销售单 {invoice.number}")
    body = customer.locator("body")
    expect(body).to_contain_text("华强电子")
    expect(body).to_contain_text("苹果手机壳")
    expect(body).to_contain_text("¥678.00")
    expect(body).to_contain_text("待付")
    for absent in (other.number, "别人的货", "登录", "43.21"):
        expect(body).not_to_contain_text(absent)
    expect(customer.locator("nav")).to_have_count(0)
    pdf_link = customer.get_by_role("link", name="打开 PDF")
    assert_tappable(pdf_link)
    pdf = customer.request.get(pdf_link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    assert_fits_the_screen(customer)
    snapshot(customer, "share-customer-page")

    page.reload()
    arrive(page, rf"/invoices/{invoice.id}")
    expect(panel).to_contain_text("已打开 2 次")
    page.once("dialog", lambda dialog: dialog.accept())
    panel.get_by_role("button", name="撤销").tap()
    expect(panel).to_contain_text("撤销")
    expect(panel.locator("[data-share-current]")).to_have_count(0)

    gone = customer.goto(url)
    assert gone.status == 404
    expect(customer.locator("h1")).to_have_text("链接已失效")
    expect(customer.locator("body")).to_contain_text("请联系发送人重新发一个链接")
    snapshot(customer, "share-expired")
