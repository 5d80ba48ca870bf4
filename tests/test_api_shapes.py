"""One declaration per response shape: what the API sends is the declared Schema's dump, for each role's view, and
it validates against the OpenAPI document built from the same declaration."""
from datetime import date, datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from jsonschema import Draft202012Validator

from app.api import inventory, purchasing, sales
from app.api.schema import Choice, DateTime, DecimalString, Integer, ListOf, Nested, Schema, String
from app.sales.models import OrderStatus
from app.extensions import db
from app.inventory.models import StockAdjustment
from app.purchasing.models import PurchaseOrder, PurchaseReceipt, PurchaseReturn
from app.sales.models import SalesDelivery, SalesOrder, SalesReturn
from tests import factories

CASE = "6901234567892"
COST_KEYS = {"purchase_price", "unit_cost", "cost", "margin", "margin_pct", "value"}
PRICE_KEYS = {"sale_price", "unit_price", "discount_pct", "amount", "subtotal", "tax"}  # and a document's total
ROLES = ("owner", "sales", "warehouse", "purchasing", "finance")


@pytest.fixture
def world(api):
    """A business with one of every document, and the readings of each, path template -> path."""
    main, side = factories.warehouse("MAIN", "总仓"), factories.warehouse("SIDE", "分仓")
    case = factories.product(name="苹果手机壳", barcode=CASE, sale_price="25.00", purchase_price="10.00")
    factories.product(name="数据线", min_stock="5", max_stock="20")  # nothing in stock: to reorder
    factories.stock(case, main, 20, "10.00")
    owner, seller = api("owner"), api("sales")

    customer = seller.post("/customers", {"name": "华强电子"}).json
    order = seller.post("/sales-orders", {"customer_id": customer["id"], "lines": [
        {"product_id": case.id, "qty": 4, "discount_pct": "5"}]}).json
    assert seller.post(f"/sales-orders/{order['id']}/confirm").status_code == 200
    line = [{"line_id": order["lines"][0]["id"], "qty": 3}]
    delivery = owner.post(f"/sales-orders/{order['id']}/deliveries", {"lines": line}).json
    invoice = owner.post(f"/sales-orders/{order['id']}/invoice").json
    receipt = owner.post("/payments", {"customer_id": customer["id"], "amount": "10", "method": "cash"}).json
    owner.post("/sales-returns", {"sales_order_id": order["id"], "lines": [{**line[0], "qty": 1}]})
    sales_return = owner.get("/sales-returns").json["items"][0]

    supplier = owner.post("/suppliers", {"name": "深圳华南电子"}).json
    purchase = owner.post("/purchase-orders", {"supplier_id": supplier["id"], "lines": [
        {"product_id": case.id, "qty": 5, "unit_price": "9.50"}]}).json
    owner.post(f"/purchase-orders/{purchase['id']}/confirm")
    received = owner.post(f"/purchase-orders/{purchase['id']}/receipts", {"lines": [
        {"line_id": purchase["lines"][0]["id"], "qty": 5}]}).json
    bill = owner.post(f"/purchase-orders/{purchase['id']}/invoice").json
    owner.post("/payments", {"supplier_id": supplier["id"], "amount": "5", "method": "bank_transfer"})
    purchase_return = owner.post("/purchase-returns", {"purchase_order_id": purchase["id"], "lines": [
        {"line_id": purchase["lines"][0]["id"], "qty": 1}]}).json

    adjustment = owner.post("/stock/adjustments", {"warehouse_id": main.id, "reason": "盘盈", "lines": [
        {"product_id": case.id, "qty": "2", "unit_cost": "9.5"}]}).json
    transfer = owner.post("/stock/transfers", {"from_warehouse_id": main.id, "to_warehouse_id": side.id,
                                               "lines": [{"product_id": case.id, "qty": 3}]}).json
    count = owner.post("/stocktakes", {"warehouse_id": side.id}).json
    owner.post(f"/stocktakes/{count['id']}/scans", {"scan_id": "00000000-0000-4000-8000-000000000001",
                                                    "barcode": CASE, "qty": "2"})
    return owner, {
        "/me": "/me", "/users": "/users", "/users/{user_id}": f"/users/{seller.user.id}",
        "/products": "/products", "/products/{product_id}": f"/products/{case.id}",
        "/products/lookup": f"/products/lookup?barcode={CASE}", "/warehouses": "/warehouses", "/stock": "/stock",
        "/stock/moves": "/stock/moves", "/stock/adjustments/{adjustment_id}": f"/stock/adjustments/{adjustment['id']}",
        "/stock/transfers/{transfer_id}": f"/stock/transfers/{transfer['id']}",
        "/customers": "/customers", "/customers/{customer_id}": f"/customers/{customer['id']}",
        "/sales-orders": "/sales-orders", "/sales-orders/{order_id}": f"/sales-orders/{order['id']}",
        "/sales-deliveries/{delivery_id}": f"/sales-deliveries/{delivery['id']}",
        "/sales-returns": "/sales-returns", "/sales-returns/{return_id}": f"/sales-returns/{sales_return['id']}",
        "/sales-invoices": "/sales-invoices", "/sales-invoices/{invoice_id}": f"/sales-invoices/{invoice['id']}",
        "/payments": "/payments", "/payments/{payment_id}": f"/payments/{receipt['id']}",
        "/suppliers": "/suppliers", "/suppliers/{supplier_id}": f"/suppliers/{supplier['id']}",
        "/purchase-orders": "/purchase-orders", "/purchase-orders/{order_id}": f"/purchase-orders/{purchase['id']}",
        "/purchase-receipts/{receipt_id}": f"/purchase-receipts/{received['id']}",
        "/purchase-returns/{return_id}": f"/purchase-returns/{purchase_return['id']}",
        "/purchase-invoices": "/purchase-invoices",
        "/purchase-invoices/{invoice_id}": f"/purchase-invoices/{bill['id']}",
        "/reorder-suggestions": f"/reorder-suggestions?warehouse_id={main.id}",
        "/reports/sales": "/reports/sales?group_by=product", "/reports/inventory": "/reports/inventory",
        "/stocktakes/{stocktake_id}": f"/stocktakes/{count['id']}",
        "/stocktakes/{stocktake_id}/variance": f"/stocktakes/{count['id']}/variance"}


