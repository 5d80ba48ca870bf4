"""Inventory reports: every figure against a small ledger worked out by hand, and the screens, exports and roles.

The moves go through the real ledger (post_moves and the adjustment and transfer services), so the unit cost each
carries is the snapshot the ledger gave it; only their timestamps are chosen, to put them on the days below.

Product P (CASE), days relative to today, local time (Asia/Shanghai) 10:00:
  -30 opening 10 @ 5.00 in MAIN                     avg 5.00
  -15 purchase receipt 10 @ 8.00 into MAIN          avg 6.50
  -14 sales delivery 4 from MAIN (at 6.50 = 26.00)
  -13 sales return 1 into MAIN at its cost 6.50
  -12 damage 2 in MAIN (at 6.50 = 13.00)
  -11 transfer 2 MAIN -> SIDE (at 6.50)
   -5 purchase receipt 3 @ 10.00 into MAIN          avg (6.5 x 15 + 30) / 18 = 7.0833
   -3 sales delivery 5 from MAIN (at 7.0833 = 35.4165)
Q (CABLE): -30 opening 100 @ 1.00, -15 delivery 50. T: -30 opening 10 @ 2.00, -15 delivery 2.
U: -30 opening 10 @ 1.00, -15 delivery 1. R (dead): -200 opening 5 @ 20.00, never sold.
S: -200 opening 10 @ 3.00, -150 delivery 1. V: one unit @ 1.00 at 23:30 the evening before the period and one at
00:30 on its first day (the period's edges are local midnights, not UTC ones).
The period P1 is days -20 .. -10 (11 days).
"""
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest

from app.db_types import business_today
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.ledger import Move, Source, post_moves
from app.inventory.models import AdjustmentKind, MoveKind, StockLevel, StockMove
from app.inventory.services import LineInput
from app.reports import inventory as reports
from app.reports.inventory import Scope
from app.reports.periods import Period
from tests import factories

D = Decimal
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english(app, request):
    apps = [app] + ([request.getfixturevalue("client").application] if "client" in request.fixturenames else [])
    for each in apps:
        each.config["BABEL_DEFAULT_LOCALE"] = "en"
        each.config["TIMEZONE"] = "Asia/Shanghai"
    if len(apps) > 1:  # the screens pick the language from the browser's Accept-Language
        request.getfixturevalue("client").environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@contextmanager
def at(day, hour=10, minute=0):
    """Moves posted inside get this local time as their created_at (the ledger itself is untouched)."""
    with patch("app.inventory.ledger.utcnow", return_value=datetime.combine(day, time(hour, minute), tzinfo=ZONE)):
        yield


def move(s, day, product, qty, kind, cost=None, warehouse=None, hour=10, minute=0):
    with at(s.today + timedelta(days=day), hour, minute):
        post_moves(s.owner, Source(kind.value, None, kind.value.upper()),
                   [Move(product.id, (warehouse or s.main).id, D(qty), kind, unit_cost=D(cost) if cost else None)])
    db.session.commit()


