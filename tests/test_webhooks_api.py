"""Webhook endpoints over the API (shared/API.md "Integration") and on the owner's screens."""
import json
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.webhooks import delivery
from app.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage
from tests import factories
from tests.webhook_receiver import Receiver


def test_api_registers_lists_changes_and_deletes(api):
    owner = api("owner")
    made = owner.post("/webhooks", {"url": "https://erp.example.com/hooks", "events": ["product.created"],
                                    "description": "ERP"})
    assert made.status_code == 201, made.json
    body = made.json
    assert body["secret"].startswith("whsec_") and body["events"] == ["product.created"] and body["active"] is True
    assert made.headers["Location"].endswith(f"/api/v1/webhooks/{body['id']}")
    shown = owner.get(f"/webhooks/{body['id']}").json
    assert "secret" not in shown and shown["url"] == "https://erp.example.com/hooks"
    assert owner.get("/webhooks").json["items"] == [shown]
    changed = owner.patch(f"/webhooks/{body['id']}", {"events": ["*"], "active": False})
    assert changed.status_code == 200 and changed.json["events"] == ["*"] and changed.json["active"] is False
    assert owner.call("DELETE", f"/webhooks/{body['id']}").status_code == 204
    assert owner.get(f"/webhooks/{body['id']}").status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"url": "ftp://example.com/x", "events": ["*"]}, "url"),
    ({"url": "https://", "events": ["*"]}, "url"),
    ({"url": "https://example.com:99999/", "events": ["*"]}, "url"),
    ({"url": "https://example.com/", "events": ["product.deleted"]}, "events.0"),
    ({"url": "https://example.com/", "events": []}, "events"),
    ({"url": "https://example.com/"}, "events"),
    ({"url": "https://example.com/", "events": ["*"], "secret": "whsec_mine"}, "secret"),
])
def test_api_refuses_bad_endpoints(api, body, field):
    response = api("owner").post("/webhooks", body)
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


@pytest.mark.parametrize("role", ["sales", "warehouse", "purchasing", "finance"])
def test_only_the_owner_manages_webhooks(api, role):
    client = api(role)
    assert client.get("/webhooks").status_code == 403
    assert client.post("/webhooks", {"url": "https://example.com/", "events": ["*"]}).status_code == 403


def test_api_delivery_log(api):
    owner = api("owner")
    with Receiver(statuses=[500]) as receiver:
        made = owner.post("/webhooks", {"url": receiver.url, "events": ["customer.created"]}).json
        factories.customer(name="日志客户")
        delivery.deliver_due()
    log = owner.get(f"/webhooks/{made['id']}/deliveries").json
    assert log["total"] == 1
    [row] = log["items"]
    assert row["event_type"] == "customer.created" and row["status"] == "pending" and row["attempts"] == 1
    assert row["response_status"] == 500 and row["response_excerpt"] == "no thanks (500)"
    assert row["message_id"].startswith("msg_") and row["next_attempt_at"]


