"""The owner's dashboard: every figure against small hand-computed data, who may open it, and its tiles' links."""
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.db_types import business_today
from app.extensions import db
from app.partners.models import Supplier
from app.purchasing.models import PurchaseInvoice, PurchaseOrder, PurchaseStatus
from app.reports import dashboard
from app.reports.models import SalesFact
from app.reports.periods import Period, preset
from app.sales import fulfilment
from app.sales.fulfilment import QtyInput
from app.stocktake.models import Stocktake, StocktakeStatus
from app.trade.settlement import InvoiceStatus
from tests import factories

D = Decimal


@pytest.fixture
def shop(app):
    owner, seller = factories.user("owner"), factories.user("sales")
    main = factories.warehouse("MAIN", "总仓")
    case = factories.product(name="手机壳", sku="CASE", sale_price="25.00")
    cable = factories.product(name="数据线", sku="CABLE", sale_price="10.00")
    factories.stock(case, main, 10, "10.00")
    factories.stock(cable, main, 20, "4.00")
    buyer = factories.customer("华联超市", seller)
    return SimpleNamespace(owner=owner, seller=seller, main=main, case=case, cable=cable, buyer=buyer)


def sold_and_returned(s):
    """4 cases at 25 (cost 10) and 10 cables at 10 (cost 4), delivered and invoiced; then one case comes back."""
    order = factories.order(s.buyer, [(s.case, 4), (s.cable, 10)], actor=s.seller, confirm=True)
    fulfilment.deliver(s.owner, order, [QtyInput(line.id, line.qty) for line in order.lines])
    invoice = fulfilment.invoice_order(s.owner, order)
    db.session.commit()
    fulfilment.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 1)])
    db.session.commit()
    return order, invoice


def test_sales_margin_and_orders_come_from_invoices_less_returns_at_the_cost_the_goods_left_at(shop):
    sold_and_returned(shop)
    # Later receipts at a much higher cost move the average cost, not the margin already made.
    factories.stock(shop.case, shop.main, 10, "30.00")
    factories.stock(shop.cable, shop.main, 10, "9.00")
    today = preset("today")

    sales = dashboard.sales(today)

    # revenue 4 x 25 + 10 x 10 - 1 x 25 = 175; cost 4 x 10 + 10 x 4 - 1 x 10 = 70
    assert (sales.revenue, sales.cost, sales.margin) == (D("175.00"), D("70.00"), D("105.00"))
    assert sales.margin_pct == D("60.0")
    assert sales.previous_revenue == D("0.00") and sales.change_pct is None
    assert dashboard.orders_taken(today) == 1
    assert [(r.name, r.revenue, r.qty) for r in dashboard.top_products(today)] == [
        ("数据线", D("100.00"), D("10.000")), ("手机壳", D("75.00"), D("3.000"))]
    assert [(r.name, r.revenue) for r in dashboard.top_customers(today)] == [("华联超市", D("175.00"))]


def test_the_page_shows_the_figures_and_links_each_tile_to_what_is_behind_it(shop, client, login):
    sold_and_returned(shop)
    login("owner")

    html = client.get("/reports/").get_data(as_text=True)

    assert "¥175.00" in html and "¥105.00" in html  # revenue, margin
    assert "60%" in html or "60.0%" in html
    assert 'href="/invoices?overdue=1"' in html
    assert 'href="/purchase-orders/suggestions"' in html  # the owner reorders what is below minimum
    assert 'href="/purchase-orders"' in html
    assert html.count("<svg class=\"chart") >= 3  # the trend line, the daily bars, top products and customers
    assert f'href="/products/{shop.cable.id}"' in html and f'href="/customers/{shop.buyer.id}"' in html


def fact(day, product, customer, warehouse, revenue, cost, qty="1"):
    db.session.add(SalesFact(day=day, product_id=product.id, customer_id=customer.id, warehouse_id=warehouse.id,
                             qty=D(qty), revenue=D(revenue), cost=D(cost)))


