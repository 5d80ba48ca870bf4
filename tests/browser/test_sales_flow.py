"""Issue 4's phone flow end to end at 390 px: a salesperson signs in, adds a customer, takes an order (one product
scanned with a wedge scanner, one found by search, a quantity stepped up), confirms, delivers, invoices, opens the
invoice PDF, records the money and sees the invoice paid; a second salesperson then reaches none of it by URL.

The English UI, so the labels stay put when the Chinese translations of these screens land.
"""
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.screens import sign_in
from tests.browser.conftest import PHONE

SCANNED = "6901234567892"  # the EAN-13 on the phone case's box
LOCALE = "en-US"


def at(path_pattern):
    """The page's URL is this path (a regex, maybe with one group for an id), with any query."""
    return re.compile(rf"^http://127\.0\.0\.1:\d+{path_pattern}(\?.*)?$")


def arrive(page, path_pattern):
    """On that page, wired up: htmx swaps a boosted page in, then binds its hx-* attributes and fires htmx:load
    (which starts the page's scripts) when the swap settles; a tap or keystroke before that meets plain HTML."""
    expect(page).to_have_url(at(path_pattern))
    settled(page)


def settled(page):
    """Until htmx has settled its last swap (it marks the swapped content with htmx-settling until then)."""
    page.wait_for_function("() => !document.querySelector('.htmx-settling')")


def id_in(page, path_pattern) -> int:
    arrive(page, path_pattern)
    return int(re.search(path_pattern, page.url).group(1))


