"""Webhooks end to end with a local receiver: the outbox is written with the change (and only then), each change
is one event, the signature verifies with the Standard Webhooks reference library, failures are retried on the
schedule (an injected clock, no waiting), and "send again" repeats a message under the same id."""
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from app.catalog import services as catalog
from app.db_types import utcnow
from app.extensions import db
from app.inventory.ledger import Move, Source, post_moves
from app.inventory.models import MoveKind
from app.sales import services as sales
from app.webhooks import delivery, services as webhooks
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookMessage
from tests import factories
from tests.webhook_receiver import Receiver


def _messages(event_type=None):
    query = select(WebhookMessage).order_by(WebhookMessage.id)
    if event_type:
        query = query.where(WebhookMessage.event_type == event_type)
    return db.session.scalars(query).all()


def _endpoint(owner, url="http://127.0.0.1:9/hook", events=("*",)):
    endpoint = webhooks.create_endpoint(owner, url, list(events))
    db.session.commit()
    return endpoint


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


def test_nothing_is_written_when_no_endpoint_listens(app):
    factories.product()
    assert _messages() == []
    owner = factories.user()
    _endpoint(owner, events=["customer.created"])
    factories.product()  # an event no endpoint wants
    assert _messages() == []
    factories.customer(name="听得见的客户")
    [message] = _messages()
    body = json.loads(message.body)
    assert body["type"] == "customer.created" and body["data"]["name"] == "听得见的客户"
    assert set(body) == {"type", "timestamp", "data"} and body["data"]["balance"] == "0.00"


def test_a_rolled_back_change_sends_nothing(app):
    _endpoint(factories.user())
    catalog.create_product(None, {"sku": "GONE-1", "name": "撤销的商品"})
    db.session.flush()
    db.session.rollback()
    assert _messages() == [] and db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    factories.product(sku="KEPT-1")  # the next transaction starts clean
    assert [m.event_type for m in _messages()] == ["product.created"]


def test_one_event_per_change(app):
    owner = factories.user()
    _endpoint(owner)
    product = catalog.create_product(owner, {"sku": "ONE-1", "name": "一次"}, barcode=None)
    db.session.flush()
    catalog.update_product(owner, product, {"name": "一次又改"})  # made and changed in one transaction: created
    db.session.commit()
    assert [m.event_type for m in _messages()] == ["product.created"]
    assert json.loads(_messages()[0].body)["data"]["name"] == "一次又改"
    catalog.update_product(owner, product, {"name": "第二次", "notes": "两个字段"})
    db.session.flush()
    catalog.update_product(owner, product, {"sale_price": Decimal("9.90")})  # two flushes, one transaction
    db.session.commit()
    assert [m.event_type for m in _messages()] == ["product.created", "product.updated"]
    catalog.update_product(owner, product, {"name": "第二次"})  # no change at all: no event
    db.session.commit()
    assert len(_messages()) == 2


def test_document_events_carry_the_api_body(app):
    owner = factories.user()
    _endpoint(owner, events=["sales_order.created", "sales_order.confirmed", "sales_order.cancelled"])
    warehouse, product = factories.warehouse(), factories.product(sale_price="25.00")
    factories.stock(product, warehouse, 10)
    customer = factories.customer()
    order = factories.order(customer, [(product, 2)], warehouse=warehouse, confirm=True)
    sales.cancel_order(owner, order)
    db.session.commit()
    assert [m.event_type for m in _messages()] == ["sales_order.created", "sales_order.confirmed",
                                                   "sales_order.cancelled"]
    created = json.loads(_messages()[0].body)["data"]
    # Made and confirmed in one transaction: both events, each with the order as that transaction left it.
    assert created["number"] == order.number and created["status"] == "confirmed"
    assert json.loads(_messages()[2].body)["data"]["status"] == "cancelled"
    assert created["lines"][0]["qty"] == "2.000" and created["total"]