def _documented(doc: dict, template: str) -> Draft202012Validator:
    schema = doc["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": doc["components"]})


def _objects(body):
    """Every object in a body but list envelopes (whose `total` counts items)."""
    if isinstance(body, dict):
        if not {"items", "page"} <= set(body):
            yield body
        for value in body.values():
            yield from _objects(value)
    elif isinstance(body, list):
        for value in body:
            yield from _objects(value)


def _keys(body) -> set:
    return set().union(*(set(found) for found in _objects(body)))


@pytest.mark.parametrize("role", ROLES)
def test_every_reading_validates_against_the_document_and_keeps_to_the_role(api, world, role):
    owner, paths = world
    doc = owner.get("/openapi.json").json
    caller, read = api(role), 0
    for template, path in paths.items():
        response = caller.get(path)
        if response.status_code in (403, 404) and role != "owner":
            continue  # not this role's (or not in its scope)
        assert response.status_code == 200, (path, response.json)
        errors = [error.message for error in _documented(doc, template).iter_errors(response.json)]
        assert errors == [], (path, errors)
        keys, read = _keys(response.json), read + 1
        if role in ("sales", "warehouse"):
            assert not COST_KEYS & keys, (path, COST_KEYS & keys)
        if role == "warehouse":
            assert not PRICE_KEYS & keys, (path, PRICE_KEYS & keys)
            assert "total" not in keys, path
    assert read >= 10


def test_the_owner_gets_every_documented_field_of_each_document(world):
    owner, paths = world
    doc = owner.get("/openapi.json").json
    for template in ("/sales-orders/{order_id}", "/sales-returns/{return_id}", "/purchase-orders/{order_id}",
                     "/purchase-receipts/{receipt_id}", "/purchase-returns/{return_id}", "/products/{product_id}",
                     "/stock/adjustments/{adjustment_id}", "/sales-invoices/{invoice_id}"):
        body = owner.get(paths[template]).json
        schema = doc["components"]["schemas"][doc["paths"][template]["get"]["responses"]["200"]["content"][
            "application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
        assert set(body) == set(schema["properties"]), template
        if "lines" in body:
            assert set(body["lines"][0]) == set(schema["properties"]["lines"]["items"]["properties"]), template


@pytest.mark.parametrize("shape,model", [
    (sales.ORDER, SalesOrder), (sales.DELIVERY, SalesDelivery), (sales.RETURN, SalesReturn),
    (purchasing.ORDER, PurchaseOrder), (purchasing.RECEIPT, PurchaseReceipt), (purchasing.RETURN, PurchaseReturn),
    (inventory.ADJUSTMENT, StockAdjustment)])
def test_a_cost_blind_dump_has_no_cost_keys_and_fits_its_schema(world, shape: Schema, model):
    """Dumped for a warehouse user, straight from the declaration: no costs, no prices, still the documented shape."""
    found = db.session.scalars(db.select(model)).first()
    storekeeper, owner = factories.user("warehouse"), factories.user("owner")
    blind, full = shape.dump(found, storekeeper), shape.dump(found, owner)
    assert not (COST_KEYS | PRICE_KEYS | {"total"}) & _keys(blind)
    assert Draft202012Validator(shape.openapi()).is_valid(blind)
    assert _keys(blind) < _keys(full) and set(full) == set(shape.openapi()["properties"])


def test_dump_reads_each_field_from_its_source_and_writes_it_in_its_format():
    line = Schema("L", {"qty": DecimalString(3)})
    shape = Schema("T", {
        "price": DecimalString(2), "status": Choice(OrderStatus), "on": String(), "at": DateTime(),
        "supplier_id": Integer(source="supplier.id"), "number": String(source=lambda obj: obj.code.upper()),
        "cost": DecimalString(4, visible=lambda viewer: viewer == "boss"),
        "credit": DecimalString(2, when=lambda obj: obj.credit is not None), "lines": ListOf(Nested(line))})
    obj = SimpleNamespace(price=Decimal("1.005"), status=OrderStatus.DRAFT, on=date(2026, 1, 2),
                          at=datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc), supplier=None, code="po1",
                          cost=Decimal("2"), credit=None, lines=[{"qty": 1}])
    assert shape.dump(obj) == {"price": "1.01", "status": "draft", "on": "2026-01-02",
                               "at": "2026-01-02T03:04:00+00:00", "supplier_id": None, "number": "PO1",
                               "lines": [{"qty": "1.000"}]}
    assert shape.dump(obj, "boss", price=Decimal("3"))["cost"] == "2.0000"
    assert shape.dump(obj, "boss", price=Decimal("3"))["price"] == "3.00"  # given, not read
    assert Schema("R", {"a": Integer(), "b": Integer()}, sparse=True).dump({"a": 1}) == {"a": 1}
