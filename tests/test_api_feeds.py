"""Change feeds on the API lists (updated_since, cursor, next_cursor, deleted) and ETags on single objects."""
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, update

from app.api import feed
from app.catalog.models import Product
from app.extensions import db
from app.feeds.models import Tombstone
from app.partners.models import Customer
from app.sales import services as sales
from app.sales.models import SalesOrder
from tests import factories

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
SINCE = "2026-03-01T16:00:00+08:00"  # T0, written in Beijing time


def _at(model, ids, when):
    """Put rows at a known change time (ties included), as if they had last changed then."""
    db.session.execute(update(model).where(model.id.in_(ids)).values(updated_at=when))
    db.session.commit()


def _products(n):
    made = [factories.product() for _ in range(n)]
    return [p.id for p in made]


def _feed(client, path, **params):
    query = urlencode(params)  # a "+" in an offset must be sent as %2B
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200, response.json
    return response.json


def test_without_updated_since_a_list_is_as_it_was(api):
    _products(2)
    body = api("owner").get("/products").json
    assert set(body) == {"items", "total", "page", "per_page"}
    assert [p["id"] for p in body["items"]] == sorted(p["id"] for p in body["items"])
    assert all("updated_at" in p for p in body["items"])


def test_a_feed_pages_in_change_order_ties_broken_by_id(api):
    owner = api("owner")
    ids = _products(5)
    _at(Product, ids[:3], T0 + timedelta(seconds=5))  # three at the same instant
    _at(Product, ids[3:], T0 + timedelta(seconds=1))  # two earlier
    first = _feed(owner, "/products", updated_since=SINCE, per_page=2)
    assert [p["id"] for p in first["items"]] == [ids[3], ids[4]]
    assert first["total"] == 5 and first["page"] == 1 and first["deleted"] == []
    assert first["items"][0]["updated_at"] == "2026-03-01T08:00:01+00:00"
    second = _feed(owner, "/products", cursor=first["next_cursor"], per_page=2)
    third = _feed(owner, "/products", cursor=second["next_cursor"], per_page=2)
    assert [p["id"] for p in second["items"] + third["items"]] == ids[:3]  # the tie, in id order
    assert second["total"] == 3 and third["total"] == 1
    # updated_since is inclusive; later than everything: nothing
    assert _feed(owner, "/products", updated_since="2026-03-01T08:00:05Z")["total"] == 3
    assert _feed(owner, "/products", updated_since="2026-03-01T08:00:06Z")["items"] == []
    # from the very start, in Beijing time (1899 in UTC): its cursor still reads back
    start = _feed(owner, "/sales-returns", updated_since="1900-01-01T00:00:00+08:00")  # none: the cursor stays there
    assert _feed(owner, "/sales-returns", cursor=start["next_cursor"])["items"] == []


def test_a_row_changed_while_paging_is_seen_again_never_skipped(api):
    owner = api("owner")
    ids = _products(3)
    _at(Product, ids, T0)
    first = _feed(owner, "/products", updated_since=SINCE, per_page=2)
    assert [p["id"] for p in first["items"]] == ids[:2]
    assert owner.patch(f"/products/{ids[0]}", {"name": "改名"}).status_code == 200  # already seen: comes again
    assert owner.patch(f"/products/{ids[2]}", {"name": "也改名"}).status_code == 200  # not yet seen: moves on
    rest = _feed(owner, "/products", cursor=first["next_cursor"], per_page=10)
    assert [p["id"] for p in rest["items"]] == [ids[0], ids[2]]
    assert rest["items"][0]["name"] == "改名"


def test_the_last_page_cursor_stays_behind_what_may_still_commit(api, monkeypatch):
    """A transaction stamps updated_at before it commits: the cursor of the last page never passes now - SETTLE,
    so a poll soon after sees the latest rows again (rather than miss a slow commit's)."""
    owner = api("owner")
    [product_id] = _products(1)  # changed just now
    first = _feed(owner, "/products", updated_since=SINCE)
    again = _feed(owner, "/products", cursor=first["next_cursor"])
    assert [p["id"] for p in again["items"]] == [product_id]
    monkeypatch.setattr(feed, "SETTLE", timedelta(0))
    settled = _feed(owner, "/products", cursor=again["next_cursor"])
    assert _feed(owner, "/products", cursor=settled["next_cursor"])["items"] == []


