"""Order screens: the list (page and fragment, filters, scope), picking the customer, the draft editor (adding by
search and scan once per key, saving every change with live totals, refusals that save nothing), confirming with
the credit limit and the owner's approval, cancelling, and who sees and changes what."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.catalog import services as catalog
from app.db_types import business_today
from app.extensions import db
from app.inventory.models import StockLevel
from app.sales.models import OrderStatus, SalesOrder
from tests import factories

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", **EN}


def html(response) -> str:
    return response.get_data(as_text=True)


def get(client, url, **headers):
    return client.get(url, headers={**EN, **headers})


def post(client, url, headers=None, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data}, headers={**EN, **(headers or {})})


def fresh(order) -> SalesOrder:
    db.session.expire_all()
    return db.session.get(SalesOrder, order.id)


def orders_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SalesOrder))


@pytest.fixture
def shop(app):
    """The default warehouse, a product sold in 个 and by the 箱 of 12 (each with a barcode), 100 in stock."""
    warehouse = factories.warehouse(code="MAIN", name="主仓", is_default=True)
    case = factories.product(sku="CASE-1", name="苹果手机壳", sale_price="25.00", barcode="6901234567892")
    catalog.add_pack_unit(None, case, "箱", "12", barcode="16901234567899")
    db.session.commit()
    factories.stock(case, warehouse, 100)
    return warehouse, case


@pytest.fixture
def seller(login, shop):
    """A signed-in salesperson with one customer of their own."""
    user = login("sales")
    return user, factories.customer("华联超市", salesperson=user)


def draft(customer, *lines, actor=None):
    return factories.order(customer, list(lines), actor=actor)


# ---- the list -----------------------------------------------------------------------------------

def test_orders_list_is_a_page_and_a_fragment(client, seller, shop):
    user, customer = seller
    order = draft(customer, (shop[1], 2))
    page, fragment = get(client, "/orders"), get(client, "/orders", **HX)
    boosted = get(client, "/orders", **HX, **{"HX-Boosted": "true"})
    assert "<html" in html(page) and "<html" in html(boosted)
    assert html(fragment).lstrip().startswith('<ul class="order-cards" id="order-list"')
    assert fragment.headers["Cache-Control"] == "no-store" and "HX-Request" in fragment.headers["Vary"]
    assert order.number in html(fragment) and "华联超市" in html(fragment) and "¥56.50" in html(fragment)
    assert "+ New order" in html(page)


def test_orders_search_and_filters(client, seller, shop):
    user, customer = seller
    other = factories.customer("好又多", salesperson=user)
    first = draft(customer, (shop[1], 1))
    second = factories.order(other, [(shop[1], 1)], confirm=True)
    by_pinyin = html(get(client, "/orders?q=hlcs", **HX))  # initials of 华联超市
    assert first.number in by_pinyin and second.number not in by_pinyin
    assert second.number in html(get(client, f"/orders?q={second.number}", **HX))
    confirmed = html(get(client, "/orders?status=confirmed", **HX))
    assert second.number in confirmed and first.number not in confirmed
    for_customer = html(get(client, f"/orders?customer_id={other.id}"))
    assert second.number in for_customer and first.number not in for_customer and "好又多" in for_customer


def test_the_owner_filters_by_salesperson_and_dates_and_pages_through(client, login, shop, monkeypatch):
    monkeypatch.setattr("app.sales.routes.PER_PAGE", 2)
    anna, bo = factories.user("sales", display_name="Anna"), factories.user("sales", display_name="Bo")
    annas = [draft(factories.customer(f"客户A{n}", salesperson=anna), (shop[1], 1)) for n in range(3)]
    bos = draft(factories.customer("客户B", salesperson=bo), (shop[1], 1))
    login("owner")
    today = business_today()
    page = html(get(client, f"/orders?salesperson_id={anna.id}&date_from={today}&date_to={today}"))
    assert ">Bo</option>" in page and annas[2].number in page and annas[1].number in page
    assert annas[0].number not in page and bos.number not in page  # newest first, two a page
    more = html(get(client, f"/orders?salesperson_id={anna.id}&page=2", **HX))
    assert more.lstrip().startswith('<li class="order-card') and annas[0].number in more and "page=3" not in more
    yesterday = html(get(client, f"/orders?date_to={today - timedelta(days=1)}", **HX))
    assert "No orders match." in yesterday


def test_a_salesperson_lists_only_own_orders(client, seller, shop):
    user, customer = seller
    mine = draft(customer, (shop[1], 1))
    colleague = factories.user("sales")
    theirs = draft(factories.customer("别家", salesperson=colleague), (shop[1], 1))
    listed = html(get(client, "/orders", **HX))
    assert mine.number in listed and theirs.number not in listed


# ---- picking the customer -----------------------------------------------------------------------

def test_customer_picker_searches_and_puts_recent_customers_first(client, seller, shop):
    user, customer = seller
    factories.customer("阿里小店", salesperson=user)
    factories.customer("别人的客户", salesperson=factories.user("sales"))
    draft(customer, (shop[1], 1))
    page = html(get(client, "/orders/new"))
    assert page.index("华联超市") < page.index("阿里小店")  # recent first, though later in the alphabet
    assert "别人的客户" not in page
    found = html(get(client, "/orders/new?q=alxd", **HX))
    assert found.lstrip().startswith('<div id="customer-options"') and "阿里小店" in found and "华联超市" not in found
    chosen = html(get(client, f"/orders/new?customer_id={customer.id}"))
    assert "Start the order for 华联超市" in chosen


def test_choosing_a_customer_creates_one_draft_even_on_a_double_tap(client, seller):
    user, customer = seller
    first = post(client, "/orders/new", customer_id=customer.id, idempotency_key="tap-1")
    again = post(client, "/orders/new", customer_id=customer.id, idempotency_key="tap-1")
    assert first.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    order = db.session.scalar(select(SalesOrder))
    assert orders_count() == 1 and order.status == OrderStatus.DRAFT and order.salesperson_id == user.id
    assert first.headers["Location"] == f"/orders/{order.id}"


def test_another_salespersons_customer_cannot_be_chosen(client, seller):
    stranger = factories.customer("别家", salesperson=factories.user("sales"))
    assert post(client, "/orders/new", customer_id=stranger.id, idempotency_key="k").status_code == 404
    assert orders_count() == 0


# ---- the editor ---------------------------------------------------------------------------------

def test_adding_a_picked_product_answers_with_lines_and_totals(client, seller, shop):
    user, customer = seller
    order = draft(customer)
    options = html(get(client, f"/orders/{order.id}/products?q=pgsjk", **HX))
    assert "苹果手机壳" in options and f'name="product_id" value="{shop[1].id}"' in options
    response = post(client, f"/orders/{order.id}/lines", HX, product_id=shop[1].id, key="pick-1")
    assert response.status_code == 200
    assert html(response).lstrip().startswith('<div id="order-lines"')
    assert re.search(r'id="order-total">¥28.25<', html(response))  # 25.00 + 13 % tax
    assert [line.qty for line in fresh(order).lines] == [Decimal("1")]


def test_a_scan_adds_one_unit_and_a_pack_barcode_its_units(client, seller, shop):
    user, customer = seller
    order = draft(customer)
    post(client, f"/orders/{order.id}/lines", HX, code="6901234567892", key="scan-1")
    post(client, f"/orders/{order.id}/lines", HX, code="16901234567899", key="scan-2")
    line, = fresh(order).lines
    assert line.qty == Decimal("13")  # one unit, then a 箱 of 12 on the same line
    unknown = post(client, f"/orders/{order.id}/lines", HX, code="0000000000000", key="scan-3")
    assert unknown.status_code == 422 and "No product has the barcode or SKU 0000000000000." in html(unknown)


def test_the_same_scan_uuid_twice_adds_once(client, seller, shop):
    user, customer = seller
    order = draft(customer)
    uuid = "5b0c6f0e-4c1e-4a8e-9d59-0d5c1b7c2f11"
    for _attempt in range(2):
        assert post(client, f"/orders/{order.id}/lines", HX, code="6901234567892", key=uuid).status_code == 200
    assert [line.qty for line in fresh(order).lines] == [Decimal("1")]


def test_a_line_add_without_javascript_redirects_to_the_order(client, seller, shop):
    user, customer = seller
    order = draft(customer)
    response = post(client, f"/orders/{order.id}/lines", product_id=shop[1].id, units="12", key="k")
    assert response.status_code == 303 and response.headers["Location"] == f"/orders/{order.id}"
    assert fresh(order).lines[0].qty == Decimal("12")


def test_each_change_saves_and_the_totals_follow(client, seller, shop):
    user, customer = seller
    order = draft(customer, (shop[1], 1))
    line_id = order.lines[0].id
    url = f"/orders/{order.id}/lines/{line_id}"
    response = post(client, url, HX, qty="4", unit_price="25.00", discount_pct="5", tax_rate="13")
    body = html(response)
    assert response.status_code == 200
    assert re.search(r'id="order-subtotal">¥95.00<', body)  # 4 x 25 less 5 %
    assert re.search(r'id="order-tax">¥12.35<', body) and re.search(r'id="order-total">¥107.35<', body)
    stepped = post(client, url, HX, qty="4", qty_set="5", unit_price="24.00", discount_pct="0", tax_rate="0")
    assert re.search(r'id="order-total">¥120.00<', html(stepped))  # − / + without JavaScript: 5 x 24
    line = fresh(order).lines[0]
    assert (line.qty, line.unit_price, line.discount_pct, line.tax_rate) == (5, Decimal("24.00"), 0, 0)


def test_a_price_below_the_floor_is_refused_next_to_the_line_and_nothing_is_saved(client, seller, shop):
    user, customer = seller
    order = draft(customer, (shop[1], 2))
    line = order.lines[0]
    response = post(client, f"/orders/{order.id}/lines/{line.id}", HX, qty="3", unit_price="20.00",
                    discount_pct="0", tax_rate="13")
    body = html(response)
    assert response.status_code == 422  # the owner allows 10 % off 25.00: 22.50 at least
    assert body.lstrip().startswith('<div id="order-lines"')
    assert re.search(rf'id="line-{line.id}-error" role="alert">苹果手机壳 cannot be sold below ¥22.50 without the owner.',
                     body)
    assert f'id="line-{line.id}-unit_price" name="unit_price" value="20.00"' in body  # what was typed stays
    saved = fresh(order)
    assert (saved.lines[0].qty, saved.lines[0].unit_price, saved.total) == (2, Decimal("25.00"), Decimal("56.50"))


def test_removing_a_line_twice_is_harmless(client, seller, shop):
    user, customer = seller
    order = draft(customer, (shop[1], 2))
    url = f"/orders/{order.id}/lines/{order.lines[0].id}/remove"
    for _attempt in range(2):
        response = post(client, url, HX)
        assert response.status_code == 200 and "No lines yet" in html(response)
    assert fresh(order).lines == [] and fresh(order).total == 0


def test_warehouse_and_notes_save_on_change(client, seller, shop):
    user, customer = seller
    store = factories.warehouse(code="STORE", name="门店")
    order = draft(customer, (shop[1], 1))
    response = post(client, f"/orders/{order.id}/fields", HX, warehouse_id=store.id, notes="下午送")
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "order-updated"
    assert html(response).lstrip().startswith('<p id="order-fields-status" class="saved"') and "Saved" in html(response)
    assert (fresh(order).warehouse_id, fresh(order).notes) == (store.id, "下午送")
    store.active = False
    db.session.commit()
    refused = post(client, f"/orders/{order.id}/fields", HX, warehouse_id=store.id, notes="改了")
    assert refused.status_code == 422 and "Not a valid choice" in html(refused)
    assert fresh(order).notes == "下午送"


# ---- confirming and cancelling --------------------------------------------------------------------

def reserved(product, warehouse) -> Decimal:
    db.session.expire_all()
    return db.session.get(StockLevel, (product.id, warehouse.id)).reserved


def test_confirming_reserves_the_stock(client, seller, shop):
    user, customer = seller
    warehouse, case = shop
    order = draft(customer, (case, 3))
    response = post(client, f"/orders/{order.id}/confirm", idempotency_key="c-1")
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{order.id}"
    assert fresh(order).status == OrderStatus.CONFIRMED and reserved(case, warehouse) == 3
    post(client, f"/orders/{order.id}/confirm", idempotency_key="c-1")  # a double tap
    assert reserved(case, warehouse) == 3
    page = html(get(client, f"/orders/{order.id}"))
    assert "Confirmed" in page and "Ordered" in page and 'name="qty"' not in page  # read-only now


def test_confirming_more_than_is_available_says_so(client, seller, shop):
    user, customer = seller
    order = draft(customer, (shop[1], 101))
    response = post(client, f"/orders/{order.id}/confirm", idempotency_key="c-1")
    assert response.status_code == 422 and response.headers["HX-Push-Url"] == "false"
    assert "Not enough 苹果手机壳 in 主仓: 100 个 available, 101 needed." in html(response)
    assert fresh(order).status == OrderStatus.DRAFT


def test_the_credit_limit_refuses_in_plain_words_and_the_owner_may_approve(client, login, shop):
    owner = login("owner")
    customer = factories.customer("赊账客户", credit_limit="50.00")
    order = draft(customer, (shop[1], 2), actor=owner)  # 56.50 with tax
    refused = post(client, f"/orders/{order.id}/confirm", idempotency_key="c-1")
    body = html(refused)
    assert refused.status_code == 422
    assert "赊账客户 has a credit limit of ¥50.00 and already owes ¥0.00" in body
    assert "would go ¥6.50 over the limit" in body and "Approve over the limit and confirm" in body
    assert fresh(order).status == OrderStatus.DRAFT
    approved = post(client, f"/orders/{order.id}/confirm", idempotency_key="c-2", approve_over_limit="1")
    assert approved.status_code == 302
    order = fresh(order)
    assert order.status == OrderStatus.CONFIRMED and order.over_limit_approved_by_id == owner.id


def test_a_salesperson_cannot_approve_over_the_limit(client, seller, shop):
    user, _customer = seller
    customer = factories.customer("赊账客户", salesperson=user, credit_limit="50.00")
    order = draft(customer, (shop[1], 2))
    refused = post(client, f"/orders/{order.id}/confirm", idempotency_key="c-1")
    assert refused.status_code == 422 and "would go ¥6.50 over the limit" in html(refused)
    assert "Approve over the limit" not in html(refused)
    forced = post(client, f"/orders/{order.id}/confirm", idempotency_key="c-2", approve_over_limit="1")
    assert forced.status_code == 422 and "Only the owner can approve" in html(forced)
    assert fresh(order).status == OrderStatus.DRAFT


def test_cancelling_a_confirmed_order_releases_its_stock(client, seller, shop):
    user, customer = seller
    warehouse, case = shop
    order = factories.order(customer, [(case, 4)], confirm=True)
    assert reserved(case, warehouse) == 4
    assert "Cancel order" in html(get(client, f"/orders/{order.id}"))
    response = post(client, f"/orders/{order.id}/cancel", idempotency_key="x-1")
    assert response.status_code == 302
    assert fresh(order).status == OrderStatus.CANCELLED and reserved(case, warehouse) == 0
    again = post(client, f"/orders/{order.id}/cancel", idempotency_key="x-2")
    assert again.status_code == 422 and "only an order with nothing delivered can be cancelled" in html(again)


# ---- who sees and changes what --------------------------------------------------------------------

def test_the_warehouse_sees_orders_without_any_price(client, login, shop):
    warehouse, case = shop
    owner = factories.user("owner")
    customer = factories.customer("华联超市")
    order = factories.order(customer, [(case, 3, "31.17")], actor=owner, confirm=True)
    login("warehouse")
    pages = [get(client, "/orders"), get(client, "/orders", **HX), get(client, f"/orders/{order.id}"),
             get(client, f"/orders/{order.id}", **HX)]  # the last: the lines alone
    for response, shows in zip(pages, (order.number, order.number, "苹果手机壳", "苹果手机壳")):
        body = html(response)
        assert response.status_code == 200 and shows in body
        for figure in ("31.17", "93.51", "12.16", "105.67", "¥"):
            assert figure not in body, figure
    assert get(client, f"/orders/{order.id}/quotation.pdf").status_code == 403
    assert post(client, f"/orders/{order.id}/cancel", idempotency_key="k").status_code == 403


def test_another_salespersons_order_is_not_found(client, login, shop):
    colleague = factories.user("sales")
    order = draft(factories.customer("别家", salesperson=colleague), (shop[1], 1))
    login("sales")
    line_id = order.lines[0].id
    assert get(client, f"/orders/{order.id}").status_code == 404
    assert get(client, f"/orders/{order.id}/quotation.pdf").status_code == 404
    assert post(client, f"/orders/{order.id}/lines", HX, code="6901234567892", key="k").status_code == 404
    assert post(client, f"/orders/{order.id}/lines/{line_id}", HX, qty="9").status_code == 404
    assert post(client, f"/orders/{order.id}/confirm", idempotency_key="k2").status_code == 404
    assert fresh(order).lines[0].qty == 1 and fresh(order).status == OrderStatus.DRAFT


def test_finance_can_view_an_order_but_not_change_it(client, login, shop):
    owner = factories.user("owner")
    order = draft(factories.customer("华联超市"), (shop[1], 2), actor=owner)
    login("finance")
    page = html(get(client, f"/orders/{order.id}"))
    assert "¥56.50" in page and 'name="qty"' not in page and "Confirm order" not in page
    assert "+ New order" not in html(get(client, "/orders"))
    line_id = order.lines[0].id
    for url, data in ((f"/orders/{order.id}/lines/{line_id}", {"qty": "9"}), (f"/orders/{order.id}/confirm", {}),
                      (f"/orders/{order.id}/lines", {"code": "6901234567892"}), ("/orders/new", {})):
        assert post(client, url, **data).status_code == 403, url
    assert fresh(order).lines[0].qty == 2


def test_the_quotation_is_a_pdf(client, seller, shop):
    user, customer = seller
    order = draft(customer, (shop[1], 2))
    response = get(client, f"/orders/{order.id}/quotation.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_a_confirmed_order_offers_the_next_steps_its_state_and_role_allow(client, seller, shop):
    from app.sales import fulfilment
    user, customer = seller
    order = factories.order(customer, [(shop[1], 5)], confirm=True)
    page = html(get(client, f"/orders/{order.id}"))
    assert f'href="/orders/{order.id}/deliver"' in page and f'action="/orders/{order.id}/invoice"' not in page
    fulfilment.deliver(user, fresh(order), [fulfilment.QtyInput(order.lines[0].id, "2")])
    db.session.commit()
    page = html(get(client, f"/orders/{order.id}"))
    assert f'href="/orders/{order.id}/deliver"' in page and f'action="/orders/{order.id}/invoice"' in page
    assert f'href="/orders/{order.id}/return"' in page and "Cancel order" not in page  # something left already
    delivery = fresh(order).deliveries[0]
    assert delivery.number in page and f"/deliveries/{delivery.id}.pdf" in page
    assert re.search(r"<dt>Delivered</dt><dd>2</dd>", page)
