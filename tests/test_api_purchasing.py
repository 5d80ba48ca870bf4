"""The Suppliers, Purchasing and supplier Payments endpoints of shared/API.md: the flow, roles, refusals, reordering."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.catalog.models import Product
from app.db_types import business_today
from app.extensions import db
from app.partners import suppliers as supplier_service
from tests import factories

COST_FIELDS = {"unit_price", "amount", "subtotal", "tax", "total", "unit_cost"}


@pytest.fixture
def main(app):
    return factories.warehouse("MAIN", "总仓")


@pytest.fixture
def case(main):
    """A phone case with 10 in the main warehouse at a cost of 10.00."""
    product = factories.product(name="苹果手机壳", purchase_price="10.00")
    factories.stock(product, main, 10)
    return product


def _supplier(name="深圳华南电子", items=(), **fields):
    """A supplier made by the service; items are (product, min_order_qty, last_price) it is preferred for."""
    owner = factories.user("owner")
    supplier = supplier_service.create_supplier(owner, {"name": name, **fields})
    db.session.flush()
    for product, moq, price in items:
        supplier_service.set_item(owner, supplier, product.id, min_order_qty=moq, preferred=True, last_price=price)
    db.session.commit()
    return supplier


def _order(caller, supplier_id, product, qty, confirm=False, **line):
    response = caller.post("/purchase-orders", {"supplier_id": supplier_id,
                                                "lines": [{"product_id": product.id, "qty": qty, **line}]})
    assert response.status_code == 201, response.json
    if confirm:
        confirmed = caller.post(f"/purchase-orders/{response.json['id']}/confirm")
        assert confirmed.status_code == 200, confirmed.json
        return confirmed.json
    return response.json


def _receive(caller, order, qty, key=None):
    return caller.post(f"/purchase-orders/{order['id']}/receipts",
                       {"lines": [{"line_id": order["lines"][0]["id"], "qty": qty}]},
                       headers={"Idempotency-Key": key} if key else None)


def _on_hand(caller, product):
    return caller.get(f"/stock?product_id={product.id}").json["items"][0]["on_hand"]


def _avg_cost(product) -> Decimal:
    return db.session.scalar(select(Product.avg_cost).where(Product.id == product.id))


def test_the_whole_flow_supplier_order_receipts_invoice_payment_return(api, main, case):
    buyer, store, cashier = api("purchasing"), api("warehouse"), api("finance")
    supplier = buyer.post("/suppliers", {"name": "深圳华南电子", "contact": "李经理", "mobile": "13800138000",
                                         "payment_terms_days": 30, "lead_time_days": 5, "tax_number": "9144"})
    assert supplier.status_code == 201, supplier.json
    supplier = supplier.json
    assert (supplier["balance"], supplier["lead_time_days"], supplier["active"]) == ("0.00", 5, True)
    assert buyer.get("/suppliers?q=hndz").json["items"][0]["id"] == supplier["id"]

    order = _order(buyer, supplier["id"], case, 30, unit_price="20.00")
    assert (order["status"], order["warehouse_id"], order["supplier_id"]) == ("draft", main.id, supplier["id"])
    assert date.fromisoformat(order["expected_on"]) == business_today() + timedelta(days=5)
    assert (order["lines"][0]["amount"], order["subtotal"], order["tax"], order["total"]) == (
        "600.00", "600.00", "78.00", "678.00")
    confirmed = buyer.post(f"/purchase-orders/{order['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"

    first = _receive(store, order, 10)  # 10 at 10.00 on hand + 10 at 20.00: the average is 15.00
    assert first.status_code == 201, first.json
    assert first.json["purchase_order_id"] == order["id"] and first.json["lines"][0]["qty"] == "10.000"
    assert store.get(first.headers["Location"].removeprefix("/api/v1")).json == first.json
    assert buyer.get(f"/purchase-orders/{order['id']}").json["status"] == "partially_received"
    assert _avg_cost(case) == Decimal("15.0000")
    assert _receive(store, order, "20").status_code == 201  # 20 at 15.00 + 20 at 20.00: 17.50
    assert _avg_cost(case) == Decimal("17.5000")
    assert _on_hand(store, case) == "40.000"
    received = buyer.get(f"/purchase-orders/{order['id']}").json
    assert (received["status"], received["lines"][0]["received_qty"]) == ("received", "30.000")

    invoice = cashier.post(f"/purchase-orders/{order['id']}/invoice", {"supplier_reference": "FP-001"})
    assert invoice.status_code == 201, invoice.json
    invoice = invoice.json
    assert (invoice["total"], invoice["open_amount"], invoice["status"], invoice["supplier_reference"]) == (
        "678.00", "678.00", "open", "FP-001")
    assert date.fromisoformat(invoice["due_on"]) == date.fromisoformat(invoice["issued_on"]) + timedelta(days=30)
    assert buyer.get(f"/suppliers/{supplier['id']}").json["balance"] == "678.00"

    payment = cashier.post("/payments", {"supplier_id": supplier["id"], "amount": "300", "method": "bank_transfer",
                                         "allocations": [{"invoice_id": invoice["id"], "amount": 300}]})
    assert payment.status_code == 201, payment.json
    assert (payment.json["supplier_id"], payment.json["customer_id"]) == (supplier["id"], None)
    assert payment.json["allocations"] == [{"invoice_id": invoice["id"], "amount": "300.00"}]
    assert cashier.get(f"/purchase-invoices/{invoice['id']}").json["status"] == "partially_paid"
    assert buyer.get("/suppliers").json["items"][0]["balance"] == "378.00"

    returned = store.post("/purchase-returns", {"purchase_order_id": order["id"], "reason": "破损",
                                                "lines": [{"line_id": order["lines"][0]["id"], "qty": 5}]})
    assert returned.status_code == 201, returned.json
    credit = buyer.get(f"/purchase-returns/{returned.json['id']}").json
    assert (credit["total"], credit["lines"][0]["credited_qty"], credit["lines"][0]["unit_cost"]) == (
        "113.00", "5.000", "20.0000")
    assert buyer.get(f"/suppliers/{supplier['id']}").json["balance"] == "265.00"
    assert cashier.get(f"/purchase-invoices/{invoice['id']}").json["open_amount"] == "265.00"
    assert _on_hand(store, case) == "35.000"
    assert [p["id"] for p in cashier.get(f"/payments?supplier_id={supplier['id']}").json["items"]] == [
        payment.json["id"]]
    assert buyer.get(f"/payments/{payment.json['id']}").json == payment.json
    assert buyer.get(f"/purchase-orders?supplier_id={supplier['id']}&status=invoiced").json["total"] == 1


def test_warehouse_receives_and_returns_without_seeing_a_price(api, main, case):
    buyer, store = api("purchasing"), api("warehouse")
    order = _order(buyer, _supplier().id, case, 4, confirm=True)
    receipt = _receive(store, order, 4).json
    returned = store.post("/purchase-returns", {"purchase_order_id": order["id"],
                                                "lines": [{"line_id": order["lines"][0]["id"], "qty": 1}]}).json
    seen = store.get(f"/purchase-orders/{order['id']}").json
    listed = store.get("/purchase-orders").json["items"][0]
    for body in (seen, seen["lines"][0], listed, listed["lines"][0], receipt, receipt["lines"][0], returned,
                 returned["lines"][0], store.get(f"/purchase-receipts/{receipt['id']}").json["lines"][0]):
        assert not COST_FIELDS & set(body), body
    assert seen["lines"][0]["received_qty"] == "4.000" and seen["lines"][0]["returned_qty"] == "1.000"
    assert buyer.get(f"/purchase-receipts/{receipt['id']}").json["lines"][0]["unit_cost"] == "10.0000"
    assert api("finance").get(f"/purchase-orders/{order['id']}").json["total"] == "45.20"


@pytest.mark.parametrize("method, path", [
    ("GET", "/suppliers"), ("POST", "/suppliers"), ("GET", "/suppliers/{supplier}"),
    ("PATCH", "/suppliers/{supplier}"), ("GET", "/purchase-orders"), ("POST", "/purchase-orders"),
    ("GET", "/purchase-orders/{order}"), ("POST", "/purchase-orders/{order}/confirm"),
    ("POST", "/purchase-orders/{order}/receipts"), ("POST", "/purchase-orders/{order}/invoice"),
    ("POST", "/purchase-orders/{order}/cancel"), ("POST", "/purchase-returns"), ("GET", "/reorder-suggestions"),
    ("POST", "/purchase-orders/from-suggestions"), ("GET", "/purchase-invoices"),
])
def test_sales_may_not_touch_purchasing(api, main, case, method, path):
    supplier = _supplier()
    order = _order(api("owner"), supplier.id, case, 1)
    response = api("sales").call(method, path.format(supplier=supplier.id, order=order["id"]), json={})
    assert response.status_code == 403 and response.json["type"] == "forbidden"


@pytest.mark.parametrize("role, method, path", [
    ("warehouse", "GET", "/suppliers"), ("warehouse", "POST", "/purchase-orders"),
    ("warehouse", "POST", "/purchase-orders/{order}/confirm"),
    ("warehouse", "POST", "/purchase-orders/{order}/invoice"),
    ("warehouse", "GET", "/purchase-invoices"), ("warehouse", "GET", "/reorder-suggestions"),
    ("finance", "POST", "/suppliers"), ("finance", "PATCH", "/suppliers/{supplier}"),
    ("finance", "POST", "/purchase-orders"), ("finance", "POST", "/purchase-orders/{order}/confirm"),
    ("finance", "POST", "/purchase-orders/{order}/receipts"), ("finance", "POST", "/purchase-returns"),
    ("purchasing", "GET", "/sales-orders"),
])
def test_roles_that_may_not(api, main, case, role, method, path):
    supplier = _supplier()
    order = _order(api("owner"), supplier.id, case, 1)
    response = api(role).call(method, path.format(supplier=supplier.id, order=order["id"]), json={})
    assert response.status_code == 403 and response.json["type"] == "forbidden"


def test_payments_are_refused_to_roles_that_may_not_pay_that_partner(api, main, case):
    supplier, customer = _supplier(), factories.customer()
    to_supplier = {"supplier_id": supplier.id, "amount": "1", "method": "cash"}
    refused = api("sales").post("/payments", to_supplier)
    assert refused.status_code == 403 and refused.json["type"] == "forbidden"
    from_customer = api("purchasing").post("/payments", {"customer_id": customer.id, "amount": "1", "method": "cash"})
    assert from_customer.status_code == 403
    finance = api("finance")
    assert finance.get("/suppliers").status_code == 200 and finance.get("/purchase-orders").status_code == 200
    nothing_owed = finance.post("/payments", to_supplier)
    assert nothing_owed.status_code == 422 and "amount" in nothing_owed.json["errors"]
    neither = finance.post("/payments", {"amount": "1", "method": "cash"})
    assert neither.status_code == 422 and list(neither.json["errors"]) == ["customer_id"]
    unknown = finance.post("/payments", {**to_supplier, "supplier_id": supplier.id + 99})
    assert unknown.status_code == 404 and list(unknown.json["errors"]) == ["supplier_id"]


def test_problem_types(api, main, case):
    buyer, owner = api("purchasing"), api("owner")
    supplier = _supplier()
    draft = _order(buyer, supplier.id, case, 5)
    assert _receive(buyer, draft, 1).json["type"] == "invalid-state"  # a draft cannot be received
    nothing = buyer.post(f"/purchase-orders/{draft['id']}/invoice")
    assert nothing.status_code == 409 and nothing.json["type"] == "invalid-state"
    assert buyer.post(f"/purchase-orders/{draft['id']}/confirm").status_code == 200
    twice = buyer.post(f"/purchase-orders/{draft['id']}/confirm")
    assert twice.status_code == 409 and twice.json["type"] == "invalid-state"
    over = _receive(buyer, draft, 6)
    assert over.status_code == 422 and over.json["type"] == "validation-error" and "lines" in over.json["errors"]
    assert _receive(buyer, draft, 2).status_code == 201
    late = buyer.post(f"/purchase-orders/{draft['id']}/cancel")
    assert late.status_code == 409 and late.json["type"] == "invalid-state"
    too_many_back = buyer.post("/purchase-returns", {"purchase_order_id": draft["id"],
                                                     "lines": [{"line_id": draft["lines"][0]["id"], "qty": 3}]})
    assert too_many_back.status_code == 422 and "lines" in too_many_back.json["errors"]
    other = _order(buyer, supplier.id, case, 1, confirm=True)
    cancelled = buyer.post(f"/purchase-orders/{other['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"

    unknown = buyer.post("/purchase-orders", {"supplier_id": supplier.id, "colour": "red",
                                              "lines": [{"product_id": case.id, "qty": 1, "size": "L"}]})
    assert unknown.status_code == 422 and set(unknown.json["errors"]) == {"colour", "lines.0.size"}
    assert list(_receive(buyer, {**draft, "lines": [{"id": 999999}]}, 1).json["errors"]) == ["lines"]
    bad_line = buyer.post("/purchase-orders", {"supplier_id": supplier.id, "lines": [
        {"product_id": case.id, "qty": 1}, {"product_id": case.id, "qty": -1}]})
    assert bad_line.status_code == 422 and list(bad_line.json["errors"]) == ["lines.1.qty"]
    assert buyer.post(f"/purchase-orders/{draft['id']}/confirm", {"force": True}).status_code == 422
    no_supplier = buyer.post("/purchase-orders", {"supplier_id": 999999, "lines": [{"product_id": case.id, "qty": 1}]})
    assert no_supplier.status_code == 404 and list(no_supplier.json["errors"]) == ["supplier_id"]
    no_order = buyer.post("/purchase-returns", {"purchase_order_id": 999999, "lines": [{"line_id": 1, "qty": 1}]})
    assert no_order.status_code == 404 and no_order.json["type"] == "not-found"
    for path in ("/purchase-orders/999999", "/suppliers/999999", "/purchase-invoices/999999",
                 "/purchase-receipts/999999", "/purchase-returns/999999"):
        response = owner.get(path)
        assert response.status_code == 404 and response.json["type"] == "not-found", path
    taken = buyer.post("/suppliers", {"name": supplier.name})
    assert taken.status_code == 409 and taken.json["type"] == "duplicate"
    bad = buyer.patch(f"/suppliers/{supplier.id}", {"lead_time_days": 400, "tags": "x"})
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"tags"}  # unknown fields first
    too_long = buyer.patch(f"/suppliers/{supplier.id}", {"lead_time_days": 400})
    assert too_long.status_code == 422 and list(too_long.json["errors"]) == ["lead_time_days"]
    changed = buyer.patch(f"/suppliers/{supplier.id}", {"phone": "0755-1234", "active": False})
    assert changed.status_code == 200 and (changed.json["phone"], changed.json["active"]) == ("0755-1234", False)
    assert buyer.get("/purchase-orders?status=shipped").status_code == 422


def test_reorder_suggestions_and_drafting_from_them(api, main):
    buyer = api("purchasing")
    low = factories.product(name="数据线", min_stock="10", max_stock="50", purchase_price="5.00")
    factories.stock(low, main, 3)
    orphan = factories.product(name="耳机", min_stock="5")  # no supplier known, no maximum: up to the minimum
    covered = factories.product(name="充电器", min_stock="5", max_stock="20")  # on order already
    fine = factories.product(name="贴膜", min_stock="2")
    factories.stock(fine, main, 2)
    supplier = _supplier(items=[(low, "12", "4.50"), (covered, "0", None)])
    _order(buyer, supplier.id, covered, 6, confirm=True)

    assert buyer.get("/reorder-suggestions").status_code == 422
    found = buyer.get(f"/reorder-suggestions?warehouse_id={main.id}")
    assert found.status_code == 200, found.json
    rows = {row["product_id"]: row for row in found.json["items"]}
    assert set(rows) == {low.id, orphan.id} and found.json["total"] == 2
    assert rows[low.id] == {"product_id": low.id, "sku": low.sku, "name": "数据线", "available": "3.000",
                            "on_order": "0.000", "min_stock": "10.000", "max_stock": "50.000",
                            "qty": "48.000", "supplier_id": supplier.id, "unit_price": "4.50"}  # 47 up to 4 x 12
    assert (rows[orphan.id]["qty"], rows[orphan.id]["supplier_id"], rows[orphan.id]["unit_price"]) == (
        "5.000", None, None)

    drafted = buyer.post("/purchase-orders/from-suggestions", {"warehouse_id": main.id})
    assert drafted.status_code == 201, drafted.json
    assert drafted.json["total"] == 1
    order = drafted.json["items"][0]
    assert (order["supplier_id"], order["status"], order["warehouse_id"]) == (supplier.id, "draft", main.id)
    assert [(line["product_id"], line["qty"], line["unit_price"]) for line in order["lines"]] == [
        (low.id, "48.000", "4.50")]
    assert buyer.get(f"/purchase-orders/{order['id']}").json == order
    assert buyer.post("/purchase-orders/from-suggestions", {}).status_code == 422


def test_a_retried_receipt_posts_once(api, main, case):
    buyer, store = api("purchasing"), api("warehouse")
    order = _order(buyer, _supplier().id, case, 5, confirm=True)
    first = _receive(store, order, 2, key="receipt-1")
    again = _receive(store, order, 2, key="receipt-1")
    assert first.status_code == 201 and (again.status_code, again.json) == (201, first.json)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _on_hand(store, case) == "12.000"
    assert store.get(f"/purchase-orders/{order['id']}").json["lines"][0]["received_qty"] == "2.000"
    changed = _receive(store, order, 3, key="receipt-1")
    assert changed.status_code == 422 and changed.json["type"] == "idempotency-key-reused"
    assert _on_hand(store, case) == "12.000"


def _resolve(doc, schema):
    if "$ref" in schema:
        return doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_openapi_describes_the_real_responses(api, main, case):
    owner = api("owner")
    supplier = owner.post("/suppliers", {"name": "深圳华南电子"}).json
    order = _order(owner, supplier["id"], case, 2, confirm=True)
    samples = {("/suppliers", "post"): supplier, ("/purchase-orders", "post"): order,
               ("/purchase-orders/{order_id}/receipts", "post"): _receive(owner, order, 2).json,
               ("/purchase-orders/{order_id}/invoice", "post"): owner.post(
                   f"/purchase-orders/{order['id']}/invoice").json}
    samples[("/payments", "post")] = owner.post("/payments", {"supplier_id": supplier["id"], "amount": "10",
                                                             "method": "cash"}).json
    back = {"purchase_order_id": order["id"], "lines": [{"line_id": order["lines"][0]["id"], "qty": 1}]}
    samples[("/purchase-returns", "post")] = owner.post("/purchase-returns", back).json
    doc = owner.get("/openapi.json").json
    for (path, method), body in samples.items():
        schema = _resolve(doc, doc["paths"][path][method]["responses"]["201"]["content"]["application/json"]["schema"])
        assert set(body) == set(schema["properties"]), path
        if "lines" in body:
            assert set(body["lines"][0]) == set(schema["properties"]["lines"]["items"]["properties"]), path
    assert "supplier_id" in _resolve(doc, doc["paths"]["/payments"]["post"]["requestBody"]["content"][
        "application/json"]["schema"])["properties"]
    for path in ("/reorder-suggestions", "/purchase-orders/from-suggestions", "/purchase-orders/{order_id}/cancel",
                 "/suppliers/{supplier_id}", "/purchase-invoices"):
        assert path in doc["paths"], path