def test_deactivation_and_deletion_appear_in_the_feed(api):
    owner = api("owner")
    ids = _products(2)
    _at(Product, ids, T0)
    assert owner.patch(f"/products/{ids[0]}", {"active": False}).status_code == 200
    db.session.delete(db.session.get(Product, ids[1]))
    db.session.commit()
    body = _feed(owner, "/products", updated_since=SINCE)
    assert [(p["id"], p["active"]) for p in body["items"]] == [(ids[0], False)]
    assert [d["id"] for d in body["deleted"]] == [ids[1]]
    assert datetime.fromisoformat(body["deleted"][0]["deleted_at"]) > T0
    assert db.session.scalar(select(Tombstone.kind).where(Tombstone.object_id == ids[1])) == "product"
    # later than the deletion: gone from `deleted` too
    later = (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()
    assert _feed(owner, "/products", updated_since=later)["deleted"] == []


def test_a_closed_warehouse_is_in_the_feed_though_not_in_the_list(api):
    owner = api("owner")
    kept, closed = factories.warehouse(), factories.warehouse()
    closed.active = False
    db.session.commit()
    assert closed.id not in [w["id"] for w in owner.get("/warehouses").json["items"]]
    feed = _feed(owner, "/warehouses", updated_since=SINCE)
    assert {(w["id"], w["active"]) for w in feed["items"]} >= {(kept.id, True), (closed.id, False)}


def test_changes_a_row_does_not_write_itself_still_move_its_updated_at(api):
    """A second partial delivery changes only the lines (the status stays partially_delivered); a removed draft
    line changes only the collection; an invoice moves the customer's balance. Each moves updated_at."""
    owner = api("owner")
    warehouse = factories.warehouse()
    product = factories.product()
    factories.stock(product, warehouse, 10)
    customer = factories.customer()
    order = factories.order(customer, [(product, 5)], warehouse=warehouse, confirm=True)
    line_id = order.lines[0].id
    _at(SalesOrder, [order.id], T0)
    deliver = {"lines": [{"line_id": line_id, "qty": "1"}]}
    assert owner.post(f"/sales-orders/{order.id}/deliveries", deliver).status_code == 201
    _at(SalesOrder, [order.id], T0)
    assert owner.post(f"/sales-orders/{order.id}/deliveries", deliver).status_code == 201
    shown = owner.get(f"/sales-orders/{order.id}").json
    assert shown["status"] == "partially_delivered" and datetime.fromisoformat(shown["updated_at"]) > T0
    feed = _feed(owner, "/sales-orders", updated_since="2026-03-01T08:00:01Z")
    assert [o["id"] for o in feed["items"]] == [order.id]
    levels = _feed(owner, "/stock", updated_since=SINCE, product_id=product.id)["items"]
    assert [level["on_hand"] for level in levels] == ["8.000"]
    moves = _feed(owner, "/stock/moves", updated_since=SINCE, product_id=product.id)["items"]
    assert [m["qty"] for m in moves] == ["10.000", "-1.000", "-1.000"]  # oldest first, as a feed goes
    assert moves[0]["updated_at"] == moves[0]["created_at"]  # a move never changes

    _at(Customer, [customer.id], T0)
    assert owner.post(f"/sales-orders/{order.id}/invoice").status_code == 201
    customers = _feed(owner, "/customers", updated_since="2026-03-01T08:00:01Z")["items"]
    assert [c["id"] for c in customers] == [customer.id] and customers[0]["balance"] != "0.00"  # its balance moved

    draft = factories.order(customer, [(product, 1), (factories.product(), 2)], warehouse=warehouse)
    _at(SalesOrder, [draft.id], T0)
    sales.remove_line(factories._system_owner(), draft, draft.lines[1].id)
    db.session.commit()
    assert db.session.get(SalesOrder, draft.id).updated_at > T0


def test_the_feed_keeps_the_data_scope(api):
    salesperson = api("sales")
    mine = factories.customer(salesperson=salesperson.user)
    factories.customer()  # another's
    assert [c["id"] for c in _feed(salesperson, "/customers", updated_since=SINCE)["items"]] == [mine.id]


@pytest.mark.parametrize("query,field", [
    ("updated_since=2026-03-01T08:00:00", "updated_since"),  # no offset: which 08:00?
    ("updated_since=yesterday", "updated_since"), ("updated_since=2026-13-01T08:00:00Z", "updated_since"),
    ("cursor=bm90LWEtY3Vyc29y", "cursor"), ("cursor=%21%21", "cursor"),
    ("updated_since=2026-03-01T08:00:00Z&page=2", "page")])
def test_a_bad_point_or_cursor_is_refused(api, query, field):
    response = api("owner").get(f"/products?{query}")
    assert response.status_code == 422 and field in response.json["errors"]


def test_etag_and_if_none_match(api):
    owner = api("owner")
    [product_id] = _products(1)
    first = owner.get(f"/products/{product_id}")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.status_code == 200
    unchanged = owner.get(f"/products/{product_id}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b"" and unchanged.headers["ETag"] == etag
    assert owner.patch(f"/products/{product_id}", {"name": "新名字"}).status_code == 200
    changed = owner.get(f"/products/{product_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    # what a role sees is its own version: a warehouse user's copy has no prices, so another ETag
    assert api("warehouse").get(f"/products/{product_id}").headers["ETag"] != changed.headers["ETag"]


def test_a_gzipped_body_has_a_weak_etag_that_still_matches(api):
    owner = api("owner")
    customer = factories.customer(notes="很长的备注" * 300)  # over a kilobyte: gzipped
    gzipped = owner.get(f"/customers/{customer.id}", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip" and gzipped.headers["ETag"].startswith('W/"')
    again = owner.get(f"/customers/{customer.id}", headers={"Accept-Encoding": "gzip",
                                                            "If-None-Match": gzipped.headers["ETag"]})
    assert again.status_code == 304


def test_the_document_describes_feeds_and_etags(api):
    document = api("owner").get("/openapi.json").json
    products = document["paths"]["/products"]["get"]
    names = {p["name"] for p in products["parameters"]}
    assert {"updated_since", "cursor"} <= names
    envelope = products["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    assert {"next_cursor", "deleted"} <= set(envelope)
    assert "updated_at" in document["components"]["schemas"]["Product"]["properties"]
    show = document["paths"]["/products/{product_id}"]["get"]
    assert "If-None-Match" in {p["name"] for p in show["parameters"]}
    assert "304" in show["responses"] and "ETag" in show["responses"]["200"]["headers"]
    accounts = document["paths"]["/accounts"]["get"]
    assert "Not a change feed" in accounts["description"]
    assert "updated_since" not in {p["name"] for p in accounts.get("parameters", [])}
    feeds = [path for path, ops in document["paths"].items()
             if "updated_since" in {p["name"] for p in ops.get("get", {}).get("parameters", [])}]
    assert len(feeds) == 16  # with the webhook endpoints and their delivery logs