def test_stock_crossing_min_and_max_once_per_crossing(app):
    owner = factories.user()
    _endpoint(owner, events=["stock.below_min", "stock.above_max"])
    warehouse = factories.warehouse()
    product = factories.product(min_stock=Decimal(5), max_stock=Decimal(20))

    def move(qty):
        kind = MoveKind.ADJUSTMENT_IN if qty > 0 else MoveKind.ADJUSTMENT_OUT
        post_moves(owner, Source("adjustment", None, "T"), [Move(product.id, warehouse.id, Decimal(qty), kind)])
        db.session.commit()

    move(10)   # 0 -> 10: was below min already, crosses nothing
    move(-6)   # 10 -> 4: below min
    move(-1)   # 4 -> 3: still below, no second event
    move(30)   # 3 -> 33: above max (and back over min: not an event)
    move(-30)  # 33 -> 3: below min again
    types = [m.event_type for m in _messages()]
    assert types == ["stock.below_min", "stock.above_max", "stock.below_min"]
    data = json.loads(_messages()[0].body)["data"]
    assert data.pop("updated_at")  # the level's, as GET /stock shows it
    assert data == {"product_id": product.id, "warehouse_id": warehouse.id, "on_hand": "4.000",
                    "reserved": "0.000", "available": "4.000"}


def test_delivery_is_signed_and_verifies_with_the_reference_library(app):
    owner = factories.user()
    with Receiver() as receiver:
        endpoint = _endpoint(owner, receiver.url)
        factories.customer(name="签名客户")
        assert delivery.deliver_due() == 1
        [(headers, body)] = receiver.requests
        verified = Webhook(endpoint.secret).verify(body, headers)
        assert verified["type"] == "customer.created" and verified["data"]["name"] == "签名客户"
        assert headers["webhook-id"] == _messages()[0].msg_id
        with pytest.raises(Exception):
            Webhook(webhooks.signing.new_secret()).verify(body, headers)  # another secret: refused
    [sent] = db.session.scalars(select(WebhookDelivery)).all()
    assert sent.status == DeliveryStatus.DELIVERED and sent.attempts == 1 and sent.response_status == 204
    assert delivery.deliver_due() == 0  # delivered once, never again


def test_a_failing_receiver_gets_retries_on_the_schedule_then_failed(app):
    owner = factories.user()
    with Receiver(statuses=[500]) as receiver:
        _endpoint(owner, receiver.url)
        factories.customer()
        clock = Clock()
        assert delivery.deliver_due(clock) == 1
        assert delivery.wait_for_next(clock.now) == 5  # the sending task queues itself for the first retry
        [row] = db.session.scalars(select(WebhookDelivery)).all()
        waits = []
        for expected in delivery.RETRY_DELAYS:
            db.session.refresh(row)
            assert row.status == DeliveryStatus.PENDING and row.response_status == 500
            assert "no thanks" in row.response_excerpt
            waits.append(row.next_attempt_at - clock.now)
            clock.now = row.next_attempt_at - timedelta(seconds=1)
            assert delivery.deliver_due(clock) == 0  # not due yet
            clock.now = row.next_attempt_at
            assert delivery.deliver_due(clock) == 1
        db.session.refresh(row)
        assert delivery.wait_for_next(clock.now) is None  # failed: nothing waits any more
        assert waits == list(delivery.RETRY_DELAYS) and sum(waits, timedelta()) > timedelta(hours=24)
        assert row.status == DeliveryStatus.FAILED and row.attempts == 8 and row.next_attempt_at is None
        assert len(receiver.requests) == 8
        assert len({headers["webhook-id"] for headers, _body in receiver.requests}) == 1  # one message, retried


def test_a_receiver_that_recovers_gets_the_message(app):
    owner = factories.user()
    with Receiver(statuses=[503, 200]) as receiver:
        _endpoint(owner, receiver.url)
        factories.customer()
        clock = Clock()
        delivery.deliver_due(clock)
        clock.now += timedelta(seconds=5)
        delivery.deliver_due(clock)
    [row] = db.session.scalars(select(WebhookDelivery)).all()
    assert row.status == DeliveryStatus.DELIVERED and row.attempts == 2


def test_an_unreachable_endpoint_is_logged_and_retried(app):
    owner = factories.user()
    with Receiver() as receiver:
        url = receiver.url
    _endpoint(owner, url)  # the receiver is gone: nothing listens on its port
    factories.customer()
    delivery.deliver_due()
    [row] = db.session.scalars(select(WebhookDelivery)).all()
    assert row.status == DeliveryStatus.PENDING and row.response_status is None and row.response_excerpt


