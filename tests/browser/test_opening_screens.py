"""Issue 14: on a 390 px phone in Chinese the owner enters opening stock and an opening receivable by hand on
/opening, sees them listed with their totals, and opens the opening-stock document; the screens fit the phone and
their buttons are thumb-sized."""
from datetime import timedelta

from playwright.sync_api import expect

from app.db_types import business_today
from app.extensions import db
from app.opening import services as opening
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.screens import snapshot
from tests.browser.screens import sign_in
from tests.browser.test_sales_flow import arrive, assert_fits_the_screen, assert_tappable


def test_owner_enters_opening_stock_and_a_receivable_on_a_phone(new_page, app):
    owner = factories.user("owner")
    factories.warehouse("MAIN", "总仓")
    factories.product(sku="CASE-1", name="苹果手机壳")
    buyer = factories.customer("华联超市")
    page = new_page(PHONE)
    sign_in(page, owner)

    page.goto("/opening")
    arrive(page, r"/opening")
    expect(page.locator("#receivables")).to_contain_text("没有期初应收")
    assert_fits_the_screen(page)
    snapshot(page, "opening empty")

    page.locator("#sku").fill("CASE-1")
    page.locator("#qty").fill("40")
    page.locator("#unit_cost").fill("9.5")
    save = page.get_by_role("button", name="保存期初库存")
    assert_tappable(save)
    save.tap()
    arrive(page, r"/opening/stock/\d+")
    expect(page.locator(".doc-lines")).to_contain_text("苹果手机壳")
    expect(page.locator(".doc-head")).to_contain_text("¥380.00")
    assert_fits_the_screen(page)
    snapshot(page, "opening stock")

    page.goto("/opening/receivable/new")
    arrive(page, r"/opening/receivable/new")
    page.locator("#partner_id").select_option(label="华联超市")
    page.locator("#reference").fill("INV-0091")
    page.locator("#issued_on").fill((business_today() - timedelta(days=60)).isoformat())
    page.locator("#due_on").fill((business_today() - timedelta(days=30)).isoformat())
    page.locator("#amount").fill("1200")
    assert_fits_the_screen(page)
    snapshot(page, "opening receivable new")
    page.get_by_role("button", name="添加", exact=True).tap()
    arrive(page, r"/opening")
    expect(page.locator("#receivables")).to_contain_text("INV-0091")
    expect(page.locator("#receivables")).to_contain_text("逾期")
    expect(page.locator(".opening-totals")).to_contain_text("¥1,200.00")
    assert_fits_the_screen(page)
    snapshot(page, "opening entered")

    page.locator("#receivables a.row").first.tap()
    arrive(page, r"/opening/receivable/\d+")
    assert_fits_the_screen(page)
    snapshot(page, "opening receivable")

    db.session.rollback()  # the live server wrote since
    entered = opening.opening_entered()
    assert (entered.stock_lines, entered.receivables) == (1, 1)
    assert buyer.id
