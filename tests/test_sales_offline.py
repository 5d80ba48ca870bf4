"""Orders taken offline: what the phone keeps (scoped, no costs), and the sync endpoint that makes each order's draft
once ever, confirms it when asked (a refusal keeps the draft), and refuses bad input without writing anything."""
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.idempotency import IdempotencyRecord
from app.sales.models import OrderStatus, SalesOrder
from tests import factories

SYNC = "/orders/offline/sync"


@pytest.fixture
def road(app):
    """A salesperson with two customers (one wholesale, one with a credit limit of 100), a colleague's customer,
    and two products in the default warehouse, one of them sold to the wholesale customer before."""
    warehouse = factories.warehouse(code="MAIN", is_default=True)
    case = factories.product(sku="CASE", name="手机壳", barcode="6901234567892", sale_price="25.00",
                             wholesale_price="20.00", purchase_price="7.77")
    cable = factories.product(sku="CABLE", name="数据线", sale_price="15.00")
    factories.stock(case, warehouse, 10)
    factories.stock(cable, warehouse, 3)
    colleague = factories.user("sales")
    return {"warehouse": warehouse, "case": case, "cable": cable, "colleague": colleague,
            "other": factories.customer("别人的客户", colleague)}


def mine(road, seller):
    road["shop"] = factories.customer("老王小卖部", seller, price_level="wholesale")
    road["tight"] = factories.customer("赊账客户", seller, credit_limit="100")
    return road


def post(client, body, key=None):
    key = key or body.get("client_key") or "none"
    return client.post(SYNC, json=body, headers={"X-CSRFToken": client.csrf, "Idempotency-Key": key})


def order_body(customer, lines, confirm=False, key=None, **extra):
    return {"client_key": key or str(uuid.uuid4()), "customer_id": customer.id, "confirm": confirm,
            "lines": [{"product_id": product.id, "qty": qty} for product, qty in lines], **extra}


def orders() -> list[SalesOrder]:
    db.session.rollback()
    return list(db.session.scalars(select(SalesOrder).order_by(SalesOrder.id)))


def test_the_phone_keeps_own_customers_their_prices_and_stock_but_no_cost(client, login, road):
    seller = login("sales")
    mine(road, seller)
    factories.order(road["shop"], [(road["case"], 1, "21.00")], actor=seller, confirm=True)
    factories.order(road["shop"], [(road["case"], 1, "19.00")], actor=seller, confirm=True)  # agreed last at 19
    data = client.get("/orders/offline/data").get_json()

    assert [c["name"] for c in data["customers"]] == ["老王小卖部", "赊账客户"]  # never the colleague's
    products = {p["sku"]: p for p in data["products"]}
    case = products["CASE"]
    assert case["available"] == "8" and products["CABLE"]["available"] == "3"  # two reserved by the orders
    shop, tight = data["customers"]
    assert case["prices"][shop["prices"]] == "20.00" and case["prices"][tight["prices"]] == "25.00"
    assert case["prices"][0] == "25.00"  # retail, before a customer is chosen
    assert data["last_prices"] == {str(shop["id"]): {str(road["case"].id): "19.00"}}
    assert data["barcodes"]["6901234567892"] == [road["case"].id, "1"]
    assert "shoujike" in case["search"] and "sjk" in case["search"]  # pinyin and initials to search by
    text = client.get("/orders/offline/data").get_data(as_text=True)
    assert "purchase_price" not in text and "7.77" not in text and "avg_cost" not in text


def test_an_order_arrives_once_however_often_it_is_sent(client, login, road):
    seller = login("sales")
    mine(road, seller)
    body = order_body(road["shop"], [(road["case"], "2"), (road["cable"], 1)], notes="下午送")
    first = post(client, body)
    assert first.status_code == 201, first.get_json()
    answer = first.get_json()
    assert answer["created"] is True and answer["confirmed"] is False and answer["status"] == "draft"
    assert answer["url"] == f"/orders/{answer['id']}" and answer["number"].startswith("SO-")

    again = post(client, body)  # the outbox again, within 24 h: the first answer
    assert again.status_code == 200 and again.get_json()["id"] == answer["id"] and not again.get_json()["created"]
    # Days later the idempotency record is gone; the key on the order still says it arrived.
    db.session.execute(IdempotencyRecord.__table__.delete())
    db.session.commit()
    late = post(client, body)
    assert late.status_code == 200 and late.get_json()["number"] == answer["number"]

    [order] = orders()
    assert order.client_key == body["client_key"] and order.salesperson_id == seller.id
    assert order.status == OrderStatus.DRAFT and order.notes == "下午送"
    assert [(line.product.sku, line.qty, line.unit_price) for line in order.lines] == [
        ("CASE", Decimal("2"), Decimal("20.00")), ("CABLE", Decimal("1"), Decimal("15.00"))]


