"""Issue 5's receiving at the warehouse door, at 390 px: a warehouse user opens a confirmed purchase order from the
receiving list and receives it with a keyboard-wedge scanner in two deliveries. Scans 60 ms apart all count (none
lost or merged), a refused scan says why and counts nothing, each receipt posts with its number, and the order ends
received. The English UI, so the labels stay put when the Chinese translations land."""
import re

import pytest
from playwright.sync_api import expect

from app.catalog import services as catalog
from app.extensions import db
from app.partners import suppliers
from app.purchasing import services as purchasing
from app.purchasing.models import PurchaseOrder, PurchaseStatus
from tests import factories
from tests.browser.screens import sign_in
from tests.browser.conftest import PHONE

CASE, BOX, CABLE = "6901234567892", "16901234567899", "4006381333931"


def settled(page):
    page.wait_for_function("() => !document.querySelector('.htmx-settling')")


def wedge(page, codes, gap_ms=60):
    """Type like a keyboard-wedge scanner: each code in a burst, Enter, then the next one gap_ms later."""
    for code in codes:
        page.keyboard.type(code, delay=0)
        page.keyboard.press("Enter")
        page.wait_for_timeout(gap_ms)


def assert_fits_the_screen(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert max(widths[:2]) <= widths[2], f"{page.url} is wider than the phone: {widths[:2]} > {widths[2]} px"


def confirmed_order():
    """5 phone cases (sold by the 箱 of 12 too) and 2 cables from a supplier, confirmed."""
    factories.warehouse(code="MAIN", name="主仓", is_default=True)
    case = factories.product(sku="CASE-1", name="Phone case", barcode=CASE)
    catalog.add_pack_unit(None, case, "box", "12", barcode=BOX)
    cable = factories.product(sku="CABLE-1", name="USB cable", barcode=CABLE)
    supplier = suppliers.create_supplier(None, {"name": "Shenzhen Parts"})
    owner = factories.user("owner")
    order = purchasing.create_order(owner, supplier, lines=[purchasing.LineInput(case.id, 5, "10.00"),
                                                           purchasing.LineInput(cable.id, 2, "3.00")])
    purchasing.confirm_order(owner, order)
    db.session.commit()
    return order


@pytest.mark.browser_expects("console", r"status of 422 .* at .*/purchase-orders/\d+/receive/scan$")  # too many
def test_warehouse_receives_a_purchase_order_by_wedge_scans_in_two_deliveries(new_page, app):
    order = confirmed_order()
    case_line, cable_line = (line.id for line in order.lines)
    page = new_page(PHONE, locale="en-US")
    sign_in(page, factories.user("warehouse"))

    page.goto("/receiving")
    assert_fits_the_screen(page)
    card = page.locator(".receiving-card", has_text=order.number)
    expect(card).to_contain_text("Shenzhen Parts")
    expect(card).to_contain_text("2 lines left")
    card.locator("a").tap()
    expect(page).to_have_url(re.compile(rf"/purchase-orders/{order.id}/receive$"))
    settled(page)
    field = page.locator("#receive-scan-input")
    expect(field).to_be_focused()
    assert_fits_the_screen(page)

    counted = page.locator(f"#receipt-line-{case_line} [data-counted]")
    cables = page.locator(f"#receipt-line-{cable_line} [data-counted]")
    wedge(page, [CASE, CASE, CABLE])  # the first delivery: 3 scans, 60 ms apart
    expect(counted).to_have_text("2")
    expect(cables).to_have_text("1")
    expect(field).to_have_value("")
    expect(field).to_be_focused()

    wedge(page, [BOX])  # a box of 12 is more than may come in: refused, counted nothing
    expect(page.locator("[data-refusal]")).to_contain_text("Only 3")
    expect(counted).to_have_text("2")
    expect(field).to_be_focused()
    assert_fits_the_screen(page)

    page.get_by_role("button", name="Post receipt").tap()
    expect(page.locator(".flash")).to_contain_text(re.compile(r"Receipt GR-\d{4}-\d+ is posted"))
    settled(page)
    expect(page.locator(".page-head .badge")).to_have_text("Partially received")
    expect(page.locator(f"#receipt-line-{case_line} [data-left]")).to_have_text("3")
    expect(counted).to_have_text("0")

    field = page.locator("#receive-scan-input")  # the second delivery, the same way
    field.focus()
    wedge(page, [CASE, CABLE, CASE, CASE])
    expect(counted).to_have_text("3")
    expect(cables).to_have_text("1")
    page.get_by_role("button", name="Post receipt").tap()
    settled(page)
    expect(page.locator(".page-head .badge")).to_have_text("Received")
    expect(page.locator(".receipt-posted li")).to_have_count(2)
    expect(page.locator("#receive-scan-input")).to_have_count(0)
    assert_fits_the_screen(page)

    db.session.rollback()  # end the test's own snapshot: the live server wrote since
    received = db.session.get(PurchaseOrder, order.id)
    assert received.status == PurchaseStatus.RECEIVED
    assert [line.received_qty for line in received.lines] == [5, 2]
