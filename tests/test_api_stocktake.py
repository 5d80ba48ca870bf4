"""The stocktake API of shared/API.md: open, scans (201 then 200 for the same scan_id, 404 unknown), the batch used
for offline replay, variance, post, and 409 for a closed count; who may do what."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.inventory.models import StockLevel
from tests import factories

CASE, CABLE = "6901234567892", "4006381333931"


@pytest.fixture
def shop(app):
    warehouse = factories.warehouse()
    case = factories.product(name="手机壳", barcode=CASE)
    cable = factories.product(name="数据线", barcode=CABLE, purchase_price="5.00")
    factories.stock(case, warehouse, 30, "10.00")
    factories.stock(cable, warehouse, 10, "5.00")
    return warehouse, case, cable


def uid(n):
    return f"00000000-0000-4000-8000-{n:012d}"


def test_a_count_from_opening_to_posting(api, shop):
    warehouse, case, cable = shop
    counter, owner = api("warehouse"), api("owner")
    opened = counter.post("/stocktakes", json={"warehouse_id": warehouse.id, "name": "月底盘点"})
    assert opened.status_code == 201, opened.json
    count = opened.json
    assert (count["status"], count["lines"], count["counted_lines"]) == ("open", 2, 0)
    assert opened.headers["Location"].endswith(f"/stocktakes/{count['id']}")
    url = f"/stocktakes/{count['id']}"

    first = counter.post(f"{url}/scans", json={"scan_id": uid(1), "barcode": CASE, "qty": "28"})
    assert first.status_code == 201 and first.json == {"scan_id": uid(1), "product_id": case.id, "qty": "28.000",
                                                       "counted": "28.000"}
    again = counter.post(f"{url}/scans", json={"scan_id": uid(1), "barcode": CASE, "qty": "28"})
    assert again.status_code == 200 and again.json["counted"] == "28.000"
    unknown = counter.post(f"{url}/scans", json={"scan_id": uid(2), "barcode": "0000000000000"})
    assert unknown.status_code == 404 and unknown.json["type"].endswith("not-found")

    batch = counter.post(f"{url}/scans/batch", json={"scans": [
        {"scan_id": uid(1), "barcode": CASE, "qty": "28"},
        {"scan_id": uid(3), "barcode": CABLE, "counted_at": "2026-01-01T00:00:00Z"},
        {"scan_id": uid(4), "barcode": "nope"}, {"scan_id": uid(5), "barcode": CABLE, "qty": 10}]})
    assert batch.status_code == 200
    assert [(r["scan_id"], r["status"]) for r in batch.json["results"]] == [
        (uid(1), 200), (uid(3), 201), (uid(4), 404), (uid(5), 201)]
    replay = counter.post(f"{url}/scans/batch", json={"scans": [{"scan_id": uid(5), "barcode": CABLE, "qty": 10}]})
    assert replay.json["results"][0]["status"] == 200

    assert counter.get(f"{url}/variance").status_code == 403  # counters do not see what was expected
    variance = {row["product_id"]: row for row in owner.get(f"{url}/variance").json["rows"]}
    assert variance[case.id] == {"product_id": case.id, "sku": case.sku, "name": "手机壳", "expected": "30.000",
                                 "book": "30.000", "counted": "28.000", "difference": "-2.000", "value": "-20.00"}
    assert variance[cable.id]["difference"] == "1.000"

    posted = owner.post(f"{url}/post", json={})
    assert posted.status_code == 200 and posted.json["status"] == "posted"
    levels = dict(db.session.execute(select(StockLevel.product_id, StockLevel.on_hand)).all())
    assert (levels[case.id], levels[cable.id]) == (Decimal(28), Decimal(11))

    closed = counter.post(f"{url}/scans", json={"scan_id": uid(9), "barcode": CASE})
    assert closed.status_code == 409 and closed.json["type"].endswith("invalid-state")
    assert counter.post(f"{url}/scans/batch", json={"scans": [{"scan_id": uid(9), "barcode": CASE}]}).status_code == 409
    assert owner.post(f"{url}/post").status_code == 409


@pytest.mark.parametrize("body", [{"scan_id": "x", "barcode": CASE}, {"barcode": CASE},
                                  {"scan_id": uid(1), "barcode": CASE, "qty": "0"},
                                  {"scan_id": uid(1), "barcode": CASE, "qty": "lots"},
                                  {"scan_id": uid(1), "barcode": CASE, "counted_at": "yesterday"},
                                  {"scan_id": uid(1), "barcode": CASE, "extra": 1}])
def test_bad_scans_are_refused_with_422_and_count_nothing(api, shop, body):
    warehouse, case, _cable = shop
    counter = api("warehouse")
    count = counter.post("/stocktakes", json={"warehouse_id": warehouse.id}).json
    response = counter.post(f"/stocktakes/{count['id']}/scans", json=body)
    assert response.status_code == 422, response.json
    assert counter.get(f"/stocktakes/{count['id']}").json["counted_lines"] == 0


def test_who_may_count_and_post(api, shop):
    warehouse, _case, _cable = shop
    for role in ("sales", "purchasing", "finance"):
        assert api(role).post("/stocktakes", json={"warehouse_id": warehouse.id}).status_code == 403
    count = api("warehouse").post("/stocktakes", json={"warehouse_id": warehouse.id}).json
    assert api("warehouse").post(f"/stocktakes/{count['id']}/post").status_code == 403
    assert api("owner").get("/stocktakes/999999/variance").status_code == 404
    assert api("owner").post("/stocktakes", json={"warehouse_id": 999999}).status_code == 422


def test_posting_keeps_what_nobody_counted_unless_told_to_zero_it(api, shop):
    warehouse, case, cable = shop
    counter, owner = api("warehouse"), api("owner")

    def count_and_post(body):
        count = counter.post("/stocktakes", json={"warehouse_id": warehouse.id}).json
        assert counter.post(f"/stocktakes/{count['id']}/scans", json={"scan_id": uid(count["id"]), "barcode": CASE,
                                                                       "qty": "29"}).status_code == 201
        assert owner.post(f"/stocktakes/{count['id']}/post", json=body).status_code == 200
        db.session.expire_all()
        return dict(db.session.execute(select(StockLevel.product_id, StockLevel.on_hand)).all())

    assert count_and_post({}) == {case.id: Decimal(29), cable.id: Decimal(10)}  # the default changes nothing
    assert count_and_post({"uncounted": "keep"})[cable.id] == Decimal(10)
    assert count_and_post({"uncounted": "zero"})[cable.id] == Decimal(0)
    assert owner.post("/stocktakes/1/post", json={"uncounted": "maybe"}).status_code == 422


def test_a_second_open_count_of_the_same_products_is_409(api, shop):
    warehouse, _case, _cable = shop
    counter = api("warehouse")
    first = counter.post("/stocktakes", json={"warehouse_id": warehouse.id, "name": "月底盘点"}).json
    again = counter.post("/stocktakes", json={"warehouse_id": warehouse.id})
    assert again.status_code == 409 and again.json["type"].endswith("invalid-state")
    assert first["number"] in again.json["detail"]
    assert api("owner").post(f"/stocktakes/{first['id']}/post", json={}).status_code == 200
    assert counter.post("/stocktakes", json={"warehouse_id": warehouse.id}).status_code == 201
