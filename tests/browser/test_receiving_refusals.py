"""Issue 13: a refused receiving scan stays visible until dismissed and is logged as refused, not 已扫描. At 390 px
in Chinese: a code not on the order and an over-receipt are refused, each listed with its code and reason while
the next scans count, nothing counted for them, and gone only when the receiver dismisses them."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.screens import sign_in
from tests.browser.test_receiving import BOX, CASE, confirmed_order, settled, wedge

STRANGER = "6920000000012"


@pytest.mark.browser_expects("console", r"status of 422 .* at .*/receive/scan$")  # refused scans answer 422
def test_a_refused_scan_stays_listed_with_its_reason_until_dismissed(new_page, app):
    order = confirmed_order()
    factories.product(sku="MUG-1", name="保温杯", barcode=STRANGER)
    case_line = order.lines[0].id
    page = new_page(PHONE)
    sign_in(page, factories.user("warehouse"))
    page.goto(f"/purchase-orders/{order.id}/receive")
    settled(page)
    counted = page.locator(f"#receipt-line-{case_line} [data-counted]")
    refusals = page.locator("[data-refusals] [data-refusal]")
    log = page.locator("[data-scan-log] li")

    wedge(page, [STRANGER])  # not on the order
    expect(refusals).to_have_count(1)
    expect(refusals.first).to_contain_text(STRANGER)
    expect(refusals.first).to_contain_text("保温杯")
    expect(log.first).to_have_attribute("data-status", "refused")
    expect(log.first).to_contain_text("已拒绝")
    expect(log.first).not_to_contain_text("已扫描")

    wedge(page, [CASE, CASE])  # the next scans count, and the refusal is still there
    expect(counted).to_have_text("2")
    expect(refusals).to_have_count(1)
    expect(log.first).to_have_attribute("data-status", "handled")

    wedge(page, [BOX])  # 12 more than the 3 still to come: refused, nothing counted
    expect(refusals).to_have_count(2)
    expect(refusals.first).to_contain_text(BOX)
    expect(refusals.first).to_contain_text("3")
    expect(counted).to_have_text("2")
    expect(page.locator("#receipt [data-refusal]")).to_have_count(0)  # listed once, above the lines

    dismiss = refusals.first.get_by_role("button", name="知道了")
    box = dismiss.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, box
    dismiss.tap()
    expect(refusals).to_have_count(1)
    expect(refusals.first).to_contain_text(STRANGER)
    expect(page.locator("#receive-scan-input")).to_be_focused()
    refusals.first.get_by_role("button", name="知道了").tap()
    expect(refusals).to_have_count(0)
    expect(counted).to_have_text("2")