def assert_fits_the_screen(page):
    """Nothing wider than the phone. `html, body {overflow-x: hidden}` keeps the page itself from scrolling
    sideways, so the page's scroll width alone stays 390 px while the body's content runs off the screen,
    out of the thumb's reach: measure the body too."""
    widths = page.evaluate("[document.scrollingElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert max(widths[:2]) <= widths[2], f"{page.url} is wider than the phone: {widths[:2]} > {widths[2]} px"


def assert_tappable(locator):
    """At least 44 x 44 px, the smallest target a thumb hits reliably."""
    box = locator.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, (locator.evaluate("e => e.outerHTML.slice(0, 200)"), box)


def add_customer(page) -> int:
    """From the bottom bar: Customers, New customer, name and mobile, Add."""
    page.locator("nav.nav").get_by_role("link", name="Customers", exact=True).tap()
    arrive(page, "/customers")
    page.get_by_role("link", name="+ New customer").tap()
    arrive(page, "/customers/new")
    assert_fits_the_screen(page)
    page.get_by_label("Customer name").fill("Hualian Supermarket")
    page.get_by_label("Mobile").fill("13800138000")
    page.get_by_role("button", name="Add customer").tap()
    customer_id = id_in(page, r"/customers/(\d+)")
    expect(page.locator("h1")).to_have_text("Hualian Supermarket")
    expect(page.locator(".customer-head .badge.inactive")).to_have_count(0)  # a new customer can order at once
    expect(page.locator(".customer-head").get_by_role("link", name="New order")).to_be_visible()
    return customer_id


def take_order(page) -> int:
    """Orders, New order, the customer found and tapped; in the draft's editor a scanned product, a searched one
    and a stepped-up quantity, the total following each change; then confirmed."""
    page.locator("nav.nav").get_by_role("link", name="Orders", exact=True).tap()
    arrive(page, "/orders")
    page.get_by_role("link", name="+ New order").tap()
    arrive(page, "/orders/new")
    picks = page.locator("#customer-options button.pick")
    expect(picks).to_have_count(2)  # the seller's two customers, none of the colleague's
    page.get_by_label("Search customers").fill("hualian")
    expect(picks).to_have_count(1)
    expect(picks.locator("strong")).to_have_text("Hualian Supermarket")
    settled(page)
    pick = picks.first
    assert_tappable(pick)
    pick.tap()
    order_id = id_in(page, r"/orders/(\d+)")
    expect(page.locator(".badge.status")).to_have_text("Draft")
    lines, total = page.locator("#order-lines .line-card"), page.locator("#order-total")

    # A wedge scanner types the barcode in a few ms and presses Enter, once the scan box (its camera button
    # shows) and the editor's script that adds each scan are running.
    expect(page.locator("#order-scan [data-scan-camera]")).to_be_visible()
    page.wait_for_function("() => window.jxcOrderEditor")
    page.locator("#order-scan-input").focus()
    page.keyboard.type(SCANNED, delay=0)
    page.keyboard.press("Enter")
    expect(lines).to_have_count(1)
    expect(lines.first.locator(".line-product strong")).to_have_text("Phone case")
    expect(lines.first.locator(".qty-input")).to_have_value("1")
    expect(total).to_have_text("¥28.25")  # 25.00 + 13 % tax

    page.get_by_label("Scan, or type a name, SKU or pinyin").fill("EAR-01")  # the one box: typed words search
    option = page.locator("#product-options button.option")
    expect(option).to_have_count(1)
    expect(option.locator("strong")).to_have_text("Bluetooth earphones")
    settled(page)
    assert_tappable(option)
    option.tap()
    expect(lines).to_have_count(2)
    expect(lines.nth(1).locator(".line-product strong")).to_have_text("Bluetooth earphones")
    expect(total).to_have_text("¥127.69")  # (25 + 88) x 1.13
    settled(page)  # the new lines' − / + are made to step the figure on the spot

    # Two taps on +: the figure moves at once, the totals follow when it is saved.
    plus = lines.first.get_by_role("button", name="One more")
    assert_tappable(plus)
    plus.tap()
    plus.tap()
    expect(lines.first.locator(".qty-input")).to_have_value("3")
    expect(page.locator("#order-subtotal")).to_have_text("¥163.00")
    expect(total).to_have_text("¥184.19")  # (3 x 25 + 88) x 1.13
    assert_fits_the_screen(page)

    page.get_by_role("button", name="Confirm order").tap()
    expect(page.locator(".badge.status")).to_have_text("Confirmed")
    expect(total).to_have_text("¥184.19")
    return order_id


def deliver_all(page, order_id) -> int:
    """Deliver, from the order: the form offers what is left of each line; posted, the order is delivered."""
    page.get_by_role("link", name="Deliver", exact=True).tap()
    arrive(page, rf"/orders/{order_id}/deliver")
    quantities = page.locator("#deliver-form input[name^=qty-]")
    expect(quantities).to_have_count(2)
    expect(quantities.nth(0)).to_have_value("3")
    expect(quantities.nth(1)).to_have_value("1")
    assert_fits_the_screen(page)
    page.get_by_role("button", name="Post delivery").tap()
    arrive(page, rf"/orders/{order_id}")
    expect(page.locator(".badge.status")).to_have_text("Delivered")
    delivery = page.locator(".order-docs").get_by_role("link", name=re.compile(r"^DN-"))
    expect(delivery).to_have_count(1)
    return int(re.search(r"/deliveries/(\d+)", delivery.get_attribute("href")).group(1))


def invoice(page) -> int:
    """Invoice, from the order: the invoice's page opens, unpaid; its PDF opens."""
    page.get_by_role("button", name="Make sales slip", exact=True).tap()
    invoice_id = id_in(page, r"/invoices/(\d+)")
    expect(page.locator(".page-head .badge")).to_have_text("Unpaid")
    expect(page.locator("#invoice .money-summary")).to_contain_text("¥184.19")
    assert_fits_the_screen(page)
    # Fetched with this browser's cookies, as the phone's PDF viewer would.
    pdf = page.request.get(page.get_by_role("link", name="Open PDF").get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-") and len(pdf.body()) > 1000
    return invoice_id


def receive_all(page, invoice_id) -> int:
    """Record receipt, from the invoice: all of it, by WeChat; back on the invoice from the receipt, it is paid."""
    page.get_by_role("link", name="Record receipt").tap()
    arrive(page, "/receipts/new")
    page.get_by_role("link", name=re.compile(r"^All of it: ¥184\.19$")).tap()
    arrive(page, r"/receipts/new\?customer_id=\d+&invoice_id=\d+&amount=184\.19")
    expect(page.get_by_label("Amount received")).to_have_value("184.19")
    expect(page.locator(f"#alloc-{invoice_id}")).to_have_value("184.19")
    wechat = page.locator("label.choice", has_text="WeChat Pay")
    assert_tappable(wechat)
    wechat.tap()
    expect(page.get_by_role("radio", name="WeChat Pay")).to_be_checked()
    assert_fits_the_screen(page)
    page.get_by_role("button", name="Record receipt").tap()
    receipt_id = id_in(page, r"/receipts/(\d+)")
    expect(page.locator("#receipt .money-summary")).to_contain_text("¥184.19")
    assert_fits_the_screen(page)

    page.locator("#receipt a.row", has_text="Paid in full").tap()
    arrive(page, rf"/invoices/{invoice_id}")
    expect(page.locator(".page-head .badge")).to_have_text("Paid")
    expect(page.locator("#invoice .money-summary .open")).to_have_count(0)
    expect(page.locator("#invoice .money-summary")).to_contain_text("¥0.00")
    return receipt_id


@pytest.mark.browser_expects("console", r"status of 404 .* at .*/(customers|orders|deliveries|invoices|receipts)/")  # not theirs
def test_salesperson_sells_on_a_phone_and_a_colleague_sees_none_of_it(new_page):
    main = factories.warehouse(code="MAIN", name="Main warehouse", is_default=True)
    case = factories.product(sku="CASE-01", name="Phone case", barcode=SCANNED, sale_price="25.00")
    earphones = factories.product(sku="EAR-01", name="Bluetooth earphones", barcode="4006381333931",
                                  sale_price="88.00")
    factories.stock(case, main, 50)
    factories.stock(earphones, main, 20)
    seller = factories.user("sales", display_name="Li")
    colleague = factories.user("sales", display_name="Zhou")
    factories.customer("Wanda Plaza", salesperson=seller)
    factories.customer("Hualian Hotel", salesperson=colleague)

    page = new_page(PHONE, locale=LOCALE)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, seller)
    customer_id = add_customer(page)
    order_id = take_order(page)
    delivery_id = deliver_all(page, order_id)
    invoice_id = invoice(page)
    receipt_id = receive_all(page, invoice_id)
    assert not errors, errors

    # Another salesperson, in another browser, reaches none of it by URL; its own salesperson does.
    paths = (f"/customers/{customer_id}", f"/orders/{order_id}", f"/orders/{order_id}/deliver",
             f"/deliveries/{delivery_id}", f"/invoices/{invoice_id}", f"/invoices/{invoice_id}.pdf",
             f"/receipts/{receipt_id}", f"/receipts/new?customer_id={customer_id}")
    for path in paths:
        assert page.request.get(path).status == 200, f"{path} does not open for its own salesperson"
    other = new_page(PHONE, locale=LOCALE)
    sign_in(other, colleague)
    for path in paths:
        response = other.goto(path)
        assert response.status == 404, f"{path} answered {response.status} to another salesperson"