@pytest.fixture
def shop(app):
    today = business_today()
    s = SimpleNamespace(today=today, owner=factories.user("owner"), main=factories.warehouse("MAIN", "总仓"),
                        side=factories.warehouse("SIDE", "门店"), p1=Period(today - timedelta(days=20),
                                                                          today - timedelta(days=10)))
    s.cases, s.cables = factories.category("手机壳"), factories.category("数据线")
    s.p = factories.product(sku="CASE", name="手机壳", category_id=s.cases.id)
    s.q = factories.product(sku="CABLE", name="数据线", category_id=s.cables.id)
    s.t = factories.product(sku="T", name="贴膜", category_id=s.cables.id)
    s.u = factories.product(sku="U", name="耳机", category_id=s.cables.id)
    s.r = factories.product(sku="R", name="旧款壳", category_id=s.cases.id)
    s.s = factories.product(sku="S", name="充电器", category_id=s.cables.id)
    s.v = factories.product(sku="V", name="挂绳")
    opening, delivery = MoveKind.OPENING, MoveKind.SALES_DELIVERY
    move(s, -30, s.p, 10, opening, "5.00")
    move(s, -15, s.p, 10, MoveKind.PURCHASE_RECEIPT, "8.00")
    move(s, -14, s.p, -4, delivery)
    move(s, -13, s.p, 1, MoveKind.SALES_RETURN, "6.50")
    with at(today - timedelta(days=12)):
        inventory.create_adjustment(s.owner, s.main.id, AdjustmentKind.DAMAGE, "摔坏", [LineInput(s.p.id, D(-2))])
        db.session.commit()
    with at(today - timedelta(days=11)):
        inventory.create_transfer(s.owner, s.main.id, s.side.id, [LineInput(s.p.id, D(2))])
        db.session.commit()
    move(s, -5, s.p, 3, MoveKind.PURCHASE_RECEIPT, "10.00")
    move(s, -3, s.p, -5, delivery)
    for product, qty, cost, sold in ((s.q, 100, "1.00", 50), (s.t, 10, "2.00", 2), (s.u, 10, "1.00", 1)):
        move(s, -30, product, qty, opening, cost)
        move(s, -15, product, -sold, delivery)
    move(s, -200, s.r, 5, opening, "20.00")
    move(s, -200, s.s, 10, opening, "3.00")
    move(s, -150, s.s, -1, delivery)
    move(s, -21, s.v, 1, opening, "1.00", hour=23, minute=30)
    move(s, -20, s.v, 1, opening, "1.00", hour=0, minute=30)
    return s


def by_sku(rows):
    return {row["sku"]: row for row in rows}


def test_ledger_costs_are_the_snapshots_worked_out_above(shop):
    costs = [m.unit_cost for m in db.session.scalars(db.select(StockMove).where(StockMove.product_id == shop.p.id)
                                                     .order_by(StockMove.id))]
    assert costs == [D("5.0000"), D("8.0000"), D("6.5000"), D("6.5000"), D("6.5000"), D("6.5000"), D("6.5000"),
                     D("10.0000"), D("7.0833")]


def test_stock_value_by_warehouse_and_category(shop):
    warehouses, categories = reports.stock_value(Scope(), with_value=True)
    # MAIN: P 11 x 7.0833, Q 50, T 8 x 2, U 9, R 5 x 20, S 9 x 3, V 2; SIDE: P 2 x 7.0833
    main, side = warehouses
    assert (main.label, main.products, main.on_hand, main.value) == ("MAIN 总仓", 7, D("94.000"), D("281.92"))
    assert (side.label, side.products, side.on_hand, side.value) == ("SIDE 门店", 1, D("2.000"), D("14.17"))
    assert [(c.label, c.on_hand, c.value) for c in categories] == [
        ("手机壳", D("18.000"), D("192.08")), ("数据线", D("76.000"), D("102.00")), ("", D("2.000"), D("2.00"))]
    _w, cases_only = reports.stock_value(Scope(warehouse_id=shop.side.id, category_id=shop.cases.id), with_value=True)
    assert [(c.label, c.on_hand, c.value) for c in cases_only] == [("手机壳", D("2.000"), D("14.17"))]
    warehouses, _c = reports.stock_value(Scope(), with_value=False)
    assert warehouses[0].value is None and warehouses[0].on_hand == D("94.000")


def test_movement_summary_for_a_past_period(shop):
    report = reports.movement(shop.p1, Scope(), with_value=True)
    rows = by_sku(report.rows)
    assert set(rows) == {"CASE", "CABLE", "T", "U", "R", "S", "V"}
    p = rows["CASE"]  # the transfer is inside the business: left out across all warehouses
    assert [p[k] for k in reports.MOVEMENT_FIELDS] == [D("10.000"), D("11.000"), D("6.000"), D("15.000")]
    assert [p[k] for k in reports.MOVEMENT_VALUES] == [D("50.00"), D("86.50"), D("39.00"), D("97.50")]
    v = rows["V"]  # 23:30 the evening before is opening; 00:30 on the first day is in the period
    assert (v["opening_qty"], v["in_qty"], v["closing_qty"]) == (D("1.000"), D("1.000"), D("2.000"))
    assert rows["CABLE"]["out_value"] == D("50.00") and rows["R"]["closing_value"] == D("100.00")
    assert (report.totals["in_qty"], report.totals["out_qty"]) == (D("12.000"), D("59.000"))  # P + V; P, Q, T, U
    assert report.totals["opening_value"] == D("308.00")  # P 50, Q 100, T 20, U 10, R 100, S 27, V 1