@pytest.fixture
def facts(app):
    """Sales facts over a few days, written directly: the dashboard reads nothing else for its sales figures."""
    main = factories.warehouse()
    products = [factories.product(name=f"P{n}") for n in range(1, 7)]
    c1, c2, c3 = (factories.customer(name) for name in ("甲", "乙", "丙"))
    today = business_today()
    p1, p2, p3, p4, p5, p6 = products
    fact(today, p1, c1, main, "100.00", "60.00", "2")
    fact(today, p1, c1, main, "-10.00", "-6.00", "-1")  # a credited return
    fact(today, p2, c2, main, "50.00", "20.00")
    fact(today, p4, c3, main, "20.00", "5.00")
    fact(today, p5, c3, main, "10.00", "5.00")
    fact(today, p6, c2, main, "5.00", "1.00")
    fact(today - timedelta(days=1), p3, c3, main, "30.00", "10.00")
    fact(today - timedelta(days=29), p6, c1, main, "7.00", "3.00")
    fact(today - timedelta(days=30), p6, c1, main, "1000.00", "1.00")  # before the trend's 30 days
    db.session.commit()
    return SimpleNamespace(today=today, products=products, customers=(c1, c2, c3))


def test_a_period_is_compared_with_the_one_just_before(facts):
    today = facts.today
    sales = dashboard.sales(Period(today, today))
    # today: 100 - 10 + 50 + 20 + 10 + 5 = 175, cost 60 - 6 + 20 + 5 + 5 + 1 = 85; yesterday: 30
    assert (sales.revenue, sales.cost, sales.previous_revenue) == (D("175.00"), D("85.00"), D("30.00"))
    assert sales.change_pct == D("483.3")  # (175 - 30) / 30

    two_days = dashboard.sales(Period(today - timedelta(days=1), today))
    assert (two_days.revenue, two_days.previous_revenue) == (D("205.00"), D("0.00"))


def test_top_five_products_and_customers_by_revenue_net_of_returns(facts):
    period = Period(facts.today - timedelta(days=1), facts.today)
    assert [(r.name, r.revenue, r.qty) for r in dashboard.top_products(period)] == [
        ("P1", D("90.00"), D("1.000")), ("P2", D("50.00"), D("1.000")), ("P3", D("30.00"), D("1.000")),
        ("P4", D("20.00"), D("1.000")), ("P5", D("10.00"), D("1.000"))]  # P6 (5.00) is sixth
    assert [(r.name, r.revenue) for r in dashboard.top_customers(period)] == [
        ("甲", D("90.00")), ("丙", D("60.00")), ("乙", D("55.00"))]


def test_the_trend_has_every_one_of_the_last_30_days_with_zero_for_days_without_sales(facts):
    days = dashboard.trend(facts.today)
    assert len(days) == 30 and days[0].day == facts.today - timedelta(days=29) and days[-1].day == facts.today
    assert (days[0].revenue, days[0].margin) == (D("7.00"), D("4.00"))
    assert (days[-2].revenue, days[-2].margin) == (D("30.00"), D("20.00"))
    assert (days[-1].revenue, days[-1].margin) == (D("175.00"), D("90.00"))
    assert sum(day.revenue for day in days[1:-2]) == D("0")


def purchase_order(supplier, warehouse, status, total):
    order = PurchaseOrder(number=f"PO-{status}-{total}", supplier_id=supplier.id, warehouse_id=warehouse.id,
                          status=status, total=D(total))
    db.session.add(order)
    db.session.flush()
    return order


def supplier_invoice(order, due_on, total, paid="0.00"):
    invoice = PurchaseInvoice(number=f"PI-{order.id}-{due_on}-{total}", order_id=order.id,
                              supplier_id=order.supplier_id, issued_on=due_on - timedelta(days=30), due_on=due_on,
                              subtotal=D(total), tax=D("0"), total=D(total), paid=D(paid), credited=D("0"))
    invoice.refresh_status()
    db.session.add(invoice)


