"""Whole orders written in one pass (app.trade.drafts.add_lines): one audit entry listing the lines, a product given
twice merged, a refused line naming itself and changing nothing, the salesperson's price floor, and a number of SQL
statements that does not grow with the lines (the deterministic stand-in for the CPU a whole order costs)."""
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from app.audit.models import AuditEntry
from app.errors import BusinessRuleError
from app.extensions import db
from app.purchasing import reorder
from app.purchasing import services as purchasing
from app.sales import services as sales
from app.sales.models import SalesOrder
from app.trade import drafts
from tests import factories

D = Decimal


@pytest.fixture
def shop(app):
    """A salesperson's customer, a supplier, and 20 products in stock at 25.00 (13 % tax by default)."""
    owner, seller = factories.user("owner"), factories.user("sales")
    main = factories.warehouse("MAIN", "总仓")
    products = [factories.product(sku=f"P{i:02d}", name=f"商品{i}", sale_price="25.00") for i in range(20)]
    for product in products:
        factories.stock(product, main, 100)
    return SimpleNamespace(owner=owner, seller=seller, main=main, products=products,
                           buyer=factories.customer("华联超市", seller), vendor=factories.supplier("深圳电子厂"))


def entries(model_name: str, object_id: int) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == model_name,
                                                       AuditEntry.object_id == object_id)
                              .order_by(AuditEntry.id)).all()


def test_a_ten_line_order_is_one_audit_entry_listing_its_lines(shop):
    s = shop
    order = sales.create_order(s.seller, s.buyer, s.main.id, [sales.LineInput(p.id, i + 1)
                                                              for i, p in enumerate(s.products[:10])])
    db.session.commit()
    [entry] = entries("SalesOrder", order.id)
    assert entry.action == "sales_order.create" and entry.changes["customer"] == [None, "华联超市"]
    listed = entry.changes["lines"][1]
    assert [line["product"] for line in listed] == [[None, f"P{i:02d}"] for i in range(10)]
    assert listed[3] == {"product": [None, "P03"], "qty": [None, "4.000"], "unit_price": [None, "25.00"],
                         "discount_pct": [None, "0"], "tax_rate": [None, "13.00"]}
    assert [line.qty for line in order.lines] == [D(i + 1) for i in range(10)]
    assert order.subtotal == D("1375.00") and order.total == D("1553.75")  # 55 x 25.00, 13 % on top


def test_a_product_given_twice_or_already_on_the_draft_raises_its_quantity(shop):
    s = shop
    a, b, c = s.products[:3]
    order = sales.create_order(s.seller, s.buyer, s.main.id, [sales.LineInput(a.id, 2), sales.LineInput(b.id, 1),
                                                              sales.LineInput(a.id, 3)])
    db.session.commit()
    assert [(line.product_id, line.qty) for line in order.lines] == [(a.id, D("5")), (b.id, D("1"))]
    assert [line["qty"] for line in entries("SalesOrder", order.id)[0].changes["lines"][1]] == [[None, "5.000"],
                                                                                               [None, "1.000"]]
    touched = sales.add_lines(s.seller, order, [sales.LineInput(b.id, 4), sales.LineInput(c.id, 1),
                                                sales.LineInput(c.id, 1)])
    db.session.commit()
    assert [(line.product_id, line.qty) for line in touched] == [(b.id, D("5")), (c.id, D("2"))]
    assert [(line.product_id, line.qty) for line in order.lines] == [(a.id, D("5")), (b.id, D("5")), (c.id, D("2"))]
    assert order.subtotal == D("300.00")
    added = entries("SalesOrder", order.id)[-1]
    assert added.action == "sales_order.lines_add"
    assert added.changes["lines"][1] == [{"product": [None, "P01"], "qty": ["1.000", "5.000"]},
                                         {"product": [None, "P02"], "qty": [None, "2.000"], "unit_price": [None, "25.00"],
                                          "discount_pct": [None, "0"], "tax_rate": [None, "13.00"]}]
    # One line is the entry it has always been.
    sales.add_line(s.seller, order, sales.LineInput(a.id, 1))
    db.session.commit()
    assert entries("SalesOrder", order.id)[-1].action == "sales_order.line_update"
    assert entries("SalesOrder", order.id)[-1].changes == {"product": [None, "P00"], "qty": ["5.000", "6.000"]}


@pytest.mark.parametrize("unknown, qty, discount, field", [(True, "1", None, "product_id"), (False, "0", None, "qty"),
                                                          (False, "1e400", None, "qty"),
                                                          (False, "1", "101", "discount_pct")])
def test_one_bad_line_changes_nothing_and_names_the_line(shop, unknown, qty, discount, field):
    s = shop
    a, b, c = s.products[:3]
    order = factories.order(s.buyer, [(a, 2)], actor=s.seller, warehouse=s.main)
    before = (order.subtotal, order.total, len(entries("SalesOrder", order.id)))
    bad = sales.LineInput(999999 if unknown else c.id, qty, discount_pct=discount)
    with pytest.raises(BusinessRuleError) as refused:
        sales.add_lines(s.seller, order, [sales.LineInput(a.id, 3), sales.LineInput(b.id, 1), bad])
    assert refused.value.field == field and drafts.refused_line(refused.value) == 2
    # Nothing changed, even before the caller rolls back: the raised line is back at 2, no line of B.
    assert [(line.product_id, line.qty) for line in order.lines] == [(a.id, D("2"))]
    assert order.lines[0].amount == D("50.00") and (order.subtotal, order.total) == before[:2]
    db.session.rollback()
    assert [(line.product_id, line.qty) for line in db.session.get(SalesOrder, order.id).lines] == [(a.id, D("2"))]
    assert len(entries("SalesOrder", order.id)) == before[2]


