"""Stocktake screens: opening a count, the counting screen and its JSON scans (what the outbox sends), undo, the
running totals (blind counts hide what was expected), the owner's review with values, recount, posting and
cancelling, and who may open what."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.inventory.models import StockLevel, StockMove
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


# --- the review shows what posting books, and posting books what the review showed ------------------------------

def shown(page: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page).group(1).strip()


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


@pytest.fixture
def uncounted_shop(shop):
    """Besides the case and the cable, six products in stock that nobody will count."""
    warehouse, case, cable = shop
    others = []
    for n in range(6):
        product = factories.product(name=f"充电器{n}", purchase_price="7.25")
        factories.stock(product, warehouse, 5 + n, "7.25")
        others.append(product)
    return warehouse, case, cable, others


@pytest.mark.parametrize("uncounted", ["keep", "zero"])
def test_the_review_totals_are_what_posting_books(client, login, uncounted_shop, uncounted):
    warehouse, case, cable, others = uncounted_shop
    login("owner")
    stocktake, _ = open_count(client, warehouse)
    send_scan(client, stocktake, uid(1), CASE, "28")  # 2 missing at ¥10; the cable and six others not counted
    url = f"/stocktakes/{stocktake.id}/review" + ("" if uncounted == "keep" else "?uncounted=zero")
    page = html(client.get(url, headers=EN))
    assert re.search(rf'id="st-uncounted-{uncounted}" value="{uncounted}" checked', page)  # keep by default
    assert hidden(page, "uncounted") == uncounted
    zeroed = [cable, *others] if uncounted == "zero" else []
    expected_net = Decimal("-20") - sum((Decimal(5 + n) * Decimal("7.25") for n in range(6)), Decimal(0)) - 50 \
        if uncounted == "zero" else Decimal("-20")
    assert shown(page, "st-net") == shown(page, "st-loss") == f"-¥{-expected_net:,.2f}"
    assert shown(page, "st-moves") == str(1 + len(zeroed))
    per_product = dict(re.findall(r'data-product-id="(\d+)".*?data-value>([^<]*)<', page, re.S))

    posted = client.post(f"/stocktakes/{stocktake.id}/post", headers=EN, data={
        "csrf_token": client.csrf, "uncounted": hidden(page, "uncounted"), "booking": hidden(page, "booking"),
        "idempotency_key": hidden(page, "idempotency_key")})
    assert posted.status_code in (302, 303), html(posted)
    moves = {product_id: qty * cost for product_id, qty, cost in db.session.execute(
        select(StockMove.product_id, StockMove.qty, StockMove.unit_cost).where(StockMove.source_type == "stocktake"))}
    assert sum(moves.values()) == expected_net
    assert set(moves) == {case.id, *(p.id for p in zeroed)}
    for product_id, value in moves.items():  # each row's value is its move's
        assert per_product[str(product_id)] == f"-¥{-value:,.2f}"
    levels = dict(db.session.execute(select(StockLevel.product_id, StockLevel.on_hand)).all())
    assert levels[cable.id] == (0 if uncounted == "zero" else 10)


def test_changing_the_choice_swaps_the_booking_and_a_stale_booking_posts_nothing(client, login, uncounted_shop):
    warehouse, _case, cable, _others = uncounted_shop
    login("owner")
    stocktake, _ = open_count(client, warehouse)
    send_scan(client, stocktake, uid(1), CASE, "28")
    fragment = html(client.get(f"/stocktakes/{stocktake.id}/review?show=all&uncounted=zero",
                               headers={"HX-Request": "true", **EN}))
    assert fragment.lstrip().startswith('<div id="st-review"') and "<html" not in fragment
    assert 'hx-trigger="change"' in fragment and 'hx-target="#st-review"' in fragment
    assert "hx-confirm=" in fragment and "onsubmit" not in fragment  # no inline handler: the CSP would drop it
    form = {"csrf_token": client.csrf, "uncounted": hidden(fragment, "uncounted"),
            "booking": hidden(fragment, "booking"), "idempotency_key": hidden(fragment, "idempotency_key")}

    send_scan(client, stocktake, uid(2), CABLE, "9")  # a counter scans while the owner reads the figures
    stale = client.post(f"/stocktakes/{stocktake.id}/post", data=form, headers=EN)
    assert stale.status_code == 422
    assert "The figures changed while you were reviewing them" in html(stale)
    db.session.expire_all()
    assert db.session.get(Stocktake, stocktake.id).is_open
    assert db.session.scalar(select(func.count()).select_from(StockMove)
                             .where(StockMove.source_type == "stocktake")) == 0
    assert hidden(html(stale), "booking") != form["booking"]  # the new figures, ready to post


def test_a_second_count_of_the_same_warehouse_is_refused_on_the_form(client, login, shop):
    warehouse, _case, _cable = shop
    login("warehouse")
    first, _ = open_count(client, warehouse, name="月底盘点")
    response = client.post("/stocktakes/new", data={"csrf_token": client.csrf, "warehouse_id": warehouse.id,
                                                    "category_id": "", "idempotency_key": "k-2"})
    assert response.status_code == 422
    page = html(response)
    assert f"已有一张未完成的盘点单" in page and f"{first.number} 月底盘点" in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count()).select_from(Stocktake)) == 1
