"""Supplier performance and price trends: figures computed by hand from a few orders made through the services,
with their dates set on the rows so on time and late are fixed; and the analysis screens and who may see them."""
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.db_types import business_today
from app.extensions import db
from app.lines import QtyInput
from app.partners import suppliers
from app.purchasing import analysis, receiving
from app.purchasing import services as purchasing
from app.purchasing.services import LineInput
from tests import factories

D = Decimal


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    app.config["TIMEZONE"] = "Asia/Shanghai"


def utc(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.utc)


def order(s, supplier, lines, confirmed_at, expected_on=None, confirm=True):
    """A purchase order of (product, qty, price) lines, tax free, confirmed at `confirmed_at`."""
    made = purchasing.create_order(s.owner, supplier, s.main.id,
                                   [LineInput(p.id, D(q), D(price), D("0")) for p, q, price in lines])
    if confirm:
        purchasing.confirm_order(s.owner, made)
        made.confirmed_at = confirmed_at
    made.expected_on = expected_on or made.expected_on
    db.session.commit()
    return made


def receive(s, made, *qtys, at=None):
    receiving.receive(s.owner, made, [QtyInput(line.id, D(q)) for line, q in zip(made.lines, qtys)])
    if at is not None:
        made.received_at = at
    db.session.commit()


@pytest.fixture
def shop(app):
    """Supplier A: an order on time (10 days), one late by half an hour of local time (5 days, 2 returned), one
    half received, a draft and one confirmed long ago; both full ones invoiced. Supplier B: one order of the case."""
    today = business_today()
    s = SimpleNamespace(owner=factories.user("owner"), main=factories.warehouse("MAIN", "总仓"), today=today)
    s.case = factories.product(name="手机壳", sku="CASE", purchase_price="10.00")
    s.cable = factories.product(name="数据线", sku="CABLE", purchase_price="4.00")
    s.a = suppliers.create_supplier(s.owner, {"name": "深圳电子厂", "lead_time_days": 5, "payment_terms_days": 30})
    s.b = suppliers.create_supplier(s.owner, {"name": "东莞配件", "lead_time_days": 3, "payment_terms_days": 30})
    db.session.commit()
    due = today - timedelta(days=10)
    # 15:30 UTC is 23:30 in Shanghai, still the due day; 16:30 UTC is 00:30 the next day there: late.
    s.on_time = order(s, s.a, [(s.case, 10, "10.00")], utc(today - timedelta(days=20), 15, 30), due)
    receive(s, s.on_time, 10, at=utc(due, 15, 30))
    s.late = order(s, s.a, [(s.case, 10, "12.00")], utc(today - timedelta(days=15), 16, 30), due)
    receive(s, s.late, 10, at=utc(due, 16, 30))
    s.half = order(s, s.a, [(s.cable, 20, "4.00")], utc(today - timedelta(days=5), 1))
    receive(s, s.half, 10)
    order(s, s.a, [(s.cable, 100, "4.00")], None, confirm=False)
    s.old = order(s, s.a, [(s.cable, 7, "4.00")], utc(today - timedelta(days=200), 1))
    receive(s, s.old, 7)
    receiving.invoice_order(s.owner, s.on_time)
    receiving.invoice_order(s.owner, s.late)
    db.session.commit()
    receiving.return_goods(s.owner, s.late, [QtyInput(s.late.lines[0].id, D("2"))])
    db.session.commit()
    s.from_b = order(s, s.b, [(s.case, 5, "11.00")], utc(today - timedelta(days=3), 1))
    receive(s, s.from_b, 5)
    return s


def test_supplier_figures_are_exact(shop):
    figures = analysis.supplier_performance(shop.a.id)
    assert figures.orders == 3  # the draft and the order of 200 days ago do not count
    assert figures.received_orders == 2
    assert figures.on_time_pct == D("50.0")
    assert figures.lead_days == D("7.5")  # (10 + 5) / 2
    assert figures.fill_pct == D("75.0")  # 30 of 40 received
    assert figures.return_pct == D("6.7")  # 2 of 30 returned
    assert figures.spend == D("220.00")  # invoices as issued; the return's credit does not lower what was spent


def test_all_suppliers_biggest_spend_first(shop):
    rows = analysis.performance(analysis.period())
    assert [row.name for row in rows] == ["深圳电子厂", "东莞配件"]
    b = rows[1]
    assert (b.orders, b.received_orders, b.fill_pct, b.return_pct, b.spend) == (1, 1, D("100.0"), D("0.0"), D("0.00"))
    assert b.on_time_pct == D("100.0")


def test_the_period_chooses_the_orders(shop):
    long_ago = analysis.period(shop.today - timedelta(days=210), shop.today - timedelta(days=150))
    (a,) = analysis.performance(long_ago)
    assert (a.name, a.orders, a.fill_pct, a.on_time_pct, a.spend) == ("深圳电子厂", 1, D("100.0"), D("100.0"), D("0.00"))
    assert analysis.performance(analysis.period(shop.today + timedelta(days=1), shop.today + timedelta(days=2))) == []


def test_price_trend_per_supplier_oldest_first(shop):
    trend = analysis.price_trend(shop.case.id, analysis.period())
    assert {name: [p.unit_cost for p in points] for name, points in trend.items()} == {
        "深圳电子厂": [D("10.0000"), D("12.0000")], "东莞配件": [D("11.0000")]}
    yesterday = shop.today - timedelta(days=1)
    assert analysis.price_trend(shop.case.id, analysis.period(yesterday, yesterday)) == {}  # all posted today


def test_analysis_page_draws_the_charts(shop, client, login):
    login("purchasing")
    html = client.get("/purchase-orders/analysis").get_data(as_text=True)
    assert "深圳电子厂" in html and "东莞配件" in html and "<svg" in html
    assert "¥220.00" in html and "50 %" in html and "6.7 %" in html
    html = client.get(f"/purchase-orders/analysis?product_id={shop.case.id}").get_data(as_text=True)
    assert html.count("<polyline") == 2  # a line for each supplier of the case
    response = client.get("/purchase-orders/analysis?start=nonsense&end=2020-01-01")
    assert response.status_code == 200


def test_supplier_page_shows_performance(shop, client, login):
    login("finance")
    html = client.get(f"/suppliers/{shop.a.id}").get_data(as_text=True)
    assert 'id="supplier-performance"' in html and "75 %" in html and "7.5" in html


@pytest.mark.parametrize("role", ["sales", "warehouse"])
def test_others_may_not_see_the_analysis(shop, client, login, role):
    login(role)
    assert client.get("/purchase-orders/analysis").status_code == 403
