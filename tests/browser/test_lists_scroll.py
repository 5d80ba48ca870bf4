"""Long lists in a real browser: the pager's footer (macros/pager.html) loads the next page in its place as it
scrolls into view, until every row is there; without JavaScript it is a plain link to the next page."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.screens import sign_in

# list address, the selector of one row, the role that reads it
LISTS = [("/products", "li.product-card:not(.more)", "sales"),
         ("/stock", "li.stock-item", "warehouse"),
         ("/customers", "li.customer-card:not(.more)", "sales")]


@pytest.mark.parametrize("address, row, role", LISTS)
def test_scrolling_to_the_end_loads_every_page(new_page, address, row, role):
    user = factories.user(role=role)
    for number in range(31):  # 30 a page: one row on the second
        factories.product(sku=f"P{number:03d}", name=f"商品{number:03d}")
        factories.customer(name=f"客户{number:03d}", salesperson=user if role == "sales" else None)
    page = new_page(PHONE)
    sign_in(page, user)
    page.goto(address, wait_until="networkidle")
    footer = page.locator("li.more")
    expect(footer.get_by_role("link")).to_have_attribute("href", f"{address}?page=2")  # the no-JS way on
    footer.scroll_into_view_if_needed()
    expect(page.locator(row)).to_have_count(31)
    expect(page.locator("li.more")).to_have_count(0)