def test_movement_summary_per_warehouse_counts_transfers(shop):
    main = by_sku(reports.movement(shop.p1, Scope(warehouse_id=shop.main.id), with_value=True).rows)["CASE"]
    assert [main[k] for k in reports.MOVEMENT_FIELDS] == [D("10.000"), D("11.000"), D("8.000"), D("13.000")]
    assert [main[k] for k in reports.MOVEMENT_VALUES] == [D("50.00"), D("86.50"), D("52.00"), D("84.50")]
    side = reports.movement(shop.p1, Scope(warehouse_id=shop.side.id), with_value=True)
    assert [(r["sku"], r["in_qty"], r["in_value"], r["closing_qty"]) for r in side.rows] == [
        ("CASE", D("2.000"), D("13.00"), D("2.000"))]


def test_movement_summary_to_today_closes_at_the_stock_on_hand(shop):
    report = reports.movement(Period(shop.p1.start, shop.today), Scope(), with_value=True)
    p = by_sku(report.rows)["CASE"]
    assert [p[k] for k in reports.MOVEMENT_FIELDS] == [D("10.000"), D("14.000"), D("11.000"), D("13.000")]
    assert [p[k] for k in reports.MOVEMENT_VALUES] == [D("50.00"), D("116.50"), D("74.42"), D("92.08")]
    on_hand = dict(db.session.execute(db.select(StockLevel.product_id, db.func.sum(StockLevel.on_hand))
                                      .group_by(StockLevel.product_id)).all())
    for row in report.rows:
        assert row["closing_qty"] == on_hand[row["product_id"]], row["sku"]
    assert report.totals["closing_qty"] == sum(on_hand.values())


def test_movement_summary_pages_keep_whole_report_totals(shop):
    first = reports.movement(shop.p1, Scope(), with_value=False, page=1, per_page=3)
    second = reports.movement(shop.p1, Scope(), with_value=False, page=3, per_page=3)
    assert [r["sku"] for r in first.rows] == ["CABLE", "CASE", "R"] and first.has_next and first.count == 7
    assert [r["sku"] for r in second.rows] == ["V"] and not second.has_next
    assert first.totals == second.totals and "opening_value" not in first.totals and "in_value" not in first.rows[0]
    assert reports.movement(shop.p1, Scope(category_id=shop.cases.id), True, text="旧").rows[0]["sku"] == "R"


def test_turnover_and_abc(shop):
    report = reports.turnover(shop.p1, Scope())
    rows = by_sku(report.rows)
    assert [r["sku"] for r in report.rows] == ["CABLE", "CASE", "T", "U", "R", "S", "V"]
    assert {sku: r["abc"] for sku, r in rows.items()} == {"CABLE": "A", "CASE": "A", "T": "B", "U": "C", "R": "C",
                                                          "S": "C", "V": "C"}
    p = rows["CASE"]  # sold 4 - 1 returned; average stock (10 + 15) / 2 over 11 days
    assert (p["opening_qty"], p["closing_qty"], p["sold_qty"], p["sold_cost"]) == (D("10.000"), D("15.000"),
                                                                                 D("3.000"), D("19.50"))
    assert p["turnover_days"] == D("45.8") and p["on_hand"] == D("13.000") and p["value"] == D("92.08")
    assert rows["CABLE"]["turnover_days"] == D("16.5") and rows["T"]["turnover_days"] == D("49.5")
    assert rows["U"]["turnover_days"] == D("104.5") and rows["R"]["turnover_days"] is None
    assert rows["S"]["last_sale_at"] == datetime.combine(shop.today - timedelta(days=150), time(10), ZONE)
    assert rows["R"]["last_sale_at"] is None
    assert report.classes["A"] == (2, D("69.50")) and report.classes["B"] == (1, D("4.00"))
    only_b = reports.turnover(shop.p1, Scope(), abc="B")
    assert [r["sku"] for r in only_b.rows] == ["T"] and only_b.count == 1


