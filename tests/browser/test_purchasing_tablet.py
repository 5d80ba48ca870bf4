"""Issue 5's reorder suggestions at the office tablet (1024 x 768): a purchaser sees what is below its minimum
stock with the quantity that tops it up to its maximum, drafts one purchase order per preferred supplier with one
tap, confirms one of them, and finds its products no longer suggested (they are on order) while the other draft's
products and the product without a supplier still are. Nothing scrolls sideways on the way.

The English UI, so the labels stay put when the Chinese translations of these screens land.
"""
import re

from playwright.sync_api import expect

from app.extensions import db
from app.partners import suppliers
from app.purchasing.models import PurchaseOrder, PurchaseStatus
from tests import factories
from tests.browser.screens import sign_in
from tests.browser.conftest import TABLET

LOCALE = "en-US"


def at(path_pattern):
    """The page's URL is this path (a regex, maybe with one group for an id), with any query."""
    return re.compile(rf"^http://127\.0\.0\.1:\d+{path_pattern}(\?.*)?$")


def settled(page):
    """Until htmx has settled its last swap (it marks the swapped content with htmx-settling until then)."""
    page.wait_for_function("() => !document.querySelector('.htmx-settling')")


def arrive(page, path_pattern):
    expect(page).to_have_url(at(path_pattern))
    settled(page)


def assert_fits_the_screen(page):
    """Nothing wider than the tablet: the body is measured too, since `overflow-x: hidden` on html can hide it."""
    widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert max(widths[:2]) <= widths[2], f"{page.url} is wider than the tablet: {widths[:2]} > {widths[2]} px"


def low_stock():
    """A default warehouse; two suppliers, each preferred for products below their minimum (10, topped up to 50);
    one product below its minimum that no supplier sells. Returns the two suppliers."""
    main = factories.warehouse(code="MAIN", name="Main store", is_default=True)
    levels = {"min_stock": "10", "max_stock": "50"}
    cable = factories.product(sku="CABLE-1", name="Cable", **levels)  # no stock at all: suggest 50
    charger = factories.product(sku="CHARGER-1", name="Charger", **levels)  # 4 left: suggest 46
    case = factories.product(sku="CASE-1", name="Phone case", **levels)  # none: suggest 50
    film = factories.product(sku="FILM-1", name="Screen film", **levels)  # 2 left, no supplier: suggest 48
    adapter = factories.product(sku="PLENTY-1", name="Adapter", **levels)  # plenty in stock: never suggested
    factories.stock(charger, main, 4)
    factories.stock(film, main, 2)
    factories.stock(adapter, main, 30)
    parts = suppliers.create_supplier(None, {"name": "Shenzhen Parts"})
    cases = suppliers.create_supplier(None, {"name": "Guangzhou Cases"})
    db.session.flush()
    suppliers.set_item(None, parts, cable.id, preferred=True, last_price="3.00")
    suppliers.set_item(None, parts, charger.id, preferred=True, last_price="12.00")
    suppliers.set_item(None, cases, case.id, preferred=True, last_price="5.00")
    db.session.commit()
    return parts, cases


def suggested(page):
    """The suggestions table as {product name: suggested quantity text}."""
    rows = page.locator(".suggestions-table tbody tr")
    names = rows.locator("td:first-child strong").all_inner_texts()
    qtys = rows.locator("td:nth-child(4) strong").all_inner_texts()
    return dict(zip(names, qtys))


def test_purchaser_drafts_orders_from_suggestions_and_confirms_one_on_a_tablet(new_page, app):
    parts, cases = low_stock()
    page = new_page(TABLET, locale=LOCALE)
    sign_in(page, factories.user("purchasing", display_name="Li Buyer"))

    page.goto("/purchase-orders/suggestions")
    arrive(page, "/purchase-orders/suggestions")
    expect(page.locator("h1")).to_have_text("Reorder suggestions")
    rows = page.locator(".suggestions-table tbody tr")
    expect(rows).to_have_count(4)
    assert suggested(page) == {"Cable": "50", "Charger": "46", "Phone case": "50", "Screen film": "48"}
    expect(rows.filter(has_text="Screen film")).to_contain_text("No preferred supplier")
    expect(rows.filter(has_text="Cable")).to_contain_text("Shenzhen Parts")
    expect(rows.filter(has_text="Phone case")).to_contain_text("Guangzhou Cases")
    assert_fits_the_screen(page)

    page.get_by_role("button", name="Draft purchase orders").click()
    drafted = page.locator("section.drafted li")
    expect(drafted).to_have_count(2)
    arrive(page, "/purchase-orders/suggestions")
    expect(page.locator(".flash")).to_contain_text("2 purchase orders were drafted.")
    expect(drafted.filter(has_text="Shenzhen Parts")).to_contain_text("Draft")
    expect(drafted.filter(has_text="Guangzhou Cases")).to_contain_text("Draft")
    assert_fits_the_screen(page)

    drafted.filter(has_text="Shenzhen Parts").get_by_role("link").click()
    arrive(page, r"/purchase-orders/(\d+)")
    order_id = int(re.search(r"/purchase-orders/(\d+)", page.url).group(1))
    expect(page.locator("h1")).to_have_text("Shenzhen Parts")
    expect(page.locator(".order-head .badge.status")).to_have_text("Draft")
    assert_fits_the_screen(page)
    page.get_by_role("button", name="Confirm purchase order").click()
    expect(page.locator(".order-head .badge.status")).to_have_text("Confirmed")
    expect(page.locator(".flash")).to_contain_text("is confirmed")
    settled(page)
    assert_fits_the_screen(page)

    # Back on the suggestions: the confirmed order's products are on order, the draft's and the unsupplied still due.
    page.goto("/purchase-orders/suggestions")
    arrive(page, "/purchase-orders/suggestions")
    expect(rows).to_have_count(2)
    assert suggested(page) == {"Phone case": "50", "Screen film": "48"}
    assert_fits_the_screen(page)

    db.session.rollback()  # end the test's own snapshot: the live server wrote since
    confirmed = db.session.get(PurchaseOrder, order_id)
    assert confirmed.status == PurchaseStatus.CONFIRMED and confirmed.supplier_id == parts.id
    assert sorted((line.product.sku, line.qty) for line in confirmed.lines) == [("CABLE-1", 50), ("CHARGER-1", 46)]
