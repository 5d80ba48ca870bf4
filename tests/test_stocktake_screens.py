"""Stocktake screens: opening a count, the counting screen and its JSON scans (what the outbox sends), undo, the
running totals (blind counts hide what was expected), the owner's review with values, recount, posting and
cancelling, and who may open what."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.inventory.models import StockLevel
from app.stocktake.models import Stocktake, StocktakeStatus
from tests import factories

EN = {"Accept-Language": "en"}
CASE, CABLE = "6901234567892", "4006381333931"


def uid(n):
    return f"00000000-0000-4000-8000-{n:012d}"


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def shop(app):
    warehouse = factories.warehouse(name="主仓")
    case = factories.product(name="手机壳", barcode=CASE)
    cable = factories.product(name="数据线", barcode=CABLE, purchase_price="5.00")
    factories.stock(case, warehouse, 30, "10.00")
    factories.stock(cable, warehouse, 10, "5.00")
    return warehouse, case, cable


def open_count(client, warehouse, **fields):
    response = client.post("/stocktakes/new", data={"csrf_token": client.csrf, "warehouse_id": warehouse.id,
                                                    "category_id": "", "idempotency_key": "k-" + uid(0), **fields},
                           headers=EN)
    assert response.status_code == 302, html(response)
    return db.session.scalar(select(Stocktake).order_by(Stocktake.id.desc())), response.headers["Location"]


def send_scan(client, stocktake, scan_id, code, qty=None):
    body = {"scan_id": scan_id, "barcode": code, "counted_at": None}
    if qty is not None:
        body["qty"] = qty
    return client.post(f"/stocktakes/{stocktake.id}/scans", json=body,
                       headers={"X-CSRFToken": client.csrf, "Idempotency-Key": scan_id, **EN})


def test_the_warehouse_opens_a_count_and_counts_by_scanning(client, login, shop):
    warehouse, case, _cable = shop
    login("warehouse")
    stocktake, location = open_count(client, warehouse, name="月底盘点")
    assert location.endswith(f"/stocktakes/{stocktake.id}")
    page = html(client.get(location, headers=EN))
    assert "月底盘点" in page and "data-stocktake" in page and "data-scanbox" in page
    assert f'data-scan-url="/stocktakes/{stocktake.id}/scans"' in page

    first = send_scan(client, stocktake, uid(1), CASE, "3")
    assert first.status_code == 201
    assert first.json | {} == {"scan_id": uid(1), "product_id": case.id, "name": "手机壳", "unit": case.unit,
                               "qty": "3", "counted": "3", "created": True, "expected": "30"}
    again = send_scan(client, stocktake, uid(1), CASE, "3")
    assert again.status_code == 200 and again.json["counted"] == "3"
    unknown = send_scan(client, stocktake, uid(2), "0000000000000")
    assert unknown.status_code == 404 and "Unknown barcode 0000000000000" in unknown.json["message"]
    bad = send_scan(client, stocktake, uid(3), CASE, "-1")
    assert bad.status_code == 422 and bad.json["message"]
    assert client.post(f"/stocktakes/{stocktake.id}/scans", data="not json",
                       headers={"X-CSRFToken": client.csrf, **EN}).status_code == 422

    totals = html(client.get(f"/stocktakes/{stocktake.id}/lines", headers={"HX-Request": "true", **EN}))
    assert "手机壳" in totals and "/ 30" in totals
    reload = html(client.get(location, headers=EN))
    assert uid(1) in reload  # this counter's last scans come back after a reload, for undo

    undone = client.post(f"/stocktakes/{stocktake.id}/scans/{uid(1)}/undo", json={},
                         headers={"X-CSRFToken": client.csrf, **EN})
    assert undone.status_code == 200 and undone.json["undone"] is True
    assert send_scan(client, stocktake, uid(4), CASE).json["counted"] == "1"


def test_a_blind_count_hides_what_was_expected_from_counters(client, login, shop):
    warehouse, _case, _cable = shop
    login("warehouse")
    stocktake, location = open_count(client, warehouse, blind="y")
    assert stocktake.blind
    scanned = send_scan(client, stocktake, uid(1), CASE)
    assert "expected" not in scanned.json
    totals = html(client.get(f"/stocktakes/{stocktake.id}/lines", headers={"HX-Request": "true", **EN}))
    assert "手机壳" in totals and "/ 30" not in totals


def test_only_the_scanner_or_the_owner_undoes_a_scan(client, login, shop):
    warehouse, _case, _cable = shop
    from app.stocktake import services
    other = factories.user("warehouse")
    stocktake = services.open_stocktake(other, warehouse.id)
    services.record_scan(other, stocktake.id, uid(1), CASE)
    db.session.commit()
    login("warehouse")
    refused = client.post(f"/stocktakes/{stocktake.id}/scans/{uid(1)}/undo", json={},
                          headers={"X-CSRFToken": client.csrf, **EN})
    assert refused.status_code == 422
    assert "Only the person who scanned it" in refused.json["message"]


def test_the_owner_reviews_recounts_and_posts(client, login, shop):
    warehouse, case, cable = shop
    login("owner")
    stocktake, _ = open_count(client, warehouse)
    send_scan(client, stocktake, uid(1), CASE, "28")
    send_scan(client, stocktake, uid(2), CABLE, "12")
    review = html(client.get(f"/stocktakes/{stocktake.id}/review", headers=EN))
    assert "手机壳" in review and "-¥20.00" in review and "+2" in review and "¥10.00" in review
    only = html(client.get(f"/stocktakes/{stocktake.id}/review?show=differences", headers=EN))
    assert "手机壳" in only

    recounted = client.post(f"/stocktakes/{stocktake.id}/recount",
                            data={"csrf_token": client.csrf, "product_id": [cable.id]}, headers=EN)
    assert recounted.status_code == 303
    assert "To count again" in html(client.get(recounted.headers["Location"], headers=EN))
    send_scan(client, stocktake, uid(3), CABLE, "10")

    posted = client.post(f"/stocktakes/{stocktake.id}/post",
                         data={"csrf_token": client.csrf, "uncounted": "zero", "idempotency_key": "post-1"}, headers=EN)
    assert posted.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(Stocktake, stocktake.id).status == StocktakeStatus.POSTED
    levels = dict(db.session.execute(select(StockLevel.product_id, StockLevel.on_hand)).all())
    assert (levels[case.id], levels[cable.id]) == (Decimal(28), Decimal(10))
    closed = send_scan(client, stocktake, uid(4), CASE)
    assert closed.status_code == 409 and "takes no more scans" in closed.json["message"]
    assert "Posted" in html(client.get(f"/stocktakes/{stocktake.id}", headers=EN, follow_redirects=True))


def test_cancel_moves_nothing(client, login, shop):
    warehouse, case, _cable = shop
    login("owner")
    stocktake, _ = open_count(client, warehouse)
    send_scan(client, stocktake, uid(1), CASE, "2")
    response = client.post(f"/stocktakes/{stocktake.id}/cancel", data={"csrf_token": client.csrf}, headers=EN)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Stocktake, stocktake.id).status == StocktakeStatus.CANCELLED
    assert db.session.scalar(select(StockLevel.on_hand).where(StockLevel.product_id == case.id)) == Decimal(30)


def test_opening_without_a_warehouse_says_so(client, login, shop):
    login("warehouse")
    response = client.post("/stocktakes/new", data={"csrf_token": client.csrf, "warehouse_id": "",
                                                    "idempotency_key": "x"}, headers=EN)
    assert response.status_code == 422
    assert db.session.scalar(select(Stocktake.id)) is None


@pytest.mark.parametrize("role, index, review", [("sales", 403, 403), ("finance", 403, 403),
                                                 ("purchasing", 403, 403), ("warehouse", 200, 403)])
def test_who_may_open_what(client, login, shop, role, index, review):
    warehouse, _case, _cable = shop
    from app.stocktake import services
    count = services.open_stocktake(factories.user("owner"), warehouse.id)
    db.session.commit()
    login(role)
    assert client.get("/stocktakes/", headers=EN).status_code == index
    assert client.get(f"/stocktakes/{count.id}/review", headers=EN).status_code == review
