"""Issue 17's order screen: the customer's credit banner on the draft (red when this order would pass the limit, and
following every change), search results with this customer's price and the stock, 常买 (most bought, one tap adds the
usual quantity), 再来一单 from the picker and from an order, and the compact lines' bar out of band."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.db_types import business_today
from app.extensions import db
from app.sales import pricing, queries, services
from app.sales.fulfilment import QtyInput, deliver, invoice_order
from app.sales.models import OrderStatus, SalesOrder
from tests import factories
from tests.test_sales_screens import HX, get, html, post



@pytest.fixture
def shop(app):
    """A warehouse with cola (list 3.50, wholesale 2.80) and water (list 2.00, no wholesale price), 100 of each."""
    warehouse = factories.warehouse(code="MAIN", name="主仓", is_default=True)
    cola = factories.product(sku="COLA", name="可口可乐", sale_price="3.50", wholesale_price="2.80")
    water = factories.product(sku="WATER", name="农夫山泉", sale_price="2.00")
    tea = factories.product(sku="TEA", name="冰红茶", sale_price="3.00")
    for product in (cola, water, tea):
        factories.stock(product, warehouse, 100)
    return warehouse, cola, water, tea


@pytest.fixture
def seller(login, shop):
    """A signed-in salesperson and their wholesale customer."""
    user = login("sales")
    return user, factories.customer("华联超市", salesperson=user, price_level="wholesale")


def test_search_results_show_the_price_this_customer_pays_and_the_stock_available(client, seller, shop):
    user, customer = seller
    _warehouse, cola, water, _tea = shop
    factories.order(customer, [(water, 30, "1.90")], confirm=True)  # 30 reserved; she last paid 1.90
    order = factories.order(customer, [])
    options = html(get(client, f"/orders/{order.id}/products?q=COLA", **HX))
    assert "¥2.80" in options and "¥3.50" not in options  # her price level's, not the list price
    assert "Available: 100" in options
    options = html(get(client, f"/orders/{order.id}/products?q=WATER", **HX))
    assert "¥1.90" in options and "Available: 70" in options  # the price she last paid; 30 reserved
    # The line added from that result gets the price the result showed.
    post(client, f"/orders/{order.id}/lines", HX, product_id=water.id, key="pick-1")
    db.session.expire_all()
    assert db.session.get(SalesOrder, order.id).lines[0].unit_price == Decimal("1.90")
    assert pricing.customer_prices(customer, [cola, water]) == {cola.id: Decimal("2.80"), water.id: Decimal("1.90")}


def test_the_banner_shows_balance_overdue_and_headroom_and_turns_red_when_this_order_would_pass_the_limit(
        client, seller, shop):
    user, customer = seller
    warehouse, cola, _water, _tea = shop
    sold = factories.order(customer, [(cola, 10, "10.00")], confirm=True)  # 113.00 with tax
    deliver(user, sold, [QtyInput(sold.lines[0].id, 10)])
    invoice_order(user, sold).due_on = business_today() - timedelta(days=3)
    customer.credit_limit = Decimal("200.00")
    db.session.commit()
    order = factories.order(customer, [(cola, 10, "5.00")])  # 56.50: fits within the 87.00 left
    page = html(get(client, f"/orders/{order.id}"))
    banner = re.search(r'<section id="credit-banner" class="credit-banner"[ >].*?</section>', page, re.S).group(0)
    assert "Owes</dt><dd>¥113.00" in banner and "Overdue</dt><dd>¥113.00" in banner
    assert "Credit left</dt><dd>¥87.00" in banner and "over the credit limit" not in banner
    # Two more cases of cola: 113.00 would pass the 87.00 left. The lines' answer brings the banner and bar along.
    changed = post(client, f"/orders/{order.id}/lines/{order.lines[0].id}", HX, qty="20", unit_price="5.00",
                   discount_pct="0", tax_rate="13")
    body = html(changed)
    assert changed.status_code == 200 and body.lstrip().startswith('<div id="order-lines"')
    assert re.search(r'<section id="credit-banner" class="credit-banner over"[^>]*hx-swap-oob="true"', body)
    assert "This order would go ¥26.00 over the credit limit of ¥200.00." in body
    assert re.search(r'<div id="order-bar" class="order-bar over" hx-swap-oob="true">', body)
    assert "Over the credit limit by ¥26.00" in body and 'id="order-total">¥113.00<' in body
    # Confirming says the same, from the same figures.
    refused = post(client, f"/orders/{order.id}/confirm", idempotency_key="c-1")
    assert refused.status_code == 422 and "would go ¥26.00 over the limit" in html(refused)


def test_a_customer_without_a_limit_has_no_limit(client, login, shop):
    order = factories.order(factories.customer("好又多"), [(shop[1], 1)])
    login("owner")
    assert "Credit left</dt><dd>No limit" in html(get(client, f"/orders/{order.id}"))
    standing = services.credit_standing(order)
    assert standing.headroom is None and standing.over == 0


def test_a_warehouse_clerk_sees_neither_banner_nor_order_again(client, login, shop):
    order = factories.order(factories.customer("好又多"), [(shop[1], 1)], confirm=True)
    login("warehouse")
    page = html(get(client, f"/orders/{order.id}"))
    assert 'id="credit-banner"' not in page and "Order again" not in page
    assert post(client, f"/orders/{order.id}/repeat", idempotency_key="k2").status_code == 403


def test_often_bought_lists_the_most_ordered_first_with_the_usual_quantity_and_one_tap_adds_it(client, seller, shop):
    user, customer = seller
    _warehouse, cola, water, tea = shop
    factories.order(customer, [(cola, 24), (water, 12)], confirm=True)
    factories.order(customer, [(cola, 12), (tea, 6)], confirm=True)
    cancelled = factories.order(customer, [(tea, 50), (water, 50)], confirm=True)
    services.cancel_order(user, cancelled)
    factories.order(customer, [(tea, 99)])  # a draft: not bought yet
    db.session.commit()
    assert [(product.sku, qty) for product, qty in queries.often_bought(customer.id)] == [
        ("COLA", Decimal("12")), ("WATER", Decimal("12")), ("TEA", Decimal("6"))]  # cola on 2 orders; latest 12
    order = factories.order(customer, [])
    page = html(get(client, f"/orders/{order.id}"))
    often = page[page.index("Often bought"):page.index('id="order-lines"')]
    assert often.index("可口可乐") < often.index("农夫山泉") and "+12" in often and "¥2.80" in often
    post(client, f"/orders/{order.id}/lines", HX, product_id=cola.id, units="12", key="often-1")
    post(client, f"/orders/{order.id}/lines", HX, product_id=cola.id, units="12", key="often-2")  # tapped again
    db.session.expire_all()
    assert [line.qty for line in db.session.get(SalesOrder, order.id).lines] == [Decimal("24")]


def test_order_again_repeats_an_order_as_a_new_draft_once_per_key(client, seller, shop):
    user, customer = seller
    _warehouse, cola, water, tea = shop
    source = factories.order(customer, [(cola, 24, "2.60"), (water, 12), (tea, 6)], confirm=True)
    tea.active = False  # no longer sold: left out
    db.session.commit()
    shown = html(get(client, f"/orders/{source.id}"))
    assert f'action="/orders/{source.id}/repeat"' in shown and "Order again" in shown
    first = post(client, f"/orders/{source.id}/repeat", idempotency_key="again-1")
    again = post(client, f"/orders/{source.id}/repeat", idempotency_key="again-1")
    assert first.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(SalesOrder)) == 2
    repeat = db.session.scalar(select(SalesOrder).where(SalesOrder.id != source.id))
    assert first.headers["Location"] == f"/orders/{repeat.id}"
    assert repeat.status == OrderStatus.DRAFT and repeat.customer_id == customer.id
    assert [(line.product.sku, line.qty, line.unit_price) for line in repeat.lines] == [
        ("COLA", Decimal("24"), Decimal("2.60")), ("WATER", Decimal("12"), Decimal("2.00"))]


def test_the_picker_offers_order_again_for_customers_with_an_order_that_went_ahead(client, seller, shop):
    user, customer = seller
    only_draft = factories.customer("阿里小店", salesperson=user)
    factories.order(only_draft, [(shop[1], 1)])
    last = factories.order(customer, [(shop[1], 2)], confirm=True)
    page = html(get(client, "/orders/new"))
    assert page.count("Order again") == 1 and f'action="/orders/{last.id}/repeat"' in page
    # Come from the customer's page: the chosen customer's card offers it too, beside starting an empty order.
    chosen = html(get(client, f"/orders/new?customer_id={customer.id}"))
    start = chosen.index('class="card chosen-customer"')
    card = chosen[start:chosen.index("</section>", start)]
    assert "Start the order for 华联超市" in card and f'action="/orders/{last.id}/repeat"' in card
    chosen = html(get(client, f"/orders/new?customer_id={only_draft.id}"))
    start = chosen.index('class="card chosen-customer"')
    card = chosen[start:chosen.index("</section>", start)]
    assert "Start the order for 阿里小店" in card and "Order again" not in card


def test_order_again_is_only_for_orders_in_scope(client, login, shop):
    colleague = factories.user("sales")
    theirs = factories.order(factories.customer("别家", salesperson=colleague), [(shop[1], 1)], confirm=True)
    login("sales")
    assert post(client, f"/orders/{theirs.id}/repeat", idempotency_key="k1").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(SalesOrder)) == 1


def test_order_again_for_a_customer_who_stopped_buying_says_why_and_makes_nothing(client, seller, shop):
    user, customer = seller
    source = factories.order(customer, [(shop[1], 1)], confirm=True)
    customer.active = False
    db.session.commit()
    response = post(client, f"/orders/{source.id}/repeat", idempotency_key="k")
    assert response.status_code == 303 and response.headers["Location"] == f"/orders/{source.id}"
    assert "This customer is inactive." in html(get(client, f"/orders/{source.id}"))
    assert db.session.scalar(select(func.count()).select_from(SalesOrder)) == 1
