"""The owner's dashboard on the office tablet (1024 x 768) and a glance on a phone: the tiles and the SVG charts are
drawn, the period switch works, a tile drills down to the list behind it, and nothing scrolls sideways.

The English UI, so the labels stay put whatever the Chinese catalogue says.
"""
import re
from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect

from app.db_types import business_today
from app.extensions import db
from app.reports.models import SalesFact
from app.sales.models import SalesInvoice
from app.sales import fulfilment
from app.sales.fulfilment import QtyInput
from tests import factories
from tests.browser.screens import sign_in
from tests.browser.conftest import PHONE, TABLET

LOCALE = "en-US"


def assert_no_horizontal_scroll(page):
    widths = page.evaluate("[Math.max(document.documentElement.scrollWidth, document.body.scrollWidth), window.innerWidth]")
    assert widths[0] <= widths[1], f"page scrolls sideways at {page.url}: scrollWidth {widths[0]} > {widths[1]}"


def a_months_trade():
    """An invoiced order today (overdue by backdating its due date) and older facts for the trend."""
    warehouse = factories.warehouse("MAIN", "总仓")
    case = factories.product(name="Phone case", sku="CASE", sale_price="25.00")
    factories.stock(case, warehouse, 50, "10.00")
    buyer = factories.customer("Hualian Supermarket")
    order = factories.order(buyer, [(case, 4)], confirm=True)
    owner = order.salesperson or factories.user("owner")
    fulfilment.deliver(owner, order, [QtyInput(order.lines[0].id, 4)])
    invoice = fulfilment.invoice_order(owner, order)
    invoice.due_on = business_today() - timedelta(days=3)
    today = business_today()
    for back, revenue in ((2, "60.00"), (9, "120.00"), (20, "80.00")):
        db.session.add(SalesFact(day=today - timedelta(days=back), product_id=case.id, customer_id=buyer.id,
                                 warehouse_id=warehouse.id, qty=Decimal("2"), revenue=Decimal(revenue),
                                 cost=Decimal("20.00")))
    db.session.commit()
    return invoice


def test_the_owner_reads_the_dashboard_on_a_tablet_and_drills_down_to_overdue_invoices(new_page):
    invoice = a_months_trade()
    owner = factories.user("owner", display_name="Boss")
    page = new_page(TABLET, locale=LOCALE)
    sign_in(page, owner)

    # Home: today's tiles arrive after the page has drawn, with a way to the whole dashboard.
    expect(page.locator("#dash-summary .dash-tile").first).to_be_visible()
    expect(page.locator("#dash-summary").get_by_text("Sales revenue")).to_be_visible()
    page.locator("#dash-summary").get_by_role("link", name=re.compile("Dashboard")).click()

    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator(".dash-headline .dash-tile")).to_have_count(3)
    expect(page.locator(".dash-attention .dash-tile")).to_have_count(6)  # five money and stock items, and backups
    expect(page.locator(".dash-headline").get_by_text("¥100.00")).to_be_visible()  # 4 x 25, before tax
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(4)  # the 30-day line, the 7-day bars, top products, top customers
    for n in range(4):
        box = charts.nth(n).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 20, box
    expect(page.locator("svg.line-chart polyline")).to_have_count(2)  # revenue and gross margin
    assert_no_horizontal_scroll(page)

    page.get_by_role("link", name="This month", exact=True).click()
    expect(page.get_by_role("link", name="This month", exact=True)).to_have_attribute("aria-current", "true")
    # this month: today's 100 plus whatever of the older facts fall in this month
    month_start = business_today().replace(day=1)
    expected = Decimal("100.00") + sum(Decimal(r) for back, r in ((2, "60.00"), (9, "120.00"), (20, "80.00"))
                                       if business_today() - timedelta(days=back) >= month_start)
    expect(page.locator(".dash-headline .dash-figure").first).to_have_text(f"¥{expected:,.2f}")
    assert_no_horizontal_scroll(page)

    page.locator(".dash-attention a.dash-tile", has_text="Overdue receivables").click()
    expect(page).to_have_url(re.compile(r"/invoices\?overdue=1$"))
    expect(page.get_by_text(db.session.get(SalesInvoice, invoice.id).number)).to_be_visible()


def test_the_dashboard_fits_a_phone(new_page):
    a_months_trade()
    owner = factories.user("owner", display_name="Boss")
    page = new_page(PHONE, locale=LOCALE)
    sign_in(page, owner)
    page.goto("/reports/?period=week")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator(".dash-attention .dash-tile")).to_have_count(6)  # five money and stock items, and backups
    assert_no_horizontal_scroll(page)
    page.set_viewport_size({"width": 360, "height": 740})
    assert_no_horizontal_scroll(page)