def test_a_salesperson_below_the_floor_is_refused_the_owner_is_not(shop):
    s = shop
    a, b = s.products[:2]
    with pytest.raises(BusinessRuleError, match="22.50") as refused:
        sales.create_order(s.seller, s.buyer, s.main.id, [sales.LineInput(a.id, 1),
                                                          sales.LineInput(b.id, 1, unit_price="20.00")])
    assert refused.value.field == "unit_price" and drafts.refused_line(refused.value) == 1  # floor: 22.50
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SalesOrder)) == 0
    order = sales.create_order(s.owner, s.buyer, s.main.id, [sales.LineInput(a.id, 1),
                                                             sales.LineInput(b.id, 1, unit_price="20.00")])
    assert [line.unit_price for line in order.lines] == [D("25.00"), D("20.00")]


def test_the_api_names_the_refused_line_and_writes_nothing(api, shop):
    s = shop
    seller = api("sales")
    customer = factories.customer(salesperson=seller.user)
    lines = [{"product_id": p.id, "qty": "1"} for p in s.products[:5]]
    lines[3]["qty"] = "0"
    response = seller.post("/sales-orders", {"customer_id": customer.id, "lines": lines})
    assert response.status_code == 422 and list(response.json["errors"]) == ["lines.3.qty"]
    inactive = factories.product(sku="OLD")
    inactive.active = False
    db.session.commit()
    response = seller.post("/sales-orders", {"customer_id": customer.id, "lines": [
        *lines[:3], {"product_id": inactive.id, "qty": "1"}]})
    assert response.status_code == 422 and list(response.json["errors"]) == ["lines.3.product_id"]
    assert db.session.scalar(select(func.count()).select_from(SalesOrder)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action.like("sales_order.%"))) == 0


def test_purchase_orders_and_reorder_drafts_are_one_entry_each(shop):
    s = shop
    a, b = s.products[:2]
    order = purchasing.create_order(s.owner, s.vendor, s.main.id, [purchasing.LineInput(a.id, 5),
                                                                   purchasing.LineInput(b.id, 2, "9.50"),
                                                                   purchasing.LineInput(a.id, 5)])
    db.session.commit()
    assert [(line.product_id, line.qty, line.unit_price) for line in order.lines] == [
        (a.id, D("10"), D("10.00")), (b.id, D("2"), D("9.50"))]
    [entry] = entries("PurchaseOrder", order.id)
    assert entry.action == "purchase_order.create" and entry.changes["supplier"] == [None, "深圳电子厂"]
    assert [(line["product"], line["qty"], line["unit_price"]) for line in entry.changes["lines"][1]] == [
        ([None, "P00"], [None, "10.000"], [None, "10.00"]), ([None, "P01"], [None, "2.000"], [None, "9.50"])]
    from app.partners import suppliers
    for product in s.products[5:15]:
        product.min_stock, product.max_stock = D("500"), D("800")
        suppliers.set_item(s.owner, s.vendor, product.id, preferred=True, last_price="8.00")
    db.session.commit()
    [drafted] = reorder.draft_orders(s.owner, s.main.id)
    db.session.commit()
    assert len(drafted.lines) == 10 and {line.unit_price for line in drafted.lines} == {D("8.00")}
    assert [e.action for e in entries("PurchaseOrder", drafted.id)] == ["purchase_order.create"]


@contextmanager
def counted():
    """The SQL statements any engine (the requests' app has its own) sends meanwhile; an executemany counts once,
    as it is one round trip."""
    seen = []

    def note(*_args):
        seen.append(1)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def _created(client, customer_id, products) -> tuple[int, int]:
    body = {"customer_id": customer_id, "lines": [{"product_id": p.id, "qty": "2"} for p in products]}
    db.session.commit()  # the client commits the test's session before a request; done here, outside the count
    with counted() as seen:
        response = client.post("/sales-orders", body)
    assert response.status_code == 201, response.json
    return len(seen), response.json["id"]


def test_the_statements_a_whole_order_costs_do_not_grow_with_its_lines(api, shop):
    s = shop
    seller = api("sales")
    customer = factories.customer(salesperson=seller.user)
    _created(seller, customer.id, s.products[:2])  # the first request of a process reads what it keeps
    two, small = _created(seller, customer.id, s.products[:2])
    twenty, big = _created(seller, customer.id, s.products)
    assert twenty - two <= 2, (two, twenty)  # 10 lines cost 148 statements and 50 lines 1,688 before
    db.session.commit()
    with counted() as seen:
        assert seller.post(f"/sales-orders/{small}/confirm").status_code == 200
    db.session.commit()
    with counted() as more:
        assert seller.post(f"/sales-orders/{big}/confirm").status_code == 200
    assert len(more) - len(seen) <= 2, (len(seen), len(more))


def test_the_audit_log_lists_the_lines_in_chinese_and_english(client, login, shop):
    s = shop
    factories.order(s.buyer, [(p, 2) for p in s.products[:3]], actor=s.seller, warehouse=s.main)
    login("owner")
    chinese = client.get("/audit", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "新建订单" in chinese and "明细" in chinese and 'class="audit-lines"' in chinese
    assert "P02" in chinese and "数量 2.000" in chinese and "单价 25.00" in chinese
    assert "[None" not in chinese and "{&#39;product" not in chinese  # no Python lists on the page
    english = client.get("/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Order created" in english and "Quantity 2.000" in english and "Unit price 25.00" in english
