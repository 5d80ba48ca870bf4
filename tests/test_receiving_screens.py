"""Receiving screens (入库 by scanning): the orders waiting for goods, scans that count a unit or a pack once per UUID,
refusals that count nothing (422, like the sales editor's refused scans), undo, posting (stock and average cost come in,
the order's status follows), a second delivery, no prices for anyone here, and who may receive."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.catalog import services as catalog
from app.catalog.models import Product
from app.extensions import db
from app.inventory.models import StockLevel
from app.partners import suppliers
from app.purchasing import services as purchasing
from app.purchasing.models import PurchaseOrder, PurchaseReceipt, PurchaseReceiptLine, PurchaseStatus
from tests import factories

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", **EN}
CASE, BOX, OTHER = "6901234567892", "16901234567899", "4006381333931"


def html(response) -> str:
    return response.get_data(as_text=True)


def post(client, url, headers=None, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data}, headers={**EN, **(headers or {})})


def purchase_order(supplier, *lines, confirm=True) -> PurchaseOrder:
    """A purchase order for `supplier`; `lines` are (product, qty, unit_price)."""
    owner = factories.user("owner")
    order = purchasing.create_order(owner, supplier,
                                    lines=[purchasing.LineInput(p.id, q, price) for p, q, price in lines])
    if confirm:
        purchasing.confirm_order(owner, order)
    db.session.commit()
    return order


def fresh(order) -> PurchaseOrder:
    db.session.expire_all()
    return db.session.get(PurchaseOrder, order.id)


def counted() -> list[Decimal]:
    return list(db.session.scalars(select(PurchaseReceiptLine.qty).join(PurchaseReceiptLine.receipt)
                                   .where(PurchaseReceipt.posted_at.is_(None)).order_by(PurchaseReceiptLine.id)))


def on_hand(product, warehouse) -> Decimal:
    db.session.expire_all()
    return db.session.get(StockLevel, (product.id, warehouse.id)).on_hand


@pytest.fixture
def shop(app):
    """The default warehouse; a case sold in 个 and by the 箱 of 12 (10 in stock at 20.00); an unordered product;
    a supplier with a confirmed order for 30 cases at 10.00."""
    warehouse = factories.warehouse(code="MAIN", name="主仓", is_default=True)
    case = factories.product(sku="CASE-1", name="苹果手机壳", barcode=CASE)
    catalog.add_pack_unit(None, case, "箱", "12", barcode=BOX)
    other = factories.product(sku="OTHER-1", name="数据线", barcode=OTHER)
    db.session.commit()
    factories.stock(case, warehouse, 10, unit_cost="20.00")
    supplier = suppliers.create_supplier(None, {"name": "深圳华强电子"})
    db.session.commit()
    return warehouse, case, other, supplier, purchase_order(supplier, (case, 30, "10.00"))


@pytest.fixture
def receiver(login, shop):
    return login("warehouse")


def scan(client, order, code, key):
    return post(client, f"/purchase-orders/{order.id}/receive/scan", HX, code=code, key=key)


# ---- the list -------------------------------------------------------------------------------------

def test_the_list_shows_orders_waiting_for_goods_and_searches(client, receiver, shop):
    warehouse, case, other, supplier, order = shop
    draft = purchase_order(supplier, (case, 5, "10.00"), confirm=False)
    elsewhere = purchase_order(suppliers.create_supplier(None, {"name": "义乌小商品"}), (other, 3, "2.00"))
    page = client.get("/receiving", headers=EN)
    assert page.status_code == 200 and "<html" in html(page)
    assert order.number in html(page) and elsewhere.number in html(page) and draft.number not in html(page)
    assert "1 line left" in html(page)
    found = client.get("/receiving?q=hqdz", headers=HX)  # the supplier's pinyin initials
    assert "<html" not in html(found) and order.number in html(found) and elsewhere.number not in html(found)
    assert "10.00" not in html(page) and "¥" not in html(page)


def test_a_typed_or_scanned_po_number_opens_the_order(client, receiver, shop):
    order = shop[4]
    response = client.get(f"/receiving?q={order.number.lower()}", headers=EN)
    assert response.status_code == 303 and response.headers["Location"] == f"/purchase-orders/{order.id}/receive"
    live = client.get(f"/receiving?q={order.number}", headers=HX)
    assert live.headers["HX-Redirect"] == f"/purchase-orders/{order.id}/receive"


# ---- scanning -------------------------------------------------------------------------------------

def test_the_receive_page_and_its_fragment(client, receiver, shop):
    order = shop[4]
    page = client.get(f"/purchase-orders/{order.id}/receive", headers=EN)
    assert page.status_code == 200 and "data-scanbox" in html(page) and "Post receipt" in html(page)
    fragment = client.get(f"/purchase-orders/{order.id}/receive", headers=HX)
    assert html(fragment).startswith('<div id="receipt"') or 'id="receipt"' in html(fragment)[:200]
    assert "<html" not in html(fragment)


def test_a_scan_counts_one_unit_and_a_pack_its_units(client, receiver, shop):
    order = shop[4]
    first = scan(client, order, CASE, "s-1")
    assert first.status_code == 200 and 'data-counted>1<' in html(first)
    box = scan(client, order, BOX, "s-2")
    assert 'data-counted>13<' in html(box) and 'data-left>17<' in html(box)
    assert counted() == [Decimal("13")]
    assert fresh(order).lines[0].received_qty == 0  # nothing moves until the receipt is posted


def test_the_same_scan_uuid_twice_counts_once(client, receiver, shop):
    order = shop[4]
    for _attempt in range(2):
        assert scan(client, order, CASE, "5b0c6f0e-4c1e-4a8e-9d59-0d5c1b7c2f11").status_code == 200
    assert counted() == [Decimal("1")]


@pytest.mark.parametrize("code, message", [
    ("0000000000000", "Unknown barcode 0000000000000: nothing was counted."),
    (OTHER, "数据线 is not on this order: nothing was counted."),
])
def test_unknown_and_unordered_scans_are_refused_and_count_nothing(client, receiver, shop, code, message):
    order = shop[4]
    response = scan(client, order, code, "s-1")
    assert response.status_code == 422 and message in html(response) and "data-refusal" in html(response)
    assert response.headers["HX-Push-Url"] == "false"
    assert counted() == []


def test_more_than_may_come_in_is_refused(client, receiver, shop):
    order = shop[4]
    scan(client, order, BOX, "s-1")
    scan(client, order, BOX, "s-2")
    refused = scan(client, order, BOX, "s-3")  # 24 counted, 6 left: a 箱 of 12 is too many
    assert refused.status_code == 422
    assert "Only 6 个 of 苹果手机壳 may still come in on this order: nothing was counted." in html(refused)
    assert counted() == [Decimal("24")]
    assert scan(client, order, CASE, "s-4").status_code == 200  # single units still fit


def test_undo_takes_one_back_and_a_double_tap_takes_one(client, receiver, shop):
    order = shop[4]
    for n in range(3):
        scan(client, order, CASE, f"s-{n}")
    line_id = db.session.scalar(select(PurchaseReceiptLine.id))
    url = f"/purchase-orders/{order.id}/receive/lines/{line_id}/undo"
    for _tap in range(2):
        response = post(client, url, HX, key="undo-1")
        assert response.status_code == 200 and 'data-counted>2<' in html(response)
    assert counted() == [Decimal("2")]
    post(client, url, HX, key="undo-2")
    post(client, url, HX, key="undo-3")
    assert counted() == []  # down to 0: the line is off the receipt


def test_without_javascript_a_scan_redirects_to_the_page(client, receiver, shop):
    order = shop[4]
    response = post(client, f"/purchase-orders/{order.id}/receive/scan", code=CASE, key="k-1")
    assert response.status_code == 303 and response.headers["Location"] == f"/purchase-orders/{order.id}/receive"
    assert counted() == [Decimal("1")]


# ---- posting --------------------------------------------------------------------------------------

def test_posting_brings_the_stock_in_at_cost_and_a_second_delivery_finishes_the_order(client, receiver, shop):
    warehouse, case, other, supplier, order = shop
    scan(client, order, BOX, "a")
    scan(client, order, CASE, "b")  # 13 of 30 now
    posted = post(client, f"/purchase-orders/{order.id}/receive/post", idempotency_key="post-1")
    assert posted.status_code == 302
    again = post(client, f"/purchase-orders/{order.id}/receive/post", idempotency_key="post-1")  # a double tap
    assert again.status_code == 302
    assert on_hand(case, warehouse) == Decimal("23")
    assert db.session.get(Product, case.id).avg_cost == Decimal("14.3478")  # (10 × 20 + 13 × 10) / 23
    order = fresh(order)
    assert order.status == PurchaseStatus.PARTIALLY_RECEIVED and order.lines[0].received_qty == 13
    receipt, = order.receipts
    page = client.get(posted.headers["Location"], headers=EN)
    assert f"Receipt {receipt.number} is posted" in html(page) and 'data-left>17<' in html(page)

    for n in range(17):  # the second delivery, the same way
        assert scan(client, order, CASE, f"c-{n}").status_code == 200
    post(client, f"/purchase-orders/{order.id}/receive/post", idempotency_key="post-2")
    order = fresh(order)
    assert order.status == PurchaseStatus.RECEIVED and len(order.receipts) == 2
    assert on_hand(case, warehouse) == Decimal("40")
    done = client.get(f"/purchase-orders/{order.id}/receive", headers=EN)
    assert "nothing more to receive" in html(done) and "data-scanbox" not in html(done)
    refused = scan(client, order, CASE, "late")
    assert refused.status_code == 422 and "cannot be received" in html(refused)


def test_posting_nothing_is_refused(client, receiver, shop):
    order = shop[4]
    response = post(client, f"/purchase-orders/{order.id}/receive/post", idempotency_key="p")
    assert response.status_code == 422 and "Scan at least one item." in html(response)
    assert db.session.scalar(select(func.count()).select_from(PurchaseReceipt)) == 0


# ---- who sees and does what -----------------------------------------------------------------------

def test_no_price_reaches_the_warehouse(client, receiver, shop):
    order = shop[4]
    scan(client, order, CASE, "s")
    for url in ("/receiving", f"/purchase-orders/{order.id}/receive"):
        # Without the CSRF tokens and form keys: random text that once happened to hold "300" (a key's hex too).
        text = re.sub(r'("X-CSRFToken": "|name="csrf_token"[^>]*value="|name="csrf-token" content=")[^"]*', "",
                      html(client.get(url, headers=EN)))
        assert "10.00" not in text and "¥" not in text and not re.search(r"(?<![0-9a-f])300(?![0-9a-f])", text)


@pytest.mark.parametrize("role", ["sales", "finance"])
def test_sales_and_finance_may_not_receive(client, login, shop, role):
    order = shop[4]
    login(role)
    assert client.get("/receiving").status_code == 403
    assert client.get(f"/purchase-orders/{order.id}/receive").status_code == 403
    assert scan(client, order, CASE, "s").status_code == 403
    assert counted() == []


@pytest.mark.parametrize("role", ["owner", "purchasing", "warehouse"])
def test_receivers_may_receive(client, login, shop, role):
    login(role)
    assert scan(client, shop[4], CASE, "s").status_code == 200


def test_an_unknown_order_is_404(client, receiver, shop):
    assert client.get("/purchase-orders/999999/receive").status_code == 404