def test_send_again_repeats_the_message_under_its_id(app):
    owner = factories.user()
    with Receiver() as receiver:
        _endpoint(owner, receiver.url)
        factories.customer()
        delivery.deliver_due()
        [first] = db.session.scalars(select(WebhookDelivery)).all()
        webhooks.send_again(owner, first)
        db.session.commit()
        assert delivery.deliver_due() == 1
    assert len(receiver.requests) == 2
    assert receiver.requests[0][0]["webhook-id"] == receiver.requests[1][0]["webhook-id"]
    assert receiver.requests[0][1] == receiver.requests[1][1]


def test_a_delivery_claimed_by_one_worker_is_not_sent_by_another(app):
    owner = factories.user()
    _endpoint(owner)
    factories.customer()
    [row] = db.session.scalars(select(WebhookDelivery)).all()
    now = utcnow()
    assert delivery.claim(row.id, now) is True
    assert delivery.claim(row.id, now) is False  # due again only after the claim lapses
    assert delivery.claim(row.id, now + delivery.CLAIM) is True


def test_after_commit_queues_the_delivery_task(app, monkeypatch):
    calls = []
    monkeypatch.setattr("app.tasks.deliver_webhooks", lambda: calls.append(1))
    _endpoint(factories.user())
    factories.customer()
    assert calls == []  # tests send only when they say so
    app.config["WEBHOOKS_SEND_AFTER_COMMIT"] = True
    factories.customer()
    factories.warehouse()  # no event: nothing queued
    assert calls == [1]


def test_a_new_barcode_is_a_product_update(app):
    owner = factories.user()
    product = factories.product(barcode="6920000000005")
    _endpoint(owner, events=["product.updated"])
    catalog.attach_barcode(owner, product, "6901234567892")
    db.session.commit()
    [message] = _messages()
    assert json.loads(message.body)["data"]["id"] == product.id


def test_a_turned_off_endpoint_gets_nothing_new_and_its_waiting_deliveries_wait(app):
    owner = factories.user()
    endpoint = _endpoint(owner)
    factories.customer()  # queued while on
    webhooks.update_endpoint(owner, endpoint, {"active": False})
    db.session.commit()
    factories.customer()  # off: not queued at all
    assert len(_messages()) == 1
    assert delivery.deliver_due() == 0  # the waiting one waits
    webhooks.update_endpoint(owner, endpoint, {"active": True})
    db.session.commit()
    assert delivery.due(utcnow()) != []


def test_old_messages_are_pruned_once_nothing_waits(app):
    owner = factories.user()
    with Receiver() as receiver:
        _endpoint(owner, receiver.url)
        factories.customer()
        factories.customer()
        delivery.deliver_due()
    waiting = db.session.scalars(select(WebhookDelivery)).first()
    waiting.status = DeliveryStatus.PENDING
    db.session.commit()
    later = utcnow() + delivery.KEEP + timedelta(minutes=1)
    assert delivery.prune(utcnow()) == 0  # not old yet
    assert delivery.prune(later) == 1  # the delivered one; the waiting one stays
    db.session.commit()
    assert [m.id for m in _messages()] == [waiting.message_id]


def test_documents_along_an_order_each_send_their_event(app):
    from app.lines import QtyInput
    from app.sales import fulfilment
    owner = factories.user()
    _endpoint(owner, events=["sales_order.confirmed", "sales_delivery.created", "sales_invoice.created",
                             "sales_return.created", "sales_receipt.created"])
    warehouse, product = factories.warehouse(), factories.product()
    factories.stock(product, warehouse, 10)
    order = factories.order(factories.customer(), [(product, 2)], warehouse=warehouse, confirm=True)
    delivery_doc = fulfilment.deliver(owner, order, [QtyInput(order.lines[0].id, Decimal(2))])
    db.session.commit()
    fulfilment.return_goods(owner, order, [QtyInput(order.lines[0].id, Decimal(2))], reason="退回")
    db.session.commit()
    assert [m.event_type for m in _messages()] == ["sales_order.confirmed", "sales_delivery.created",
                                                   "sales_return.created"]  # delivered, not billed: no slip
    assert json.loads(_messages()[1].body)["data"]["id"] == delivery_doc.id


def test_the_sweep_runs_every_minute():
    from datetime import datetime

    from app.tasks import huey, sweep_webhooks
    assert sweep_webhooks.task_class in huey._registry._periodic_tasks
    sweep = sweep_webhooks.task_class()
    assert all(sweep.validate_datetime(datetime(2026, 12, 6, hour, minute)) for hour in (0, 13) for minute in (0, 7, 59))
