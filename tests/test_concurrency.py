"""Races against a real multi-process server (gunicorn), not the test client, on the test database."""
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.checks import run_all
from app.extensions import db
from app.inventory.models import StockAdjustment, StockLevel
from tests import factories
from tests.served import gunicorn


@pytest.fixture
def server(app, database, tmp_path):
    """gunicorn with 4 worker processes on the test database (the app opens no connection while importing, so the
    forked workers share none)."""
    with gunicorn(database, tmp_path, workers=4) as (url, _master):
        yield url


def _post(url: str, token: str, body: bytes, headers: dict | None = None, with_body: bool = False):
    """The answer's status (and its body, `with_body`)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, data = error.code, error.read()
    return (status, data) if with_body else status


def test_many_clients_removing_stock_never_oversell(app, server):
    """Adjustments and transfers (numbered by different counters, so not queued behind one another)
    take the same stock at once: exactly what was there goes out, no update is lost."""
    factories.user(role="owner")
    _clerk, token = factories.user_with_token(role="warehouse")
    main, shop = factories.warehouse("MAIN", "总仓"), factories.warehouse("SHOP", "门店")
    product = factories.product(name="热销耳机")
    factories.stock(product, main, 30)
    line = f'"lines": [{{"product_id": {product.id}, "qty": "-1"}}]'
    adjustment = f'{{"warehouse_id": {main.id}, "reason": "出库", {line}}}'.encode()
    transfer = (f'{{"from_warehouse_id": {main.id}, "to_warehouse_id": {shop.id}, '
                f'{line.replace(chr(34) + "-1" + chr(34), "1")}}}').encode()
    requests = [("adjustments", adjustment), ("transfers", transfer)] * 25

    def send(request):
        kind, body = request
        return kind, _post(f"{server}/api/v1/stock/{kind}", token, body)

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(send, requests))
    statuses = [status for _kind, status in results]
    assert sorted(set(statuses)) == [201, 409], statuses  # never a 500
    assert statuses.count(201) == 30
    moved_to_shop = sum(1 for kind, status in results if kind == "transfers" and status == 201)
    db.session.rollback()
    assert db.session.get(StockLevel, (product.id, main.id)).on_hand == Decimal("0")
    assert db.session.get(StockLevel, (product.id, shop.id)).on_hand == Decimal(moved_to_shop)
    numbers = sorted(db.session.scalars(select(StockAdjustment.number)))
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, len(numbers) + 1))  # gapless
    assert run_all() == []


def test_twins_sent_at_once_are_one_adjustment_answered_alike(app, server):
    """A client that retries before its first try is answered (a phone on a weak signal sends the same key again):
    one adjustment is made, and every copy gets its answer, however the copies interleave."""
    factories.user(role="owner")
    _clerk, token = factories.user_with_token(role="warehouse")
    main = factories.warehouse("MAIN", "总仓")
    product = factories.product(name="热销耳机")
    factories.stock(product, main, 100)
    body = f'{{"warehouse_id": {main.id}, "reason": "出库", "lines": [{{"product_id": {product.id}, "qty": "-1"}}]}}'
    keys = [f"twin-{n}" for n in range(6)]
    sent = [key for key in keys for _copy in range(4)]

    def send(key):
        return _post(f"{server}/api/v1/stock/adjustments", token, body.encode(), with_body=True,
                     headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(send, sent))
    assert {status for status, _body in answers} == {201}, answers  # never a 500, nor a 409
    bodies = {key: {body for (_status, body), sent_key in zip(answers, sent) if sent_key == key} for key in keys}
    assert all(len(answered) == 1 for answered in bodies.values())  # the copies all got the first answer
    db.session.rollback()
    assert db.session.get(StockLevel, (product.id, main.id)).on_hand == Decimal(100 - len(keys))
    assert run_all() == []
