"""Issue 13: a receipt started from an invoice pays that invoice first, with its open amount filled in. At 390 px in
Chinese a salesperson opens the later of two open invoices, taps 登记收款, finds its open amount in the amount
field and all of it set against this invoice (listed first, the older one untouched), records it, and the invoice
is paid while the older one still waits."""
import re

from playwright.sync_api import expect

from app.extensions import db
from app.sales.models import SalesInvoice
from app.trade.settlement import InvoiceStatus
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.screens import sign_in
from tests.browser.test_sales_flow import arrive, assert_fits_the_screen, assert_tappable
from tests.test_finance_screens import invoice


def test_record_receipt_from_an_invoice_pays_it_first_on_a_phone(new_page, app):
    seller = factories.user("sales", display_name="李娜")
    customer = factories.customer("华强电子", salesperson=seller)
    later = invoice(customer, "200.00", due_in_days=20)
    older = invoice(customer, "100.00", due_in_days=-5)  # overdue: oldest first would pay it first
    page = new_page(PHONE)
    sign_in(page, seller)

    page.goto(f"/invoices/{later.id}")
    record = page.get_by_role("link", name="登记收款")
    assert_tappable(record)
    record.tap()
    arrive(page, rf"/receipts/new\?customer_id={customer.id}&invoice_id={later.id}")
    expect(page.locator("#amount")).to_have_value("200.00")
    allocations = page.locator("#receipt-allocation input")
    expect(allocations).to_have_count(2)
    expect(allocations.nth(0)).to_have_id(f"alloc-{later.id}")
    expect(allocations.nth(0)).to_have_value("200.00")
    expect(allocations.nth(1)).to_have_value("")
    expect(page.locator("#receipt-allocation .hint")).to_contain_text(later.number)
    assert_fits_the_screen(page)

    # Typing a bigger amount spreads the rest to the older invoice, this one still first.
    page.locator("#amount").fill("250")
    expect(allocations.nth(1)).to_have_value("50.00")
    expect(allocations.nth(0)).to_have_value("200.00")
    page.locator("#amount").fill("200")
    expect(allocations.nth(1)).to_have_value("")

    page.locator("label.choice", has_text="微信").tap()
    page.get_by_role("button", name="登记收款").tap()
    arrive(page, r"/receipts/(\d+)")
    expect(page.locator("#receipt .money-summary")).to_contain_text("¥200.00")

    db.session.rollback()  # the live server wrote since
    assert db.session.get(SalesInvoice, later.id).status == InvoiceStatus.PAID
    assert db.session.get(SalesInvoice, older.id).paid == 0
    assert re.fullmatch(r".*/receipts/\d+", page.url)
