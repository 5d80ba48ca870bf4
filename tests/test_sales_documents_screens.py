"""Delivery, invoice and return screens: pages and fragments, partial deliveries, 422s that write nothing,
double taps, PDFs, who sees prices, and a salesperson kept to their own documents."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.db_types import business_today
from app.extensions import db
from app.finance import services as finance
from app.inventory.models import StockLevel
from app.sales import fulfilment, services
from app.sales.fulfilment import QtyInput
from app.sales.models import OrderStatus, SalesDelivery, SalesInvoice, SalesReturn
from tests import factories

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", **EN}


def get(client, url, **headers):
    return client.get(url, headers={**EN, **headers})


def html(response) -> str:
    return response.get_data(as_text=True)


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data}, headers=EN)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def level(product, warehouse) -> tuple[Decimal, Decimal]:
    """(on hand, reserved)."""
    db.session.expire_all()
    found = db.session.get(StockLevel, (product.id, warehouse.id))
    return found.on_hand, found.reserved


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


@pytest.fixture
def shop(app):
    """A warehouse with 10 cases and 5 cables, and a customer of a salesperson."""
    main = factories.warehouse(code="MAIN", name="主仓")
    case = factories.product(sku="CASE-1", name="苹果手机壳", sale_price="100.00")
    cable = factories.product(sku="CABLE-1", name="数据线", sale_price="50.00")
    factories.stock(case, main, 10)
    factories.stock(cable, main, 5)
    return main, case, cable


def make_order(shop, seller=None, customer=None, case_qty=6, cable_qty=2):
    """A confirmed order: case_qty cases at 100 and cable_qty cables at 50, no tax."""
    main, case, cable = shop
    customer = customer or factories.customer("华强电子", salesperson=seller, payment_terms_days=30)
    return factories.order(customer, [(case, case_qty, "100.00", "0", "0"), (cable, cable_qty, "50.00", "0", "0")],
                           actor=seller, warehouse=main, confirm=True)


def deliver_all(order):
    order = fresh(order)
    fulfilment.deliver(factories._system_owner(), order, [QtyInput(line.id, line.to_deliver) for line in order.lines])
    db.session.commit()
    return order


def invoiced(order) -> SalesInvoice:
    order = deliver_all(order)
    invoice = fulfilment.invoice_order(factories._system_owner(), order)
    db.session.commit()
    return invoice


def qty_fields(order, **quantities) -> dict:
    """Form fields qty-<line id> by product SKU: qty_fields(order, CASE_1="4")."""
    by_sku = {line.product.sku.replace("-", "_"): line.id for line in fresh(order).lines}
    return {f"qty-{by_sku[sku]}": value for sku, value in quantities.items()}


# ---- deliver ------------------------------------------------------------------------------------

def test_deliver_is_a_page_and_a_fragment_prefilled_with_what_is_left(client, login, shop):
    order = make_order(shop)
    login("warehouse")
    page, fragment = get(client, f"/orders/{order.id}/deliver"), get(client, f"/orders/{order.id}/deliver", **HX)
    assert page.status_code == fragment.status_code == 200
    assert "<html" in html(page) and "<html" not in html(fragment)
    assert html(fragment).lstrip().startswith('<div id="deliver-form">')
    fields = qty_fields(order, CASE_1="6", CABLE_1="2")
    for name, value in fields.items():
        assert f'name="{name}" value="{value}"' in html(page)
    assert 'data-step="-1"' in html(page)  # the stepper
    assert f'<option selected value="{shop[0].id}">' in html(page)  # the order's warehouse


def test_deliver_part_then_the_rest(client, login, shop):
    main, case, cable = shop
    order = make_order(shop)
    assert level(case, main) == (Decimal("10"), Decimal("6"))
    login("warehouse")
    first = post(client, f"/orders/{order.id}/deliver", idempotency_key="a", warehouse_id=main.id,
                 **qty_fields(order, CASE_1="4", CABLE_1="2"))
    assert first.status_code == 302 and first.headers["Location"] == f"/orders/{order.id}"
    assert level(case, main) == (Decimal("6"), Decimal("2"))
    assert level(cable, main) == (Decimal("3"), Decimal("0"))
    assert fresh(order).status == OrderStatus.PARTIALLY_DELIVERED
    again = html(get(client, f"/orders/{order.id}/deliver"))
    case_field = qty_fields(order, CASE_1="2")
    assert f'name="{next(iter(case_field))}" value="2"' in again
    assert "数据线" not in again  # the cable line is done
    rest = post(client, f"/orders/{order.id}/deliver", idempotency_key="b", warehouse_id=main.id, **case_field)
    assert rest.status_code == 302
    assert level(case, main) == (Decimal("4"), Decimal("0"))
    assert fresh(order).status == OrderStatus.DELIVERED
    assert count(SalesDelivery) == 2
    done = html(get(client, f"/orders/{order.id}/deliver"))
    assert "Everything on this order has been delivered." in done and "<form method=\"post\"" not in done


@pytest.mark.parametrize("change, message", [
    ({"CASE_1": "7"}, "Only 6 个 of 苹果手机壳 are left to deliver."),
    ({"CASE_1": "-1"}, "Cannot be negative."),
    ({"CASE_1": "lots"}, "Enter a number."),
    ({"CASE_1": "0", "CABLE_1": ""}, "Enter a quantity on at least one line."),
])
def test_bad_quantities_are_422_in_plain_words_and_write_nothing(client, login, shop, change, message):
    main, case, _cable = shop
    order = make_order(shop)
    login("owner")
    response = post(client, f"/orders/{order.id}/deliver", idempotency_key="k", warehouse_id=main.id,
                    **qty_fields(order, **{"CASE_1": "6", "CABLE_1": "2", **change}))
    assert response.status_code == 422
    assert message in html(response)
    assert count(SalesDelivery) == 0 and level(case, main) == (Decimal("10"), Decimal("6"))
    assert all(line.delivered_qty == 0 for line in fresh(order).lines)


def test_delivering_from_a_warehouse_without_stock_is_422(client, login, shop):
    main, case, _cable = shop
    empty = factories.warehouse(code="EMPTY", name="空仓")
    order = make_order(shop)
    login("warehouse")
    response = post(client, f"/orders/{order.id}/deliver", idempotency_key="k", warehouse_id=empty.id,
                    **qty_fields(order, CASE_1="4"))
    assert response.status_code == 422
    assert "Not enough 苹果手机壳 in 空仓: 0 个 on hand, 4 needed." in html(response)
    assert count(SalesDelivery) == 0 and level(case, main) == (Decimal("10"), Decimal("6"))
    assert f'name="{next(iter(qty_fields(order, CASE_1="4")))}" value="4"' in html(response)  # what was typed stays


def test_a_double_tap_delivers_once(client, login, shop):
    main, case, _cable = shop
    order = make_order(shop)
    login("warehouse")
    data = dict(idempotency_key="tap", warehouse_id=main.id, **qty_fields(order, CASE_1="3"))
    url = f"/orders/{order.id}/deliver"
    first, second = post(client, url, **data), post(client, url, **data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(SalesDelivery) == 1 and level(case, main) == (Decimal("7"), Decimal("3"))


def test_a_cancelled_order_offers_nothing_to_deliver(client, login, shop):
    order = make_order(shop)
    login("owner")
    services.cancel_order(factories._system_owner(), fresh(order))
    db.session.commit()
    page = html(get(client, f"/orders/{order.id}/deliver"))
    assert "there is nothing to deliver" in page and 'name="qty-' not in page


def test_delivery_page_fragment_and_note_pdf_show_no_prices_to_the_warehouse(client, login, shop):
    order = deliver_all(make_order(shop))
    delivery = db.session.scalars(select(SalesDelivery)).one()
    login("warehouse")
    page = get(client, f"/deliveries/{delivery.id}")
    fragment = get(client, f"/deliveries/{delivery.id}", **HX)
    assert page.status_code == fragment.status_code == 200
    assert "<html" in html(page) and html(fragment).lstrip().startswith('<section id="delivery"')
    assert delivery.number in html(page) and "苹果手机壳" in html(page) and order.number in html(page)
    for text in (html(page), html(get(client, f"/orders/{order.id}/deliver"))):
        assert "¥" not in text and "100.00" not in text
    pdf = get(client, f"/deliveries/{delivery.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"] == f'inline; filename="{delivery.number}.pdf"'


# ---- invoices -----------------------------------------------------------------------------------

def test_invoicing_goes_to_the_invoice_once_and_its_pdf_opens_inline(client, login, shop):
    order = deliver_all(make_order(shop))
    login("finance")
    first = post(client, f"/orders/{order.id}/invoice", idempotency_key="inv")
    second = post(client, f"/orders/{order.id}/invoice", idempotency_key="inv")
    invoice = db.session.scalars(select(SalesInvoice)).one()
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] == f"/invoices/{invoice.id}"
    assert invoice.total == Decimal("700.00") and fresh(order).status == OrderStatus.INVOICED
    pdf = get(client, f"/invoices/{invoice.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"] == f'inline; filename="{invoice.number}.pdf"'


def test_invoicing_with_nothing_delivered_goes_back_to_the_order_and_says_why(client, login, shop):
    order = make_order(shop)
    login("owner")
    response = post(client, f"/orders/{order.id}/invoice", idempotency_key="x")
    assert response.status_code == 303 and response.headers["Location"] == f"/orders/{order.id}"
    assert count(SalesInvoice) == 0
    assert "has nothing delivered waiting to be billed" in html(get(client, f"/orders/{order.id}"))


def test_invoice_page_fragment_totals_payments_and_actions(client, login, shop):
    invoice = invoiced(make_order(shop))
    customer = invoice.customer
    finance.record_receipt(factories._system_owner(), customer, "300.00", "wechat")
    db.session.commit()
    login("finance")
    page = get(client, f"/invoices/{invoice.id}")
    fragment = get(client, f"/invoices/{invoice.id}", **HX)
    assert page.status_code == fragment.status_code == 200
    assert "<html" in html(page) and html(fragment).lstrip().startswith('<section id="invoice"')
    text = html(page)
    assert "¥700.00" in text and "¥300.00" in text and "¥400.00" in text  # total, paid, open
    assert "WeChat Pay" in text and "Partially paid" in text
    assert f'href="/invoices/{invoice.id}.pdf"' in text and f'download="{invoice.number}.pdf"' in text
    assert f'href="/receipts/new?customer_id={customer.id}&amp;invoice_id={invoice.id}"' in text  # pays this one first
    assert "Overdue" not in text


def invoices_for_list(shop, seller):
    """Two invoices of one customer (one overdue) and one of another customer."""
    first = invoiced(make_order(shop, seller, case_qty=1, cable_qty=1))  # 150
    late = fresh(first)
    late.due_on = business_today() - timedelta(days=3)
    other = factories.customer("远方贸易", salesperson=seller)
    second = invoiced(make_order(shop, seller, customer=other, case_qty=2, cable_qty=1))  # 250
    finance.record_receipt(factories._system_owner(), other, "250.00", "cash")
    db.session.commit()
    return late, fresh(second)


def test_invoice_list_filters_totals_and_marks_overdue_in_red(client, login, shop):
    seller = login("sales")
    late, paid = invoices_for_list(shop, seller)
    page = get(client, "/invoices")
    fragment = get(client, "/invoices", **HX)
    assert "<html" in html(page) and html(fragment).lstrip().startswith('<div id="invoice-list"')
    assert late.number in html(page) and paid.number in html(page)
    assert "¥400.00" in html(page) and "¥150.00" in html(page)  # total, open
    assert re.search(r'<li class="doc-item overdue">\s*<a class="row link" href="/invoices/%d"' % late.id, html(page))
    for query, shown, hidden in [("status=paid", paid, late), ("status=unpaid", late, paid), ("overdue=1", late, paid),
                                 (f"customer_id={paid.customer_id}", paid, late), ("q=yuanfang", paid, late),
                                 (f"q={late.number.lower()}", late, paid)]:
        text = html(get(client, f"/invoices?{query}", **HX))
        assert shown.number in text and hidden.number not in text, query


def test_a_salesperson_sees_only_their_own_invoices_deliveries_and_returns(client, login, shop):
    main = shop[0]
    someone = factories.user(role="sales")
    theirs = make_order(shop, someone, case_qty=1, cable_qty=1)
    invoice = invoiced(theirs)
    sales_return = fulfilment.return_goods(factories._system_owner(), fresh(theirs),
                                           [QtyInput(fresh(theirs).lines[0].id, "1")], main.id, "坏了")
    db.session.commit()
    delivery = db.session.scalars(select(SalesDelivery)).one()
    login("sales")
    for url in (f"/orders/{theirs.id}/deliver", f"/deliveries/{delivery.id}", f"/deliveries/{delivery.id}.pdf",
                f"/invoices/{invoice.id}", f"/invoices/{invoice.id}.pdf", f"/orders/{theirs.id}/return",
                f"/returns/{sales_return.id}"):
        assert get(client, url).status_code == 404, url
    assert post(client, f"/orders/{theirs.id}/invoice", idempotency_key="x").status_code == 404
    assert post(client, f"/orders/{theirs.id}/deliver", idempotency_key="y", warehouse_id=main.id).status_code == 404
    assert invoice.number not in html(get(client, "/invoices"))


@pytest.mark.parametrize("role, method, url", [
    ("finance", "get", "/orders/{order}/deliver"),
    ("purchasing", "get", "/orders/{order}/deliver"),
    ("finance", "post", "/orders/{order}/deliver"),
    ("finance", "get", "/orders/{order}/return"),
    ("warehouse", "post", "/orders/{order}/invoice"),
    ("warehouse", "get", "/invoices"),
    ("warehouse", "get", "/invoices/{invoice}"),
    ("warehouse", "get", "/invoices/{invoice}.pdf"),
    ("purchasing", "get", "/invoices"),
    ("purchasing", "get", "/deliveries/{delivery}"),
    ("purchasing", "get", "/returns/{sales_return}"),
])
def test_roles_that_may_not_are_refused(client, login, shop, role, method, url):
    order = make_order(shop)
    invoice = invoiced(order)
    ids = {"order": order.id, "invoice": invoice.id, "delivery": db.session.scalars(select(SalesDelivery.id)).one(),
           "sales_return": 1}
    login(role)
    call = post if method == "post" else get
    assert call(client, url.format(**ids)).status_code == 403


# ---- returns ------------------------------------------------------------------------------------

def test_return_page_and_fragment_offer_what_was_delivered_at_zero(client, login, shop):
    order = deliver_all(make_order(shop))
    login("owner")
    page, fragment = get(client, f"/orders/{order.id}/return"), get(client, f"/orders/{order.id}/return", **HX)
    assert "<html" in html(page) and html(fragment).lstrip().startswith('<div id="return-form">')
    for name in qty_fields(order, CASE_1="", CABLE_1=""):
        assert f'name="{name}" value="0"' in html(page)
    assert "can return 6" in html(page) and "¥100.00 each" in html(page)


def test_returning_more_than_delivered_is_422_and_writes_nothing(client, login, shop):
    main, case, _cable = shop
    order = make_order(shop)
    line = fresh(order).lines[0]
    fulfilment.deliver(factories._system_owner(), fresh(order), [QtyInput(line.id, "2")])
    db.session.commit()
    login("warehouse")
    response = post(client, f"/orders/{order.id}/return", idempotency_key="r", warehouse_id=main.id, reason="坏了",
                    **qty_fields(order, CASE_1="3"))
    assert response.status_code == 422
    assert "Only 2 个 of 苹果手机壳 were delivered and not returned." in html(response)
    assert count(SalesReturn) == 0 and level(case, main) == (Decimal("8"), Decimal("4"))
    assert fresh(order).lines[0].returned_qty == 0
    no_reason = post(client, f"/orders/{order.id}/return", idempotency_key="r", warehouse_id=main.id, reason="",
                     **qty_fields(order, CASE_1="1"))
    assert no_reason.status_code == 422 and "Say why the goods came back." in html(no_reason)
    assert count(SalesReturn) == 0


def test_a_return_after_invoicing_credits_the_invoice_once(client, login, shop):
    main, case, _cable = shop
    invoice = invoiced(make_order(shop))
    order = invoice.order
    login("owner")
    data = dict(idempotency_key="ret", warehouse_id=main.id, reason="屏幕裂了", **qty_fields(order, CASE_1="2"))
    first = post(client, f"/orders/{order.id}/return", **data)
    second = post(client, f"/orders/{order.id}/return", **data)
    sales_return = db.session.scalars(select(SalesReturn)).one()
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] == f"/returns/{sales_return.id}"
    assert level(case, main)[0] == Decimal("6")  # 10 - 6 delivered + 2 back
    assert sales_return.total == Decimal("200.00") and fresh(invoice).credited == Decimal("200.00")
    page = html(get(client, f"/returns/{sales_return.id}"))
    assert "Credit note: ¥200.00." in page  # the flash after the redirect
    assert "¥200.00" in page and invoice.number in page and f'href="/invoices/{invoice.id}"' in page
    fragment = get(client, f"/returns/{sales_return.id}", **HX)
    assert html(fragment).lstrip().startswith('<section id="return"')


def test_the_warehouse_takes_returns_without_seeing_money(client, login, shop):
    main, case, _cable = shop
    order = invoiced(make_order(shop)).order
    login("warehouse")
    form = html(get(client, f"/orders/{order.id}/return"))
    assert "¥" not in form
    response = post(client, f"/orders/{order.id}/return", idempotency_key="w", warehouse_id=main.id, reason="坏了",
                    **qty_fields(order, CABLE_1="1"))
    assert response.status_code == 302
    page = html(get(client, response.headers["Location"]))
    assert "数据线" in page and "¥" not in page and "Credit note" not in page


def test_invoice_list_pages_load_more_and_work_as_full_pages(client, login, shop, monkeypatch):
    monkeypatch.setattr("app.sales.fulfilment_routes.PER_PAGE", 1)
    seller = login("sales")
    late, paid = invoices_for_list(shop, seller)
    first = html(get(client, "/invoices?status=&overdue=", **HX))
    assert paid.number in first and late.number not in first and "/invoices?page=2" in first
    more = get(client, "/invoices?page=2", **HX)
    assert html(more).lstrip().startswith("<li") and late.number in html(more)
    full = get(client, "/invoices?page=2")
    assert full.status_code == 200 and "<html" in html(full) and late.number in html(full)
