"""Issue 13: a name typed into the sales order's scan box searches (it answered 没有条码); a wedge scanner's burst
still adds by barcode, and so does a barcode typed in full. At 390 px in Chinese, in a salesperson's draft."""
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.scan_fixtures import wedge_burst
from tests.browser.screens import sign_in
from tests.browser.test_sales_flow import settled

CASE, EARPHONES, SPEAKER = "6901234567892", "4006381333931", "6920000000012"


def test_typed_names_search_and_wedge_scans_add_in_the_order_scan_box(new_page, app):
    main = factories.warehouse(code="MAIN", name="主仓", is_default=True)
    for sku, name, code in (("CASE-01", "手机壳", CASE), ("EAR-01", "蓝牙耳机", EARPHONES),
                            ("SPK-01", "蓝牙音箱", SPEAKER)):
        factories.stock(factories.product(sku=sku, name=name, barcode=code), main, 20)
    seller = factories.user("sales", display_name="李娜")
    order = factories.order(factories.customer("华联超市", salesperson=seller), [])
    page = new_page(PHONE)
    sign_in(page, seller)
    page.goto(f"/orders/{order.id}")
    settled(page)
    page.wait_for_function("() => window.jxcOrderEditor")
    lines, options = page.locator("#order-lines .line-card:not(.empty)"), page.locator("#product-options button.option")
    log = page.locator("#order-scan [data-scan-log] li")
    field = page.locator("#order-scan-input")

    # A person types a name (Chinese comes through the input method, not key by key) and presses Enter: a search.
    field.focus()
    page.keyboard.type("蓝牙", delay=120)
    page.keyboard.press("Enter")
    expect(options).to_have_count(2)
    expect(page.locator("[data-product-search]")).to_have_value("蓝牙")
    expect(field).to_have_value("蓝牙")  # the words searched stay in the one box
    expect(log.first).to_have_attribute("data-status", "searched")
    expect(log.first).to_contain_text("已搜索")
    expect(lines).to_have_count(0)
    expect(page.locator("#order-lines [role=alert]")).to_have_count(0)  # not 没有条码或编码为 蓝牙 的商品
    settled(page)
    options.filter(has_text="蓝牙音箱").tap()  # the user adds a result
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("蓝牙音箱")

    # Letters typed at a person's pace: a search too, even with one result (it is not a barcode or SKU).
    field.focus()
    page.keyboard.type("case", delay=120)
    page.keyboard.press("Enter")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("手机壳")
    expect(lines).to_have_count(1)

    # A wedge scanner's burst adds by barcode, at once.
    field.focus()
    wedge_burst(page, CASE)
    expect(lines).to_have_count(2)
    expect(lines.nth(1)).to_contain_text("手机壳")
    expect(log.first).to_have_attribute("data-status", "handled")

    # A barcode typed by hand, key by key, is still a barcode: its product is added.
    field.focus()
    page.keyboard.type(EARPHONES, delay=120)
    page.keyboard.press("Enter")
    expect(lines).to_have_count(3)
    expect(lines.nth(2)).to_contain_text("蓝牙耳机")
    settled(page)
