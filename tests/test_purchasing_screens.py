"""Supplier and purchase order screens: lists as page and fragment, the supplier form (422, once per key), the
products a supplier sells us, the draft editor, confirming and cancelling, reorder suggestions drafting once,
invoicing, paying and returning through the screens, and who sees prices and who may come in at all."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.finance.models import Payment
from app.partners import suppliers as supplier_services
from app.partners.models import Supplier, SupplierProduct
from app.purchasing import receiving
from app.purchasing import services as purchasing
from app.purchasing.models import PurchaseInvoice, PurchaseOrder, PurchaseReturn, PurchaseStatus
from app.lines import QtyInput
from tests import factories

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", **EN}


def html(response) -> str:
    return response.get_data(as_text=True)


def get(client, url, **headers):
    return client.get(url, headers={**EN, **headers})


def post(client, url, headers=None, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data}, headers={**EN, **(headers or {})})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def owner():
    """The first owner (made on first use): the actor of documents set up directly through the services."""
    return db.session.scalar(select(User).where(User.role == "owner").order_by(User.id)) or factories.user("owner")


def make_supplier(name="华强电子", **values):
    supplier = supplier_services.create_supplier(owner(), {"name": name, **values})
    db.session.commit()
    return supplier


def make_order(supplier, lines, confirm=False, received=False):
    actor = owner()
    order = purchasing.create_order(actor, supplier, None, [purchasing.LineInput(p.id, q) for p, q in lines])
    if confirm or received:
        purchasing.confirm_order(actor, order)
    db.session.flush()
    if received:
        receiving.receive(actor, order, [QtyInput(line.id, line.qty) for line in order.lines])
    db.session.commit()
    return order


@pytest.fixture
def shop(app):
    """The default warehouse and a product bought at 10.00, with barcode."""
    warehouse = factories.warehouse(code="MAIN", name="主仓", is_default=True)
    case = factories.product(sku="CASE-1", name="苹果手机壳", purchase_price="10.00", barcode="6901234567892")
    return warehouse, case


@pytest.fixture
def buyer(login, shop):
    return login("purchasing")


# ---- suppliers --------------------------------------------------------------------------------

def test_suppliers_list_is_a_page_and_a_fragment_with_balances_and_pinyin_search(client, buyer, shop):
    supplier, other = make_supplier("华强电子"), make_supplier("深圳包装")
    order = make_order(supplier, [(shop[1], 5)], received=True)
    receiving.invoice_order(owner(), order)
    db.session.commit()
    page, fragment = get(client, "/suppliers"), get(client, "/suppliers", **HX)
    assert "<html" in html(page) and "+ New supplier" in html(page)
    assert html(fragment).lstrip().startswith('<ul class="customer-cards" id="supplier-list"')
    assert "HX-Request" in fragment.headers["Vary"]
    assert "We owe ¥56.50" in html(fragment) and "深圳包装" in html(fragment)  # 5 × 10.00 + 13% tax
    by_initials = html(get(client, "/suppliers?q=hqdz", **HX))
    assert "华强电子" in by_initials and "深圳包装" not in by_initials


def test_creating_a_supplier_shows_errors_inline_and_adds_it_once(client, buyer):
    refused = post(client, "/suppliers", name="", email="nope", payment_terms_days="400", lead_time_days="7")
    assert refused.status_code == 422 and 'aria-invalid="true"' in html(refused)
    assert "Enter a valid email address." in html(refused) and count(Supplier) == 0
    data = {"name": "华强电子", "payment_terms_days": "45", "lead_time_days": "3", "idempotency_key": "k-supplier"}
    first, again = post(client, "/suppliers", **data), post(client, "/suppliers", **data)
    assert first.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    supplier = db.session.scalar(select(Supplier))
    assert count(Supplier) == 1 and supplier.payment_terms_days == 45 and supplier.lead_time_days == 3
    duplicate = post(client, "/suppliers", **{**data, "idempotency_key": "k-other"})
    assert duplicate.status_code == 422 and "already exists" in html(duplicate)
    edited = post(client, f"/suppliers/{supplier.id}/edit", name="华强电子", payment_terms_days="60",
                  lead_time_days="3", active="y")
    assert edited.status_code == 303 and fresh(Supplier, supplier.id).payment_terms_days == 60


def test_supplier_products_are_added_and_edited_on_the_supplier_page(client, buyer, shop):
    supplier = make_supplier()
    url = f"/suppliers/{supplier.id}/items"
    unknown = post(client, url, product="NOPE", min_order_qty="0")
    assert unknown.status_code == 422 and "No product has the barcode or SKU NOPE." in html(unknown)
    saved = post(client, url, product="6901234567892", supplier_sku="HQ-01", last_price="9.50", min_order_qty="24",
                 preferred="y")
    assert saved.status_code == 303
    item = db.session.scalar(select(SupplierProduct))
    assert (item.supplier_sku, item.last_price, item.min_order_qty, item.preferred) == (
        "HQ-01", Decimal("9.50"), Decimal("24"), True)
    page = html(get(client, f"/suppliers/{supplier.id}?item={shop[1].id}"))
    assert "their code HQ-01" in page and "MOQ 24" in page and "Preferred" in page and 'value="HQ-01"' in page
    post(client, url, product="CASE-1", supplier_sku="HQ-02", min_order_qty="12")
    item = fresh(SupplierProduct, item.id)
    assert (item.supplier_sku, item.min_order_qty, item.preferred, count(SupplierProduct)) == (
        "HQ-02", Decimal("12"), False, 1)


def test_the_supplier_page_shows_what_is_due_and_overdue_in_red(client, buyer, shop):
    supplier = make_supplier(payment_terms_days=30)
    order = make_order(supplier, [(shop[1], 2)], received=True)
    invoice = receiving.invoice_order(owner(), order, "FP-778")
    invoice.due_on = invoice.issued_on - timedelta(days=1)
    db.session.commit()
    page = html(get(client, f"/suppliers/{supplier.id}"))
    assert 'class="row overdue"' in page and "FP-778" in page and "Overdue since" in page
    assert order.number in page and invoice.number in page and "¥22.60" in page


# ---- purchase orders ------------------------------------------------------------------------

def test_a_draft_is_made_edited_with_live_totals_and_confirmed(client, buyer, shop):
    supplier = make_supplier(lead_time_days=5)
    made = post(client, "/purchase-orders/new", supplier_id=str(supplier.id), idempotency_key="k-new")
    again = post(client, "/purchase-orders/new", supplier_id=str(supplier.id), idempotency_key="k-new")
    assert made.status_code == 302 and again.headers["Location"] == made.headers["Location"]
    order = db.session.scalar(select(PurchaseOrder))
    assert count(PurchaseOrder) == 1 and order.status == PurchaseStatus.DRAFT
    base = f"/purchase-orders/{order.id}"
    page = html(get(client, base))
    assert "Confirm purchase order" in page and "data-order-scan" in page
    options = html(get(client, f"{base}/products?q=CASE", **HX))
    assert options.lstrip().startswith('<div id="product-options"') and "苹果手机壳" in options
    scanned = post(client, f"{base}/lines", headers=HX, code="6901234567892", key="scan-1")
    post(client, f"{base}/lines", headers=HX, code="6901234567892", key="scan-1")  # replayed scan counts once
    assert scanned.status_code == 200 and html(scanned).lstrip().startswith('<div id="order-lines"')
    line = fresh(PurchaseOrder, order.id).lines[0]
    assert line.qty == 1 and line.unit_price == Decimal("10.00")
    changed = post(client, f"{base}/lines/{line.id}", headers=HX, qty="4", unit_price="12.50", tax_rate="13")
    assert '<dd id="order-total">¥56.50</dd>' in html(changed)
    refused = post(client, f"{base}/lines/{line.id}", headers=HX, qty="-1", unit_price="12.50", tax_rate="13")
    assert refused.status_code == 422 and 'value="-1"' in html(refused)
    assert fresh(PurchaseOrder, order.id).lines[0].qty == 4
    confirmed = post(client, f"{base}/confirm", idempotency_key="k-confirm")
    assert confirmed.status_code == 302 and fresh(PurchaseOrder, order.id).status == PurchaseStatus.CONFIRMED
    view = html(get(client, base))
    assert "Confirm purchase order" not in view and "Received" in view and "Print purchase order" in view


def test_confirming_an_empty_draft_is_refused_and_cancelling_works(client, buyer, shop):
    order = make_order(make_supplier(), [])
    refused = post(client, f"/purchase-orders/{order.id}/confirm", idempotency_key="k1")
    assert refused.status_code == 422 and "Add at least one line." in html(refused)
    cancelled = post(client, f"/purchase-orders/{order.id}/cancel", idempotency_key="k2")
    assert cancelled.status_code == 302 and fresh(PurchaseOrder, order.id).status == PurchaseStatus.CANCELLED


def test_purchase_order_list_filters_and_fragment(client, buyer, shop):
    supplier, other = make_supplier("华强电子"), make_supplier("深圳包装")
    draft, confirmed = make_order(supplier, [(shop[1], 1)]), make_order(other, [(shop[1], 2)], confirm=True)
    fragment = html(get(client, "/purchase-orders", **HX))
    assert fragment.lstrip().startswith('<ul class="order-cards" id="po-list"') and draft.number in fragment
    assert "<html" in html(get(client, "/purchase-orders"))
    only = html(get(client, "/purchase-orders?status=confirmed", **HX))
    assert confirmed.number in only and draft.number not in only
    by_pinyin = html(get(client, "/purchase-orders?q=szbz", **HX))
    assert confirmed.number in by_pinyin and draft.number not in by_pinyin
    assert draft.number in html(get(client, f"/purchase-orders?supplier_id={supplier.id}", **HX))


def test_suggestions_draft_one_order_per_supplier_once_under_a_double_tap(client, buyer, shop):
    warehouse, case = shop
    case.min_stock, case.max_stock = Decimal("10"), Decimal("30")
    factories.stock(case, warehouse, 4)
    supplier = make_supplier()
    supplier_services.set_item(owner(), supplier, case.id, "HQ-01", 12, True, "9.00")
    db.session.commit()
    page = html(get(client, f"/purchase-orders/suggestions?warehouse_id={warehouse.id}"))
    assert "苹果手机壳" in page and "<strong>36</strong>" in page and "华强电子" in page and "¥9.00" in page
    tap = {"warehouse_id": str(warehouse.id), "idempotency_key": "k-draft"}
    first, second = post(client, "/purchase-orders/suggestions", **tap), post(client, "/purchase-orders/suggestions", **tap)
    assert first.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    order = db.session.scalar(select(PurchaseOrder))
    assert count(PurchaseOrder) == 1 and order.lines[0].qty == 36 and order.lines[0].unit_price == Decimal("9.00")
    listed = html(get(client, first.headers["Location"]))
    assert "Drafted purchase orders" in listed and order.number in listed
    post(client, f"/purchase-orders/{order.id}/confirm", idempotency_key="k-c")
    assert fresh(PurchaseOrder, order.id).status == PurchaseStatus.CONFIRMED
    assert "Nothing is below its minimum" in html(get(client, f"/purchase-orders/suggestions?warehouse_id={warehouse.id}"))


def test_invoice_pay_and_return_through_the_screens(client, buyer, shop):
    supplier = make_supplier()
    order = make_order(supplier, [(shop[1], 10)], received=True)
    base = f"/purchase-orders/{order.id}"
    view = html(get(client, base))
    assert "Book the supplier" in view and "Return to supplier" in view, view[view.find("<main"):]
    booked = post(client, f"{base}/invoice", supplier_reference="FP-1", idempotency_key="k-inv")
    post(client, f"{base}/invoice", supplier_reference="FP-1", idempotency_key="k-inv")
    assert booked.status_code == 302 and count(PurchaseInvoice) == 1
    invoice = db.session.scalar(select(PurchaseInvoice))
    assert invoice.supplier_reference == "FP-1" and invoice.total == Decimal("113.00")
    too_much = post(client, f"/suppliers/{supplier.id}/pay", amount="500", method="cash", idempotency_key="k-p0")
    assert too_much.status_code == 422 and count(Payment) == 0
    paid = post(client, f"/suppliers/{supplier.id}/pay", amount="50", method="bank_transfer", idempotency_key="k-p1")
    assert paid.status_code == 302 and fresh(PurchaseInvoice, invoice.id).paid == Decimal("50.00")
    form = get(client, f"{base}/return")
    assert form.status_code == 200 and "can return 10" in html(form)
    over = post(client, f"{base}/return", **{f"qty-{order.lines[0].id}": "11"}, reason="坏了",
                warehouse_id=str(shop[0].id), idempotency_key="k-r0")
    assert over.status_code == 422 and count(PurchaseReturn) == 0
    returned = post(client, f"{base}/return", **{f"qty-{order.lines[0].id}": "2"}, reason="坏了",
                    warehouse_id=str(shop[0].id), idempotency_key="k-r1")
    assert returned.status_code == 302 and count(PurchaseReturn) == 1
    invoice = fresh(PurchaseInvoice, invoice.id)
    assert invoice.open_amount == Decimal("113.00") - Decimal("50.00") - Decimal("22.60")
    assert "¥40.40" in html(get(client, f"/suppliers/{supplier.id}"))


def test_the_receive_step_links_to_receiving_when_it_exists(client, buyer, shop):
    order = make_order(make_supplier(), [(shop[1], 1)], confirm=True)
    page = html(get(client, f"/purchase-orders/{order.id}"))
    assert (f'/purchase-orders/{order.id}/receive"' in page) == ("purchasing.receive" in client.application.view_functions)


def test_the_purchase_order_pdf(client, buyer, shop):
    order = make_order(make_supplier(), [(shop[1], 3)], confirm=True)
    response = get(client, f"/purchase-orders/{order.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


# ---- who sees what -----------------------------------------------------------------------------

def test_the_warehouse_opens_orders_but_sees_no_prices(client, login, shop):
    supplier = make_supplier()
    order = make_order(supplier, [(shop[1], 3)], received=True)
    receiving.invoice_order(owner(), order)
    db.session.commit()
    login("warehouse")
    for url in ("/purchase-orders", f"/purchase-orders/{order.id}"):
        page = html(get(client, url))
        assert order.number in page and "¥" not in page and "33.90" not in page and "10.00" not in page
    assert get(client, f"/purchase-orders/{order.id}/pdf").status_code == 403
    assert get(client, "/suppliers").status_code == 403
    assert post(client, f"/purchase-orders/{order.id}/invoice", idempotency_key="k").status_code == 403


@pytest.mark.parametrize("url, method", [
    ("/suppliers", "get"), ("/suppliers/new", "get"), ("/purchase-orders", "get"), ("/purchase-orders/new", "get"),
    ("/purchase-orders/suggestions", "get"), ("/purchase-orders/{order}", "get"), ("/purchase-orders/{order}/pdf", "get"),
    ("/suppliers", "post"), ("/purchase-orders/{order}/confirm", "post"), ("/suppliers/{supplier}/pay", "post"),
])
def test_sales_may_not_come_in(client, login, shop, url, method):
    supplier = make_supplier()
    order = make_order(supplier, [(shop[1], 1)])
    login("sales")
    url = url.format(order=order.id, supplier=supplier.id)
    response = get(client, url) if method == "get" else post(client, url, idempotency_key="k")
    assert response.status_code == 403


@pytest.mark.parametrize("role, status", [("finance", 200), ("warehouse", 403)])
def test_finance_reads_suppliers_and_pays_but_does_not_edit(client, login, shop, role, status):
    supplier = make_supplier()
    login(role)
    assert get(client, f"/suppliers/{supplier.id}").status_code == status
    assert get(client, f"/suppliers/{supplier.id}/pay").status_code == status
    assert get(client, "/suppliers/new").status_code == 403
    assert post(client, "/purchase-orders/new", supplier_id=str(supplier.id)).status_code == 403


def test_every_screen_opens_in_chinese_and_a_second_invoice_is_refused(client, login, shop):
    supplier = make_supplier()
    order = make_order(supplier, [(shop[1], 2)], received=True)
    receiving.invoice_order(owner(), order)
    db.session.commit()
    login("owner")
    for url in ("/suppliers", "/suppliers/new", f"/suppliers/{supplier.id}", f"/suppliers/{supplier.id}/edit",
                f"/suppliers/{supplier.id}/pay", "/purchase-orders", "/purchase-orders/new?q=hq",
                f"/purchase-orders/{order.id}", f"/purchase-orders/{order.id}/return", "/purchase-orders/suggestions"):
        assert client.get(url, headers={"Accept-Language": "zh-CN"}).status_code == 200, url
    again = post(client, f"/purchase-orders/{order.id}/invoice", idempotency_key="k-again")
    assert again.status_code == 422 and "nothing received waiting to be invoiced" in html(again)