def test_what_needs_attention(shop):
    _order, invoice = sold_and_returned(shop)
    today = business_today()
    invoice.due_on = today - timedelta(days=1)
    supplier = Supplier(name="深圳配件厂")
    db.session.add(supplier)
    db.session.flush()
    for status, total in ((PurchaseStatus.CONFIRMED, "500.00"), (PurchaseStatus.PARTIALLY_RECEIVED, "300.00"),
                          (PurchaseStatus.DRAFT, "999.00"), (PurchaseStatus.RECEIVED, "111.00")):
        order = purchase_order(supplier, shop.main, status, total)
    supplier_invoice(order, today - timedelta(days=1), "100.00", paid="40.00")   # overdue: 60 open
    supplier_invoice(order, today - timedelta(days=9), "80.00", paid="80.00")    # paid: not counted
    supplier_invoice(order, today, "70.00")                                      # due today
    supplier_invoice(order, today + timedelta(days=7), "200.00")                 # due within the week
    supplier_invoice(order, today + timedelta(days=8), "50.00")                  # later: not yet
    for number, status in (("ST-1", StocktakeStatus.OPEN), ("ST-2", StocktakeStatus.OPEN),
                           ("ST-3", StocktakeStatus.POSTED)):
        db.session.add(Stocktake(number=number, warehouse_id=shop.main.id, status=status))
    factories.product(name="快没货了", min_stock="5")  # none on hand, minimum 5
    db.session.commit()

    overdue = dashboard.overdue_receivables(today)
    # the invoice: 200 + 13 % tax = 226; the returned case credited 25 + 13 % = 28.25
    assert (overdue.count, overdue.amount) == (1, D("197.75"))
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    payables = dashboard.payables_due(today)
    assert (payables.overdue.count, payables.overdue.amount) == (1, D("60.00"))
    assert (payables.due_soon.count, payables.due_soon.amount) == (2, D("270.00"))
    assert (dashboard.open_purchase_orders().count, dashboard.open_purchase_orders().amount) == (2, D("800.00"))
    assert dashboard.open_stocktakes() == 2
    assert dashboard.below_minimum() == 1


@pytest.mark.parametrize("role, status", [("owner", 200), ("finance", 200), ("sales", 403), ("warehouse", 403),
                                          ("purchasing", 403)])
def test_only_the_owner_and_finance_open_the_dashboard(client, login, role, status):
    login(role)
    assert client.get("/reports/").status_code == status
    assert client.get("/reports/summary").status_code == status
    assert client.get("/reports/list").status_code == 200  # every role has a list of the reports it may open


@pytest.mark.parametrize("role, sees", [("sales", False), ("finance", True)])
def test_the_report_list_offers_only_what_the_role_may_open(client, login, role, sees):
    login(role)
    html = client.get("/reports/list").get_data(as_text=True)
    assert ('href="/reports/"' in html) is sees and ("/purchase-orders/analysis" in html) is sees


def test_finance_sees_low_stock_as_the_stock_list_not_reorder_suggestions(client, login):
    login("finance")
    html = client.get("/reports/").get_data(as_text=True)
    assert 'href="/stock?flag=low"' in html and "/purchase-orders/suggestions" not in html


@pytest.mark.parametrize("period", ["today", "week", "month"])
def test_the_switch_picks_the_period(client, login, period):
    login("owner")
    html = client.get(f"/reports/?period={period}").get_data(as_text=True)
    assert f'aria-current="true"\n       href="/reports/?period={period}"' in html or \
        f'aria-current="true" href="/reports/?period={period}"' in html.replace("\n       ", " ")


def test_bad_dates_are_a_clear_422_not_an_error(client, login):
    login("owner")
    response = client.get("/reports/?from=2026-13-45")
    assert response.status_code == 422 and "YYYY-MM-DD" in response.get_data(as_text=True)


def test_the_home_loads_todays_tiles_for_the_owner(client, login):
    login("owner")
    assert 'hx-get="/reports/summary"' in client.get("/").get_data(as_text=True)
    fragment = client.get("/reports/summary", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'id="dash-summary"' in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)


def test_a_salespersons_home_has_no_dashboard_tiles(client, login):
    login("sales")
    assert "/reports/summary" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("back, length", [(0, 1), (0, 7), (3, 31), (40, 60)])
def test_the_pages_single_by_day_query_gives_what_the_separate_figures_give(facts, back, length):
    end = facts.today - timedelta(days=back)
    period = Period(end - timedelta(days=length - 1), end)
    sales, trend = dashboard.sales_and_trend(period, facts.today)
    assert sales == dashboard.sales(period) and trend == dashboard.trend(facts.today)


def test_the_sales_tiles_and_charts_drill_down_to_the_sales_report_for_the_same_days(client, login):
    login("owner")
    html = client.get("/reports/?period=today").get_data(as_text=True)
    today = business_today().isoformat()
    for part in (f"/reports/sales?from={today}&amp;to={today}", "group_by=product", "group_by=customer",
                 "group_by=day"):
        assert part in html, part
    assert client.get(f"/reports/sales?from={today}&to={today}&group_by=product").status_code == 200