def test_the_openapi_document_describes_every_event(api):
    document = api("owner").get("/openapi.json").json
    hooks = document["webhooks"]
    assert "sales_order.confirmed" in hooks and "stock.below_min" in hooks and "webhook.test" in hooks
    post = hooks["product.created"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["data"] == {"$ref": "#/components/schemas/Product"}
    assert {p["name"] for p in post["parameters"]} == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert "Product" in document["components"]["schemas"] and "StockLevel" in document["components"]["schemas"]


def _secret(html: str) -> str:
    return re.search(r'>(whsec_[^<]+)<', html).group(1)


def test_owner_screens_register_test_resend_rotate_and_delete(client, login):
    login("owner")
    page = client.get("/settings/webhooks/new")
    assert page.status_code == 200 and "sales_order.confirmed" in page.get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    with Receiver() as receiver:
        made = client.post("/settings/webhooks/new", data={
            "csrf_token": client.csrf, "idempotency_key": key, "url": receiver.url, "description": "CRM",
            "events": ["customer.created", "customer.updated"], "active": "y"})
        assert made.status_code == 201
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        assert _secret(made.get_data(as_text=True)) == endpoint.secret
        assert endpoint.events == ["customer.created", "customer.updated"]
        shown = client.get(made.headers["Location"]).get_data(as_text=True)
        assert endpoint.secret not in shown and "CRM" in shown
        again = client.post("/settings/webhooks/new", data={  # a double tap: no second endpoint, no second secret
            "csrf_token": client.csrf, "idempotency_key": key, "url": receiver.url,
            "events": ["customer.created"]})
        assert again.status_code in (302, 303) and len(db.session.scalars(select(WebhookEndpoint)).all()) == 1

        assert client.post(f"/settings/webhooks/{endpoint.id}/test", data={"csrf_token": client.csrf}).status_code == 303
        assert delivery.deliver_due() == 1
        [(headers, body)] = receiver.requests
        assert json.loads(body)["type"] == "webhook.test"
        log = client.get(f"/settings/webhooks/{endpoint.id}").get_data(as_text=True)
        assert "Test event" in log or "测试事件" in log
        first = db.session.scalars(select(WebhookDelivery)).one()
        assert client.post(f"/settings/webhooks/{endpoint.id}/deliveries/{first.id}/again",
                           data={"csrf_token": client.csrf}).status_code == 303
        assert delivery.deliver_due() == 1 and len(receiver.requests) == 2

    old = endpoint.secret
    rotated = client.post(f"/settings/webhooks/{endpoint.id}/rotate", data={"csrf_token": client.csrf})
    db.session.refresh(endpoint)
    assert rotated.status_code == 201 and endpoint.secret != old and _secret(rotated.get_data(as_text=True)) == endpoint.secret
    assert client.post(f"/settings/webhooks/{endpoint.id}/delete", data={"csrf_token": client.csrf}).status_code == 303
    assert db.session.scalars(select(WebhookEndpoint)).all() == []
    assert db.session.scalars(select(WebhookDelivery)).all() == []
    assert len(db.session.scalars(select(WebhookMessage)).all()) == 1  # kept for other endpoints; nothing refers


def test_screen_form_errors_are_422_and_change_nothing(client, login):
    login("owner")
    response = client.post("/settings/webhooks/new", data={"csrf_token": client.csrf, "idempotency_key": "k1",
                                                           "url": "mailto:someone@example.com",
                                                           "events": ["customer.created"]})
    assert response.status_code == 422 and db.session.scalars(select(WebhookEndpoint)).all() == []
    response = client.post("/settings/webhooks/new", data={"csrf_token": client.csrf, "idempotency_key": "k2",
                                                           "url": "https://example.com/"})
    assert response.status_code == 422 and db.session.scalars(select(WebhookEndpoint)).all() == []


def test_edit_turns_an_endpoint_off_and_nothing_is_queued_for_it(client, login):
    login("owner")
    from app.webhooks import services
    endpoint = services.create_endpoint(factories.user(), "https://example.com/", ["customer.created"])
    db.session.commit()
    form = client.get(f"/settings/webhooks/{endpoint.id}/edit").get_data(as_text=True)
    assert 'value="https://example.com/"' in form
    saved = client.post(f"/settings/webhooks/{endpoint.id}/edit", data={
        "csrf_token": client.csrf, "url": "https://example.com/", "events": ["customer.created"]})
    assert saved.status_code == 303
    db.session.refresh(endpoint)
    assert endpoint.active is False
    factories.customer()
    assert db.session.scalars(select(WebhookMessage)).all() == []


def test_changes_made_over_the_api_send_one_event_each_and_refused_ones_none(api):
    owner = api("owner")
    owner.post("/webhooks", {"url": "https://erp.example.com/hooks", "events": ["product.created", "product.updated"]})
    made = owner.post("/products", {"sku": "HOOK-1", "name": "推送商品", "barcode": "6920000000005"})
    assert made.status_code == 201
    changed = owner.patch(f"/products/{made.json['id']}", {"name": "推送商品二", "sale_price": "30.00", "notes": "改"})
    assert changed.status_code == 200
    refused = owner.post("/products", {"sku": "HOOK-1", "name": "重复"})  # a taken SKU: 409, rolled back
    assert refused.status_code == 409
    messages = db.session.scalars(select(WebhookMessage).order_by(WebhookMessage.id)).all()
    assert [m.event_type for m in messages] == ["product.created", "product.updated"]
    assert json.loads(messages[1].body)["data"] == changed.json  # the same body the owner's GET gives


def test_endpoints_and_their_deliveries_are_feeds_too(api):
    """A monitoring tool syncs the endpoints (deletions included) and follows each delivery's attempts."""
    owner = api("owner")
    start = "2000-01-01T00:00:00Z"
    with Receiver(statuses=[500]) as receiver:
        made = owner.post("/webhooks", {"url": receiver.url, "events": ["customer.created"]}).json
        factories.customer(name="变更流客户")
        delivery.deliver_due()
    feed = owner.get(f"/webhooks?updated_since={start}").json
    assert [item["id"] for item in feed["items"]] == [made["id"]] and feed["next_cursor"] and feed["deleted"] == []
    [row] = owner.get(f"/webhooks/{made['id']}/deliveries?updated_since={start}").json["items"]
    assert row["attempts"] == 1 and row["updated_at"] >= row["created_at"]
    assert owner.call("DELETE", f"/webhooks/{made['id']}").status_code == 204
    after = owner.get(f"/webhooks?cursor={feed['next_cursor']}").json
    assert after["items"] == [] and [gone["id"] for gone in after["deleted"]] == [made["id"]]