def test_turnover_in_one_warehouse(shop):
    side = by_sku(reports.turnover(shop.p1, Scope(warehouse_id=shop.side.id)).rows)
    assert (side["CASE"]["opening_qty"], side["CASE"]["closing_qty"], side["CASE"]["on_hand"]) == (
        D("0.000"), D("2.000"), D("2.000"))
    assert side["CASE"]["abc"] == "C" and side["CASE"]["turnover_days"] is None


def test_slow_movers_and_dead_stock(shop):
    rows, count = reports.slow_movers(Scope(), days=90)
    assert [(r["sku"], r["on_hand"], r["value"]) for r in rows] == [
        ("R", D("5.000"), D("100.00")), ("S", D("9.000"), D("27.00")), ("V", D("2.000"), D("2.00"))]
    assert count == 3 and rows[0]["last_sale_at"] is None and rows[1]["last_sale_at"] is not None
    recent, _count = reports.slow_movers(Scope(), days=10)
    assert [r["sku"] for r in recent] == ["R", "CABLE", "S", "T", "U", "V"]
    assert [r["sku"] for r in reports.slow_movers(Scope(category_id=shop.cases.id), days=90)[0]] == ["R"]


def test_best_sellers(shop):
    rows = reports.best_sellers(shop.p1, Scope(), by="qty")
    assert [(r["sku"], r["sold_qty"], r["sold_cost"]) for r in rows] == [
        ("CABLE", D("50.000"), D("50.00")), ("CASE", D("3.000"), D("19.50")), ("T", D("2.000"), D("4.00")),
        ("U", D("1.000"), D("1.00"))]
    assert [r["sku"] for r in reports.best_sellers(shop.p1, Scope(), limit=2)] == ["CABLE", "CASE"]
    assert [r["sku"] for r in reports.best_sellers(shop.p1, Scope(warehouse_id=shop.side.id))] == []


def test_stockout_risk(shop):
    # last 30 days: P sold 4 - 1 + 5 = 8, 13 available -> 48.75 days; Q 50 sold, 50 left -> 30 days
    assert reports.stockout_risk(Scope(), threshold_days=14) == ([], 0)
    rows, count = reports.stockout_risk(Scope(), threshold_days=50)
    assert [(r["sku"], r["available"], r["sold_30"], r["days_left"]) for r in rows] == [
        ("CABLE", D("50.000"), D("50.000"), D("30.0")), ("CASE", D("13.000"), D("8.000"), D("48.8"))]
    assert count == 2
    level = db.session.get(StockLevel, (shop.p.id, shop.main.id))
    level.reserved = D("11")  # reserved for confirmed orders: 2 available (SIDE) -> 7.5 days, first now
    db.session.commit()
    rows, _count = reports.stockout_risk(Scope(), threshold_days=50)
    assert [(r["sku"], r["days_left"]) for r in rows] == [("CASE", D("7.5")), ("CABLE", D("30.0"))]


# ---- screens, exports and roles ----------------------------------------------------------------------------

SCREENS = ["stock_value", "inventory_summary", "turnover", "abc", "slow_movers", "best_sellers", "stockout_risk"]


PATHS = {"stock_value": "value", "inventory_summary": "summary", "turnover": "turnover", "abc": "abc",
         "slow_movers": "slow-movers", "best_sellers": "best-sellers", "stockout_risk": "stockout-risk"}

DAYS = {endpoint: 50 if endpoint == "stockout_risk" else 10 for endpoint in SCREENS}  # slow: CABLE unsold 15 days
SHOWS = {endpoint: "MAIN 总仓" if endpoint == "stock_value" else "CABLE" for endpoint in SCREENS}


