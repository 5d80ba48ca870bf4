"""The catalog and stock endpoints of shared/API.md."""
from decimal import Decimal

import pytest

from app.checks import run_all
from app.extensions import db
from app.inventory.models import StockAdjustment
from tests import factories


@pytest.fixture
def main(app):
    return factories.warehouse("MAIN", "总仓")


def test_create_product_and_read_it_back(api, main):
    caller = api("owner")
    created = caller.post("/products", {"sku": "CASE-1", "name": "苹果手机壳", "barcode": "6901234567892",
                                        "sale_price": "25.5", "purchase_price": 12, "min_stock": "3"})
    assert created.status_code == 201, created.json
    body = created.json
    assert body["sale_price"] == "25.50" and body["purchase_price"] == "12.00" and body["min_stock"] == "3.000"
    assert caller.get(created.headers["Location"].removeprefix("/api/v1")).json == body
    assert caller.get("/products?q=pgsjk").json["total"] == 1
    assert caller.get("/products?q=pingguo").json["items"][0]["sku"] == "CASE-1"


@pytest.mark.parametrize("role, sale, purchase", [
    ("owner", True, True), ("purchasing", True, True), ("finance", True, True),
    ("sales", True, False), ("warehouse", False, False),
])
def test_prices_follow_the_role(api, main, role, sale, purchase):
    product = factories.product()
    body = api(role).get(f"/products/{product.id}").json
    assert ("sale_price" in body, "purchase_price" in body) == (sale, purchase)


def test_warehouse_may_not_set_prices(api, main):
    response = api("warehouse").post("/products", {"sku": "X1", "name": "数据线", "sale_price": "9"})
    assert response.status_code == 422 and "sale_price" in response.json["errors"]
    assert api("warehouse").post("/products", {"sku": "X1", "name": "数据线"}).status_code == 201


def test_a_maximum_without_a_minimum_is_a_range_from_zero(api, main):
    """Found by schemathesis: max_stock alone was compared with a minimum not yet defaulted (a 500)."""
    caller = api("owner")
    made = caller.post("/products", {"sku": "MAX-1", "name": "壳", "max_stock": "50"})
    assert made.status_code == 201 and (made.json["min_stock"], made.json["max_stock"]) == ("0.000", "50.000")
    below = caller.post("/products", {"sku": "MAX-2", "name": "壳", "min_stock": "60", "max_stock": "50"})
    assert below.status_code == 422 and "min_stock" in below.json["errors"]


def test_wrong_check_digit_and_duplicates(api, main):
    caller = api("owner")
    wrong = caller.post("/products", {"sku": "A", "name": "壳", "barcode": "6901234567890"})
    assert wrong.status_code == 422 and "6901234567892" in wrong.json["errors"]["barcode"][0]
    assert caller.post("/products", {"sku": "A", "name": "壳", "barcode": "6901234567892"}).status_code == 201
    assert caller.post("/products", {"sku": "a", "name": "壳2"}).json["type"] == "duplicate"
    again = caller.post("/products", {"sku": "B", "name": "壳3", "barcode": "6901234567892"})
    assert again.status_code == 409 and again.json["errors"]["barcode"]


def test_lookup_by_base_and_pack_barcode(app, api, main):
    from app.catalog import services as catalog
    product = factories.product(barcode="6901234567892")
    catalog.add_pack_unit(None, product, "箱", "12", barcode="16901234567899")
    db.session.commit()
    caller = api("sales")
    base = caller.get("/products/lookup?barcode=6901234567892").json
    pack = caller.get("/products/lookup?barcode=16901234567899").json
    assert (base["id"], base["scan_quantity"]) == (product.id, "1.000")
    assert (pack["id"], pack["scan_quantity"], pack["scan_unit"]) == (product.id, "12.000", "箱")
    assert caller.get("/products/lookup?barcode=000").status_code == 404


def test_patch_changes_only_what_is_sent(api, main):
    caller = api("purchasing")
    product = factories.product(name="钢化膜", min_stock="2")
    body = caller.patch(f"/products/{product.id}", {"sale_price": "30", "barcode": "12345670"}).json
    assert (body["sale_price"], body["name"], body["min_stock"], body["barcode"]) == ("30.00", "钢化膜", "2.000", "12345670")
    assert caller.patch(f"/products/{product.id}", {"colour": "red"}).status_code == 422
    assert caller.patch(f"/products/{product.id}", {"category": "没有/这个"}).status_code == 422