def test_confirm_when_asked_and_a_refusal_keeps_the_draft(client, login, road):
    seller = login("sales")
    mine(road, seller)
    ok = post(client, order_body(road["shop"], [(road["case"], 2)], confirm=True)).get_json()
    assert ok["confirmed"] is True and ok["status"] == "confirmed" and ok["refusal"] is None

    over = post(client, order_body(road["tight"], [(road["case"], 5)], confirm=True))  # 125 over a limit of 100
    assert over.status_code == 201
    refused = over.get_json()
    assert refused["confirmed"] is False and refused["status"] == "draft"
    assert "赊账客户" in refused["refusal"] and "100" in refused["refusal"]
    assert refused["number"] in refused["notice"] and refused["refusal"] in refused["notice"]  # said on any screen

    short = post(client, order_body(road["shop"], [(road["cable"], 4)], confirm=True)).get_json()
    assert short["confirmed"] is False and "数据线" in short["refusal"]

    made = orders()
    assert [o.status for o in made] == [OrderStatus.CONFIRMED, OrderStatus.DRAFT, OrderStatus.DRAFT]
    assert [o.number for o in made] == [ok["number"], refused["number"], short["number"]]
    from app.inventory.models import StockLevel
    levels = {level.product_id: level.reserved for level in db.session.scalars(select(StockLevel))}
    assert levels == {road["case"].id: Decimal("2"), road["cable"].id: Decimal("0")}  # refused: nothing reserved


def test_a_customer_out_of_scope_is_not_found_and_nothing_is_written(client, login, road):
    login("sales")
    response = post(client, order_body(road["other"], [(road["case"], 1)]))
    assert response.status_code == 404 and response.get_json()["type"] == "not-found"
    assert orders() == []


def test_the_owner_orders_for_any_customer(client, login, road):
    login("owner")
    response = post(client, order_body(road["other"], [(road["case"], 1)]))
    assert response.status_code == 201
    assert orders()[0].salesperson_id == road["colleague"].id  # the customer's salesperson


def test_another_users_key_is_refused(client, login, road):
    seller = login("sales")
    mine(road, seller)
    key = str(uuid.uuid4())
    factories.order(road["other"], [(road["case"], 1)], actor=road["colleague"])
    taken = orders()[0]
    taken.client_key = key
    db.session.commit()
    response = post(client, order_body(road["shop"], [(road["case"], 1)], key=key))
    assert response.status_code == 422 and response.get_json()["type"] == "idempotency-key-reused"
    assert len(orders()) == 1


@pytest.mark.parametrize("change, field", [
    (lambda b: b.update(lines=[]), "lines"),
    (lambda b: b.update(lines=[{"product_id": 999999, "qty": 1}]), "product_id"),
    (lambda b: b.update(lines=[{"product_id": "1", "qty": 1}]), "lines"),
    (lambda b: b["lines"][0].update(qty="0"), "qty"),
    (lambda b: b["lines"][0].update(qty="1e400"), "qty"),
    (lambda b: b["lines"][0].update(qty="NaN"), "qty"),
    (lambda b: b["lines"][0].update(price="1"), "lines"),
    (lambda b: b.update(customer_id=2 ** 70), "customer_id"),
    (lambda b: b.update(customer_id=True), "customer_id"),
    (lambda b: b.update(client_key="short"), "client_key"),
    (lambda b: b.update(confirm="yes"), "confirm"),
    (lambda b: b.update(notes="x" * 2001), "notes"),
    (lambda b: b.update(total="1"), "total"),
], ids=["no-lines", "unknown-product", "id-as-text", "zero", "huge", "nan", "unknown-line-field", "huge-id", "bool-id",
        "short-key", "confirm-text", "long-notes", "unknown-field"])
def test_bad_input_is_422_and_writes_nothing(client, login, road, change, field):
    seller = login("sales")
    mine(road, seller)
    body = order_body(road["shop"], [(road["case"], 1)], confirm=True)
    change(body)
    response = post(client, body)
    assert response.status_code == 422, response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["message"] and field in problem["errors"], problem
    assert orders() == []
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action.like("sales_order.%"))) == 0


def test_not_json_is_422(client, login, road):
    login("sales")
    response = client.post(SYNC, data="lines=1", headers={"X-CSRFToken": client.csrf})
    assert response.status_code == 422 and response.get_json()["message"]
    assert orders() == []


@pytest.mark.parametrize("role", ["warehouse", "finance", "purchasing"])
def test_only_those_who_sell_take_orders_offline(client, login, road, role):
    login(role)
    assert client.get("/orders/offline/data").status_code == 403
    assert post(client, {"client_key": str(uuid.uuid4())}).status_code == 403


def test_the_service_worker_keeps_the_offline_order_screen(client, login):
    """Stamped into the worker (static/sw.js KEPT), which fetches it with the user's cookies when asked."""
    source = client.get("/sw.js").get_data(as_text=True)
    assert 'const KEPT = ["/orders/offline"];' in source
    login("sales")
    page = client.get("/orders/offline").get_data(as_text=True)
    assert "data-offline-order" in page and 'data-sync-url="/orders/offline/sync"' in page
    assert 'data-offline-data="/orders/offline/data"' in page  # every page of a seller refreshes the kept copy
    assert client.get("/account").get_data(as_text=True).count("data-offline-status") == 1


@pytest.mark.parametrize("role, offered", [("sales", True), ("owner", True), ("warehouse", False), ("finance", False)])
def test_the_order_list_offers_the_offline_screen_to_those_who_sell(client, login, role, offered):
    login(role)
    page = client.get("/orders", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert ('href="/orders/offline"' in page and "离线下单" in page) == offered