def url(endpoint, **args):
    from urllib.parse import urlencode
    return f"/reports/inventory/{PATHS[endpoint]}" + (f"?{urlencode(args)}" if args else "")


@pytest.mark.parametrize("endpoint", SCREENS)
def test_screens_for_cost_roles_show_values(shop, client, login, endpoint):
    login("purchasing")
    page = client.get(url(endpoint, **shop.p1.args(), days=DAYS[endpoint]))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and SHOWS[endpoint] in html
    assert ("¥" in html) == (endpoint != "stockout_risk")  # days left and quantities only


@pytest.mark.parametrize("endpoint", SCREENS)
def test_warehouse_sees_quantities_without_values(shop, client, login, endpoint):
    login("warehouse")
    page = client.get(url(endpoint, **shop.p1.args(), days=DAYS[endpoint]))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert SHOWS[endpoint] in html
    for word in ("value</th>", "cost of goods sold</th>", "revenue</th>", "¥"):
        assert word not in html.lower(), word


@pytest.mark.parametrize("endpoint", SCREENS)
def test_sales_have_no_inventory_reports(shop, client, login, endpoint):
    login("sales")
    assert client.get(url(endpoint)).status_code == 403


def _sheet(response):
    import io

    from openpyxl import load_workbook
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_movement_summary_as_xlsx_has_every_figure(shop, client, login):
    login("finance")
    rows = _sheet(client.get(url("inventory_summary", format="xlsx", **shop.p1.args())))
    header = rows[1]
    assert header[:4] == ["SKU", "Product", "Unit", "Opening"] and "Closing value" in header
    case = dict(zip(header, next(r for r in rows if r[0] == "CASE")))
    assert (case["Opening"], case["In"], case["Out"], case["Closing"]) == (10, 11, 6, 15)
    assert (case["In value"], case["Out value"], case["Closing value"]) == (86.5, 39, 97.5)
    assert rows[-1][0] == "Total" and len(rows) == 2 + 7 + 1


def test_warehouse_xlsx_and_pdf_carry_no_values(shop, client, login):
    login("warehouse")
    header = _sheet(client.get(url("turnover", format="xlsx", **shop.p1.args())))[1]
    assert "Value" not in header and "Cost of goods sold" not in header and "Days of stock" in header
    pdf = client.get(url("stock_value", format="pdf"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_pdf_prints_the_report(shop, client, login):
    import shutil
    import subprocess
    login("owner")
    pdf = client.get(url("abc", format="pdf", **shop.p1.args()))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf.data, capture_output=True).stdout.decode()
        assert "ABC classification" in text and "CABLE" in text and "69.50" in text


def test_drill_down_and_reorder_links(shop, client, login):
    login("purchasing")
    html = client.get(url("inventory_summary", **shop.p1.args())).get_data(as_text=True)
    assert f"/stock/ledger/{shop.p.id}?date_from={shop.p1.start.isoformat()}&amp;date_to={shop.p1.end.isoformat()}" in html
    value = client.get(url("stock_value")).get_data(as_text=True)
    assert f"warehouse_id={shop.main.id}" in value and f"category={shop.cases.id}" in value
    risk = client.get(url("stockout_risk", days=50)).get_data(as_text=True)
    assert "/purchase-orders/suggestions" in risk


def test_finance_gets_no_reorder_link(shop, client, login):
    login("finance")
    assert "/purchase-orders/suggestions" not in client.get(url("stockout_risk", days=50)).get_data(as_text=True)


@pytest.mark.parametrize("endpoint, args, field", [
    ("slow_movers", {"days": "abc"}, "whole number"), ("stockout_risk", {"days": "0"}, "whole number"),
    ("best_sellers", {"top": "-3"}, "whole number"), ("inventory_summary", {"from": "2025-13-01"}, "YYYY-MM-DD"),
    ("turnover", {"from": "2025-02-01", "to": "2025-01-01"}, "after the end date")])
def test_bad_filters_are_explained(shop, client, login, endpoint, args, field):
    login("owner")
    page = client.get(url(endpoint, **args))
    assert page.status_code == 422 and field in page.get_data(as_text=True)