def test_warehouses(api, main):
    owner = api("owner")
    created = owner.post("/warehouses", {"code": "shop", "name": "门店", "is_default": True})
    assert created.status_code == 201 and created.json["code"] == "SHOP" and created.json["is_default"]
    listed = api("sales").get("/warehouses").json["items"]
    assert [w["code"] for w in listed] == ["SHOP", "MAIN"]
    assert owner.post("/warehouses", {"code": "SHOP", "name": "又一个"}).json["type"] == "duplicate"


def test_adjustment_posts_moves_and_levels(api, main):
    product = factories.product()
    caller = api("warehouse")
    response = caller.post("/stock/adjustments", {"warehouse_id": main.id, "reason": "期初",
                                                  "lines": [{"product_id": product.id, "qty": "10"}]})
    assert response.status_code == 201, response.json
    assert response.json["number"].startswith("ADJ-") and "unit_cost" not in response.json["lines"][0]
    level = caller.get(f"/stock?product_id={product.id}").json["items"][0]
    assert level.pop("updated_at")  # when the level last moved (app.api.feed)
    assert level == {"product_id": product.id, "warehouse_id": main.id, "on_hand": "10.000",
                     "reserved": "0.000", "available": "10.000"}
    moves = caller.get(f"/stock/moves?product_id={product.id}").json["items"]
    assert moves[0]["qty"] == "10.000" and moves[0]["document"] == response.json["number"]
    assert "unit_cost" not in moves[0]
    assert "unit_cost" in api("owner").get(f"/stock/moves?product_id={product.id}").json["items"][0]


def test_adjustment_refused_for_insufficient_stock_writes_nothing(api, main):
    product = factories.product(name="充电器")
    factories.stock(product, main, 2)
    response = api("owner").post("/stock/adjustments", {"warehouse_id": main.id, "reason": "报损",
                                                        "lines": [{"product_id": product.id, "qty": "-3"}]})
    assert response.status_code == 409 and response.json["type"] == "insufficient-stock"
    assert "充电器" in response.json["detail"]
    assert db.session.query(StockAdjustment).count() == 0
    assert run_all() == []


def test_nested_line_errors_name_the_line(api, main):
    response = api("owner").post("/stock/adjustments", {"warehouse_id": main.id, "reason": "x",
                                                        "lines": [{"product_id": 1, "qty": "abc", "extra": 1}]})
    assert response.status_code == 422
    assert {"lines.0.qty", "lines.0.extra"} <= set(response.json["errors"])


def test_adjustment_is_idempotent(api, main):
    product = factories.product()
    caller = api("owner")
    body = {"warehouse_id": main.id, "reason": "期初", "lines": [{"product_id": product.id, "qty": "1"}]}
    first = caller.post("/stock/adjustments", body, headers={"Idempotency-Key": "scan-1"})
    second = caller.post("/stock/adjustments", body, headers={"Idempotency-Key": "scan-1"})
    assert first.json == second.json
    assert caller.get(f"/stock?product_id={product.id}").json["items"][0]["on_hand"] == "1.000"


def test_transfer(api, main):
    shop = factories.warehouse("SHOP", "门店")
    product = factories.product()
    factories.stock(product, main, 5)
    caller = api("warehouse")
    response = caller.post("/stock/transfers", {"from_warehouse_id": main.id, "to_warehouse_id": shop.id,
                                                "lines": [{"product_id": product.id, "qty": 2}]})
    assert response.status_code == 201 and response.json["number"].startswith("TRF-")
    levels = {lv["warehouse_id"]: lv["on_hand"] for lv in caller.get(f"/stock?product_id={product.id}").json["items"]}
    assert levels == {main.id: "3.000", shop.id: "2.000"}
    assert caller.get(f"/stock/transfers/{response.json['id']}").json["lines"][0]["qty"] == "2.000"
    assert api("sales").get(f"/stock/transfers/{response.json['id']}").status_code == 403


def test_money_is_never_a_float(api, main):
    product = factories.product(sale_price="0.10")
    body = api("owner").get(f"/products/{product.id}").json
    assert body["sale_price"] == "0.10" and isinstance(body["sale_price"], str)
    assert Decimal(body["sale_price"]) * 3 == Decimal("0.30")
